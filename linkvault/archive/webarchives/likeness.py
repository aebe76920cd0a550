"""How alike the page an archive captured and ours read, when their payloads differ: a differing digest says only
that some byte changed (a timestamp, an ad, a rotated token, or the article rewritten), so the archive's raw capture
(id_) is fetched through its gate, its text extracted as linkvault extracts ours, and the two texts compared.
"""

from __future__ import annotations

from rapidfuzz import fuzz

from linkvault.archive.extract import extract_decoded
from linkvault.archive.webarchives.gateway import Gateway, Unreached

SERVICE = "ia-memento"


def likeness(ours: str, theirs: str) -> float:
    """0 to 1: rapidfuzz's normalised Indel similarity of the two texts, whitespace runs made one space (a page
    reflowed is not a page changed)."""
    return fuzz.ratio(" ".join(ours.split()), " ".join(theirs.split())) / 100.0


def alike_words(similarity: float) -> str:
    """"text 97% alike", rounded down, so a page that differs never reads as 100% alike."""
    return f"text {int(similarity * 100)}% alike"


async def text_likeness(gateway: Gateway, raw_uri: str, url: str, our_text: str | None) -> float | None:
    """How alike the archive's capture at `raw_uri` (the page `url` as it received it) reads to `our_text`; None
    where either has no text, or the archive could not give its capture."""
    if not our_text or not our_text.strip():
        return None
    try:
        answer = await gateway.get(SERVICE, raw_uri)
    except Unreached:
        return None
    if answer.status != 200:
        return None
    content_type = (answer.content_type or "text/html").split(";")[0] + "; charset=utf-8"  # the gateway decoded it
    theirs = extract_decoded(answer.body.encode("utf-8"), url, content_type)
    return likeness(our_text, theirs.text) if theirs is not None and theirs.text.strip() else None
