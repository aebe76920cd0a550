"""A queued run whose messages are lost for good (dead-lettered, purged from Redis) does not wait for them forever:
it tells them from those still on their way, records their URLs as not checked (a fault of ours, never a verdict on
the link), says so and ends; the next run fetches them (a real redis-server, real `linkvault worker` processes)."""

from __future__ import annotations

import json
import sqlite3
import time

import redis
from redis_server import start_worker, stop_workers
from test_distributed import _cited, _fetch, _outstanding, _sites, _wait_for, _warcs_hold, queue, server  # noqa: F401

from linkvault.archive.distributed.broker import RefusingConsumer, connect, shard_of, shard_queue


def _dead_letter(redis_url: str, url: str) -> str:
    """The capture message of `url` refused as a worker refuses one it cannot read (another version's): taken from
    its shard and moved to the shard's dead letters by Dramatiq's nack. The shard's queue."""
    broker = connect(redis_url)
    name = shard_queue(shard_of(url))
    consumer = broker.consume(name, prefetch=1, timeout=100)
    deadline = time.monotonic() + 30
    while (proxy := next(consumer)) is None:
        assert time.monotonic() < deadline, "the URL's message never came"
    assert proxy.args[0]["url"] == url  # the shard's one message
    assert isinstance(consumer, RefusingConsumer)
    consumer.refuse(proxy, "version 2, not 1")
    return name


def test_a_url_whose_message_is_lost_is_not_waited_for_forever_but_not_checked_and_fetched_next_time(
        fakeweb, queue, tmp_path):  # noqa: F811
    """Of four URLs enqueued, one's message is dead-lettered, one's purged from its queue, and one's mark in Redis
    deleted (its message, when it comes, is taken for one stored before); the fourth is slow, in a worker's hands
    while the run looks for lost messages. The run gives the three up after a heartbeat with nothing arriving: each
    `unknown` (not checked, saying what became of its message), never dead; their marks cleared and counted failed;
    the slow one archived. The next run fetches the three; each URL stored once per fetch."""
    hosts = ["lost-0.kz", "lost-1.kz", "lost-2.kz", "lost-3.kz"]  # on four shards: one of the run's messages each
    assert len({shard_of(f"https://{host}/") for host in hosts}) == 4
    _, report = _sites(fakeweb, hosts, 1, 6.0, tmp_path, "lost")  # 6 s a page: three heartbeats in the worker's hands
    slow, dead_lettered, purged, unmarked = (f"https://{host}/news/lost-0" for host in hosts)
    client = redis.StrictRedis.from_url(queue)
    vault = tmp_path / "vault"
    run = _fetch(vault, fakeweb, str(report), queue=queue, wait=False)
    try:  # no worker is up yet: the three wait on their shards
        _wait_for("the URLs enqueued", lambda: _outstanding(queue) == 4 or run.poll() is not None)
        dead_letters = _dead_letter(queue, dead_lettered)
        connect(queue).flush(shard_queue(shard_of(purged)))  # as Dramatiq's purge of a queue does
        [marks] = client.keys("linkvault:vault:*:outstanding")
        client.hdel(marks, unmarked)
        worker = start_worker(queue, vault, tmp_path / "worker.log")
        try:
            out, err = run.communicate(timeout=120)
        finally:
            stop_workers([worker])
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 1, err
    notes = {item["url"]: item for item in json.loads(out)["reports"][0]["footnotes"]}
    assert notes[slow]["state"] == "ok"
    assert {notes[url]["state"] for url in (dead_lettered, purged, unmarked)} == {"unknown"}, notes
    with sqlite3.connect(vault / "linkvault.db") as db:
        detail = dict(db.execute("select url, error_detail from captures where role = 'cited' and error is not null"))
    assert detail[dead_lettered].endswith(f"its message on the queue was dead-lettered on {dead_letters} (refused: "
                                          "by a linkvault of another version?)"), detail
    assert "its message on the queue is no longer in Redis" in detail[purged], detail
    assert "its message on the queue is no longer marked in Redis as on its way" in detail[unmarked], detail
    said = [line for line in err.splitlines() if "not checked, their message" in line]
    assert len(said) == 3 and all(line.startswith(f"linkvault: note: --queue '{queue}': 1 URL(s) not checked")
                                  for line in said), err
    assert not _outstanding(queue)
    [failed] = [key for key in client.keys("linkvault:run:*:failed")]
    assert client.smembers(failed) == {dead_lettered.encode(), purged.encode(), unmarked.encode()}
    worker = start_worker(queue, vault, tmp_path / "worker2.log")
    try:
        again = _fetch(vault, fakeweb, str(report), queue=queue)
    finally:
        stop_workers([worker])
    assert again.returncode == 0, again.stderr
    assert [fakeweb.hits(url) for url in (slow, dead_lettered, purged)] == [1, 1, 1]  # fetched once each, at last
    assert fakeweb.hits(unmarked) == 2  # its first capture was never stored
    assert sorted(_cited(vault)) == sorted([slow, dead_lettered, dead_lettered, purged, purged, unmarked, unmarked])
    _warcs_hold(vault)
