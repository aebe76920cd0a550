"""A fetch run: reports → unique URLs → captures in WARC → texts in the vault.

The run is idempotent: a URL captured successfully (final status below 400) within `max_age` is
not fetched again unless `refresh`, so an interrupted run simply resumes. One run holds the
vault's lock, so two runs never write the same files.

When nothing at all resolves or connects, the fault is ours, not the sources': the run stops
early and says the network is unreachable, and no source is recorded as dead for it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import gc
import os
import sqlite3
from collections.abc import Callable, Collection
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from linkvault._version import __version__
from linkvault.archive.fetcher import Fetcher, FetchOptions
from linkvault.archive.judging import (
    Fetched,
    failed,
    fetch_cited,
    judge_fetched,
    judges_for,
    not_judged,
    start_workers_early,
    store_judged,
    workers,
)
from linkvault.archive.network_watch import NetworkWatch
from linkvault.archive.pipeline import JudgingQueue
from linkvault.archive.probes import Probes
from linkvault.archive.provenance import sha256_file
from linkvault.archive.seal import Sealer, Unfinished
from linkvault.archive.warc import WarcRecorder, http_date, warcinfo
from linkvault.archive.warc_recovery import recover_open_files
from linkvault.findings import check_report
from linkvault.model import OWN_SIDE_FAILURES, Capture, CheckResult, FetchResult, Link, LinkState, Report
from linkvault.parsing import parse_report, report_key
from linkvault.states import never_fetched
from linkvault.vault import Vault, VaultLock, batches

if TYPE_CHECKING:
    from linkvault.archive.webarchives.savepagenow import SpnOptions

LinkOutcome = Link  # one footnote URL after the run: the name fetch's results have always had


def fetch_reports(paths: list[str | Report], vault_dir: str, options: FetchOptions | None = None, *,
                  refresh: bool = False, max_age: timedelta | None = None, input_format: str | None = None,
                  on_progress: Callable[..., None] | None = None, verdicts: bool = False,
                  save_page_now: SpnOptions | None = None, run_class: Callable[..., FetchRun] | None = None) -> FetchResult:
    """Archive every URL the reports (files, or reports parsed already: stdin, URL arguments) cite into the vault.

    `on_progress(capture, done, total, stage=…)` hears each URL done, and also `started=url` as one
    begins, `fetched=url` as its network part ends (its verdict still to come) and `retry=Retry(…)` before a retry's
    wait (with `capture` None), so a display can name what the run waits for.
    With `verdicts`, the result also holds each URL's verdict capture and its text, for the reports' reviews.
    With `save_page_now`, the Internet Archive is asked to capture each live source too, and its capture is
    compared with ours (`linkvault.archive.webarchives.witness`). `run_class` replaces FetchRun (a queued run's).
    """
    options = options or FetchOptions()
    options.egress  # noqa: B018 -- a proxy or CA that cannot work is a usage error before anything is written
    reports = [p if isinstance(p, Report) else parse_report(p, input_format) for p in paths]
    if run_class is None:  # a queued run judges nothing here
        start_workers_early(len({url for report in reports for note in report.footnotes for url in note.urls}))
    checks = [check_report(report) for report in reports]
    with VaultLock(vault_dir):
        vault = Vault(vault_dir)
        try:
            run = (run_class or FetchRun)(vault, options, checks, on_progress=on_progress, save_page_now=save_page_now)
            return run.run(refresh=refresh, max_age=max_age, verdicts=verdicts)
        finally:
            vault.close()


class FetchRun:
    """One run into one open vault: its options, the reports' checks, its progress callback, and what it finds
    (`result`: every footnote URL as a `Link` holding its capture). `run` goes plan → fetch and judge →
    screenshots and timestamps → each link's verdict."""

    def __init__(self, vault: Vault, options: FetchOptions, checks: list[CheckResult], *,
                 on_progress: Callable[..., None] | None = None, save_page_now: SpnOptions | None = None,
                 recheck: Collection[str] | None = None):
        self.vault, self.options, self.on_progress = vault, options, on_progress
        self.save_page_now = save_page_now
        # A recheck's run: the reports are the vault's as stored (not added again), and only these URLs are fetched
        # (again, whatever their age); every other link is judged by its verdict capture, as it stands.
        self.recheck = None if recheck is None else set(recheck)
        # Each report as the vault, the WARC's warcinfo and the timestamped manifest name it, with its digest.
        self.reports = {report_key(c.report.path): c.report.sha256 or sha256_file(c.report.path) for c in checks}
        self.result = FetchResult(vault=vault.directory, checks=checks, recovered=recover_open_files(vault.warc_dir))
        self.captures: dict[str, Capture] = {}
        self.held: list[Capture] = []  # failures that may be ours: stored once the run knows whose they were
        self.watch = NetworkWatch([])
        self.queue: JudgingQueue | None = None  # while fetching: the pages fetched, on their way to a verdict
        self.done = self.total = 0
        self.elsewhere: list[tuple[str, str | None]] = []  # records other processes wrote for the run (its workers)
        self.workers_ready: asyncio.Future[None] | None = None  # while fetching: the worker processes started

    def run(self, *, refresh: bool = False, max_age: timedelta | None = None, verdicts: bool = False) -> FetchResult:
        for check in self.result.checks if self.recheck is None else []:
            self.vault.add_report(check.report.path, self.reports[report_key(check.report.path)], check.report.format,
                                  check.report.footnotes)
        # Each footnote URL beside its link: a link of the run always has a URL (only a review's may have none).
        cited = [(url, Link(n.number, n.label, n.line, url, report=check.report.path))
                 for check in self.result.checks for n in check.report.footnotes for url in n.urls]
        self.result.links = links = [link for _, link in cited]
        todo = self._plan(cited, refresh, max_age)
        unfinished = Unfinished.of(self.vault, self.options, sorted({url for url, link in cited if link.reused}))
        if todo or unfinished.records or unfinished.pages:
            self._capture(todo, unfinished)
        for url, link in cited:
            capture = self.captures.get(url)
            if capture is None:
                continue
            earlier = self.vault.verdicts([url]).get(url) if capture.error in OWN_SIDE_FAILURES else None
            if earlier and earlier.error not in OWN_SIDE_FAILURES:  # our failure judged nothing: the verdict stands
                link.judged_by(earlier, reused=True)
            else:
                link.judged_by(capture)
        self.result.reused = sum(1 for link in links if link.reused)
        if self.save_page_now is not None and not (self.result.network_unreachable or self.result.proxy_down):
            self._witness(self.save_page_now)
        if verdicts:
            self.result.verdicts = self.vault.verdicts(list(dict.fromkeys(url for url, _ in cited)))
            self.result.texts = self.vault.texts_of([c.id for c in self.result.verdicts.values() if c.id is not None])
        return self.result

    def _witness(self, spn: SpnOptions) -> None:
        """The independent witness: Save Page Now captures the live sources, compared with ours."""
        from linkvault.archive.webarchives.witness import witness

        self.result.save_page_now = witness(self.vault, self.options.egress, spn, self.result.links,
                                            allow_private=self.options.allow_private, collector=self.options.collector,
                                            on_progress=self.on_progress)

    def _plan(self, cited: list[tuple[str, Link]], refresh: bool, max_age: timedelta | None) -> list[str]:
        """URLs to fetch now; the rest are filled from their earlier capture."""
        if self.recheck is not None:
            return self._plan_recheck(cited)
        todo: list[str] = []
        cutoff = (datetime.now(timezone.utc) - max_age).strftime("%Y-%m-%dT%H:%M:%S") if max_age else None
        refusals: dict[str, Capture] = {}
        for url, link in cited:
            refused = never_fetched(url, self.options.allow_private)
            # What an earlier run archived (with --allow-private) stands: a refusal now does not undo it.
            earlier = None if refresh and not refused else self.vault.last_good(url)
            if refused and earlier is None:
                if url not in refusals:  # the vault says what fetch said
                    refusals[url] = Capture(url=url, fetched_at=self._now(), state=refused, error_detail=refused.detail,
                                            error="invalid-url" if refused.state == "unknown" else refused.state)
                    self.vault.store_capture(refusals[url], role="cited")
                link.judged_by(refusals[url])
            elif earlier and (refused or earlier.ok and (cutoff is None or earlier.fetched_at >= cutoff)
                              and self._seen_as_the_session(url, earlier)):
                link.judged_by(earlier, reused=True)
            elif url not in todo:
                todo.append(url)
        return todo

    def _plan_recheck(self, cited: list[tuple[str, Link]]) -> list[str]:
        """A recheck's URLs, fetched again (a URL our guard refuses never is); every other link keeps its verdict."""
        assert self.recheck is not None
        todo = list(dict.fromkeys(url for url, _ in cited
                                  if url in self.recheck and not never_fetched(url, self.options.allow_private)))
        standing = self.vault.verdicts(list({url for url, _ in cited} - set(todo)))
        for url, link in cited:
            if url in standing:
                link.judged_by(standing[url], reused=True)
        return todo

    def _seen_as_the_session(self, url: str, earlier: Capture) -> bool:
        """Whether an earlier capture stands for this run's session: a page its cookies reach is fetched again
        when it was captured before without the account (a login wall, say); any other stands as it was."""
        session = self.options.session
        if session is None or not session.cookies_for(url):
            return True
        return earlier.account is not None and earlier.account.label == session.label

    def _capture(self, urls: list[str], unfinished: Unfinished) -> None:
        """Fetch and judge `urls`, then screenshot and timestamp what the run (and earlier ones) left unsealed."""
        options, vault, result = self.options, self.vault, self.result
        if options.session and urls:  # the run's account in custody: its label, the sites and cookie names, no value
            session = options.session
            vault.log_event("session", session.label, collector=options.collector, details={
                "label": session.label, "domains": list(session.domains),
                "cookie_names": sorted({c.name for c in session.cookies})})
        info = warcinfo(list(self.reports), options.as_record(), f"linkvault/{__version__}")
        self.watch, self.total = NetworkWatch(urls, options.egress.proxy), len(set(urls))
        with WarcRecorder(vault.warc_dir, info, vault.find_payload, options.ids_and_clock) as recorder:
            try:
                if urls:
                    gc.freeze()  # what is loaded and parsed by now lives through the run: full collections skip it
                    try:
                        asyncio.run(self._fetch_all(urls, recorder))
                    finally:
                        gc.unfreeze()
            except BaseException:
                vault.end_batch()  # an interrupt may have stopped the event loop with the batch still open
                self._store_held()
                self._store_unjudged()
                raise
            gave_up = bool(self.watch.unreachable or self.watch.proxy_down)
            sealer = self._sealer(recorder)
            if options.screenshots and not gave_up:
                pages = [c for c in self.captures.values()
                         if c.record and c.status == 200 and "html" in (c.header("content-type") or "html")]
                shot = sealer.shoot(pages + unfinished.pages)
                result.screenshots = sealer.screenshots
                result.screenshots_earlier = sum(1 for c in unfinished.pages if c.record and c.record.record_id in shot)
            if options.tsa and not gave_up:
                result.stamps, result.sealed = sealer.timestamp(self.reports, earlier=unfinished.records + self.elsewhere)
                result.sealed_earlier = len(unfinished.records)
            result.notes += sealer.notes
        result.fetched = len(self.captures)
        result.network_unreachable = self.watch.unreachable and not self.watch.proxy_down
        result.proxy_down = self.watch.proxy_down
        result.untrusted_hosts = self.watch.untrusted_hosts if self.watch.untrusted else []
        self._store_held()
        self._record_untried(urls)

    def _sealer(self, recorder: WarcRecorder) -> Sealer:
        return Sealer(self.vault, recorder, self.options, self.on_progress)

    async def _fetch_all(self, urls: list[str], recorder: WarcRecorder) -> None:
        fetcher = Fetcher(self.options, recorder, __version__)
        pool = workers(len(urls))
        # The worker processes start in a thread: a first submit waits until the forkserver has imported trafilatura
        # and forked (most of a second), and on the event loop that wait held up every fetch. Judges wait instead.
        self.workers_ready = asyncio.get_running_loop().run_in_executor(None, _started, pool) if pool else None
        probes = Probes(fetcher, self.vault)
        elsewhere = [(other, Probes(other, self.vault)) for other in
                     (Fetcher(self.options, recorder, __version__, point) for point in self.options.vantage.points)]
        # Twice the fetch slots, so a URL waiting for its host's turn never starves the network of requests.
        in_flight = asyncio.Semaphore(self.options.concurrency * 2)
        if on_progress := self.on_progress:  # a retry's wait is named while it lasts, not after
            fetcher.on_retry = lambda retry: on_progress(None, self.done, self.total, retry=retry)
        judge = functools.partial(self._judge, fetcher, pool, elsewhere)
        self.queue = queue = JudgingQueue(judge, judges=judges_for())
        committing = asyncio.ensure_future(self._commit_while_fetching())
        try:
            with self.vault.batched():  # the rows in batches, all committed however the fetching ends
                async with queue:
                    await asyncio.gather(*(self._job(url, fetcher, probes, in_flight, queue) for url in urls))
        finally:
            committing.cancel()
            await fetcher.aclose()
            for other, _ in elsewhere:
                await other.aclose()
            self.result.notes += fetching_notes({other.vantage: other.down for other, _ in elsewhere if other.down},
                                                fetcher.echoed)
            if pool is not None:
                pool.shutdown(cancel_futures=True)

    async def _commit_while_fetching(self) -> None:
        """The vault's open batch of rows committed at least every BATCH_SECONDS, so that a quiet spell of the
        network (slow hosts, a retry's wait) never holds back what was written before it."""
        while True:
            await asyncio.sleep(batches.BATCH_SECONDS)
            self.vault.commit_due()

    async def _job(self, url: str, fetcher: Fetcher, probes: Probes, in_flight: asyncio.Semaphore,
                   queue: JudgingQueue) -> None:
        """The network's half of one URL: fetched (into the WARC) and queued for its verdict, never waiting for one
        (only for room in the queue)."""
        async with in_flight:
            if self.watch.skip(url):
                return
            if self.on_progress:
                self.on_progress(None, self.done, self.total, started=url)
            try:
                fetched = await fetch_cited(fetcher, probes, url)
            except (asyncio.CancelledError, OSError, sqlite3.Error):
                raise  # the run's own trouble (interrupted, disk, vault): not one URL's
            except Exception as exc:  # a fault of ours on this URL alone: it says so, the run goes on
                self._done(self._fault(url, exc))
                return
            if self.on_progress:  # in the WARC: what it waits for now is room in the queue, then its verdict
                self.on_progress(None, self.done, self.total, fetched=url)
            await queue.put(fetched)

    async def _judge(self, fetcher: Fetcher, pool, elsewhere: list[tuple[Fetcher, Probes]], fetched: Fetched) -> None:
        """The other half: a fetched URL judged (the CPU work in a worker process) and stored."""
        if self.workers_ready is not None:
            await self.workers_ready
        try:
            capture = await judge_fetched(fetcher, self.vault, fetched, pool, hold=self.watch.may_be_ours,
                                          elsewhere=elsewhere)
        except (asyncio.CancelledError, OSError, sqlite3.Error):
            raise
        except Exception as exc:
            capture = self._fault(fetched.capture.url, exc)
        self._done(capture)

    def _fault(self, url: str, exc: Exception) -> Capture:
        """The capture of a URL a fault of ours stopped, stored as saying so."""
        capture = failed(url, "handling it", exc)
        capture.collector = self.options.collector
        self.vault.store_capture(capture, role="cited")
        return capture

    def _done(self, capture: Capture) -> None:
        self.captures[capture.url] = capture
        if self.watch.may_be_ours(capture):
            self.held.append(capture)
        self.watch.see(capture)
        self.done += 1
        if self.on_progress:
            self.on_progress(capture, self.done, self.total)

    def _store_unjudged(self) -> None:
        """After an interrupt: the pages fetched but not judged yet are in the WARC, so the vault keeps them too
        (each with its custody event), as judging nothing; the next run fetches them again for their verdict."""
        queue, self.queue = self.queue, None
        for fetched in queue.waiting if queue else ():
            for companion in fetched.companions:
                if companion.record:
                    self.vault.add_url(companion.url)
                    self.vault.store_capture(companion, role="companion")
            if fetched.capture.record:  # a failure that reached no server has nothing to keep: the next run tries it
                capture = not_judged(fetched, "the run stopped before its verdict")
                capture.collector = self.options.collector
                store_judged(self.vault, capture, None)

    def _store_held(self) -> None:
        """Store the failures held back during the run; those that were our own fault say so and judge nothing,
        so they never stand over an earlier verdict (see `Vault.verdict_capture`)."""
        for capture in self.held:
            ours = self.watch.own_side(capture)
            if ours:
                capture.error, capture.error_detail = ours
                capture.state = LinkState("unknown", f"not checked: {ours[1]}")
            self.vault.store_capture(capture, role="cited")
        self.held.clear()

    def _now(self) -> str:
        """The run's time, from the clock its WARC records are dated by (a test's, or the real one)."""
        return http_date(self.options.ids_and_clock.now())

    def _record_untried(self, urls: list[str]) -> None:
        """URLs given up on before trying: recorded like the tried ones, so `report` says the same of both."""
        for url in urls:
            if url not in self.captures:
                error, detail = self.watch.untried(url)
                self.captures[url] = Capture(url=url, fetched_at=self._now(), error=error,
                                             error_detail=f"not tried: {detail}", collector=self.options.collector,
                                             state=LinkState("unknown", f"not checked: {detail}"))
                self.vault.store_capture(self.captures[url], role="cited")


def fetching_notes(down: dict[str, str], echoed: set[tuple[str, str]]) -> list[str]:
    """What a run says once it has fetched (a queued run too, from its workers' word): each vantage point that
    could not look (`down`: its name and why), and the session's cookies sites set again (`echoed`: host, name)."""
    notes = [f"the vantage point {name} could not look ({why}): no link was judged from it" for name, why in down.items()]
    if echoed:  # what the server said is kept, but the researcher should know it holds a secret
        cookies = ", ".join(sorted(f"{name} ({host})" for host, name in echoed))
        notes.append(f"sites set the session's own cookies again ({cookies}): their new values are in the WARC as "
                     "received; fetch with --redact-set-cookie to withhold them")
    return notes


def _started(pool: concurrent.futures.Executor) -> None:
    """Start every worker process of `pool` (one trivial task each) and wait for them; a pool that cannot start
    is left to the judging, which falls back to judging here."""
    try:
        for future in [pool.submit(os.getpid) for _ in range(os.cpu_count() or 1)]:
            future.result()
    except (concurrent.futures.BrokenExecutor, concurrent.futures.CancelledError):  # broken, or the run stopped
        pass
