"""Capturing: a FetchRun drives guard → fetcher → WARC recorder → text extraction → screenshots,
storing into the vault and judging each capture as it lands.

Nothing in `linkvault.parsing` imports this package, so `check` loads no network code.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from linkvault.archive.fetcher import FetchOptions
from linkvault.archive.run import FetchRun, LinkOutcome, fetch_reports
from linkvault.model import Capture, FetchResult

__all__ = ["Capture", "FetchOptions", "FetchResult", "FetchRun", "LinkOutcome", "fetch_reports", "options_with"]


def options_with(options: FetchOptions | None, given: dict[str, Any]) -> FetchOptions | None:
    """`options` (else the defaults) with each setting given (not None) in its place; None when nothing is set: the
    verbs take each setting as a keyword as well as in one `FetchOptions`."""
    settings = {name: value for name, value in given.items() if value is not None}
    return replace(options or FetchOptions(), **settings) if settings else options
