"""Bounded work for any input: hostile reports cost work linear in their size, and caps fail in one line.

The hostile inputs are built here at a size that proves the bound (what is kept or scanned per marker,
a cap being hit) without exhausting the machine; `make bench` measures them at full size.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import linkvault
from linkvault.claims import urlcheck
from linkvault.errors import InputError
from linkvault.findings import check_report


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


def _docx_with(path, document_xml_pad: int = 0, footnotes_xml_pad: int = 0, body: str = "") -> None:
    """A real .docx (one cited footnote) whose document.xml and footnotes.xml carry extra bytes: white space
    (cheap for any reader to hold) or `body`, raw paragraphs put before the first."""
    import zipfile

    from docx_builder import FootnoteRef, build_docx

    plain = path.with_suffix(".plain.docx")
    build_docx(plain, paragraphs=[["A journalist was fined.", FootnoteRef(1)]],
               footnotes={1: ["Azattyq, https://rus.azattyq.org/a/1.html"]})
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                data = data.replace(b"<w:body>", b"<w:body>" + body.encode() + _white(document_xml_pad))
            if info.filename == "word/footnotes.xml":
                data = data.replace(b"<w:footnote ", _white(footnotes_xml_pad) + b"<w:footnote ", 1)
            dst.writestr(info.filename, data)


MIB = 1024 * 1024


def dense_paragraphs(n: int, empty: str = "<w:r/>") -> str:
    """`n` body paragraphs of 43 elements each (a run of text, then 40 empty `empty` elements): element-dense XML."""
    return "".join(f"<w:p><w:r><w:t>Entry {i}.</w:t></w:r>{empty * 40}</w:p>" for i in range(n))


def _white(size: int) -> bytes:
    """`size` bytes of white space between empty bookmark ends (one text node may not pass 10 MB)."""
    return (b" " * (MIB - 20) + b'<w:bookmarkEnd w:id="0"/>') * (size // MIB)


def test_a_docx_whose_parts_unpack_past_50_mib_in_all_is_refused_in_one_line(tmp_path):
    """Each part under any per-part limit, together over the package's budget: the total is what is capped."""
    path = tmp_path / "bomb.docx"
    _docx_with(path, document_xml_pad=30 * MIB, footnotes_xml_pad=30 * MIB)
    assert path.stat().st_size < 1 * MIB
    _one_line_error(_check(path), path, "over 50 MiB, the limit; reached in word/footnotes.xml")


def test_a_docx_under_the_budget_still_reads_its_notes(tmp_path):
    path = tmp_path / "padded.docx"
    _docx_with(path, document_xml_pad=10 * MIB, footnotes_xml_pad=10 * MIB)
    notes = linkvault.parse_report(path).footnotes
    assert [(n.label, n.urls) for n in notes] == [("1", ("https://rus.azattyq.org/a/1.html",))]


def _peak_rss_mib(path) -> float:
    code = ("import resource, linkvault, sys\n"
            "try:\n    linkvault.parse_report(sys.argv[1])\nexcept Exception:\n    pass\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=300, check=True)
    return float(out.stdout)


def test_a_docx_body_is_read_a_paragraph_at_a_time_not_held_whole(tmp_path):
    """A body of many element-dense paragraphs (each XML byte some 20 in a tree) costs memory for one paragraph
    at a time: parsed whole, a 609 KB docx took 4.2 GB."""
    small, large = tmp_path / "small.docx", tmp_path / "large.docx"
    _docx_with(small)
    dense = dense_paragraphs(25_000, "<w:proofErr/>")  # 16 MB, 1 million elements
    _docx_with(large, body=dense)
    grown = _peak_rss_mib(large) - _peak_rss_mib(small)
    assert grown < 40, f"reading {len(dense) / 1e6:.0f} MB of dense body XML took {grown:.0f} MiB more than a one-page docx"


def test_an_html_report_past_the_tag_budget_is_refused_in_one_line_before_it_is_parsed(tmp_path, monkeypatch):
    """Over ~10 million nodes libxml2's XPath gave up with an 'internal error'; the budget (2 million tags) is
    proved here lowered to 1,000."""
    from linkvault.parsing import html

    assert html.MAX_HTML_TAGS == 2_000_000
    monkeypatch.setattr(html, "MAX_HTML_TAGS", 1000)
    page = tmp_path / "many.html"

    def write_page(n: int) -> None:
        body = "".join(f"<p>A claim {i}.<sup>{i}</sup></p>\n" for i in range(1, n + 1))
        notes = "".join(f"<li>https://kaztag.kz/ru/news/{i}</li>" for i in range(1, n + 1))
        page.write_text(f"<html><body>{body}<ol>{notes}</ol></body></html>", encoding="utf-8")

    write_page(150)  # 906 tags
    assert len(linkvault.parse_report(page).citations) == 150
    write_page(200)  # 1,206 tags
    with pytest.raises(InputError, match=r"^too many elements for an HTML report \(1,206 tags; the limit is 1,000\)$"):
        linkvault.parse_report(page)


def test_a_table_shows_at_most_50_findings_of_a_kind_and_sums_up_the_rest_json_keeps_all(write):
    """1 M missing footnotes took minutes to lay out as table rows; JSON and CSV still list every one."""
    path = write("r.txt", "April 18, Almaty. " + " ".join(f"Claim {i}[{i}]." for i in range(1, 121)) +
                 "\n\nNotes\n[1] https://kaztag.kz/ru/news/1\n")
    table = _check(path)
    assert table.returncode == 1
    assert sum("is cited but the footnote list has no entry" in line for line in table.stdout.splitlines()) == 50
    assert ("missing-footnote … and 69 more missing-footnote (--format json or csv lists every one)"
            in " ".join(table.stdout.split()))
    assert "Errors (119)" in table.stdout
    markdown = _check(path, "--format", "markdown").stdout
    assert markdown.count("| missing-footnote |") == 51 and "… and 69 more missing-footnote" in markdown
    findings = json.loads(_check(path, "--format", "json").stdout)["findings"]
    assert sum(f["kind"] == "missing-footnote" for f in findings) == 119


def test_a_docx_of_more_elements_than_the_budget_is_refused_in_one_line(tmp_path, monkeypatch):
    """Dense XML packs 6 million elements into 43 MB (under the byte budget, a minute and a half of reading):
    the element budget (2 million) is proved here lowered to 5,000."""
    from linkvault.parsing import docx

    assert docx.MAX_XML_ELEMENTS == 2_000_000
    monkeypatch.setattr(docx, "MAX_XML_ELEMENTS", 5_000)
    path = tmp_path / "dense.docx"
    _docx_with(path, body=dense_paragraphs(200))
    with pytest.raises(InputError, match=r"too many elements for a \.docx report \(over 5,000, the limit; "
                                         r"reached in word/document\.xml\)$"):
        linkvault.parse_report(path)
    _docx_with(path, body=dense_paragraphs(100))
    assert len(linkvault.parse_report(path).citations) == 1
