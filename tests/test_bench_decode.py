"""`make bench`: a decompression bomb costs the same whatever it inflates to (issue 12).

Each case runs in a child process; its peak RSS is that process's VmHWM. Before issue 12 a 1 MB gzip body
inflated to 4.3 GB, and was inflated twice per page.
"""

from __future__ import annotations

import subprocess
import sys
import zlib

import pytest

pytestmark = pytest.mark.bench

_MEASURE = """
import sys, time
from linkvault.archive.extract import DECODED_LIMIT, decode_content, extract_decoded
body = open(sys.argv[1], "rb").read()
start = time.perf_counter()
decoded = decode_content(body, "gzip")
text = extract_decoded(decoded.body, "https://news.example/bomb", "text/html; charset=utf-8")
elapsed = time.perf_counter() - start
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(f"{elapsed:.2f}\\t{peak / 1024:.0f}\\t{len(decoded.body) >> 20} MiB inflated of the cap {DECODED_LIMIT >> 20} MiB, "
      f"truncated={decoded.truncated}, {len(text.text) if text else 0:,} characters of text")
"""


def _bomb(path, inflated: int) -> int:
    """An HTML page whose paragraph then runs on as `inflated` NUL bytes, gzipped a megabyte at a time."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    with open(path, "wb") as out:
        out.write(packer.compress(b"<html><body><article><p>" + "Суд оштрафовал журналиста. ".encode() * 200))
        block = bytes(1 << 20)
        for _ in range(inflated >> 20):
            out.write(packer.compress(block))
        out.write(packer.flush())
    return path.stat().st_size


def test_bench_decompression_bomb_is_flat_in_what_it_inflates_to(tmp_path):
    print("\ngzip bomb: decode (to the cap) + extract; time and peak RSS of the whole process")
    for inflated in (20 << 20, 200 << 20, 2048 << 20):
        path = tmp_path / f"bomb-{inflated >> 20}.gz"
        size = _bomb(path, inflated)
        out = subprocess.run([sys.executable, "-c", _MEASURE, str(path)], capture_output=True, text=True, timeout=1800)
        assert out.returncode == 0, out.stderr
        seconds, rss, outcome = out.stdout.strip().split("\t")
        print(f"  {inflated >> 20:>5} MiB inflated ({size / 1e6:.1f} MB gzip)  {float(seconds):>6.2f} s  "
              f"{int(rss):>5} MiB peak RSS   {outcome}")
