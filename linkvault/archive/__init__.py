"""Capturing: a FetchRun drives guard → fetcher → WARC recorder → text extraction → screenshots,
storing into the vault and judging each capture as it lands.

Nothing in `linkvault.parsing` imports this package, so `check` loads no network code.
"""

from __future__ import annotations

from linkvault.archive.fetcher import FetchOptions
from linkvault.archive.run import FetchRun, LinkOutcome, fetch_reports
from linkvault.model import Capture, FetchResult

__all__ = ["Capture", "FetchOptions", "FetchResult", "FetchRun", "LinkOutcome", "fetch_reports"]
