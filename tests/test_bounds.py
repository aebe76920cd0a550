"""Bounded work for any input: hostile reports cost work linear in their size, and caps fail in one line.

The hostile inputs are built here at a size that proves the bound (what is kept or scanned per marker,
a cap being hit) without exhausting the machine; `make bench` measures them at full size.
"""

from __future__ import annotations

import os
import subprocess
import sys

import linkvault
from linkvault.claims import urlcheck
from linkvault.report.findings import check_report


def _one_paragraph(markers: int, with_entries: bool = True) -> str:
    body = "April 18, Almaty, activists gathered " + " ".join(f"word{i}[{i}]" for i in range(1, markers + 1))
    notes = "".join(f"[{i}] https://kaztag.kz/ru/news/{i}-a\n" for i in range(1, markers + 1)) if with_entries else ""
    return f"{body}\n\nNotes\n{notes}"


def test_a_citation_keeps_a_bounded_window_of_its_paragraph_however_many_markers_precede_it():
    """Each citation used to keep its paragraph up to the marker: quadratic memory (40,000 markers: 2.4 GB)."""
    small = linkvault.parse_text(_one_paragraph(200, with_entries=False))
    large = linkvault.parse_text(_one_paragraph(3000, with_entries=False))
    assert len(large.citations) == 3000

    def kept(report):
        return max(len(c.paragraph) + len(c.context) for c in report.citations)

    assert kept(large) <= 1500 and kept(large) <= kept(small) + 20  # not 15 times as much
    last = large.citations[-1]
    assert last.paragraph.startswith("April 18, Almaty")  # the opening that dates a chronicle's entry stays
    assert last.paragraph.endswith("word3000") and last.context == "word3000"


def test_the_claim_date_pass_scans_text_linear_in_the_report(monkeypatch):
    """check's wrong-link/entry-date pass read every citation's paragraph-so-far: quadratic in one paragraph."""
    scanned = []
    for name in ("lead_date", "period_in_text"):
        real = getattr(urlcheck, name)

        def counting(text, year, real=real):
            scanned.append(len(text))
            return real(text, year)

        monkeypatch.setattr(urlcheck, name, counting)
    text = _one_paragraph(3000)
    result = check_report(linkvault.parse_text(text))
    assert result.summary["citations"] == 3000 and not result.summary["by_kind"].get("missing-footnote")
    assert len(scanned) >= 3000
    assert sum(scanned) < 20 * len(text)


def _check(*args):
    """check in a child process: a read that hangs or never ends is stopped by the timeout, not the suite."""
    return subprocess.run([sys.executable, "-m", "linkvault", "check", *map(str, args)], capture_output=True,
                          text=True, timeout=60)


def _one_line_error(result, path, words):
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert str(path) in result.stderr and words in result.stderr


def test_a_fifo_named_as_the_report_is_refused_at_once_not_waited_on(tmp_path):
    fifo = tmp_path / "report.txt"
    os.mkfifo(fifo)
    _one_line_error(_check(fifo), fifo, "named pipe")


def test_a_symlink_to_a_device_is_refused_instead_of_read_without_end(tmp_path):
    link = tmp_path / "report.txt"
    link.symlink_to("/dev/zero")
    _one_line_error(_check(link), link, "is a device")


def test_a_report_past_the_documented_cap_of_100_mib_is_refused_in_one_line(tmp_path):
    path = tmp_path / "big.txt"
    with open(path, "wb") as fh:  # sparse: no disk is used, and the cap refuses it before a byte is read
        fh.truncate(100 * 1024 * 1024 + 1)
    _one_line_error(_check(path), path, "the limit is 100 MiB")
