"""Benchmark of the distributed mode (issue 17): the throughput of `fetch --queue` with 1, 2 and 4 worker processes
on loopback hosts, against the politeness bound. Run by `make bench`; it prints figures and asserts no timings.

The same sites each time (N_URLS pages over N_HOSTS https hosts through the fake web's proxy, LATENCY seconds per
page), a fresh vault and Redis each time, the workers started and registered before the clock starts: the figure
is the run's wall time from enqueuing to its closing report. The politeness bound is pages per host / --per-host ×
latency; with 16 captures at once per worker, one worker is bound by its own concurrency, more by the cores.

    .venv/bin/python -m pytest -q -m bench -s tests/test_bench_distributed.py
"""

from __future__ import annotations

import json
import os
import random
import sys
import time

import pytest
import redis
from bench_summary import headline
from fakeweb import FakeWeb, Response
from redis_server import queue_env, redis_server, start_worker, stop_workers
from test_bench_fetch import _env, _page, _report, _run

pytestmark = pytest.mark.bench

N_URLS = int(os.environ.get("LINKVAULT_BENCH_QUEUE_URLS", "600"))
N_HOSTS = 50
LATENCY = 0.1
PER_HOST = 2
WORKERS = (1, 2, 4)


def test_bench_distributed_throughput_with_1_2_and_4_workers(tmp_path):
    hosts = [f"queue{i}.kz" for i in range(N_HOSTS)]
    urls = [f"https://{hosts[n % N_HOSTS]}/news/2024/04/{n}-sobytie.html" for n in range(N_URLS)]
    random.Random(17).shuffle(urls)
    bound = -(-N_URLS // N_HOSTS) / PER_HOST * LATENCY
    figures = []
    with FakeWeb() as web:
        for n, url in enumerate(urls):
            host = url.split("/")[2]
            web.route_url(url, Response(200, [("Content-Type", "text/html; charset=utf-8")], _page(n, host),
                                        delay=LATENCY))
        report = _report(tmp_path / "report.txt", urls)
        env = {**_env(), **{k: v for k, v in queue_env().items() if k.startswith("LINKVAULT_")}}
        for count in WORKERS:
            base = tmp_path / f"w{count}"
            base.mkdir()
            with redis_server(base) as queue:
                workers = [start_worker(queue, base / "vault", base / f"worker{k}.log") for k in range(count)]
                try:
                    client = redis.StrictRedis.from_url(queue)
                    while client.zcard("linkvault:workers") < count:
                        time.sleep(0.05)
                    time.sleep(1.5)  # the first worker gives back the shards beyond its share
                    cmd = [sys.executable, "-m", "linkvault", "--vault", str(base / "vault"), "fetch", str(report),
                           "--queue", queue, "--proxy", web.proxy_url, "--ca-bundle", web.ca_pem_path,
                           "--per-host", str(PER_HOST), "--no-screenshots", "--no-timestamp", "--format", "json"]
                    ran = _run(cmd, base, "fetch", env)
                finally:
                    stop_workers(workers)
            assert ran.rc == 0, (base / "fetch.err").read_text()[-3000:]
            links = json.loads((base / "fetch.out").read_text())["reports"][0]["footnotes"]
            assert len(links) == N_URLS and all(item["http_status"] == 200 for item in links)
            figures.append((count, ran.wall))
    one = figures[0][1]
    most, fastest = figures[-1]
    binds = "the politeness bound binds" if bound / fastest >= 0.8 else f"the {os.cpu_count()} cores bind"
    headline("distributed fetch --queue, " + " / ".join(str(c) for c, _ in figures) + " workers",
             " / ".join(f"{wall:.2f}" for _, wall in figures) + " s", target="scales to a bound",
             note=f"politeness bound {bound:.2f} s; {most} workers at {bound / fastest:.2f} of it: {binds}")
    print(f"\ndistributed mode (fetch --queue): {N_URLS} pages over {N_HOSTS} hosts, {LATENCY * 1000:.0f} ms each, "
          f"--per-host {PER_HOST}; politeness bound {bound:.2f} s; {os.cpu_count()} cores")
    for count, wall in figures:
        print(f"  {count} worker{'s' if count > 1 else ' '}: {wall:6.2f} s  {N_URLS / wall:6.1f} pages/s  "
              f"speed-up {one / wall:4.2f}  of the politeness bound {bound / wall:4.2f}")
