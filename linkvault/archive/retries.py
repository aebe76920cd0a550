"""Retrying an exchange: only what is worth retrying, with tenacity.

Connect errors, resets, timeouts, 429 and 502/503/504 are tried again (honouring a capped `Retry-After`); never a 404,
never a proxy that is down. The first attempt is the fetcher's own, made before tenacity is (most succeed, and
tenacity's machinery cost a URL more than its provenance record did); a first attempt that failed for a passing reason
is handed here as tenacity's first outcome, so the waits, the retries and what `before_sleep` hears are as if tenacity
had made it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Protocol, TypeVar

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from linkvault.archive.failures import classify_exception

TRANSIENT_STATUS = (429, 502, 503, 504)


class Answered(Protocol):
    status: int
    headers: list[tuple[str, str]]


Exchange = TypeVar("Exchange", bound=Answered)


class TransientStatus(Exception):
    """An answer worth asking again for (429, 502, 503, 504), kept: the last one stands when the attempts run out."""

    def __init__(self, exchange: Answered):
        super().__init__(f"HTTP {exchange.status}")
        self.exchange = exchange


def transient(exc: BaseException, proxy: str | None = None) -> bool:
    """Worth another attempt: a site's passing trouble, never a proxy (sent through `proxy`) that is down."""
    if isinstance(exc, TransientStatus):
        return True
    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
        state = classify_exception(exc, "", proxy).state
        return state == "connection-error" or (state == "timeout" and isinstance(exc, httpx.ConnectTimeout))
    if isinstance(exc, (httpx.TimeoutException, httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError)):
        return True
    return False


def retry_after_seconds(headers: list[tuple[str, str]], cap: float) -> float | None:
    for key, value in headers:
        if key.lower() != "retry-after":
            continue
        value = value.strip()
        if value.isdigit():
            return min(float(value), cap)
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, min((when - datetime.now(timezone.utc)).total_seconds(), cap))
    return None


async def retrying(attempt: Callable[[], Awaitable[Exchange]], first: BaseException, *, url: str, proxy: str | None,
                   retries: int, backoff: float, retry_after_cap: float, retry_statuses: tuple[int, ...],
                   before_sleep: Callable[[RetryCallState], None]) -> Exchange:
    """The attempts after a first that failed with `first` (a transient failure): `attempt` makes each, up to
    `retries` more; the last answer stands, a failure is raised as its link state (FailedFetch)."""
    jittered = wait_exponential_jitter(multiplier=backoff, max=30 * backoff, jitter=backoff)

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None  # set: an attempt failed
        if isinstance(exc, TransientStatus):
            after = retry_after_seconds(exc.exchange.headers, retry_after_cap)
            if after is not None:
                return after
        return jittered(state)

    try:
        async for trying in AsyncRetrying(stop=stop_after_attempt(retries + 1), wait=wait,
                                          retry=retry_if_exception(lambda exc: transient(exc, proxy)),
                                          reraise=True, before_sleep=before_sleep):
            with trying:
                if trying.retry_state.attempt_number == 1:
                    raise first  # made already: its outcome is tenacity's first
                exchange = await attempt()
                if exchange.status in retry_statuses:
                    raise TransientStatus(exchange)
                return exchange
    except TransientStatus as exc:
        return exc.exchange  # type: ignore[return-value]  # the attempts' own exchange
    except httpx.HTTPError as exc:
        raise classify_exception(exc, url, proxy) from exc
    raise AssertionError("unreachable")
