"""A second vantage point (`fetch --vantage NAME=PROXY`): a failure seen from one network is checked from another
before it counts. Alive from one and blocked from another is `geo-blocked`; failing from every vantage point is
judged as today; a vantage point that cannot look (its proxy down) changes no verdict. Over real sockets: the
run's own egress is a national filter in front of the fake web (tests/fakeweb/filter.py), the other vantage
point the fake web's clean proxy."""

from __future__ import annotations

import json
import sqlite3

import pytest
from fakeweb.filter import NationalFilter
from fakeweb.server import html, redirect
from listeners import listening
from terminal_lines import lines_wider_than
from test_output_schema import errors
from test_own_side_failures import _closed_port, no_proxy_environment  # noqa: F401 -- a fixture, used by name
from warcio.archiveiterator import ArchiveIterator

import linkvault
from linkvault.archive.screenshot import chromium
from linkvault.cli import cli
from linkvault.model import Capture, LinkState
from linkvault.states import across_vantages, worth_a_second_look
from linkvault.vault import Vault


def _article(title: str, paragraph: str) -> str:
    return (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1><p>{paragraph}</p>"
            f"<p>{paragraph} The editorial board confirmed the account to our correspondent on the same day.</p>"
            "</article></body></html>")


SOURCES = {
    # blocked by the filter at home (the run's own egress), alive from abroad
    "https://independent-news.invalid/2024/05/protest-in-almaty": (
        "reset", html(_article("Protest in Almaty", "Several hundred people gathered on Republic Square."))),
    "http://opposition-paper.invalid/articles/881": (
        "451", html(_article("The land code hearings", "Deputies postponed the hearings on the land code again."))),
    "http://rights-forum.invalid/topic/77": (
        "403", html(_article("Detained blogger's hearing", "The court extended the blogger's detention by a month."))),
    # dead from everywhere
    "https://court-portal.invalid/case/1187": (
        None, html("<html><head><title>Not found</title></head><body><h1>404: no such case</h1></body></html>",
                   status=404)),
    # alive, and never looked at twice
    "https://gov-portal.invalid/news/12": (
        None, html(_article("Government meeting", "The government discussed the budget for the coming year."))),
}
pytestmark = pytest.mark.usefixtures("no_proxy_environment")  # every proxy a run uses is the one it is given
GEO = [url for url, (block, _) in SOURCES.items() if block]
DEAD = "https://court-portal.invalid/case/1187"
ALIVE = "https://gov-portal.invalid/news/12"


@pytest.fixture
def cited(tmp_path, fakeweb):
    for url, (_, page) in SOURCES.items():
        fakeweb.route_url(url, page)
    return _report(tmp_path, list(SOURCES))


@pytest.fixture
def national_filter(fakeweb):
    with NationalFilter(fakeweb, {url.split("/")[2]: block for url, (block, _) in SOURCES.items() if block}) as proxy:
        yield proxy


def _report(tmp_path, urls: list[str]):
    report = tmp_path / "chronicle.txt"
    body = " ".join(f"Event {n}[{n}]." for n in range(1, len(urls) + 1))
    report.write_text(body + "\n\n" + "\n".join(f"[{n}] {u}" for n, u in enumerate(urls, 1)) + "\n", encoding="utf-8")
    return report


def _fetch(runner, vault, report, proxy, fakeweb, *args):
    return runner.invoke(cli, ["--vault", str(vault), "fetch", str(report), "--retries", "0", "--timeout", "5",
                               "--no-screenshots", "--no-timestamp", "--proxy", proxy, "--ca-bundle",
                               fakeweb.ca_pem_path, *args])


# The verdicts as one capture reads them, a failure dead at once: these tests pin what each vantage point saw (a
# failure's history, failing until confirmed, is tests/test_failing_verdict.py's).
AT_ONCE = linkvault.HistoryRules(dead_after=1)


def _verdicts(report, vault) -> dict:
    return {row.url: (row.category, row.state, row.http_status)
            for row in linkvault.review(report, vault, rules=AT_ONCE).rows}


def _rows(vault, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(vault / "linkvault.db") as db:
        return db.execute(sql, params).fetchall()


def test_alive_from_abroad_and_blocked_at_home_is_geo_blocked_and_the_alive_capture_stands(
        tmp_path, fakeweb, runner, cited, national_filter):
    vault = tmp_path / "vault"
    result = _fetch(runner, vault, cited, national_filter.url, fakeweb, "--vantage", f"abroad={fakeweb.proxy_url}")
    assert result.exit_code == 1, result.output  # the dead court page
    rows = {row.url: row for row in linkvault.review(cited, vault, rules=AT_ONCE).rows}
    for url in GEO:
        assert (rows[url].category, rows[url].state, rows[url].http_status) == ("restricted", "geo-blocked", 200), url
        assert rows[url].detail.startswith("alive from abroad, but not from here: ")
        assert rows[url].vantage == "abroad" and rows[url].archived
    assert "here: connection-error" in rows[GEO[0]].detail
    assert "HTTP 451" in rows[GEO[1]].detail
    assert "here: bot-blocked" in rows[GEO[2]].detail and "HTTP 403" in rows[GEO[2]].detail
    assert (rows[DEAD].category, rows[DEAD].state) == ("dead", "not-found") and rows[DEAD].vantage == "here"
    assert (rows[ALIVE].category, rows[ALIVE].state, rows[ALIVE].vantage) == ("alive", "ok", "here")
    assert sorted(set(national_filter.blocked)) == sorted(u.split("/")[2] for u in GEO)
    # the alive page was never asked for twice; the dead one was asked from both
    looks = _rows(vault, "select url, role, vantage, state from captures where role in ('cited', 'vantage') "
                         "order by url, role")
    assert [(role, vantage) for url, role, vantage, _ in looks if url == ALIVE] == [("cited", "here")]
    assert [(role, vantage, state) for url, role, vantage, state in looks if url == DEAD] == [
        ("cited", "here", "not-found"), ("vantage", "abroad", "not-found")]
    assert [(role, vantage) for url, role, vantage, _ in looks if url == GEO[1]] == [
        ("cited", "abroad"), ("vantage", "here")]
    # the standing capture's text is the page's, searchable
    assert any(hit.url == GEO[1] for hit in linkvault.search("land code", vault))


def test_a_link_dead_from_every_vantage_point_is_judged_as_without_one(tmp_path, fakeweb, runner, cited,
                                                                       national_filter):
    alone, both = tmp_path / "alone", tmp_path / "both"
    _fetch(runner, alone, cited, national_filter.url, fakeweb)
    fakeweb.route_url(GEO[1], html("<html><body><h1>Not found</h1></body></html>", status=404))  # gone abroad too
    _fetch(runner, both, cited, national_filter.url, fakeweb, "--vantage", f"abroad={fakeweb.proxy_url}")
    without, with_vantage = _verdicts(cited, alone), _verdicts(cited, both)
    assert with_vantage[DEAD] == without[DEAD] == ("dead", "not-found", 404)
    assert with_vantage[GEO[1]] == without[GEO[1]] == ("unknown", "unknown", 451)  # the filter's answer stands
    details = {row.url: row.detail for row in linkvault.review(cited, both, rules=AT_ONCE).rows}
    assert details[DEAD] == "the page does not exist (HTTP 404)"


@pytest.mark.parametrize("home_is_filtered", [False, True])
def test_a_vantage_point_whose_proxy_is_down_changes_no_verdict(tmp_path, fakeweb, runner, cited, national_filter,
                                                                home_is_filtered):
    home = national_filter.url if home_is_filtered else fakeweb.proxy_url
    alone, both = tmp_path / "alone", tmp_path / "both"
    _fetch(runner, alone, cited, home, fakeweb)
    port = _closed_port()
    result = _fetch(runner, both, cited, home, fakeweb, "--vantage", f"elsewhere=http://127.0.0.1:{port}")
    assert _verdicts(cited, both) == _verdicts(cited, alone)
    said = " ".join(result.output.split())
    assert f"the vantage point elsewhere could not look (the proxy http://127.0.0.1:{port} refused the connection)" in said
    # a proxy that is down is our side's failure, never a link's: its looks judged nothing and nothing stands on them
    tried = _rows(both, "select distinct role, error from captures where vantage = 'elsewhere'")
    assert tried == [("vantage", "proxy-unreachable")]


def test_the_guard_refuses_a_private_target_through_every_vantage_point(tmp_path, fakeweb, runner, cited,
                                                                        national_filter):
    with listening() as (port, reached):
        fakeweb.route_url(GEO[0], redirect(f"http://127.0.0.1:{port}/admin"))  # abroad, the page leads inside
        vault = tmp_path / "vault"
        _fetch(runner, vault, cited, national_filter.url, fakeweb, "--vantage", f"abroad={fakeweb.proxy_url}")
    assert reached == []
    assert _rows(vault, "select state from captures where url = ? and vantage = 'abroad'", GEO[0]) == [
        ("blocked-address",)]
    assert _verdicts(cited, vault)[GEO[0]][:2] == ("dead", "connection-error")  # home's failure, as without a vantage


def test_each_capture_names_its_vantage_point_in_the_vault_and_the_warc(tmp_path, fakeweb, runner, cited,
                                                                        national_filter):
    vault = tmp_path / "vault"
    _fetch(runner, vault, cited, national_filter.url, fakeweb, "--vantage", f"abroad={fakeweb.proxy_url}",
           "--vantage-name", "almaty")
    facts = []
    for warc in (vault / "warc").glob("*.warc.gz"):
        with open(warc, "rb") as fh:
            facts += [json.loads(r.content_stream().read()) for r in ArchiveIterator(fh) if r.rec_type == "metadata"]
    seen = {(f["url"], f["vantage"]["name"]): f["vantage"]["proxy"] for f in facts if "vantage" in f}
    assert seen[(GEO[1], "abroad")] == fakeweb.proxy_url and seen[(GEO[1], "almaty")] == national_filter.url
    assert seen[(ALIVE, "almaty")] == national_filter.url and (ALIVE, "abroad") not in seen
    assert _rows(vault, "select vantage from captures where url = ? and role = 'cited'", GEO[1]) == [("abroad",)]
    described = json.loads((vault / "metadata.json").read_text())["databases"]
    assert any("vantage" in db["tables"]["captures"]["columns"] for db in described.values())


def test_report_and_show_name_the_vantage_point(tmp_path, fakeweb, runner, cited, national_filter):
    vault = tmp_path / "vault"
    fetched = _fetch(runner, vault, cited, national_filter.url, fakeweb, "--vantage", f"abroad={fakeweb.proxy_url}",
                     "--format", "json")
    assert errors(json.loads(fetched.stdout)) == []
    assert {item["url"]: item["vantage"] for item in json.loads(fetched.stdout)["reports"][0]["footnotes"]}[GEO[0]] == "abroad"
    as_json = runner.invoke(cli, ["--vault", str(vault), "report", str(cited), "--format", "json"])
    items = {item["url"]: item for item in json.loads(as_json.stdout)["footnotes"]}
    assert errors(json.loads(as_json.stdout)) == []
    assert items[GEO[1]]["state"] == "geo-blocked" and items[GEO[1]]["vantage"] == "abroad"
    as_csv = runner.invoke(cli, ["--vault", str(vault), "report", str(cited), "--format", "csv"]).stdout
    assert as_csv.splitlines()[0].endswith(",vantage") and "geo-blocked" in as_csv
    for fmt in ("markdown", "html", "table"):
        out = runner.invoke(cli, ["--vault", str(vault), "report", str(cited), "--format", fmt]).output
        assert "geo-blocked" in out and "abroad" in out, fmt
    shown = runner.invoke(cli, ["--vault", str(vault), "show", str(cited), "2"]).output
    assert "geo-blocked" in shown and "seen from abroad" in shown


@pytest.mark.parametrize("value, says", [
    ("abroad", "write it as NAME=PROXY"),
    ("abroad=127.0.0.1:9050", "has no scheme"),
    ("here=socks5://127.0.0.1:9050", "used twice"),
    ("a b=socks5://127.0.0.1:9050", "is not a vantage name"),
])
def test_a_vantage_that_cannot_work_is_a_usage_error(tmp_path, runner, value, says):
    report = _report(tmp_path, [ALIVE])
    result = runner.invoke(cli, ["--vault", str(tmp_path / "v"), "fetch", str(report), "--vantage", value])
    assert result.exit_code == 2 and says in result.output and "Traceback" not in result.output
    assert not (tmp_path / "v").exists()


@pytest.mark.skipif(chromium() is None, reason="Debian's chromium is not installed (make test installs it as root)")
def test_a_page_standing_from_another_vantage_point_is_screenshotted_through_that_vantage_points_proxy(
        tmp_path, fakeweb, runner, cited, national_filter, monkeypatch):
    """One egress policy: the browser looks from where the standing capture was made, so a geo-blocked page (alive
    from abroad) is shot through abroad's proxy, and the filter at home never sees the browser ask for it."""
    monkeypatch.delenv("LINKVAULT_NO_SCREENSHOTS", raising=False)
    vault = tmp_path / "vault"
    result = runner.invoke(cli, ["--vault", str(vault), "fetch", str(cited), "--retries", "0", "--timeout", "5",
                                 "--no-timestamp", "--proxy", national_filter.url, "--ca-bundle", fakeweb.ca_pem_path,
                                 "--vantage", f"abroad={fakeweb.proxy_url}"])
    shot = {url: vantage for url, vantage in _rows(
        vault, "select c.url, c.vantage from screenshots s join captures c on c.record_id = s.response_id")}
    assert shot == {ALIVE: "here", **{url: "abroad" for url in GEO}}, result.output
    # the filter turned each blocked host away once, when the fetcher looked from here; never the browser
    assert sorted(national_filter.blocked) == sorted(url.split("/")[2] for url in GEO)


def _look(vantage: str, state: str, status: int | None = 200, error: str | None = None) -> Capture:
    return Capture(url="https://news.invalid/a", fetched_at="", status=status, error=error, vantage=vantage,
                   state=LinkState(state, f"{state} seen", status))


@pytest.mark.parametrize("look, again", [
    (_look("here", "not-found", 404), True), (_look("here", "timeout", None, "timeout"), True),
    (_look("here", "bot-blocked", 403), True), (_look("here", "unknown", 451), True),
    (_look("here", "ok"), False), (_look("here", "login-wall", 200), False),
    (_look("here", "blocked-address", None, "blocked-address"), False),  # our guard refuses it from everywhere
    (_look("here", "unknown", None, "proxy-unreachable"), False),  # our side's failure: nothing to look at again
])
def test_only_a_failure_the_link_would_be_blamed_for_is_looked_at_again(look, again):
    assert worth_a_second_look(look) is again


def test_geo_blocked_needs_one_alive_look_and_one_failing_look():
    blocked, alive = _look("here", "unknown", 451), _look("abroad", "ok")
    standing, state = across_vantages([blocked, alive])
    assert standing is alive and (state.state, state.category, state.http_status) == ("geo-blocked", "restricted", 200)
    assert state.detail == "alive from abroad, but not from here: unknown, unknown seen"
    assert across_vantages([blocked, _look("abroad", "not-found", 404)]) is None  # failing everywhere: as today
    assert across_vantages([blocked, _look("abroad", "unknown", None, "proxy-unreachable")]) is None


def test_the_looks_from_every_vantage_point_are_sealed_and_audit_holds(tmp_path, fakeweb, runner, cited,
                                                                       national_filter):
    from tsa import LocalTSA

    authority = LocalTSA(tmp_path / "tsa")
    try:
        vault = tmp_path / "vault"
        runner.invoke(cli, ["--vault", str(vault), "fetch", str(cited), "--retries", "0", "--timeout", "5",
                            "--no-screenshots", "--proxy", national_filter.url, "--ca-bundle", fakeweb.ca_pem_path,
                            "--vantage", f"abroad={fakeweb.proxy_url}", "--tsa", authority.url])
        audited = runner.invoke(cli, ["--vault", str(vault), "audit", "--tsa-roots",
                                      str(authority.directory / "root.pem"), "--format", "json"])
    finally:
        authority.close()
    assert audited.exit_code == 0, audited.output
    assert json.loads(audited.stdout)["uncovered_captures"] == 0
    assert _rows(vault, "select count(*) from custody where event = 'timestamped'")[0][0] == 1
    assert _rows(vault, "select count(*) from captures where role = 'vantage' and record_id is not null")[0][0] >= 3


def test_a_recheck_through_a_second_vantage_point_makes_a_blocked_link_geo_blocked_not_failing(
        tmp_path, fakeweb, runner, cited, national_filter):
    """Fetched only through the national filter, the blocked links are not alive; `recheck --vantage` looks at
    them again from abroad, as fetch does: alive there, so geo-blocked (restricted, never counted towards dead),
    and `show` lists the check with the vantage point that saw it."""
    vault = tmp_path / "vault"
    _fetch(runner, vault, cited, national_filter.url, fakeweb)
    assert _verdicts(cited, vault)[GEO[1]][:2] != ("restricted", "geo-blocked")
    result = runner.invoke(cli, ["--vault", str(vault), "recheck", "--retries", "0", "--timeout", "5",
                                 "--no-screenshots", "--no-timestamp", "--proxy", national_filter.url,
                                 "--ca-bundle", fakeweb.ca_pem_path, "--vantage", f"abroad={fakeweb.proxy_url}",
                                 "--vantage-name", "home", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {row.url: row for row in linkvault.review(cited, vault, rules=AT_ONCE).rows}
    for url in GEO:
        assert (rows[url].category, rows[url].state, rows[url].vantage) == ("restricted", "geo-blocked", "abroad"), url
        assert rows[url].history is not None and rows[url].history.status == "restricted", url
    assert (rows[DEAD].category, rows[DEAD].vantage) == ("dead", "home")
    shown = runner.invoke(cli, ["--vault", str(vault), "show", str(cited), "2"]).output
    assert "history: restricted" in shown and "geo-blocked, seen from abroad" in " ".join(shown.split())


def test_recheck_names_the_vantage_point_each_link_was_seen_from_in_its_table_and_json(
        tmp_path, fakeweb, runner, cited, national_filter):
    """The table gains a `from` column (within 80 columns, each state whole) once vantage points are named; JSON
    gives each link the vantage point of the capture that stands, and each check of its history the one that saw it."""
    vault = tmp_path / "vault"
    _fetch(runner, vault, cited, national_filter.url, fakeweb)
    args = ["--vault", str(vault), "recheck", "--retries", "0", "--timeout", "5", "--no-screenshots", "--no-timestamp",
            "--proxy", national_filter.url, "--ca-bundle", fakeweb.ca_pem_path, "--vantage", f"abroad={fakeweb.proxy_url}"]
    table = runner.invoke(cli, args, env={"COLUMNS": "80"}).stdout
    lines = table.splitlines()
    assert lines_wider_than(table, 80, cited) == [], table
    assert any(line.split()[:4] == ["note", "state", "from", "history"] for line in lines), table
    rows = {line.split()[0]: line.split() for line in lines if line.strip().startswith("[")}
    assert rows["[2]"][1:3] == ["geo-blocked", "abroad"] and rows["[4]"][1:3] == ["not-found", "here"], table
    as_json = json.loads(runner.invoke(cli, [*args, "--format", "json"]).stdout)
    assert errors(as_json, "recheck") == []
    links = {link["url"]: link for link in as_json["links"]}
    assert links[GEO[1]]["vantage"] == "abroad" and links[ALIVE]["vantage"] == "here"
    checks = links[GEO[1]]["history"]["checks"]
    assert [c["vantage"] for c in checks] == [None, "abroad", "abroad"]  # the fetch named none; both rechecks did


def test_a_link_geo_blocked_from_its_first_capture_has_its_drift_judged_from_what_abroad_sees(
        tmp_path, fakeweb, runner, cited, national_filter):
    """A geo-blocked capture holds the page as the other vantage point read it: a recheck compares it with the
    first one, as it does an alive page's (a login wall's, which shows nothing of the page, it skips)."""
    vault = tmp_path / "vault"
    _fetch(runner, vault, cited, national_filter.url, fakeweb, "--vantage", f"abroad={fakeweb.proxy_url}")
    fakeweb.route_url(GEO[1], html(_article("The land code hearings", "Deputies held the land code hearings at last.")))
    result = runner.invoke(cli, ["--vault", str(vault), "recheck", "--retries", "0", "--timeout", "5",
                                 "--no-screenshots", "--no-timestamp", "--proxy", national_filter.url,
                                 "--ca-bundle", fakeweb.ca_pem_path, "--vantage", f"abroad={fakeweb.proxy_url}"])
    assert "Traceback" not in result.output, result.output
    with Vault(str(vault), read_only=True) as store:
        drifts = {d.url: d.state for d in store.drifts_of(str(cited))}
    assert (drifts[GEO[0]], drifts[GEO[1]], drifts[GEO[2]]) == ("unchanged", "changed", "unchanged")
    assert DEAD not in drifts and drifts[ALIVE] == "unchanged"
