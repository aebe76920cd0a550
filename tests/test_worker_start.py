"""A big run's worker processes start beside the fetching: until they are up, the pages fetched wait for their
verdict, and the event loop never waits for them (the first hand-off to a pool still starting, its forkserver
importing trafilatura, held up every fetch for most of a second)."""

from __future__ import annotations

import concurrent.futures
import threading
import time

from test_fetch import fetch
from test_pipeline import HOLD_AT_MOST, _news

from linkvault.archive import run


class StartingPool(concurrent.futures.ThreadPoolExecutor):
    """Worker processes that take until the fake web has answered every cited URL (or HOLD_AT_MOST) to start: the
    first submit waits for that, as a process pool's first submit waits for its forkserver. Counts the pages
    answered when it was up."""

    def __init__(self, fakeweb, urls: list[str]):
        super().__init__(max_workers=2)
        self.fakeweb, self.urls = fakeweb, urls
        self.answered_when_up: int | None = None
        self._starting = threading.Lock()

    def submit(self, fn, /, *args, **kwargs):
        with self._starting:
            if self.answered_when_up is None:
                deadline = time.monotonic() + HOLD_AT_MOST
                while self._answered() < len(self.urls) and time.monotonic() < deadline:
                    time.sleep(0.02)
                self.answered_when_up = self._answered()
        return super().submit(fn, *args, **kwargs)

    def _answered(self) -> int:
        return sum(1 for url in self.urls if self.fakeweb.hits(url))


def test_fetching_goes_on_while_the_worker_processes_start(tmp_path, fakeweb, monkeypatch):
    """Two fetch slots, twelve pages, and workers that start only once all are fetched: every page is fetched before
    the workers are up, then judged by them."""
    urls = _news(fakeweb, 12)
    pool = StartingPool(fakeweb, urls)
    monkeypatch.setattr(run, "workers", lambda n_urls: pool)
    result = fetch(tmp_path, fakeweb, urls, concurrency=2)
    assert pool.answered_when_up == len(urls)
    assert [link.capture.status for link in result.links] == [200] * len(urls)
    assert all(link.capture.state.state == "ok" for link in result.links)
