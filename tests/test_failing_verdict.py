"""A link whose capture failed is `failing` until its history confirms it `dead` (InternetArchiveBot's rule: 3 failed
checks at least 3 days apart), in every output a person or a program reads: fetch's table and JSON, report in every
format, verify, show, copies' choice, robustify, recheck and changes. A failing link is still an error (a reader
clicking it today meets the failure), worded "failing (1 of 3 checks, since DATE): …", never "dead"; `--dead-after 1`
on every judging command gives the verdict at the first failure. On the fake web, the clock moved forward, never slept.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from fakeweb.server import html
from test_output_schema import errors
from test_recheck import ARTICLE, CASE, GONE, _options, article
from virtual_clock import DayClock

import linkvault
from linkvault.cli import cli

FAILING_404 = "failing (1 of 3 checks, since 2026-11-02): the page does not exist (HTTP 404)"
BROKEN = html("<html><head><title>Error</title></head><body><h1>500: internal error</h1></body></html>", status=500)


@pytest.fixture
def clock() -> DayClock:
    return DayClock()


def _chronicle(tmp_path, fakeweb):
    """A two-source report on the fake web: the arrest article alive, the court case a 404."""
    fakeweb.route_url(ARTICLE, article())
    fakeweb.route_url(CASE, GONE)
    report = tmp_path / "chronicle.txt"
    report.write_text(f"Журналист задержан[1]. Дело 1187[2].\n\n[1] {ARTICLE}\n[2] {CASE}\n", encoding="utf-8")
    return report


@pytest.fixture
def lone(tmp_path, fakeweb, clock):
    """The chronicle fetched once on day 0 (2026-11-02)."""
    report = _chronicle(tmp_path, fakeweb)
    vault = tmp_path / "vault"
    linkvault.fetch([report], vault, _options(fakeweb, clock))
    return report, vault


def _cli(runner, vault, *args):
    return runner.invoke(cli, ["--vault", str(vault), *map(str, args)], env={"COLUMNS": "200"})


def _valid(data: dict, definition: str) -> dict:
    assert errors(data, definition) == []
    return data


def _case(data: dict) -> dict:
    return next(item for item in data["footnotes"] if item["url"] == CASE)


def test_one_404_is_failing_one_of_three_in_every_report_format_and_still_an_error(lone, runner):
    report, vault = lone
    out = {fmt: _cli(runner, vault, "report", report, "--format", fmt) for fmt in ("json", "csv", "markdown", "html")}
    out["table"] = _cli(runner, vault, "report", report)
    assert {fmt: done.exit_code for fmt, done in out.items()} == dict.fromkeys(out, 1)  # an error, as a dead one was
    assert out["table"].stderr.strip().splitlines()[-1] == "exit 1: 1 failing link (--fail-on error)"
    data = _valid(json.loads(out["json"].stdout), "report")
    case = _case(data)
    assert (case["category"], case["state"], case["detail"]) == ("failing", "not-found", FAILING_404)
    assert data["summary"]["by_category"]["failing"] == 1 and data["summary"]["by_category"]["dead"] == 0
    row = next(r for r in csv.DictReader(io.StringIO(out["csv"].stdout)) if r["url"] == CASE)
    assert (row["category"], row["detail"]) == ("failing", FAILING_404)
    markdown = FAILING_404.replace("(", "\\(").replace(")", "\\)")
    assert f"| failing | not-found | {markdown} |" in out["markdown"].stdout
    assert '<tr class="failing" data-cat="failing">' in out["html"].stdout
    assert 'data-cat="failing" checked> failing (1)' in out["html"].stdout
    table = out["table"].stdout
    assert "1 alive, 1 failing" in table and FAILING_404 in " ".join(table.split())
    assert not any(" dead" in f" {text}" for text in (table, out["markdown"].stdout, out["csv"].stdout))


def test_fetch_says_failing_in_its_table_summary_and_json(tmp_path, fakeweb, runner):
    args = ["fetch", _chronicle(tmp_path, fakeweb), "--proxy", fakeweb.proxy_url, "--ca-bundle", fakeweb.ca_pem_path, "--retries", "0"]
    shown = _cli(runner, tmp_path / "vault", *args)
    assert shown.exit_code == 1  # a link not archived, as before
    flat = " ".join(shown.stdout.split())
    assert "2 sources: 1 alive, 1 failing (2 captured in WARC)" in flat
    assert "looks for a copy of the failing source in the web archives" in flat
    assert "failing (1 of 3 checks, since " in flat and "dead" not in flat
    assert "(1 failing)" in shown.stderr.strip().splitlines()[-1]
    data = _valid(json.loads(_cli(runner, tmp_path / "vault", *args, "--format", "json").stdout), "fetch")
    [item] = [i for i in data["reports"][0]["footnotes"] if i["url"] == CASE]
    assert item["category"] == "failing" and item["detail"].startswith("failing (1 of 3 checks, since ")
    at_once = _valid(json.loads(_cli(runner, tmp_path / "vault", *args, "--format", "json", "--dead-after", "1").stdout),
                     "fetch")
    [item] = [i for i in at_once["reports"][0]["footnotes"] if i["url"] == CASE]
    assert (item["category"], item["detail"]) == ("dead", "the page does not exist (HTTP 404)")


def test_three_failures_at_least_three_days_apart_make_it_dead_since_the_first(lone, fakeweb, clock, runner):
    report, vault = lone
    soon = linkvault.recheck((), vault, _options(fakeweb, clock.forward(1)), clock=clock)  # a day later: counts once
    assert next(link for link in soon.links if link.url == CASE).category == "failing"
    for _ in range(2):
        confirmed = linkvault.recheck((), vault, _options(fakeweb, clock.forward(3)), clock=clock)
    assert next(link for link in confirmed.links if link.url == CASE).category == "dead"
    case = _case(_valid(json.loads(_cli(runner, vault, "report", report, "--format", "json").stdout), "report"))
    assert (case["category"], case["detail"]) == (
        "dead", "dead (3 failed checks, since 2026-11-02): the page does not exist (HTTP 404)")
    done = _cli(runner, vault, "report", report)
    assert done.exit_code == 1 and done.stderr.strip().splitlines()[-1] == "exit 1: 1 dead link (--fail-on error)"


def test_dead_after_one_gives_the_verdict_at_the_first_failure_on_every_judging_command(lone, runner, tmp_path):
    report, vault = lone
    case = _case(json.loads(_cli(runner, vault, "report", report, "--format", "json", "--dead-after", "1").stdout))
    assert (case["category"], case["detail"]) == ("dead", "the page does not exist (HTTP 404)")
    verified = json.loads(_cli(runner, vault, "verify", report, "--format", "json", "--dead-after", "1").stdout)
    assert _case(verified)["category"] == "dead"
    assert "verdict: dead / not-found: the page does not exist" in _cli(
        runner, vault, "show", report, "2", "--dead-after", "1").stdout
    assert "verdict: failing / not-found: " + FAILING_404 in _cli(runner, vault, "show", report, "2").stdout
    robust = {n: _cli(runner, vault, "robustify", report, "-o", tmp_path / f"r{n}.txt", *(("--dead-after", n) if n else ()))
              for n in ("", "1")}
    assert f"[2] {CASE}: failing (not-found); not looked up in the web archives yet" in robust[""].stdout
    assert f"[2] {CASE}: dead (not-found); not looked up in the web archives yet" in robust["1"].stdout


@pytest.mark.parametrize("command", ["fetch", "report", "verify", "show", "copies", "robustify", "changes", "recheck"])
def test_every_command_that_judges_a_link_takes_the_rule_that_calls_it_dead(runner, command):
    shown = runner.invoke(cli, [command, "--help"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0 and "--dead-after N" in shown.stdout and "--apart AGE" in shown.stdout


def test_copies_looks_up_a_failing_link_as_it_did_a_dead_one(lone):
    from linkvault.reviewing import copies_wanted

    report, vault = lone
    reviewed, _ = copies_wanted(str(vault), str(report))
    assert [(row.url, row.category) for row in reviewed.rows] == [(CASE, "failing")]


def test_verify_calls_a_source_first_archived_alive_and_now_failing_failing_not_died(lone, fakeweb, clock):
    report, vault = lone
    fakeweb.route_url(ARTICLE, GONE)
    linkvault.recheck((), vault, _options(fakeweb, clock.forward(7)), clock=clock)
    found = {f.kind: f for f in linkvault.verify(report, vault).findings if f.number == 1}
    assert "source-died" not in found and found["source-failing"].severity == linkvault.Severity.ERROR
    assert "is failing: not-found (failing (1 of 3 checks, since 2026-11-09)" in found["source-failing"].message
    at_once = linkvault.verify(report, vault, rules=linkvault.HistoryRules(dead_after=1)).findings
    assert [f.kind for f in at_once if f.number == 1 and f.kind.startswith("source-")] == ["source-died"]


def test_changes_word_a_failure_not_confirmed_as_failing_and_dead_after_one_as_dead(lone, fakeweb, clock, runner):
    report, vault = lone
    fakeweb.route_url(ARTICLE, GONE)
    linkvault.recheck((), vault, _options(fakeweb, clock.forward(7)), clock=clock)
    fakeweb.route_url(ARTICLE, BROKEN)
    linkvault.recheck((), vault, _options(fakeweb, clock.forward(1)), clock=clock)  # a day later: still 1 of 3
    since = ["changes", "--since", "2026-11-05", "--format", "json"]
    moves = [(c["aspect"], c["before"], c["after"]) for c in json.loads(_cli(runner, vault, *since).stdout)["changes"]
             if c["url"] == ARTICLE]
    assert moves == [("history", "alive", "failing (1 of 3)"),
                     ("verdict", "failing/not-found", "failing/server-error")]
    at_once = json.loads(_cli(runner, vault, *since, "--dead-after", "1").stdout)["changes"]
    assert [(c["aspect"], c["before"], c["after"], c["severity"]) for c in at_once if c["url"] == ARTICLE] == [
        ("history", "alive", "dead", "error"), ("verdict", "dead/not-found", "dead/server-error", "warning")]
