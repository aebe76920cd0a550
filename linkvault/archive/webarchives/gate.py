"""One gate per outside service: how fast linkvault may ask it, and when it has stopped asking.

The world's web archives are shared, rate-limited services run by institutions: a good citizen spaces its
requests (never more than a service's rate in any minute), waits as long as a 429 asks (Retry-After), and after
a few failures in a row stops and says so, rather than hammering a service that is down or out of reach. The
clock is injected, so tests run the gate in virtual time and `make bench` measures it in real time.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from typing import Protocol

from linkvault.errors import UsageError

# Requests a minute each service gets unless --rate says otherwise. The Internet Archive's CDX figure is
# 80% of the 30/min its operators gave EDGI's `wayback`; its availability API is heavily limited, Save Page
# Now allows about 7 captures a minute to an account; archives that publish no limit get a modest one, and
# archive.today, which answers bursts with CAPTCHAs, less.
DEFAULT_RATES: dict[str, float] = {
    "ia-cdx": 24, "ia-availability": 6, "ia-memento": 60, "ia-spn": 6, "ia-spn-status": 12, "memgator": 60,
    "archive": 10, "archive:archive.ph": 4, "archive:archive.today": 4,
}
UNANNOUNCED_PAUSE = 60.0  # seconds after a 429 that names no Retry-After (EDGI's `wayback` waits as long)
WAIT_CAP = 600.0  # a service asking us to wait longer than this is unreached for this run (--wait-cap 10m)
GIVE_UP_AFTER = 3  # failed requests in a row after which a service is unreached for the rest of the run


class Clock(Protocol):
    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class RealClock:
    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class Unreached(Exception):
    """The service will not be asked again this run; `sentence` says why, for every lookup left waiting."""

    def __init__(self, sentence: str):
        super().__init__(sentence)
        self.sentence = sentence


def rate_for(service: str, rates: dict[str, float]) -> float:
    """A service's rate: the one given for it, else for its family ("archive:arquivo.pt" → "archive"), else
    the default for it, else its family's default. What the user gives always beats a default."""
    family = service.partition(":")[0]
    for table in (rates, DEFAULT_RATES):
        for key in (service, family):
            if key in table:
                return table[key]
    return DEFAULT_RATES["archive"]


_RATE = re.compile(r"^\s*([a-z0-9][a-z0-9.:_-]*)\s*=\s*(\d+(?:\.\d+)?)\s*/\s*(s|sec|min|h|hour)\s*$", re.I)
_PER_MINUTE = {"s": 60.0, "sec": 60.0, "min": 1.0, "h": 1 / 60, "hour": 1 / 60}


def parse_rate(text: str) -> tuple[str, float]:
    """`--rate SERVICE=N/min` (or /s, /h) → (service, requests per minute); anything else is a usage error."""
    found = _RATE.match(text)
    if not found or float(found.group(2)) <= 0:
        raise UsageError(f"--rate {text!r}: give it as SERVICE=N/min, e.g. ia-cdx=24/min (N above 0)")
    return found.group(1).lower(), float(found.group(2)) * _PER_MINUTE[found.group(3).lower()]


_WAIT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hour)?\s*$", re.I)
_SECONDS = {"s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "hour": 3600.0}


def parse_wait_cap(text: str) -> float:
    """`--wait-cap DURATION` (90s, 10m, 2h; a bare number is seconds) → seconds; anything else is a usage error."""
    found = _WAIT.match(text or "")
    if not found or float(found.group(1)) <= 0:
        raise UsageError(f"--wait-cap {text!r}: give it as a duration such as 90s, 10m or 2h (above 0)")
    return float(found.group(1)) * _SECONDS[(found.group(2) or "s").lower()]


def flag_duration(seconds: float) -> str:
    """A cap as the flag takes it (600 → "10m"), so the sentence that names it can be typed back."""
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:.0f}{unit}"
    return f"{seconds:g}s"


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 60:.0f} min" if seconds >= 60 else f"{seconds:.0f} s"


@dataclass
class _State:
    next_at: float = 0.0  # the earliest moment the next request may leave
    failures: int = 0  # failed requests in a row
    unreached: str | None = None


class ServiceGate:
    """Spaces one service's requests at least 60/rate seconds apart, so any 60-second window holds at most
    `rate` of them (a spacing limiter, not a burst bucket: a burst is what a shared service suffers from).

    Every request waits its `turn()`; a 429 `pause()`s the whole service, not the one request; `failed()` and
    `succeeded()` count failures in a row, and past GIVE_UP_AFTER the service is unreached for the run."""

    def __init__(self, service: str, name: str, per_minute: float, clock: Clock | None = None, *,
                 wait_cap: float = WAIT_CAP, give_up_after: int = GIVE_UP_AFTER):
        self.service, self.name, self.per_minute = service, name, per_minute
        self.interval = 60.0 / per_minute
        self.clock = clock or RealClock()
        self.wait_cap, self.give_up_after = wait_cap, give_up_after
        self._state = _State(next_at=self.clock.monotonic())
        self._lock = asyncio.Lock()

    @property
    def unreached(self) -> str | None:
        """Why the service is not asked any more this run (None while it still is)."""
        return self._state.unreached

    async def turn(self, under_way: bool = False) -> None:
        """Wait until this request may leave. Requests waiting together leave one at a time, in the order they
        asked (the lock is first come, first served), each at least an interval after the one before it actually
        left: a request that leaves late (the event loop busy judging a page) pushes the next one back, so late
        requests never catch up in a burst and no 60-second window holds more than the rate (make bench).

        `under_way`: the request continues one already let through (a redirect hop inside an archive, a retry),
        which runs against its fetch's deadline: it goes ahead of the queue, still spaced like every other (the
        spacing is checked and taken with no await between, so whoever leaves first pushes the others back)."""
        self._raise_if_unreached()
        if under_way:
            await self._wait_and_take()
            return
        async with self._lock:
            await self._wait_and_take()

    async def _wait_and_take(self) -> None:
        while (wait := self._state.next_at - self.clock.monotonic()) > 0:
            await self.clock.sleep(wait)  # again if a 429 paused the service, or another request left, meanwhile
        self._raise_if_unreached()  # it may have given up while we waited
        self._state.next_at = self.clock.monotonic() + self.interval

    def pause(self, retry_after: float | None) -> None:
        """The service answered 429: no request leaves before `retry_after` seconds (UNANNOUNCED_PAUSE when it
        named none). A wait past the cap makes it unreached: a run does not sleep for hours."""
        wait = UNANNOUNCED_PAUSE if retry_after is None else max(retry_after, 0.0)
        if wait > self.wait_cap:
            self.give_up(f"{self.name} asked to wait {_duration(wait)}; given up for this run "
                         f"(--wait-cap {flag_duration(self.wait_cap)})")
            return
        self._state.next_at = max(self._state.next_at, self.clock.monotonic() + wait)

    def failed(self, sentence: str) -> None:
        """A request failed (`sentence`: why, as classify_exception words it); enough in a row and the service
        is given up with the last reason."""
        self._state.failures += 1
        if self._state.failures >= self.give_up_after:
            self.give_up(f"{self.name} could not be reached ({sentence})")

    def succeeded(self) -> None:
        self._state.failures = 0

    def give_up(self, sentence: str) -> None:
        if self._state.unreached is None:
            self._state.unreached = sentence

    def _raise_if_unreached(self) -> None:
        if self._state.unreached is not None:
            raise Unreached(self._state.unreached)
