"""The vault's schema: its tables, their migrations, the `footnote_verdicts` view and Datasette's metadata.

Tables, made and migrated by `migrate()` (the schema version lives in `PRAGMA user_version`):

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
    archive_answers, copy_searches, archived_copies, spn_jobs, witnesses, footnote_copies
               the world's web archives: their answers, the copies they hold and our verdict on each (version 8,
               in `copies_schema`; version 9 adds a differing witness's text similarity)
    captures.account, account_cookies (version 10)  the logged-in account a capture was made as, and its cookies' names
    drifts     (version 12, in `drifts`) each later capture of a footnote's source beside its first: what became of
               the passage its claim relied on (unchanged, changed, passage-gone, page-replaced)
    captures.vantage (version 13)  the vantage point a capture was made from (fetch --vantage NAME=PROXY)
    captures.part_of (version 14)  a post's image (role image): the cited capture it is part of

Foreign keys and plain column names are chosen so Datasette shows useful links and facets; the vault keeps
`metadata.json` beside the database with every table's and column's description, for
`datasette linkvault.db -m metadata.json`.
"""

from __future__ import annotations

import functools
import json
import os
import sqlite3

import sqlite_utils

from linkvault.model import MISSING, OWN_SIDE_FAILURES
from linkvault.vault.copies_schema import (
    CAPTURE_DESCRIPTIONS,
    FOOTNOTE_COPIES,
    FOOTNOTE_DESCRIPTIONS,
    TABLES,
    add_webarchives_v8,
    add_witness_similarity_v9,
)
from linkvault.vault.drifts_schema import DESCRIPTIONS as DRIFT_DESCRIPTIONS
from linkvault.vault.drifts_schema import add_drifts_v12

SCHEMA_VERSION = 14
METADATA = "metadata.json"
SIDE = ("redirects", "headers", "cert_chain")  # kept out of the captures table since version 6


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: sqlite_utils.Database, directory: str) -> None:
    """Bring the database to SCHEMA_VERSION, each step once (the caller holds the vault's lock), and write
    `metadata.json` beside it."""
    version = schema_version(db.conn)
    if version < 1:
        _create_v1(db)
    if version < 2:
        _add_states_v2(db)
    if version < 3:
        _add_provenance_v3(db)
    if version < 4:
        db.table("custody").create({"id": int, "at": str, "event": str, "subject": str, "collector": str, "tool": str,
                              "details": str, "prev_hash": str, "hash": str}, pk="id", if_not_exists=True)
    if version < 5:
        db.table("screenshots").create({
            "record_id": str, "response_id": str, "url": str, "taken_at": str, "warc_file": str, "warc_offset": int,
            "warc_length": int, "sha256": str, "width": int, "height": int, "size": int,
        }, pk="record_id", if_not_exists=True)
        db.table("screenshots").create_index(["response_id"], if_not_exists=True)
    if version < 6:
        _datasette_v6(db)
    if version < 7:
        for column in ("gap", "gap_detail"):  # footnotes with no URL (issue 11's leftovers)
            if column not in db["footnotes"].columns_dict:
                db.table("footnotes").add_column(column, str)
    if version < 8:
        add_webarchives_v8(db)
    if version < 9:
        add_witness_similarity_v9(db)
    if version < 10:
        for column in ("account", "account_cookies"):  # the logged-in account of a capture (issue 15)
            if column not in db["captures"].columns_dict:
                db.table("captures").add_column(column, str)
    if version < 12:
        add_drifts_v12(db)
    if version < 13 and "vantage" not in db["captures"].columns_dict:  # the vantage point of a capture (issue 16)
        db.table("captures").add_column("vantage", str)
    if version < 14 and "part_of" not in db["captures"].columns_dict:  # a post's images, part of its capture (issue 15)
        db.table("captures").add_column("part_of", int)
    _create_views(db)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    _write_metadata(db, directory)


def _create_v1(db: sqlite_utils.Database) -> None:
    db.table("reports").create({"id": int, "path": str, "sha256": str, "format": str, "added_at": str},
                         pk="id", if_not_exists=True)
    db.table("reports").create_index(["path"], unique=True, if_not_exists=True)
    db.table("urls").create({"url": str, "normalised": str, "first_seen": str}, pk="url", if_not_exists=True)
    db.table("footnotes").create({"report_id": int, "label": str, "number": int, "line": int, "url": str},
                           pk=("report_id", "label", "url"), foreign_keys=[("report_id", "reports", "id")],
                           if_not_exists=True)
    db.table("captures").create({
        "id": int, "url": str, "fetched_at": str, "final_url": str, "redirects": str, "status": int,
        "headers": str, "content_type": str, "elapsed": float, "error": str, "error_detail": str,
        "ip": str, "warc_file": str, "warc_offset": int, "warc_length": int, "record_id": str,
        "payload_digest": str, "revisit_of": str, "truncated": int, "size": int,
    }, pk="id", foreign_keys=[("url", "urls", "url")], if_not_exists=True)
    db.table("captures").create_index(["url", "fetched_at"], if_not_exists=True)
    db.table("captures").create_index(["payload_digest"], if_not_exists=True)
    db.table("texts").create({"capture_id": int, "title": str, "author": str, "published": str, "language": str,
                        "sitename": str, "text": str},
                       pk="capture_id", foreign_keys=[("capture_id", "captures", "id")], if_not_exists=True)
    if "texts_fts" not in db.table_names():
        db.table("texts").enable_fts(["title", "text"], create_triggers=True, tokenize="unicode61 remove_diacritics 2")


def _add_states_v2(db: sqlite_utils.Database) -> None:
    """Link states (issue 4): what role a capture played, and the verdict on a cited link."""
    captures = db.table("captures")
    for column, kind in (("role", str), ("state", str), ("category", str), ("state_detail", str)):
        if column not in captures.columns_dict:
            captures.add_column(column, kind)


def _add_provenance_v3(db: sqlite_utils.Database) -> None:
    """Provenance (issue 7): the connection and collector of each capture, as in its metadata record."""
    captures = db.table("captures")
    for column, kind in (("port", int), ("tls_version", str), ("tls_cipher", str), ("cert_chain", str),
                         ("collector", str), ("provenance_id", str)):
        if column not in captures.columns_dict:
            captures.add_column(column, kind)


def _datasette_v6(db: sqlite_utils.Database) -> None:
    """Datasette (issue 11): redirect chains, headers and certificates move out of `captures` into side
    tables of one row per item, so a capture is one line; `footnote_verdicts` joins what an editor reads."""
    with db.conn:
        for table, columns, pk in (
                ("redirect_hops", {"capture_id": int, "hop": int, "url": str, "status": int, "location": str,
                                  "via": str}, "hop"),
                ("response_headers", {"capture_id": int, "position": int, "name": str, "value": str}, "position"),
                ("certificates", {"capture_id": int, "position": int, "pem": str}, "position")):
            db.table(table).create(columns, pk=("capture_id", pk), foreign_keys=[("capture_id", "captures", "id")],
                             if_not_exists=True)
        present = [c for c in SIDE if c in db["captures"].columns_dict]
        if present:
            rows = db.conn.execute(f"select id, {', '.join(present)} from captures").fetchall()
            for capture_id, *values in rows:
                insert_side(db.conn, capture_id, dict(zip(present, values)))
            for column in present:
                db.conn.execute(f"alter table captures drop column [{column}]")


def _create_views(db: sqlite_utils.Database) -> None:
    """`footnote_verdicts` and `footnote_copies` as this version defines them (made again when an older one differs)."""
    for name, sql in (("footnote_verdicts", _FOOTNOTE_VERDICTS), ("footnote_copies", FOOTNOTE_COPIES)):
        found = db.conn.execute("select sql from sqlite_master where type = 'view' and name = ?", [name]).fetchone()
        if found is None or found[0] != sql:
            with db.conn:
                db.conn.execute(f"drop view if exists {name}")
                db.conn.execute(sql)


def _write_metadata(db: sqlite_utils.Database, directory: str) -> None:
    """`metadata.json` for Datasette: every table and view described, rewritten only when it changed."""
    names = [r[0] for r in db.conn.execute(
        "select name from sqlite_master where type in ('table', 'view') and name not like 'sqlite_%' order by name")]
    text = json.dumps(datasette_metadata(names), ensure_ascii=False, indent=2) + "\n"
    path = os.path.join(directory, METADATA)
    try:
        with open(path, encoding="utf-8") as fh:
            if fh.read() == text:
                return
    except OSError:
        pass
    with open(path + ".tmp", "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(path + ".tmp", path)


def verdict_capture_id(url: str) -> str:
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
left join captures c on c.id = {verdict_capture_id('f.url')}
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
        "role": "cited (the report's URL), companion (a site adapter's extra fetch), image (a post's own picture, "
                "part of its capture), probe (a soft-404 check), memento (an archive's copy of a cited page) or "
                "vantage (a cited URL seen from another vantage point).",
        "part_of": "For a post's image (role image): the capture of the post it belongs to (not a source the report "
                   "cites).",
        "state": "The fine verdict: ok, not-found, login-wall … (README: report).",
        "category": "alive, dead, restricted, refused or unknown.", "state_detail": "The verdict in one sentence.",
        "port": "The server's port.", "tls_version": "TLS version.", "tls_cipher": "TLS cipher suite.",
        "collector": "Who collected it (--collector).",
        "account": "The logged-in account it was fetched as (fetch --cookies, --as); empty: anonymously. It shows "
                   "what that account could see.",
        "account_cookies": "The names of the account's cookies sent (never their values), comma-separated.",
        "vantage": "The vantage point it was fetched from (fetch --vantage NAME=PROXY; the run's own egress is 'here' "
                   "or --vantage-name); empty: the run named none. Role 'vantage': a cited URL seen again from another "
                   "vantage point, not the look that stands.",
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
        "category": "alive, dead, restricted, refused or unknown as the capture read it (dead: the capture failed; "
                    "`linkvault report` calls such a link failing until its history of checks confirms it dead); "
                    "missing for a footnote with no URL.",
        "state": "The fine verdict (missing-footnote or no-url for category missing).",
        "detail": "The verdict in one sentence.", "archived_at": "When the capture in the WARC was made (UTC).",
        "capture_id": "The capture judged: the newest, unless it failed on our own side (no network, "
                      "the proxy down, our trust store) and an earlier one reached the source."}),
    **TABLES,
    **DRIFT_DESCRIPTIONS,
}
_TABLES["captures"][1].update(CAPTURE_DESCRIPTIONS)
_TABLES["footnotes"][1].update(FOOTNOTE_DESCRIPTIONS)


def datasette_metadata(names: list[str]) -> dict:
    """Datasette's metadata for the vault's tables and views `names` (full-text index internals hidden)."""
    tables: dict[str, dict] = {}
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
            "description": "Cited sources archived by linkvault: reports, footnotes, captures (WARC), texts, custody, "
                           "and their copies in the world's web archives.",
            "databases": {"linkvault": {"tables": tables}}}


def insert_side(conn: sqlite3.Connection, capture_id: int, side: dict) -> None:
    """A capture's redirect chain, headers and certificate chain into their side tables (JSON text accepted): each
    table's rows in one executemany, in the order they were written one by one."""
    values = {k: json.loads(v) if k != "cert_chain" and isinstance(v, str) else v for k, v in side.items()}
    hops = [(capture_id, hop, h.get("url"), h.get("status"), h.get("location"), h.get("via"))
            for hop, h in enumerate(values.get("redirects") or [])]
    headers = values.get("headers") or []
    named = [(capture_id, position, name, value)
             for position, (name, value) in enumerate(headers.items() if isinstance(headers, dict) else headers)]
    end = "-----END CERTIFICATE-----"
    pems = [(capture_id, position, p.strip() + "\n" + end + "\n")
            for position, p in enumerate(p for p in (values.get("cert_chain") or "").split(end) if p.strip())]
    for table, columns, rows in (("redirect_hops", _HOP_COLUMNS, hops), ("response_headers", _HEADER_COLUMNS, named),
                                 ("certificates", _CERT_COLUMNS, pems)):
        if rows:
            conn.executemany(_insert_sql(table, columns), rows)


_HOP_COLUMNS = ("capture_id", "hop", "url", "status", "location", "via")
_HEADER_COLUMNS = ("capture_id", "position", "name", "value")
_CERT_COLUMNS = ("capture_id", "position", "pem")


def insert_row(conn: sqlite3.Connection, table: str, row: dict) -> int:
    inserted = conn.execute(_insert_sql(table, tuple(row)), tuple(row.values())).lastrowid
    assert inserted is not None  # None only when nothing was inserted, and a failed insert raises
    return inserted


@functools.lru_cache(maxsize=256)
def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    """The INSERT of `columns` into `table`, spelled once: a run inserts the same few shapes a thousand times."""
    return f"insert into [{table}] ({', '.join(f'[{c}]' for c in columns)}) values ({', '.join('?' for _ in columns)})"
