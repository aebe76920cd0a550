"""Capturing: a FetchRun drives guard → fetcher → WARC recorder → text extraction → screenshots,
storing into the vault and judging each capture as it lands.

Nothing in `linkvault.parsing` imports this package, so `check` loads no network code. Its names are imported
when first asked for: a judging worker imports `linkvault.archive.verdict` alone, without httpx, SQLite or WARC code.
"""

from __future__ import annotations

import importlib
from dataclasses import replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from linkvault.archive.fetcher import FetchOptions
    from linkvault.archive.run import FetchRun, LinkOutcome, fetch_reports
    from linkvault.model import Capture, FetchResult

__all__ = ["Capture", "FetchOptions", "FetchResult", "FetchRun", "LinkOutcome", "fetch_reports", "options_with"]
_HOMES = {"FetchOptions": "linkvault.archive.fetcher", "FetchRun": "linkvault.archive.run",
          "LinkOutcome": "linkvault.archive.run", "fetch_reports": "linkvault.archive.run",
          "Capture": "linkvault.model", "FetchResult": "linkvault.model"}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)


def options_with(options: FetchOptions | None, given: dict[str, Any]) -> FetchOptions | None:
    """`options` (else the defaults) with each setting given (not None) in its place; None when nothing is set: the
    verbs take each setting as a keyword as well as in one `FetchOptions`."""
    from linkvault.archive.fetcher import FetchOptions

    settings = {name: value for name, value in given.items() if value is not None}
    return replace(options or FetchOptions(), **settings) if settings else options
