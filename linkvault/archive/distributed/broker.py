"""The Redis broker a run and its workers share, its queue names, and what travels on them.

Dramatiq's RedisBroker holds each message until it is acked: a worker that stops sending heartbeats for
`heartbeat_timeout` is taken for dead, and another consumer of its queues puts its unacked messages back.
"""

from __future__ import annotations

import base64
import functools
import os
import pickle
import zlib
from urllib.parse import urlsplit

import redis
import tldextract
from dramatiq import Message
from dramatiq.brokers.redis import RedisBroker

from linkvault.errors import UsageError

SHARDS = 16  # queues the registrable domains are spread over; each is consumed by one worker at a time
NAMESPACE = "linkvault"
CAPTURE_ACTOR = "linkvault.capture"
STORE_ACTOR = "linkvault.store"
SHOOT_ACTOR = "linkvault.screenshot"
SHOTS_ACTOR = "linkvault.store_screenshots"
SHOTS_QUEUE = "linkvault.screenshots"  # pages to screenshot, for the workers with a browser (worker --screenshots)
SHOOTERS = f"{NAMESPACE}:shooters"  # those workers, by their last heartbeat
# How long a silent worker is taken for alive (seconds): its shards and unacked messages wait that long.
HEARTBEAT = float(os.environ.get("LINKVAULT_QUEUE_HEARTBEAT", "60"))
MAINTENANCE_CHANCE = 50_000  # in a million dispatches: how often a consumer looks for dead workers' messages


def connect(url: str) -> RedisBroker:
    """The broker at `url` (redis://HOST:PORT/N), with the run's heartbeat; a usage error for another scheme."""
    if urlsplit(url).scheme not in ("redis", "rediss", "unix"):
        raise UsageError(f"--queue {url!r}: give a Redis URL, such as redis://127.0.0.1:6379/0")
    broker = RedisBroker(url=url, namespace=NAMESPACE, heartbeat_timeout=int(HEARTBEAT * 1000),
                         maintenance_chance=MAINTENANCE_CHANCE)
    try:
        broker.client.ping()
    except redis.RedisError as exc:
        raise UsageError(f"--queue {url!r}: no Redis answers there ({exc})") from exc
    return broker


@functools.lru_cache(maxsize=1)
def _extract() -> tldextract.TLDExtract:
    # The public-suffix list bundled with tldextract, never fetched: a worker needs no network of its own for it.
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


def vault_queue(run_id: str) -> str:
    return f"linkvault.vault.{run_id}"


def message(queue: str, actor: str, *args: object) -> Message:
    return Message(queue_name=queue, actor_name=actor, args=args, kwargs={}, options={})


def pack(value: object) -> str:
    """Captures as a message carries them. Pickle: the queue is the operator's own Redis (see README), and what a
    page said travels inside our records as data, never as code."""
    return base64.b64encode(zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))).decode("ascii")


def unpack(text: str) -> object:
    return pickle.loads(zlib.decompress(base64.b64decode(text)))
