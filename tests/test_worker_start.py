"""A big run's worker processes start beside the fetching: until they are up, the pages fetched wait for their
verdict, and the event loop never waits for them (the first hand-off to a pool still starting, its forkserver
importing trafilatura, held up every fetch for most of a second)."""

from __future__ import annotations

import concurrent.futures
import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from test_bench_fetch import _page, _report
from test_fetch import fetch
from test_pipeline import HOLD_AT_MOST, _news

from linkvault.archive import run


class StartingPool(concurrent.futures.ThreadPoolExecutor):
    """Worker processes that take until the fake web has answered every cited URL (or HOLD_AT_MOST) to start: the
    first submit waits for that, as a process pool's first submit waits for its forkserver. Counts the pages
    answered when it was up."""

    def __init__(self, fakeweb, urls: list[str]):
        super().__init__(max_workers=2)
        self.fakeweb, self.urls = fakeweb, urls
        self.answered_when_up: int | None = None
        self._starting = threading.Lock()

    def submit(self, fn, /, *args, **kwargs):
        with self._starting:
            if self.answered_when_up is None:
                deadline = time.monotonic() + HOLD_AT_MOST
                while self._answered() < len(self.urls) and time.monotonic() < deadline:
                    time.sleep(0.02)
                self.answered_when_up = self._answered()
        return super().submit(fn, *args, **kwargs)

    def _answered(self) -> int:
        return sum(1 for url in self.urls if self.fakeweb.hits(url))


def test_fetching_goes_on_while_the_worker_processes_start(tmp_path, fakeweb, monkeypatch):
    """Two fetch slots, twelve pages, and workers that start only once all are fetched: every page is fetched before
    the workers are up, then judged by them."""
    urls = _news(fakeweb, 12)
    pool = StartingPool(fakeweb, urls)
    monkeypatch.setattr(run, "workers", lambda n_urls: pool)
    result = fetch(tmp_path, fakeweb, urls, concurrency=2)
    assert pool.answered_when_up == len(urls)
    assert [link.capture.status for link in result.links] == [200] * len(urls)
    assert all(link.capture.state.state == "ok" for link in result.links)


# A big run's pool, in a process of its own (the forkserver is one a process, started once: a test's pool would get
# whichever another test started): it judges a news page, a dated one and one in cp1251 naming no charset.
_POOL = textwrap.dedent("""
    import json, sys
    sys.path.insert(0, sys.argv[1])
    import worker_probe
    from linkvault.archive.judging import PROCESS_POOL_FROM, workers
    from linkvault.model import Capture
    pool = workers(PROCESS_POOL_FROM)
    try:
        before = pool.submit(worker_probe.loaded).result()
        judged = []
        for n, (content_type, body) in enumerate(json.loads(sys.argv[2])):
            url = f"https://news{n}.kz/news/2024/04/{n}-sobytie.html"
            page = Capture(url=url, fetched_at="", final_url=url, status=200, headers=[("Content-Type", content_type)],
                           body_head=body.encode("utf-8" if "utf-8" in content_type else "cp1251"))
            judged += pool.submit(worker_probe.loaded_by_judging, page).result()
    finally:
        pool.shutdown()
    print(json.dumps({"loaded": before, "judging": judged}))
""")


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="the worker pool needs two CPUs")
def test_a_judging_worker_starts_with_all_judging_loads_and_without_the_runs_network_code():
    """Each worker forked from the forkserver holds what judging a page loads (htmldate's month names in every
    dateparser locale, strptime, trafilatura's charset guesses), loaded once there, and none of the run's own code
    (httpx, the fetcher, WARC and vault code, asyncio), which it has no use for: each worker loaded both at its start, a third
    of a second (asyncio, imported for the batching pool's sending side, ~20 ms of the forkserver's start)."""
    pages = [("text/html; charset=utf-8", _page(31, "news31.kz").decode()),
             ("text/html", '<html><head><title>Report</title><script type="application/ld+json">{"datePublished": '
                           '"2024-05-02"}</script></head><body><article><p>Dated.</p></article></body></html>'),
             ("text/html", "<html><head><title>Новости</title></head><body><p>Суд оштрафовал активиста за пост "
                           "о митинге.</p></body></html>")]
    ran = subprocess.run([sys.executable, "-c", _POOL, str(Path(__file__).parent), json.dumps(pages)],
                         capture_output=True, text=True, timeout=120, check=False)
    assert ran.returncode == 0, ran.stderr[-2000:]
    seen = json.loads(ran.stdout)
    assert not {"httpx", "warcio", "linkvault.archive.fetcher", "linkvault.vault", "asyncio"} & set(seen["loaded"])
    assert seen["judging"] == []


# A big run in a process of its own (the forkserver is one a process), which notes whether the forkserver is up when
# the run plans its fetching, and what the run's verdicts were.
_RUN = textwrap.dedent("""
    import json, multiprocessing.forkserver, sys
    from pathlib import Path
    import linkvault
    from linkvault.archive import FetchOptions
    from linkvault.archive.run import FetchRun
    seen = {}
    plan = FetchRun._plan
    def planning(self, *args, **kwargs):
        seen["forkserver up while planning"] = multiprocessing.forkserver._forkserver._forkserver_pid is not None
        return plan(self, *args, **kwargs)
    FetchRun._plan = planning
    proxy, ca, report, vault = sys.argv[1:5]
    result = linkvault.fetch([Path(report)], Path(vault), FetchOptions(proxy=proxy, ca_bundle=ca))
    seen["states"] = sorted({link.capture.state.state for link in result.links})
    print(json.dumps(seen))
""")


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="the worker pool needs two CPUs")
def test_a_big_runs_forkserver_starts_before_the_run_plans_its_fetching(tmp_path, fakeweb):
    """The forkserver loads judging's code (half a second of CPU) while the run checks its reports, opens the vault
    and plans, on the other core: it used to start with the fetching, and took CPU from it."""
    from linkvault.archive.judging import PROCESS_POOL_FROM

    urls = _news(fakeweb, PROCESS_POOL_FROM)
    report = _report(tmp_path / "report.txt", urls)
    ran = subprocess.run([sys.executable, "-c", _RUN, fakeweb.proxy_url, fakeweb.ca_pem_path, str(report),
                          str(tmp_path / "vault")], capture_output=True, text=True, timeout=300, check=False)
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert json.loads(ran.stdout.splitlines()[-1]) == {"forkserver up while planning": True, "states": ["ok"]}
