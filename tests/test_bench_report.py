"""`make bench`: report's time and peak RSS against the number of missing footnotes (issue 12's bounds)."""

from __future__ import annotations

import pytest
from test_bench import _measure

pytestmark = pytest.mark.bench

# The review as `linkvault report` builds it against a vault (so the claim check runs too) and its table.
_REPORT = """
import sys, time
from linkvault.reviewing import review
from linkvault.render.review import render_review
start = time.perf_counter()
result = review(sys.argv[2], sys.argv[1])
built = time.perf_counter()
lines = render_review(result, "table").count("\\n") + 1
outcome = f"{len(result.rows):,} rows; review {built - start:.1f} s, table {time.perf_counter() - built:.1f} s ({lines} lines)"
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(f"{time.perf_counter() - start:.2f}\\t{peak / 1024:.0f}\\t{outcome}")
"""


def test_bench_report_missing_footnotes(tmp_path):
    """One paragraph of N markers, one footnote entry: N-1 missing footnotes, the table capped at 50 of them.
    Before issue 12: 20,000 took 39 s (a list scan per claim finding, a table row per footnote)."""
    from linkvault.vault import Vault

    vault = tmp_path / "vault"
    Vault(str(vault)).close()
    print("\nreport, N missing footnotes (review against an empty vault + table); time and peak RSS of the process")
    for n in (10_000, 100_000, 1_000_000):
        path = tmp_path / f"missing-{n}.txt"
        path.write_text("April 18, Almaty, a claim " + " ".join(f"x[{i}]" for i in range(1, n + 1)) +
                        "\n\nNotes\n[1] https://kaztag.kz/ru/news/1\n", encoding="utf-8")
        _measure(f"{n:,} missing footnotes", path, script=_REPORT, args=(str(vault),))
