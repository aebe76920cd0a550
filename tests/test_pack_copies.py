"""The evidence pack of a report whose footnotes `copies` looked up, or whose sources a Save Page Now witness saw
(issue 14, "everywhere it shows"): the summary names each archived copy, the copies passed over and why, and each
witness's verdict with its custody event; the mementos' WARC records travel in the pack and `audit` holds. Through
the CLI, over the fake archives on real sockets."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from html import escape
from pathlib import Path

import lxml.html
import pytest
from fakeweb.archive_data import DEAD_ARTICLE, DEAD_ARTICLE_TEXT, dead_article_captures, html_capture
from fakeweb.sites import AZATTYQ_ARTICLE, VLAST_ARTICLE
from fakeweb.spn import FakeSavePageNow
from fakeweb.wayback import FakeWayback
from warcio.archiveiterator import ArchiveIterator

from linkvault.cli import cli
from linkvault.model import Candidate, CopySearch, CopyVerdict, ServiceOutcome
from linkvault.model.copies import FOUND, OFFERED, PASSED_OVER
from linkvault.vault import Vault

REPORT = ("Chronicle of April 2024\n\n"
          "April 4, Astana, the court arrested journalist Марат Есенов for two months[1].\n\n"
          f"[1] {DEAD_ARTICLE}\n")
FAST = ["--rate", "ia-cdx=6000/min", "--rate", "ia-memento=6000/min", "--rate", "archive=6000/min",
        "--rate", "ia-spn=6000/min", "--rate", "ia-spn-status=6000/min"]
OFFERED_AT, SOFT_404_AT, REDIRECT_AT = "2024-04-01T09:12:33Z", "2024-04-03T08:10:00Z", "2024-04-02T10:15:00Z"


def _egress(web) -> list[str]:
    return ["--proxy", web.proxy_url, "--ca-bundle", web.ca_pem_path]


def _looked_up(tmp_path, fakeweb, runner, captures) -> tuple:
    """A vault whose report's one source is dead, and whose `copies` run judged `captures` in the fake Wayback."""
    wayback = FakeWayback(captures).install(fakeweb)
    report = tmp_path / "r.txt"
    report.write_text(REPORT, encoding="utf-8")
    vault = tmp_path / "vault"
    fetched = runner.invoke(cli, ["--vault", str(vault), "fetch", str(report), *_egress(fakeweb), "--no-screenshots"])
    assert fetched.exit_code == 1, fetched.output  # the link is dead
    found = runner.invoke(cli, ["--vault", str(vault), "copies", str(report), *_egress(fakeweb), *FAST])
    assert found.exit_code == 0, found.output
    return report, vault, wayback


def _pack(runner, vault, report, out) -> None:
    result = runner.invoke(cli, ["--vault", str(vault), "pack", str(report), "-o", str(out)])
    assert result.exit_code == 0, result.output


def _pack_records(out) -> dict[str, dict]:
    """Every WARC record the pack carries, by record id: its type, target URI and digests."""
    found = {}
    with zipfile.ZipFile(out) as z:
        for name in z.namelist():
            if name.startswith("archive/") and name.endswith(".warc.gz"):
                for r in ArchiveIterator(io.BytesIO(z.read(name))):
                    h = r.rec_headers
                    found[h.get_header("WARC-Record-ID")] = {
                        "type": r.rec_type, "uri": h.get_header("WARC-Target-URI"), "file": name,
                        "block": h.get_header("WARC-Block-Digest"), "payload": h.get_header("WARC-Payload-Digest")}
    return found


def _summary(out) -> str:
    """The pack's evidence summary, read out of the WACZ (the report's own WARC)."""
    with zipfile.ZipFile(out) as z:
        extra = z.read("archive/linkvault-report.warc.gz")
    [page] = [r.content_stream().read().decode() for r in ArchiveIterator(io.BytesIO(extra))
              if (r.rec_headers.get_header("WARC-Target-URI") or "").startswith("urn:evidence:summary:")]
    return page


def _text(element) -> str:
    """An element's text, its pieces (cells, lines) apart by one space."""
    return " ".join(" ".join(element.itertext()).split())


def _pages(out) -> list[dict]:
    with zipfile.ZipFile(out) as z:
        return [json.loads(line) for line in z.read("pages/pages.jsonl").decode().splitlines()[1:]]


def _mementos(vault) -> dict[str, tuple]:
    """Each memento capture of the vault by its memento datetime: (record id, WARC file, URI fetched)."""
    with sqlite3.connect(vault / "linkvault.db") as db:
        return {at: (rid, warc, url) for at, rid, warc, url in db.execute(
            "select memento_at, record_id, warc_file, url from captures where role = 'memento'")}


def test_the_pack_shows_the_copy_offered_and_those_passed_over_and_carries_their_memento_records(
        tmp_path, fakeweb, runner):
    report, vault, wayback = _looked_up(tmp_path, fakeweb, runner, dead_article_captures())
    mementos = _mementos(vault)
    with sqlite3.connect(vault / "linkvault.db") as db:
        fetch_files = {f for (f,) in db.execute("select warc_file from captures where role = 'cited'")}
    assert fetch_files and not fetch_files & {m[1] for m in mementos.values()}  # in the copies run's own WARC file
    out = tmp_path / "r.wacz"
    _pack(runner, vault, report, out)

    records = _pack_records(out)
    for at in (OFFERED_AT, SOFT_404_AT, REDIRECT_AT):
        rid, _, url = mementos[at]  # the record of the page the memento ended on (the front page, for the redirect)
        assert records[rid]["type"] == "response" and "id_/" in records[rid]["uri"] and "id_/" in url
    page = lxml.html.fromstring(_summary(out))
    [copies] = [t for t in page.cssselect("table") if "archived copy and its verdict" in t.text_content()]
    rows = [_text(tr) for tr in copies.cssselect("tbody tr")]
    assert "cited as of 2024-04-04 (the entry's date)" in rows[0]
    offered, soft_404, redirect = rows[1:4]
    rid = mementos[OFFERED_AT][0]
    with sqlite3.connect(vault / "linkvault.db") as db:
        [(claim,)] = db.execute("select claim from archived_copies where choice = 'offered'").fetchall()
    assert claim not in (None, "not-checked")  # the claim check ran on the copy's text
    assert f"offered: the Internet Archive {OFFERED_AT} (ok, claim {claim})" in offered
    for value in (wayback.uri_m(dead_article_captures()[0]), rid, records[rid]["block"], records[rid]["payload"]):
        assert value in offered, value
    assert "title: Суд Астаны арестовал журналиста" in offered
    assert f"passed over: the Internet Archive {SOFT_404_AT} (soft-404" in soft_404 and "why:" in soft_404
    assert f"passed over: the Internet Archive {REDIRECT_AT} (redirected-to-homepage" in redirect
    assert "https://kaztag.kz/" in redirect and mementos[REDIRECT_AT][0] in redirect
    assert f"from {mementos[REDIRECT_AT][2]} → {records[mementos[REDIRECT_AT][0]]['uri']}" in redirect
    links = [a.get("href") for a in copies.cssselect("a")]
    assert wayback.uri_m(dead_article_captures()[0]) in links
    assert "1 link looked up in web archives" in " ".join(page.text_content().split())

    listed = {p["url"]: p for p in _pages(out)}
    assert mementos[OFFERED_AT][2] in listed and "archived copy: the Internet Archive" in listed[mementos[OFFERED_AT][2]][
        "title"]
    audited = runner.invoke(cli, ["audit", str(out)])
    assert audited.exit_code == 0 and "everything holds" in audited.output, audited.output
    check = subprocess.run([str(Path(sys.executable).parent / "wacz"), "validate", "-f", str(out)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_an_archived_title_and_an_archive_s_uri_m_are_escaped_in_the_pack_summary(tmp_path, fakeweb, runner):
    hostile_title = 'Суд <img src=x onerror="alert(1)"> арестовал'
    captures = dead_article_captures()
    captures[0] = html_capture(DEAD_ARTICLE, "20240401091233", escape(hostile_title), DEAD_ARTICLE_TEXT)
    report, vault, _ = _looked_up(tmp_path, fakeweb, runner, captures)
    out = tmp_path / "r.wacz"
    _pack(runner, vault, report, out)
    html = _summary(out)
    assert '<img src=x onerror="alert(1)">' not in html and escape(hostile_title) in html

    mine = tmp_path / "mine"  # an archive's listing of URI-Ms it made up, stored as a search would store it
    shutil.copytree(vault, mine)
    hostile = f'https://web.archive.org/web/20240401000000/{DEAD_ARTICLE}"><script>alert(1)</script>'
    sneaky = "javascript:alert(2)"
    with Vault(str(mine)) as v:
        reference = v.reference_dates(str(report))["1"]
        v.store_copy_search(CopySearch(DEAD_ARTICLE, reference, [ServiceOutcome("ia-cdx", FOUND, 2)], [
            CopyVerdict(Candidate(DEAD_ARTICLE, "web.archive.org", hostile, "2024-04-01T00:00:00Z", "cdx"), OFFERED,
                        state="ok", rank=0),
            CopyVerdict(Candidate(DEAD_ARTICLE, "web.archive.org", sneaky, "2024-04-02T00:00:00Z", "cdx"),
                        PASSED_OVER, "<b>bold</b> reason", rank=1)]))
    out = tmp_path / "mine.wacz"
    _pack(runner, mine, report, out)
    html = _summary(out)
    assert "<script>alert(1)" not in html and "<b>bold</b>" not in html and 'href="javascript:' not in html
    page = lxml.html.fromstring(html)
    assert hostile in [a.get("href") for a in page.cssselect("a")]
    assert sneaky not in [a.get("href") for a in page.cssselect("a")] and sneaky in page.text_content()
    assert "why: <b>bold</b> reason" in page.text_content() and not page.cssselect("script")


def test_mementos_a_later_timestamped_fetch_seals_are_timestamped_in_the_summary_and_the_pack_holds_every_record_it_lists(
        tmp_path, fakeweb, runner):
    """The first fetch had no timestamp (offline, say) and `copies` writes none: the next fetch with an authority
    seals what both left unsealed, and its manifest lists the first fetch's capture, in a file the report no longer
    cites. The pack carries that file too, so audit finds every record the manifest lists."""
    from tsa import LocalTSA

    report, vault, _ = _looked_up(tmp_path, fakeweb, runner, dead_article_captures())
    authority = LocalTSA(tmp_path / "tsa")
    try:
        again = runner.invoke(cli, ["--vault", str(vault), "fetch", str(report), *_egress(fakeweb), "--no-screenshots",
                                    "--tsa", authority.url])
    finally:
        authority.close()
    assert "left unstamped by an earlier run" in again.output, again.output
    out = tmp_path / "r.wacz"
    _pack(runner, vault, report, out)
    with sqlite3.connect(vault / "linkvault.db") as db:
        files = {f for (f,) in db.execute("select warc_file from captures")}
    with zipfile.ZipFile(out) as z:
        assert {f"archive/{f}" for f in files} <= set(z.namelist())  # the first fetch's file, the copies run's
    page = lxml.html.fromstring(_summary(out))
    [copies] = [t for t in page.cssselect("table") if "archived copy and its verdict" in t.text_content()]
    assert "not timestamped" not in copies.text_content() and "127.0.0.1" in copies.text_content()
    audited = runner.invoke(cli, ["audit", str(out)])
    assert audited.exit_code == 0 and "everything holds" in audited.output, audited.output


@pytest.fixture
def keys(tmp_path):
    path = tmp_path / "ia.ini"
    path.write_text("[s3]\naccess = AKIA-tester\nsecret = s3cret\n", encoding="utf-8")
    return path


def test_a_witness_that_differs_and_one_that_is_the_same_show_in_the_pack_summary_with_their_custody_events(
        tmp_path, fakeweb, runner, keys):
    spn = FakeSavePageNow(FakeWayback().install(fakeweb), fakeweb, keys=("AKIA-tester", "s3cret"),
                          polls_before_success=0)
    spn.payloads[AZATTYQ_ARTICLE] = b"<html><body>Another edition of the article</body></html>"
    report = tmp_path / "r.txt"
    report.write_text(f"The court arrested him[1]. Journalists were kept out[2].\n\n[1] {AZATTYQ_ARTICLE}\n"
                      f"[2] {VLAST_ARTICLE}\n", encoding="utf-8")
    vault = tmp_path / "vault"
    fetched = runner.invoke(cli, ["--vault", str(vault), "fetch", str(report), *_egress(fakeweb), "--no-screenshots",
                                  "--save-page-now", "--spn-keys", str(keys), *FAST])
    assert fetched.exit_code == 0 and "witnessed: 1 same, 1 differs" in fetched.output, fetched.output
    with sqlite3.connect(vault / "linkvault.db") as db:
        events = {json.loads(d)["url"]: (i, h, json.loads(d)) for i, h, d in db.execute(
            "select id, hash, details from custody where event = 'witnessed'")}
    out = tmp_path / "r.wacz"
    _pack(runner, vault, report, out)

    page = lxml.html.fromstring(_summary(out))
    [table] = [t for t in page.cssselect("table") if "custody event" in t.text_content()]
    rows = {tr.cssselect("td")[0].text_content(): _text(tr) for tr in table.cssselect("tbody tr")}
    for label, url, verdict in (("1", AZATTYQ_ARTICLE, "differs"), ("2", VLAST_ARTICLE, "same")):
        event_id, event_hash, details = events[url]
        row = rows[label]
        assert f"{verdict} {details['sentence']}" in row
        assert details["uri_m"] in row and details["archive_at"] in row and details["archive_digest"] in row
        assert f"event {event_id} (witnessed) hash {event_hash}" in row
    assert "holds a payload that differs from ours" in rows["1"]
    assert [a.get("href") for a in table.cssselect("a")] == [AZATTYQ_ARTICLE, events[AZATTYQ_ARTICLE][2]["uri_m"],
                                                              VLAST_ARTICLE, events[VLAST_ARTICLE][2]["uri_m"]]
    audited = runner.invoke(cli, ["audit", str(out)])
    assert audited.exit_code == 0 and "everything holds" in audited.output, audited.output
