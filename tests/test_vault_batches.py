"""A run's vault writes in batches (vault/batches.py): one transaction for many captures and custody events, each
write still whole, and every one committed when the batch ends, however it ends."""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time

import pytest
from test_fetch import fetch, records, warcio_check, warcs
from test_pipeline import _news

import linkvault
from linkvault.archive import judging, run
from linkvault.model import Capture, RecordLocation
from linkvault.vault import Vault, batches


def _capture(n: int) -> Capture:
    url = f"https://vlast.kz/novosti/{n}"
    return Capture(url=url, fetched_at=f"2024-04-05T10:15:{n:02d}.000000Z", final_url=url, status=200,
                   headers=[("Content-Type", "text/html; charset=utf-8")],
                   record=RecordLocation(file="linkvault-test-00000.warc.gz", offset=1000 * n, length=900,
                                         record_id=f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>",
                                         payload_digest=f"sha256:{'A' * 51}{n}"))


def _store(vault: Vault, n: int, text: dict | None = None) -> None:
    """A cited capture and its custody event, as a run stores them."""
    capture = _capture(n)
    vault.add_url(capture.url)
    vault.store_capture(capture, role="cited", text=text)
    vault.log_event("captured", capture.record.record_id, collector=None, details={"url": capture.url})


def _seen_by_another_reader(directory) -> tuple[int, int]:
    """(captures, custody events) as a second connection sees them: what is committed."""
    db = sqlite3.connect(os.path.join(directory, "linkvault.db"))
    try:
        return (db.execute("select count(*) from captures").fetchone()[0],
                db.execute("select count(*) from custody").fetchone()[0])
    finally:
        db.close()


def test_a_batch_is_one_transaction_committed_when_its_block_ends_even_by_ctrl_c(tmp_path):
    directory = str(tmp_path / "vault")
    with Vault(directory) as vault:
        with pytest.raises(KeyboardInterrupt), vault.batched(rows=1000, seconds=3600):
            for n in range(3):
                _store(vault, n)
            assert _seen_by_another_reader(directory) == (0, 0)  # one open transaction: nothing committed yet
            raise KeyboardInterrupt
        assert _seen_by_another_reader(directory) == (3, 3)
    with Vault(directory) as vault:
        chain = vault.custody_chain()
        assert [e["id"] for e in chain] == [1, 2, 3]
        assert [e["prev_hash"] for e in chain[1:]] == [e["hash"] for e in chain[:-1]]  # chained in the batch too


def test_a_write_that_fails_in_a_batch_leaves_nothing_of_itself_and_takes_nothing_else_with_it(tmp_path):
    directory = str(tmp_path / "vault")
    with Vault(directory) as vault, vault.batched(rows=1000, seconds=3600):
        _store(vault, 1)
        vault.add_url(_capture(2).url)
        with pytest.raises(sqlite3.OperationalError):  # its text names a column the table lacks: after its capture row
            vault.store_capture(_capture(2), role="cited", text={"title": "Суд", "no_such_column": 1})
        _store(vault, 3)
    with Vault(directory) as vault:
        assert [row["url"] for row in vault.query("select url from captures order by id")] == [
            "https://vlast.kz/novosti/1", "https://vlast.kz/novosti/3"]
        assert vault.query("select count(*) as n from response_headers")[0]["n"] == 2  # none of the failed write's


def test_a_batch_is_committed_every_so_many_writes_and_when_it_has_been_open_long_enough(tmp_path):
    directory = str(tmp_path / "vault")
    with Vault(directory) as vault:
        with vault.batched(rows=6, seconds=3600):
            _store(vault, 1)  # three writes: its URL, its capture, its custody event
            assert _seen_by_another_reader(directory) == (0, 0)
            _store(vault, 2)
            assert _seen_by_another_reader(directory) == (2, 2)
        with vault.batched(rows=1000, seconds=0.05):
            vault.add_url(_capture(3).url)
            vault.commit_due()
            assert _seen_by_another_reader(directory) == (2, 2)  # open for less than its time: still open
            time.sleep(0.06)
            vault.commit_due()  # what a run calls while it waits: the quiet spell does not hold the rows back
            assert vault.query("select count(*) as n from urls")[0]["n"] == 3
            db = sqlite3.connect(os.path.join(directory, "linkvault.db"))
            assert db.execute("select count(*) from urls").fetchone()[0] == 3
            db.close()


def test_a_run_interrupted_with_its_batch_open_keeps_every_capture_it_judged(tmp_path, fakeweb, monkeypatch):
    """Ctrl-C (a real SIGINT) once some pages are judged and stored in a batch that would stay open for an hour: each
    of them is in the vault after the interrupt, with its custody event, and the next run does not fetch it again."""
    monkeypatch.setattr(batches, "BATCH_ROWS", 10**6)
    monkeypatch.setattr(batches, "BATCH_SECONDS", 3600.0)
    assert run.batches is batches
    urls = _news(fakeweb, 12)
    real_assess, real_store = judging.assess, judging.store_judged
    judged, stored, lock = [], [], threading.Lock()

    def store_judged(vault, capture, *args, **kwargs):
        real_store(vault, capture, *args, **kwargs)
        stored.append(capture.url)

    def assess(capture, *args):
        with lock:
            judged.append(capture.url)
            last = len(judged) == 8
        if last:  # the eighth page's judge: waits for three pages stored, then the interrupt lands while it works
            deadline = time.monotonic() + 20
            while len(stored) < 3 and time.monotonic() < deadline:
                time.sleep(0.01)
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.5)
        return real_assess(capture, *args)

    monkeypatch.setattr(judging, "assess", assess)
    monkeypatch.setattr(judging, "store_judged", store_judged)
    with pytest.raises(KeyboardInterrupt):
        fetch(tmp_path, fakeweb, urls, concurrency=2)
    monkeypatch.undo()

    assert len(stored) >= 3
    db = sqlite3.connect(tmp_path / "vault" / "linkvault.db")
    rows = {url: (record, state) for url, record, state in db.execute(
        "select url, record_id, state from captures where role = 'cited'")}
    assert all(rows.get(url, (None, None))[1] == "ok" for url in stored)  # stored in the open batch, committed at its end
    custody = {subject for (subject,) in db.execute("select subject from custody where event = 'captured'")}
    assert all(record in custody for record, _ in rows.values())
    archived = {uri for kind, uri, _, _ in records(tmp_path) if kind == "response" and uri in urls}
    assert set(rows) <= archived
    db.close()
    warcio_check(warcs(tmp_path))
    assert linkvault.audit(tmp_path / "vault").holds

    again = fetch(tmp_path, fakeweb, urls, concurrency=2)
    assert all(link.capture.state.state == "ok" for link in again.links)
    assert all(fakeweb.hits(url) == 1 for url in stored)  # judged and kept: never fetched again
