"""A run's writes in batches: one transaction for many captures and custody events instead of one each.

A commit cost more than the rows it wrote (three a URL: its capture, its custody event, its URL). Inside
`Vault.batched` each write is still whole (a savepoint of its own: a write that fails leaves nothing of itself and
takes nothing else with it), and the batch is committed every BATCH_ROWS writes or BATCH_SECONDS, and when the block
ends however it ends (Ctrl-C, a failure). The rows are written after their WARC records are flushed, as before, so a
record always precedes its row. A process killed outright (kill -9, a power cut) loses the open batch's rows, as it
loses the pages waiting for their verdict: those URLs, having no capture in the vault, are fetched again by the next run.
"""

from __future__ import annotations

import contextlib
import math
import sqlite3
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import sqlite_utils

BATCH_ROWS = 256  # writes in one transaction, at most
BATCH_SECONDS = 0.5  # how long a batch stays open, at most (a run's `commit_due` closes it when nothing is written)


@dataclass
class _Batch:
    rows: int
    seconds: float
    writes: int = 0
    opened: float = 0.0


class BatchedWrites:
    """The vault's writes, each in a transaction of its own, or inside `batched` in the batch's."""

    db: sqlite_utils.Database
    _batch: _Batch | None = None

    @property
    def _conn(self) -> sqlite3.Connection:
        return self.db.conn

    @contextlib.contextmanager
    def batched(self, rows: int | None = None, seconds: float | None = None) -> Iterator[None]:
        """Batch the block's writes (see the module's doc; BATCH_ROWS and BATCH_SECONDS unless given); every write
        of it is committed when it ends, or by `end_batch` first."""
        with self._in_batch(_Batch(BATCH_ROWS if rows is None else rows, BATCH_SECONDS if seconds is None else seconds),
                            keep=True):
            yield

    @contextlib.contextmanager
    def whole(self) -> Iterator[None]:
        """The block's writes in one transaction, committed when it ends and rolled back when it fails: all of them
        or none (a queued run's one message)."""
        with self._in_batch(_Batch(sys.maxsize, math.inf), keep=False):
            yield

    @contextlib.contextmanager
    def _in_batch(self, batch: _Batch, *, keep: bool) -> Iterator[None]:
        """`batch` open for the block; when the block fails, what it wrote is committed (`keep`) or rolled back."""
        self._batch = batch
        try:
            yield
        except BaseException:
            if self._batch is batch:
                if keep:
                    self.end_batch()
                else:
                    self._batch = None
                    with contextlib.suppress(sqlite3.Error):
                        self._conn.rollback()
            raise
        if self._batch is batch:
            self._batch = None
            self._commit()

    def end_batch(self) -> None:
        """Commit the open batch and end it, where its block cannot: an interrupt that stopped a run's event loop
        leaves the coroutine holding the block suspended, never to end it. A commit that fails (the disk, the vault)
        is rolled back: the error that stopped the run says why."""
        self._batch = None
        try:
            self._commit()
        except sqlite3.Error:
            with contextlib.suppress(sqlite3.Error):
                self._conn.rollback()

    def commit_due(self) -> None:
        """Commit the open batch when it has been open BATCH_SECONDS: a run calls this while it waits, so what it
        wrote before a quiet spell is not held back by it."""
        batch = self._batch
        if batch is not None and self._conn.in_transaction and time.monotonic() - batch.opened >= batch.seconds:
            self._commit()

    def _commit(self) -> None:
        if self._conn.in_transaction:
            self._conn.commit()

    @contextlib.contextmanager
    def _writing(self, *, immediate: bool = False) -> Iterator[sqlite3.Connection]:
        """One write, whole: in a transaction of its own (`immediate`: holding the write lock from its start, for a
        write that reads what it appends to), or as a savepoint of the open batch, which always holds it."""
        conn, batch = self._conn, self._batch
        if batch is None:
            with conn:
                if immediate:
                    conn.execute("BEGIN IMMEDIATE")
                yield conn
            return
        if not conn.in_transaction:
            conn.execute("BEGIN IMMEDIATE")
            batch.opened, batch.writes = time.monotonic(), 0
        conn.execute("SAVEPOINT one_write")
        try:
            yield conn
        except BaseException:
            with contextlib.suppress(sqlite3.Error):  # SQLite may have rolled the whole transaction back already
                conn.execute("ROLLBACK TO one_write")
                conn.execute("RELEASE one_write")
            raise
        conn.execute("RELEASE one_write")
        batch.writes += 1
        if batch.writes >= batch.rows or time.monotonic() - batch.opened >= batch.seconds:
            conn.commit()
