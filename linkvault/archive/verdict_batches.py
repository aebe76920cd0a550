"""Judging in the worker processes, a few pages a task: the calls asked for while every worker is busy go together.

A task of a process pool costs the run's own process more than a small page's verdict costs a worker: its pickling,
two hand-offs between threads and two pipe writes each way. `BatchingPool` keeps one task in flight per worker (so
none idles while pages wait) and sends the calls that came meanwhile, up to BATCH_PAGES, as the next task.

What a worker runs is here too (`call_each`, and `die_with` first), so that a worker, which imports the module of each
function it is handed, loads nothing of the run's own (httpx, SQLite, WARC code: a third of a second a worker).
"""

from __future__ import annotations

import concurrent.futures
import functools
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio

BATCH_PAGES = 6  # calls in one task, at most


class BatchingPool(concurrent.futures.Executor):
    """`pool` (a process pool of `workers` processes) behind an executor whose calls go to it in batches."""

    def __init__(self, pool: concurrent.futures.Executor, workers: int, batch: int = BATCH_PAGES):
        self._pool, self._slots, self._batch = pool, max(1, workers), max(1, batch)
        self._lock = threading.Lock()
        self._waiting: list[tuple[Callable[[], Any], concurrent.futures.Future]] = []
        self._in_flight = 0
        self._sent = 0  # tasks sent so far: each worker's first goes at once, which starts its process
        self._loop: asyncio.AbstractEventLoop | None = None  # where the next batch is sent from, once one is back

    def submit(self, fn, /, *args, **kwargs) -> concurrent.futures.Future:
        future: concurrent.futures.Future = concurrent.futures.Future()
        call = _Call(fn, args, kwargs)
        with self._lock:
            self._waiting.append((call, future))
        import asyncio  # here, not at the top: a worker (and the forkserver) imports this module, never asyncio

        try:
            self._loop = asyncio.get_running_loop()
        except RuntimeError:
            self._loop = None
        self._dispatch()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if cancel_futures:
            with self._lock:
                waiting, self._waiting = self._waiting, []
            for _, future in waiting:
                future.cancel()
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)

    def _dispatch(self) -> None:
        """Send the waiting calls, a batch a free worker, while there are both: a part batch only when no task is in
        flight (so none waits for long) or as a worker's first task, else only a full one. Sent as soon as a worker was
        free, 4 tasks in 10 held one page, and a task costs the run's process as much as a page's verdict (its
        bottleneck)."""
        while True:
            with self._lock:
                if not self._waiting or self._in_flight >= self._slots or (
                        self._in_flight and self._sent >= self._slots and len(self._waiting) < self._batch):
                    return
                batch, self._waiting = self._waiting[:self._batch], self._waiting[self._batch:]
                self._in_flight += 1
                self._sent += 1
            batch = [(call, future) for call, future in batch if future.set_running_or_notify_cancel()]
            if not batch:  # every call of it was cancelled meanwhile
                with self._lock:
                    self._in_flight -= 1
                continue
            try:
                task = self._pool.submit(call_each, [call for call, _ in batch])
            except BaseException as exc:  # a broken pool: each call says so, and its caller judges elsewhere
                self._finished(batch, None, exc)
                continue
            task.add_done_callback(functools.partial(self._back, batch))

    def _back(self, batch: list, done: concurrent.futures.Future) -> None:
        self._finished(batch, done, None)

    def _finished(self, batch: list, done: concurrent.futures.Future | None, failure: BaseException | None) -> None:
        with self._lock:
            self._in_flight -= 1
        if done is not None:
            failure = done.exception() if not done.cancelled() else concurrent.futures.CancelledError()
        outcomes = done.result() if failure is None and done is not None else [(False, failure)] * len(batch)
        for (_, future), (ok, value) in zip(batch, outcomes):
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        if done is None:  # called by _dispatch itself, which goes on
            return
        try:  # the next batch is sent from the event loop, not this thread (the pool's own, whose pipe a submit fills)
            if self._loop is not None:
                self._loop.call_soon_threadsafe(self._dispatch)
                return
        except RuntimeError:  # the loop is closed: the run is over
            return
        self._dispatch()


class _Call:
    """One call, picklable when its function and arguments are."""

    def __init__(self, fn: Callable, args: tuple, kwargs: dict):
        self.fn, self.args, self.kwargs = fn, args, kwargs

    def __call__(self) -> Any:
        return self.fn(*self.args, **self.kwargs)


def call_each(calls: list[Callable[[], Any]]) -> list[tuple[bool, Any]]:
    """Run in a worker: each call's (True, result), or (False, the exception it raised), in order."""
    outcomes: list[tuple[bool, Any]] = []
    for call in calls:
        try:
            outcomes.append((True, call()))
        except Exception as exc:
            outcomes.append((False, exc))
    return outcomes


def die_with(run_pid: int) -> None:
    """A worker's first act: end when the run ends, however it ends. After kill -9 nothing tells a pool's
    workers (they hold their own queue's pipe open), and each kept 130 MB for good."""
    if sys.platform.startswith("linux"):
        try:  # the kernel kills us when our parent (the forkserver, which ends with the run) dies
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, 9, 0, 0, 0)  # PR_SET_PDEATHSIG, SIGKILL
        except (OSError, AttributeError):
            pass
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent or not _alive(run_pid):
                os._exit(1)

    threading.Thread(target=watch, name="linkvault-parent-watch", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
