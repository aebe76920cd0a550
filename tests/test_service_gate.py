"""The gate in front of each web archive (issue 14): never more than its rate in any minute, a 429's wait
honoured by the whole service, and a service that keeps failing given up with the reason, not hammered.

The gate runs on an injected clock, so these tests run in virtual time: no timed assertion, no sleeping."""

from __future__ import annotations

import asyncio

import pytest
from virtual_clock import VirtualClock

from linkvault.archive.webarchives.gate import (
    DEFAULT_RATES,
    UNANNOUNCED_PAUSE,
    ServiceGate,
    Unreached,
    parse_rate,
    rate_for,
)
from linkvault.errors import UsageError


async def _ask(gate: ServiceGate, clock: VirtualClock, times: list[float]) -> None:
    await gate.turn()
    times.append(clock.monotonic())


def _most_in_a_minute(times: list[float]) -> int:
    return max(sum(1 for t in times if start <= t < start + 60) for start in times)


class _BusyLoopClock(VirtualClock):
    """Its first sleep ends `late` seconds after it was due, as one does while the event loop is busy judging a
    page."""

    def __init__(self, late: float) -> None:
        super().__init__()
        self.late = late

    async def sleep(self, seconds: float) -> None:
        await super().sleep(seconds + self.late)
        self.late = 0.0


def test_a_request_that_leaves_late_pushes_the_next_back_so_late_requests_never_catch_up_in_a_burst():
    """Found by make bench (tests/test_bench_copies.py): slots counted from when each was due, not from when the
    request left, let requests that left late be followed at once, 603 CDX requests in one minute at 600/min."""
    clock = _BusyLoopClock(late=2.0)
    gate = ServiceGate("ia-cdx", "the Internet Archive", 60, clock)
    times: list[float] = []

    async def one_after_another() -> None:
        for _ in range(3):
            await _ask(gate, clock, times)

    asyncio.run(one_after_another())
    assert times[1] - times[0] == 3.0  # due one interval after the first, left 2 s late
    assert times[2] - times[1] >= gate.interval  # not at once to make up for it


def test_requests_asked_all_at_once_leave_spaced_and_never_more_than_the_rate_in_any_minute():
    clock = VirtualClock()
    gate = ServiceGate("ia-cdx", "the Internet Archive", 24, clock)
    times: list[float] = []

    async def burst() -> None:
        for _ in range(100):  # one after another, as the slots are taken in order
            await _ask(gate, clock, times)

    asyncio.run(burst())
    assert len(times) == 100
    assert _most_in_a_minute(times) <= 24
    assert min(b - a for a, b in zip(times, times[1:])) >= 60 / 24 - 1e-9
    assert times[0] == 1000.0  # the first request does not wait


def test_a_429_pauses_the_whole_service_for_its_retry_after():
    clock = VirtualClock()
    gate = ServiceGate("ia-cdx", "the Internet Archive", 600, clock)
    times: list[float] = []

    async def run() -> None:
        await _ask(gate, clock, times)
        gate.pause(30)  # the answer to that request was a 429 with Retry-After: 30
        await _ask(gate, clock, times)
        gate.pause(None)  # one without Retry-After
        await _ask(gate, clock, times)

    asyncio.run(run())
    assert times[1] - times[0] >= 30
    assert times[2] - times[1] >= UNANNOUNCED_PAUSE


def test_a_wait_longer_than_the_cap_gives_the_service_up_naming_the_wait():
    gate = ServiceGate("ia-cdx", "the Internet Archive", 24, VirtualClock(), wait_cap=600)
    gate.pause(7200)
    assert gate.unreached == "the Internet Archive asked to wait 2 h; given up for this run (--wait-cap 10m)"
    with pytest.raises(Unreached) as raised:
        asyncio.run(gate.turn())
    assert raised.value.sentence == gate.unreached


def test_a_service_failing_three_times_in_a_row_is_given_up_with_the_last_reason_and_a_success_resets_the_count():
    gate = ServiceGate("archive:arquivo.pt", "Arquivo.pt", 10, VirtualClock())
    gate.failed("arquivo.pt does not resolve")
    gate.failed("arquivo.pt does not resolve")
    gate.succeeded()
    gate.failed("arquivo.pt stopped answering")
    gate.failed("arquivo.pt stopped answering")
    assert gate.unreached is None
    gate.failed("the proxy http://127.0.0.1:3128 refused the connection")
    assert gate.unreached == "Arquivo.pt could not be reached (the proxy http://127.0.0.1:3128 refused the connection)"


def test_requests_waiting_when_the_service_is_given_up_do_not_leave():
    clock = VirtualClock()
    gate = ServiceGate("memgator", "MemGator", 1, clock)
    outcomes: list[str] = []

    async def one() -> None:
        try:
            await gate.turn()
            outcomes.append("left")
        except Unreached as exc:
            outcomes.append(exc.sentence)

    async def run() -> None:
        await one()  # leaves at once; the next slot is a minute away
        waiting = asyncio.ensure_future(one())
        await asyncio.sleep(0)
        gate.give_up("MemGator could not be reached (connection refused)")
        await waiting

    asyncio.run(run())
    assert outcomes == ["left", "MemGator could not be reached (connection refused)"]


def test_rates_are_given_as_service_equals_n_per_minute_and_anything_else_is_a_usage_error():
    assert parse_rate("ia-cdx=600/min") == ("ia-cdx", 600.0)
    assert parse_rate("archive:arquivo.pt = 2/s") == ("archive:arquivo.pt", 120.0)
    assert parse_rate("IA-SPN=30/h") == ("ia-spn", 0.5)
    for bad in ("ia-cdx", "ia-cdx=fast", "ia-cdx=0/min", "=3/min", "ia-cdx=3/week"):
        with pytest.raises(UsageError):
            parse_rate(bad)


def test_a_service_without_a_rate_of_its_own_gets_its_familys_then_the_default():
    assert rate_for("ia-cdx", {}) == DEFAULT_RATES["ia-cdx"]
    assert rate_for("archive:arquivo.pt", {}) == DEFAULT_RATES["archive"]
    assert rate_for("archive:archive.ph", {}) == DEFAULT_RATES["archive:archive.ph"]
    assert rate_for("archive:arquivo.pt", {"archive": 30.0}) == 30.0
    assert rate_for("archive:arquivo.pt", {"archive:arquivo.pt": 5.0, "archive": 30.0}) == 5.0
    assert rate_for("archive:archive.ph", {"archive": 30.0}) == 30.0  # what the user gives beats a default


def test_a_request_under_way_goes_ahead_of_those_waiting_to_start_and_is_still_spaced():
    """An archived redirect hop runs against its memento's deadline: it must not queue behind every memento waiting
    to start, nor leave sooner than the rate allows."""
    clock = VirtualClock()
    gate = ServiceGate("ia-memento", "the Internet Archive", 60, clock)
    order: list[tuple[str, float]] = []

    async def ask(name: str, under_way: bool = False) -> None:
        await gate.turn(under_way=under_way)
        order.append((name, clock.monotonic()))

    async def run():
        starting = [asyncio.create_task(ask(f"memento {n}")) for n in range(5)]
        await asyncio.sleep(0)
        await ask("hop", under_way=True)
        await asyncio.gather(*starting)

    asyncio.run(run())
    names = [name for name, _ in order]
    assert names.index("hop") < 3  # not behind the mementos waiting to start
    times = sorted(t for _, t in order)
    assert all(later - earlier >= 1.0 for earlier, later in zip(times, times[1:]))
