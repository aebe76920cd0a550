"""`linkvault worker`: captures the URLs queued on the shards it leases, with a single run's functions.

Each URL is fetched, judged and written into this worker's own WARC files (named for its host and process) by
`capture_and_judge`, its vault rows kept as calls (`VaultOps`). Every little while, and whenever it runs dry, the
worker closes its WARC file and sends the finished URLs' rows to their run's vault queue; only then are their
messages acked. A worker killed before that leaves an `.open` file (recovered by the next run into the vault) and
unacked messages, which Dramatiq gives to another worker once this one's heartbeat is a heartbeat old: a URL is
stored once, whoever captured it. A Redis that stops answering is waited for a heartbeat; then the worker stops
with one line (`queue_down`), its WARC files closed, its messages left for another worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sqlite3
import threading
import time
import typing
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from dramatiq.broker import Consumer, MessageProxy

from linkvault._version import __version__
from linkvault.archive.distributed.broker import (
    QUEUE_ERRORS,
    SHOOTERS,
    SHOTS_ACTOR,
    SHOTS_QUEUE,
    STORE_ACTOR,
    RefusingConsumer,
    connect,
    heartbeat_of,
    message,
    queue_down,
    shard_queue,
)
from linkvault.archive.distributed.limits import PoliteFetcher, QueueGone, ShardLeases
from linkvault.archive.distributed.plan import with_plan
from linkvault.archive.distributed.status import RunProgress
from linkvault.archive.distributed.vault_ops import CaptureTable, VaultOps, ops_to_wire
from linkvault.archive.distributed.wire import CAPTURE, SHOOT, WireError, options_of, payload, read
from linkvault.archive.egress_policy import shown
from linkvault.archive.judging import capture_and_judge, failed
from linkvault.archive.network_watch import NetworkWatch
from linkvault.archive.probes import Probes
from linkvault.archive.seal import Sealer
from linkvault.archive.warc import WarcRecorder, warcinfo
from linkvault.model import Capture, WorkerResult

FLUSH_EVERY = 2.0  # seconds at most between a URL finished and its rows sent (its WARC file closed first)
POLL = 100  # milliseconds a shard's consumer waits for a message before looking again
# Messages a shard's consumer holds per capture slot: a finished URL's stays unacked until the next flush, so a
# shard could otherwise take no more than `concurrency` URLs per FLUSH_EVERY, however fast its sites answer.
PREFETCH = 4


SHOT = -1  # the screenshot queue, among a worker's shards


def _queue_of(shard: int) -> str:
    return SHOTS_QUEUE if shard == SHOT else shard_queue(shard)


@dataclass
class _RunSide:
    """What this worker holds for one run: its fetcher and WARC recorder, and the finished URLs not yet sent."""

    run: str
    vault_queue: str
    recorder: WarcRecorder
    fetcher: PoliteFetcher
    probes: Probes
    probe_ops: VaultOps
    progress: RunProgress
    known: dict[str, tuple[str, str]]  # payloads the vault holds, by digest, as the run sent them with its URLs
    elsewhere: list[tuple[PoliteFetcher, Probes]]  # the run's other vantage points, each a fetcher of its own
    planless: bool  # the run's plan (session, vantage points) was not found: its URLs are not fetched without it
    done: list[tuple[str, Capture, list]] = field(default_factory=list)
    acks: list[tuple[int, MessageProxy]] = field(default_factory=list)
    sent: set[str] = field(default_factory=set)


class Worker:
    """One worker process: leases shards, consumes their queues (a thread each), captures in its event loop."""

    def __init__(self, queue: str, vault_dir: str, *, concurrency: int = 16, idle_exit: float | None = None,
                 screenshots: bool = False, heartbeat: float | None = None,
                 on_refused: Callable[[str], None] | None = None):
        self.queue, self.broker = queue, connect(queue, heartbeat)
        self.heartbeat = heartbeat_of(self.broker)
        self.warc_dir = os.path.join(vault_dir, "warc")
        host = "".join(c if c.isalnum() or c in "-." else "-" for c in socket.gethostname())
        self.label = f"{host}-{os.getpid()}"
        self.leases = ShardLeases(self.broker, f"{self.label}-{uuid.uuid4().hex[:6]}")
        self.concurrency, self.idle_exit, self.screenshots = concurrency, idle_exit, screenshots
        self.runs: dict[str, _RunSide] = {}
        self.consumers: dict[int, tuple[Consumer, threading.Event]] = {}
        self.jobs: set[asyncio.Task] = set()
        self.result = WorkerResult()
        self._stop = threading.Event()
        self.failure: BaseException | None = None  # Redis gone for a heartbeat: the worker stops, saying so
        self.on_refused = on_refused or (lambda line: None)  # told of each message refused (never run)

    def run(self) -> WorkerResult:
        """Serve until SIGTERM/SIGINT (or `idle_exit` seconds with nothing to do); the WARC closed, rows sent."""
        os.makedirs(self.warc_dir, exist_ok=True)
        try:
            asyncio.run(self._serve())
        except QUEUE_ERRORS as exc:
            self._fail(exc)
        finally:
            self._stop.set()
            if self.failure is None:
                self.leases.release()
                self.broker.client.zrem(SHOOTERS, self.leases.worker_id)
        if self.failure is not None:
            raise queue_down(self.queue, self.failure)
        return self.result

    def _fail(self, exc: BaseException) -> None:
        """Redis did not answer within a heartbeat: stop taking work (what is taken stays unacked, for another)."""
        self.failure = self.failure or exc
        self._stop.set()

    async def _serve(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self._stopping, signum)
        self.slots = asyncio.Semaphore(self.concurrency)
        self.inbox: asyncio.Queue = asyncio.Queue()
        try:
            try:
                await self._take(loop)
            except QUEUE_ERRORS as exc:
                self._fail(exc)
            while self.jobs:  # finishing what it holds, it stays alive for the broker (no message is handed on twice)
                self._heartbeat()
                await asyncio.wait(set(self.jobs), timeout=min(1.0, self.heartbeat / 4))
            if self.failure is None:
                self._flush()
                self._give_back()
        finally:
            for side in self.runs.values():
                side.recorder.close()
                for fetcher in (side.fetcher, *(other for other, _ in side.elsewhere)):
                    await fetcher.aclose()

    async def _take(self, loop: asyncio.AbstractEventLoop) -> None:
        """Take messages and capture them until stopped (or idle that long), sending what is done as it goes."""
        last_lease = last_flush = idle_since = 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            if now - last_lease >= min(1.0, self.heartbeat / 4):
                self._lease(loop)
                last_lease = now
            try:
                shard, proxy = await asyncio.wait_for(self.inbox.get(), POLL / 1000)
            except asyncio.TimeoutError:
                pass
            else:
                task = asyncio.ensure_future(self._job(shard, proxy))
                self.jobs.add(task)
                task.add_done_callback(self.jobs.discard)
            pending = any(side.done for side in self.runs.values())
            if pending and (not self.jobs or now - last_flush >= FLUSH_EVERY):
                self._flush()
                last_flush = now
            busy = self.jobs or not self.inbox.empty() or pending
            idle_since = 0.0 if busy else idle_since or now
            if self.idle_exit is not None and idle_since and now - idle_since >= self.idle_exit:
                self.result.stopped_by = "idle"
                break

    def _give_back(self) -> None:
        """Messages taken but not started go back to their queues now, not a heartbeat after this worker is gone."""
        while not self.inbox.empty():
            shard, proxy = self.inbox.get_nowait()
            if shard in self.consumers:
                self.consumers[shard][0].requeue([proxy])

    def _stopping(self, signum: int) -> None:
        self.result.stopped_by = signal.Signals(signum).name
        self._stop.set()

    def _lease(self, loop: asyncio.AbstractEventLoop) -> None:
        """Renew this worker's shards and heartbeat; start consuming new shards, stop consuming shards let go."""
        busy = {shard for side in self.runs.values() for shard, _ in side.acks} | {
            shard for shard, (consumer, _) in self.consumers.items() if getattr(consumer, "outstanding_message_count", 0)}
        if self.screenshots:  # a worker with a browser takes pages to screenshot, not sites to fetch
            self.broker.client.execute_command("ZADD", SHOOTERS, time.time(), self.leases.worker_id)
        held = [SHOT] if self.screenshots else self.leases.refresh(busy)
        self._heartbeat()
        for shard in set(self.consumers) - set(held):
            self.consumers.pop(shard)[1].set()
        for shard in set(held) - set(self.consumers):
            consumer = self.broker.consume(_queue_of(shard), prefetch=1 if shard == SHOT else self.concurrency * PREFETCH,
                                           timeout=POLL)
            stop = threading.Event()
            self.consumers[shard] = (consumer, stop)
            threading.Thread(target=self._pull, args=(shard, consumer, stop, loop), daemon=True,
                             name=f"linkvault-shard-{shard:02d}").start()

    def _heartbeat(self) -> None:
        """The broker's heartbeat, however busy: a worker silent for a heartbeat is dead, its messages handed on."""
        if self.failure is None:
            self.broker.do_ack(_queue_of(SHOT if self.screenshots else 0), "heartbeat")

    def _pull(self, shard: int, consumer, stop: threading.Event, loop: asyncio.AbstractEventLoop) -> None:
        """A shard's consumer thread: each message it is given goes to the event loop's inbox."""
        # The loop gone (the worker stopping): a message taken stays unacked, handed on a heartbeat after this worker
        with contextlib.suppress(RuntimeError):
            while not (stop.is_set() or self._stop.is_set()):
                try:
                    proxy = next(consumer)
                except QUEUE_ERRORS as exc:
                    loop.call_soon_threadsafe(self._fail, exc)
                    return
                except WireError as exc:  # not even Dramatiq's: dead-lettered already
                    self.on_refused(f"--queue {shown(self.queue)!r}: {exc}")
                    continue
                if proxy is not None:
                    loop.call_soon_threadsafe(self.inbox.put_nowait, (shard, proxy))

    async def _job(self, shard: int, proxy: MessageProxy) -> None:
        """One message, read whole first: one that is not linkvault's is refused (said, dead-lettered), never run."""
        try:
            if shard == SHOT:
                sent = read(proxy.args, "shoot", SHOOT)
                side = self._side(sent["run"], sent["settings"], False, sent["reports"], sent["into"])
                return await self._shoot(proxy, side, sent["pages"])
            sent = read(proxy.args, "capture", CAPTURE)
            side = self._side(sent["run"], sent["settings"], sent["plan"], sent["reports"], sent["into"])
        except WireError as exc:
            return self._refuse(shard, proxy, exc)
        except QUEUE_ERRORS as exc:
            return self._fail(exc)
        side.known.update(sent["known"])
        await self._capture(shard, proxy, side, sent["url"])

    def _refuse(self, shard: int, proxy: MessageProxy, exc: WireError) -> None:
        if shard in self.consumers:
            exc = typing.cast(RefusingConsumer, self.consumers[shard][0]).refuse(proxy, str(exc))
        self.on_refused(f"--queue {shown(self.queue)!r}: {exc}")

    async def _capture(self, shard: int, proxy: MessageProxy, side: _RunSide, url: str) -> None:
        async with self.slots:
            ops = VaultOps()
            try:
                if self.failure is not None:
                    return  # taken before Redis went: left for another worker
                await asyncio.get_running_loop().run_in_executor(side.fetcher.redis, side.progress.started, url)
                if side.planless:  # never fetched without the run's account or vantage points: not checked
                    raise LookupError("the run's session and vantage points are no longer in Redis (a day after an "
                                      "interrupted run): fetch it again")
                capture = await capture_and_judge(side.fetcher, ops, side.probes, url, None,  # type: ignore[arg-type]
                                                  hold=NetworkWatch([]).may_be_ours, elsewhere=side.elsewhere)
            except (*QUEUE_ERRORS, QueueGone) as exc:
                return self._fail(exc)
            except (asyncio.CancelledError, OSError, sqlite3.Error):
                self._stop.set()  # this machine's trouble (a full disk): the message stays for another worker
                raise
            except Exception as exc:  # a fault of ours on this URL alone, as in a single run
                capture = failed(url, "handling it", exc)
                capture.collector = side.fetcher.options.collector
                ops.store_capture(capture, role="cited")
        side.done.append((url, capture, ops.ops))
        side.acks.append((shard, proxy))
        self.result.captured += 1

    async def _shoot(self, proxy: MessageProxy, side: _RunSide, pages: list) -> None:
        """Screenshot a batch of a run's pages as a single run does (`Sealer.shoot`), into this worker's WARC; the
        rows, records and notes go to the run at once."""
        ops, table = VaultOps(), CaptureTable()
        sealer = Sealer(ops, side.recorder, side.fetcher.options)  # type: ignore[arg-type]
        shot = await asyncio.get_running_loop().run_in_executor(None, sealer.shoot, pages)
        records = side.recorder.written
        side.recorder.close()
        written = [r for r in records if r[0] not in side.sent]
        side.sent.update(r[0] for r in written)
        calls = ops_to_wire(ops.ops, table)
        self.broker.enqueue(message(side.vault_queue, SHOTS_ACTOR, payload(
            "shots", run=side.run, captures=table.captures, ops=calls, written=written, shot=sorted(shot),
            notes=sealer.notes, count=sealer.screenshots)))
        self.consumers[SHOT][0].ack(proxy)
        self.result.captured += sealer.screenshots

    def _side(self, run: str, settings: dict, plan: bool, reports: list[str], vault_queue: str) -> _RunSide:
        if run not in self.runs:
            options = planned = options_of(settings)
            if plan:  # the run's session and vantage points, from its plan in Redis
                planned = with_plan(self.broker, run, options) or options
            info = warcinfo(reports, planned.as_record(), f"linkvault/{__version__}")
            ops, known = VaultOps(), dict[str, tuple[str, str]]()
            # An identical payload the vault holds for the URL is written as a revisit of it, as a single run does
            recorder = WarcRecorder(self.warc_dir, info, known.get, label=self.label)
            fetcher = PoliteFetcher(planned, recorder, __version__, self.broker)
            others = [PoliteFetcher(planned, recorder, __version__, self.broker, point)
                      for point in planned.vantage.points]
            self.runs[run] = _RunSide(run, vault_queue, recorder, fetcher, Probes(fetcher, ops), ops,  # type: ignore[arg-type]
                                      RunProgress(self.broker, run), known,
                                      [(other, Probes(other, ops)) for other in others],  # type: ignore[arg-type]
                                      planned is options and plan)
        return self.runs[run]

    def _flush(self) -> None:
        """Close each run's WARC file, send its finished URLs' rows and the file's records, then ack them."""
        for side in self.runs.values():
            if not side.done:
                continue
            records = side.recorder.written
            side.recorder.close()  # renamed from .open: every record the rows point at is in a closed file
            written = [r for r in records if r[0] not in side.sent]
            side.sent.update(r[0] for r in written)
            probe_ops, side.probe_ops.ops = side.probe_ops.ops, []
            table = CaptureTable()
            batch = [{"url": url, "capture": None if capture is None else table.ref(capture),
                      "ops": ops_to_wire(ops, table)} for url, capture, ops in [(None, None, probe_ops), *side.done]]
            looked = side.elsewhere  # what the run says once it has fetched: vantage points down, cookies set again
            self.broker.enqueue(message(side.vault_queue, STORE_ACTOR, payload(
                "store", run=side.run, captures=table.captures, batch=batch, written=written,
                down={other.vantage: other.down for other, _ in looked if other.down},
                echoed=sorted(side.fetcher.echoed))))
            for shard, proxy in side.acks:
                if shard in self.consumers:
                    self.consumers[shard][0].ack(proxy)
                else:  # the shard was let go meanwhile: ack on its queue all the same
                    self.broker.do_ack(_queue_of(shard), proxy.options["redis_message_id"])
            side.done, side.acks = [], []
