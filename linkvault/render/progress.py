"""What a fetch is doing right now, in one short line: "fetching 84/85 · retrying kaztag.kz (attempt 2 of 4, 503)".

`FetchProgress` is fed the run's progress events (a URL started, a retry about to wait, a URL done)
from the fetching thread and read from a display thread, so it keeps its state under a lock; `ProgressDisplay`
shows it (the shell gives it the terminal's stderr).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from linkvault.render.textsafe import terminal_safe

if TYPE_CHECKING:
    from rich.progress import Progress

    from linkvault.model import Capture, Retry


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
        self._fetched: set[str] = set()  # URLs fetched and waiting for their verdict (for room in the queue, or a judge)
        self._retry: Retry | None = None  # the latest Retry whose host is still in flight
        self.detail: str | None = None  # what a stage that counts more than its items is at ("1 submitted, …")

    def update(self, capture: Capture | None, done: int, total: int, stage: str = "fetching",
               started: str | None = None, retry: Retry | None = None, detail: str | None = None,
               fetched: str | None = None) -> None:
        with self._lock:
            if stage != "fetching":  # a later stage (screenshots, timestamping) waits on one thing at a time
                self._started.clear()
                self._fetched.clear()
            self.done, self.total, self.stage, self.detail = done, total, stage, detail
            if started is not None:
                self._started.setdefault(started, self._clock())
            if fetched is not None:
                self._started.pop(fetched, None)
                self._fetched.add(fetched)
            if retry is not None:
                self._retry = retry
            if capture is not None and stage == "fetching":
                self._started.pop(capture.url, None)
                self._fetched.discard(capture.url)
                if self._retry is not None and self._retry.url == capture.url:
                    self._retry = None
            if self._retry is not None and _host(self._retry.url) not in {_host(u) for u in self._started}:
                self._retry = None

    def line(self) -> str:
        """ "fetching 84/85 · waiting for slow.example (40 s)", or what the retry is, or "fetching 84/85 · waiting
        for judging to catch up (12 fetched)" when no URL is on the network and fetched ones wait for their verdict
        (the fetches wait for room in the judging queue); after the fetching,
        "screenshots 3/40", "timestamping 0/2 · waiting for freetsa.org (12 s)" or
        "Save Page Now 0/2 · 2 submitted, 2 in progress, polled 3 times"."""
        with self._lock:
            head = f"{self.stage} {self.done}/{self.total if self.total is not None else '?'}"
            if self.detail:
                return f"{head} · {terminal_safe(self.detail)}"
            if self._retry is not None:
                r = self._retry
                return f"{head} · retrying {_host(r.url)} (attempt {r.attempt} of {r.attempts}, {r.reason})"
            if self._started:
                url, since = min(self._started.items(), key=lambda item: item[1])
                waited = int(self._clock() - since)
                return f"{head} · waiting for {_host(url)}" + (f" ({waited} s)" if waited >= 1 else "")
            if self._fetched:
                return f"{head} · waiting for judging to catch up ({len(self._fetched)} fetched)"
            return head


def retry_line(retry: Retry) -> str:
    """One line per retry for -v: which host, which attempt, why, and how long until it."""
    return (f"retrying {_host(retry.url)} in {retry.wait:.1f} s (attempt {retry.attempt} of {retry.attempts}, "
            f"{retry.reason}): {retry.url}")


def done_line(capture: Capture, done: int, total: int, stage: str) -> str:
    """One line per URL done for -v: "[3/40]           HTTP 200  https://…", or its error, or its screenshot."""
    state = "screenshot" if stage == "screenshots" else capture.error or f"HTTP {capture.status}"
    return f"[{done}/{total}] {state:>18}  {terminal_safe(capture.final_url or capture.url)}"


def heartbeat_line(progress: FetchProgress) -> str:
    """Off a terminal (cron, CI), the line every few seconds that shows the run is alive."""
    return f"linkvault: {progress.line()}"


class ProgressDisplay:
    """Shows a fetch's progress while it runs: on a terminal, a bar whose label `FetchProgress.line()` keeps
    current; elsewhere (a cron or CI log), that label as a line every `every` seconds, so the log shows the run is
    alive; with `verbose`, also one line per URL and per retry as they happen. `write` puts a line on stderr.

    Used as a context manager around the run, and handed to it as its `on_progress`."""

    def __init__(self, write: Callable[[str], None], *, bar: bool, verbose: bool, every: float = 10.0):
        self.write, self.verbose, self.every = write, verbose, every
        self.state = FetchProgress()
        self.bar: Progress | None = None
        self.want_bar = bar and not verbose
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def __enter__(self) -> ProgressDisplay:
        if self.want_bar:
            from rich.progress import Progress

            self.bar = Progress(transient=True)
            self.bar.start()
            self.task = self.bar.add_task("fetching", total=None)
        self._ticker = threading.Thread(target=self._tick, name="linkvault-progress", daemon=True)
        self._ticker.start()
        return self

    def __call__(self, capture, done: int, total: int, stage: str = "fetching", **event) -> None:
        self.state.update(capture, done, total, stage, **event)
        if self.bar is not None:
            self.bar.update(self.task, completed=done, total=total, description=self.state.line())
        elif self.verbose and event.get("retry"):
            self.write(retry_line(event["retry"]))
        elif self.verbose and capture is not None:
            self.write(done_line(capture, done, total, stage))

    def _tick(self) -> None:
        """Keeps the bar's label current while nothing else happens; off a terminal, the heartbeat line."""
        while not self._stop.wait(1.0 if self.bar is not None else self.every):
            if self.bar is not None:
                self.bar.update(self.task, description=self.state.line())
            elif self.state.total is not None:
                self.write(heartbeat_line(self.state))

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        if self.bar is not None:
            self.bar.stop()
