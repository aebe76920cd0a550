"""One JSON vocabulary: `check`, `fetch`, `report` and `verify` on the example report (fetched from the fake web)
all follow linkvault/schema/output.schema.json, and name the same footnote with the same fields and values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import EXAMPLE, ROOT
from jsonschema import Draft202012Validator

from linkvault.cli import cli
from linkvault.render.records import schema_text

SCHEMA = json.loads(schema_text())
COMMON = ("number", "label", "line", "url", "host")
VERDICT = ("category", "state", "detail", "http_status", "final_url", "archived_at", "warc")
ONE_URL = "https://kaztag.kz/ru/news/politsiya-podtverdila-arest-zhurnalista-daniyara-adilbekova-po-ugolovnomu-delu"


def errors(data, definition: str | None = None) -> list[str]:
    """Every way `data` breaks the schema (or one of its definitions), as readable lines."""
    schema = SCHEMA if definition is None else {"$ref": f"#/$defs/{definition}", "$defs": SCHEMA["$defs"]}
    Draft202012Validator.check_schema(schema)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in Draft202012Validator(schema).iter_errors(data)]


@pytest.fixture(scope="module")
def outputs(fakeweb_session, tmp_path_factory) -> dict:
    """The four commands' JSON on the example report, `fetch` run against the fake web into a fresh vault."""
    vault = str(tmp_path_factory.mktemp("schema") / "vault")
    runner = CliRunner()
    web = fakeweb_session
    fetched = runner.invoke(cli, ["--vault", vault, "fetch", str(EXAMPLE), "--proxy", web.proxy_url, "--ca-bundle",
                                  web.ca_pem_path, "--no-timestamp", "--no-screenshots", "--format", "json"])
    assert fetched.exit_code == 1, fetched.output  # the 15 footnotes cited with no source
    out = {"fetch": json.loads(fetched.stdout)}
    for command in ("check", "report", "verify"):
        result = runner.invoke(cli, ["--vault", vault, command, str(EXAMPLE), "--format", "json"])
        assert result.exit_code == 1, result.output
        out[command] = json.loads(result.stdout)
    one = runner.invoke(cli, ["--vault", str(tmp_path_factory.mktemp("urls") / "vault"), "fetch", ONE_URL, "--proxy",
                              web.proxy_url, "--ca-bundle", web.ca_pem_path, "--no-timestamp", "--no-screenshots",
                              "--format", "json"])
    assert one.exit_code == 0, one.output
    out["fetch URL"] = json.loads(one.stdout)  # URLs as arguments: a report of format `urls`
    return out


def test_the_schema_ships_in_the_package_and_is_a_valid_json_schema():
    assert (ROOT / "linkvault" / "schema" / "output.schema.json").read_text(encoding="utf-8") == schema_text()
    Draft202012Validator.check_schema(SCHEMA)
    assert "schema/*.json" in (ROOT / "setup.cfg").read_text(encoding="utf-8")


def test_check_json_follows_the_schema_without_fetching(runner):
    data = json.loads(runner.invoke(cli, ["check", str(EXAMPLE), "--format", "json"]).stdout)
    assert errors(data) == [] and errors(data, "check") == []
    missing = [f for f in data["footnotes"] if f["category"] == "missing"]
    assert len(missing) == 15 and {f["state"] for f in missing} == {"missing-footnote"}
    assert all(f["url"] is None and f["detail"] for f in missing)


@pytest.mark.parametrize("command", ["check", "fetch", "report", "verify", "fetch URL"])
def test_every_command_json_follows_the_schema(outputs, command):
    assert errors(outputs[command]) == []
    assert errors(outputs[command], command.split()[0]) == []


def test_the_report_json_is_not_taken_for_another_command(outputs):
    assert errors(outputs["report"], "verify") and errors(outputs["report"], "check")
    assert errors(outputs["check"], "report") and errors(outputs["fetch"], "report")


def test_no_footnote_has_a_null_category_and_missing_ones_are_their_own(outputs):
    for command in ("check", "report", "verify"):
        notes = outputs[command]["footnotes"]
        assert all(f["category"] for f in notes), command
        assert sum(1 for f in notes if f["category"] == "missing") == 15, command
    fetched = outputs["fetch"]["reports"][0]["footnotes"]
    assert sum(1 for f in fetched if f["category"] == "missing") == 15


def _by_key(records: list[dict]) -> dict:
    return {(f["label"], f["url"]): f for f in records}


def test_every_command_names_the_same_footnote_with_the_same_fields_and_values(outputs):
    fetch = _by_key(outputs["fetch"]["reports"][0]["footnotes"])
    check, report, verify = (_by_key(outputs[c]["footnotes"]) for c in ("check", "report", "verify"))
    assert set(fetch) == set(check) == set(report) == set(verify) and len(fetch) == 100
    for key, note in report.items():
        for other in (fetch, check, verify):
            assert {k: other[key][k] for k in COMMON} == {k: note[k] for k in COMMON}, key
        assert {k: verify[key][k] for k in VERDICT} == {k: note[k] for k in VERDICT}, key
        assert {k: fetch[key][k] for k in VERDICT} == {k: note[k] for k in VERDICT}, key
    one = report[("1", ONE_URL)]
    assert one["category"] == "alive" and one["warc"]["file"].endswith(".warc.gz") and one["archived_at"]
    assert isinstance(one["warc"]["offset"], int) and one["claim"]["verdict"]
    assert set(verify[("1", one["url"])]["claim"]) == {"verdict", "reason", "text", "facts"}


def test_the_readme_documents_the_vocabulary():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "linkvault/schema/output.schema.json" in readme
    for name in ("number", "label", "line", "url", "category", "state", "detail", "archived_at", "warc", "missing"):
        assert f"`{name}`" in readme, name


def test_fetch_records_say_which_came_from_earlier_runs(outputs):
    fetched = [f for f in outputs["fetch"]["reports"][0]["footnotes"] if f["url"]]
    assert len(fetched) == 85 and not any(f["reused"] for f in fetched)
    assert all(f["category"] == "alive" or f["state"] in ("login-wall", "not-found", "deleted-post",
                                                          "redirected-to-homepage") for f in fetched)
    assert Path(outputs["fetch"]["vault"]).name == "vault"


def test_report_and_recheck_json_carry_each_links_history_as_the_schema_says(fakeweb, tmp_path):
    """A link checked again has a `history` in report's JSON, and recheck prints its own object; neither is taken for
    another command's."""
    from datetime import datetime, timedelta, timezone

    from fakeweb.server import html

    import linkvault
    from linkvault.archive import FetchOptions
    from linkvault.archive.warc import IdsAndClock
    from linkvault.render.recheck import recheck_json
    from linkvault.render.review import as_json_object

    now = [datetime(2026, 11, 2, tzinfo=timezone.utc)]
    options = FetchOptions(proxy=fakeweb.proxy_url, ca_bundle=fakeweb.ca_pem_path, retries=0, timeout=5,
                           ids_and_clock=IdsAndClock(now=lambda: now[0]))
    fakeweb.route_url("https://news.invalid/a", html("<html><body><h1>Gone</h1></body></html>", status=404))
    report = tmp_path / "r.txt"
    report.write_text("A[1].\n\n[1] https://news.invalid/a\n", encoding="utf-8")
    linkvault.fetch([report], tmp_path / "v", options)
    now[0] += timedelta(days=3)
    rechecked = recheck_json(linkvault.recheck((), tmp_path / "v", options, clock=lambda: now[0]))
    reported = as_json_object(linkvault.review(report, tmp_path / "v"))
    assert errors(rechecked) == [] and errors(rechecked, "recheck") == [] and errors(rechecked, "report")
    assert errors(reported) == [] and errors(reported, "report") == [] and errors(reported, "recheck")
    assert reported["footnotes"][0]["history"]["status"] == "failing" == rechecked["links"][0]["history"]["status"]
