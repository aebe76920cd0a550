"""A source archived alive and found failing by a later `recheck` keeps its evidence: the report row's verdict is the
newest check's (the 404), and the row also names the last capture that showed the page; `pack` carries that
capture's record, lists it as the page as archived before it failed, shows it beside the verdict capture in its
summary, and replays it; `audit` of that pack holds. A link never archived alive has no such line."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from html import escape
from pathlib import Path

import httpx
import pytest
from fakeweb.server import html
from replay import pywb_pack
from virtual_clock import DayClock

import linkvault
from linkvault.archive import FetchOptions
from linkvault.archive.warc import IdsAndClock
from linkvault.cli import cli
from linkvault.vault import Vault

ARTICLE = "https://news-agency.invalid/2024/04/arrest"
NEVER = "https://court-portal.invalid/case/1187"
TITLE = "Журналист задержан <за пост>"
ALIVE = html("<html><head><title>Журналист задержан &lt;за пост&gt;</title></head><body><article>"
             "<h1>Журналист задержан &lt;за пост&gt;</h1><p>Суд назначил журналисту арест на 10 суток за публикацию в сети о митинге "
             "в Алматы.</p><p>Адвокат заявил, что обжалует решение в апелляционной инстанции.</p></article></body></html>")
GONE = html("<html><head><title>Not found</title></head><body><h1>404: no such page</h1></body></html>", status=404)
NO_CASE = html("<html><head><title>Case not found</title></head><body><h1>404: no such case</h1></body></html>",
               status=404)


@pytest.fixture
def died(tmp_path, fakeweb, runner):
    """A report of two sources: an article fetched alive, then found 404 by a recheck; and a court page that was
    404 from its first fetch on."""
    return _died(tmp_path, fakeweb, runner, alive_checks=1)


def _died(tmp_path, fakeweb, runner, alive_checks: int):
    """The report fetched, then checked again until the article was seen alive `alive_checks` times (each after the
    first a revisit record: the page unchanged), then once more with the article answering 404. Returns the report,
    the vault and the article's last capture that showed the page."""
    fakeweb.route_url(ARTICLE, ALIVE)
    fakeweb.route_url(NEVER, NO_CASE)
    report = tmp_path / "chronicle.txt"
    report.write_text(f"Arrest[1]. The case[2].\n\n[1] {ARTICLE}\n[2] {NEVER}\n", encoding="utf-8")
    vault = tmp_path / "vault"
    clock = DayClock()  # a week between checks, so each capture has its own second for the replay to pick
    options = FetchOptions(proxy=fakeweb.proxy_url, ca_bundle=fakeweb.ca_pem_path, retries=0, timeout=5,
                           screenshots=False, ids_and_clock=IdsAndClock(now=clock))
    linkvault.fetch([report], vault, options)
    for _ in range(alive_checks - 1):
        linkvault.recheck([report], vault, options, clock=clock.forward(7))
    fakeweb.route_url(ARTICLE, GONE)
    linkvault.recheck([report], vault, options, clock=clock.forward(7))
    with Vault.open_existing(str(vault), read_only=True) as v:
        shown = v.checks_of([ARTICLE])[ARTICLE][alive_checks - 1]
    return report, vault, shown


def _report(runner, vault, report, *args):
    done = runner.invoke(cli, ["--vault", str(vault), "report", str(report), *args], env={"COLUMNS": "80"})
    assert done.exit_code in (0, 1), done.output
    return done.stdout


def test_the_report_row_keeps_the_404_verdict_and_names_the_capture_that_last_showed_the_page(died, runner):
    from jsonschema import Draft202012Validator

    from linkvault.render.records import schema_text

    report, vault, first = died
    data = json.loads(_report(runner, vault, report, "--format", "json"))
    assert list(Draft202012Validator(json.loads(schema_text())).iter_errors(data)) == []
    article, never = data["footnotes"]
    assert (article["category"], article["state"]) == ("failing", "not-found")
    assert article["archived_at"] != first.fetched_at and article["title"] != TITLE  # the verdict: the 404's capture
    shown = article["last_shown"]
    assert shown["capture_id"] == first.id and shown["archived_at"] == first.fetched_at
    assert shown["title"] == TITLE and shown["warc"]["file"] == first.record.file
    assert "last_shown" not in never  # never archived alive: no such line
    table = _report(runner, vault, report)
    flat = " ".join(table.split())
    assert f"last archived showing the page: {first.fetched_at[:10]}" in flat and "\\n" not in table
    assert table.count("last archived showing") == 1
    assert all(len(line) <= 80 for line in table.splitlines())
    words = f"last archived showing the page: {first.fetched_at[:10]}"
    assert _report(runner, vault, report, "--format", "markdown").count(words) == 1
    assert _report(runner, vault, report, "--format", "html").count(f'<div class="small history">{words}</div>') == 1
    rows = {row["url"]: row for row in csv.DictReader(io.StringIO(_report(runner, vault, report, "--format", "csv")))}
    assert (rows[ARTICLE]["last_shown_at"], rows[ARTICLE]["last_shown_warc"], rows[ARTICLE]["last_shown_title"]) == (
        first.fetched_at, first.record.file, TITLE)
    assert rows[NEVER]["last_shown_at"] == ""


def test_show_names_the_last_capture_that_showed_the_page(died, runner):
    report, vault, first = died
    shown = runner.invoke(cli, ["--vault", str(vault), "show", str(report), "1"])
    assert shown.exit_code in (0, 1), shown.output
    assert f"last archived showing the page: {first.fetched_at[:10]}" in shown.stdout
    never = runner.invoke(cli, ["--vault", str(vault), "show", str(report), "2"])
    assert "last archived showing the page" not in never.stdout


def test_a_pack_made_after_the_source_died_carries_and_replays_the_page_as_archived_and_audits(died, runner, tmp_path):
    _pack_replays_the_page_as_archived(*died, runner, tmp_path)


def test_a_page_last_archived_as_a_revisit_is_packed_with_the_payload_it_revisits(tmp_path, fakeweb, runner):
    """Checked alive twice (the second a revisit record in the recheck's WARC, its payload in the fetch's), then
    404: the pack carries both files, so the page as last archived alive replays from the pack alone."""
    report, vault, shown = _died(tmp_path, fakeweb, runner, alive_checks=2)
    assert shown.record.revisit_of
    _pack_replays_the_page_as_archived(report, vault, shown, runner, tmp_path)


def _pack_replays_the_page_as_archived(report, vault, first, runner, tmp_path):
    out = tmp_path / "chronicle.wacz"
    done = runner.invoke(cli, ["--vault", str(vault), "pack", str(report), "-o", str(out)])
    assert done.exit_code == 0, done.output
    with zipfile.ZipFile(out) as z:
        carried = {n.rsplit("/", 1)[-1] for n in z.namelist() if n.startswith("archive/")}
        pages = [json.loads(line) for line in z.read("pages/pages.jsonl").decode().splitlines()[1:]]
    assert first.record.file in carried
    [kept] = [p for p in pages if "before it failed" in (p["title"] or "")]
    assert kept["url"] == ARTICLE and kept["title"].startswith(TITLE)
    assert f"as archived on {first.fetched_at[:10]}" in kept["title"] and "Алматы" in kept["text"]
    summary = _summary(out)
    assert "last archived showing the page" in summary and escape(first.record.record_id) in summary
    assert first.record.payload_digest in summary and "&lt;за пост&gt;" in summary and "<за пост>" not in summary
    stamp = "".join(ch for ch in first.fetched_at[:19] if ch.isdigit())
    with pywb_pack(out, tmp_path / "replay") as base:
        page = httpx.get(f"{base}/{stamp}id_/{ARTICLE}", timeout=30)
    assert page.status_code == 200 and "Алматы" in page.text
    audited = runner.invoke(cli, ["audit", str(out)])
    assert audited.exit_code == 0, audited.output


def _summary(wacz: Path) -> str:
    from linkvault.archive.warc import read_records

    with zipfile.ZipFile(wacz) as z:
        name = next(n for n in z.namelist() if n.endswith("linkvault-report.warc.gz"))
        tmp = wacz.with_suffix(".report.warc.gz")
        tmp.write_bytes(z.read(name))
    with open(tmp, "rb") as fh:
        for record in read_records(fh):
            if (record.rec_headers.get_header("WARC-Target-URI") or "").startswith("urn:evidence:summary:"):
                return record.content_stream().read().decode()
    raise AssertionError("no summary in the pack")


def test_a_wall_shows_no_page_so_a_source_walled_since_keeps_its_page_and_a_wall_from_the_start_has_none(
        tmp_path, fakeweb, runner):
    """What shows the page: a capture that read alive (or geo-blocked: the page from another vantage point). A login
    wall shows the wall: an article walled since it was archived names its last capture alive; a group walled from
    its first fetch on has none."""
    wall = html("<html><head><title>Sign in</title></head><body><h1>Members only: sign in</h1></body></html>",
                status=401)
    group = "https://forum-kz.invalid/members/topic/42"
    fakeweb.route_url(ARTICLE, ALIVE)
    fakeweb.route_url(group, wall)
    report = tmp_path / "walled.txt"
    report.write_text(f"Arrest[1]. The group[2].\n\n[1] {ARTICLE}\n[2] {group}\n", encoding="utf-8")
    vault = tmp_path / "vault"
    egress = ["--proxy", fakeweb.proxy_url, "--ca-bundle", fakeweb.ca_pem_path, "--no-screenshots", "--retries", "0"]
    assert runner.invoke(cli, ["--vault", str(vault), "fetch", str(report), *egress]).exit_code in (0, 1)
    fakeweb.route_url(ARTICLE, wall)
    assert runner.invoke(cli, ["--vault", str(vault), "recheck", str(report), *egress]).exit_code in (0, 1)
    article, walled = json.loads(_report(runner, vault, report, "--format", "json"))["footnotes"]
    assert (article["category"], walled["category"]) == ("restricted", "restricted")
    assert article["last_shown"]["title"] == TITLE and "last_shown" not in walled
