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
import hashlib
import multiprocessing
import os
import secrets
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit, urlunsplit

from linkvault._version import __version__
from linkvault.archive.egress_policy import shown
from linkvault.archive.extract import ExtractedText
from linkvault.archive.fetcher import Capture, Fetcher, FetchOptions, named
from linkvault.archive.pages import page_of
from linkvault.archive.provenance import sha256_file
from linkvault.archive.warc import WarcRecorder, recover_open_files, warcinfo
from linkvault.findings import check_report
from linkvault.model import OWN_SIDE_FAILURES, CheckResult, LinkState, Page, Report, Severity
from linkvault.parsing import parse_report, report_key
from linkvault.sites import ADAPTERS, SiteText, adapter_for
from linkvault.states import classify, is_deep, never_fetched
from linkvault.vault import Vault, VaultLock, now_iso
from linkvault.vault.custody import text_digest

# States that say more about our own network than about the source.
_LOCAL_TROUBLE = ("dns-failure", "connection-error", "timeout")
_PROXY_TROUBLE = ("proxy-unreachable", "proxy-refused")  # always the proxy's, however many hosts the run cites
UNREACHABLE_AFTER = 8
PROCESS_POOL_FROM = 64  # URLs in a run before judging moves to worker processes


@dataclass
class LinkOutcome:
    """One footnote URL after the run."""

    report: str
    label: str
    number: int | str
    line: int | None
    url: str
    status: int | None = None
    final_url: str | None = None
    error: str | None = None
    detail: str | None = None
    title: str | None = None
    fetched_at: str | None = None
    warc_file: str | None = None
    warc_offset: int | None = None
    reused: bool = False
    state: str | None = None
    category: str | None = None

    @property
    def archived(self) -> bool:
        return self.error is None and self.status is not None and self.status < 400


@dataclass
class FetchResult:
    vault: str
    checks: list[CheckResult]
    links: list[LinkOutcome] = field(default_factory=list)
    fetched: int = 0
    reused: int = 0
    network_unreachable: bool = False
    proxy_down: str | None = None  # what the proxy did, when it could not be reached: no link was checked
    untrusted_hosts: list[str] = field(default_factory=list)  # HTTPS hosts whose certificates our trust store lacks
    recovered: list[str] = field(default_factory=list)
    stamps: list = field(default_factory=list)  # RFC 3161 results for the run's manifest
    sealed: int = 0  # records the run's manifest lists
    sealed_earlier: int = 0  # of those, records earlier runs left unsealed (killed, or every authority failed)
    screenshots: int = 0
    screenshots_earlier: int = 0  # of those, of pages an earlier run captured but never screenshotted
    notes: list[str] = field(default_factory=list)  # things the user should hear once (no Chromium …)

    @property
    def failed(self) -> list[LinkOutcome]:
        return [link for link in self.links if not link.archived]

    @property
    def ok(self) -> bool:
        missing = any(c.fails(Severity.ERROR) for c in self.checks)
        return (not missing and not self.failed and not self.network_unreachable and not self.proxy_down
                and not self.untrusted_hosts)


class _NetworkWatch:
    """Notices when the fault is ours, not the sources': no host at all can be reached, the proxy is
    down, or every TLS handshake fails on our own trust store.

    For the network, only failures before a connection count (no DNS answer, refused, connect timeout),
    and only across several hosts: one dead site is the site's problem. Likewise certificates no
    trusted root vouches for count against us only on several hosts, while no HTTPS host has answered
    (a TLS-intercepting proxy whose CA we were not given); and so does a proxy that is up but will not
    tunnel (502, 503, 403: one site's 502 may be its origin down). A run citing a single host never blames
    us, except for a proxy that cannot be reached or wants credentials, which is never the source's doing.
    """

    def __init__(self, urls: list[str], proxy: str | None = None):
        self.proxy = proxy  # the one to name, as the egress policy names it
        self.needed_hosts = _needed_hosts({urlsplit(u).hostname for u in urls})
        self.needed_tls_hosts = _needed_hosts({urlsplit(u).hostname for u in urls if u.lower().startswith("https:")})
        self.needed_failures = min(UNREACHABLE_AFTER, len(urls))
        self.answered = False
        self.tls_answered = False
        self.failures = 0
        self.failed_hosts: set[str | None] = set()
        self.untrusted_hosts: list[str] = []
        self.proxy_down: str | None = None  # what the proxy did, as the fetcher said it
        self.proxy_error = "proxy-unreachable"  # or "proxy-refused", for a proxy that is up but will not tunnel
        self.proxy_answers: dict[str | None, str] = {}  # host → what the proxy answered instead of tunnelling
        self.proxy_refusals = 0

    def see(self, capture: Capture) -> None:
        if capture.error in _PROXY_TROUBLE and not self.proxy_down:
            self.proxy_down, self.proxy_error = capture.error_detail, capture.error
        if any(hop.status is not None and hop.url.lower().startswith("https:") for hop in capture.hops):
            self.tls_answered = True
        if capture.unknown_issuer and (host := urlsplit(capture.url).hostname) and host not in self.untrusted_hosts:
            self.untrusted_hosts.append(host)
        if capture.status is not None or capture.connected:
            self.answered = True
        elif capture.proxy_answer:
            self.proxy_refusals += 1
            self.proxy_answers[urlsplit(capture.url).hostname] = capture.proxy_answer
            if self.proxy_refusing and not self.proxy_down:
                answers = ", ".join(sorted(set(self.proxy_answers.values())))
                self.proxy_down = (f"the proxy {shown(self.proxy or '')} answered {answers} for every site "
                                   f"({len(self.proxy_answers)} hosts) instead of connecting to it")
                self.proxy_error = "proxy-refused"
        elif capture.error in _LOCAL_TROUBLE:
            self.failures += 1
            self.failed_hosts.add(urlsplit(capture.url).hostname)

    @property
    def proxy_refusing(self) -> bool:
        """The proxy, not the sites: it would tunnel to none of several hosts, and no site answered."""
        return (not self.answered and self.needed_hosts is not None and self.proxy_refusals >= self.needed_failures
                and len(self.proxy_answers) >= self.needed_hosts)

    @property
    def unreachable(self) -> bool:
        return (not self.answered and self.needed_hosts is not None and self.failures >= self.needed_failures
                and len(self.failed_hosts) >= self.needed_hosts)

    @property
    def untrusted(self) -> bool:
        return (not self.tls_answered and self.needed_tls_hosts is not None
                and len(self.untrusted_hosts) >= self.needed_tls_hosts)

    def skip(self, url: str) -> bool:
        """Whether trying `url` now could only repeat our own failure."""
        return bool(self.unreachable or self.proxy_down or (self.untrusted and url.lower().startswith("https:")))

    def own_side(self, capture: Capture) -> tuple[str, str] | None:
        """(error, detail) when this capture failed for our own reasons, once the run is over."""
        if capture.error in _PROXY_TROUBLE:
            return capture.error, capture.error_detail or "the proxy could not be reached"
        if self.proxy_refusing and capture.proxy_answer:
            return "proxy-refused", self.proxy_down or "the proxy would not connect to it"
        if self.unreachable and capture.error in _LOCAL_TROUBLE:
            return "network-unreachable", "this machine's network was unreachable"
        if self.untrusted and capture.unknown_issuer:
            return "untrusted-certificates", ("its certificate comes from a CA this machine does not trust, as on "
                                              "every HTTPS site this run (a TLS-intercepting proxy?)")
        return None

    def untried(self, url: str) -> tuple[str, str]:
        """(error, detail) for a URL the run gave up on before trying it."""
        if self.proxy_down:
            return self.proxy_error, self.proxy_down
        if self.unreachable:
            return "network-unreachable", "this machine's network was unreachable"
        return "untrusted-certificates", "every HTTPS site this run showed a certificate this machine does not trust"

    def may_be_ours(self, capture: Capture) -> bool:
        """A failure the run may yet find to be its own: stored only once the run knows."""
        return capture.record is None and (capture.error in _LOCAL_TROUBLE or capture.unknown_issuer
                                           or capture.error in _PROXY_TROUBLE)


def _needed_hosts(hosts: set) -> int | None:
    return min(3, len(hosts)) if len(hosts) >= 2 else None


def fetch_reports(paths: list[str | Report], vault_dir: str, options: FetchOptions | None = None, *,
                  refresh: bool = False, max_age: timedelta | None = None, input_format: str | None = None,
                  on_progress: Callable[..., None] | None = None) -> FetchResult:
    """Archive every URL the reports (files, or reports parsed already: stdin, URL arguments) cite into the vault.

    `on_progress(capture, done, total, stage=…)` hears each URL done, and also `started=url` as one
    begins and `retry=Retry(…)` before a retry's wait (with `capture` None), so a display can name them.
    """
    options = options or FetchOptions()
    options.egress  # noqa: B018 -- a proxy or CA that cannot work is a usage error before anything is written
    checks = [check_report(p if isinstance(p, Report) else parse_report(p, input_format)) for p in paths]
    # Each report as the vault, the WARC's warcinfo and the timestamped manifest name it, with its digest.
    identities = {report_key(c.report.path): c.report.sha256 or sha256_file(c.report.path) for c in checks}
    lock = VaultLock(vault_dir)
    try:
        vault = Vault(vault_dir)
        result = FetchResult(vault=vault_dir, checks=checks, recovered=recover_open_files(vault.warc_dir))
        for check in checks:
            vault.add_report(check.report.path, identities[report_key(check.report.path)], check.report.format,
                             check.report.footnotes)
        links = [LinkOutcome(report=check.report.path, label=n.label, number=n.number, line=n.line, url=url)
                 for check in checks for n in check.report.footnotes for url in n.urls]
        todo = _plan(vault, links, refresh, max_age, options.allow_private)
        result.links = links
        unfinished = _Unfinished(
            records=_unsealed(vault) if options.tsa else [],
            pages=[_earlier_page(row) for row in vault.unshot_pages(sorted({link.url for link in links if link.reused}))]
            if options.screenshots else [])
        captures = _run(vault, todo, options, identities, __version__, on_progress, len(set(todo)), result, unfinished)
        for link in links:
            capture = captures.get(link.url)
            if capture is None:
                continue
            earlier = vault.verdict_capture(link.url) if capture.error in OWN_SIDE_FAILURES else None
            if earlier and earlier["error"] not in OWN_SIDE_FAILURES:  # our failure judged nothing: the verdict stands
                _fill_from_row(vault, link, earlier)
                link.reused = True
            else:
                _fill(link, capture)
        result.reused = sum(1 for link in links if link.reused)
        vault.close()
        return result
    finally:
        lock.release()


def _plan(vault: Vault, links: list[LinkOutcome], refresh: bool, max_age: timedelta | None,
          allow_private: bool = False) -> list[str]:
    """URLs to fetch now; the rest are filled from their earlier capture."""
    todo: list[str] = []
    cutoff = (datetime.now(timezone.utc) - max_age).strftime("%Y-%m-%dT%H:%M:%S") if max_age else None
    recorded: set[str] = set()
    for link in links:
        refused = never_fetched(link.url, allow_private)
        # What an earlier run archived (with --allow-private) stands: a refusal now does not undo it.
        earlier = None if refresh and not refused else vault.last_good_capture(link.url)
        if refused and earlier is None:
            link.error = "invalid-url" if refused.state == "unknown" else refused.state
            link.state, link.category, link.detail = refused.state, refused.category, refused.detail
            if link.url not in recorded:  # the vault says what fetch said
                recorded.add(link.url)
                capture = Capture(url=link.url, fetched_at=now_iso(),
                                  error=link.error, error_detail=refused.detail, state=refused)
                vault.add_capture({**_capture_row(capture), "role": "cited"}, None)
            continue
        if earlier and (refused or earlier["status"] < 400 and (cutoff is None or earlier["fetched_at"] >= cutoff)):
            _fill_from_row(vault, link, earlier)
            link.reused = True
        elif link.url not in todo:
            todo.append(link.url)
    return todo


@dataclass
class _Unfinished:
    """Evidence earlier runs left unfinished, which this run completes: records no stamped manifest lists
    ((record id, block digest)) and pages captured but never screenshotted."""

    records: list[tuple[str, str | None]] = field(default_factory=list)
    pages: list[Capture] = field(default_factory=list)


def _unsealed(vault: Vault) -> list[tuple[str, str | None]]:
    """The vault's captures and screenshots that no manifest with a stored token lists: a run killed before
    its timestamps, or one every authority failed, left them so."""
    from linkvault.archive.warc import block_digest, stamped_records

    stamped = stamped_records(vault.warc_dir)
    unsealed = []
    for row in vault.recorded_captures():
        if row["record_id"] in stamped:
            continue
        found = block_digest(os.path.join(vault.warc_dir, row["warc_file"]), row["warc_offset"])
        if found and found[0] == row["record_id"]:  # a record gone from its place is audit's finding, not ours to seal
            unsealed.append(found)
    return unsealed


def _earlier_page(row: dict) -> Capture:
    """An earlier run's capture of an HTML page, as the screenshot stage needs it."""
    from linkvault.archive.warc import RecordLocation

    return Capture(url=row["url"], fetched_at="", final_url=row["final_url"], status=200,
                   record=RecordLocation(file="", offset=0, length=0, record_id=row["record_id"], payload_digest=None))


def _run(vault: Vault, urls: list[str], options: FetchOptions, reports: dict[str, str], version: str,
         on_progress, total: int, result: FetchResult, unfinished: _Unfinished | None = None) -> dict[str, Capture]:
    unfinished = unfinished or _Unfinished()
    if not urls and not unfinished.records and not unfinished.pages:
        return {}
    info = warcinfo(list(reports), options.as_record(), f"linkvault/{version}")
    recorder = WarcRecorder(vault.warc_dir, info, vault.find_payload, options.ids_and_clock)
    watch = _NetworkWatch(urls, options.egress.proxy)
    captures: dict[str, Capture] = {}
    held: list[Capture] = []  # failures that may be ours: stored once the run knows whose they were
    done = 0

    async def main() -> None:
        nonlocal done
        fetcher = Fetcher(options, recorder, version)
        workers = _workers(len(urls))
        probes = _Probes(fetcher, vault)
        # Twice the fetch slots, so judging finished pages never starves the network of requests.
        in_flight = asyncio.Semaphore(options.concurrency * 2)

        if on_progress:  # a retry's wait is named while it lasts, not after
            fetcher.on_retry = lambda retry: on_progress(None, done, total, retry=retry)

        async def job(url: str) -> None:
            nonlocal done
            async with in_flight:
                if watch.skip(url):
                    return
                if on_progress:
                    on_progress(None, done, total, started=url)
                try:
                    capture = await _capture_and_judge(fetcher, vault, probes, url, workers, hold=watch.may_be_ours)
                except (asyncio.CancelledError, OSError, sqlite3.Error):
                    raise  # the run's own trouble (interrupted, disk, vault): not one URL's
                except Exception as exc:  # a fault of ours on this URL alone: it says so, the run goes on
                    capture = _failed(url, "handling it", exc)
                    vault.add_capture({**_capture_row(capture), "role": "cited", "collector": options.collector}, None)
            captures[url] = capture
            if watch.may_be_ours(capture):
                held.append(capture)
            watch.see(capture)
            done += 1
            if on_progress:
                on_progress(capture, done, total)

        try:
            await asyncio.gather(*(job(u) for u in urls))
        finally:
            await fetcher.aclose()
            if workers is not None:
                workers.shutdown(cancel_futures=True)

    try:
        if urls:
            asyncio.run(main())
    except BaseException:
        recover_open_files(vault.warc_dir)
        _store_held(vault, held, watch, options)
        raise
    gave_up = bool(watch.unreachable or watch.proxy_down)
    if options.screenshots and not gave_up:
        pages = [c for c in captures.values()
                 if c.record and c.status == 200 and "html" in (c.header("content-type") or "html")]
        shot = _screenshots(vault, recorder, options, pages + unfinished.pages, result, on_progress)
        result.screenshots_earlier = sum(1 for c in unfinished.pages if c.record and c.record.record_id in shot)
    if options.tsa and not gave_up:
        result.stamps, result.sealed = _timestamp(vault, recorder, options, reports, on_progress,
                                                  earlier=unfinished.records)
        result.sealed_earlier = len(unfinished.records)
        if not any(s.token for s in result.stamps):
            result.notes.append("the run's manifest has no trusted timestamp: every authority failed ("
                                + "; ".join(f"{s.tsa}: {s.error}" for s in result.stamps) + ")")
    recorder.close()
    result.fetched = len(captures)
    result.network_unreachable = watch.unreachable and not watch.proxy_down
    result.proxy_down = watch.proxy_down
    result.untrusted_hosts = watch.untrusted_hosts if watch.untrusted else []
    _store_held(vault, held, watch, options)
    for url in urls:  # given up before trying: recorded like the tried ones, so `report` says the same of both
        if url not in captures:
            error, detail = watch.untried(url)
            captures[url] = Capture(url=url, fetched_at=now_iso(), error=error, error_detail=f"not tried: {detail}",
                                    state=LinkState("unknown", f"not checked: {detail}"))
            vault.add_capture({**_capture_row(captures[url]), "role": "cited", "collector": options.collector}, None)
    return captures


def _store_held(vault: Vault, held: list[Capture], watch: _NetworkWatch, options: FetchOptions) -> None:
    """Store the failures held back during the run; those that were our own fault say so and judge nothing,
    so they never stand over an earlier verdict (see `Vault.verdict_capture`)."""
    for capture in held:
        ours = watch.own_side(capture)
        if ours:
            capture.error, capture.error_detail = ours
            capture.state = LinkState("unknown", f"not checked: {ours[1]}")
        vault.add_capture({**_capture_row(capture), "role": "cited", "collector": options.collector}, None)
    held.clear()


class _Probes:
    """One soft-404 probe per host and run: what the site answers for a path that cannot exist."""

    def __init__(self, fetcher: Fetcher, vault: Vault):
        self.fetcher = fetcher
        self.vault = vault
        self._tasks: dict[str, asyncio.Task] = {}

    def get(self, url: str) -> asyncio.Task:
        host = urlsplit(url).netloc.lower()
        if host not in self._tasks:
            self._tasks[host] = asyncio.ensure_future(self._probe(probe_url(url)))
        return self._tasks[host]

    async def _probe(self, url: str) -> Page | None:
        capture = await self.fetcher.fetch(url)
        try:
            page, _ = await asyncio.to_thread(page_of, capture, self.fetcher.options.max_decoded)
        except Exception:  # a probe that cannot be read only costs the soft-404 comparison
            page = None
        self.vault.add_url(url)
        self.vault.add_capture({**_capture_row(capture), "role": "probe"}, None)
        return page


def probe_url(url: str) -> str:
    """The cited URL with its last path segment replaced by a random one (Bar-Yossef et al.)."""
    parts = urlsplit(url)
    directory, _, last = parts.path.rpartition("/")
    ext = os.path.splitext(last)[1] if "." in last else ""
    token = "linkvault-" + secrets.token_hex(8)
    return urlunsplit((parts.scheme, parts.netloc, f"{directory}/{token}{ext}", "", ""))


async def _capture_and_judge(fetcher: Fetcher, vault: Vault, probes: _Probes, url: str,
                             workers: concurrent.futures.Executor | None,
                             hold: Callable[[Capture], bool] = lambda capture: False) -> Capture:
    """Fetch a cited URL with its site's companions, judge its state, store everything (the cited capture
    itself not when `hold` says the run must first learn whether its failure was our own)."""
    adapter = adapter_for(url)
    companion_urls = adapter.companions(url) if adapter else []
    capture, *companions = await asyncio.gather(fetcher.fetch(url), *(fetcher.fetch(c) for c in companion_urls))
    probe = None
    if adapter is None and capture.status is not None and 200 <= capture.status < 300 and is_deep(url):
        probe = await probes.get(url)
    # Decoding, text extraction and the verdict are CPU work: one hop to a worker, off the event loop.
    loop = asyncio.get_running_loop()
    executor = workers if capture.body_head else None  # nothing to extract: no process worth starting
    assess = functools.partial(_assess, capture, companions, probe, adapter.name if adapter else None,
                               fetcher.options.max_decoded)
    try:
        capture.state, stored, cut, fault = await loop.run_in_executor(executor, assess)
    except concurrent.futures.BrokenExecutor:  # a worker died (its page killed it?): judge here
        capture.state, stored, cut, fault = await loop.run_in_executor(None, assess)
    capture.truncated = capture.truncated or cut
    if fault:
        capture.error, capture.error_detail = "internal-error", fault
    for companion in companions:
        vault.add_url(companion.url)
        vault.add_capture({**_capture_row(companion), "role": "companion"}, None)
    capture.title = stored["title"] if stored else None
    capture.body_head = b""
    if hold(capture):
        return capture
    row = {**_capture_row(capture), "role": "cited", "collector": fetcher.options.collector}
    try:
        vault.add_capture(row, stored)
    except (OSError, sqlite3.OperationalError):
        raise  # the disk or the vault, not this page
    except Exception as exc:  # the page's text would not go in: the capture is kept, saying so
        if stored is None:
            raise
        _failed(url, "storing its text", exc, capture)
        vault.add_capture({**_capture_row(capture), "role": "cited", "collector": fetcher.options.collector}, None)
    if capture.record:
        vault.log_event("captured", capture.record.record_id, collector=fetcher.options.collector, details={
            "url": url, "final_url": capture.final_url, "status": capture.status, "warc_file": capture.record.file,
            "offset": capture.record.offset, "payload_digest": capture.record.payload_digest,
            "provenance": capture.provenance_id, "text_sha256": text_digest(stored)})
    return capture


def _assess(capture: Capture, companions: list[Capture], probe: Page | None, adapter_name: str | None,
            limit: int) -> tuple[LinkState | None, dict | None, bool, str | None]:
    """The verdict on a capture, the text row to index, whether its body inflated past `limit`, and
    what failed, if anything.
    Runs in a worker process or thread. A stage that fails on this page makes it `unknown`, naming
    the stage and the exception: never the run's end."""
    stage = "reading the page"
    try:
        adapter = next((a for a in ADAPTERS if a.name == adapter_name), None)
        page, text = page_of(capture, limit)
        companion_pages = {c.url: page_of(c, limit)[0] for c in companions}
        stage = "judging it with the site's rules"
        adapter_state = adapter.judge(page, companion_pages) if adapter else None
        stage = "judging it"
        state = classify(page, probe, adapter_state)
        stage = "reading its text with the site's rules"
        site_text = adapter.extract(page, companion_pages) if adapter else None
        return state, _text_row(text, site_text), capture.truncated, None
    except Exception as exc:
        failed = _failed(capture.url, stage, exc, capture)
        return failed.state, None, capture.truncated, failed.error_detail


def _failed(url: str, stage: str, exc: BaseException, capture: Capture | None = None) -> Capture:
    """The capture of a URL some stage of ours failed on: `unknown`, the stage and exception named. Like
    a failure of our network, it judged nothing: an earlier verdict stands, and the next run tries again."""
    detail = f"linkvault failed {stage}: {named(exc)}"
    capture = capture or Capture(url=url, fetched_at=now_iso())
    capture.error, capture.error_detail = "internal-error", detail
    capture.state = LinkState("unknown", detail, capture.status, capture.final_url)
    return capture


def _workers(n_urls: int) -> concurrent.futures.Executor | None:
    """Processes for big runs, so trafilatura does not fight the event loop for the GIL; the
    default thread pool for small ones, where starting processes would cost more than it saves."""
    cpus = os.cpu_count() or 1
    if n_urls < PROCESS_POOL_FROM or cpus < 2:
        return None
    return concurrent.futures.ProcessPoolExecutor(max_workers=cpus, mp_context=multiprocessing.get_context("forkserver"),
                                                  initializer=_die_with, initargs=(os.getpid(),))


def _die_with(run_pid: int) -> None:
    """A worker's first act: end when the run ends, however it ends. After kill -9 nothing tells a pool's
    workers (they hold their own queue's pipe open), and each kept 130 MB for good."""
    if sys.platform.startswith("linux"):
        try:  # the kernel kills us when our parent (the forkserver, which ends with the run) dies
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, 9, 0, 0, 0)  # PR_SET_PDEATHSIG, SIGKILL
        except (OSError, AttributeError):
            pass
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent or not _alive(run_pid):
                os._exit(1)

    threading.Thread(target=watch, name="linkvault-parent-watch", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _text_row(text: ExtractedText | None, site: SiteText | None) -> dict | None:
    """The text to index: the adapter's (a Telegram message, a video's title) over the generic one."""
    if site is None:
        return dict(text.__dict__) if text else None
    row: dict = dict(text.__dict__) if text else {"language": None, "sitename": None}
    row.update({"title": site.title or row.get("title"), "author": site.author or row.get("author"),
                "published": site.published or row.get("published"), "text": site.text})
    return row


def _capture_row(capture: Capture) -> dict:
    record = capture.record
    return {
        "url": capture.url, "fetched_at": capture.fetched_at, "final_url": capture.final_url,
        "redirects": [h.as_record() for h in capture.hops],
        "status": capture.status, "headers": capture.headers, "content_type": capture.header("content-type"),
        "elapsed": capture.elapsed, "error": capture.error, "error_detail": capture.error_detail, "ip": capture.ip,
        "warc_file": record.file if record else None, "warc_offset": record.offset if record else None,
        "warc_length": record.length if record else None, "record_id": record.record_id if record else None,
        "payload_digest": record.payload_digest if record else None,
        "revisit_of": record.revisit_of if record else None, "truncated": int(capture.truncated), "size": capture.size,
        **_provenance_columns(capture),
        "state": capture.state.state if capture.state else None,
        "category": capture.state.category if capture.state else None,
        "state_detail": capture.state.detail if capture.state else None,
    }


def _screenshots(vault: Vault, recorder: WarcRecorder, options: FetchOptions, pages: list[Capture],
                 result: FetchResult, on_progress=None) -> set[str]:
    """A dated full-page PNG of each captured HTML page in `pages`, as `urn:fullPage:` resource records.
    Returns the response record ids shot."""
    from linkvault.archive.screenshot import Browser, BrowserMissing, png_size

    shot_ids: set[str] = set()
    if not pages:
        return shot_ids
    if on_progress:  # the display names this stage from its start (the browser's too), not from the first page shot
        on_progress(None, 0, len(pages), stage="screenshots")
    try:
        browser = Browser(egress=options.egress, allow_private=options.allow_private)
    except BrowserMissing as exc:
        hint = " (apt-get install chromium)" if "not installed" in str(exc) else ""
        result.notes.append(f"{exc}, so no screenshots were taken{hint}")
        return shot_ids
    failed: dict[str, list[str]] = {}  # why → pages
    try:
        with concurrent.futures.ThreadPoolExecutor(options.tabs) as tabs:
            # map keeps the pages' order, so the WARC and the custody log read the same on every run
            shots = tabs.map(lambda c: _shoot(browser, c.final_url or c.url), pages)
            for n, (capture, shot) in enumerate(zip(pages, shots), start=1):
                if on_progress:
                    on_progress(capture, n, len(pages), stage="screenshots")
                if isinstance(shot, Exception):  # one page's failure costs its screenshot, not the run
                    failed.setdefault(str(shot), []).append(capture.final_url or capture.url)
                    continue
                assert capture.record is not None  # pages are captures that were recorded
                where = recorder.write_resource(f"urn:fullPage:{shot.url}", "image/png", shot.png,
                                                concurrent_to=capture.record.record_id)
                sha256 = hashlib.sha256(shot.png).hexdigest()
                width, height = png_size(shot.png)
                vault.add_screenshot({"record_id": where.record_id, "response_id": capture.record.record_id,
                                      "url": shot.url, "taken_at": shot.taken_at, "warc_file": where.file,
                                      "warc_offset": where.offset, "warc_length": where.length, "sha256": sha256,
                                      "width": width, "height": height, "size": len(shot.png)})
                vault.log_event("screenshotted", where.record_id, collector=options.collector,
                                details={"url": shot.url, "response": capture.record.record_id, "sha256": sha256,
                                         "blocked": shot.blocked[-20:],
                                         "dialogs": [text[:200] for text in shot.dialogs[:5]]})
                result.screenshots += 1
                shot_ids.add(capture.record.record_id)
    finally:
        browser.close()
    if browser.egress.refused:  # WebSockets, service workers: what no page's own record shows
        result.notes.append(f"the browser was kept from {len(browser.egress.refused)} connection(s) to private or "
                            f"local addresses, first {browser.egress.refused[0]}")
    if browser.egress.tls and browser.egress.tls.untrusted:  # sites the fetcher's trust store would refuse too
        untrusted = browser.egress.tls.untrusted
        result.notes.append(f"the browser was kept from {len(untrusted)} site(s) whose certificate the CA "
                            f"certificates given do not vouch for, first {untrusted[0]}")
    for why, urls in failed.items():  # a browser that died would otherwise fill the screen with one line a page
        which = urls[0] if len(urls) == 1 else f"{len(urls)} pages ({urls[0]}, …)"
        result.notes.append(f"no screenshot of {which}: {why}")
    return shot_ids


def _shoot(browser, url: str):
    if browser.gone:
        return browser.gone
    try:
        return browser.screenshot(url)
    except Exception as exc:
        return exc


def _timestamp(vault: Vault, recorder: WarcRecorder, options: FetchOptions, reports: dict[str, str],
               on_progress=None, *, earlier: Sequence[tuple[str, str | None]] = ()) -> tuple[list, int]:
    """Stamp the run's manifest with each authority in turn (`on_progress` hears which is being asked);
    manifest and tokens go into the WARC. `reports` maps each report's name in the vault to its SHA-256;
    `earlier` lists records earlier runs left unsealed, which this manifest lists too.
    Returns the stamps and how many records the manifest lists."""
    from linkvault.archive.timestamp import manifest_bytes, stamp

    records = list(earlier) + list(recorder.written)
    manifest = manifest_bytes(records, reports, options.as_record(), custody=vault.custody_head())
    run = recorder.run_id
    manifest_id = recorder.write_resource(f"urn:evidence:manifest:{run}", "application/json", manifest).record_id
    stamps = []
    for n, tsa in enumerate(options.tsa):
        if on_progress:
            on_progress(None, n, len(options.tsa), stage="timestamping", started=tsa)
        stamps += stamp(manifest, [tsa], egress=options.egress)
    for n, s in enumerate(stamps, start=1):
        token_id = None
        if s.token:
            token_id = recorder.write_resource(f"urn:evidence:rfc3161:{run}:{n}", "application/timestamp-reply",
                                               s.token).record_id
        vault.log_event("timestamped" if s.token else "timestamp-failed", manifest_id, collector=options.collector,
                        details={"tsa": s.tsa, "token_record": token_id, "gen_time": s.gen_time, "error": s.error})
    return stamps, len(records)


def _provenance_columns(capture: Capture) -> dict:
    c = capture.connection
    return {"port": c.port if c else None, "tls_version": c.tls_version if c else None,
            "tls_cipher": c.tls_cipher if c else None, "cert_chain": "".join(c.chain_pem) if c and c.chain_pem else None,
            "provenance_id": capture.provenance_id}


def _fill(link: LinkOutcome, capture: Capture) -> None:
    link.status, link.final_url, link.fetched_at = capture.status, capture.final_url, capture.fetched_at
    link.error, link.detail, link.title = capture.error, capture.error_detail, capture.title
    if capture.state:
        link.state, link.category, link.detail = capture.state.state, capture.state.category, capture.state.detail
    if capture.record:
        link.warc_file, link.warc_offset = capture.record.file, capture.record.offset


def _fill_from_row(vault: Vault, link: LinkOutcome, row: dict) -> None:
    link.status, link.final_url, link.fetched_at = row["status"], row["final_url"], row["fetched_at"]
    link.warc_file, link.warc_offset = row["warc_file"], row["warc_offset"]
    link.state, link.category, link.detail = row.get("state"), row.get("category"), row.get("state_detail")
    titles = vault.query("select title from texts where capture_id = ?", [row["id"]])
    link.title = titles[0]["title"] if titles else None
