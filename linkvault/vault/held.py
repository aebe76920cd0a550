"""What the vault holds already, found by each row's natural key, as methods a `Vault` has (`HeldRows` is one of its
bases): a queued run's message delivered again (the run killed after storing it, before acking it) is stored once,
its rows the vault holds skipped. Reading writes nothing."""

from __future__ import annotations

import sqlite_utils

from linkvault.model import Capture


class HeldRows:
    db: sqlite_utils.Database

    def capture_held(self, capture: Capture) -> int | None:
        """The id of this very capture (its URL, time and WARC record) when the vault holds it already."""
        row = self.db.conn.execute("select id from captures where url = ? and fetched_at = ? and record_id is ?",
                                   [capture.url, capture.fetched_at, capture.record and capture.record.record_id]).fetchone()
        return row[0] if row else None

    def screenshot_held(self, record_id: str) -> bool:
        """Whether the vault holds the screenshot in this WARC record already (its primary key)."""
        return self.db.conn.execute("select 1 from screenshots where record_id = ?", [record_id]).fetchone() is not None
