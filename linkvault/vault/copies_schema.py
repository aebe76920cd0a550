"""Schema version 8 (issue 14): the world's web archives in the vault, and how Datasette describes them.

    archive_answers  every answer an outside service gave (CDX, availability, TimeMaps, Save Page Now), keyed by
                     service and canonical request: the cache that makes a re-run ask nothing again
    copy_searches    what each service said about one cited URL at its reference date: found, none, unreached, skipped
    archived_copies  each archived copy of a cited URL an archive listed, and linkvault's verdict on it
    spn_jobs         Save Page Now jobs submitted for our live captures
    witnesses        an archive's capture set against ours: the same payload, or not
    footnote_copies  (a view) every footnote with its archived copies, the offered one first

`captures` gains the CDX digests of each payload (`payload_sha1`, `payload_sha1_decoded`) and, for a copy fetched
from an archive (role `memento`), the page it copies, its time and its archive; `footnotes` gains its reference date.
A search with no reference date keys its rows by an empty date in the unique indexes (SQL's NULLs never collide).
"""

from __future__ import annotations

import sqlite_utils

CAPTURE_COLUMNS = ("payload_sha1", "payload_sha1_decoded", "memento_of", "memento_at", "archive")
FOOTNOTE_COLUMNS = ("reference_date", "reference_basis", "reference_detail")


def add_webarchives_v8(db: sqlite_utils.Database) -> None:
    """The tables, columns and indexes of version 8, each made only where missing."""
    for table, columns in (("captures", CAPTURE_COLUMNS), ("footnotes", FOOTNOTE_COLUMNS)):
        for column in columns:
            if column not in db[table].columns_dict:
                db.table(table).add_column(column, str)
    db.table("captures").create_index(["payload_sha1"], if_not_exists=True)
    db.table("archive_answers").create({
        "id": int, "service": str, "request": str, "asked_at": str, "http_status": int, "content_type": str,
        "body": str, "outcome": str, "detail": str}, pk="id", if_not_exists=True)
    db.table("copy_searches").create({
        "url": str, "reference_date": str, "service": str, "searched_at": str, "outcome": str, "candidates": int,
        "detail": str}, if_not_exists=True)
    db.table("archived_copies").create({
        "id": int, "url": str, "reference_date": str, "archive": str, "uri_m": str, "raw_uri": str, "memento_at": str,
        "found_by": str, "listed_status": int, "listed_mimetype": str, "listed_digest": str, "capture_id": int,
        "state": str, "category": str, "state_detail": str, "claim": str, "claim_reason": str, "choice": str,
        "reason": str, "rank": int, "judged_at": str},
        pk="id", foreign_keys=[("capture_id", "captures", "id")], if_not_exists=True)
    db.table("spn_jobs").create({
        "job_id": str, "url": str, "capture_id": int, "submitted_at": str, "status": str, "status_ext": str,
        "message": str, "archive_timestamp": str, "original_url": str, "uri_m": str, "polled_at": str},
        pk="job_id", foreign_keys=[("capture_id", "captures", "id")], if_not_exists=True)
    db.table("witnesses").create({
        "id": int, "capture_id": int, "archive": str, "uri_m": str, "archive_at": str, "archive_digest": str,
        "our_sha1": str, "our_sha1_decoded": str, "verdict": str, "sentence": str, "compared_at": str,
        "custody_id": int},
        pk="id", foreign_keys=[("capture_id", "captures", "id"), ("custody_id", "custody", "id")], if_not_exists=True)
    with db.conn:
        for sql in INDEXES:
            db.conn.execute(sql)


def add_witness_similarity_v9(db: sqlite_utils.Database) -> None:
    """Version 9: a differing witness says how alike the two pages' texts are."""
    if "text_similarity" not in db["witnesses"].columns_dict:
        db.table("witnesses").add_column("text_similarity", float)


INDEXES = (
    "create unique index if not exists archive_answers_key on archive_answers (service, request)",
    "create unique index if not exists copy_searches_key on copy_searches (url, ifnull(reference_date, ''), service)",
    "create unique index if not exists archived_copies_key on archived_copies (url, ifnull(reference_date, ''), uri_m)",
    "create index if not exists archived_copies_capture on archived_copies (capture_id)",
    "create index if not exists spn_jobs_capture on spn_jobs (capture_id)",
    "create index if not exists spn_jobs_status on spn_jobs (status)",
    "create index if not exists witnesses_capture on witnesses (capture_id)",
)

# Upper-case CREATE VIEW as SQLite keeps it in sqlite_master, so a changed definition is noticed and made again.
FOOTNOTE_COPIES = """CREATE VIEW footnote_copies as
select r.path as report, cast(f.number as integer) as number, f.label, f.url, f.reference_date, f.reference_basis,
       a.archive, a.uri_m, a.memento_at, a.found_by, a.state, a.category, a.state_detail, a.claim, a.choice, a.reason,
       a.rank, a.capture_id
from footnotes f
join reports r on r.id = f.report_id
join archived_copies a on a.url = f.url and ifnull(a.reference_date, '') = ifnull(f.reference_date, '')
order by r.path, f.number is null, f.number, f.label, a.rank"""

_WHEN = "When (UTC)."
_ARCHIVE = "The archive (web.archive.org, arquivo.pt, archive.ph …)."
_URI_M = "The archived copy's address (URI-M), in the archive's replay form."
_REFERENCE = "The day the footnote's source is read at (YYYY-MM-DD; empty: no date was found)."

TABLES = {
    "archive_answers": ("Every answer an outside service (a web archive's CDX, availability API, TimeMap, Save Page "
                        "Now) gave, so a later run asks nothing again; a service that could not be reached is noted "
                        "and never stands over an answer.", {
        "service": "The service asked: ia-cdx, ia-availability, ia-memento, ia-spn, archive:NAME, memgator.",
        "request": "The request, canonical: method, URL with its query sorted, the form body; never credentials.",
        "asked_at": _WHEN, "http_status": "The HTTP status of the answer.",
        "content_type": "Its Content-Type.",
        "body": "Its body, as text; a page kept byte for byte (request ending '(bytes)') one character per byte, "
                "Latin-1.",
        "outcome": "answered (any answer, a 404 'none' included), or unreached (no answer came: see detail).",
        "detail": "Why no answer came, in one sentence."}),
    "copy_searches": ("What each service said about one cited URL's archived copies at its reference date.", {
        "url": "The URL as cited.", "reference_date": _REFERENCE, "service": "The service asked (as archive_answers).",
        "searched_at": _WHEN, "outcome": "found, none, unreached (our side's or the service's trouble, never 'no "
                                         "copy'), or skipped.",
        "candidates": "How many copies it listed.", "detail": "The outcome in one sentence."}),
    "archived_copies": ("Each archived copy of a cited URL that an archive listed, and linkvault's verdict on it: the "
                        "copy offered, the ones passed over and why.", {
        "url": "The URL as cited (URI-R).", "reference_date": _REFERENCE, "archive": _ARCHIVE, "uri_m": _URI_M,
        "raw_uri": "The address giving the archived bytes as received (Wayback's id_ mode), where the archive has one.",
        "memento_at": "When the archive captured it (UTC).",
        "found_by": "cdx, availability, timemap, memgator or save-page-now.",
        "listed_status": "The archived HTTP status, as the archive lists it.",
        "listed_mimetype": "The archived Content-Type, as listed.",
        "listed_digest": "The archive's payload digest (CDX: base32 SHA-1).",
        "capture_id": "The copy as fetched (captures, role memento); empty if never fetched.",
        "state": "The archived page's link state, judged by linkvault's rules (ok, soft-404 …).",
        "category": "alive, dead, restricted, refused or unknown.", "state_detail": "The state in one sentence.",
        "claim": "The claim check's verdict on the copy's text, where it ran.",
        "claim_reason": "Why the claim check said so.",
        "choice": "offered (the copy the footnote should point to), passed-over, or not-fetched.",
        "reason": "Why passed over or not fetched, in one sentence.", "rank": "Listing order: the offered one first.",
        "judged_at": _WHEN}),
    "spn_jobs": ("Save Page Now jobs submitted for the live sources we captured.", {
        "job_id": "The job's id at the Internet Archive.", "url": "The URL submitted.",
        "capture_id": "Our capture it witnesses.", "submitted_at": _WHEN,
        "status": "pending, success, error, or expired (the archive forgot the job; its index lists no capture near it).",
        "status_ext": "Save Page Now's error code (error:user-session-limit …).", "message": "Its message.",
        "archive_timestamp": "The archive's capture time (14 digits), on success.",
        "original_url": "The URL the archive ended at (after redirects).", "uri_m": _URI_M,
        "polled_at": "When its status was last asked (UTC)."}),
    "witnesses": ("An archive's capture of a page set against ours: whether it holds the same payload.", {
        "capture_id": "Our capture.", "archive": _ARCHIVE, "uri_m": _URI_M,
        "archive_at": "When the archive captured it (UTC).",
        "archive_digest": "The archive's payload digest (CDX: base32 SHA-1).",
        "our_sha1": "Ours, of the payload as recorded (captures.payload_sha1).",
        "our_sha1_decoded": "Ours, of the payload decoded (captures.payload_sha1_decoded).",
        "verdict": "same, same-decoded, differs or pending.", "sentence": "The verdict as show, report and the pack say it.",
        "text_similarity": "For differs: how alike the archive's page text and ours are, from 0 to 1 (rapidfuzz's "
                           "ratio of the texts linkvault extracts; empty where either page has no text).",
        "compared_at": _WHEN, "custody_id": "The custody event that logged it (witnessed)."}),
    "footnote_copies": ("Every footnote of every report with its archived copies at its reference date, the offered "
                        "one first.", {
        "report": "The report's path.", "number": "The footnote's number (an integer; empty for word labels).",
        "label": "The footnote's label as written.", "url": "The URL as cited.", "reference_date": _REFERENCE,
        "reference_basis": "How the date was found: entry date, report date or --as-of.", "archive": _ARCHIVE,
        "uri_m": _URI_M, "memento_at": "When the archive captured it (UTC).",
        "found_by": "cdx, availability, timemap, memgator or save-page-now.",
        "state": "The archived page's link state.", "category": "alive, dead, restricted, refused or unknown.",
        "state_detail": "The state in one sentence.", "claim": "The claim check's verdict on the copy, where it ran.",
        "choice": "offered, passed-over or not-fetched.", "reason": "Why passed over or not fetched.",
        "rank": "Listing order.", "capture_id": "The copy as fetched (captures, role memento)."}),
}

CAPTURE_DESCRIPTIONS = {
    "payload_sha1": "Base32 SHA-1 of the payload as recorded (content coding kept): the digest the Wayback CDX "
                    "publishes, to compare an archive's capture with ours.",
    "payload_sha1_decoded": "The same of the payload with its Content-Encoding undone (empty when none applies).",
    "memento_of": "For a copy fetched from an archive (role memento): the URL it is a copy of (URI-R).",
    "memento_at": "For a memento: when the archive captured it (UTC).", "archive": "For a memento: " + _ARCHIVE,
}

FOOTNOTE_DESCRIPTIONS = {
    "reference_date": _REFERENCE,
    "reference_basis": "How it was found: entry date (the chronicle entry's own), report date, or --as-of.",
    "reference_detail": "What was read for it ('entry: \"April 4\"', the report's metadata field …).",
}
