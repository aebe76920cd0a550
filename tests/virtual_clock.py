"""A clock for the archive gates that runs in virtual time: no test sleeps, none asserts on the wall clock."""

from __future__ import annotations

import asyncio


class VirtualClock:
    """Time that passes only when someone sleeps, and at once; `slept` lists each wait asked for."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)
