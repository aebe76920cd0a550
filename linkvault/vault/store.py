"""The vault: `linkvault.db` (SQLite, through sqlite-utils) beside `warc/`.

Tables, made and migrated by `Vault.migrate()` (the schema version lives in `PRAGMA user_version`):

    reports    one row per report file fetched into this vault
    footnotes  (report, label) → line and the URL as cited; a footnote with no URL (no entry, or an entry
               without one) is a row too, its URL empty and its gap named (missing-footnote, no-url)
    urls       every URL fetched, as cited and normalised, with when it was first seen
    captures   one row per fetch of a URL: final URL, status, timing, error, the verdict, and where in
               which WARC the response record lies (one line each in Datasette: the bulky parts are below)
    redirect_hops, response_headers, certificates
               a capture's redirect chain, response headers and TLS certificate chain, one row per item
    texts      the extracted text of a capture, full-text indexed (FTS5) for `search`
    custody    the append-only, hash-chained log of what was done to the evidence, and by whom
    screenshots  full-page PNGs of captured pages: which response, where in which WARC, SHA-256, size
    footnote_verdicts  (a view) every footnote with its report's path, its number as an integer and the
               verdict `report` gives it: its URL's verdict capture's, or category missing

Foreign keys and plain column names are chosen so Datasette shows useful links and facets; the vault keeps
`metadata.json` beside the database with every table's and column's description, for
`datasette linkvault.db -m metadata.json`.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import time
from datetime import datetime, timezone
from urllib.parse import quote

import sqlite_utils

from linkvault._version import __version__
from linkvault.vault.custody import GENESIS, event_hash
from linkvault.errors import InputError, LinkvaultError, UsageError
from linkvault.model import MISSING, OWN_SIDE_FAILURES, Capture, Footnote
from linkvault.parsing import report_key
from linkvault.parsing.urls import comparison_key, invalid_reason
from linkvault.vault.capture_rows import capture_of, row_of

SCHEMA_VERSION = 7
METADATA = "metadata.json"
_SIDE = ("redirects", "headers", "cert_chain")  # kept out of the captures table since version 6


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def lock_wait() -> float:
    """Seconds audit, pack and show --screenshot wait for a run holding the vault (LINKVAULT_LOCK_WAIT, default 10)."""
    try:
        return max(float(os.environ.get("LINKVAULT_LOCK_WAIT") or 10.0), 0.0)
    except ValueError:
        return 10.0


class VaultLock:
    """The vault's one writer at a time (flock on DIR/.lock). A fetch holds it throughout; audit, pack and show
    --screenshot hold it while they read and log custody, so they never judge a run's half-written files nor
    interleave their events with its. `wait` seconds are waited for a holder before refusing in one line.

    On a vault nobody may write (a write-protected evidence copy) there is nothing to lock against: `held`
    is then False, and the caller must not write."""

    def __init__(self, directory: str, *, wait: float = 0.0, create: bool = True):
        if create:
            os.makedirs(directory, exist_ok=True)
        path = os.path.join(directory, ".lock")
        try:
            self._fh = open(path, "a")
        except OSError:  # read-only: an existing lock file can still be locked (a run may hold it), else none
            self._fh = open(path) if not create and os.path.exists(path) else None
            if self._fh is None and create:
                raise
        db = os.path.join(directory, "linkvault.db")
        self.held = (self._fh is not None and os.access(path, os.W_OK) and os.access(directory, os.W_OK)
                     and (not os.path.exists(db) or os.access(db, os.W_OK)))
        deadline = time.monotonic() + wait
        while self._fh is not None:
            try:
                fcntl.flock(self._fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError as exc:
                if time.monotonic() >= deadline:
                    self._fh.close()
                    waited = f" (waited {wait:g} s for it to finish; run this again when it has)" if wait else ""
                    raise InputError(f"another linkvault run is using this vault{waited}", path=directory) from exc
                time.sleep(0.05)

    def release(self) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None

    def __enter__(self) -> VaultLock:
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def custody_lock(directory: str, doing: str) -> VaultLock:
    """The lock a verb that logs custody (pack, show --screenshot) holds, waiting `lock_wait()` for a run; on a
    vault that cannot be written it refuses in one line, naming what it would have logged."""
    Vault.require(directory)
    lock = VaultLock(directory, wait=lock_wait(), create=False)
    if not lock.held:
        lock.release()
        raise InputError(f"this vault is read-only, and {doing} is logged in its custody chain: run this on a "
                         "writable copy", path=directory)
    return lock


class Vault:
    """The database of a vault. `read_only` opens it as the read verbs do: SQLite's `mode=ro` (and
    `immutable=1` where not even its WAL index can be made, on a write-protected copy), never migrated nor
    written, so reading evidence changes nothing about it."""

    def __init__(self, directory: str, *, read_only: bool = False):
        self.directory = directory
        self.warc_dir = os.path.join(directory, "warc")
        self.db_path = os.path.join(directory, "linkvault.db")
        self.read_only = read_only
        if read_only:
            self.db = sqlite_utils.Database(_read_only_connection(self.db_path))
            self._require_schema()
            return
        os.makedirs(self.warc_dir, exist_ok=True)
        self.db = sqlite_utils.Database(self.db_path)
        self.db.execute("PRAGMA busy_timeout = 30000")  # custody events of audit or pack wait for a run's commit
        self.db.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL cannot corrupt the database; a power cut may lose the last captures, which
        # the next run fetches again (their WARC records are fsynced before the row is written).
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.migrate()

    @classmethod
    def open_existing(cls, directory: str, *, read_only: bool = False) -> Vault:
        cls.require(directory)
        if read_only:
            cls.upgrade(directory)
        return cls(directory, read_only=read_only)

    @classmethod
    def upgrade(cls, directory: str) -> None:
        """Migrate a vault of an older schema once, under its lock, before a read verb opens it read-only; a vault
        that cannot be written (or is busy) is left as it is, and opening it says so."""
        try:
            with _read_only_connection(os.path.join(directory, "linkvault.db")) as conn:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
            conn.close()
        except sqlite3.Error:
            return  # opening it read-only names the problem
        if version >= SCHEMA_VERSION or not os.access(directory, os.W_OK):
            return
        try:
            with VaultLock(directory, create=False) as lock:
                if lock.held:
                    cls(directory).close()
        except (OSError, sqlite3.Error, LinkvaultError):
            return

    def _require_schema(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version < SCHEMA_VERSION:
            self.db.close()
            raise InputError(f"this vault is of an older linkvault (schema {version}; this one reads {SCHEMA_VERSION}) "
                             "and cannot be upgraded now (read-only, or a run is using it): run this on a writable "
                             "copy of it, which is upgraded in place", path=self.directory)

    @staticmethod
    def exists(directory: str) -> bool:
        return os.path.exists(os.path.join(directory, "linkvault.db"))

    @classmethod
    def require(cls, directory: str) -> None:
        """Raise the one-line error naming the directory when there is no vault there."""
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
        if version < 6:
            self._datasette_v6()
        if version < 7:
            for column in ("gap", "gap_detail"):  # footnotes with no URL (issue 11's leftovers)
                if column not in self.db["footnotes"].columns_dict:
                    self.db["footnotes"].add_column(column, str)
        self._create_view()
        self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        self._write_metadata()

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

    def _datasette_v6(self) -> None:
        """Datasette (issue 11): redirect chains, headers and certificates move out of `captures` into side
        tables of one row per item, so a capture is one line; `footnote_verdicts` joins what an editor reads."""
        db = self.db
        with db.conn:
            for table, columns, pk in (
                    ("redirect_hops", {"capture_id": int, "hop": int, "url": str, "status": int, "location": str,
                                      "via": str}, "hop"),
                    ("response_headers", {"capture_id": int, "position": int, "name": str, "value": str}, "position"),
                    ("certificates", {"capture_id": int, "position": int, "pem": str}, "position")):
                db[table].create(columns, pk=("capture_id", pk), foreign_keys=[("capture_id", "captures", "id")],
                                 if_not_exists=True)
            present = [c for c in _SIDE if c in db["captures"].columns_dict]
            if present:
                rows = db.conn.execute(f"select id, {', '.join(present)} from captures").fetchall()
                for capture_id, *values in rows:
                    _insert_side(db.conn, capture_id, dict(zip(present, values)))
                for column in present:
                    db.conn.execute(f"alter table captures drop column [{column}]")

    def _create_view(self) -> None:
        """`footnote_verdicts` as this version defines it (made again when an older one differs)."""
        found = self.db.conn.execute("select sql from sqlite_master where type = 'view' and name = 'footnote_verdicts'"
                                     ).fetchone()
        if found is None or found[0] != _FOOTNOTE_VERDICTS:
            with self.db.conn:
                self.db.conn.execute("drop view if exists footnote_verdicts")
                self.db.conn.execute(_FOOTNOTE_VERDICTS)

    def _write_metadata(self) -> None:
        """`metadata.json` for Datasette: every table and view described, rewritten only when it changed."""
        names = [r[0] for r in self.db.conn.execute(
            "select name from sqlite_master where type in ('table', 'view') and name not like 'sqlite_%' order by name")]
        text = json.dumps(datasette_metadata(names), ensure_ascii=False, indent=2) + "\n"
        path = os.path.join(self.directory, METADATA)
        try:
            with open(path, encoding="utf-8") as fh:
                if fh.read() == text:
                    return
        except OSError:
            pass
        with open(path + ".tmp", "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(path + ".tmp", path)

    # -- writing ------------------------------------------------------------------------------

    def add_report(self, path: str, sha256: str, fmt: str, notes: list[Footnote]) -> int:
        """Record a report and its footnotes, replacing an older parse: a row per URL, and one with no URL
        and its gap (missing-footnote, no-url) for a footnote without any, at its entry's or first citation's line."""
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
            for note in notes:
                row = {"report_id": report_id, "label": note.label,
                       "number": note.number if isinstance(note.number, int) else None}
                if not note.urls:
                    gap, detail = note.gap()
                    self.db["footnotes"].insert({**row, "line": note.line or (note.cited_at or (None,))[0], "url": None,
                                                 "gap": gap, "gap_detail": detail})
                for url in note.urls:
                    self.add_url(url)
                    self.db["footnotes"].insert({**row, "line": note.line, "url": url}, ignore=True)
        return report_id

    def add_url(self, url: str) -> None:
        normalised = url if invalid_reason(url) else comparison_key(url)
        with self.db.conn:
            self.db.conn.execute("insert or ignore into urls (url, normalised, first_seen) values (?, ?, ?)",
                                 (url, normalised, now_iso()))

    def add_capture(self, row: dict, text: dict | None) -> int:
        """Plain SQL on the hot path: sqlite-utils' insert re-reads the table's schema every call."""
        row = dict(row)
        side = {key: row.pop(key, None) for key in _SIDE}
        with self.db.conn:
            capture_id = _insert(self.db.conn, "captures", row)
            _insert_side(self.db.conn, capture_id, side)
            if text:
                _insert(self.db.conn, "texts", {"capture_id": capture_id, **text})
        return capture_id

    def add_screenshot(self, row: dict) -> None:
        with self.db.conn:
            _insert(self.db.conn, "screenshots", row)

    def log_event(self, event: str, subject: str, *, collector: str | None, details: dict | None = None) -> None:
        """Append one custody event, chained to the last one by its hash. The last event is read inside the
        same write transaction (BEGIN IMMEDIATE), so two writers never take one id nor chain to one event."""
        with self.db.conn:
            self.db.conn.execute("BEGIN IMMEDIATE")
            last = self.db.conn.execute("select id, hash from custody order by id desc limit 1").fetchone()
            row = {"id": (last[0] + 1) if last else 1, "at": now_iso(), "event": event, "subject": subject,
                   "collector": collector, "tool": f"linkvault/{__version__}",
                   "details": json.dumps(details or {}, ensure_ascii=False, sort_keys=True),
                   "prev_hash": last[1] if last else GENESIS}
            row["hash"] = event_hash(row)
            _insert(self.db.conn, "custody", row)

    # -- reading ------------------------------------------------------------------------------

    def custody_events(self) -> list[dict] | None:
        """The whole custody chain in id order; None when the table itself is gone (dropped)."""
        if "custody" not in self.db.table_names():
            return None
        return self.query("select * from custody order by id")

    def custody_head(self) -> dict | None:
        """The newest custody event's id and hash, which a run's timestamped manifest anchors."""
        row = self.db.conn.execute("select id, hash from custody order by id desc limit 1").fetchone()
        return {"id": row[0], "hash": row[1]} if row else None

    def archived_captures(self) -> list[dict]:
        """Every capture with a WARC record, with its text row (or none) and its headers as stored: what audit
        holds against the records and the custody log."""
        rows = self.query("select c.id, c.url, c.final_url, c.status, c.content_type, c.warc_file, c.warc_offset, "
                          "c.record_id, c.payload_digest, c.role, t.capture_id as text_id, t.title, t.author, "
                          "t.published, t.language, t.sitename, t.text from captures c "
                          "left join texts t on t.capture_id = c.id where c.warc_file is not null order by c.id")
        headers: dict[int, list[list[str]]] = {}
        for capture_id, name, value in self.db.conn.execute(
                "select capture_id, name, value from response_headers order by capture_id, position"):
            headers.setdefault(capture_id, []).append([name, value])
        for row in rows:
            row["headers"] = headers.get(row["id"], [])
        return rows

    def screenshot_rows(self) -> list[dict]:
        return self.query("select * from screenshots order by rowid")

    def last_good_capture(self, url: str) -> dict | None:
        rows = list(self.db.query(
            "select * from captures where url = ? and error is null and status is not null "
            "and coalesce(role, 'cited') = 'cited' "
            "order by fetched_at desc limit 1", [url]))
        return rows[0] if rows else None

    def verdict_capture(self, url: str) -> dict | None:
        """The capture a cited URL is judged by: its newest, except that one failed on our own side (no
        network, the proxy down, our trust store) never stands over one that reached the source."""
        return self.verdict_captures([url]).get(url)

    def verdict_captures(self, urls: list[str]) -> dict[str, dict]:
        """`verdict_capture` of many URLs in one query (the URLs passed as one JSON array, so no limit on
        how many): a report of a million links is one pass over the vault, not a million queries."""
        if not urls:
            return {}
        return {row["url"]: row for row in self.db.query(
            "select c.*, t.title from (select distinct value as cited from json_each(?)) u "
            f"join captures c on c.id = {_verdict_capture_id('u.cited')} "
            "left join texts t on t.capture_id = c.id", [json.dumps(list(urls))])}

    def redirects_of(self, capture_ids: list[int]) -> dict[int, list[dict]]:
        """The redirect hops (as in `capture_details`) of many captures in one query."""
        hops: dict[int, list[dict]] = {i: [] for i in capture_ids}
        for cid, u, s, loc, via in self.db.conn.execute(
                "select capture_id, url, status, location, via from redirect_hops "
                "where capture_id in (select value from json_each(?)) order by capture_id, hop",
                [json.dumps(list(capture_ids))]):
            hops[cid].append({"url": u, "status": s, "location": loc, **({"via": via} if via else {})})
        return hops

    def texts_of(self, capture_ids: list[int]) -> dict[int, dict]:
        """The `texts` rows of many captures in one query, by capture id."""
        return {r["capture_id"]: r for r in self.db.query(
            "select * from texts where capture_id in (select value from json_each(?))", [json.dumps(list(capture_ids))])}

    def recorded_captures(self) -> list[dict]:
        """Every capture and screenshot with a record in the WARCs (record_id, warc_file, warc_offset)."""
        return self.query("select record_id, warc_file, warc_offset from captures "
                          "where record_id is not null and warc_file is not null "
                          "union all select record_id, warc_file, warc_offset from screenshots "
                          "order by warc_file, warc_offset")

    def unshot_pages(self, urls: list[str]) -> list[dict]:
        """The captures of `urls` that a run would have screenshotted (each URL's newest capture that reached
        the source, an HTML page answered 200) and that have no screenshot: a run killed before its
        screenshots left them so."""
        if not urls:
            return []
        return self.query(  # the URLs as one JSON array: an in-list of ? stops at SQLite's 32,766 variables
            "select c.url, c.final_url, c.record_id from (select distinct value as cited from json_each(?)) u "
            f"join captures c on c.id = {_verdict_capture_id('u.cited')} where c.status = 200 "
            "and c.record_id is not null and coalesce(c.content_type, 'html') like '%html%' "
            "and not exists (select 1 from screenshots s where s.response_id = c.record_id) order by c.id",
            [json.dumps(list(urls))])

    def find_payload(self, digest: str) -> tuple[str, str] | None:
        rows = list(self.db.query(
            "select url, fetched_at from captures where payload_digest = ? and revisit_of is null "
            "and warc_file is not null order by fetched_at limit 1", [digest]))
        return (rows[0]["url"], rows[0]["fetched_at"]) if rows else None

    def capture_details(self, capture_id: int) -> dict:
        """A capture's bulky parts from their side tables: `redirects` (hops as dicts), `headers` ([name, value]
        pairs, as received) and `cert_chain` (the PEM certificates as sent, concatenated, or None)."""
        conn = self.db.conn
        hops = self.redirects_of([capture_id])[capture_id]
        headers = [[n, v] for n, v in conn.execute(
            "select name, value from response_headers where capture_id = ? order by position", [capture_id])]
        pems = [p for (p,) in conn.execute("select pem from certificates where capture_id = ? order by position",
                                           [capture_id])]
        return {"redirects": hops, "headers": headers, "cert_chain": "".join(pems) or None}

    def stored_report(self, path: str) -> tuple[dict, list[dict]] | None:
        """A report's row and its footnotes' rows (label, number, line, url, gap, gap_detail) in number order."""
        rows = list(self.db["reports"].rows_where("path = ?", [report_key(path)]))
        if not rows:
            return None
        return rows[0], self.query("select label, number, line, url, gap, gap_detail from footnotes "
                                   "where report_id = ? order by number is null, number, rowid", [rows[0]["id"]])

    def report_id(self, path: str) -> int | None:
        rows = list(self.db["reports"].rows_where("path = ?", [report_key(path)]))
        return rows[0]["id"] if rows else None

    def query(self, sql: str, params: list | dict | None = None) -> list[dict]:
        try:
            return list(self.db.query(sql, params or []))
        except sqlite3.OperationalError as exc:
            raise UsageError(f"query failed: {exc}") from exc

    # -- captures as `Capture`s (their rows are mapped in capture_rows.py) ------------------------

    def store_capture(self, capture: Capture, *, role: str, text: dict | None = None) -> int:
        """Store `capture`, fetched in `role` (with its text row, if any); it learns its id."""
        capture.id = self.add_capture(row_of(capture, role), text)
        return capture.id

    def title_of(self, capture_id: int) -> str | None:
        """The title of a capture's extracted text (None: no text was stored)."""
        row = self.db.conn.execute("select title from texts where capture_id = ?", [capture_id]).fetchone()
        return row[0] if row else None

    def last_good(self, url: str) -> Capture | None:
        """The newest capture of a cited URL that got an answer (`last_good_capture`), with its title."""
        row = self.last_good_capture(url)
        return capture_of({**row, "title": self.title_of(row["id"])}) if row else None

    def verdicts(self, urls: list[str]) -> dict[str, Capture]:
        """The capture each URL is judged by (`verdict_captures`), with its title; one judged before link states
        existed also with its redirect hops, for judging it now."""
        rows = self.verdict_captures(urls)
        unjudged = [row["id"] for row in rows.values() if not row.get("state")]
        hops = self.redirects_of(unjudged) if unjudged else {}
        return {url: capture_of(row, hops.get(row["id"])) for url, row in rows.items()}

    def unshot_captures(self, urls: list[str]) -> list[Capture]:
        """`unshot_pages` as captures (URL, final URL and response record id)."""
        return [capture_of(row) for row in self.unshot_pages(urls)]


def _read_only_connection(path: str) -> sqlite3.Connection:
    """`mode=ro`; on a copy where SQLite cannot even make its WAL index (a write-protected directory),
    `immutable=1`, which is sound there: nobody can be writing it."""
    uri = f"file:{quote(os.path.abspath(path))}"
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True)
    try:
        conn.execute("select count(*) from sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        conn.close()
    wal = f"{path}-wal"
    if os.path.exists(wal) and os.path.getsize(wal):  # immutable would read the database without its last writes
        raise InputError("its newest writes are still in linkvault.db-wal, which SQLite cannot read where nothing may be "
                         "written: copy the vault somewhere writable to read it", path=os.path.dirname(path) or ".")
    return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True)


def _verdict_capture_id(url: str) -> str:
    """SQL for the id of the capture the cited URL `url` (an SQL expression) is judged by: the newest, except
    that one failed on our own side never stands over one that reached the source. One rule for
    `Vault.verdict_capture` (so `report`) and the `footnote_verdicts` view."""
    own_side = ", ".join(f"'{error}'" for error in OWN_SIDE_FAILURES)
    return (f"(select c2.id from captures c2 where c2.url = {url} and coalesce(c2.role, 'cited') = 'cited' "
            f"order by coalesce(c2.error in ({own_side}), 0), c2.id desc limit 1)")


# Upper-case CREATE VIEW as SQLite keeps it in sqlite_master, so `_create_view` notices a changed definition.
_FOOTNOTE_VERDICTS = f"""CREATE VIEW footnote_verdicts as
select r.path as report, cast(f.number as integer) as number, f.label, f.url,
       case when f.url is null then '{MISSING}' else coalesce(c.category, 'unknown') end as category,
       case when f.url is null then f.gap else coalesce(c.state, 'unknown') end as state,
       case when f.url is null then f.gap_detail
            else coalesce(c.state_detail, case when c.id is null then 'not fetched yet (run linkvault fetch)'
                                          else 'judged before link states existed (run linkvault report)' end)
       end as detail,
       case when c.warc_file is not null then c.fetched_at end as archived_at, c.id as capture_id
from footnotes f
join reports r on r.id = f.report_id
left join captures c on c.id = {_verdict_capture_id('f.url')}
order by r.path, f.number is null, f.number, f.label"""

_TABLES = {
    "reports": ("One row per report file fetched into this vault.", {
        "path": "The report's absolute path.", "sha256": "SHA-256 of the report file when last fetched.",
        "format": "How it was read: txt, md, html or docx.", "added_at": "When it was first fetched (UTC)."}),
    "footnotes": ("Each footnote URL of each report, as cited, and each footnote with no URL "
                  "(footnote_verdicts adds the verdicts).", {
        "report_id": "The report (see reports.path).", "label": "The footnote's label as written.",
        "number": "The footnote's number (empty when its label is not a number).",
        "line": "The line of its entry in the report (with no entry, of its first citation).",
        "url": "The URL as cited (empty when the footnote has none).",
        "gap": "For a footnote with no URL: missing-footnote (no entry, or an empty one) or no-url.",
        "gap_detail": "For a footnote with no URL: what is missing, in one sentence."}),
    "urls": ("Every URL cited, as cited and normalised for comparison.", {
        "url": "The URL as cited.", "normalised": "Without tracking parameters and www./m. prefixes.",
        "first_seen": "When a report first cited it (UTC)."}),
    "captures": ("One row per fetch of a URL: what it answered, the verdict, and where its WARC record lies.", {
        "url": "The URL fetched.", "fetched_at": "When (UTC).", "final_url": "Where its redirects ended.",
        "status": "The final HTTP status.", "content_type": "The final response's Content-Type.",
        "elapsed": "Seconds the fetch took.", "error": "Why no answer came (timeout, dns-failure, …).",
        "error_detail": "The error in one sentence.", "ip": "The server's address (empty behind a proxy).",
        "warc_file": "The WARC file holding the response record.", "warc_offset": "Byte offset of the record.",
        "warc_length": "Length of the record in bytes.", "record_id": "The response record's WARC-Record-ID.",
        "payload_digest": "SHA-256 payload digest (WARC-Payload-Digest).",
        "revisit_of": "When the payload was archived before: that capture's URL and time.",
        "truncated": "1 when the body was cut at --max-size.", "size": "Body size in bytes.",
        "role": "cited (the report's URL), companion (a site adapter's extra fetch) or probe (a soft-404 check).",
        "state": "The fine verdict: ok, not-found, login-wall … (README: report).",
        "category": "alive, dead, restricted, refused or unknown.", "state_detail": "The verdict in one sentence.",
        "port": "The server's port.", "tls_version": "TLS version.", "tls_cipher": "TLS cipher suite.",
        "collector": "Who collected it (--collector).",
        "provenance_id": "The WARC-Record-ID of its provenance metadata record."}),
    "redirect_hops": ("Each capture's redirect chain, one hop per row.", {
        "capture_id": "The capture.", "hop": "0 for the URL fetched, then each hop.", "url": "The URL of this hop.",
        "status": "Its HTTP status.", "location": "Where it pointed next.",
        "via": "How a page with a 2xx answer sent us on: meta-refresh or script (a redirect stub); empty for HTTP."}),
    "response_headers": ("Each capture's final response headers, as received, one per row.", {
        "capture_id": "The capture.", "position": "Order in the response.", "name": "Header name.",
        "value": "Header value."}),
    "certificates": ("Each capture's TLS certificate chain as the server sent it, one certificate per row.", {
        "capture_id": "The capture.", "position": "0 for the server's own certificate.", "pem": "PEM text."}),
    "texts": ("The main text extracted from each captured page, full-text searchable.", {
        "capture_id": "The capture.", "title": "Page title.", "author": "Author, when the page says.",
        "published": "Publication date, when the page says.", "language": "Detected language.",
        "sitename": "Site name.", "text": "The extracted main text."}),
    "custody": ("The append-only custody chain: what was done to the evidence, by whom, each event hashed "
                "with the one before.", {
        "at": "When (UTC).", "event": "captured, screenshotted, timestamped, packed, exported, re-checked …",
        "subject": "The record, file or report it concerns.", "collector": "Who.", "tool": "linkvault's version.",
        "details": "What, as JSON.", "prev_hash": "The hash of the event before.", "hash": "This event's hash."}),
    "screenshots": ("Full-page screenshots of captured pages, stored in the WARC as resource records.", {
        "record_id": "The screenshot's WARC-Record-ID.", "response_id": "The response record it shows.",
        "url": "The page.", "taken_at": "When (UTC).", "warc_file": "The WARC file.",
        "warc_offset": "Byte offset of the record.", "warc_length": "Length of the record.",
        "sha256": "SHA-256 of the PNG.", "width": "Pixels.", "height": "Pixels.", "size": "Bytes."}),
    "footnote_verdicts": ("Every footnote of every report with the verdict `linkvault report` gives it, "
                          "footnotes in numeric order.", {
        "report": "The report's path.", "number": "The footnote's number (an integer; empty for word labels).",
        "label": "The footnote's label as written.", "url": "The URL as cited (empty when the footnote has none).",
        "category": "alive, dead, restricted, refused or unknown; missing for a footnote with no URL.",
        "state": "The fine verdict (missing-footnote or no-url for category missing).",
        "detail": "The verdict in one sentence.", "archived_at": "When the capture in the WARC was made (UTC).",
        "capture_id": "The capture judged: the newest, unless it failed on our own side (no network, "
                      "the proxy down, our trust store) and an earlier one reached the source."}),
}


def datasette_metadata(names: list[str]) -> dict:
    """Datasette's metadata for the vault's tables and views `names` (full-text index internals hidden)."""
    tables = {}
    for name in names:
        if name in _TABLES:
            description, columns = _TABLES[name]
            tables[name] = {"description": description, "columns": columns}
        else:
            tables[name] = {"description": "Internals of the full-text index of texts (used by `linkvault search`).",
                            "hidden": True}
    tables.get("reports", {})["label_column"] = "path"
    tables.get("footnotes", {})["sort"] = "number"
    tables.get("captures", {})["sort_desc"] = "id"
    return {"title": "linkvault vault",
            "description": "Cited sources archived by linkvault: reports, footnotes, captures (WARC), texts, custody.",
            "databases": {"linkvault": {"tables": tables}}}


def _insert_side(conn: sqlite3.Connection, capture_id: int, side: dict) -> None:
    """A capture's redirect chain, headers and certificate chain into their side tables (JSON text accepted)."""
    values = {k: json.loads(v) if k != "cert_chain" and isinstance(v, str) else v for k, v in side.items()}
    for hop, h in enumerate(values.get("redirects") or []):
        _insert(conn, "redirect_hops", {"capture_id": capture_id, "hop": hop, "url": h.get("url"),
                                        "status": h.get("status"), "location": h.get("location"),
                                        "via": h.get("via")})
    headers = values.get("headers") or []
    for position, (name, value) in enumerate(headers.items() if isinstance(headers, dict) else headers):
        _insert(conn, "response_headers", {"capture_id": capture_id, "position": position, "name": name, "value": value})
    end = "-----END CERTIFICATE-----"
    pems = [p.strip() + "\n" + end + "\n" for p in (values.get("cert_chain") or "").split(end) if p.strip()]
    for position, pem in enumerate(pems):
        _insert(conn, "certificates", {"capture_id": capture_id, "position": position, "pem": pem})


def _insert(conn: sqlite3.Connection, table: str, row: dict) -> int:
    columns = ", ".join(f"[{c}]" for c in row)
    marks = ", ".join("?" for _ in row)
    return conn.execute(f"insert into [{table}] ({columns}) values ({marks})", list(row.values())).lastrowid
