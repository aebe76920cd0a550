"""Judging's worker processes get their calls in batches (archive/verdict_batches.py): one task in flight per
worker, and the calls that came meanwhile sent together as the next one; each call keeps its own result or error."""

from __future__ import annotations

import asyncio
import concurrent.futures
import multiprocessing
import os

import pytest

from linkvault.archive.verdict_batches import BatchingPool, call_each


class CountedPool(concurrent.futures.ProcessPoolExecutor):
    """A real process pool that counts the tasks it was given."""

    def __init__(self):
        super().__init__(max_workers=1, mp_context=multiprocessing.get_context("forkserver"))
        self.tasks = 0

    def submit(self, fn, /, *args, **kwargs):
        self.tasks += 1
        return super().submit(fn, *args, **kwargs)


def test_calls_made_while_the_worker_is_busy_go_together_each_with_its_own_result_or_error():
    inner = CountedPool()
    pool = BatchingPool(inner, workers=1, batch=3)

    async def main():
        loop = asyncio.get_running_loop()
        calls = [loop.run_in_executor(pool, pow, 2, n) for n in range(6)]
        calls.append(loop.run_in_executor(pool, pow, 0, -1))  # 0 ** -1: this call's own ZeroDivisionError
        return await asyncio.gather(*calls, return_exceptions=True)

    try:
        results = asyncio.run(main())
    finally:
        pool.shutdown()
    assert results[:6] == [1, 2, 4, 8, 16, 32]
    assert isinstance(results[6], ZeroDivisionError)
    assert inner.tasks == 3  # the first alone (the worker was free), then the six that came meanwhile, three a task


class HeldPool(concurrent.futures.Executor):
    """A pool whose tasks finish when the test says (each then runs, here, what it was given): what is sent when."""

    def __init__(self):
        self.sent: list[tuple[concurrent.futures.Future, list]] = []

    def submit(self, fn, /, *args, **kwargs):
        future: concurrent.futures.Future = concurrent.futures.Future()
        self.sent.append((future, args[0]))
        return future

    def finish(self, n: int) -> None:
        future, calls = self.sent[n]
        future.set_result(call_each(calls))

    def sizes(self) -> list[int]:
        return [len(calls) for _, calls in self.sent]


def test_while_a_task_is_in_flight_only_a_full_batch_goes_and_each_worker_s_first_goes_at_once():
    held = HeldPool()
    pool = BatchingPool(held, workers=2, batch=3)
    calls = [pool.submit(pow, 2, n) for n in range(2)]
    assert held.sizes() == [1, 1]  # each worker's first call at once: it starts its process
    held.finish(0)
    calls += [pool.submit(pow, 2, n) for n in range(2, 4)]
    assert held.sizes() == [1, 1]  # a task is in flight: two calls wait for a third
    calls.append(pool.submit(pow, 2, 4))
    assert held.sizes() == [1, 1, 3]
    calls.append(pool.submit(pow, 2, 5))
    held.finish(1)
    assert held.sizes() == [1, 1, 3]  # the last call waits while the batch of three is out
    held.finish(2)
    assert held.sizes() == [1, 1, 3, 1]  # nothing in flight: it goes alone
    held.finish(3)
    assert [call.result(0) for call in calls] == [1, 2, 4, 8, 16, 32]


def test_a_broken_pool_s_calls_say_so_and_later_ones_too():
    pool = BatchingPool(concurrent.futures.ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("forkserver")), workers=1)

    async def main():
        loop = asyncio.get_running_loop()
        with pytest.raises(concurrent.futures.BrokenExecutor):
            await loop.run_in_executor(pool, os._exit, 1)  # the worker dies mid-task
        with pytest.raises(concurrent.futures.BrokenExecutor):
            await loop.run_in_executor(pool, pow, 2, 3)

    try:
        asyncio.run(asyncio.wait_for(main(), 60))
    finally:
        pool.shutdown()
