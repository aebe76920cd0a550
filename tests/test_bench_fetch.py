"""Benchmarks of `linkvault fetch` against the fake web, with wget as the baseline. Run by `make bench`.

They print figures and assert no timings: only that everything was archived. Each one runs
`python -m linkvault` as a subprocess, so start-up is in the figure and the fake web (threads in
this pytest process) does not share a GIL with the fetcher it serves.

Real host names through the fake web's proxy, not --allow-private: the evented fake web (one asyncio
loop, a delay a timer) keeps hundreds of delayed requests in flight, and the throughput bench measures
how close a plain httpx client gets (the "harness ceiling" line), so whatever separates linkvault from
that line is linkvault's own.

    .venv/bin/python -m pytest -q -m bench -s tests/test_bench_fetch.py
    LINKVAULT_BENCH_URLS=200 .venv/bin/python -m pytest -q -m bench -s tests/test_bench_fetch.py -k throughput
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from fakeweb import FakeWeb, Response

from linkvault.archive import FetchOptions

pytestmark = pytest.mark.bench

ROOT = Path(__file__).resolve().parents[1]
WGET = "/usr/bin/wget"
TIME = "/usr/bin/time"  # GNU time, for each command's own peak RSS
N_URLS = int(os.environ.get("LINKVAULT_BENCH_URLS", "1000"))
N_HOSTS = 50
LATENCY = 0.1  # seconds the fake web waits before every cited page
DEFAULTS = FetchOptions()  # the bench runs linkvault with its defaults: --concurrency 16, --per-host 2
BIG = 1024**3


@pytest.fixture(scope="module")
def web():
    """A fake web of its own: the routes here are many and big, and none of the shared site pages."""
    with FakeWeb(evented=True) as fake:
        yield fake


def _page(n: int, host: str) -> bytes:
    rng = random.Random(n)
    words = ["суд", "штраф", "активист", "митинг", "статья", "задержан", "тенге", "Астана", "Алматы", "закон"]
    paras = "".join(f"<p>{' '.join(rng.choice(words) for _ in range(40))} №{n}-{k}.</p>" for k in range(4))
    return (f"<!DOCTYPE html><html lang=\"ru\"><head><meta charset=\"utf-8\"><title>Новость {n} — {host}</title></head>"
            f"<body><article><h1>Новость {n}</h1>{paras}</article></body></html>").encode()


def _report(path: Path, urls: list[str]) -> Path:
    body = " ".join(f"Claim {n}[{n}]." for n in range(1, len(urls) + 1))
    notes = "\n".join(f"[{n}] {u}" for n, u in enumerate(urls, start=1))
    path.write_text(f"{body}\n\n{notes}\n", encoding="utf-8")
    return path


@dataclass
class Ran:
    wall: float  # seconds
    rc: int
    rss_mb: float | None  # peak resident set size of the command itself
    user: float  # CPU seconds
    sys: float


def _run(cmd: list[str], cwd: Path, name: str, env: dict | None = None) -> Ran:
    """Run to completion, stdout and stderr to files in cwd.

    Peak RSS comes from GNU time (%M), not from this process's wait4()/getrusage(RUSAGE_CHILDREN):
    on Linux a child's ru_maxrss starts at the high-water mark of the process it was forked from
    (kept across fork and exec), so any child of this pytest process would report at least pytest's
    own RSS, ~85 MB here. GNU time is a small C program, so what it reports is the command's own."""
    usage = cwd / f"{name}.usage"
    timed = [TIME, "-f", "%M %U %S", "-o", str(usage), *cmd] if os.path.exists(TIME) else cmd
    with open(cwd / f"{name}.out", "wb") as out, open(cwd / f"{name}.err", "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(timed, stdout=out, stderr=err, cwd=cwd, env=env)
        _, status, rusage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, so Popen must not wait again
    if timed is cmd:
        return Ran(wall, proc.returncode, None, rusage.ru_utime, rusage.ru_stime)
    rss_kb, user, system = usage.read_text().split()[-3:]  # after "Command exited with non-zero status N"
    return Ran(wall, proc.returncode, int(rss_kb) / 1024, float(user), float(system))


def _mb(ran: Ran) -> str:
    return f"{ran.rss_mb:.1f} MB" if ran.rss_mb is not None else f"n/a (no {TIME})"


def _env() -> dict:
    """No proxy or CA from the developer's environment: each command is told both explicitly."""
    drop = {"http_proxy", "https_proxy", "all_proxy", "no_proxy", "ssl_cert_file", "ssl_cert_dir"}
    return {k: v for k, v in os.environ.items() if k.lower() not in drop}


def _wget(web: FakeWeb, *args: str) -> list[str]:
    """wget through the same proxy, trusting the same CA. Its ~50 ms per URL beyond the latency is
    wget's own: each URL (another host) is a new CONNECT + TLS handshake, and wget (GnuTLS, no
    TCP_NODELAY) sends ChangeCipherSpec and Finished as two small writes, so Nagle holds the second
    until the peer's delayed ACK, ~40 ms (seen with strace; curl, which sets TCP_NODELAY, does not stall)."""
    return [WGET, "-q", "--tries=1", "--timeout=60", "-e", "robots=off", "-e", "use_proxy=yes",
            "-e", f"https_proxy={web.proxy_url}", "-e", f"http_proxy={web.proxy_url}",
            f"--ca-certificate={web.ca_pem_path}", *args]


def _wget_version() -> str:
    out = subprocess.run([WGET, "--version"], check=False, capture_output=True, text=True).stdout
    return out.split()[2] if out.startswith("GNU Wget") else "?"


def _rel(cmd: list[str]) -> str:
    return " ".join(os.path.relpath(c, ROOT) if c.startswith(str(ROOT)) else c for c in cmd)


# A minimal fetcher (plain httpx, one small pool per host as linkvault builds it, so connections are
# kept per host; no WARC, no extraction, no database) with linkvault's limits, run the same way: what
# the fake web and its proxy allow. It first asks one page of each host, untimed, so that the fake web
# has issued its per-host certificates (trustme, on first SNI) before any timed run.
_CEILING = textwrap.dedent("""
    import asyncio, ssl, sys, time, httpx
    proxy, ca, conc, per_host, path = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    urls = open(path).read().split()
    async def main():
        glob, hosts, clients = asyncio.Semaphore(conc), {}, {}
        verify, limits = ssl.create_default_context(cafile=ca), httpx.Limits(max_keepalive_connections=max(2, per_host))
        async def one(url):
            name = httpx.URL(url).host
            host = hosts.setdefault(name, asyncio.Semaphore(per_host))
            if name not in clients:
                clients[name] = httpx.AsyncClient(proxy=proxy, verify=verify, limits=limits, timeout=60)
            async with host, glob:
                response = await clients[name].get(url)
                assert response.status_code == 200, url
        await asyncio.gather(*(one(u) for u in {httpx.URL(u).host: u for u in urls}.values()))
        print("warm", flush=True)
        start = time.perf_counter()
        await asyncio.gather(*(one(u) for u in urls))
        print(time.perf_counter() - start)
        for client in clients.values():
            await client.aclose()
    asyncio.run(main())
""")


def _tunnels(web: FakeWeb) -> int:
    """TLS connections opened through the proxy since the last reset (one CONNECT each)."""
    return sum(1 for record in web.proxy.log if record.method == "CONNECT")


def _in_flight(web: FakeWeb, status: int = 200) -> float:
    """Average delayed requests being answered at once: busy request-seconds / the span they cover."""
    times = [r.time for r in web.requests if r.status == status]
    return len(times) * LATENCY / (max(times) - min(times) + LATENCY)


def test_bench_fetch_throughput_vs_wget(tmp_path, web):
    """N_URLS pages over 50 https hosts, 0.1 s latency each: linkvault (defaults) against wget."""
    hosts = [f"news{i}.kz" for i in range(N_HOSTS)]
    urls = []
    for n in range(N_URLS):
        host = hosts[n % N_HOSTS]
        url = f"https://{host}/news/2024/04/{n}-sobytie.html"
        web.route_url(url, Response(200, [("Content-Type", "text/html; charset=utf-8")], _page(n, host), delay=LATENCY))
        urls.append(url)
    random.Random(2024).shuffle(urls)  # a report cites its sources in no order of host
    report = _report(tmp_path / "report.txt", urls)
    (tmp_path / "urls.txt").write_text("\n".join(urls) + "\n")
    env = _env()

    # Harness ceiling first (its untimed warm-up also has the fake web issue its certificates).
    web.reset_log()
    ceiling_cmd = [sys.executable, "-c", _CEILING, web.proxy_url, web.ca_pem_path, str(DEFAULTS.concurrency),
                   str(DEFAULTS.per_host), str(tmp_path / "urls.txt")]
    assert _run(ceiling_cmd, tmp_path, "ceiling", env).rc == 0, (tmp_path / "ceiling.err").read_text()
    ceiling = float((tmp_path / "ceiling.out").read_text().split()[-1])
    ceiling_tunnels = _tunnels(web)

    web.reset_log()
    vault = tmp_path / "vault"
    cmd = [sys.executable, "-m", "linkvault", "--vault", str(vault), "fetch", str(report),
           "--proxy", web.proxy_url, "--ca-bundle", web.ca_pem_path, "--format", "json"]
    lv = _run(cmd, tmp_path, "linkvault", env)
    assert lv.rc == 0, (tmp_path / "linkvault.err").read_text()[-3000:]
    links = json.loads((tmp_path / "linkvault.out").read_text())["reports"][0]["footnotes"]
    assert len(links) == N_URLS and all(item["http_status"] == 200 and item["warc"] for item in links)
    lv_requests, lv_tunnels, lv_in_flight = len(web.requests), _tunnels(web), _in_flight(web)
    warc_bytes = sum(p.stat().st_size for p in (vault / "warc").glob("*.warc.gz"))

    web.reset_log()
    out = tmp_path / "wget"
    out.mkdir()
    wget_cmd = _wget(web, f"--warc-file={out / 'bench'}", "-P", str(out / "files"), "-i", str(tmp_path / "urls.txt"))
    wget = _run(wget_cmd, tmp_path, "wget", env)
    assert wget.rc == 0, (tmp_path / "wget.err").read_text()[-3000:]
    assert len(web.requests) == N_URLS
    wget_tunnels = _tunnels(web)
    wget_warc = (out / "bench.warc.gz").stat().st_size

    slots = min(DEFAULTS.concurrency, N_HOSTS * DEFAULTS.per_host)
    ideal = N_URLS / slots * LATENCY
    issue_ideal = N_URLS / (N_HOSTS * DEFAULTS.per_host) * LATENCY
    print(f"""
== fetch throughput: {N_URLS} URLs on {N_HOSTS} https hosts through the proxy, {LATENCY * 1000:.0f} ms latency each ==
reproduce: .venv/bin/python -m pytest -q -m bench -s tests/test_bench_fetch.py -k throughput   (URL count: LINKVAULT_BENCH_URLS)
linkvault fetch, defaults --concurrency {DEFAULTS.concurrency} --per-host {DEFAULTS.per_host}; a subprocess of python -m linkvault, start-up included
  wall time                              {lv.wall:8.2f} s   {N_URLS / lv.wall:.0f} URLs/s; CPU user {lv.user:.1f} s + sys {lv.sys:.1f} s; peak RSS {_mb(lv)}
  requests answered                      {lv_requests:8d}     {N_URLS} cited pages + one soft-404 probe per host
  TLS connections opened (CONNECTs)      {lv_tunnels:8d}
  delayed requests in flight, average    {lv_in_flight:8.1f}     of {slots} allowed
  WARC written                           {warc_bytes / 1e6:8.2f} MB
  ideal = URLs / min(concurrency, hosts x per-host) x latency     at most {slots} requests in flight, each takes >= latency
        = {N_URLS} / min({DEFAULTS.concurrency}, {N_HOSTS} x {DEFAULTS.per_host}) x {LATENCY}   {ideal:8.2f} s
  ideal / actual                         {ideal / lv.wall:8.2f}
  issue's formula: URLs / (hosts x per-host) x latency             the per-host bound alone; --concurrency caps first
        = {N_URLS} / ({N_HOSTS} x {DEFAULTS.per_host}) x {LATENCY}          {issue_ideal:8.2f} s
  harness ceiling: plain httpx, same limits {ceiling:5.2f} s   {ceiling_tunnels} TLS connections incl. warm-up; ideal / ceiling {ideal / ceiling:.2f} (the fake web's own cost)
  linkvault / harness ceiling            {lv.wall / ceiling:8.2f}
wget {_wget_version()} -i urls.txt --warc-file, one URL at a time
  wall time                              {wget.wall:8.2f} s   {N_URLS / wget.wall:.1f} URLs/s; {(wget.wall / N_URLS - LATENCY) * 1000:.0f} ms per URL beyond the latency; WARC {wget_warc / 1e6:.2f} MB; peak RSS {_mb(wget)}
  TLS connections opened (CONNECTs)      {wget_tunnels:8d}     one per URL: consecutive URLs are on other hosts
  wget / linkvault                       {wget.wall / lv.wall:8.2f}x
  command: {_rel(wget_cmd)}
""")


def test_bench_fetch_memory_one_gib_response(tmp_path, web):
    """Peak RSS of `linkvault fetch` archiving one 1 GiB body (nothing truncated), and of wget doing the same."""
    url = "http://video.kz/media/2024/04/trial-full.mp4"
    web.route_url(url, Response(200, [("Content-Type", "video/mp4")], body_size=BIG))
    report = _report(tmp_path / "report.txt", [url])
    env = _env()

    # For comparison, the same command archiving one small page: what start-up alone costs.
    small = "http://video.kz/media/2024/04/trial.html"
    web.route_url(small, Response(200, [("Content-Type", "text/html; charset=utf-8")], _page(1, "video.kz")))
    base_cmd = [sys.executable, "-m", "linkvault", "--vault", str(tmp_path / "small-vault"), "fetch",
                str(_report(tmp_path / "small.txt", [small])), "--proxy", web.proxy_url, "--format", "json"]
    base = _run(base_cmd, tmp_path, "small", env)
    assert base.rc == 0, (tmp_path / "small.err").read_text()[-3000:]

    vault = tmp_path / "vault"
    cmd = [sys.executable, "-m", "linkvault", "--vault", str(vault), "fetch", str(report), "--proxy", web.proxy_url,
           "--max-size", "2G", "--format", "json"]
    try:
        lv = _run(cmd, tmp_path, "linkvault", env)
        assert lv.rc == 0, (tmp_path / "linkvault.err").read_text()[-3000:]
        [item] = json.loads((tmp_path / "linkvault.out").read_text())["reports"][0]["footnotes"]
        assert item["http_status"] == 200 and item["warc"]
        size, truncated = sqlite3.connect(vault / "linkvault.db").execute(
            "select size, truncated from captures where url = ?", [url]).fetchone()
        assert (size, truncated) == (BIG, 0)
        lv_warc = sum(p.stat().st_size for p in (vault / "warc").glob("*.warc.gz"))

        out = tmp_path / "wget"
        out.mkdir()
        wget_cmd = _wget(web, f"--warc-file={out / 'big'}", "-P", str(out / "files"), url)
        wget = _run(wget_cmd, tmp_path, "wget", env)
        assert wget.rc == 0, (tmp_path / "wget.err").read_text()[-3000:]
        wget_warc = (out / "big.warc.gz").stat().st_size
    finally:
        shutil.rmtree(vault / "warc", ignore_errors=True)
        shutil.rmtree(tmp_path / "wget", ignore_errors=True)

    print(f"""
== fetch memory: one 1 GiB response (video/mp4, plain http through the proxy), --max-size 2G ==
reproduce: .venv/bin/python -m pytest -q -m bench -s tests/test_bench_fetch.py -k memory
linkvault fetch, a subprocess: {_rel(cmd)}
  peak RSS                               {_mb(lv):>11}   goal: under 150 MB (GNU time %M)
  peak RSS archiving one small page      {_mb(base):>11}   the same command, for comparison
  wall time                              {lv.wall:8.2f} s   CPU user {lv.user:.1f} s + sys {lv.sys:.1f} s
  archived                               {BIG} bytes, not truncated; WARC {lv_warc / 1e6:.2f} MB (the body is one repeated byte)
wget {_wget_version()} --warc-file
  peak RSS                               {_mb(wget):>11}
  wall time                              {wget.wall:8.2f} s   CPU user {wget.user:.1f} s + sys {wget.sys:.1f} s; WARC {wget_warc / 1e6:.2f} MB
  command: {_rel(wget_cmd)}
(WARC files and wget's copy deleted afterwards)
""")
