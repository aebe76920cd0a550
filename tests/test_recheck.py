"""`linkvault recheck`: each source checked again as a new capture, on the fake web, with the clock moved forward
(never a sleep): the histories IABot's rule gives, `--due` checking exactly what is due, revisit records for an
unchanged page, a custody event per re-capture, and the seam the drift check plugs into."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta

import pytest
from fakeweb.server import html
from terminal_lines import lines_wider_than
from virtual_clock import DayClock

import linkvault
from linkvault.archive import FetchOptions
from linkvault.archive.warc import IdsAndClock
from linkvault.cli import cli
from linkvault.vault import Vault

ARTICLE = "https://news-agency.invalid/2024/04/arrest"
CASE = "https://court-portal.invalid/case/1187"
GROUP = "https://forum-kz.invalid/members/topic/42"


def article(title: str = "Журналист задержан") -> html:
    return html(f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
                "<p>Суд назначил журналисту арест на 10 суток за публикацию в сети о митинге в Алматы.</p>"
                "<p>Адвокат заявил, что обжалует решение в апелляционной инстанции на следующей неделе.</p>"
                "</article></body></html>")


GONE = html("<html><head><title>Not found</title></head><body><h1>404: no such page</h1></body></html>", status=404)
WALL = html("<html><head><title>Sign in</title></head><body><h1>Members only: sign in</h1></body></html>", status=401)


@pytest.fixture
def clock() -> DayClock:
    return DayClock()


@pytest.fixture
def fetched(tmp_path, fakeweb, clock):
    """A three-source report fetched on day 0: an article (alive), a court case (alive), a members' group (walled)."""
    fakeweb.route_url(ARTICLE, article())
    fakeweb.route_url(CASE, article("Дело 1187"))
    fakeweb.route_url(GROUP, WALL)
    report = tmp_path / "chronicle.txt"
    report.write_text("Arrest[1]. The case[2]. The group[3].\n\n"
                      f"[1] {ARTICLE}\n[2] {CASE}\n[3] {GROUP}\n", encoding="utf-8")
    vault = tmp_path / "vault"
    linkvault.fetch([report], vault, _options(fakeweb, clock))
    return report, vault


def _options(fakeweb, clock) -> FetchOptions:
    return FetchOptions(proxy=fakeweb.proxy_url, ca_bundle=fakeweb.ca_pem_path, retries=0, timeout=5,
                        ids_and_clock=IdsAndClock(now=clock))


def _recheck(fakeweb, clock, vault, *reports, **kwargs) -> linkvault.RecheckResult:
    return linkvault.recheck(reports, vault, _options(fakeweb, clock), clock=clock, **kwargs)


def test_a_page_that_fails_twice_then_recovers_is_never_called_dead(fetched, fakeweb, clock):
    report, vault = fetched
    fakeweb.route_url(CASE, GONE)
    seen = [_recheck(fakeweb, clock.forward(7), vault).histories[CASE].describe(),
            _recheck(fakeweb, clock.forward(3), vault).histories[CASE].describe()]
    fakeweb.route_url(CASE, article("Дело 1187"))
    back = _recheck(fakeweb, clock.forward(3), vault).histories[CASE]
    assert seen == ["failing (1 of 3, since 2026-11-09)", "failing (2 of 3, since 2026-11-09)"]
    assert (back.status, back.since.date().isoformat(), back.count) == ("alive", "2026-11-15", 4)


def test_a_page_that_fails_three_times_across_a_week_is_dead_since_it_first_failed(fetched, fakeweb, clock):
    report, vault = fetched
    fakeweb.route_url(ARTICLE, GONE)
    for days in (1, 3, 4):
        result = _recheck(fakeweb, clock.forward(days), vault, str(report))
    history = result.histories[ARTICLE]
    assert history.describe() == "dead (since 2026-11-03)"
    assert (history.first_seen.date().isoformat(), history.last_checked.date().isoformat()) == ("2026-11-02", "2026-11-10")
    assert [c.state for c in history.checks] == ["ok", "not-found", "not-found", "not-found"]


def test_failures_a_day_apart_count_once_towards_dead(fetched, fakeweb, clock):
    report, vault = fetched
    fakeweb.route_url(ARTICLE, GONE)
    for _ in range(4):
        result = _recheck(fakeweb, clock.forward(1), vault)
    assert result.histories[ARTICLE].describe() == "failing (2 of 3, since 2026-11-03)"  # days 1 and 4 counted


def test_a_login_wall_never_counts_towards_dead(fetched, fakeweb, clock):
    report, vault = fetched
    for _ in range(4):
        result = _recheck(fakeweb, clock.forward(7), vault)
    group = result.histories[GROUP]
    assert (group.status, group.failures, group.count) == ("restricted", 0, 5)


def test_due_rechecks_exactly_the_links_whose_next_check_is_due(fetched, fakeweb, clock):
    report, vault = fetched
    fakeweb.route_url(CASE, GONE)
    _recheck(fakeweb, clock.forward(1), vault)  # day 1: every link checked; the case fails (due again on day 4)
    fakeweb.log.clear()
    day4 = _recheck(fakeweb, clock.forward(3), vault, due=True)
    asked = {f"https://{r.host}{r.path}" for r in fakeweb.requests}
    assert day4.rechecked == [CASE] and asked == {CASE}
    assert _recheck(fakeweb, clock.forward(0.5), vault, due=True).rechecked == []
    day8 = _recheck(fakeweb, clock.forward(3.5), vault, due=True)  # the rest a week after day 1, the case 3 days after 4
    assert sorted(day8.rechecked) == sorted([ARTICLE, CASE, GROUP])


class TimerClock(DayClock):
    """A daily timer's clock: each run starts on the minute (`forward`), and every reading after that is a second
    later than the one before, as a run's fetches come seconds after it starts."""

    def __init__(self) -> None:
        super().__init__()
        self.readings = 0

    def __call__(self) -> datetime:
        self.readings += 1
        return self.now + timedelta(seconds=self.readings)

    def forward(self, days: float) -> TimerClock:
        self.now, self.readings = self.now + timedelta(days=days), 0
        return self


def test_a_daily_timer_keeps_the_rules_days_though_each_check_comes_seconds_into_its_run(tmp_path, fakeweb):
    """Fetched seconds after 09:00 on day 0, an alive link is due at the 09:00 run of day 7 (not day 8), a failing
    one at the run three days after its failure, and failures found by the runs of days 7, 10 and 13 count as three
    days apart each: dead on day 13, as IABot's rule says, not a run or two later."""
    clock = TimerClock()
    fakeweb.route_url(ARTICLE, article())
    fakeweb.route_url(CASE, article("Дело 1187"))
    report = tmp_path / "chronicle.txt"
    report.write_text(f"Arrest[1]. The case[2].\n\n[1] {ARTICLE}\n[2] {CASE}\n", encoding="utf-8")
    vault = tmp_path / "vault"
    linkvault.fetch([report], vault, _options(fakeweb, clock))
    assert _recheck(fakeweb, clock.forward(6), vault, due=True).rechecked == []
    fakeweb.route_url(CASE, GONE)
    assert sorted(_recheck(fakeweb, clock.forward(1), vault, due=True).rechecked) == sorted([ARTICLE, CASE])  # day 7
    for day in (10, 13):
        result = _recheck(fakeweb, clock.forward(3), vault, due=True)
        assert result.rechecked == [CASE], day
    assert result.histories[CASE].describe() == "dead (since 2026-11-09)"


def test_a_recapture_is_a_capture_in_the_warc_with_its_custody_event_and_an_unchanged_page_is_a_revisit(
        fetched, fakeweb, clock):
    report, vault = fetched
    result = _recheck(fakeweb, clock.forward(7), vault)
    with Vault(str(vault), read_only=True) as store:
        checks = store.checks_of([ARTICLE])[ARTICLE]
        events = store.custody_chain()
    first, again = checks
    assert again.record is not None and again.record.revisit_of and again.fetched_at.startswith("2026-11-09")
    assert again.record.payload_digest == first.record.payload_digest
    captured = [e for e in events if e["event"] == "captured"]
    assert again.record.record_id in {e["subject"] for e in captured}
    [run] = [e for e in events if e["event"] == "recheck"]
    assert json.loads(run["details"])["due"] == 3 and result.fetch.fetched == 3
    assert linkvault.audit(vault=vault).holds


def test_each_recapture_is_handed_to_the_after_recapture_hooks_with_its_capture_id(fetched, fakeweb, clock):
    report, vault = fetched
    heard = []
    result = _recheck(fakeweb, clock.forward(7), vault,
                      after_recapture=[lambda store, link, capture_id: heard.append((link.label, capture_id)) or "ok"])
    with Vault(str(vault), read_only=True) as store:
        newest = {url: checks[-1].id for url, checks in store.checks_of([ARTICLE, CASE, GROUP]).items()}
    assert sorted(heard) == [("1", newest[ARTICLE]), ("2", newest[CASE]), ("3", newest[GROUP])]
    assert result.after[("1", ARTICLE)] == ["ok"]


def test_the_command_rechecks_what_is_due_and_says_so_in_json(fetched, fakeweb, runner):
    report, vault = fetched  # fetched on 2 November 2026 by the test's clock: by the real one, long due
    args = ["--vault", str(vault), "recheck", "--due", "--proxy", fakeweb.proxy_url, "--ca-bundle",
            fakeweb.ca_pem_path, "--retries", "0"]
    done = runner.invoke(cli, [*args, "--format", "json"])
    assert done.exit_code == 0, done.output
    out = json.loads(done.stdout)
    assert out["summary"]["rechecked"] == 3 and out["due_only"] is True
    assert {link["url"]: link["history"]["count"] for link in out["links"]} == {ARTICLE: 2, CASE: 2, GROUP: 2}
    again = runner.invoke(cli, args)  # just checked: nothing is due
    assert again.exit_code == 0 and "0 checked again" in again.stdout


def test_dead_after_one_makes_a_single_failure_dead_and_the_command_exit_1(fetched, fakeweb, runner):
    report, vault = fetched
    fakeweb.route_url(CASE, GONE)
    args = ["--vault", str(vault), "recheck", str(report), "--proxy", fakeweb.proxy_url, "--ca-bundle",
            fakeweb.ca_pem_path, "--retries", "0"]
    failing = runner.invoke(cli, args)
    assert failing.exit_code == 0 and "failing (1 of 3, since" in failing.stdout
    dead = runner.invoke(cli, [*args, "--dead-after", "1"])
    assert dead.exit_code == 1 and "dead (since" in dead.stdout
    assert dead.stderr.strip().splitlines()[-1] == "exit 1: 1 dead link (by their history)"


def test_a_report_never_fetched_into_the_vault_is_one_line_exit_2(fetched, runner, tmp_path):
    report, vault = fetched
    other = tmp_path / "other.txt"
    other.write_text("x[1]\n\n[1] https://a.invalid/\n", encoding="utf-8")
    done = runner.invoke(cli, ["--vault", str(vault), "recheck", str(other)])
    assert done.exit_code == 2 and "not a report fetched into this vault" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


# -- the report's history per link --------------------------------------------------------------------------------


def _report(runner, vault, report, *args) -> str:
    done = runner.invoke(cli, ["--vault", str(vault), "report", str(report), *args], env={"COLUMNS": "80"})
    assert done.exit_code in (0, 1), done.output
    return done.stdout


def test_a_lone_failure_reads_failing_one_of_three_and_dead_after_one_reads_dead(fetched, fakeweb, clock, runner,
                                                                                tmp_path):
    """The decision on a single failing fetch (the lead's, issue 16): the link is failing until its history confirms
    it, its state what the check met (not-found), still an error; --dead-after 1 calls it dead at once."""
    report = tmp_path / "lone.txt"
    report.write_text(f"Gone[1].\n\n[1] {CASE}\n", encoding="utf-8")
    fakeweb.route_url(CASE, GONE)
    vault = tmp_path / "lone-vault"
    linkvault.fetch([report], vault, _options(fakeweb, clock))
    [item] = json.loads(_report(runner, vault, report, "--format", "json"))["footnotes"]
    assert (item["category"], item["state"]) == ("failing", "not-found")
    assert (item["history"]["status"], item["history"]["failures"], item["history"]["count"]) == ("failing", 1, 1)
    [at_once] = json.loads(_report(runner, vault, report, "--format", "json", "--dead-after", "1"))["footnotes"]
    assert (at_once["category"], at_once["state"]) == ("dead", "not-found")
    assert at_once["history"]["status"] == "dead" and at_once["history"]["since"].startswith("2026-11-02")
    assert "first seen" not in _report(runner, vault, report)  # checked once: the row says it all, no history line


def test_report_shows_each_rechecked_links_history_within_80_columns_and_json_csv_carry_it_whole(
        fetched, fakeweb, clock, runner):
    from jsonschema import Draft202012Validator

    from linkvault.render.records import schema_text

    report, vault = fetched
    fakeweb.route_url(CASE, GONE)
    _recheck(fakeweb, clock.forward(7), vault)
    _recheck(fakeweb, clock.forward(3), vault)
    table = _report(runner, vault, report)
    assert max(len(line) for line in table.splitlines()) <= 80
    flat = " ".join(table.split())
    assert ("failing (2 of 3, since 2026-11-09); first seen 2026-11-02, last checked 2026-11-12, 3 checks" in flat)
    assert "alive (since 2026-11-02); first seen 2026-11-02, last checked 2026-11-12, 3 checks" in flat
    data = json.loads(_report(runner, vault, report, "--format", "json"))
    schema = json.loads(schema_text())
    assert list(Draft202012Validator(schema).iter_errors(data)) == []
    case = next(f for f in data["footnotes"] if f["url"] == CASE)["history"]
    assert [(c["at"][:10], c["state"]) for c in case["checks"]] == [
        ("2026-11-02", "ok"), ("2026-11-09", "not-found"), ("2026-11-12", "not-found")]
    assert (case["next_due"][:10], case["needed"]) == ("2026-11-15", 3)
    rows = {row["url"]: row for row in csv.DictReader(io.StringIO(_report(runner, vault, report, "--format", "csv")))}
    assert rows[CASE]["history"] == "failing (2 of 3, since 2026-11-09)" and rows[CASE]["checks"] == "3"
    assert rows[CASE]["history_checks"].splitlines()[-1] == "2026-11-12T09:00:00Z dead not-found"
    rechecked = runner.invoke(cli, ["--vault", str(vault), "recheck", "--format", "json", "--proxy", fakeweb.proxy_url,
                                    "--ca-bundle", fakeweb.ca_pem_path, "--retries", "0"])
    assert list(Draft202012Validator(schema).iter_errors(json.loads(rechecked.stdout))) == []


def test_the_html_report_shows_the_history_escaped(fetched, fakeweb, clock, runner, tmp_path):
    report, vault = fetched
    _recheck(fakeweb, clock.forward(7), vault)
    out = tmp_path / "report.html"
    runner.invoke(cli, ["--vault", str(vault), "report", str(report), "--format", "html", "-o", str(out)])
    page = out.read_text(encoding="utf-8")
    assert '<div class="small history">restricted (since 2026-11-02); first seen 2026-11-02' in page


def test_rechecks_through_a_proxy_that_is_down_count_for_nothing_in_the_history(fetched, fakeweb, clock):
    import socket
    from dataclasses import replace

    report, vault = fetched
    fakeweb.route_url(CASE, GONE)
    _recheck(fakeweb, clock.forward(3), vault)  # the case fails once
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    for _ in range(3):  # three runs a week apart with our proxy down: no answer from any source
        down = linkvault.recheck((), vault, replace(_options(fakeweb, clock.forward(7)), proxy=closed), clock=clock)
        assert down.could_not_check
    case, article_ = down.histories[CASE], down.histories[ARTICLE]
    assert (case.status, case.failures, case.count) == ("failing", 1, 5)
    assert (article_.status, article_.since.date().isoformat()) == ("alive", "2026-11-02")
    assert sum(1 for c in case.checks if c.own_side) == 3


def arrest_article(first: str) -> html:
    return html("<html><head><title>Журналист задержан</title></head><body><article><h1>Журналист задержан</h1>"
                f"<p>{first}</p>"
                "<p>Адвокат заявил, что обжалует решение в апелляционной инстанции на следующей неделе.</p>"
                "<p>Коллеги журналиста заявили, что продолжат следить за делом и сообщат о новых подробностях.</p>"
                "</article></body></html>")


ARREST = "Специализированный административный суд Алматы назначил журналисту Махамбету Абжану арест на 10 суток."
EDITED_AWAY = "Материал изменён по требованию редакции: подробности дела больше не публикуются."


def test_a_recheck_judges_and_keeps_what_became_of_the_passage_each_footnote_relies_on(tmp_path, fakeweb, clock):
    """The arrest paragraph edited away between the fetch and a recheck: the recheck says passage-gone for that
    footnote (table and JSON) and keeps it in the vault; a page fetched again unchanged has no drift worth a line."""
    fakeweb.route_url(ARTICLE, arrest_article(ARREST))
    fakeweb.route_url(CASE, article("Дело 1187"))
    report = tmp_path / "chronicle.txt"
    report.write_text("April 4, Almaty, journalist Makhambet Abzhan was sentenced to 10 days of arrest[1]. "
                      "Дело 1187[2].\n\n"
                      f"[1] {ARTICLE}\n[2] {CASE}\n", encoding="utf-8")
    vault = tmp_path / "vault"
    linkvault.fetch([report], vault, _options(fakeweb, clock))
    fakeweb.route_url(ARTICLE, arrest_article(EDITED_AWAY))
    result = _recheck(fakeweb, clock.forward(7), vault)
    assert result.drifts[("1", ARTICLE)].state == "passage-gone"
    assert ("2", CASE) not in result.drifts or result.drifts[("2", CASE)].state == "unchanged"
    with Vault(str(vault), read_only=True) as store:
        assert [(d.label, d.state) for d in store.drifts_of(str(report)) if d.label == "1"] == [("1", "passage-gone")]
    from linkvault.render.recheck import recheck_json, render_recheck

    table = render_recheck(result, "table", width=80)
    assert "passage-gone" in table and lines_wider_than(table, 80, report) == [], table
    links = {item["label"]: item for item in recheck_json(result)["links"]}
    assert links["1"]["drift"]["state"] == "passage-gone" and "Абжан" in links["1"]["drift"]["passage_then"]
