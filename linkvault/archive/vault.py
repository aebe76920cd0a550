"""The vault: `linkvault.db` (SQLite, through sqlite-utils) beside `warc/`.

Tables, made and migrated by `Vault.migrate()` (the schema version lives in `PRAGMA user_version`):

    reports    one row per report file fetched into this vault
    footnotes  (report, label) → line and the URL as cited
    urls       every URL fetched, as cited and normalised, with when it was first seen
    captures   one row per fetch of a URL: final URL, redirect chain, status, headers, timing,
               error, and where in which WARC the response record lies
    texts      the extracted text of a capture, full-text indexed (FTS5) for `search`
    custody    the append-only, hash-chained log of what was done to the evidence, and by whom
    screenshots  full-page PNGs of captured pages: which response, where in which WARC, SHA-256, size

Foreign keys and plain column names are chosen so Datasette shows useful links and facets.
"""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import datetime, timezone

import sqlite_utils

from linkvault.model import OWN_SIDE_FAILURES

SCHEMA_VERSION = 5


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Vault:
    def __init__(self, directory: str):
        self.directory = directory
        self.warc_dir = os.path.join(directory, "warc")
        os.makedirs(self.warc_dir, exist_ok=True)
        self.db_path = os.path.join(directory, "linkvault.db")
        self.db = sqlite_utils.Database(self.db_path)
        self.db.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL cannot corrupt the database; a power cut may lose the last captures, which
        # the next run fetches again (their WARC records are fsynced before the row is written).
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.migrate()

    @classmethod
    def open_existing(cls, directory: str) -> Vault:
        cls.require(directory)
        return cls(directory)

    @staticmethod
    def exists(directory: str) -> bool:
        return os.path.exists(os.path.join(directory, "linkvault.db"))

    @classmethod
    def require(cls, directory: str) -> None:
        """Raise the one-line error naming the directory when there is no vault there."""
        from linkvault.errors import InputError

        if not cls.exists(directory):
            raise InputError("no vault here: no linkvault.db in this directory (run `linkvault fetch` first, or name "
                             "another vault with --vault)", path=directory)

    def close(self) -> None:
        self.db.close()

    def migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version < 1:
            self._create_v1()
        if version < 2:
            self._add_states_v2()
        if version < 3:
            self._add_provenance_v3()
        if version < 4:
            self.db["custody"].create({"id": int, "at": str, "event": str, "subject": str, "collector": str, "tool": str,
                                       "details": str, "prev_hash": str, "hash": str}, pk="id", if_not_exists=True)
        if version < 5:
            self.db["screenshots"].create({
                "record_id": str, "response_id": str, "url": str, "taken_at": str, "warc_file": str, "warc_offset": int,
                "warc_length": int, "sha256": str, "width": int, "height": int, "size": int,
            }, pk="record_id", if_not_exists=True)
            self.db["screenshots"].create_index(["response_id"], if_not_exists=True)
        self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _create_v1(self) -> None:
        db = self.db
        db["reports"].create({"id": int, "path": str, "sha256": str, "format": str, "added_at": str},
                             pk="id", if_not_exists=True)
        db["reports"].create_index(["path"], unique=True, if_not_exists=True)
        db["urls"].create({"url": str, "normalised": str, "first_seen": str}, pk="url", if_not_exists=True)
        db["footnotes"].create({"report_id": int, "label": str, "number": int, "line": int, "url": str},
                               pk=("report_id", "label", "url"), foreign_keys=[("report_id", "reports", "id")],
                               if_not_exists=True)
        db["captures"].create({
            "id": int, "url": str, "fetched_at": str, "final_url": str, "redirects": str, "status": int,
            "headers": str, "content_type": str, "elapsed": float, "error": str, "error_detail": str,
            "ip": str, "warc_file": str, "warc_offset": int, "warc_length": int, "record_id": str,
            "payload_digest": str, "revisit_of": str, "truncated": int, "size": int,
        }, pk="id", foreign_keys=[("url", "urls", "url")], if_not_exists=True)
        db["captures"].create_index(["url", "fetched_at"], if_not_exists=True)
        db["captures"].create_index(["payload_digest"], if_not_exists=True)
        db["texts"].create({"capture_id": int, "title": str, "author": str, "published": str, "language": str,
                            "sitename": str, "text": str},
                           pk="capture_id", foreign_keys=[("capture_id", "captures", "id")], if_not_exists=True)
        if "texts_fts" not in db.table_names():
            db["texts"].enable_fts(["title", "text"], create_triggers=True, tokenize="unicode61 remove_diacritics 2")

    def _add_states_v2(self) -> None:
        """Link states (issue 4): what role a capture played, and the verdict on a cited link."""
        captures = self.db["captures"]
        for column, kind in (("role", str), ("state", str), ("category", str), ("state_detail", str)):
            if column not in captures.columns_dict:
                captures.add_column(column, kind)

    def _add_provenance_v3(self) -> None:
        """Provenance (issue 7): the connection and collector of each capture, as in its metadata record."""
        captures = self.db["captures"]
        for column, kind in (("port", int), ("tls_version", str), ("tls_cipher", str), ("cert_chain", str),
                             ("collector", str), ("provenance_id", str)):
            if column not in captures.columns_dict:
                captures.add_column(column, kind)

    # -- writing ------------------------------------------------------------------------------

    def add_report(self, path: str, sha256: str, fmt: str, footnotes: list[tuple[str, int | None, int | None, str]]) -> int:
        """Record a report and its footnotes (label, number, line, url), replacing an older parse."""
        from linkvault.report import report_key

        path = report_key(path)
        with self.db.conn:
            existing = list(self.db["reports"].rows_where("path = ?", [path]))
            if existing:
                report_id = existing[0]["id"]
                self.db["reports"].update(report_id, {"sha256": sha256, "format": fmt})
                self.db["footnotes"].delete_where("report_id = ?", [report_id])
            else:
                report_id = self.db["reports"].insert({"path": path, "sha256": sha256, "format": fmt,
                                                       "added_at": now_iso()}).last_pk
            for label, number, line, url in footnotes:
                self.add_url(url)
                self.db["footnotes"].insert({"report_id": report_id, "label": label, "number": number, "line": line,
                                             "url": url}, ignore=True)
        return report_id

    def add_url(self, url: str) -> None:
        from linkvault.report.urls import comparison_key, invalid_reason

        normalised = url if invalid_reason(url) else comparison_key(url)
        with self.db.conn:
            self.db.conn.execute("insert or ignore into urls (url, normalised, first_seen) values (?, ?, ?)",
                                 (url, normalised, now_iso()))

    def add_capture(self, row: dict, text: dict | None) -> int:
        """Plain SQL on the hot path: sqlite-utils' insert re-reads the table's schema every call."""
        row = dict(row)
        for key in ("redirects", "headers"):
            if not isinstance(row.get(key), (str, type(None))):
                row[key] = json.dumps(row[key], ensure_ascii=False)
        with self.db.conn:
            capture_id = _insert(self.db.conn, "captures", row)
            if text:
                _insert(self.db.conn, "texts", {"capture_id": capture_id, **text})
        return capture_id

    def add_screenshot(self, row: dict) -> None:
        with self.db.conn:
            _insert(self.db.conn, "screenshots", row)

    def log_event(self, event: str, subject: str, *, collector: str | None, details: dict | None = None) -> None:
        """Append one custody event, chained to the last one by its hash."""
        from linkvault import __version__
        from linkvault.archive.custody import GENESIS, event_hash

        with self.db.conn:
            last = self.db.conn.execute("select id, hash from custody order by id desc limit 1").fetchone()
            row = {"id": (last[0] + 1) if last else 1, "at": now_iso(), "event": event, "subject": subject,
                   "collector": collector, "tool": f"linkvault/{__version__}",
                   "details": json.dumps(details or {}, ensure_ascii=False, sort_keys=True),
                   "prev_hash": last[1] if last else GENESIS}
            row["hash"] = event_hash(row)
            _insert(self.db.conn, "custody", row)

    # -- reading ------------------------------------------------------------------------------

    def last_good_capture(self, url: str) -> dict | None:
        rows = list(self.db.query(
            "select * from captures where url = ? and error is null and status is not null "
            "and coalesce(role, 'cited') = 'cited' "
            "order by fetched_at desc limit 1", [url]))
        return rows[0] if rows else None

    def verdict_capture(self, url: str) -> dict | None:
        """The capture a cited URL is judged by: its newest, except that one failed on our own side (no
        network, the proxy down, our trust store) never stands over one that reached the source."""
        own_side = ", ".join("?" * len(OWN_SIDE_FAILURES))
        rows = list(self.db.query(
            "select c.*, t.title from captures c left join texts t on t.capture_id = c.id "
            "where c.url = ? and coalesce(c.role, 'cited') = 'cited' "
            f"order by coalesce(c.error in ({own_side}), 0), c.id desc limit 1", [url, *OWN_SIDE_FAILURES]))
        return rows[0] if rows else None

    def find_payload(self, digest: str) -> tuple[str, str] | None:
        rows = list(self.db.query(
            "select url, fetched_at from captures where payload_digest = ? and revisit_of is null "
            "and warc_file is not null order by fetched_at limit 1", [digest]))
        return (rows[0]["url"], rows[0]["fetched_at"]) if rows else None

    def report_id(self, path: str) -> int | None:
        from linkvault.report import report_key

        rows = list(self.db["reports"].rows_where("path = ?", [report_key(path)]))
        return rows[0]["id"] if rows else None

    def query(self, sql: str, params: list | dict | None = None) -> list[dict]:
        try:
            return list(self.db.query(sql, params or []))
        except sqlite3.OperationalError as exc:
            from linkvault.errors import UsageError

            raise UsageError(f"query failed: {exc}") from exc


def _insert(conn: sqlite3.Connection, table: str, row: dict) -> int:
    columns = ", ".join(f"[{c}]" for c in row)
    marks = ", ".join("?" for _ in row)
    return conn.execute(f"insert into [{table}] ({columns}) values ({marks})", list(row.values())).lastrowid
