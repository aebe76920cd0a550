"""`python stop_at.py WHERE SIGNAL ARGS...`: `linkvault ARGS...` sending itself SIGNAL (INT or KILL) at WHERE, once,
so a test stops a queued run at the very step it pins rather than where a loaded machine happens to:
`stored`: the vault has just stored the first cited capture a worker sent (the rest of its rows not yet, nor Redis told);
`unmarking`: the run is about to tell Redis that the first URL is stored (no longer outstanding);
`acking-shots`: the run has stored a browser worker's first screenshots message and is about to ack it;
`redis-stalls`: the run has stored a worker's first message and is about to ack it, when its Redis stops answering
(the redis-server whose process id LINKVAULT_TEST_REDIS_PID gives is sent SIGSTOP)."""

from __future__ import annotations

import os
import signal
import sys

import redis

from linkvault.vault import Vault

where, name, sys.argv[1:] = sys.argv[1], sys.argv[2], sys.argv[3:]


def stop() -> None:
    os.kill(os.getpid(), getattr(signal, f"SIG{name}"))


if where == "stored":
    store_capture = Vault.store_capture

    def stored_then_stopped(self, capture, *, role, **kwargs):
        capture_id = store_capture(self, capture, role=role, **kwargs)
        if role == "cited":
            stop()
        return capture_id

    Vault.store_capture = stored_then_stopped  # type: ignore[method-assign]
elif where == "unmarking":
    execute_command = redis.StrictRedis.execute_command

    def stopped_before_unmarking(self, *args, **kwargs):
        if args[0] in ("EVALSHA", "EVAL", "HDEL") and any(str(a).endswith(":outstanding") for a in args[1:4]):
            stop()
        return execute_command(self, *args, **kwargs)

    redis.StrictRedis.execute_command = stopped_before_unmarking  # type: ignore[method-assign]
elif where == "acking-shots":
    from linkvault.archive.distributed.broker import SHOTS_ACTOR, RefusingConsumer

    ack = RefusingConsumer.ack

    def stopped_before_acking(self, proxy):
        if proxy.actor_name == SHOTS_ACTOR:
            stop()
        return ack(self, proxy)

    RefusingConsumer.ack = stopped_before_acking  # type: ignore[method-assign]
elif where == "redis-stalls":
    from linkvault.archive.distributed.broker import STORE_ACTOR, RefusingConsumer

    ack = RefusingConsumer.ack

    def stalled_before_acking(self, proxy):
        if proxy.actor_name == STORE_ACTOR:
            os.kill(int(os.environ["LINKVAULT_TEST_REDIS_PID"]), signal.SIGSTOP)
            stop()
        return ack(self, proxy)

    RefusingConsumer.ack = stalled_before_acking  # type: ignore[method-assign]
else:
    raise SystemExit(f"stop_at.py: no such point {where!r}")

from linkvault.cli import main  # noqa: E402 -- after the patch, as `python -m linkvault` would start

main()
