"""How alike the page an archive captured and ours read, when their payloads differ: a differing digest says only
that some byte changed (a timestamp, an ad, a rotated token, or the article rewritten), so the archive's raw capture
(id_) is fetched through its gate as bytes, its text extracted as linkvault extracts ours (the same charset
sniffing: a page that names its charset only in a `<meta>` tag is read in it), and the two texts compared.
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
        answer = await gateway.get_bytes(SERVICE, raw_uri)
    except Unreached:
        return None
    if answer.status != 200 or answer.raw is None:
        return None
    # the bytes as the archive holds them, their charset sniffed as ours was (a <meta> tag, not only the header's)
    theirs = extract_decoded(answer.raw, url, answer.content_type)
    return likeness(our_text, theirs.text) if theirs is not None and theirs.text.strip() else None
