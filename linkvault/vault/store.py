"""The vault: `linkvault.db` (SQLite, through sqlite-utils) beside `warc/`, and every question asked of it.

Each read is a method named for what it answers, and each write one named for what it records, so no SQL is
written outside this package (its tables and migrations are in `schema`, its lock in `lock`). A vault opened
for reading is never migrated nor written; one opened for writing is migrated first, under the lock its
writer holds.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from urllib.parse import quote

import sqlite_utils

from linkvault._version import __version__
from linkvault.errors import InputError, UsageError
from linkvault.model import Candidate, Capture, Footnote
from linkvault.parsing import report_key
from linkvault.parsing.url_keys import comparison_key
from linkvault.parsing.urls import invalid_reason
from linkvault.vault.batches import BatchedWrites
from linkvault.vault.capture_rows import capture_of, row_of
from linkvault.vault.checks import CheckQueries
from linkvault.vault.copies import CopiesQueries
from linkvault.vault.custody import DETAILS, GENESIS, event_hash
from linkvault.vault.drift_rows import DriftQueries
from linkvault.vault.held import HeldRows
from linkvault.vault.lock import VaultLock, lock_wait, require_vault, vault_exists
from linkvault.vault.schema import SCHEMA_VERSION, SIDE, insert_row, insert_side, migrate, schema_version, verdict_capture_id
from linkvault.vault.search import SearchQueries


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Vault(BatchedWrites, CopiesQueries, DriftQueries, CheckQueries, SearchQueries, HeldRows):
    """The database of a vault, closed when a `with` block ends. `read_only` opens it as the read verbs do:
    SQLite's `mode=ro` (and `immutable=1` where not even its WAL index can be made, on a write-protected copy),
    never migrated nor written, so reading evidence changes nothing about it; a vault of an older schema is
    then refused in one line. Opened for writing, it is migrated to this version first."""

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
        migrate(self.db, directory)

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @classmethod
    def open_existing(cls, directory: str, *, read_only: bool = False) -> Vault:
        """The vault in `directory`, which must exist (else the one-line `no vault here`)."""
        require_vault(directory)
        return cls(directory, read_only=read_only)

    @classmethod
    @contextmanager
    def open_to_log(cls, directory: str) -> Iterator[Vault]:
        """The vault as audit and pack open it, to read it and then log custody: under its lock (waiting
        `lock_wait()` for a run), writable (so migrated) when it can be written; on a write-protected vault
        read-only, `vault.read_only` telling the caller its event cannot be logged."""
        require_vault(directory)
        with VaultLock(directory, wait=lock_wait(), create=False) as lock, \
                cls(directory, read_only=not lock.held) as vault:
            yield vault

    def _require_schema(self) -> None:
        version = schema_version(self.db.conn)
        if version < SCHEMA_VERSION:
            self.db.close()
            raise InputError(f"this vault is of an older linkvault (schema {version}; this one reads {SCHEMA_VERSION}), "
                             "and reading never upgrades it: `linkvault fetch` into it (or into a writable copy) "
                             "upgrades it in place", path=self.directory)

    exists = staticmethod(vault_exists)
    require = staticmethod(require_vault)

    def close(self) -> None:
        self.db.close()

    # -- writing ------------------------------------------------------------------------------

    def add_report(self, path: str, sha256: str, fmt: str, notes: list[Footnote]) -> int:
        """Record a report and its footnotes, replacing an older parse: a row per URL, and one with no URL
        and its gap (missing-footnote, no-url) for a footnote without any, at its entry's or first citation's line.
        The same report read again keeps its footnotes' reference dates."""
        path = report_key(path)
        with self.db.conn:
            existing = list(self.db["reports"].rows_where("path = ?", [path]))
            dates = self.reference_dates(path) if existing and existing[0]["sha256"] == sha256 else {}
            if existing:
                report_id = existing[0]["id"]
                self.db.table("reports").update(report_id, {"sha256": sha256, "format": fmt})
                self.db.table("footnotes").delete_where("report_id = ?", [report_id])
            else:
                report_id = self.db.table("reports").insert({"path": path, "sha256": sha256, "format": fmt,
                                                             "added_at": now_iso()}).last_pk
            for note in notes:  # plain SQL: sqlite-utils' insert re-reads the table's schema every call
                number = note.number if isinstance(note.number, int) else None
                if not note.urls:
                    gap, detail = note.gap()
                    insert_row(self.db.conn, "footnotes", {
                        "report_id": report_id, "label": note.label, "number": number,
                        "line": note.line or (note.cited_at or (None,))[0], "url": None, "gap": gap, "gap_detail": detail})
                for url in note.urls:
                    self._insert_url(url)
                    self.db.conn.execute("insert or ignore into footnotes (report_id, label, number, line, url) "
                                         "values (?, ?, ?, ?, ?)", (report_id, note.label, number, note.line, url))
        self.set_reference_dates(path, dates)
        return report_id

    def add_url(self, url: str) -> None:
        with self._writing():
            self._insert_url(url)

    def _insert_url(self, url: str) -> None:
        normalised = url if invalid_reason(url) else comparison_key(url)
        self.db.conn.execute("insert or ignore into urls (url, normalised, first_seen) values (?, ?, ?)",
                             (url, normalised, now_iso()))

    def add_capture(self, row: dict, text: dict | None) -> int:
        """Plain SQL on the hot path: sqlite-utils' insert re-reads the table's schema every call."""
        row = dict(row)
        side = {key: row.pop(key, None) for key in SIDE}
        with self._writing():
            capture_id = insert_row(self.db.conn, "captures", row)
            insert_side(self.db.conn, capture_id, side)
            if text:
                insert_row(self.db.conn, "texts", {"capture_id": capture_id, **text})
        return capture_id

    def add_screenshot(self, row: dict) -> None:
        with self._writing():  # inside a batch, a savepoint of it: a queued run stores a message's screenshots whole
            insert_row(self.db.conn, "screenshots", row)

    def log_event(self, event: str, subject: str, *, collector: str | None, details: dict | None = None) -> None:
        """Append one custody event, chained to the last one by its hash. The last event is read inside the
        same write transaction (BEGIN IMMEDIATE), so two writers never take one id nor chain to one event."""
        with self._writing(immediate=True):
            last = self.db.conn.execute("select id, hash from custody order by id desc limit 1").fetchone()
            row = {"id": (last[0] + 1) if last else 1, "at": now_iso(), "event": event, "subject": subject,
                   "collector": collector, "tool": f"linkvault/{__version__}",
                   "details": DETAILS(details or {}),
                   "prev_hash": last[1] if last else GENESIS}
            row["hash"] = event_hash(row)
            insert_row(self.db.conn, "custody", row)

    # -- reading ------------------------------------------------------------------------------

    def custody_events(self) -> list[dict] | None:
        """The whole custody chain in id order; None when the table itself is gone (dropped)."""
        if "custody" not in self.db.table_names():
            return None
        return self.custody_chain()

    def custody_chain(self) -> list[dict]:
        """The whole custody chain in id order, as a pack carries it."""
        return self.query("select * from custody order by id")

    def custody_count_and_head(self) -> tuple[int, str | None]:
        """How many custody events there are, and the newest one's hash (None when there is none)."""
        row = self.query("select count(*) as n, (select hash from custody order by id desc limit 1) as head "
                         "from custody")[0]
        return row["n"], row["head"]

    def timestamp_events(self, manifest_id: str) -> list[dict]:
        """The details of each `timestamped` or `timestamp-failed` event about a run's manifest record, in order."""
        return [json.loads(row["details"] or "{}") for row in self.query(
            "select details from custody where subject = ? and event in ('timestamped', 'timestamp-failed') "
            "order by id", [manifest_id])]

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
            f"join captures c on c.id = {verdict_capture_id('u.cited')} "
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

    def capture(self, capture_id: int) -> dict | None:
        """One `captures` row."""
        rows = self.query("select * from captures where id = ?", [capture_id])
        return rows[0] if rows else None

    def captures_of(self, urls: list[str]) -> list[dict]:
        """Every capture of these URLs, oldest first."""
        return self.query("select * from captures where url in (select value from json_each(?)) order by fetched_at",
                          [json.dumps(list(urls))])

    def images_of(self, capture_ids: list[int]) -> dict[int, list[dict]]:
        """The images captured as part of each of these captures (a post's pictures), by the post's capture id."""
        rows = self.query("select * from captures where part_of in (select value from json_each(?))", [json.dumps(capture_ids)])
        return {i: [row for row in rows if row["part_of"] == i] for i in capture_ids}

    def screenshots_of(self, response_id: str) -> list[dict]:
        """The screenshots taken of one response record, oldest first."""
        return self.query("select * from screenshots where response_id = ? order by taken_at", [response_id])

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
            f"join captures c on c.id = {verdict_capture_id('u.cited')} where c.status = 200 "
            "and c.record_id is not null and coalesce(c.content_type, 'html') like '%html%' "
            "and not exists (select 1 from screenshots s where s.response_id = c.record_id) order by c.id",
            [json.dumps(list(urls))])

    def find_payload(self, digest: str) -> tuple[str, str] | None:
        row = self.db.execute(  # asked for every response recorded: sqlite3's row, not sqlite-utils' dict
            "select url, fetched_at from captures where payload_digest = ? and revisit_of is null "
            "and warc_file is not null order by fetched_at limit 1", [digest]).fetchone()
        return (row[0], row[1]) if row else None

    def payloads_of(self, urls: list[str]) -> dict[str, dict[str, tuple[str, str]]]:
        """Each URL's payloads the vault holds, by digest, as `find_payload` answers for them: what a worker (which
        reads no vault) needs to write a re-fetch's identical payload as a revisit, as a single run does."""
        rows = self.query("select distinct c.url, c.payload_digest from json_each(?) u join captures c on c.url = "
                          "u.value where c.payload_digest is not null and c.warc_file is not null",
                          [json.dumps(list(urls))])
        found = {digest: self.find_payload(digest) for digest in {row["payload_digest"] for row in rows}}
        known: dict[str, dict[str, tuple[str, str]]] = {}
        for row in rows:
            if (earlier := found[row["payload_digest"]]) is not None:
                known.setdefault(row["url"], {})[row["payload_digest"]] = earlier
        return known

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

    def footnote_rows(self, report_id: int, label: str) -> list[dict]:
        """One footnote of a report: a row per URL it cites, or one row naming its gap when it cites none."""
        return self.query("select * from footnotes where report_id = ? and label = ?", [report_id, label])

    def query(self, sql: str, params: list | dict | None = None) -> list[dict]:
        try:
            return list(self.db.query(sql, params or []))
        except sqlite3.OperationalError as exc:
            raise UsageError(f"query failed: {exc}") from exc

    # -- captures as `Capture`s (their rows are mapped in capture_rows.py) ------------------------

    def store_capture(self, capture: Capture, *, role: str, text: dict | None = None,
                      memento: Candidate | None = None, part_of: int | None = None) -> int:
        """Store `capture` fetched in `role`, with its text row, the candidate a `memento` copies, the post `part_of`."""
        capture.id = self.add_capture(row_of(capture, role, memento, part_of), text)
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

