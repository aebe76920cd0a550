"""A capture as the judges see it: decoded HTML, extracted text, title (a `model.Page`)."""

from __future__ import annotations

from linkvault.archive.extract import (
    DECODED_LIMIT,
    EXTRACT_PREFIX,
    ExtractedText,
    charset_of,
    decode_content,
    decode_text,
    extract_decoded,
)
from linkvault.model import Capture, Page

HTML_KEEP = 2 * 1024 * 1024  # YouTube puts playabilityStatus ~1 MB into its watch page
# What a capture holds in memory of its body, to judge (HTML_KEEP) and extract (EXTRACT_PREFIX) it; the WARC, the rest.
BODY_HEAD = max(HTML_KEEP, EXTRACT_PREFIX)
_TEXTUAL = ("html", "xml", "json", "text/")


def page_of(capture: Capture, limit: int = DECODED_LIMIT) -> tuple[Page, ExtractedText | None]:
    """The Page to judge and, for a 2xx HTML page, its extracted text. Runs in a worker thread.

    The body is inflated once, to at most `limit` bytes; past that the capture is marked truncated
    and the text is what the first `limit` bytes hold."""
    content_type = capture.header("content-type")
    html = ""
    text = None
    if capture.body_head and (content_type is None or any(t in content_type.lower() for t in _TEXTUAL)):
        decoded = decode_content(capture.body_head, capture.header("content-encoding"), limit)
        capture.truncated = capture.truncated or decoded.truncated
        raw = decoded.body
        if capture.status is not None and 200 <= capture.status < 300:  # first: its trees are gone before the html is made
            text = extract_decoded(raw, capture.final_url or capture.url, content_type)
        html = decode_text(raw[:HTML_KEEP], charset_of(raw, content_type))
    account = capture.account.label if capture.account else None  # what a logged-in account saw
    return Page(capture, html=html, text=text.text if text else "", title=text.title if text else None,
                account=account), text
