"""A run killed with kill -9 is finished as evidence by the next one: its captures get a timestamped manifest
and its pages their screenshots, and fetch says what it sealed."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import time

import pytest
from fakeweb import Response
from interrupt import kill_after_captures
from rfc3161_client import decode_timestamp_response
from test_output_schema import errors
from warcio.archiveiterator import ArchiveIterator

from linkvault.archive.screenshot import chromium


def _killed_then_resumed(tmp_path, fakeweb, tsa, monkeypatch, *, screenshots: bool):
    """Fetch ten slow pages, kill -9 the run once four are stored, then fetch again; returns (vault, rerun's JSON)."""
    urls = [f"https://kursiv.media/2024/04/{n:02d}/vybory/" for n in range(10)]
    for n, url in enumerate(urls):
        fakeweb.route_url(url, Response(200, [("Content-Type", "text/html; charset=utf-8")],
                                        f"<html><head><title>Выборы {n}</title></head><body><h1>Выборы {n}</h1>"
                                        f"<p>Избирком объявил итоги по округу {n}.</p></body></html>".encode(),
                                        delay=0.6))  # kill lands between two half-second vault commits
    report = tmp_path / "r.txt"
    report.write_text("Итоги" + "".join(f"[{n}]" for n in range(1, 11)) + ".\n\n"
                      + "".join(f"[{n}] {u}\n" for n, u in enumerate(urls, 1)), encoding="utf-8")
    vault = tmp_path / "vault"
    if screenshots:
        monkeypatch.delenv("LINKVAULT_NO_SCREENSHOTS")
    cmd = [sys.executable, "-m", "linkvault", "--vault", str(vault), "fetch", str(report), "--proxy", fakeweb.proxy_url,
           "--ca-bundle", fakeweb.ca_pem_path, "--concurrency", "2", "--tsa", tsa.url]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ))
    done = kill_after_captures(proc, vault / "linkvault.db", 4)
    assert 4 <= done < len(urls)
    time.sleep(0.5)  # the server finishes answering the killed run's last requests
    rerun = subprocess.run(cmd + ["--format", "json"], capture_output=True, text=True, timeout=180, env=dict(os.environ))
    assert rerun.returncode == 0, rerun.stderr
    return vault, json.loads(rerun.stdout)


def _stamped_records(vault) -> set[str]:
    """Record ids listed by a manifest whose stored RFC 3161 token stamps exactly that manifest's bytes."""
    manifests, tokens = {}, {}
    for warc in sorted((vault / "warc").glob("*.warc.gz")):
        with open(warc, "rb") as fh:
            for record in ArchiveIterator(fh):
                uri = record.rec_headers.get_header("WARC-Target-URI") or ""
                if uri.startswith("urn:evidence:manifest:"):
                    manifests[uri.rsplit(":", 1)[1]] = record.content_stream().read()
                elif uri.startswith("urn:evidence:rfc3161:"):
                    tokens.setdefault(uri.split(":")[3], []).append(record.content_stream().read())
    stamped = set()
    for run, manifest in manifests.items():
        digest = hashlib.sha256(manifest).digest()
        if any(decode_timestamp_response(t).tst_info.message_imprint.message == digest for t in tokens.get(run, [])):
            stamped.update(entry["id"] for entry in json.loads(manifest)["records"])
    return stamped


def test_a_killed_run_s_captures_are_timestamped_by_the_next_run(tmp_path, fakeweb, tsa, monkeypatch):
    vault, out = _killed_then_resumed(tmp_path, fakeweb, tsa, monkeypatch, screenshots=False)
    records = {r for (r,) in sqlite3.connect(vault / "linkvault.db").execute(
        "select record_id from captures where record_id is not null")}
    assert len(records) >= 10
    assert records <= _stamped_records(vault)
    assert errors(out, "fetch") == []
    stamp = out["summary"]["timestamp"]
    assert stamp["stamped"] and stamp["earlier_records"] >= 4 and stamp["records"] > stamp["earlier_records"]
    assert [a["tsa"] for a in stamp["authorities"] if a["stamped"]] == [tsa.url]


@pytest.mark.skipif(chromium() is None, reason="Debian's chromium is not installed (make test installs it as root)")
def test_a_killed_run_s_pages_are_screenshotted_by_the_next_run(tmp_path, fakeweb, tsa, monkeypatch):
    vault, out = _killed_then_resumed(tmp_path, fakeweb, tsa, monkeypatch, screenshots=True)
    db = sqlite3.connect(vault / "linkvault.db")
    pages = {r for (r,) in db.execute("select record_id from captures where role = 'cited' and status = 200")}
    shot = {r for (r,) in db.execute("select response_id from screenshots")}
    assert len(pages) == 10 and pages <= shot
    assert out["summary"]["earlier_screenshots"] >= 4 and out["summary"]["screenshots"] == 10
    assert {r for (r,) in db.execute("select record_id from screenshots")} <= _stamped_records(vault)


def test_when_every_authority_fails_fetch_says_so_and_the_next_run_stamps_what_was_left(tmp_path, fakeweb, tsa, runner):
    from linkvault.cli import cli

    url = "https://kursiv.media/2024/04/itogi/"
    fakeweb.route_url(url, Response(200, [("Content-Type", "text/html; charset=utf-8")],
                                    "<html><head><title>Итоги</title></head><body><p>Итоги выборов.</p></body></html>"
                                    .encode()))
    report = tmp_path / "r.txt"
    report.write_text(f"Итоги[1].\n\n[1] {url}\n", encoding="utf-8")
    vault = tmp_path / "vault"
    base = ["--vault", str(vault), "fetch", str(report), "--proxy", fakeweb.proxy_url, "--ca-bundle", fakeweb.ca_pem_path]
    dead = "http://127.0.0.1:9/tsr"
    first = runner.invoke(cli, [*base, "--tsa", dead])
    assert first.exit_code == 0, first.output
    assert "NOT TIMESTAMPED: every timestamp authority failed" in first.stdout
    assert "every authority failed (http://127.0.0.1:9/tsr: " in first.stderr
    second = runner.invoke(cli, [*base, "--tsa", tsa.url, "--format", "json"])
    stamp = json.loads(second.stdout)["summary"]["timestamp"]
    assert stamp["stamped"] and stamp["earlier_records"] >= 1
    records = {r for (r,) in sqlite3.connect(vault / "linkvault.db").execute(
        "select record_id from captures where record_id is not null")}
    assert records and records <= _stamped_records(vault)
    third = runner.invoke(cli, [*base, "--tsa", tsa.url, "--format", "json"])
    assert json.loads(third.stdout)["summary"]["timestamp"] is None  # nothing left to seal: no new manifest


def test_looking_for_unshot_pages_takes_any_number_of_urls(tmp_path):
    """A resumed fetch of a very long report asks about every URL in one query, past SQLite's limit on variables
    (32,766 by default; this machine's build allows 250,000, so the test lowers it rather than build a huge list)."""
    import sqlite3

    from linkvault.vault import Vault

    vault = Vault(str(tmp_path / "vault"))
    try:
        vault.db.conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 1000)
        assert vault.unshot_pages([f"https://news.example/{n}" for n in range(5_000)]) == []
    finally:
        vault.close()


def _fail_writing(monkeypatch, nth: int, failure: BaseException) -> None:
    """The `nth` WARC record is torn: half a gzip member reaches the file, then `failure` is raised (a full disk,
    or Ctrl-C at that moment). A monkeypatched failure point: a real full disk cannot be made without root."""
    import gzip

    from linkvault.archive import warc

    real, calls = warc._RecordingWriter.write_record, [0]

    def write_record(self, record, *args, **kwargs):
        calls[0] += 1
        if calls[0] < nth:
            return real(self, record, *args, **kwargs)
        self.out.write(gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\nContent-Length: 9999\r\n\r\npartial")[:40])
        raise failure

    monkeypatch.setattr(warc._RecordingWriter, "write_record", write_record)


def _assert_whole(vault) -> None:
    """No open WARC is left; each closed one passes warcio check; every record the vault points at is there whole."""
    assert list((vault / "warc").glob("*.open")) == []
    files = sorted((vault / "warc").glob("*.warc.gz"))
    for path in files:
        check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
    db = sqlite3.connect(vault / "linkvault.db")
    assert db.execute("pragma integrity_check").fetchone() == ("ok",)
    pointed = db.execute("select warc_file, warc_offset, record_id from captures where warc_file is not null").fetchall()
    assert pointed
    for name, offset, record_id in pointed:
        with open(vault / "warc" / name, "rb") as fh:
            fh.seek(offset)
            record = next(iter(ArchiveIterator(fh)))
            assert record.rec_headers.get_header("WARC-Record-ID") == record_id
            record.content_stream().read()


@pytest.mark.parametrize("failure,exit_code,says", [
    (OSError(errno.ENOSPC, "No space left on device"), 2, "no space left on the device"),
    (KeyboardInterrupt(), 130, "interrupted")], ids=["disk-full", "ctrl-c"])
def test_a_run_failing_mid_record_leaves_whole_warcs_an_intact_vault_and_no_open_file(
        tmp_path, fakeweb, runner, monkeypatch, failure, exit_code, says):
    """The run stops with one line; its WARC is closed at its last whole record (no file left open: run with
    -W error::ResourceWarning, and any ResourceWarning is caught here too); a next run finishes the fetch."""
    import gc
    import warnings

    from linkvault.cli import cli

    urls = [f"https://kursiv.media/2024/04/{n:02d}/sud/" for n in range(6)]
    for n, url in enumerate(urls):
        fakeweb.route_url(url, Response(200, [("Content-Type", "text/html; charset=utf-8")],
                                        f"<html><head><title>Суд {n}</title></head><body><h1>Суд {n}</h1>"
                                        f"<p>Суд рассмотрел дело номер {n}.</p></body></html>".encode()))
    report = tmp_path / "r.txt"
    report.write_text("Суд" + "".join(f"[{n}]" for n in range(1, 7)) + ".\n\n"
                      + "".join(f"[{n}] {u}\n" for n, u in enumerate(urls, 1)), encoding="utf-8")
    vault = tmp_path / "vault"
    args = ["--vault", str(vault), "fetch", str(report), "--proxy", fakeweb.proxy_url, "--ca-bundle",
            fakeweb.ca_pem_path, "--concurrency", "1", "--no-timestamp"]
    _fail_writing(monkeypatch, 16, failure)  # some pages in: each is a response, a request and a metadata record
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        failed = runner.invoke(cli, args)
        code, output, stderr = failed.exit_code, failed.output, failed.stderr
        del failed  # its traceback holds the run's frames: freed now, an open file would warn now
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
    assert code == exit_code and "Traceback" not in output
    assert says in stderr and len(stderr.strip().splitlines()) == 1
    _assert_whole(vault)
    monkeypatch.undo()
    again = runner.invoke(cli, [*args, "--format", "json"])
    assert again.exit_code == 0, again.output
    assert all(f["http_status"] == 200 for f in json.loads(again.stdout)["reports"][0]["footnotes"])
    _assert_whole(vault)
