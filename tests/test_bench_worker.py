"""Benchmark of a judging worker's CPU per page: what a worker runs for each page (`verdict.assess`: decoding,
extraction, the rules) with its hand-off pickled both ways, six pages a task as the batching pool sends them, on the
CPU bench's small pages and on the real pages in ../shared/real-pages. It prints figures and asserts none.

    .venv/bin/python -m pytest -q -m bench -s tests/test_bench_worker.py

With LINKVAULT_BENCH_BASELINE=DIR (another checkout, e.g. `git worktree add DIR main`) the same pages are judged by
that checkout's code too, in this run (this checkout's interpreter, its code first on the path).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import REAL_PAGES
from test_bench_fetch import _page

pytestmark = pytest.mark.bench

N_SMALL = 1000

# One worker's work, in a process of its own (as a worker forked from the forkserver: judging loaded and warmed, its
# objects frozen out of the collector's sight): the best of 3 runs over the pages, CPU seconds per page.
_WORKER = textwrap.dedent("""
    import functools, gc, json, pickle, sys, time
    from linkvault.archive.verdict import assess, for_worker, warm
    from linkvault.archive.verdict_batches import call_each
    from linkvault.model import Capture
    warm()
    gc.freeze()
    pages = json.load(open(sys.argv[1]))
    captures = [Capture(url=url, fetched_at="", final_url=url, status=status, headers=[("Content-Type", kind)],
                        body_head=body.encode("latin-1")) for url, status, kind, body in pages]
    def run():
        start = time.process_time()
        for at in range(0, len(captures), 6):
            calls = [functools.partial(assess, *for_worker(c, [], None), None, 16 << 20) for c in captures[at:at + 6]]
            sent = pickle.loads(pickle.dumps((call_each, calls), pickle.HIGHEST_PROTOCOL))
            pickle.loads(pickle.dumps(sent[0](sent[1]), pickle.HIGHEST_PROTOCOL))
        return time.process_time() - start
    run()
    print(min(run() for _ in range(3)) / len(captures))
""")


def _pages(tmp_path: Path) -> dict[str, Path]:
    small = [(f"https://news{n % 50}.kz/news/2024/04/{n}-sobytie.html", 200, "text/html; charset=utf-8",
              _page(n, f"news{n % 50}.kz").decode("latin-1")) for n in range(N_SMALL)]
    labels = json.loads((REAL_PAGES / "labels.json").read_text()) if REAL_PAGES.is_dir() else {}
    real = [(f"https://news.example.kz/{name.split('/')[-1]}", label.get("status") or 200, "text/html",
             (REAL_PAGES / name).read_bytes().decode("latin-1"))
            for name, label in labels.items() if name.endswith((".html", ".htm"))]
    files = {}
    for kind, pages in (("small", small), ("real", real)):
        if pages:
            files[kind] = tmp_path / f"{kind}.json"
            files[kind].write_text(json.dumps(pages))
    return files


def _per_page(tree: Path, pages: Path) -> float:
    env = dict(os.environ, PYTHONPATH=str(tree))
    ran = subprocess.run([sys.executable, "-c", _WORKER, str(pages)], capture_output=True, text=True, env=env,
                         timeout=1800, check=False)
    assert ran.returncode == 0, ran.stderr[-3000:]
    return float(ran.stdout.split()[-1])


def test_bench_worker_cpu_per_page(tmp_path):
    """A judging worker's CPU per page, on small pages and on real ones (and a baseline checkout's, when named)."""
    here = Path(__file__).resolve().parent.parent
    trees = {"this checkout": here}
    if os.environ.get("LINKVAULT_BENCH_BASELINE"):
        trees["baseline " + os.environ["LINKVAULT_BENCH_BASELINE"]] = Path(os.environ["LINKVAULT_BENCH_BASELINE"])
    lines = []
    for kind, pages in _pages(tmp_path).items():
        for label, tree in trees.items():
            lines.append(f"  {kind:5} pages, {label:<40} {_per_page(tree, pages) * 1000:7.3f} ms/page")
    print("\n== a judging worker's CPU per page (verdict.assess and its hand-off pickled both ways; best of 3) ==\n"
          "reproduce: .venv/bin/python -m pytest -q -m bench -s tests/test_bench_worker.py\n" + "\n".join(lines))
