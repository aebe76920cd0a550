"""Issue 16's Done case on the example report: fetched once, then three `recheck` runs with the clock moved forward
(days 1, 4 and 8), through a national filter at home with a second vantage point abroad. Each link gets the history
its answers earn: one source fails twice then recovers (never dead), one fails three times across a week (dead,
dated from its first failure), one is blocked at home and alive from abroad (geo-blocked), two are behind a login
wall from day 1 on (an HTTP 401, and Facebook's login page answering 200: never counted). Each footnote's drift is what became of its page: a supporting paragraph
edited away (passage gone), a related-links box changed (the passage intact), an article answered by the site's
front page (page replaced), a Telegram post deleted; every other page reads as it did. Every re-capture is in the
WARC with its custody event, `audit` holds, and `changes --since last` lists exactly the links whose state or
drift changed in the last run.

Asserted on the histories' status and description and on drift states, not on the link category word."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import EXAMPLE
from drift_site import (
    EXAMPLE_EDITED,
    EXAMPLE_REPLACED,
    EXAMPLE_SIDEBAR,
    EXAMPLE_TELEGRAM,
    example_edited_routes,
    example_first_routes,
    example_gone_routes,
)
from fakeweb.filter import NationalFilter
from fakeweb.server import html
from fakeweb.sites import facebook_login_wall
from warcio.archiveiterator import ArchiveIterator

import linkvault
from linkvault.archive import FetchOptions
from linkvault.archive.warc import IdsAndClock
from linkvault.cli import cli
from linkvault.model import HistoryVerdict, RecheckResult
from linkvault.vault import Vault

GONE = html("<html><head><title>Страница не найдена</title></head><body><h1>404</h1></body></html>", status=404)
WALL = html("<html><head><title>Войти</title></head><body><h1>Войдите, чтобы продолжить</h1></body></html>",
            status=401)
RECOVERS = "https://kaztag.kz/ru/news/politsiya-podtverdila-arest-zhurnalista-daniyara-adilbekova-po-ugolovnomu-delu"
DIES = "https://rus.azattyq.org/a/32887882.html"
WALLED = "https://rus.azattyq.org/a/32892183.html"
FACEBOOK = "https://www.facebook.com/groups/ActivistsNotExtremists/posts/3777964042522851/"  # its login wall: HTTP 200
GEO = "https://respublika.kz.media/archives/122208"  # the only source on its host: the filter blocks the host
SHOWING_NO_PAGE = (RECOVERS, DIES, WALLED, FACEBOOK)  # checked in some run with no page to compare
DRIFTING = (EXAMPLE_EDITED, EXAMPLE_SIDEBAR, EXAMPLE_REPLACED, EXAMPLE_TELEGRAM)
START = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
RUNS = (1, 4, 8)  # the days after the first fetch each recheck runs on


@dataclass
class Rechecked:
    """The example report's vault after the fetch and the three rechecks, and what each recheck returned."""

    vault: Path
    runs: list[RecheckResult] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)  # hosts the national filter turned away

    @property
    def histories(self) -> dict[str, HistoryVerdict]:
        return self.runs[-1].histories

    def history(self, url: str, run: int = -1) -> HistoryVerdict:
        return self.runs[run].histories[url]


def _moved(clock: list[datetime], web, live, day: int) -> None:
    """The clock on `day` (after the first fetch), and the fake web as it answers then."""
    clock[0] = START + timedelta(days=day)
    web.router.restore(live)
    web.route_url(WALLED, WALL)
    web.route_url(FACEBOOK, facebook_login_wall())
    for url in (RECOVERS, DIES) if day < 8 else (DIES,):
        web.route_url(url, GONE)
    web.add_routes(example_edited_routes() if day >= 4 else {})
    web.add_routes(example_gone_routes() if day >= 8 else {})


@pytest.fixture(scope="module")
def rechecked(fakeweb_session, tmp_path_factory) -> Rechecked:
    """The example report fetched on 2 November 2026 and rechecked on days 1, 4 and 8 (screenshots off)."""
    return fetch_and_recheck(fakeweb_session, tmp_path_factory.mktemp("example") / "vault")


def fetch_and_recheck(web, vault: Path) -> Rechecked:
    """The example report fetched into `vault` on 2 November 2026, then rechecked on days 1, 4 and 8."""
    clock = [START]
    with web.isolated(), pytest.MonkeyPatch.context() as env, NationalFilter(web, {}) as home:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):  # every proxy is the one given
            env.delenv(name, raising=False)
            env.delenv(name.lower(), raising=False)
        options = FetchOptions(proxy=home.url, ca_bundle=web.ca_pem_path, retries=0, timeout=10,
                               ids_and_clock=IdsAndClock(now=lambda: clock[0]),
                               vantage=linkvault.vantage_options([f"abroad={web.proxy_url}"]))
        done = Rechecked(vault)
        web.add_routes(example_first_routes())
        first = linkvault.fetch([EXAMPLE], done.vault, options)
        assert {link.category for link in first.links} == {"alive"}
        live = web.router.snapshot()
        home.blocks["respublika.kz.media"] = "reset"  # from day 1 on, at home only
        for day in RUNS:
            _moved(clock, web, live, day)
            done.runs.append(linkvault.recheck([str(EXAMPLE)], done.vault, options, clock=lambda: clock[0]))
        done.blocked = list(home.blocked)
    return done


def test_every_link_is_checked_in_every_run(rechecked):
    for run in rechecked.runs:
        assert sorted(run.rechecked) == sorted({link.url for link in run.links if link.url})
    assert {h.count for h in rechecked.histories.values()} == {1 + len(RUNS)}


def test_a_source_that_fails_twice_then_recovers_is_never_called_dead(rechecked):
    assert [rechecked.history(RECOVERS, run).describe() for run in range(3)] == [
        "failing (1 of 3, since 2026-11-03)", "failing (2 of 3, since 2026-11-03)", "alive (since 2026-11-10)"]
    assert rechecked.history(RECOVERS).failures == 0


def test_a_source_that_fails_three_times_across_a_week_is_dead_since_its_first_failure(rechecked):
    assert [rechecked.history(DIES, run).status for run in range(3)] == ["failing", "failing", "dead"]
    dead = rechecked.history(DIES)
    assert dead.describe() == "dead (since 2026-11-03)" and dead.failures == 3


def test_a_source_blocked_at_home_and_alive_from_abroad_is_geo_blocked_and_never_counts(rechecked):
    assert "respublika.kz.media" in rechecked.blocked
    for run in range(3):
        history = rechecked.history(GEO, run)
        assert (history.status, history.failures) == ("restricted", 0)
        assert history.describe() == "restricted (since 2026-11-03)"
    with Vault(str(rechecked.vault), read_only=True) as vault:
        checks = vault.checks_of([GEO])[GEO]
    assert [(c.state.state, c.vantage) for c in checks[1:]] == [("geo-blocked", "abroad")] * 3
    assert all(c.record is not None for c in checks)  # the page as seen from abroad, archived


def test_a_login_wall_never_counts_towards_dead(rechecked):
    for url in (WALLED, FACEBOOK):
        for run in range(3):
            history = rechecked.history(url, run)
            assert (history.status, history.failures) == ("restricted", 0), url
        assert rechecked.history(url).describe() == "restricted (since 2026-11-03)"


def _drifts(run: RecheckResult) -> dict[str, str]:
    return {url: drift.state for (_, url), drift in run.drifts.items()}


def test_each_drifting_footnote_gets_its_drift_and_every_other_page_reads_unchanged(rechecked):
    day1, day4, day8 = (_drifts(run) for run in rechecked.runs)
    assert (day1[EXAMPLE_EDITED], day4[EXAMPLE_EDITED], day8[EXAMPLE_EDITED]) == (
        "unchanged", "passage-gone", "passage-gone")
    assert {day1[EXAMPLE_SIDEBAR], day4[EXAMPLE_SIDEBAR], day8[EXAMPLE_SIDEBAR]} <= {"unchanged", "changed"}
    assert (day4[EXAMPLE_REPLACED], day8[EXAMPLE_REPLACED]) == ("unchanged", "page-replaced")
    assert (day4[EXAMPLE_TELEGRAM], day8[EXAMPLE_TELEGRAM]) == ("unchanged", "passage-gone")
    assert {state for url, state in day8.items() if url not in DRIFTING} == {"unchanged"}
    assert not set(SHOWING_NO_PAGE) & set(day4)  # a failed or walled check shows nothing of the page
    assert day1[GEO] == day8[GEO] == "unchanged"  # seen from abroad, the page is there to compare


def test_the_drifts_say_what_the_claims_lost(rechecked):
    drifts = {url: d for (_, url), d in rechecked.runs[-1].drifts.items()}
    edited = drifts[EXAMPLE_EDITED]
    assert edited.facts_lost == ("Article 274",) and "274" not in edited.passage_now
    assert "статьи 274" in edited.passage_then and "Адильбекова" in edited.passage_now  # what remains, shown
    sidebar = drifts[EXAMPLE_SIDEBAR]
    assert "Аймагамбетов" in sidebar.passage_then and sidebar.passage_now == sidebar.passage_then
    assert "Niyazov" in drifts[EXAMPLE_TELEGRAM].facts_lost
    with Vault(str(rechecked.vault), read_only=True) as vault:
        assert vault.capture(drifts[EXAMPLE_TELEGRAM].capture)["state"] == "deleted-post"


def _warc_records(vault: Path) -> dict[str, str]:
    """Every record in the vault's WARC files: WARC-Record-ID → WARC-Type."""
    found = {}
    for path in sorted(vault.rglob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                found[record.rec_headers.get_header("WARC-Record-ID")] = record.rec_type
    return found


def test_every_recapture_is_in_the_warc_with_its_custody_event_and_the_audit_holds(rechecked):
    with Vault(str(rechecked.vault), read_only=True) as vault:
        logged = {e["subject"] for e in vault.custody_chain() if e["event"] == "captured"}
        runs = [e for e in vault.custody_chain() if e["event"] == "recheck"]
        checks = vault.checks_of(list(rechecked.histories))
        looks = [row for row in vault.captures_of(list(checks)) if row["role"] == "vantage" and row["record_id"]]
    recaptured = [c for captures in checks.values() for c in captures[1:]]
    # the other vantage point's looks too: the dying page's 404 from abroad, the Telegram card, the block at home
    assert {row["url"] for row in looks} >= {RECOVERS, DIES, EXAMPLE_TELEGRAM}
    assert all(row["record_id"] in logged for row in looks)
    assert [json.loads(e["details"])["as_of"][:10] for e in runs] == ["2026-11-03", "2026-11-06", "2026-11-10"]
    assert len(recaptured) == len(RUNS) * len(checks)
    records = _warc_records(rechecked.vault)
    assert all(c.record and c.record.record_id in logged for c in recaptured)
    assert all(records.get(c.record.record_id) in ("response", "revisit") for c in recaptured if c.record)
    unchanged = [c for c in recaptured if c.url not in (*SHOWING_NO_PAGE, *DRIFTING)]
    assert all(records[c.record.record_id] == "revisit" for c in unchanged if c.record)
    audit = linkvault.audit(vault=rechecked.vault)
    assert audit.holds, [(p.where, p.problem) for p in audit.problems]


def _changes(runner, vault: Path, since: str) -> tuple[int, dict]:
    done = runner.invoke(cli, ["--vault", str(vault), "changes", "--since", since, "--format", "json"])
    return done.exit_code, json.loads(done.stdout)


def test_changes_since_last_lists_exactly_the_links_whose_state_or_drift_changed_in_the_last_run(rechecked, runner):
    code, data = _changes(runner, rechecked.vault, "last")
    assert data["since"].startswith("2026-11-10") and data["since_last"] is True
    moves = {(c["url"], c["aspect"], c["before"], c["after"]) for c in data["changes"]}
    assert moves == {
        (RECOVERS, "history", "failing (2 of 3)", "alive"),
        (DIES, "history", "failing (2 of 3)", "dead"),
        (EXAMPLE_REPLACED, "drift", "unchanged", "page-replaced"),
        (EXAMPLE_TELEGRAM, "drift", "unchanged", "passage-gone"),
        (EXAMPLE_TELEGRAM, "history", "alive", "failing (1 of 3)"),
    }
    assert {c["at"][:10] for c in data["changes"]} == {"2026-11-10"}
    assert data["summary"]["changed_links"] == 4 and code == 1  # a source died, a page was replaced: errors
    table = runner.invoke(cli, ["--vault", str(rechecked.vault), "changes", "--since", "last"]).output
    assert all(f"[{n}]" in table for n in (1, 3, 16, 97)) and "[60]" not in table and "[11]" not in table
    page = runner.invoke(cli, ["--vault", str(rechecked.vault), "changes", "--since", "last", "--format", "html"]).output
    assert all(url in page for url in (RECOVERS, DIES, EXAMPLE_REPLACED, EXAMPLE_TELEGRAM))
    assert not any(url in page for url in (GEO, WALLED, FACEBOOK, EXAMPLE_EDITED, EXAMPLE_SIDEBAR))


def test_changes_since_the_first_fetch_lists_every_link_that_changed_and_no_other(rechecked, runner):
    """The related-links box of [11] changed on day 4, but not what its claim relies on: no change of its drift."""
    _, data = _changes(runner, rechecked.vault, "2026-11-02T10:00:00Z")
    assert {c["url"] for c in data["changes"]} == {*SHOWING_NO_PAGE, GEO, *DRIFTING} - {EXAMPLE_SIDEBAR}


def test_a_due_recheck_three_days_later_checks_only_the_failing_post_and_changes_name_only_it(
        rechecked, fakeweb, runner, tmp_path):
    """On day 11 only the Telegram post, failing since day 8, is due (failing links after 3 days; the rest, alive,
    walled, geo-blocked or dead, after 7): `recheck --due` checks it alone, and its second failure is the one change."""
    vault = tmp_path / "vault"
    shutil.copytree(rechecked.vault, vault)
    fakeweb.add_routes(example_gone_routes())
    day11 = START + timedelta(days=11)
    options = FetchOptions(proxy=fakeweb.proxy_url, ca_bundle=fakeweb.ca_pem_path, retries=0, timeout=10,
                           ids_and_clock=IdsAndClock(now=lambda: day11))
    result = linkvault.recheck([str(EXAMPLE)], vault, options, clock=lambda: day11, due=True)
    assert result.rechecked == [EXAMPLE_TELEGRAM]
    assert result.histories[EXAMPLE_TELEGRAM].describe() == "failing (2 of 3, since 2026-11-10)"
    _, data = _changes(runner, vault, "last")
    assert {(c["url"], c["aspect"], c["before"], c["after"]) for c in data["changes"]} == {
        (EXAMPLE_TELEGRAM, "history", "failing (1 of 3)", "failing (2 of 3)")}


def test_the_report_shows_each_links_history_and_drift_as_the_last_run_left_them(rechecked, runner):
    done = runner.invoke(cli, ["--vault", str(rechecked.vault), "report", str(EXAMPLE), "--format", "json"])
    rows = {row["url"]: row for row in json.loads(done.stdout)["footnotes"] if row.get("url")}
    for url, history in rechecked.histories.items():
        shown = rows[url]["history"]
        assert (shown["status"], shown["failures"], shown["count"]) == (history.status, history.failures, 4), url
        assert shown["since"][:10] == history.since.date().isoformat(), url
    drifts = {url: drift.state for (_, url), drift in rechecked.runs[-1].drifts.items()}
    assert {url: row["drift"]["state"] for url, row in rows.items() if row.get("drift")} == drifts
    assert (rows[GEO]["state"], rows[GEO]["vantage"]) == ("geo-blocked", "abroad")
