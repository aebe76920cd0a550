"""Benchmarks, run by `make bench` (deselected from `make test`). They print figures; they assert no timings."""

from __future__ import annotations

import random
import time

import pytest

import linkvault

pytestmark = pytest.mark.bench

HOSTS = ["rus.azattyq.org/a/{}.html", "kaztag.kz/ru/news/{}-novost", "t.me/AdalSotKz/{}",
         "www.facebook.com/groups/ActivistsNotExtremists/posts/{}/", "vlast.kz/novosti/{}-zakon.html"]


def _big_report(n: int) -> str:
    rng = random.Random(7)
    body = []
    for i in range(1, n + 1):
        body.append(f"April {i % 30 + 1}, Astana, activist Dzhakhin A. was fined under Article 488, Part 7 "
                    f"of the Code of Administrative Offences of the RK, 15 days of detention[{i}].")
        if i % 3 == 0:
            body.append("")
    notes = []
    for i in range(1, n + 1):
        if rng.random() < 0.1:
            notes.append("")
            continue
        url = "https://" + rng.choice(HOSTS).format(30_000_000 + i)
        notes.append(f"[{i}] {url}{'?fbclid=IwAR3xe' if rng.random() < 0.05 else ''}")
        notes.append("")
    return "\n".join(body) + "\n\n\n" + "\n".join(notes) + "\n"


def test_bench_parse_and_check_10000_footnotes(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text(_big_report(10_000), encoding="utf-8")
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        result = linkvault.check(path)
        best = min(best, time.perf_counter() - start)
    assert len(result.report.citations) == 10_000
    print(f"\nparse+check of a 10,000-footnote report ({path.stat().st_size / 1e6:.1f} MB): best of 3 = {best:.3f} s")
