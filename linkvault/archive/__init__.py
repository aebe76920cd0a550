"""Capturing: guard → fetcher → WARC recorder → text extraction → vault.

Nothing in `linkvault.report` imports this package, so `check` loads no network code.
"""

from __future__ import annotations

from linkvault.archive.fetcher import Capture, FetchOptions
from linkvault.archive.query import FootnoteArchive, SearchHit, search, show
from linkvault.archive.run import FetchResult, LinkOutcome, fetch_reports

__all__ = ["Capture", "FetchOptions", "FetchResult", "FootnoteArchive", "LinkOutcome", "SearchHit", "fetch_reports",
           "search", "show"]
