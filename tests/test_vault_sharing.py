"""Readers and writers share a vault: verbs that log custody wait for a run's lock (or refuse in one line), custody ids
are taken inside one write transaction, and the read verbs never write to the vault they read."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import pytest
from fakeweb import Response

from linkvault.cli import cli
from linkvault.vault import SCHEMA_VERSION, Vault, VaultLock
from linkvault.vault.custody import check_chain


def _slow_fetch(tmp_path, fakeweb, n: int = 6):
    """A fetch of `n` pages answering a second each, running in its own process; returns (process, vault)."""
    urls = [f"https://vlast.kz/politika/{n}-zasedanie.html" for n in range(n)]
    for k, url in enumerate(urls):
        fakeweb.route_url(url, Response(200, [("Content-Type", "text/html; charset=utf-8")],
                                        f"<html><head><title>Заседание {k}</title></head><body><p>Мажилис принял "
                                        f"закон {k}.</p></body></html>".encode(), delay=1.0))
    report = tmp_path / "r.txt"
    report.write_text("Закон" + "".join(f"[{k}]" for k in range(1, n + 1)) + ".\n\n"
                      + "".join(f"[{k}] {u}\n" for k, u in enumerate(urls, 1)), encoding="utf-8")
    vault = tmp_path / "vault"
    proc = subprocess.Popen([sys.executable, "-m", "linkvault", "--vault", str(vault), "fetch", str(report),
                             "--proxy", fakeweb.proxy_url, "--ca-bundle", fakeweb.ca_pem_path, "--concurrency", "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    db = vault / "linkvault.db"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        time.sleep(0.05)
        try:
            if sqlite3.connect(db).execute("select count(*) from captures where role = 'cited'").fetchone()[0]:
                break
        except sqlite3.OperationalError:
            pass
    return proc, vault


def test_an_audit_while_a_fetch_writes_the_vault_refuses_in_one_line_and_logs_nothing(tmp_path, fakeweb, runner,
                                                                                      monkeypatch):
    monkeypatch.setenv("LINKVAULT_LOCK_WAIT", "0.2")
    proc, vault = _slow_fetch(tmp_path, fakeweb)
    try:
        audit = runner.invoke(cli, ["--vault", str(vault), "audit"])
        assert proc.poll() is None  # the fetch was still running when audit asked
    finally:
        _, err = proc.communicate(timeout=120)
    assert audit.exit_code == 2, audit.output
    assert audit.output == (f"linkvault: error: {vault}: another linkvault run is using this vault (waited 0.2 s for "
                            "it to finish; run this again when it has)\n")
    assert proc.returncode == 0, err
    events = [dict(r) for r in _rows(vault, "select * from custody order by id")]
    assert not check_chain(events) and not [e for e in events if e["event"] == "re-checked"]
    after = runner.invoke(cli, ["--vault", str(vault), "audit"])
    assert after.exit_code == 0 and "everything holds" in after.output, after.output


def test_an_audit_waits_for_a_run_that_ends_soon_and_then_checks(tmp_path, fakeweb, runner, monkeypatch):
    monkeypatch.setenv("LINKVAULT_LOCK_WAIT", "60")
    proc, vault = _slow_fetch(tmp_path, fakeweb, n=3)
    try:
        audit = runner.invoke(cli, ["--vault", str(vault), "audit"])
    finally:
        _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert audit.exit_code == 0 and "everything holds" in audit.output, audit.output
    [recheck] = [r for r in _rows(vault, "select * from custody order by id") if r["event"] == "re-checked"]
    assert recheck["id"] == max(r["id"] for r in _rows(vault, "select id from custody"))  # after every capture


def test_two_writers_logging_custody_at_once_never_collide(tmp_path):
    vault = tmp_path / "vault"
    Vault(str(vault)).close()
    writer = textwrap.dedent(f"""
        import sys, time
        from linkvault.vault import Vault
        vault = Vault({str(vault)!r})
        while time.time() < float(sys.argv[1]):
            pass
        for n in range(150):
            vault.log_event("exported", f"{{sys.argv[2]}}-{{n}}", collector=sys.argv[2])
        vault.close()
    """)
    start = str(time.time() + 2)  # both start logging at the same moment, each in its own process
    writers = [subprocess.Popen([sys.executable, "-c", writer, start, name], stderr=subprocess.PIPE, text=True)
               for name in ("pack", "show")]
    errors = [w.communicate(timeout=120)[1] for w in writers]
    assert [w.returncode for w in writers] == [0, 0], errors
    events = [dict(r) for r in _rows(vault, "select * from custody order by id")]
    assert [e["id"] for e in events] == list(range(1, 301))
    assert check_chain(events) == []


def test_a_lock_released_while_waiting_is_taken(tmp_path):
    held = VaultLock(str(tmp_path / "vault"))
    threading.Timer(0.3, held.release).start()
    waiting = VaultLock(str(tmp_path / "vault"), wait=60)
    assert waiting.held
    waiting.release()


def _rows(vault, sql: str) -> list[sqlite3.Row]:
    conn = sqlite3.connect(vault / "linkvault.db")
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()



# -- a read-only vault (an evidence copy on a write-protected disk) ------------------------------------------------

NOBODY = 65534
pytest_read_only = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"),
                                      reason="needs root and setpriv to run a verb as nobody")


def _as_nobody(*args: str, cwd) -> subprocess.CompletedProcess:
    """linkvault run as the unprivileged user `nobody` (the tests run as root, whom no file mode stops)."""
    return subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                           sys.executable, "-m", "linkvault", *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd, env={**os.environ, "HOME": str(cwd)})


def _write_protected_copy(tmp_path, fakeweb, runner, *, schema: int | None = None, unsaved_wal: bool = False):
    """A fetched vault copied to a directory only root may write (dirs 0555, files 0444), with its report;
    `schema` rewinds the copy's schema version, as a vault from an older linkvault would be; `unsaved_wal`
    copies it as a run killed mid-write leaves it, its last writes only in linkvault.db-wal."""
    urls = ["https://vlast.kz/politika/zakon-o-vyborah.html", "https://vlast.kz/politika/zasedanie-mazhilisa.html"]
    for k, url in enumerate(urls):
        fakeweb.route_url(url, Response(200, [("Content-Type", "text/html; charset=utf-8")],
                                        f"<html><head><title>Закон {k}</title></head><body><p>Мажилис принял закон "
                                        f"о выборах в чтении {k}.</p></body></html>".encode()))
    place = tempfile.mkdtemp(prefix="linkvault-ro-")  # outside pytest's tmp_path, which only root may enter
    os.chmod(place, 0o755)
    report = Path(place) / "r.txt"  # where it was fetched from: the vault names reports by their path
    report.write_text("Закон принят[1], заседание прошло[2].\n\n" + "".join(f"[{k}] {u}\n" for k, u in enumerate(urls, 1)),
                      encoding="utf-8")
    vault = tmp_path / "vault"
    fetched = runner.invoke(cli, ["--vault", str(vault), "fetch", str(report), "--proxy", fakeweb.proxy_url,
                                  "--ca-bundle", fakeweb.ca_pem_path])
    assert fetched.exit_code == 0, fetched.output
    copy = os.path.join(place, "vault")
    shutil.copytree(vault, copy, ignore=shutil.ignore_patterns(".lock", "*-wal", "*-shm"))
    if schema is not None:
        with sqlite3.connect(os.path.join(copy, "linkvault.db")) as conn:
            conn.execute(f"PRAGMA user_version = {schema}")
    if unsaved_wal:  # a writer still open when the copy was made: its commit is in the WAL, not yet in the database
        writer = sqlite3.connect(os.path.join(copy, "linkvault.db"))
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        with writer:
            writer.execute("update captures set state_detail = state_detail || ' (re-judged)'")
        for name in ("linkvault.db", "linkvault.db-wal"):
            shutil.copy(os.path.join(copy, name), os.path.join(place, name))
        writer.close()
        for name in ("linkvault.db", "linkvault.db-wal"):
            shutil.move(os.path.join(place, name), os.path.join(copy, name))
        if os.path.exists(shm := os.path.join(copy, "linkvault.db-shm")):
            os.remove(shm)
    for root, _, files in os.walk(copy):
        for name in files:
            os.chmod(os.path.join(root, name), 0o444)
        os.chmod(root, 0o555)
    return place, copy


@pytest_read_only
def test_the_read_verbs_read_a_write_protected_vault_and_change_nothing(tmp_path, fakeweb, runner):
    place, copy = _write_protected_copy(tmp_path, fakeweb, runner)
    before = {name: os.stat(os.path.join(copy, name)).st_mtime_ns for name in os.listdir(copy)}
    try:
        report = _as_nobody("--vault", copy, "report", "r.txt", cwd=place)
        assert report.returncode == 0 and "Закон 0" in report.stdout, report.stderr
        assert _as_nobody("--vault", copy, "verify", "r.txt", cwd=place).returncode in (0, 1)
        show = _as_nobody("--vault", copy, "show", "r.txt", "2", cwd=place)
        assert show.returncode == 0 and "zasedanie-mazhilisa" in show.stdout, show.stderr
        search = _as_nobody("--vault", copy, "search", "выборах", cwd=place)
        assert search.returncode == 0 and "zakon-o-vyborah" in search.stdout, search.stderr
        audit = _as_nobody("--vault", copy, "audit", cwd=place)
        assert audit.returncode == 0 and "everything holds" in audit.stdout, audit.stderr
        assert audit.stderr == (f"linkvault: note: {copy}: the vault is read-only, so this audit is not logged in its "
                                "custody chain\n")
        assert "Traceback" not in report.stderr + show.stderr + search.stderr
        pack = _as_nobody("--vault", copy, "pack", "r.txt", "--no-timestamp", cwd=place)
        assert pack.returncode == 2 and pack.stderr == (f"linkvault: error: {copy}: this vault is read-only, and making "
                                                        "a pack is logged in its custody chain: run this on a writable "
                                                        "copy\n")
        assert {name: os.stat(os.path.join(copy, name)).st_mtime_ns for name in os.listdir(copy)} == before
    finally:
        _make_removable(place)


@pytest_read_only
def test_a_write_protected_vault_of_an_older_schema_is_named_in_one_line(tmp_path, fakeweb, runner):
    place, copy = _write_protected_copy(tmp_path, fakeweb, runner, schema=6)
    try:
        report = _as_nobody("--vault", copy, "report", "r.txt", cwd=place)
        assert report.returncode == 2
        assert report.stderr == (f"linkvault: error: {copy}: this vault is of an older linkvault (schema 6; this one "
                                 f"reads {SCHEMA_VERSION}) and cannot be upgraded now (read-only, or a run is using it): "
                                 "run this on a writable copy of it, which is upgraded in place\n")
    finally:
        _make_removable(place)


@pytest_read_only
def test_a_write_protected_vault_whose_last_writes_are_in_its_wal_is_named_not_read_stale(tmp_path, fakeweb, runner):
    place, copy = _write_protected_copy(tmp_path, fakeweb, runner, unsaved_wal=True)
    try:
        report = _as_nobody("--vault", copy, "report", "r.txt", cwd=place)
        assert report.returncode == 2
        assert report.stderr == (f"linkvault: error: {copy}: its newest writes are still in linkvault.db-wal, which "
                                 "SQLite cannot read where nothing may be written: copy the vault somewhere writable "
                                 "to read it\n")
    finally:
        _make_removable(place)


def _make_removable(place: str) -> None:
    for root, _, _ in os.walk(place):
        os.chmod(root, 0o755)
    shutil.rmtree(place)
