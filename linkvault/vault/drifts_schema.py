"""Schema version 12 (issue 16): the `drifts` table, and how Datasette describes it.

    drifts  a row per report, footnote label, URL and later capture: the later capture beside the footnote's first,
            what became of the passage its claim relied on (`linkvault.claims.drift`), the texts' similarity and sizes
"""

from __future__ import annotations

import sqlite_utils

COLUMNS = {"id": int, "report_id": int, "label": str, "line": int, "url": str, "capture_id": int, "first_capture_id": int,
           "state": str, "detail": str, "similarity": float, "words_then": int, "words_now": int,
           "passage_then": str, "passage_now": str, "facts_lost": str, "judged_at": str}


def add_drifts_v12(db: sqlite_utils.Database) -> None:
    """Version 12 (issue 16): a `drifts` row per report, footnote label, URL and later capture."""
    db.table("drifts").create(COLUMNS, pk="id", foreign_keys=[
        ("report_id", "reports", "id"), ("capture_id", "captures", "id"), ("first_capture_id", "captures", "id")],
        if_not_exists=True)
    with db.conn:
        db.conn.execute("create unique index if not exists drifts_key on drifts (report_id, label, url, capture_id)")
        db.conn.execute("create index if not exists drifts_capture on drifts (capture_id)")


DESCRIPTIONS = {"drifts": (
    "Drift per claim: each later capture of a footnote's source beside its first, and what became of the passage "
    "the claim relied on (README: drift).", {
        "report_id": "The report (see reports.path).", "label": "The footnote's label as written.",
        "line": "The line of the sentence whose claim was checked (the footnote's first citation).",
        "url": "The URL as cited.", "capture_id": "The later capture judged.",
        "first_capture_id": "The footnote's first capture that read the page, compared with.",
        "state": "unchanged, changed (the passage intact), passage-gone or page-replaced.",
        "detail": "The drift in one sentence.",
        "similarity": "Lexical cosine similarity of the two texts (term counts), 0 to 1.",
        "words_then": "Words in the first capture's text.", "words_now": "Words in the later capture's text.",
        "passage_then": "The paragraphs of the first capture in which the claim check found the claim's facts.",
        "passage_now": "Their counterparts in the later capture (empty: gone).",
        "facts_lost": "The claim's facts found first and not now (a JSON array of their texts as the report writes them).",
        "judged_at": "When (UTC)."})}
