"""A run's two halves, apart: fetching and WARC writing go at the network's pace, while the pages fetched wait in a
bounded queue for their verdict (decoding, extraction and judging: CPU work, in worker processes).

Fetching waits only when the queue is full (too many pages, or too many bytes of them), so memory stays bounded
when judging falls behind; the run ends when both halves are done. What is fetched but not judged yet is always
known (`waiting`), so a run that stops early can still store it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from types import TracebackType

from linkvault.archive.judging import Fetched

QUEUED_PAGES = 1024  # pages fetched and not yet taken by a judge, at most (a few KB each, bodies aside)
QUEUED_BYTES = 64 * 1024 * 1024  # their bodies' heads, at most (one page bigger than this still goes, alone)


class JudgingQueue:
    """Fetched pages on their way to `judge`, which `judges` tasks run side by side. Used as an async context
    manager around the fetching: leaving it waits for every page put to be judged; leaving by an exception
    (an interrupt, the disk) stops the judges and leaves the unjudged pages in `waiting`."""

    def __init__(self, judge: Callable[[Fetched], Awaitable[None]], judges: int, *,
                 pages: int = QUEUED_PAGES, size: int = QUEUED_BYTES):
        self._judge, self._judges, self._pages, self._size = judge, max(1, judges), max(1, pages), size
        self._queue: deque[Fetched] = deque()
        self._bytes = 0
        # Two conditions on one lock, each woken one waiter at a time: with a hundred fetches waiting for room, waking
        # them all at every page taken cost the event loop more than the fetching did.
        self._lock = asyncio.Lock()
        self._ready, self._room = asyncio.Condition(self._lock), asyncio.Condition(self._lock)
        self._tasks: list[asyncio.Task] = []
        self._failed: BaseException | None = None
        self.waiting: list[Fetched] = []  # put and not yet judged (queued, or with a judge): in the order put
        self.most_queued = 0  # the longest the queue grew, for a test or a bench to read

    async def __aenter__(self) -> JudgingQueue:
        self._tasks = [asyncio.ensure_future(self._judging()) for _ in range(self._judges)]
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        try:
            if kind is None:
                async with self._lock:
                    await self._room.wait_for(lambda: not self.waiting or self._failed is not None)
                self._raise_failure()
        finally:
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def put(self, fetched: Fetched) -> None:
        """Queue a fetched page; wait while the queue is full (the page counts as waiting from the start, so a run
        stopped meanwhile still stores it). A judge's failure (the run's own trouble) is raised here."""
        self.waiting.append(fetched)
        async with self._lock:
            await self._room.wait_for(lambda: self._failed is not None or not self._queue or (
                len(self._queue) < self._pages and self._bytes + fetched.size <= self._size))
            self._raise_failure()
            self._queue.append(fetched)
            self._bytes += fetched.size
            self.most_queued = max(self.most_queued, len(self._queue))
            self._ready.notify()

    async def _judging(self) -> None:
        while True:
            async with self._lock:
                await self._ready.wait_for(lambda: bool(self._queue))
                fetched = self._queue.popleft()
                self._bytes -= fetched.size
                self._room.notify()  # one page out: room for the next fetch waiting (it checks, and waits on if not)
            try:
                await self._judge(fetched)
            except asyncio.CancelledError:
                raise
            except BaseException as exc:  # the run's own trouble (disk, vault): the run stops, saying so
                self._failed = exc
                async with self._lock:
                    self._room.notify_all()
                return
            self.waiting.remove(fetched)
            if not self.waiting:  # the last page judged: the run's end may be waiting for it
                async with self._lock:
                    self._room.notify_all()

    def _raise_failure(self) -> None:
        if self._failed is not None:
            raise self._failed
