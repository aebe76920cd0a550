"""A clock for the archive gates that runs in virtual time: no test sleeps, none asserts on the wall clock."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone


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


class DayClock:
    """The date a test says it is, for the verbs' injected `clock`: moved forward by days, never slept through."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def forward(self, days: float) -> DayClock:
        self.now += timedelta(days=days)
        return self
