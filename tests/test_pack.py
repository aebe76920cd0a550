"""The evidence pack: a WACZ that `wacz validate` accepts and pywb replays, logged in the custody chain."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import httpx
from replay import pywb_pack

from linkvault.cli import cli

URLS = ["https://rus.azattyq.org/a/32887882.html", "https://vlast.kz/novosti/59904-zhurnalistov-ne-pustili-na-zasedanie-suda.html"]
BIN = Path(sys.executable).parent


def test_pack_validates_replays_and_is_logged(tmp_path, fakeweb, runner):
    report = tmp_path / "chronicle.txt"
    report.write_text("A[1]. B[2]. C[3].\n\n" + "".join(f"[{n}] {u}\n" for n, u in enumerate(URLS, 1)), encoding="utf-8")
    vault = tmp_path / "vault"
    assert runner.invoke(cli, ["--vault", str(vault), "fetch", str(report), "--proxy", fakeweb.proxy_url,
                               "--ca-bundle", fakeweb.ca_pem_path]).exit_code == 1  # [3] has no entry
    out = tmp_path / "chronicle.wacz"
    result = runner.invoke(cli, ["--vault", str(vault), "pack", str(report), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "2 pages" in result.output

    check = subprocess.run([str(BIN / "wacz"), "validate", "-f", str(out)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr

    with zipfile.ZipFile(out) as z:
        pages = [json.loads(line) for line in z.read("pages/pages.jsonl").decode().splitlines()[1:]]
        names = z.namelist()
    assert {p["url"] for p in pages} == set(URLS)
    assert any("закупке" in p["text"] for p in pages)
    assert any(n.endswith("linkvault-report.warc.gz") for n in names)

    with pywb_pack(out, tmp_path / "replay") as base:
        page = httpx.get(f"{base}/id_/{URLS[0]}", timeout=30)
        summary = httpx.get(f"{base}/id_/urn:evidence:summary:chronicle.txt", timeout=30)
    assert page.status_code == 200 and "закупке".encode() in page.content
    assert summary.status_code == 200 and b"<!DOCTYPE html>" in summary.content

    events = sqlite3.connect(vault / "linkvault.db").execute("select event, subject from custody").fetchall()
    assert ("packed", str(out.resolve())) in events


def test_pack_before_any_fetch_is_a_one_line_error(tmp_path, runner):
    report = tmp_path / "r.txt"
    report.write_text("A[1].\n\n[1] https://rus.azattyq.org/a/1.html\n", encoding="utf-8")
    result = runner.invoke(cli, ["--vault", str(tmp_path / "v"), "pack", str(report), "-o", str(tmp_path / "x.wacz")])
    assert result.exit_code == 2


def test_audit_of_a_pack_holds_and_names_a_flipped_byte(tmp_path, fakeweb, runner):
    report = tmp_path / "chronicle.txt"
    report.write_text(f"A[1].\n\n[1] {URLS[0]}\n", encoding="utf-8")
    vault = tmp_path / "vault"
    runner.invoke(cli, ["--vault", str(vault), "fetch", str(report), "--proxy", fakeweb.proxy_url,
                        "--ca-bundle", fakeweb.ca_pem_path])
    out = tmp_path / "chronicle.wacz"
    assert runner.invoke(cli, ["--vault", str(vault), "pack", str(report), "-o", str(out)]).exit_code == 0
    good = runner.invoke(cli, ["audit", str(out)])
    assert good.exit_code == 0 and "everything holds" in good.output, good.output

    tampered = tmp_path / "tampered.wacz"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(tampered, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "pages/pages.jsonl":
                data = data.replace("закупке".encode(), "закупки".encode())
            dst.writestr(item, data)
    bad = runner.invoke(cli, ["audit", str(tampered)])
    assert bad.exit_code == 1 and "pages/pages.jsonl" in bad.output and "altered" in bad.output


def test_a_pack_carries_the_custody_chain_and_audit_walks_it(tmp_path, fakeweb, runner):
    report = tmp_path / "chronicle.txt"
    report.write_text(f"A[1].\n\n[1] {URLS[0]}\n", encoding="utf-8")
    vault = tmp_path / "vault"
    runner.invoke(cli, ["--vault", str(vault), "fetch", str(report), "--proxy", fakeweb.proxy_url,
                        "--ca-bundle", fakeweb.ca_pem_path, "--collector", "Researcher"])
    out = tmp_path / "chronicle.wacz"
    runner.invoke(cli, ["--vault", str(vault), "pack", str(report), "-o", str(out)])
    result = runner.invoke(cli, ["audit", str(out)])
    assert result.exit_code == 0 and "1 custody event checked" in result.output, result.output


def test_the_pack_summary_maps_each_footnote_to_its_capture_digests_and_timestamp(tmp_path, fakeweb, runner):
    import io

    from tsa import LocalTSA
    from warcio.archiveiterator import ArchiveIterator

    report = tmp_path / "chronicle.txt"
    report.write_text("A[1]. B[2]. C[3].\n\n" + "".join(f"[{n}] {u}\n" for n, u in enumerate(URLS, 1)), encoding="utf-8")
    vault = tmp_path / "vault"
    authority = LocalTSA(tmp_path / "tsa")
    try:
        runner.invoke(cli, ["--vault", str(vault), "fetch", str(report), "--proxy", fakeweb.proxy_url,
                            "--ca-bundle", fakeweb.ca_pem_path, "--collector", "Monitoring team", "--tsa", authority.url])
    finally:
        authority.close()
    responses, provenance = {}, {}
    for warc in (vault / "warc").glob("*.warc.gz"):
        with open(warc, "rb") as fh:
            for r in ArchiveIterator(fh):
                if r.rec_type == "response":
                    responses[r.rec_headers.get_header("WARC-Target-URI")] = r.rec_headers
                elif r.rec_type == "metadata":
                    provenance[r.rec_headers.get_header("WARC-Refers-To")] = r.rec_headers.get_header("WARC-Record-ID")
    out = tmp_path / "chronicle.wacz"
    assert runner.invoke(cli, ["--vault", str(vault), "pack", str(report), "-o", str(out)]).exit_code == 0

    with zipfile.ZipFile(out) as z:
        extra = z.read("archive/linkvault-report.warc.gz")
    [summary] = [r.content_stream().read().decode() for r in ArchiveIterator(io.BytesIO(extra))
                 if r.rec_headers.get_header("WARC-Target-URI") == "urn:evidence:summary:chronicle.txt"]
    rows = summary.split("<tr")[2:]  # the table's body rows, in footnote order
    assert len(rows) == 3 and "cited with no source" in rows[2]
    for url, row in zip(URLS, rows):
        headers = responses[url]
        for value in (headers.get_header("WARC-Record-ID"), headers.get_header("WARC-Block-Digest"),
                      headers.get_header("WARC-Payload-Digest"), provenance[headers.get_header("WARC-Record-ID")]):
            assert _escaped(value) in row, (value, row)
        assert "Monitoring team" in row and "not timestamped" not in row
    assert "script" not in summary.lower()
    assert "2 captured, 2 covered by a trusted timestamp, 1 cited with no source" in " ".join(summary.split())


def _escaped(value: str) -> str:
    from html import escape

    return escape(value, quote=True)


def test_the_evidence_verbs_are_there_for_a_script_too(tmp_path, fakeweb):
    """`linkvault.fetch`, `.pack` and `.audit` do what the commands do, for a researcher's own code."""
    import linkvault
    from linkvault.archive import FetchOptions

    report = tmp_path / "chronicle.txt"
    report.write_text(f"A[1].\n\n[1] {URLS[0]}\n", encoding="utf-8")
    vault = tmp_path / "vault"
    linkvault.fetch([report], vault, FetchOptions(proxy=fakeweb.proxy_url, ca_bundle=fakeweb.ca_pem_path))
    packed = linkvault.pack(report, tmp_path / "chronicle.wacz", vault)
    assert packed.pages == 1 and Path(packed.path).is_file()
    assert linkvault.audit(vault).holds and linkvault.audit(wacz=packed.path).holds
    assert [c.number for c in linkvault.verify(report, vault).claims] == [1]


def test_pack_reads_only_its_own_reports_texts_so_another_reports_damaged_text_does_not_stop_it(tmp_path, fakeweb,
                                                                                                 runner):
    """Issue 13: pack loaded every text in the vault to pack one report. Another report's text that cannot be
    read (bytes that are no UTF-8, as a damaged row has) is none of this pack's business, and is not read."""
    vault = tmp_path / "vault"
    reports = []
    for name, url in zip(("chronicle.txt", "other.txt"), URLS):
        report = tmp_path / name
        report.write_text(f"A[1].\n\n[1] {url}\n", encoding="utf-8")
        assert runner.invoke(cli, ["--vault", str(vault), "fetch", str(report), "--proxy", fakeweb.proxy_url,
                                   "--ca-bundle", fakeweb.ca_pem_path]).exit_code == 0
        reports.append(report)
    with sqlite3.connect(vault / "linkvault.db") as db:
        damaged = db.execute("update texts set text = cast(x'd0ffd0fe20c0' as text) where capture_id = "
                             "(select id from captures where url = ? and role = 'cited')", [URLS[1]]).rowcount
    db.close()
    assert damaged == 1
    out = tmp_path / "chronicle.wacz"
    result = runner.invoke(cli, ["--vault", str(vault), "pack", str(reports[0]), "-o", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as z:
        pages = [json.loads(line) for line in z.read("pages/pages.jsonl").decode().splitlines()[1:]]
    assert [p["url"] for p in pages] == [URLS[0]] and "закупке" in pages[0]["text"]
