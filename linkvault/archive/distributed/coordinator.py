"""A queued run (`fetch --queue`): planned, sealed and judged as a single run is, its URLs fetched by workers.

Only the fetching and screenshot stages differ. Each URL is enqueued on its site's shard (with the vault's payload
digests for it, and the run's session and vantage points in its plan, `plan`), then the run consumes the vault's
queue as the single writer, replaying each finished URL's rows into the vault and hearing it as a single run hears a
URL done. Redis remembers each URL enqueued for the vault until a run stores it: a run interrupted or killed leaves
its workers' rows waiting on the vault's queue, and the next run into the vault stores them before it plans (a
message delivered again stores nothing the vault holds: `replay`) and does not enqueue those URLs still on their
way; one whose message is lost for good (dead-lettered, gone from Redis: `lost`) is recorded as not checked once
nothing has arrived for a heartbeat, not waited for forever. Screenshots go on their own queue when a worker with a
browser is up (`worker --screenshots`), in batches, so the browsers are as many as those workers; with none, the run
takes them itself. WARC files killed workers left open are recovered into the vault, and the run's manifest lists
every record its workers wrote, so its timestamp covers them. The timestamp stays with the run: one manifest, one
request to each authority.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
import typing
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta

from dramatiq.broker import MessageProxy

from linkvault.archive.distributed.broker import (
    CAPTURE_ACTOR,
    QUEUE_ERRORS,
    SHOOT_ACTOR,
    SHOOTERS,
    SHOTS_ACTOR,
    SHOTS_QUEUE,
    STORE_ACTOR,
    RefusingConsumer,
    connect,
    heartbeat_of,
    message,
    outstanding_key,
    queue_down,
    shard_of,
    shard_queue,
    take_back,
    vault_queue,
)
from linkvault.archive.distributed.held import RedisTooSlow, ctrl_c_held
from linkvault.archive.distributed.lost import MessageLost, lost_messages
from linkvault.archive.distributed.plan import drop_plan, keep_plan
from linkvault.archive.distributed.status import RunProgress, stored_key
from linkvault.archive.distributed.vault_ops import ops_from_wire, replay
from linkvault.archive.distributed.wire import SHOTS, STORE, WireError, decode, payload, read, settings_of
from linkvault.archive.egress_policy import shown
from linkvault.archive.run import FetchRun, fetching_notes
from linkvault.archive.seal import Sealer
from linkvault.archive.warc import WarcRecorder, read_records
from linkvault.archive.warc_recovery import recover_open_files
from linkvault.model import Capture, FetchResult
from linkvault.parsing import report_key

POLL = 200  # milliseconds the run waits for a batch before looking again
SHOTS_PER_MESSAGE = 10  # pages a browser worker takes at once (one browser start for them)
MARKED_AT_ONCE = 50  # URLs enqueued, then marked outstanding in one round trip
QUEUE_ID = ".queue-id"  # in the vault: its name on the queue, shared by every run into it
# A URL stored: no longer outstanding (KEYS[1]), counted done or failed for its run (KEYS[2]); one round trip
STORED = "redis.call('hdel', KEYS[1], ARGV[1]); redis.call('sadd', KEYS[2], ARGV[1])"


def queued(queue: str, heartbeat: float | None = None) -> Callable[..., FetchRun]:
    """The run class `fetch_reports` builds for a run through `queue` (redis://HOST:PORT/N)."""

    def build(*args, **kwargs) -> FetchRun:
        return QueuedRun(queue, heartbeat, *args, **kwargs)

    return build


def vault_name(directory: str) -> str:
    """The vault's name on the queue, kept in it (random, made by its first queued run): the runs into one vault
    share the queue their workers send rows to, so what workers finish after a run was interrupted waits there for
    the next run, wherever the vault is mounted."""
    path = os.path.join(directory, QUEUE_ID)
    with contextlib.suppress(FileNotFoundError), open(path, encoding="ascii") as fh:
        if name := fh.read().strip():
            return name
    name = uuid.uuid4().hex
    with open(path, "w", encoding="ascii") as fh:
        fh.write(name + "\n")
    return name


class QueuedRun(FetchRun):
    def __init__(self, queue: str, heartbeat: float | None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.queue_url, self.broker = queue, connect(queue, heartbeat)
        self.writer = vault_name(self.vault.directory)
        self.outstanding = outstanding_key(self.writer)  # URLs enqueued for this vault, not stored yet: by run
        self._unmark = self.broker.client.register_script(STORED)
        self.run_id = ""
        self.consumer: RefusingConsumer | None = None
        self.waiting: set[str] = set()
        self.shots: dict[str, tuple] = {}  # each screenshot batch's result, as a browser worker sent it, by message
        self.down: dict[str, str] = {}  # the workers' word: vantage points that could not look, and why
        self.echoed: set[tuple[str, str]] = set()  # and the session's cookies sites set again (host, name)
        self.heard = 0.0  # time.monotonic() of the last message taken (or of the enqueuing)
        self.storing = False  # in the vault's transaction of one message

    def run(self, *, refresh: bool = False, max_age: timedelta | None = None, verdicts: bool = False) -> FetchResult:
        """A single run's, once what waits on the vault's queue is stored: what an earlier run's workers finished
        is archived before anything is planned (with nothing new to fetch, too), and no URL stays outstanding for a
        message no run takes. A killed run's message in hand is taken back at once: this run holds the vault's lock,
        so it is the queue's one consumer."""
        try:
            take_back(self.broker, vault_queue(self.writer))
            self._receive_until(lambda: False, until_empty=True)
        except QUEUE_ERRORS as exc:
            raise queue_down(self.queue_url, exc) from None
        return super().run(refresh=refresh, max_age=max_age, verdicts=verdicts)

    def _sealer(self, recorder: WarcRecorder) -> Sealer:
        return QueuedSealer(self, recorder)

    async def _fetch_all(self, urls: list[str], recorder: WarcRecorder) -> None:
        # The run waits for Redis, not for the event loop, whose Ctrl-C would be heard only once the run is done
        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, signal.default_int_handler) if main else None
        try:
            self._enqueue(urls, recorder)
            self._receive_until(lambda: not self.waiting)
            self._receive_until(lambda: False, until_empty=True)  # and what else waits there: no row left behind
            drop_plan(self.broker, self.run_id)
            self.progress.finish()
            order = [point.name for point in self.options.vantage.points]  # as a single run says them
            self.result.notes += fetching_notes(dict(sorted(self.down.items(), key=lambda item: (
                order.index(item[0]) if item[0] in order else len(order), item[0]))), self.echoed)
        except QUEUE_ERRORS as exc:
            raise queue_down(self.queue_url, exc) from None
        finally:
            if main:
                signal.signal(signal.SIGINT, previous)
        self._recover_workers_files()

    def _enqueue(self, urls: list[str], recorder: WarcRecorder) -> None:
        """Each URL on its site's shard, with the payloads the vault holds for it (a worker writes an identical one
        as a revisit) — but a URL an interrupted run enqueued and no run has stored yet: its capture is on its way."""
        self.run_id = run = recorder.run_id.replace(":", "-")
        self.progress = RunProgress(self.broker, run)
        wanted = set(urls)
        self.progress.announce({report_key(c.report.path): sorted({u for n in c.report.footnotes for u in n.urls}
                                                                  & wanted) for c in self.result.checks})
        earlier = {url.decode("utf-8") for url in self.broker.client.hkeys(self.outstanding)}
        settings, reports, into = settings_of(self.options), list(self.reports), vault_queue(self.writer)
        plan = keep_plan(self.broker, run, self.options)  # a session, vantage points: never in a message
        known = self.vault.payloads_of([url for url in urls if url not in earlier])
        todo = [url for url in urls if url not in earlier]
        for start in range(0, len(todo), MARKED_AT_ONCE):  # enqueued, then marked: killed between the two, a URL
            chunk = todo[start:start + MARKED_AT_ONCE]     # is fetched twice, and stored once
            for url in chunk:
                self.broker.enqueue(message(shard_queue(shard_of(url)), CAPTURE_ACTOR, payload(
                    "capture", run=run, url=url, settings=settings, plan=plan, reports=reports, into=into,
                    known=known.get(url, {}))))
            self.broker.client.execute_command("HSET", self.outstanding, *(x for url in chunk for x in (url, run)))
        self.waiting, self.heard = set(urls), time.monotonic()

    def _receive_until(self, done: Callable[[], bool], *, until_empty: bool = False) -> None:
        """Store what arrives on the vault's queue (captures, screenshots) until `done` (or, `until_empty`, until
        nothing is there). Interrupted, the batch in hand goes back to the queue: the next run stores what this one
        had not."""
        if self.consumer is None:
            self.consumer = typing.cast(RefusingConsumer, self.broker.consume(vault_queue(self.writer), prefetch=1,
                                                                              timeout=POLL))
        consumer = self.consumer
        while not done():
            try:
                proxy = next(consumer)
            except WireError as refused:  # not linkvault's: said, never stored; the rest of the run goes on
                self.result.notes.append(f"--queue {shown(self.queue_url)!r}: {refused}")
                continue
            if proxy is None:
                if until_empty:
                    return
                if self.waiting and time.monotonic() - self.heard >= heartbeat_of(self.broker):
                    self._give_up_lost()
                continue
            self.heard = time.monotonic()
            with ctrl_c_held(lambda: self.storing):
                try:
                    self._take(proxy)
                except WireError as exc:
                    self.result.notes.append(f"--queue {shown(self.queue_url)!r}: {consumer.refuse(proxy, str(exc))}")
                    continue
                except RedisTooSlow:
                    raise  # Redis did not answer within the grace: the next run takes the message back
                except BaseException:
                    with contextlib.suppress(*QUEUE_ERRORS):
                        consumer.requeue([proxy])
                    raise
                consumer.ack(proxy)

    def _take(self, proxy: MessageProxy) -> None:
        """One message of the vault's queue, read whole (a WireError for anything not linkvault's) before anything
        of it is stored."""
        if proxy.actor_name == SHOTS_ACTOR:
            sent = read(proxy.args, "shots", SHOTS)
            ops = ops_from_wire(sent["ops"], sent["captures"], "shots.ops")
            with self._storing():  # one transaction: all of the batch's screenshots or none
                replay(self.vault, ops)
            # Counted by the run that asked for them, once however often delivered (an interrupted run's: by none)
            if sent["run"] == self.run_id:
                self.shots.setdefault(proxy.message_id, (sent["shot"], sent["notes"], sent["count"]))
        elif proxy.actor_name == STORE_ACTOR:
            sent = read(proxy.args, "store", STORE)
            batch = [_finished(item, sent["captures"], f"store.batch[{n}]") for n, item in enumerate(sent["batch"])]
            self._store(sent["run"], batch)
            if sent["run"] == self.run_id:  # another run's notes (an interrupted one's, drained) are not this run's
                for name, why in sent["down"].items():
                    self.down.setdefault(name, why)
                self.echoed.update(sent["echoed"])
        else:
            raise WireError(f"no {proxy.actor_name!r} messages are sent on a vault's queue")
        self.elsewhere += sent["written"]

    def _store(self, run: str, batch: list[tuple[str | None, Capture | None, list]]) -> None:
        """A worker's finished URLs, each stored once: a URL no longer outstanding was stored before (delivered
        twice: a worker killed between sending and acking), and a row the vault holds is not stored again (a run
        killed between committing the batch and telling Redis: `replay` skips it), the run's probes' too. The batch's
        rows are committed together, and only then are its URLs no longer outstanding: a run killed on the way leaves
        the batch to be delivered again, never lost. An interrupted run's are stored too."""
        urls = [url for url, _, _ in batch if url is not None]
        outstanding = dict(zip(urls, self.broker.client.hmget(self.outstanding, urls))) if urls else {}
        stored: list[tuple[str, Capture]] = []
        with self._storing():  # one transaction: all of the batch or none
            for url, capture, ops in batch:
                if url is not None and outstanding.get(url) is None:
                    continue
                replay(self.vault, ops)
                if url is not None and capture is not None:
                    outstanding[url] = None
                    stored.append((url, capture))
        for url, capture in stored:
            self._unmark(keys=[self.outstanding, stored_key(run, capture.ok)], args=[url])
            if url in self.waiting:
                self.waiting.discard(url)
                self._done(capture)

    def _give_up_lost(self) -> None:
        """The URLs waited for whose message no longer travels (`lost_messages`; looked for once nothing has arrived
        for a heartbeat): each mark cleared and the URL recorded as failed by us, never as a verdict on the link (an
        earlier one stands, the next run fetches it again), so the run ends, saying so, instead of waiting forever."""
        self.heard = time.monotonic()
        waiting = sorted(self.waiting)
        marks = dict(zip(waiting, self.broker.client.hmget(self.outstanding, waiting)))
        lost = lost_messages(self.broker, vault_queue(self.writer), [url for url in waiting if marks[url] is not None])
        lost.update({url: "is no longer marked in Redis as on its way (flushed?): it would be taken for one stored before"
                     for url in waiting if marks[url] is None})
        for url, why in sorted(lost.items()):
            run = (marks[url] or self.run_id.encode()).decode("utf-8", "replace")
            self._unmark(keys=[self.outstanding, stored_key(run, False)], args=[url])
            self.waiting.discard(url)
            self._done(self._fault(url, MessageLost(f"its message on the queue {why}")))
        for why in sorted(set(lost.values())):
            urls = [url for url in sorted(lost) if lost[url] == why]
            self.result.notes.append(f"--queue {shown(self.queue_url)!r}: {len(urls)} URL(s) not checked, their message "
                                     f"{why} ({urls[0]}{', …' if len(urls) > 1 else ''}); fetch again to check them")

    @contextlib.contextmanager
    def _storing(self) -> Iterator[None]:
        """The vault's one transaction for a message, which Ctrl-C never cuts short (`ctrl_c_held`)."""
        self.storing = True
        try:
            with self.vault.whole():
                yield
        finally:
            self.storing = False

    def _recover_workers_files(self) -> None:
        """WARC files of workers killed during the run, cut back to their last whole record, and listed in the run's
        manifest (what they hold that no row points at, a capture sent again by another worker, is sealed too)."""
        for path in recover_open_files(self.vault.warc_dir):
            self.result.recovered.append(path)
            with open(path, "rb") as fh:
                for record in read_records(fh, no_record_parse=True):
                    self.elsewhere.append((record.rec_headers.get_header("WARC-Record-ID"),
                                           record.rec_headers.get_header("WARC-Block-Digest")))

    def browsers_up(self) -> bool:
        """Whether a worker with a browser has been heard from within a heartbeat."""
        return bool(self.broker.client.zcount(SHOOTERS, time.time() - heartbeat_of(self.broker), "+inf"))


class QueuedSealer(Sealer):
    """The run's sealer, its screenshots taken by the browser workers (when any is up) in batches."""

    def __init__(self, run: QueuedRun, recorder: WarcRecorder):
        super().__init__(run.vault, recorder, run.options, run.on_progress)
        self.run = run

    def shoot(self, pages: list[Capture]) -> set[str]:
        try:
            if not pages or not self.run.browsers_up() or not self.run.run_id:
                return super().shoot(pages)
            return self._shoot_elsewhere(pages)
        except QUEUE_ERRORS as exc:
            raise queue_down(self.run.queue_url, exc) from None

    def timestamp(self, reports: dict[str, str], earlier: Sequence[tuple[str, str | None]] = ()) -> tuple[list, int]:
        """A single run's, each record listed once: what the run stored from the vault's queue before it planned is
        both the vault's unsealed and its workers' records."""
        return super().timestamp(reports, list(dict.fromkeys(earlier)))

    def _shoot_elsewhere(self, pages: list[Capture]) -> set[str]:
        run, settings = self.run, settings_of(self.options)
        batches = [pages[n:n + SHOTS_PER_MESSAGE] for n in range(0, len(pages), SHOTS_PER_MESSAGE)]
        for batch in batches:
            run.broker.enqueue(message(SHOTS_QUEUE, SHOOT_ACTOR, payload(
                "shoot", run=run.run_id, pages=batch, settings=settings, reports=list(run.reports),
                into=vault_queue(run.writer))))
        if self.on_progress:
            self.on_progress(None, 0, len(pages), stage="screenshots")
        before = len(run.shots)
        run._receive_until(lambda: len(run.shots) - before >= len(batches))
        shot: set[str] = set()
        for ids, notes, count in list(run.shots.values())[before:]:
            shot.update(ids)
            self.notes += [note for note in notes if note not in self.notes]
            self.screenshots += count
        return shot


def _finished(item: dict, captures: list[Capture], where: str) -> tuple[str | None, Capture | None, list]:
    """One finished URL of a worker's batch (url None: the run's probes' calls), its capture one of the message's."""
    url, index = decode(str | None, item.get("url"), f"{where}.url"), decode(int | None, item.get("capture"), where)
    if set(item) != {"url", "capture", "ops"} or (index is not None and not 0 <= index < len(captures)) or \
            (url is None) != (index is None):
        raise WireError(f"{where}: not a finished URL linkvault sends")
    return url, None if index is None else captures[index], ops_from_wire(item["ops"], captures, f"{where}.ops")
