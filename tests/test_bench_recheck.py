"""Benchmark of `recheck --due` (issue 16): a vault of 10,000 links, 1,000 of them due, checks those 1,000 and no other.
Run by `make bench`; prints time and peak memory, asserts no timing.

    .venv/bin/python -m pytest -q -m bench -s tests/test_bench_recheck.py
"""

from __future__ import annotations

import os
import resource
import time
from datetime import datetime, timedelta, timezone

import pytest
from fakeweb import FakeWeb
from fakeweb.server import html

import linkvault
from linkvault.archive import FetchOptions
from linkvault.archive.warc import IdsAndClock
from linkvault.model import Capture, LinkState
from linkvault.vault import Vault

pytestmark = pytest.mark.bench

N_LINKS = int(os.environ.get("LINKVAULT_BENCH_LINKS", "10000"))
N_DUE = N_LINKS // 10


def test_recheck_due_over_ten_thousand_links_checks_only_the_thousand_due(tmp_path):
    now = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
    urls = [f"https://site{n % 50}.invalid/news/{n}" for n in range(N_LINKS)]
    due = set(urls[:N_DUE])
    report = linkvault.parse_urls(urls)
    vault_dir = str(tmp_path / "vault")
    with Vault(vault_dir) as vault:  # the vault as earlier runs left it: each link checked once, alive
        vault.add_report(report.path, "0" * 64, "urls", report.footnotes)
        for url in urls:
            at = now - timedelta(days=8 if url in due else 2)
            vault.store_capture(Capture(url=url, fetched_at=at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), status=200,
                                        final_url=url, state=LinkState("ok", "archived", 200, url)), role="cited")
    with FakeWeb() as web:
        for url in due:
            web.route_url(url, html(f"<html><head><title>{url}</title></head><body><article><h1>Новость</h1>"
                                    f"<p>{'Суд назначил штраф активисту. ' * 20}</p></article></body></html>"))
        options = FetchOptions(proxy=web.proxy_url, ca_bundle=web.ca_pem_path, retries=0,
                               ids_and_clock=IdsAndClock(now=lambda: now))
        started = time.perf_counter()
        result = linkvault.recheck([report.path], vault_dir, options, due=True, clock=lambda: now)
        took = time.perf_counter() - started
        asked = {f"https://{r.host}{r.path}" for r in web.requests}
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nrecheck --due: {N_LINKS:,} links, {len(result.rechecked):,} due and checked in {took:.1f} s; "
          f"peak RSS of the test process {peak:.0f} MB")
    assert set(result.rechecked) == due and asked & set(urls) == due  # (and one soft-404 probe per host)
    assert {result.histories[url].count for url in due} == {2}
