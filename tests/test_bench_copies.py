"""Benchmark of `linkvault copies` on the fake archives (issue 14): dead links, each with a few archived captures,
some valid and some soft-404. Run by `make bench`.

It prints, for each service, the requests it received and the most in any 60-second window, beside the rate it
was given, and the run's total time. The one bound asserted is a correctness bound, not a timing: no service
ever gets more requests in a minute than its configured rate (counted where the requests arrive, the fake web's
log). A second run asks the archives nothing. No timed assertion.

The archives: the Internet Archive (CDX and raw mementos) and, through a self-hosted MemGator (`--memgator`, which
replaces the default TimeMap archives, real host names the fake web does not serve), a pywb archive on
arquivo.pt's name. Rates are high (ia-cdx 600/min, ia-memento 1200/min, memgator 600/min, archive 1200/min) so
1,000 links take a few minutes; the defaults (24/min for the CDX) would take an hour, by design.

Each link is one of three kinds, in turn:
  before   IA: the article (04-01) and a soft-404 (04-03)   → CDX, the soft-404 passed over, the article offered
  elsewhere IA: a soft-404 (04-02); arquivo.pt: the article (03-30) → the copy offered is arquivo.pt's
  after    IA: a soft-404 (04-03), the article after (04-06) → the CDX asked again after the reference date

    .venv/bin/python -m pytest -q -m bench -s tests/test_bench_copies.py
    LINKVAULT_BENCH_COPIES=100 .venv/bin/python -m pytest -q -m bench -s tests/test_bench_copies.py
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from fakeweb import FakeWeb, RequestInfo, Response
from fakeweb.archive_data import ArchivedCapture, html_capture
from fakeweb.timemaps import FakeMemGator, FakeTimemapArchive
from fakeweb.wayback import FakeWayback
from test_bench_fetch import _env, _run

pytestmark = pytest.mark.bench

SIZES = [int(n) for n in os.environ.get("LINKVAULT_BENCH_COPIES", "100,1000").split(",")]
N_HOSTS = 50
AS_OF = "2024-04-04"
RATES = {"ia-cdx": 600, "ia-memento": 1200, "memgator": 600, "archive": 1200}  # requests a minute
ARQUIVO = "arquivo.pt"
KINDS = ("before", "elsewhere", "after")


def _url(n: int) -> str:
    return f"https://news{n % N_HOSTS}.kz/ru/news/2024/04/{n}-sud-arestoval-zhurnalista"


def _article(url: str, n: int, timestamp: str) -> ArchivedCapture:
    """Link n's article. Its case number has five digits: a short page titled with a standalone 404 ("дело №404")
    is judged soft-404 by the live-page rules (states._NOT_FOUND_TITLE), which is not what this bench measures."""
    case = 10000 + n
    return html_capture(url, timestamp, f"Суд арестовал журналиста по делу №{case}",
                        f"Астана. КазТАГ – Суд арестовал журналиста по делу №{case} на два месяца.\n"
                        f"Защита намерена обжаловать меру пресечения по делу №{case} в апелляционном суде.")


def _soft_404(url: str, timestamp: str) -> ArchivedCapture:
    return html_capture(url, timestamp, "Страница не найдена", "Страница не найдена. Вернуться на главную.")


def _archives(size: int) -> tuple[list[ArchivedCapture], list[ArchivedCapture]]:
    """(the Internet Archive's captures, arquivo.pt's), for links 0..size-1 by kind."""
    ia, arquivo = [], []
    for n in range(size):
        url, kind = _url(n), KINDS[n % len(KINDS)]
        if kind == "before":
            ia += [_article(url, n, "20240401091233"), _soft_404(url, "20240403081000")]
        elif kind == "elsewhere":
            ia.append(_soft_404(url, "20240402101500"))
            arquivo.append(_article(url, n, "20240330120000"))
        else:
            ia += [_soft_404(url, "20240403081000"), _article(url, n, "20240406120000")]
    return ia, arquivo


def _report(path: Path, size: int) -> Path:
    body = " ".join(f"The court arrested a journalist in case №{10000 + n} for two months[{n + 1}]."
                    for n in range(size))
    notes = "\n".join(f"[{n + 1}] {_url(n)}" for n in range(size))
    path.write_text(f"Chronicle\n\n{body}\n\n{notes}\n", encoding="utf-8")
    return path


def _service(request: RequestInfo) -> str | None:
    """Which of linkvault's rate-limited services a request on the fake web was, None if it was none of them (a
    cited page, or MemGator asking arquivo.pt's TimeMap on linkvault's behalf: MemGator's own traffic)."""
    if request.host == "archive.org" or request.host == "web.archive.org":
        return "ia-cdx" if request.path.startswith("/cdx/") else "ia-memento"
    if request.host == ARQUIVO and not request.path.startswith("/wayback/timemap/"):
        return f"archive:{ARQUIVO}"
    return None


def _most_in_a_minute(times: list[float]) -> int:
    """The most requests that arrived in any 60-second window [t, t + 60)."""
    times, most, first = sorted(times), 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= 60.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def _by_service(log: list[RequestInfo], gator_times: list[float]) -> dict[str, list[float]]:
    """When each request to each service arrived (MemGator's own log holds linkvault's requests to it)."""
    times: dict[str, list[float]] = defaultdict(list)
    for request in log:
        if service := _service(request):
            times[service].append(request.time)
    return {"ia-cdx": times["ia-cdx"], "ia-memento": times["ia-memento"], "memgator": gator_times,
            f"archive:{ARQUIVO}": times[f"archive:{ARQUIVO}"]}


def _rate(service: str) -> int:
    return RATES.get(service, RATES.get(service.partition(":")[0], 0))


def _copies(tmp_path: Path, web: FakeWeb, gator: FakeMemGator, report: Path, name: str):
    cmd = [sys.executable, "-m", "linkvault", "--vault", str(tmp_path / "vault"), "copies", str(report),
           "--proxy", web.proxy_url, "--ca-bundle", web.ca_pem_path, "--memgator", gator.url, "--as-of", AS_OF,
           "--format", "json", *[arg for service, rate in RATES.items() for arg in ("--rate", f"{service}={rate}/min")]]
    ran = _run(cmd, tmp_path, name, _env())
    out = json.loads((tmp_path / f"{name}.out").read_text() or "{}")
    unoffered = [link for link in out.get("links", []) if not any(c["choice"] == "offered" for c in link["copies"])]
    assert ran.rc == 0, (tmp_path / f"{name}.err").read_text()[-3000:] + json.dumps(unoffered, indent=1)[:6000]
    return ran, out


@pytest.mark.parametrize("size", SIZES)
def test_bench_copies_rates_kept_and_second_run_asks_nothing(tmp_path, size):
    with FakeWeb() as web:
        for n in range(size):
            web.route_url(_url(n), Response(404, [("Content-Type", "text/html; charset=utf-8")],
                                            b"<html><body><h1>404 Not Found</h1></body></html>"))
        ia, at_arquivo = _archives(size)
        FakeWayback(ia).install(web)
        arquivo = FakeTimemapArchive(ARQUIVO, style="pywb", captures=at_arquivo).install(web)
        report = _report(tmp_path / "report.txt", size)
        with FakeMemGator(web, {ARQUIVO: arquivo.timemap_prefix}) as gator:
            fetch = _run([sys.executable, "-m", "linkvault", "--vault", str(tmp_path / "vault"), "fetch", str(report),
                          "--proxy", web.proxy_url, "--ca-bundle", web.ca_pem_path, "--no-screenshots",
                          "--format", "json"], tmp_path, "fetch", _env())
            assert fetch.rc == 1, (tmp_path / "fetch.err").read_text()[-3000:]  # every link is dead

            web.reset_log()
            first, out = _copies(tmp_path, web, gator, report, "copies")
            log = web.log.snapshot()
            gator_times = [r.time for r in gator.log.snapshot()]

            web.reset_log()
            gator.log.clear()
            again, out_again = _copies(tmp_path, web, gator, report, "again")
            asked_again = [r for r in web.log.snapshot() if _service(r)] + gator.log.snapshot()

    links = out["links"]
    offered = [next(c for c in link["copies"] if c["choice"] == "offered") for link in links]
    assert len(links) == size
    assert Counter(c["archive"] for c in offered) == Counter(
        "web.archive.org" if KINDS[n % len(KINDS)] != "elsewhere" else ARQUIVO for n in range(size))
    assert all(c["state"] == "ok" for c in offered)
    assert sum(1 for link in links for c in link["copies"] if c["state"] == "soft-404") == size

    times = _by_service(log, gator_times)
    most = {service: _most_in_a_minute(arrived) for service, arrived in times.items()}
    rows = [f"  {service:22} {_rate(service):6d}/min {len(arrived):9d} {most[service]:13d}"
            for service, arrived in times.items()]

    requests = sum(len(t) for t in times.values())
    floor = max(len(arrived) / _rate(service) * 60 for service, arrived in times.items())
    print(f"""
== copies: {size} dead links (404) on {N_HOSTS} hosts, the Internet Archive + arquivo.pt through a MemGator ==
reproduce: LINKVAULT_BENCH_COPIES={size} .venv/bin/python -m pytest -q -m bench -s tests/test_bench_copies.py
each link: 2 captures, one valid, one soft-404 (kinds in turn: IA before the {AS_OF} reference, arquivo.pt only,
IA after it); linkvault copies --memgator … --as-of {AS_OF}, a subprocess, start-up included
  fetch, to find them dead{fetch.wall:8.1f} s
  copies, first run      {first.wall:8.1f} s   {requests} requests to the archives, {requests / first.wall * 60:.0f}/min together
                                    CPU user {first.user:.1f} s + sys {first.sys:.1f} s, peak RSS {first.rss_mb or 0:.0f} MB
  the rates' floor       {floor:8.1f} s   the busiest service's requests / its rate; first run / floor {first.wall / floor:.2f}
  copies, second run     {again.wall:8.1f} s   0 requests (every answer from the vault)
  service                    rate  requests  most in 60 s
""" + "\n".join(rows) + f"""
  copies offered: {Counter(c['archive'] for c in offered)}; every soft-404 passed over ({size})
""")
    assert {s: n for s, n in most.items() if n > _rate(s)} == {}, "above the configured rate in some minute"
    assert asked_again == [] and out_again["links"] == links
