"""The report's own date: the day it says it was written, read from its format's metadata or its opening.

A footnote's source is read at this date when its chronicle entry gives none (claims/refdate.py), so only what
the report itself says counts, never today's clock. In order of trust:

1. a date its author stated: HTML `article:published_time`, `og:updated_time`, `<meta name="date">` (or
   `dcterms.date`), the first `<time datetime>` in a `<header>`; Markdown front matter `date:`;
2. a dated line among the first few non-empty lines ("5 May 2024", "as of 05.05.2024", "5 мая 2024 г.");
3. a month or period its title or opening names ("… April 2024"), then its file name (`kz-chronicle-2024-04`):
   the last day of it;
4. the stamps a program wrote: DOCX `docProps/core.xml` `dcterms:modified`, else `dcterms:created` (and Word's
   HTML export's `o:LastSaved` / `o:Created`). Last, because every save moves them: a chronicle of April 2024
   re-saved today names April in its title, and April is the date it cites its sources at.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from io import BytesIO, StringIO
from typing import TYPE_CHECKING

from linkvault.errors import InputError
from linkvault.parsing.dates import DateSpan, dated, month_span, written_month, written_period

if TYPE_CHECKING:  # the format readers load lxml: imported where a report of theirs is read, as parsing/ does
    from lxml.html import HtmlElement

    from linkvault.parsing.docx import _Budget

ReportDate = tuple[date | None, str | None]  # the day, and where it was read

OPENING_LINES = 5  # non-empty lines a dated line is looked for in
_LINE_CHARS = 100  # a longer line is a paragraph of the report, not its dateline
# A line citing a footnote is the report's body, and its dates are events: `[3]`, `[^3]` (HTML and Word mark
# their linked markers so).
_MARKER = re.compile(r"\[(?:\d{1,4}|\^[^\]\s]{1,64})\]")
_CITES = " [^note]"
_OPENING_CHARS = 100_000  # the opening is read in the text's first characters: a line is cut there, at worst
_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\n(.*?\n)(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_FRONT_KEY = re.compile(r"(?m)^(date|title)[ \t]*:[ \t]*(.*?)[ \t]*$")
_ISO = re.compile(r"^\s*(\d{4})-?(\d{2})-?(\d{2})(?![\d])")
_FILE_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})[-_.](0[1-9]|1[0-2])(?:[-_.](0[1-9]|[12]\d|3[01]))?(?!\d)")
_EARLIEST_STAMP = 1990  # older program stamps are defaults (1601, 1980), not a day anyone saved the file
# HTML metadata an author states, most trusted first (meta keys lower-cased, `property` or `name`).
_HTML_META = ("article:published_time", "og:updated_time", "date", "dcterms.date", "dc.date")
_HTML_PREFIX = 1_000_000  # the head, the header and the opening lines are in the first megabyte
_WORD_STAMPS = (("o:LastSaved", "Word's o:LastSaved"), ("o:Created", "Word's o:Created"))
_CHROME = ("script", "style", "noscript", "template", "nav", "button", "svg", "iframe", "select")
_CORE_PROPERTIES = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
_CORE_BYTES = 1 << 20
_DCTERMS = "http://purl.org/dc/terms/"
_DC = "http://purl.org/dc/elements/1.1/"


@dataclass
class _Said:
    """What a report says about its own date, gathered by its format's reader."""

    stated: list[tuple[str, str]] = field(default_factory=list)  # (where, value)
    lines: list[str] = field(default_factory=list)  # its opening non-empty lines
    titles: list[tuple[str, str]] = field(default_factory=list)
    stamps: list[tuple[str, str]] = field(default_factory=list)


def text_report_date(text: str, fmt: str, path: str) -> ReportDate:
    """The date of a txt, Markdown, HTML or URL-list report."""
    if fmt == "html":
        said = _html_said(text, path)
    elif fmt == "md":
        said = _markdown_said(text)
    else:
        said = _Said(lines=_opening(StringIO(text[:_OPENING_CHARS])))
    return _resolve(said, path)


def docx_report_date(data: bytes, path: str) -> ReportDate:
    """The date of a .docx report; a damaged or oversized core part gives no date, it refuses nothing (the body
    was read and judged already)."""
    from linkvault.parsing.docx import _UNREADABLE, _Budget

    said = _Said()
    for read in (_docx_core, _docx_opening):
        try:
            read(zipfile.ZipFile(BytesIO(data)), _Budget(path), said)
        except (InputError, *_UNREADABLE):
            continue
    return _resolve(said, path)


def _resolve(said: _Said, path: str) -> ReportDate:
    for where, value in said.stated:
        day = _day_of(value)
        if day:
            return day, where
    for line in said.lines:
        span = written_period(line) or dated(line)
        if span:
            return span.end, f'opening line "{_short(line)}"'
    for where, title in said.titles + [("opening line", line) for line in said.lines]:
        span = written_period(title) or dated(title) or written_month(title)
        if span:
            return span.end, f'{where} "{_short(title)}"'
    named = _file_name_date(path)
    if named:
        return named.end, f'file name "{os.path.basename(path)}"'
    for where, value in said.stamps:
        day = _day_of(value)
        if day and day.year >= _EARLIEST_STAMP:
            return day, where
    return None, None


def _day_of(value: str) -> date | None:
    """A metadata value's day: ISO 8601 as written (the author's own day, not shifted to UTC), else a date in words."""
    m = _ISO.match(value)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    span = dated(value)
    return span.start if span else None


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _opening(lines: Iterable[str]) -> list[str]:
    """Of the first OPENING_LINES non-empty lines, those that could be a dateline or a title: short, citing
    nothing. A line citing a footnote ends the opening: the body has begun, and its dates are events."""
    found: list[str] = []
    for seen, line in enumerate(line for line in map(str.split, lines) if line):
        text = " ".join(line)
        if seen == OPENING_LINES or _MARKER.search(text):
            break
        if len(text) <= _LINE_CHARS:
            found.append(text)
    return found


def _file_name_date(path: str) -> DateSpan | None:
    """A month or day its file name names: `kz-chronicle-2024-04.txt`, `review_2024-04-05.docx`, `april-2024.md`."""
    if path.startswith("<"):  # standard input, URL arguments, text in memory: no file name
        return None
    stem = os.path.splitext(os.path.basename(path))[0]
    m = _FILE_DATE.search(stem)
    if not m:
        return written_month(re.sub(r"[-_.]+", " ", stem))
    year, month = int(m.group(1)), int(m.group(2))
    if not m.group(3):
        return month_span(year, month, m.group(0))
    try:
        day = date(year, month, int(m.group(3)))
    except ValueError:
        return None
    return DateSpan(day, day, m.group(0))


def _markdown_said(text: str) -> _Said:
    said = _Said()
    text = text[:_OPENING_CHARS]
    m = _FRONT_MATTER.match(text)
    if m:
        for key, value in _FRONT_KEY.findall(m.group(1)):
            value = value.strip("'\"")
            (said.stated if key == "date" else said.titles).append((f"front matter {key}", value))
        text = text[m.end():]
    elif text.startswith("%"):  # pandoc's title block: % title, % author(s), % date
        block = text.split("\n", 3)[:3]
        if len(block) == 3 and all(line.startswith("%") for line in block):
            said.titles.append(("title block", block[0][1:].strip()))
            said.stated.append(("title block date", block[2][1:].strip()))
            text = text.split("\n", 3)[3] if text.count("\n") >= 3 else ""
    said.lines = _opening(line.lstrip("#> ").rstrip("#\n") for line in StringIO(text))
    return said


def _html_said(text: str, path: str) -> _Said:
    from linkvault.parsing.html import _parse as _html_tree

    said = _Said(stamps=[(where, m.group(1)) for tag, where in _WORD_STAMPS
                         for m in [re.search(rf"<{tag}>([^<]{{1,40}})</{tag}>", text[:_HTML_PREFIX])] if m])
    try:
        root = _html_tree(text[:_HTML_PREFIX], path)
    except InputError:
        return said
    if root is None:
        return said
    meta: dict[str, str] = {}
    for el in root.iter("meta"):
        key = (el.get("property") or el.get("name") or "").strip().lower()
        meta.setdefault(key, el.get("content") or "")
    said.stated = [(f"meta {key}", meta[key]) for key in _HTML_META if meta.get(key)]
    times = root.xpath("//header//time[@datetime]")
    if times:
        said.stated.append(("<time datetime> in <header>", times[0].get("datetime") or ""))
    said.titles = [("title", str(t.text_content())) for t in root.iter("title")][:1]
    said.titles += [("meta og:title", meta["og:title"])] if meta.get("og:title") else []
    said.lines = _opening(_html_lines(root))
    return said


def _html_lines(root: HtmlElement) -> list[str]:
    """The page's text, a line per block, without its chrome."""
    from linkvault.parsing.html_notes import BLOCKS

    body = root.find("body")
    body = root if body is None else body
    for el in list(body.iter(*_CHROME)):
        el.drop_tree()
    for el in body.iter("sup", "a"):  # a marker: superscript, or a link into the page (Word's #_ftn1, #fn1)
        if el.tag == "sup" or (el.get("href") or "").startswith("#"):
            el.tail = _CITES + (el.tail or "")
    for el in body.iter(*BLOCKS, "br"):
        el.tail = "\n" + (el.tail or "")
        if el.tag != "br":
            el.text = "\n" + (el.text or "")
    return str(body.text_content()).splitlines()


def _docx_core(package: zipfile.ZipFile, budget: _Budget, said: _Said) -> None:
    """The core properties' stamps and title, from the part the package's relationships name."""
    from linkvault.parsing.docx import PR, _read_xml

    budget.left = _CORE_BYTES  # a few hundred bytes in any real package; more is not metadata
    rels = _read_xml(package, "_rels/.rels", budget)
    core = next((r.get("Target", "").lstrip("/") for r in (rels if rels is not None else ())
                 if r.tag == f"{{{PR}}}Relationship" and r.get("Type") == _CORE_PROPERTIES), "docProps/core.xml")
    props = _read_xml(package, core, budget)
    if props is not None:
        said.stamps = [(f"{core} dcterms:{name}", el.text or "") for name in ("modified", "created")
                       for el in props.iter(f"{{{_DCTERMS}}}{name}")]
        said.titles = [("title", el.text or "") for el in props.iter(f"{{{_DC}}}title")][:1]


def _docx_opening(package: zipfile.ZipFile, budget: _Budget, said: _Said) -> None:
    said.lines = _opening(_docx_paragraphs(package, budget))


def _docx_paragraphs(package: zipfile.ZipFile, budget: _Budget) -> Iterator[str]:
    """The body's paragraphs, read as far as asked; one citing a note reads as a line with a marker."""
    from linkvault.parsing.docx import _blocks, _runs_text, _w

    for block in _blocks(package, "word/document.xml", budget, depth=3):
        for p in block.iter(_w("p")):
            cites = next(p.iter(_w("footnoteReference"), _w("endnoteReference")), None) is not None
            yield _runs_text(p) + (_CITES if cites else "")
