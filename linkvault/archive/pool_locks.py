"""httpcore's pool locks, events and cancel shields made of asyncio's own, not anyio's.

Under asyncio httpcore builds them from anyio: a lock taken around every request on a connection (anyio's yields to
the loop on each acquire, even a free one), an event for each request's connection (waited on under an anyio
timeout scope even when already set) and a cancel shield around each response's close (an anyio scope entered and
left). With the asyncio backend (asyncio_backend.py) nothing in the process uses anyio's cancel scopes, and anyio's
shield never held off asyncio's own cancellation (`task.cancel()`, `asyncio.timeout`: the only kind a linkvault task
sees), so asyncio's lock and event, and no shield, behave the same for a fraction of the CPU. Trio keeps httpcore's.
httpcore offers no hook for these; `use_asyncio_locks` swaps its three classes' set-up methods once, and leaves an
httpcore whose classes are not shaped as expected as it is.
"""

from __future__ import annotations

import asyncio
from typing import Any

from httpcore import PoolTimeout, _synchronization

_original: dict[str, Any] = {}


def use_asyncio_locks() -> None:
    """Make httpcore's AsyncLock, AsyncEvent and AsyncShieldCancellation asyncio's under asyncio (once a process)."""
    lock: Any = getattr(_synchronization, "AsyncLock", None)
    event: Any = getattr(_synchronization, "AsyncEvent", None)
    shield: Any = getattr(_synchronization, "AsyncShieldCancellation", None)
    if _original or not (hasattr(lock, "setup") and hasattr(event, "setup") and hasattr(event, "wait")
                         and hasattr(shield, "__enter__")):
        return
    _original.update(lock=lock.setup, event=event.setup, wait=event.wait, shield=shield.__init__)
    lock.setup, event.setup, event.wait, shield.__init__ = _lock_setup, _event_setup, _event_wait, _shield_init


def _lock_setup(self: Any) -> None:
    self._backend = _synchronization.current_async_library()
    if self._backend == "asyncio":
        self._anyio_lock = asyncio.Lock()  # acquire() and release() as anyio's, used by httpcore as anyio's
    else:
        _original["lock"](self)


def _event_setup(self: Any) -> None:
    self._backend = _synchronization.current_async_library()
    if self._backend == "asyncio":
        self._anyio_event = asyncio.Event()
    else:
        _original["event"](self)


async def _event_wait(self: Any, timeout: float | None = None) -> None:
    if not self._backend:
        self.setup()
    if self._backend != "asyncio":
        return await _original["wait"](self, timeout)
    event: asyncio.Event = self._anyio_event
    if event.is_set():
        return None
    try:
        async with asyncio.timeout(timeout):
            await event.wait()
    except TimeoutError as exc:
        raise PoolTimeout(exc) from exc
    return None


def _shield_init(self: Any) -> None:
    backend = _synchronization.current_async_library()
    if backend == "asyncio":
        self._backend = ""  # entered and left as nothing: httpcore acts only on "trio" and "asyncio"
    else:
        _original["shield"](self)
