"""The Redis broker a run and its workers share, its queue names, and what travels on them.

Dramatiq's RedisBroker holds each message until it is acked: a worker that stops sending heartbeats for
`heartbeat_timeout` is taken for dead, and another consumer of its queues puts its unacked messages back. Messages
are Dramatiq's JSON (its default encoder, set again here so nothing else configures pickle), their payloads
linkvault's JSON (`wire`); one that is neither is refused: dead-lettered, said, never run.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import time
import typing
import zlib
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

import dramatiq
import dramatiq.errors
import redis
from dramatiq import Message
from dramatiq.broker import MessageProxy
from dramatiq.brokers.redis import RedisBroker, _RedisConsumer

from linkvault.archive.distributed.wire import WireError
from linkvault.archive.egress_policy import shown
from linkvault.errors import EnvironmentFailure, UsageError

if typing.TYPE_CHECKING:
    import tldextract

T = TypeVar("T")

SHARDS = 16  # queues the registrable domains are spread over; each is consumed by one worker at a time
NAMESPACE = "linkvault"
CAPTURE_ACTOR = "linkvault.capture"
STORE_ACTOR = "linkvault.store"
SHOOT_ACTOR = "linkvault.screenshot"
SHOTS_ACTOR = "linkvault.store_screenshots"
SHOTS_QUEUE = "linkvault.screenshots"  # pages to screenshot, for the workers with a browser (worker --screenshots)
SHOOTERS = f"{NAMESPACE}:shooters"  # those workers, by their last heartbeat
HEARTBEAT = 60.0  # seconds a silent worker is taken for alive, unless --heartbeat (or LINKVAULT_QUEUE_HEARTBEAT) says
MAINTENANCE_CHANCE = 50_000  # in a million dispatches: how often a consumer looks for dead workers' messages
RETRY_PAUSE = 0.25  # seconds between tries while Redis does not answer
# What Redis going away looks like, from its client and from Dramatiq's consumers
# (Dramatiq 2 calls its error BrokerConnectionError; the old name still works there, with a warning)
_BROKER_DOWN = getattr(dramatiq.errors, "BrokerConnectionError", None) or dramatiq.errors.ConnectionError
QUEUE_ERRORS = (redis.ConnectionError, redis.TimeoutError, _BROKER_DOWN)


def heartbeat_or_default(heartbeat: float | None = None) -> float:
    """The heartbeat given, else LINKVAULT_QUEUE_HEARTBEAT's, else 60 s."""
    return heartbeat or float(os.environ.get("LINKVAULT_QUEUE_HEARTBEAT") or HEARTBEAT)


def heartbeat_of(broker: RedisBroker) -> float:
    """The run's heartbeat (seconds): how long a silent worker is taken for alive, its shards and messages held."""
    return broker.heartbeat_timeout / 1000


class PatientRedis(redis.StrictRedis):
    """Redis's client, each command tried again while Redis does not answer, for `patience` seconds from the first
    failure (a heartbeat: as long as the others take a silent worker for alive); then the error stands, at once
    for every later command until Redis answers again."""

    patience = 0.0
    down_since = 0.0

    def execute_command(self, *args, **options):
        return self.retrying(functools.partial(super().execute_command, *args, **options))

    def retrying(self, call: Callable[[], T]) -> T:
        """`call()` (some Redis round trips: a command, a pipeline), tried again within an outage's patience."""
        while True:
            try:
                answer = call()
            except QUEUE_ERRORS as exc:
                now = time.monotonic()
                self.down_since = self.down_since or now
                if now - self.down_since >= self.patience:
                    raise exc from None
                time.sleep(RETRY_PAUSE)
            else:
                self.down_since = 0.0
                return answer


class TimelyBroker(RedisBroker):
    """Dramatiq's Redis broker, whose consumers put a dead worker's messages back within about a heartbeat of its
    death. Dramatiq leaves that look to chance (MAINTENANCE_CHANCE of dispatches), so on quiet queues a killed
    worker's pages could wait many heartbeats; here each process also looks once every half heartbeat."""

    _looked = 0.0  # time.monotonic() of this process's last look for dead workers

    @property
    def consumer_class(self):
        return RefusingConsumer

    def _should_do_maintenance(self, command: str) -> int:
        now = time.monotonic()
        if command not in ("ack", "nack") and now - self._looked >= self.heartbeat_timeout / 2000:
            self._looked = now
            return 1
        return super()._should_do_maintenance(command)


def connect(url: str, heartbeat: float | None = None) -> RedisBroker:
    """The broker at `url` (redis://HOST:PORT/N), with the run's heartbeat; a usage error for another scheme or
    no Redis there. Later, a Redis that stops answering is waited for a heartbeat (see `queue_down`)."""
    if urlsplit(url).scheme not in ("redis", "rediss", "unix"):
        raise UsageError(f"--queue {url!r}: give a Redis URL, such as redis://127.0.0.1:6379/0")
    heartbeat = heartbeat_or_default(heartbeat)
    if type(dramatiq.get_encoder()) is not dramatiq.JSONEncoder:  # Dramatiq's default: never a pickle on the wire
        dramatiq.set_encoder(dramatiq.JSONEncoder())
    client = PatientRedis.from_url(url, socket_connect_timeout=10, socket_timeout=max(30.0, heartbeat))
    broker = TimelyBroker(client=client, namespace=NAMESPACE, heartbeat_timeout=int(heartbeat * 1000),
                         maintenance_chance=MAINTENANCE_CHANCE)
    try:
        broker.client.ping()
    except redis.RedisError as exc:
        raise UsageError(f"--queue {url!r}: no Redis answers there ({exc})") from exc
    client.patience = heartbeat
    return broker


def queue_down(url: str, exc: BaseException) -> EnvironmentFailure:
    """The one line a worker or a queued run stops with when its Redis has stopped answering."""
    return EnvironmentFailure(f"--queue {shown(url)!r}: Redis stopped answering and did not come back within the "
                              f"heartbeat ({exc}); start it again, then run this again")


@functools.lru_cache(maxsize=1)
def _extract() -> tldextract.TLDExtract:
    # The public-suffix list bundled with tldextract, never fetched: a worker needs no network of its own for it.
    # Imported here: only the run shards URLs, and tldextract (with requests) is a tenth of a worker's start-up.
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def registrable_domain(url: str) -> str:
    """eTLD+1 of the URL's host (news.example.co.uk → example.co.uk); an address or a bare name as it is."""
    host = (urlsplit(url).hostname or "").lower()
    return _extract()(host).top_domain_under_public_suffix or host


def shard_of(url: str) -> int:
    """The shard a URL's site lives on: every host of one registrable domain on the same one."""
    return zlib.crc32(registrable_domain(url).encode("utf-8")) % SHARDS


def shard_queue(shard: int) -> str:
    return f"linkvault.shard.{shard:02d}"


def vault_queue(vault: str) -> str:
    """The queue a vault's rows wait on until a run into it stores them (the vault's name on the queue)."""
    return f"linkvault.vault.{vault}"


def outstanding_key(vault: str) -> str:
    """The URLs enqueued for a vault and not stored yet, each with the run that enqueued it."""
    return f"{NAMESPACE}:vault:{vault}:outstanding"


# A queue's messages its other consumers hold unacked, back on it (KEYS: the queue and its messages; ARGV: the pattern
# of its consumers' ack sets and this consumer's own, left alone), as Dramatiq's look for dead consumers does
TAKE_BACK = """
local taken = 0
for _, acks in ipairs(redis.call('keys', ARGV[1])) do
  if acks ~= ARGV[2] then
    for _, id in ipairs(redis.call('smembers', acks)) do
      if redis.call('hexists', KEYS[2], id) == 1 then
        redis.call('rpush', KEYS[1], id)
        taken = taken + 1
      end
    end
    redis.call('del', acks)
  end
end
return taken
"""


def take_back(broker: RedisBroker, queue: str) -> int:
    """The messages of `queue` other consumers hold unacked, back on it now, not a heartbeat after they fell silent:
    on a queue one process alone consumes (a vault's: the run holding the vault's lock), they are a killed one's."""
    prefix = f"{broker.namespace}:"
    return int(broker.client.eval(TAKE_BACK, 2, f"{prefix}{queue}", f"{prefix}{queue}.msgs",
                                  f"{prefix}__acks__.*.{queue}", f"{prefix}__acks__.{broker.broker_id}.{queue}"))


def message(queue: str, actor: str, *args: object) -> Message:
    return Message(queue_name=queue, actor_name=actor, args=args, kwargs={}, options={})


class Refused(WireError):
    """A message on `queue` that is not one linkvault sent: moved to the queue's dead letters, never run."""

    def __init__(self, queue: str, why: str):
        super().__init__(f"refused a message on {queue} that linkvault did not send ({why}); it was not run, and "
                         f"waits in Redis with the queue's dead letters")
        self.queue = queue


class RefusingConsumer(_RedisConsumer):
    """Dramatiq's Redis consumer, which raises `Refused` for a message it cannot decode (not Dramatiq's JSON: garbage,
    a pickle) after moving it to the dead letters, where Dramatiq's own consumer would raise on it again and again."""

    def __next__(self) -> MessageProxy | None:
        try:
            return super().__next__()
        except dramatiq.errors.DecodeError as exc:
            raw = exc.data.encode("utf-8") if isinstance(exc.data, str) else exc.data
            self._dead_letter(lambda body: body == raw)
            raise Refused(self.queue_name, "not a Dramatiq JSON message") from None

    def refuse(self, proxy: MessageProxy, why: str) -> Refused:
        """Move a message decoded but not linkvault's to the dead letters (found by its body: its options, where
        Dramatiq keeps its id in Redis, are the sender's word); the error to say."""
        self.queued_message_ids.discard(proxy.message_id)
        self._dead_letter(lambda body: _message_id(body) == proxy.message_id)
        return Refused(self.queue_name, why)

    def _dead_letter(self, matches: Callable[[bytes], bool]) -> None:
        """The messages this consumer holds whose body `matches`, to the queue's dead letters."""
        client, prefix = self.broker.client, f"{self.broker.namespace}:"
        held = list(client.smembers(f"{prefix}__acks__.{self.broker.broker_id}.{self.queue_name}"))
        bodies = client.hmget(f"{prefix}{self.queue_name}.msgs", held) if held else []
        for redis_id, body in zip(held, bodies):
            if body is not None and matches(body):
                self.broker.do_nack(self.queue_name, redis_id.decode("ascii", "replace"))


def _message_id(body: bytes) -> object:
    with contextlib.suppress(ValueError, AttributeError):
        return json.loads(body).get("message_id")
    return None
