"""The capture pipeline: fetching and WARC writing never wait for judging, the queue between them is bounded, and a run
stopped while pages wait for their verdict keeps them."""

from __future__ import annotations

import asyncio
import functools
import os
import re
import signal
import sqlite3
import threading
import time

import pytest
from fakeweb import Response
from test_fetch import fetch, records, warcio_check, warcs
from test_fetch import options as _options
from test_fetch import report as _report

import linkvault
from linkvault.archive import judging
from linkvault.archive import run as fetch_run
from linkvault.archive.judging import Fetched
from linkvault.archive.pipeline import JudgingQueue
from linkvault.model import Capture
from linkvault.render.progress import FetchProgress

HOLD_AT_MOST = 20.0  # seconds a held-up judge waits for the fetching before it gives up (then the test fails)


def _news(fakeweb, n: int) -> list[str]:
    """`n` small Kazakh news pages on three sites, each answering after 50 ms."""
    urls = [f"https://{('kursiv.media', 'vlast.kz', 'orda.kz')[k % 3]}/2024/04/{k:02d}/sud-po-delu/" for k in range(n)]
    for k, url in enumerate(urls):
        fakeweb.route_url(url, Response(200, [("Content-Type", "text/html; charset=utf-8")],
                                        f"<html><head><title>Суд {k}</title></head><body><article><h1>Суд {k}</h1>"
                                        f"<p>Суд Астаны рассмотрел дело номер {k} об участии в митинге.</p>"
                                        "</article></body></html>".encode(), delay=0.05))
    return urls


class HeldJudge:
    """`assess`, held up until the fake web has answered every cited URL (or HOLD_AT_MOST passed): what a slow
    extraction does to a run. Counts the pages answered when the first judge was let go."""

    def __init__(self, fakeweb, urls: list[str], then=None):
        self.fakeweb, self.urls, self.then = fakeweb, urls, then
        self.answered_when_released: int | None = None
        self.lock = threading.Lock()
        self.real = judging.assess

    def answered(self) -> int:
        return sum(1 for url in self.urls if self.fakeweb.hits(url))

    def __call__(self, *args):
        deadline = time.monotonic() + HOLD_AT_MOST
        while self.answered() < len(self.urls) and time.monotonic() < deadline:
            time.sleep(0.02)
        with self.lock:
            first = self.answered_when_released is None
            if first:
                self.answered_when_released = self.answered()
        if first and self.then is not None:
            self.then()
        return self.real(*args)


def test_fetching_goes_on_while_judging_is_held_up(tmp_path, fakeweb, monkeypatch):
    """With two fetch slots and every judge stuck, the old run fetched four pages (its jobs in flight) and waited;
    the pipeline fetches them all and judges them once it can."""
    urls = _news(fakeweb, 12)
    held = HeldJudge(fakeweb, urls)
    monkeypatch.setattr(judging, "assess", held)
    result = fetch(tmp_path, fakeweb, urls, concurrency=2)
    assert held.answered_when_released == len(urls)
    assert [link.capture.status for link in result.links] == [200] * len(urls)
    assert all(link.capture.state.state == "ok" for link in result.links)


def test_while_fetching_waits_for_room_in_the_judging_queue_the_progress_line_says_so(tmp_path, fakeweb, monkeypatch):
    """A queue of one page, two judges and both stuck: the fetches in flight wait for room, and the line the terminal and
    the heartbeat show (read here as they read it, every few milliseconds) says they wait for judging, not for a host
    that answered long ago ("waiting for orda.kz"). The judges go on once that line has held still for 0.3 s."""
    urls = _news(fakeweb, 12)
    monkeypatch.setattr(fetch_run, "JudgingQueue", functools.partial(JudgingQueue, pages=1))
    monkeypatch.setattr(fetch_run, "judges_for", lambda: 2)  # fewer stuck judges than pages, or they hold them all
    release, real, progress = threading.Event(), judging.assess, FetchProgress()
    seen: list[tuple[str, int]] = []  # the line held still while judging was stuck, and how many pages were asked for

    def held(*args):
        release.wait(HOLD_AT_MOST)
        return real(*args)

    def watch() -> None:
        line, since = progress.line(), time.monotonic()
        while not release.wait(0.01):
            if progress.line() != line:
                line, since = progress.line(), time.monotonic()
            elif time.monotonic() - since > 0.3 and "judging" in line:  # a slow host's line may hold still too
                seen.append((line, sum(1 for url in urls if fakeweb.hits(url))))
                release.set()

    monkeypatch.setattr(judging, "assess", held)
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        result = linkvault.fetch([_report(tmp_path, urls)], tmp_path / "vault", _options(fakeweb, concurrency=1),
                                 on_progress=progress.update)
    finally:
        release.set()
        watcher.join()
    assert all(link.capture.state.state == "ok" for link in result.links)
    [(line, asked)] = seen
    assert re.fullmatch(r"fetching 0/12 · waiting for judging to catch up \(\d+ fetched\)", line), line
    assert asked < len(urls)  # the queue held the fetching back: not every page was asked for yet
    assert progress.line() == "fetching 12/12"


def test_a_run_stopped_while_pages_wait_for_their_verdict_keeps_them(tmp_path, fakeweb, monkeypatch):
    """Ctrl-C (a real SIGINT, to this process) while pages wait for their verdict: each page already fetched is in the
    WARC, so it is in the vault too (with its custody event), judging nothing; the next run fetches those again for
    their verdict, and audit holds throughout."""
    urls = _news(fakeweb, 9)
    monkeypatch.setattr(judging, "assess", HeldJudge(fakeweb, urls, then=lambda: os.kill(os.getpid(), signal.SIGINT)))
    with pytest.raises(KeyboardInterrupt):
        fetch(tmp_path, fakeweb, urls, concurrency=2)
    monkeypatch.undo()

    db = sqlite3.connect(tmp_path / "vault" / "linkvault.db")
    rows = {url: (record, state, detail) for url, record, state, detail in db.execute(
        "select url, record_id, state, error_detail from captures where role = 'cited'")}
    archived = {uri for kind, uri, _, _ in records(tmp_path) if kind == "response" and uri in urls}
    # Every page the run had fetched is in the vault; a page whose exchange was being closed at the interrupt (the
    # record written, the fetch not yet returned) may be in the WARC alone: the next run fetches it again (below).
    assert len(archived) >= 3 and set(rows) <= archived and len(archived - set(rows)) <= 2
    custody = {subject for (subject,) in db.execute("select subject from custody where event = 'captured'")}
    assert all(record in custody for record, _, _ in rows.values())
    unjudged = [url for url, (_, state, detail) in rows.items() if detail and detail.startswith("not judged")]
    assert unjudged and all(rows[url][1] == "unknown" for url in unjudged)
    db.close()
    warcio_check(warcs(tmp_path))
    assert linkvault.audit(tmp_path / "vault").holds

    again = fetch(tmp_path, fakeweb, urls, concurrency=2)
    assert all(link.capture.status == 200 and link.capture.state.state == "ok" for link in again.links)
    assert all(fakeweb.hits(url) == 2 for url in unjudged)  # fetched again for the verdict they lacked
    stored = {url for (url,) in sqlite3.connect(tmp_path / "vault" / "linkvault.db").execute(
        "select url from captures where role = 'cited' and record_id is not null")}
    assert archived <= stored  # a page in the WARC alone after the interrupt is in the vault after the next run
    assert all(fakeweb.hits(url) == 1 for url in set(rows) - set(unjudged))  # judged: never fetched again
    assert linkvault.audit(tmp_path / "vault").holds


def _fetched(n: int, size: int = 100) -> Fetched:
    page = f"<html><body><p>{'ж' * size}</p></body></html>".encode()[:size]
    return Fetched(Capture(url=f"https://vlast.kz/novosti/{n}", fetched_at="2024-04-05T10:15:00Z", body_head=page),
                   [], None, None)


async def _fill(queue: JudgingQueue, pages: list[Fetched], stuck: asyncio.Event) -> int:
    """Put `pages` from as many fetching tasks while the judges are `stuck`; how many got in before the queue held
    the rest back. Then the judges go on, and every page gets in."""
    putting = [asyncio.ensure_future(queue.put(page)) for page in pages]
    for _ in range(200):  # the loop runs every task that can run, judges included, until all wait
        await asyncio.sleep(0)
    accepted = sum(1 for task in putting if task.done())
    stuck.set()
    await asyncio.gather(*putting)
    return accepted


def test_a_full_queue_holds_fetching_back_by_pages_and_by_bytes():
    """Judges stuck: the queue takes `pages` pages (plus one in each judge's hands), then fetching waits; by bytes,
    one page over the budget still goes when the queue is empty, and none after it."""

    async def scenario() -> tuple[int, int, int, int]:
        stuck = asyncio.Event()

        async def judge(fetched: Fetched) -> None:
            await stuck.wait()

        async with JudgingQueue(judge, judges=2, pages=3) as by_pages:
            by_count = await _fill(by_pages, [_fetched(n) for n in range(10)], stuck)
        stuck.clear()
        async with JudgingQueue(judge, judges=1, pages=100, size=250) as by_bytes:
            by_size = await _fill(by_bytes, [_fetched(n, 200) for n in range(10)], stuck)
        return by_count, by_pages.most_queued, by_size, len(by_pages.waiting) + len(by_bytes.waiting)

    by_count, most, by_size, left = asyncio.run(scenario())
    assert (by_count, most) == (3 + 2, 3)  # three queued, one with each of the two judges
    assert by_size == 1 + 1  # one with the judge, one queued: 200 + 200 bytes is over the 250 allowed
    assert left == 0  # leaving the queue's block waited until every page put was judged

