"""Ctrl-C held while a queued run stores one message, for as long as the vault needs and a moment for Redis.

Heard halfway, Ctrl-C would leave a URL's rows in the vault with its message back on the queue; so it takes effect
once the message is stored and acked. The vault's part is local and short; Redis's (the URLs unmarked, the message
acked) is given GRACE seconds once Ctrl-C is heard, not the heartbeat a Redis that stopped answering is waited for:
then the run stops at once, and the next run is given the message again and stores nothing twice (`replay`).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator

GRACE = 2.0  # seconds Redis has, once Ctrl-C is heard, to hear what the vault stored
AGAIN = 0.05  # seconds between looks while the vault is still storing


class RedisTooSlow(KeyboardInterrupt):
    """Ctrl-C, acted on GRACE seconds after it was heard: Redis had not heard of the message stored meanwhile (it
    stays unacked, for the next run), and is not asked again on the way out."""


@contextlib.contextmanager
def ctrl_c_held(storing: Callable[[], bool]) -> Iterator[None]:
    """The block run with Ctrl-C held until it ends, or until Redis's GRACE seconds are over (counted from Ctrl-C,
    or from the end of the vault's transaction, `storing()`, if it was open then): then `RedisTooSlow` is raised
    there, cutting short a call Redis does not answer. Off the main thread no signal is heard, and nothing is held."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    heard: list[int] = []
    counting: list[bool] = []

    def wait() -> None:
        if storing():  # never cut short: looked at again in a moment
            signal.setitimer(signal.ITIMER_REAL, AGAIN)
        elif not counting:
            counting.append(True)
            signal.setitimer(signal.ITIMER_REAL, GRACE)
        else:
            raise RedisTooSlow

    def hear(signum: int, frame: object) -> None:
        if not heard:
            heard.append(signum)
            wait()

    previous, alarm = signal.signal(signal.SIGINT, hear), signal.signal(signal.SIGALRM, lambda signum, frame: wait())
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, alarm)
        signal.signal(signal.SIGINT, previous)
    if heard:
        signal.raise_signal(signal.SIGINT)
