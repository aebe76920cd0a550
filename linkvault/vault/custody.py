"""The custody log: an append-only chain of events, each hashing the one before it.

Every event (captured, timestamped, packed, exported, re-checked …) records when, who, with which
tool version, about what, and the SHA-256 of the previous event. Editing or deleting a row breaks
the chain at that row, which `audit` reports by event id.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

GENESIS = "0" * 64
FIELDS = ("id", "at", "event", "subject", "collector", "tool", "details", "prev_hash")
TEXT_FIELDS = ("title", "author", "published", "language", "sitename", "text")  # a `texts` row, as stored


# json.dumps with these options, its encoder made once: dumps makes a new one at every call that passes any option.
_CANONICAL = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
DETAILS = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode  # a custody event's details, as stored


def event_hash(row: dict) -> str:
    canonical = _CANONICAL([row[f] for f in FIELDS])
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def text_digest(text: dict | None) -> str | None:
    """SHA-256 of a capture's extracted text as stored: sealed in its `captured` event, so an edited
    `texts` row shows (the text is derived from the record, not in it)."""
    if not text:
        return None
    canonical = _CANONICAL([text.get(f) for f in TEXT_FIELDS])
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    event_id: int | None
    problem: str


def check_chain(rows: list[dict]) -> list[ChainBreak]:
    """Every place where the stored chain does not hold, in id order."""
    breaks: list[ChainBreak] = []
    previous = GENESIS
    expected_id = 1
    for row in rows:
        if row["id"] != expected_id:
            breaks.append(ChainBreak(row["id"], f"events {expected_id}–{row['id'] - 1} are missing (deleted?)"))
        if row["prev_hash"] != previous:
            breaks.append(ChainBreak(row["id"], "does not follow the event before it (an event before it was edited or removed)"))
        if event_hash(row) != row["hash"]:
            breaks.append(ChainBreak(row["id"], "its contents do not match its hash (edited)"))
        previous = row["hash"]
        expected_id = row["id"] + 1
    return breaks
