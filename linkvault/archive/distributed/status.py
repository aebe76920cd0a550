"""A queued run's progress in Redis, per report: what is queued, in flight, done and failed.

The run announces each report's URLs, a worker marks a URL started, the run's writer marks it done (archived) or
failed once stored; sets, not counters, so a message delivered twice counts once."""

from __future__ import annotations

import time

from dramatiq.brokers.redis import RedisBroker

from linkvault.archive.distributed.broker import NAMESPACE, connect
from linkvault.model import ReportProgress

KEPT = 7 * 86400  # seconds a finished run's figures stay in Redis


def _key(run: str, *parts: str) -> str:
    return ":".join((NAMESPACE, "run", run, *parts))


def stored_key(run: str, archived: bool) -> str:
    """The set of a run's URLs stored as archived (done), or not (failed)."""
    return _key(run, "done" if archived else "failed")


class RunProgress:
    """One run's figures, as the run, its workers and `linkvault status` read and write them."""

    def __init__(self, broker: RedisBroker, run: str):
        self.client, self.run = broker.client, run

    def announce(self, urls_of: dict[str, list[str]]) -> None:
        """The run's reports and the URLs each has queued."""
        self.client.execute_command("ZADD", f"{NAMESPACE}:runs", time.time(), self.run)
        for report, urls in urls_of.items():
            self.client.rpush(_key(self.run, "reports"), report)
            if urls:
                self.client.sadd(_key(self.run, "urls", report), *urls)

    def started(self, url: str) -> None:
        self.client.sadd(_key(self.run, "started"), url)

    def stored(self, url: str, archived: bool) -> None:
        self.client.sadd(stored_key(self.run, archived), url)

    def finish(self) -> None:
        self.client.set(_key(self.run, "finished"), "1")
        for key in self.client.keys(_key(self.run, "*")):
            self.client.expire(key, KEPT)

    def read(self) -> list[ReportProgress]:
        finished = bool(self.client.get(_key(self.run, "finished")))
        started, done, failed = (self.client.smembers(_key(self.run, name)) for name in ("started", "done", "failed"))
        figures = []
        for raw in dict.fromkeys(self.client.lrange(_key(self.run, "reports"), 0, -1)):
            report = raw.decode("utf-8")
            urls = self.client.smembers(_key(self.run, "urls", report))
            n_done, n_failed = len(urls & done), len(urls & failed)
            in_flight = len(urls & started) - n_done - n_failed
            figures.append(ReportProgress(self.run, report, len(urls) - in_flight - n_done - n_failed, in_flight,
                                          n_done, n_failed, finished))
        return figures


def queue_status(queue: str, last: int = 10) -> list[ReportProgress]:
    """Every report of the `last` runs queued on the Redis at `queue`, newest run first."""
    broker = connect(queue)
    runs = broker.client.zrevrange(f"{NAMESPACE}:runs", 0, last - 1)
    return [figure for run in runs for figure in RunProgress(broker, run.decode("ascii")).read()]
