"""`linkvault changes`: what changed under a report's links since a date or the last run, on the fake web with the
clock moved forward between re-checks (never a sleep): exactly the links whose history or drift changed, every
change since a date before them all, nothing when nothing changed, a source that died and a passage gone as
errors, the JSON as the schema says, and a page's hostile title escaped in the HTML."""

from __future__ import annotations

import json
from html import escape

import pytest
from fakeweb.server import html
from jsonschema import Draft202012Validator
from terminal_lines import lines_wider_than
from test_recheck import ARREST, ARTICLE, CASE, EDITED_AWAY, GONE, _options, arrest_article, article
from virtual_clock import DayClock

import linkvault
from linkvault.cli import cli

CALENDAR = "https://city-hall.invalid/calendar/april"


@pytest.fixture
def clock() -> DayClock:
    return DayClock()


def _recheck(fakeweb, clock, vault) -> None:
    linkvault.recheck((), vault, _options(fakeweb, clock), clock=clock)


def _fetched(tmp_path, fakeweb, clock, sentence: str, *pages: tuple[str, html]):
    """A report citing `pages` (URL, page) in order after `sentence`, fetched on day 0; (report, vault)."""
    for url, page in pages:
        fakeweb.route_url(url, page)
    notes = "".join(f"[{n}] {url}\n" for n, (url, _) in enumerate(pages, start=1))
    report = tmp_path / "chronicle.txt"
    report.write_text(f"{sentence}\n\n{notes}", encoding="utf-8")
    vault = tmp_path / "vault"
    linkvault.fetch([report], vault, _options(fakeweb, clock))
    return report, vault


def _one_case(tmp_path, fakeweb, clock, page: html | None = None):
    return _fetched(tmp_path, fakeweb, clock, "Дело 1187[1].", (CASE, page or article("Дело 1187")))


@pytest.fixture
def three_runs(tmp_path, fakeweb, clock):
    """Fetched on day 0; on day 7 the court case answers 404 (failing); on day 14 it is back, and the arrest article's
    supporting paragraph has been edited away. The city calendar never changes."""
    report, vault = _fetched(tmp_path, fakeweb, clock,
                             "April 4, Almaty, journalist Makhambet Abzhan was sentenced to 10 days of arrest[1]. "
                             "Дело 1187[2]. Календарь мероприятий[3].",
                             (ARTICLE, arrest_article(ARREST)), (CASE, article("Дело 1187")),
                             (CALENDAR, article("Календарь мероприятий")))
    fakeweb.route_url(CASE, GONE)
    _recheck(fakeweb, clock.forward(7), vault)
    fakeweb.route_url(CASE, article("Дело 1187"))
    fakeweb.route_url(ARTICLE, arrest_article(EDITED_AWAY))
    _recheck(fakeweb, clock.forward(7), vault)
    return report, vault


def _changes(runner, vault, *args):
    done = runner.invoke(cli, ["--vault", str(vault), "changes", *args, "--format", "json"])
    return done, json.loads(done.stdout)


def _moves(data) -> list[tuple[str, str, str | None, str, str, str]]:
    return [(c["label"], c["aspect"], c["before"], c["after"], c["at"][:10], c["severity"]) for c in data["changes"]]


def test_since_last_lists_exactly_the_links_whose_state_or_drift_changed_in_the_last_run(three_runs, runner):
    report, vault = three_runs
    done, data = _changes(runner, vault, "--since", "last")
    assert _moves(data) == [("1", "drift", "unchanged", "passage-gone", "2026-11-16", "error"),
                            ("2", "history", "failing (1 of 3)", "alive", "2026-11-16", "info")]
    assert data["since"].startswith("2026-11-16") and data["since_last"] is True
    assert (data["summary"]["links"], data["summary"]["changed_links"]) == (3, 2)
    assert done.exit_code == 1  # the passage gone is an error


def test_a_date_before_everything_lists_every_change_with_when_it_happened(three_runs, runner):
    report, vault = three_runs
    done, data = _changes(runner, vault, str(report), "--since", "2026-11-01")
    assert _moves(data) == [("1", "drift", "unchanged", "passage-gone", "2026-11-16", "error"),
                            ("2", "history", "alive", "failing (1 of 3)", "2026-11-09", "warning"),
                            ("2", "history", "failing (1 of 3)", "alive", "2026-11-16", "info")]
    assert data["summary"]["by_severity"] == {"error": 1, "warning": 1, "info": 1}


def test_a_date_between_the_runs_lists_only_what_changed_after_it(three_runs, runner):
    report, vault = three_runs
    done, data = _changes(runner, vault, "--since", "2026-11-12")
    assert [(label, aspect) for label, aspect, *_ in _moves(data)] == [("1", "drift"), ("2", "history")]


def test_nothing_changed_is_an_empty_list_and_exit_0(tmp_path, fakeweb, clock, runner):
    report, vault = _one_case(tmp_path, fakeweb, clock)
    just_fetched, data = _changes(runner, vault)
    assert (just_fetched.exit_code, data["changes"]) == (0, [])
    _recheck(fakeweb, clock.forward(7), vault)
    for since in ("last", "2026-01-01"):
        done, data = _changes(runner, vault, "--since", since)
        assert (done.exit_code, data["changes"], data["summary"]["links"]) == (0, [], 1)
    table = runner.invoke(cli, ["--vault", str(vault), "changes"])
    assert table.exit_code == 0 and "nothing changed under 1 link" in table.output


def test_a_source_that_died_is_an_error_and_a_link_starting_to_fail_only_a_warning(tmp_path, fakeweb, clock, runner):
    report, vault = _one_case(tmp_path, fakeweb, clock)
    fakeweb.route_url(CASE, GONE)
    _recheck(fakeweb, clock.forward(7), vault)
    failing, data = _changes(runner, vault)
    assert (_moves(data), failing.exit_code) == ([("1", "history", "alive", "failing (1 of 3)", "2026-11-09",
                                                   "warning")], 0)
    assert runner.invoke(cli, ["--vault", str(vault), "changes", "--fail-on", "warning"]).exit_code == 1
    dead, data = _changes(runner, vault, "--dead-after", "1")
    assert (_moves(data), dead.exit_code) == ([("1", "history", "alive", "dead", "2026-11-09", "error")], 1)


def test_the_json_is_the_schemas_changes_object(three_runs):
    from test_output_schema import SCHEMA

    from linkvault.render.changes import changes_json

    data = changes_json(linkvault.changes((), three_runs[1], "2026-11-01"))
    changes_schema = {"$ref": "#/$defs/changes", "$defs": SCHEMA["$defs"]}
    assert list(Draft202012Validator(SCHEMA).iter_errors(data)) == []
    assert list(Draft202012Validator(changes_schema).iter_errors(data)) == []
    recheck_schema = {"$ref": "#/$defs/recheck", "$defs": SCHEMA["$defs"]}
    assert list(Draft202012Validator(recheck_schema).iter_errors(data)) != []  # not taken for another command's


def test_the_table_keeps_within_80_columns_and_says_what_moved(three_runs, runner):
    from linkvault.render.changes import render_changes

    table = render_changes(linkvault.changes((), three_runs[1], "2026-11-01"), "table", width=80)
    assert lines_wider_than(table, 80, three_runs[0]) == [], table
    assert "alive → failing (1 of 3)" in table and "unchanged → passage-gone" in table
    assert table.splitlines()[-1] == "3 changes under 2 of 3 links: 1 error, 1 warning, 1 info"


def test_the_html_escapes_a_hostile_page_title(tmp_path, fakeweb, clock, runner):
    hostile = escape("<script>alert('vault')</script><img src=x onerror=alert(1)>")  # the page's text reads the tags
    report, vault = _one_case(tmp_path, fakeweb, clock, html(
        f"<html><head><title>{hostile}</title></head><body><article><h1>{hostile}</h1>"
        "<p>Суд рассмотрел дело журналиста и назначил новое заседание на май.</p></article></body></html>"))
    fakeweb.route_url(CASE, GONE)
    _recheck(fakeweb, clock.forward(7), vault)
    done = runner.invoke(cli, ["--vault", str(vault), "changes", "--format", "html"])
    assert done.exit_code == 0 and "alive → failing (1 of 3)" in done.output
    assert "<script>alert" not in done.output and "<img src=x" not in done.output
    assert "&lt;script&gt;alert(&#x27;vault&#x27;)&lt;/script&gt;" in done.output


def test_a_vault_never_fetched_a_report_never_fetched_and_a_bad_date_are_one_line_errors(tmp_path, three_runs,
                                                                                          runner):
    report, vault = three_runs
    nowhere = runner.invoke(cli, ["--vault", str(tmp_path / "none"), "changes"])
    other = tmp_path / "other.txt"
    other.write_text("A[1].\n\n[1] https://example.invalid/a\n", encoding="utf-8")
    unknown = runner.invoke(cli, ["--vault", str(vault), "changes", str(other)])
    bad_date = runner.invoke(cli, ["--vault", str(vault), "changes", "--since", "last tuesday"])
    for done, says in ((nowhere, "no vault here"), (unknown, "not a report fetched into this vault"),
                       (bad_date, "not a date")):
        assert done.exit_code == 2 and says in done.output and len(done.output.strip().splitlines()) == 1
        assert "Traceback" not in done.output
