"""Politeness across workers: each shard of sites is leased to one worker at a time, and every request takes a
slot of a per-host limiter in Redis too (`HostSlots`), so however many workers and reports there are, a host never
has more than `--per-host` requests of ours at once, and a dead worker's slots are free as soon as it is known dead.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import math
import time
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

from dramatiq.brokers.redis import RedisBroker

from linkvault.archive.distributed.broker import NAMESPACE, QUEUE_ERRORS, SHARDS, heartbeat_of
from linkvault.archive.fetcher import Fetcher, FetchOptions
from linkvault.archive.vantage import Vantage
from linkvault.archive.warc import WarcRecorder
from linkvault.archive.warc_recovery import RecordingFailed

SLOT_WAIT = 0.02  # seconds between tries for a host's slot another worker holds
REDIS_THREADS = 4
SLOTS_KEPT = 86_400_000  # ms a host's slots are kept after its last request: only to clear hosts long quiet
# A slot taken (KEYS[1]: the host's slots, each "WORKER SLOT"; KEYS[2]: Dramatiq's heartbeats; ARGV: this worker,
# the limit, now and the heartbeat in ms, how long the slots are kept, the new slot's name): a worker whose heartbeat
# has lapsed is dead (as Dramatiq takes it when it hands its messages on) and its slots are let go, in the same step
# that counts the live ones: no live two exceed it. The caller is heard from, as by any command of Dramatiq's: a worker
# back from a pause past its heartbeat takes a slot no other then counts out as a dead one's. Each slot is given back
# by its own name, so that worker gives back only what it still holds, never a slot taken since (in use uncounted).
TAKE = """
redis.call('zadd', KEYS[2], ARGV[3], ARGV[1])
local total = 0
for _, slot in ipairs(redis.call('hkeys', KEYS[1])) do
  local worker = string.match(slot, '^[^ ]+')
  local beat = redis.call('zscore', KEYS[2], worker)
  if worker ~= ARGV[1] and (not beat or tonumber(beat) < tonumber(ARGV[3]) - tonumber(ARGV[4])) then
    redis.call('hdel', KEYS[1], slot)
  else
    total = total + 1
  end
end
if total >= tonumber(ARGV[2]) then return 0 end
redis.call('hset', KEYS[1], ARGV[1] .. ' ' .. ARGV[6], 1)
redis.call('pexpire', KEYS[1], ARGV[5])
return 1
"""


class QueueGone(RecordingFailed):
    """Redis stopped answering while a request waited for its host's slot: the worker's trouble, never the URL's
    (a fetcher names any other exception as the URL's failure)."""


class HostSlots:
    """A host's requests in flight from all workers, each slot held by the worker (its Dramatiq id) that took it:
    a killed worker's slots are free once its heartbeat lapses, not when the host has been quiet for a while."""

    def __init__(self, broker: RedisBroker):
        self.client, self.worker, self.heartbeat_ms = broker.client, broker.broker_id, broker.heartbeat_timeout
        self.beats = f"{broker.namespace}:__heartbeats__"
        self._take = self.client.register_script(TAKE)

    def take(self, key: str, limit: int) -> str | None:
        """One slot of host `key` if fewer than `limit` are held by live workers (this one's counted): its name."""
        slot = uuid.uuid4().hex
        taken = self._take(keys=[f"{NAMESPACE}:slots:{key}", self.beats],
                           args=[self.worker, limit, int(time.time() * 1000), self.heartbeat_ms, SLOTS_KEPT, slot])
        return slot if taken else None

    def give(self, key: str, slot: str) -> None:
        """The slot `take` named, given back (gone already when this worker was taken for dead meanwhile)."""
        self.client.hdel(f"{NAMESPACE}:slots:{key}", f"{self.worker} {slot}")


class PoliteFetcher(Fetcher):
    """A run's fetcher in a worker: its own per-host slots, then the host's slot in Redis, shared by every worker."""

    def __init__(self, options: FetchOptions, recorder: WarcRecorder, version: str, broker: RedisBroker,
                 vantage: Vantage | None = None):
        super().__init__(options, recorder, version, vantage)
        self._network = f"@{vantage.name}" if vantage else ""  # another vantage point: another network's slots
        self.host_slots = HostSlots(broker)
        # Redis's client blocks: its round trips (a slot is a WATCH/MULTI transaction) run off the event loop
        self.redis = concurrent.futures.ThreadPoolExecutor(REDIS_THREADS, thread_name_prefix="linkvault-redis")

    def _host_slot(self, url: str):
        return self._slots(url)

    @contextlib.asynccontextmanager
    async def _slots(self, url: str) -> AsyncIterator[None]:
        parts = urlsplit(url)
        key = f"{parts.hostname}:{parts.port or parts.scheme}{self._network}"
        hosts, loop, limit = self.host_slots, asyncio.get_running_loop(), self.options.per_host
        async with super()._host_slot(url):
            try:  # a slot is a script, tried again while Redis does not answer, for a heartbeat
                while not (slot := await loop.run_in_executor(self.redis, hosts.client.retrying,
                                                              lambda: hosts.take(key, limit))):
                    await asyncio.sleep(SLOT_WAIT)
            except QUEUE_ERRORS as exc:
                raise QueueGone(str(exc)) from exc
            try:
                yield
            finally:
                await loop.run_in_executor(self.redis, hosts.client.retrying, lambda: hosts.give(key, slot))

    async def aclose(self) -> None:
        await super().aclose()
        self.redis.shutdown()


class ShardLeases:
    """The shards this worker consumes: a fair share of them (shards / live workers), each leased in Redis for a
    heartbeat's time and renewed while the worker lives. A shard is let go only when the worker holds nothing of it."""

    def __init__(self, broker: RedisBroker, worker_id: str):
        self.client, self.worker_id = broker.client, worker_id
        self.ttl_ms = int(heartbeat_of(broker) * 1000)
        self.held: list[int] = []
        self._workers = f"{NAMESPACE}:workers"

    def _key(self, shard: int) -> str:
        return f"{NAMESPACE}:shard:{shard:02d}"

    def refresh(self, busy: set[int]) -> list[int]:
        """Renew the leases, take free shards up to the fair share, give back extra idle ones; the shards held."""
        now = time.time() * 1000
        self.client.execute_command("ZADD", self._workers, now, self.worker_id)  # the same in every redis-py
        self.client.zremrangebyscore(self._workers, 0, now - self.ttl_ms)
        share = math.ceil(SHARDS / max(1, self.client.zcard(self._workers)))
        kept: list[int] = []
        for shard in self.held:
            mine = (self.client.get(self._key(shard)) or b"").decode() == self.worker_id
            if mine and (len(kept) < share or shard in busy):
                self.client.pexpire(self._key(shard), self.ttl_ms)
                kept.append(shard)
            elif mine:
                self.client.delete(self._key(shard))
        start = sum(map(ord, self.worker_id)) % SHARDS
        for shard in ((start + n) % SHARDS for n in range(SHARDS)):
            if len(kept) >= share:
                break
            if shard not in kept and self.client.set(self._key(shard), self.worker_id, px=self.ttl_ms, nx=True):
                kept.append(shard)
        self.held = kept
        return kept

    def release(self) -> None:
        """A worker stopping gives its shards back at once (a killed one's expire after a heartbeat)."""
        for shard in self.held:
            if (self.client.get(self._key(shard)) or b"").decode() == self.worker_id:
                self.client.delete(self._key(shard))
        self.client.zrem(self._workers, self.worker_id)
        self.held = []
