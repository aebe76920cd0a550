"""Review rows for renderer tests: a `Link` holding the capture its columns describe."""

from __future__ import annotations

from urllib.parse import urlsplit

from linkvault.model import Capture, Link, RecordLocation


def review_row(number, label: str, line: int | None, url: str | None, host: str | None, category: str | None,
               state: str | None, detail: str, http_status: int | None = None, final_url: str | None = None,
               title: str | None = None, archived_at: str | None = None, warc_file: str | None = None,
               warc_offset: int | None = None, capture_id: int | None = None) -> Link:
    """The row `report` would build for these columns (the host is the URL's own, as review derives it)."""
    assert host == (urlsplit(url).hostname if url else None), (url, host)
    capture = None
    if url is not None and (http_status is not None or warc_file or title or final_url):
        record = RecordLocation(warc_file, warc_offset or 0, 0, f"<urn:uuid:{number}>", None) if warc_file else None
        capture = Capture(url=url, fetched_at=archived_at or "", final_url=final_url, status=http_status, title=title,
                          record=record, id=capture_id)
    return Link(number, label, line, url, category, state, detail, capture=capture)
