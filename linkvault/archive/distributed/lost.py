"""Outstanding URLs whose message is lost for good, told from those still on their way.

A URL a run waits for travels as a capture message on its site's shard, then as a store message on the vault's
queue; a worker sends the store message before it acks the capture message, so at every moment one of them is
live: held in its queue's messages and either queued or in a consumer's hands (an ack set, a dead worker's too:
Dramatiq puts those back). Looked for in that order (every shard, then the vault's queue), a URL found on neither
is lost: nothing moves a message back the other way, and the run, the vault queue's one consumer, takes nothing
meanwhile. Lost messages are dead-lettered (a worker of another version refused them), delayed (Dramatiq's delay
queues, which no linkvault worker consumes) or gone from Redis (flushed, or a Redis restarted without its data).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from dramatiq.brokers.redis import RedisBroker

from linkvault.archive.distributed.broker import shard_of, shard_queue


class MessageLost(Exception):
    """A URL's message no longer travels: the URL was not checked, for a fault of ours, never the link's."""


SCANNED = 1000  # messages read per round trip
# A queue's live message ids, in one step (nothing moves between its list and its consumers' hands meanwhile): its
# list (KEYS[1]) and every consumer's ack set of it (ARGV[1]: their pattern)
LIVE = """
local ids = redis.call('lrange', KEYS[1], 0, -1)
for _, acks in ipairs(redis.call('keys', ARGV[1])) do
  for _, id in ipairs(redis.call('smembers', acks)) do
    table.insert(ids, id)
  end
end
return ids
"""


def lost_messages(broker: RedisBroker, vault_queue: str, urls: Iterable[str]) -> dict[str, str]:
    """Of `urls` (outstanding for the vault whose queue is `vault_queue`), those no message in Redis will bring,
    each with what became of its message ("was dead-lettered on …")."""
    left = set(urls)
    for queue in [*sorted({shard_queue(shard_of(url)) for url in left}), vault_queue]:  # the vault's queue last
        left -= _live(broker, queue, vault_queue, left)
        if not left:
            return {}
    why: dict[str, str] = {}
    for queue in [vault_queue, *sorted({shard_queue(shard_of(url)) for url in left})]:
        for found in _named(broker, f"{queue}.XQ", vault_queue, left).values():
            why.update(dict.fromkeys(found, f"was dead-lettered on {queue} (refused: by a linkvault of another version?)"))
        for found in _named(broker, f"{queue}.DQ", vault_queue, left).values():
            why.update(dict.fromkeys(found, f"waits on {queue}.DQ, a delay queue no linkvault worker consumes"))
    return {url: why.get(url, "is no longer in Redis (flushed, or restarted without its data?)") for url in sorted(left)}


def _live(broker: RedisBroker, queue: str, vault_queue: str, urls: set[str]) -> set[str]:
    """The `urls` a live message of `queue` brings: read first, then checked live (a message acked in between has
    sent its store message before, which a later look at the vault's queue finds)."""
    named = _named(broker, queue, vault_queue, urls)
    if not named:
        return set()
    prefix = f"{broker.namespace}:"
    live = broker.client.eval(LIVE, 1, f"{prefix}{queue}", f"{prefix}__acks__.*.{queue}")
    return {url for redis_id in live for url in named.get(redis_id, ())}


def _named(broker: RedisBroker, queue: str, vault_queue: str, urls: set[str]) -> dict[bytes, set[str]]:
    """The messages held for `queue` (by their id in Redis) that name any of `urls` for the vault's queue."""
    named: dict[bytes, set[str]] = {}
    stores = queue == vault_queue or queue.startswith(f"{vault_queue}.")  # its delay or dead letters too: rows
    for redis_id, body in broker.client.hscan_iter(f"{broker.namespace}:{queue}.msgs", count=SCANNED):
        if found := _urls_of(body, vault_queue, stores) & urls:
            named[redis_id] = found
    return named


def _urls_of(body: bytes, vault_queue: str, stores: bool) -> set[str]:
    """The URLs a message names for the vault: a store message's batch (`stores`: on the vault's queue), else a
    capture message's URL sent into the vault's queue. Read leniently, only to find the URLs: a message no one can
    read names none, and stays where it is."""
    try:
        sent = json.loads(body)["args"][0]
        if stores:
            return {item["url"] for item in sent["batch"] if isinstance(item.get("url"), str)}
        return {sent["url"]} if sent.get("into") == vault_queue and isinstance(sent["url"], str) else set()
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return set()
