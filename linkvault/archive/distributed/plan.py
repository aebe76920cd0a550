"""The run's plan in Redis: what a queued run's workers fetch with that is too secret for every message, a session's
cookies (`--cookies`) and the vantage points' proxies (`--vantage`, credentials and all).

One key per run, named for the run alone (never for a cookie or proxy), its value the session and vantage options as
JSON (`wire`): readable by whoever can read the queue's Redis, as the messages are (keep it private, behind a password;
see README). Written before the first URL is enqueued, deleted when the run ends; a run interrupted leaves it for
the workers still capturing its URLs, and it expires a day later. Workers read it once per run, hold it in memory,
and log nothing of it; the vault records the account's label and cookie names, never a value, as a single run does.
"""

from __future__ import annotations

import dataclasses
import json

from dramatiq.brokers.redis import RedisBroker

from linkvault.archive.cookies import Session
from linkvault.archive.distributed.broker import NAMESPACE
from linkvault.archive.distributed.wire import WireError, payload, read
from linkvault.archive.fetcher import FetchOptions
from linkvault.archive.vantage import VantageOptions

KEPT = 86400  # seconds an interrupted run's plan waits for its workers


def _key(run: str) -> str:
    return f"{NAMESPACE}:plan:{run}"


def keep_plan(broker: RedisBroker, run: str, options: FetchOptions) -> bool:
    """Put the run's session and vantage points where its workers find them; whether it has any."""
    if options.session is None and not options.vantage.active:
        return False
    plan = payload("plan", session=options.session, vantage=options.vantage)
    broker.client.set(_key(run), json.dumps(plan, ensure_ascii=False), ex=KEPT)
    return True


def drop_plan(broker: RedisBroker, run: str) -> None:
    broker.client.delete(_key(run))


def with_plan(broker: RedisBroker, run: str, options: FetchOptions) -> FetchOptions | None:
    """`options` with the run's session and vantage points; None when the plan is gone (expired, or Redis lost it).
    A plan that is not linkvault's JSON is a WireError (never read as anything else)."""
    raw = broker.client.get(_key(run))
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        raise WireError(f"the plan {_key(run)} is not JSON") from None
    plan = read([value], "plan", {"session": Session | None, "vantage": VantageOptions})
    return dataclasses.replace(options, session=plan["session"], vantage=plan["vantage"])
