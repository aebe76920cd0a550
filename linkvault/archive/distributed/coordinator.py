"""A queued run (`fetch --queue`): planned, sealed and judged as a single run is, its URLs fetched by workers.

Only the fetching stage differs (`_fetch_all`): each URL is enqueued on its site's shard, then the run consumes its
vault queue as the single writer, replaying each finished URL's rows into the vault and hearing it as a single
run hears a URL done. WARC files killed workers left open are recovered into the vault, and the run's manifest
lists every record its workers wrote, so its timestamp covers them.
"""

from __future__ import annotations

import typing
from collections.abc import Callable

from linkvault.archive.distributed.broker import (
    CAPTURE_ACTOR,
    connect,
    message,
    shard_of,
    shard_queue,
    unpack,
    vault_queue,
)
from linkvault.archive.distributed.status import RunProgress
from linkvault.archive.distributed.vault_ops import replay
from linkvault.archive.distributed.worker import settings_of
from linkvault.archive.run import FetchRun
from linkvault.archive.warc import WarcRecorder, read_records
from linkvault.archive.warc_recovery import recover_open_files
from linkvault.errors import UsageError
from linkvault.parsing import report_key

POLL = 200  # milliseconds the run waits for a batch before looking again


def queued(queue: str) -> Callable[..., FetchRun]:
    """The run class `fetch_reports` builds for a run through `queue` (redis://HOST:PORT/N)."""

    def build(*args, **kwargs) -> FetchRun:
        return QueuedRun(queue, *args, **kwargs)

    return build


class QueuedRun(FetchRun):
    def __init__(self, queue: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.options.session is not None or self.options.vantage.active:
            raise UsageError("fetch --queue does not carry a session (--cookies) or vantage points (--vantage) "
                             "to its workers: fetch those reports without --queue")
        self.queue = queue
        self.broker = connect(queue)

    async def _fetch_all(self, urls: list[str], recorder: WarcRecorder) -> None:
        run = recorder.run_id.replace(":", "-")
        progress = RunProgress(self.broker, run)
        wanted = set(urls)
        progress.announce({report_key(c.report.path): sorted({u for n in c.report.footnotes for u in n.urls} & wanted)
                           for c in self.result.checks})
        settings, reports, into = settings_of(self.options), list(self.reports), vault_queue(run)
        for url in urls:
            self.broker.enqueue(message(shard_queue(shard_of(url)), CAPTURE_ACTOR, run, url, settings, reports, into))
        consumer = self.broker.consume(into, prefetch=1, timeout=POLL)
        waiting = set(urls)
        while waiting:
            proxy = next(consumer)
            if proxy is None:
                continue
            batch, written = typing.cast(tuple[list, list], unpack(proxy.args[1]))
            for url, capture, ops in batch:
                if url is not None and url not in waiting:
                    continue  # delivered twice (a worker killed between sending and acking): stored once
                replay(self.vault, ops)
                if url is not None:
                    waiting.discard(url)
                    self._finished(url, capture)
                    progress.stored(url, capture.ok)
            self.elsewhere += written
            consumer.ack(proxy)
        self._recover_workers_files()
        progress.finish()

    def _recover_workers_files(self) -> None:
        """WARC files of workers killed during the run, cut back to their last whole record, and listed in the run's
        manifest (what they hold that no row points at, a capture sent again by another worker, is sealed too)."""
        for path in recover_open_files(self.vault.warc_dir):
            self.result.recovered.append(path)
            with open(path, "rb") as fh:
                for record in read_records(fh, no_record_parse=True):
                    self.elsewhere.append((record.rec_headers.get_header("WARC-Record-ID"),
                                           record.rec_headers.get_header("WARC-Block-Digest")))
