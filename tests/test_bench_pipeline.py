"""Benchmark of the capture pipeline: how close `linkvault fetch` comes to the politeness-bound ideal. Run by `make bench`.

1,000 URLs over 50 https hosts through the fake web's proxy, 100 ms per response, `--no-screenshots --no-timestamp`,
at `--concurrency 100 --per-host 2` (ideal 1.0 s: 100 requests in flight, each taking the latency) and at the defaults
(`--concurrency 16`: ideal 6.25 s). Each run is a subprocess of `python -m linkvault` (start-up included, and the fake
web in this process shares no GIL with it). It prints figures and asserts no timings: only that all was archived.

    .venv/bin/python -m pytest -q -m bench -s tests/test_bench_pipeline.py     (URL count: LINKVAULT_BENCH_URLS)
"""

from __future__ import annotations

import json
import os
import random
import sys
import time

import pytest
from bench_summary import headline
from fakeweb import FakeWeb, Response
from test_bench_fetch import _CEILING, LATENCY, N_HOSTS, N_URLS, _env, _mb, _page, _report, _run

from linkvault.archive import FetchOptions

pytestmark = pytest.mark.bench

DEFAULTS = FetchOptions()
# (--concurrency, --per-host); the defaults first, so the fake web issues its certificates to 16 clients at a time
SETTINGS = [(DEFAULTS.concurrency, DEFAULTS.per_host), (100, 2)]
TARGETS = {100: 0.5, DEFAULTS.concurrency: 0.85}  # the issue's: ratio to the ideal at each concurrency
BEFORE = {100: "0.14", "bare": "0.87 (bare asyncio client)"}  # issue 17's table (it did not measure the defaults)


def test_bench_pipeline_ratio_to_the_politeness_ideal(tmp_path):
    with FakeWeb(evented=True) as web:  # the threaded fake web keeps too few delayed requests in flight for c100
        urls = []
        for n in range(N_URLS):
            host = f"news{n % N_HOSTS}.kz"
            url = f"https://{host}/news/2024/04/{n}-sobytie.html"
            web.route_url(url, Response(200, [("Content-Type", "text/html; charset=utf-8")], _page(n, host),
                                        delay=LATENCY))
            urls.append(url)
        random.Random(2024).shuffle(urls)  # a report cites its sources in no order of host
        report = _report(tmp_path / "report.txt", urls)
        (tmp_path / "urls.txt").write_text("\n".join(urls) + "\n")
        env = _env()
        lines = [f"\n== capture pipeline: {N_URLS} URLs on {N_HOSTS} https hosts through the proxy, "
                 f"{LATENCY * 1000:.0f} ms per response, --no-screenshots --no-timestamp ==",
                 "reproduce: .venv/bin/python -m pytest -q -m bench -s tests/test_bench_pipeline.py",
                 f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores "
                 "(other work on the machine takes from every figure)"]
        print("\n".join(lines))
        for concurrency, per_host in SETTINGS:
            print("\n".join(_one_setting(tmp_path, web, report, env, concurrency, per_host)))
        print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


def _one_setting(tmp_path, web: FakeWeb, report, env: dict, concurrency: int, per_host: int) -> list[str]:
    name = f"c{concurrency}-p{per_host}"
    web.reset_log()  # the plain httpx client's untimed warm-up also has the fake web issue its certificates
    ceiling_cmd = [sys.executable, "-c", _CEILING, web.proxy_url, web.ca_pem_path, str(concurrency), str(per_host),
                   str(tmp_path / "urls.txt")]
    assert _run(ceiling_cmd, tmp_path, f"ceiling-{name}", env).rc == 0, (tmp_path / f"ceiling-{name}.err").read_text()
    ceiling = float((tmp_path / f"ceiling-{name}.out").read_text().split()[-1])

    web.reset_log()
    cmd = [sys.executable, "-m", "linkvault", "--vault", str(tmp_path / f"vault-{name}"), "fetch", str(report),
           "--proxy", web.proxy_url, "--ca-bundle", web.ca_pem_path, "--no-screenshots", "--no-timestamp",
           "--concurrency", str(concurrency), "--per-host", str(per_host), "--format", "json"]
    started = time.monotonic()  # the fake web's request times are time.monotonic() too
    lv = _run(cmd, tmp_path, name, env)
    assert lv.rc == 0, (tmp_path / f"{name}.err").read_text()[-3000:]
    links = json.loads((tmp_path / f"{name}.out").read_text())["reports"][0]["footnotes"]
    assert len(links) == N_URLS and all(item["http_status"] == 200 and item["warc"] for item in links)
    peak = web.peak_in_flight
    cited = sorted(r.time for r in web.requests if r.status == 200)
    assert len(cited) == N_URLS
    first, fetched = cited[0] - started, cited[-1] + LATENCY - started  # the network's half: first to last answer

    slots = min(concurrency, N_HOSTS * per_host)
    ideal = N_URLS / slots * LATENCY
    target = TARGETS.get(concurrency)
    headline(f"ideal / wall, linkvault --concurrency {concurrency} --per-host {per_host}", f"{ideal / lv.wall:.2f}",
             target=f">= {target}" if target else "", before=BEFORE.get(concurrency, ""),
             note=f"plain httpx {ideal / ceiling:.2f}; first request at {first:.2f} s; "
                  f"ideal / fetching span {ideal / (fetched - first):.2f}; main process "
                  f"{(lv.user + lv.sys) / N_URLS * 1000:.1f} ms CPU per URL")
    if concurrency == 100:
        headline("ideal / wall, plain httpx, the harness at c100", f"{ideal / ceiling:.2f}", before=BEFORE["bare"],
                 note=f"the fake web's peak in flight under linkvault: {peak} of {slots}")
    return [
        f"--concurrency {concurrency} --per-host {per_host}: ideal = {N_URLS} / min({concurrency}, {N_HOSTS} x {per_host}) "
        f"x {LATENCY} = {ideal:.2f} s",
        f"  linkvault wall                {lv.wall:7.2f} s   CPU user {lv.user:.1f} s + sys {lv.sys:.1f} s "
        f"({(lv.user + lv.sys) / N_URLS * 1000:.1f} ms per URL, start-up included); peak RSS {_mb(lv)}",
        f"  (the main process's own CPU: its judging workers, orphans of its forkserver, are not counted; at the ideal's "
        f"pace it would need {(lv.user + lv.sys) / ideal:.1f} cores)",
        f"  first request at              {first:7.2f} s   (start-up: Python, imports, the report, the vault)",
        f"  last page fetched at          {fetched:7.2f} s   (the network's half: fetching and WARC writing)",
        f"  ideal / wall                  {ideal / lv.wall:7.2f}     target >= {target}" if target else
        f"  ideal / wall                  {ideal / lv.wall:7.2f}",
        f"  ideal / fetching span         {ideal / (fetched - first):7.2f}     (first request to last answer)",
        f"  requests in flight, at most   {peak:7d}     of {slots} allowed (the fake web's own count)",
        f"  plain httpx, same limits      {ceiling:7.2f} s   ideal / that {ideal / ceiling:.2f} (what the fake web and this "
        "machine allow now)",
        f"  plain httpx / linkvault       {ceiling / lv.wall:7.2f}     (the same ratio, less what the machine takes from both)",
    ]
