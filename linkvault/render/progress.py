"""What a fetch is doing right now, in one short line: "fetching 84/85 · retrying kaztag.kz (attempt 2 of 4, 503)".

`FetchProgress` is fed the run's progress events (a URL started, a retry about to wait, a URL done)
from the fetching thread and read from a display thread, so it keeps its state under a lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from linkvault.render.textsafe import terminal_safe

if TYPE_CHECKING:
    from linkvault.archive.fetcher import Capture, Retry


def _host(url: str) -> str:
    return terminal_safe(urlsplit(url).hostname or url)


class FetchProgress:
    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self.done = 0
        self.total: int | None = None
        self.stage = "fetching"
        self._started: dict[str, float] = {}  # URLs in flight → when they started
        self._retry: Retry | None = None  # the latest Retry whose host is still in flight

    def update(self, capture: Capture | None, done: int, total: int, stage: str = "fetching",
               started: str | None = None, retry: Retry | None = None) -> None:
        with self._lock:
            if stage != "fetching":  # a later stage (screenshots, timestamping) waits on one thing at a time
                self._started.clear()
            self.done, self.total, self.stage = done, total, stage
            if started is not None:
                self._started.setdefault(started, self._clock())
            if retry is not None:
                self._retry = retry
            if capture is not None and stage == "fetching":
                self._started.pop(capture.url, None)
                if self._retry is not None and self._retry.url == capture.url:
                    self._retry = None
            if self._retry is not None and _host(self._retry.url) not in {_host(u) for u in self._started}:
                self._retry = None

    def line(self) -> str:
        """ "fetching 84/85 · waiting for slow.example (40 s)", or what the retry is; after the fetching,
        "screenshots 3/40" or "timestamping 0/2 · waiting for freetsa.org (12 s)"."""
        with self._lock:
            head = f"{self.stage} {self.done}/{self.total if self.total is not None else '?'}"
            if self._retry is not None:
                r = self._retry
                return f"{head} · retrying {_host(r.url)} (attempt {r.attempt} of {r.attempts}, {r.reason})"
            if self._started:
                url, since = min(self._started.items(), key=lambda item: item[1])
                waited = int(self._clock() - since)
                return f"{head} · waiting for {_host(url)}" + (f" ({waited} s)" if waited >= 1 else "")
            return head


def retry_line(retry: Retry) -> str:
    """One line per retry for -v: which host, which attempt, why, and how long until it."""
    return (f"retrying {_host(retry.url)} in {retry.wait:.1f} s (attempt {retry.attempt} of {retry.attempts}, "
            f"{retry.reason}): {retry.url}")
