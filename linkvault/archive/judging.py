"""One cited URL from fetch to verdict: fetched with its site's companions, compared with its host's soft-404
probe, read and judged in a worker (CPU work, off the event loop), and stored.

A stage that fails on one page makes it `unknown`, naming the stage and the exception: never the run's end.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import multiprocessing
import multiprocessing.forkserver
import os
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from linkvault.archive.fetcher import Fetcher
from linkvault.archive.probes import Probes
from linkvault.archive.verdict import assess, fault, for_worker
from linkvault.archive.verdict_batches import BATCH_PAGES, BatchingPool, die_with
from linkvault.model import Candidate, Capture, LinkState, Page
from linkvault.sites import adapter_for
from linkvault.states import across_vantages, is_deep, worth_a_second_look
from linkvault.vault import Vault, now_iso
from linkvault.vault.custody import text_digest

PROCESS_POOL_FROM = 64  # URLs in a run before judging moves to worker processes


Look = tuple[Capture, list[Capture], "dict | None", list[Capture]]  # a cited capture judged, its companions, its
# text row, and the post's own pictures (part of its capture, not sources the report cites)
PROXY_DOWN = ("proxy-unreachable", "proxy-refused")


@dataclass(eq=False)  # one page's look: put in a queue and taken out again as itself
class Fetched:
    """A cited URL fetched, waiting for its verdict: its capture (the body's head still on it), its site's
    companions, its host's soft-404 probe (awaited by the judge: a URL is queued the moment its own exchange is in
    the WARC) and the name of the site adapter that judges it."""

    capture: Capture
    companions: list[Capture]
    probe: Awaitable[Page | None] | None
    adapter: str | None

    @property
    def size(self) -> int:
        """What it holds in memory: the bodies' heads, which judging reads."""
        return sum(len(c.body_head or b"") for c in (self.capture, *self.companions))


async def capture_and_judge(fetcher: Fetcher, vault: Vault, probes: Probes, url: str,
                            workers: concurrent.futures.Executor | None,
                            hold: Callable[[Capture], bool] = lambda capture: False,
                            elsewhere: Sequence[tuple[Fetcher, Probes]] = ()) -> Capture:
    """Fetch a cited URL with its site's companions, judge its state, store everything: `fetch_cited`, then
    `judge_fetched`, for a caller that has no queue between them."""
    return await judge_fetched(fetcher, vault, await fetch_cited(fetcher, probes, url), workers, hold, elsewhere)


async def fetch_cited(fetcher: Fetcher, probes: Probes, url: str) -> Fetched:
    """The network's part of a look: the URL with its site's companions, and its host's probe when it needs one."""
    adapter = adapter_for(url)
    companion_urls = adapter.companions(url) if adapter else []
    if companion_urls:
        capture, *companions = await asyncio.gather(fetcher.fetch(url), *(fetcher.fetch(c) for c in companion_urls))
    else:  # the common case: no gather, whose future costs the event loop more than it seems
        capture, companions = await fetcher.fetch(url), []
    probe = None
    if adapter is None and capture.status is not None and 200 <= capture.status < 300 and is_deep(url):
        probe = probes.get(url)
    return Fetched(capture, companions, probe, adapter.name if adapter else None)


async def judge_fetched(fetcher: Fetcher, vault: Vault, fetched: Fetched, workers: concurrent.futures.Executor | None,
                        hold: Callable[[Capture], bool] = lambda capture: False,
                        elsewhere: Sequence[tuple[Fetcher, Probes]] = ()) -> Capture:
    """Judge a fetched URL's state, store everything (the cited capture itself not when `hold` says the run must
    first learn whether its failure was our own). A failure the link would be blamed for is first looked at again
    from the other vantage points (`elsewhere`)."""
    look = await _judged(fetcher, fetched, workers)
    if elsewhere and worth_a_second_look(look[0]):
        look = await _from_elsewhere(vault, look, elsewhere, fetched.capture.url, workers)
    capture, companions, stored, pictures = look
    for companion in companions:
        vault.add_url(companion.url)
        vault.store_capture(companion, role="companion")
    held = hold(capture)
    if not held:
        store_judged(vault, capture, stored)
    for picture in pictures:
        vault.add_url(picture.url)
        vault.store_capture(picture, role="image", part_of=None if held else capture.id)
    return capture


async def _look(fetcher: Fetcher, probes: Probes, url: str, workers: concurrent.futures.Executor | None) -> Look:
    """The URL fetched and judged from `fetcher`'s vantage point, with its companions; nothing stored yet."""
    return await _judged(fetcher, await fetch_cited(fetcher, probes, url), workers)


async def _judged(fetcher: Fetcher, fetched: Fetched, workers: concurrent.futures.Executor | None) -> Look:
    """A fetched URL judged, with the post's own pictures fetched; nothing stored yet."""
    capture, companions = fetched.capture, fetched.companions
    probe = await fetched.probe if fetched.probe is not None else None
    # Decoding, text extraction and the verdict are CPU work: one hop to a worker, off the event loop.
    loop = asyncio.get_running_loop()
    executor = workers if capture.body_head else None  # nothing to extract: no process worth starting
    judge = functools.partial(assess, *for_worker(capture, companions, probe), fetched.adapter, fetcher.options.max_decoded)
    try:
        capture.state, stored, cut, fault = await loop.run_in_executor(executor, judge)
    except concurrent.futures.BrokenExecutor:  # a worker died (its page killed it?): judge here
        capture.state, stored, cut, fault = await loop.run_in_executor(None, judge)
    capture.truncated = capture.truncated or cut
    if fault:
        capture.error, capture.error_detail = "internal-error", fault
    elif capture.state and capture.state.failure:  # e.g. the account's session refused: like a failed network, it judged nothing
        capture.error, capture.error_detail = capture.state.failure, capture.state.detail
    images = stored.pop("images", ()) if stored else ()  # the post's own pictures: records of their own
    pictures = list(await asyncio.gather(*(fetcher.fetch(image) for image in images)))
    capture.title = stored["title"] if stored else None
    capture.body_head = b""
    capture.collector = fetcher.options.collector
    return capture, companions, stored, pictures


async def _from_elsewhere(vault: Vault, first: Look, elsewhere: Sequence[tuple[Fetcher, Probes]], url: str,
                          workers: concurrent.futures.Executor | None) -> Look:
    """The look that stands once the other vantage points have looked too: the alive one, as `geo-blocked`, when
    the link is alive from one and failing from another; else the first, as judged. A vantage point whose proxy
    cannot be reached judges nothing (it is our side's failure, never the link's) and is not asked again this run.
    The other looks are kept in the vault as role `vantage`, their companions as any."""
    usable = [(f, p) for f, p in elsewhere if f.down is None]
    looks = [first, *await asyncio.gather(*(_look(f, p, url, workers) for f, p in usable))]
    for (fetcher, _), (capture, *_) in zip(usable, looks[1:]):
        if capture.error in PROXY_DOWN:
            fetcher.down = capture.error_detail or capture.error
    verdict = across_vantages([look[0] for look in looks])
    standing = first if verdict is None else next(look for look in looks if look[0] is verdict[0])
    if verdict is not None:
        standing[0].state = verdict[1]
    for look in looks:
        if look is not standing:
            vault.store_capture(look[0], role="vantage")
            log_captured(vault, look[0], None)
    others = [p for look in looks if look is not standing for p in look[3]]  # kept, as companions of other looks
    return standing[0], [c for look in looks for c in look[1]] + others, standing[2], standing[3]


def store_judged(vault: Vault, capture: Capture, stored: dict | None, *, memento: Candidate | None = None) -> None:
    """A judged capture (cited, or an archive's `memento` of a cited URL), its text and its custody event; a text
    that will not go in costs the text, not the capture."""
    role = "memento" if memento else "cited"
    try:
        vault.store_capture(capture, role=role, text=stored, memento=memento)
    except (OSError, sqlite3.OperationalError):
        raise  # the disk or the vault, not this page
    except Exception as exc:  # the page's text would not go in: the capture is kept, saying so
        if stored is None:
            raise
        failed(capture.url, "storing its text", exc, capture)
        vault.store_capture(capture, role=role, memento=memento)
    log_captured(vault, capture, stored, memento=memento)


def log_captured(vault: Vault, capture: Capture, stored: dict | None, *, memento: Candidate | None = None) -> None:
    """A stored capture's `captured` custody event (where its record lies, its payload, provenance and text
    digests), when it has a record: a cited URL's, an archive's memento of it, or its look from another vantage
    point (the evidence that it failed from there too, or was alive there)."""
    if capture.record:
        details: dict[str, object] = {
            "url": capture.url, "final_url": capture.final_url, "status": capture.status,
            "warc_file": capture.record.file, "offset": capture.record.offset,
            "payload_digest": capture.record.payload_digest, "provenance": capture.provenance_id,
            "text_sha256": text_digest(stored)}
        if capture.vantage:
            details["vantage"] = capture.vantage
        if capture.account:  # who was logged in: the label and cookie names, never a value
            details["account"] = {"label": capture.account.label, "cookie_names": list(capture.account.cookie_names)}
        if memento:
            details["memento"] = {"uri_m": memento.uri_m, "uri_r": memento.url, "datetime": memento.memento_at,
                                  "archive": memento.archive, "found_by": memento.found_by}
        vault.log_event("captured", capture.record.record_id, collector=capture.collector, details=details)


def failed(url: str, stage: str, exc: BaseException, capture: Capture | None = None) -> Capture:
    """The capture of a URL some stage of ours failed on: `unknown`, the stage and exception named. Like
    a failure of our network, it judged nothing: an earlier verdict stands, and the next run tries again."""
    capture = capture or Capture(url=url, fetched_at=now_iso())
    fault(capture, stage, exc)
    return capture


def not_judged(fetched: Fetched, why: str) -> Capture:
    """A fetched capture stored without its verdict (`why`): `unknown`, judging nothing, as `failed` says."""
    capture = fetched.capture
    detail = f"not judged: {why}"
    capture.error, capture.error_detail, capture.body_head = "internal-error", detail, b""
    capture.state = LinkState("unknown", detail, capture.status, capture.final_url)
    return capture


def judges_for() -> int:
    """How many pages are judged at once: for each worker process (one per core), a batch in its hands and the next
    one gathering (see verdict_batches), so none waits while verdicts travel back; as many for a small run's threads."""
    return (BATCH_PAGES + 2) * max(2, os.cpu_count() or 1)


def workers(n_urls: int) -> concurrent.futures.Executor | None:
    """Processes for big runs, so trafilatura does not fight the event loop for the GIL; the
    default thread pool for small ones, where starting processes would cost more than it saves."""
    cpus = os.cpu_count() or 1
    if not _in_processes(n_urls):
        return None
    return BatchingPool(concurrent.futures.ProcessPoolExecutor(max_workers=cpus, mp_context=_forkserver(),
                                                               initializer=die_with, initargs=(os.getpid(),)), cpus)


def start_workers_early(n_urls: int) -> None:
    """Start the forkserver the workers of a run of `n_urls` are forked from (when it has them) now, before the run
    checks its reports, opens the vault and plans: it loads judging's code meanwhile (half a second of CPU) on another
    core, so that the workers are up by the first pages fetched and take no CPU from the fetching then. (A run whose
    every URL turns out to stand from an earlier run started it for nothing: it ends with the run.)"""
    if _in_processes(n_urls):
        _forkserver()
        multiprocessing.forkserver.ensure_running()


def _in_processes(n_urls: int) -> bool:
    return n_urls >= PROCESS_POOL_FROM and (os.cpu_count() or 1) >= 2


def _forkserver() -> multiprocessing.context.BaseContext:
    context = multiprocessing.get_context("forkserver")
    # The forkserver loads and warms judging's code once (only that: no httpx, SQLite nor WARC code); each worker
    # forked from it starts with it loaded instead of loading it again (CPU taken from the fetching at the run's start).
    context.set_forkserver_preload(["linkvault.archive.judging_preload"])
    return context
