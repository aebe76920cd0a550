"""Readers and writers share a vault: verbs that log custody wait for a run's lock (or refuse in one line), and custody
ids are taken inside one write transaction. (That the read verbs never write to the vault they read:
test_read_only_vault.py.)"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import threading
import time

from fakeweb import Response

from linkvault.cli import cli
from linkvault.vault import Vault, VaultLock
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
