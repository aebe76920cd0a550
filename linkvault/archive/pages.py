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
    prefix,
)
from linkvault.archive.redirect_stubs import STUB_MAX_BYTES
from linkvault.model import Capture, Page
from linkvault.sites import adapter_for

HTML_KEEP = 2 * 1024 * 1024  # YouTube puts playabilityStatus ~1 MB into its watch page
# Of any other page, one byte past what extraction and the redirect-stub check read: they see that it goes on (the
# prefix is then cut before a tag, not inside a letter; a page longer than a stub is none).
HEAD_KEEP = max(EXTRACT_PREFIX, STUB_MAX_BYTES) + 1
_TEXTUAL = ("html", "xml", "json", "text/")


def head_size(url: str) -> int:
    """How much of a body at `url` judging reads, so how much of it a capture holds in memory (the WARC, all of it):
    of a page a site adapter reads, HTML_KEEP (its data scripts lie deep); of any other, HEAD_KEEP, which holds the
    300,000 characters the rules look at. The bytes held, and the page's html made of them, were most of what a huge
    page cost over a small one."""
    return HTML_KEEP if adapter_for(url) else HEAD_KEEP


def page_of(capture: Capture, limit: int = DECODED_LIMIT) -> tuple[Page, ExtractedText | None]:
    """The Page to judge and, for a 2xx HTML page, its extracted text. Runs in a worker thread.

    The body is inflated once, to at most `limit` bytes; past that the capture is marked truncated
    and the text is what the first `limit` bytes hold."""
    content_type = capture.header("content-type")
    html = ""
    text = None
    if capture.body_head and (content_type is None or any(t in content_type.lower() for t in _TEXTUAL)):
        keep = head_size(capture.final_url or capture.url)
        decoded = decode_content(capture.body_head, capture.header("content-encoding"), limit, keep)
        capture.truncated = capture.truncated or decoded.truncated
        raw = decoded.body
        charset = charset_of(raw, content_type)
        whole = prefix(raw) is raw  # extraction reads it whole: the html is made once, for both
        html = decode_text(raw, charset) if whole else ""
        if capture.status is not None and 200 <= capture.status < 300:  # a cut page's trees are gone before its html is made
            text = extract_decoded(raw, capture.final_url or capture.url, content_type, html if whole else None)
        html = html if whole else decode_text(raw, charset)
    account = capture.account.label if capture.account else None  # what a logged-in account saw
    return Page(capture, html=html, text=text.text if text else "", title=text.title if text else None,
                account=account), text
