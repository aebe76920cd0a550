"""Plain-text reports: body paragraphs with `[N]` markers, then a list of footnote entries.

This is also the common core the other readers fall back on: HTML and DOCX documents whose
footnote list was typed by hand are rendered to numbered lines and read here.

Where the footnote list starts is decided once, by a heading ("Notes", "Sources", "Примечания"…)
or else by the first entry-shaped line after the last body line that cites something. Inside that
list, numbered lines are entries and the lines that follow them without a blank are their
continuation (a URL broken over two lines is joined back). `[N] URL` lines count as entries
anywhere, for reports that put notes under each section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from linkvault.model import Citation, Entry
from linkvault.parsing.archived import archived_entry, strip_groups
from linkvault.parsing.urls import find_urls

Line = tuple[int, str]

MARKER = re.compile(r"\[(\d{1,6}(?:\s*[,;–—-]\s*\d{1,6})*)\]")
_STRONG_ENTRY = re.compile(r"^\s*\[(\d{1,6})\]\s*:?(?:\s+|$|(?=\S))(.*)$")
_WEAK_ENTRY = re.compile(r"^\s*(\d{1,6})\s*[.)](?:\s+|$)(.*)$")
NOTES_HEADING = re.compile(
    r"""(?ix)^\s*[#*=\s]*
    (notes|footnotes|endnotes|sources|references|links|bibliography|citations
    |примечания|сноски|источники|ссылки|список\s+источников|список\s+литературы
    |дереккөздер|ескертпелер|сілтемелер)
    \s*[:.]?\s*[#*=\s]*$"""
)
_MAX_RANGE = 500
# What a citation keeps of its text: the last words before the marker (the claim it cites), and of its
# paragraph the opening (a chronicle entry's date) and the end. Kept whole, one paragraph with many markers
# costs quadratic memory and time (40,000 markers: 2.4 GB); bounded, parsing and every check stay linear.
CONTEXT_CHARS = 600
OPENING_CHARS = 100
PARAGRAPH_CHARS = 400
MAX_URL_CHARS = 8192  # a URL broken over lines is healed up to this length, no further
_URL_BREAK_END = tuple("-/_=&?.%#+~")


@dataclass
class _Draft:
    """An entry being read: its text as pieces joined at the end (appending to one string is quadratic)."""

    label: str
    line: int
    pieces: list[str]
    last_word: str  # a URL has no spaces: the last word says whether the text so far ends in one

    @classmethod
    def start(cls, label: str, line: int, text: str) -> _Draft:
        return cls(label, line, [text], text[text.rfind(" ") + 1 :])

    @property
    def text(self) -> str:
        return "".join(self.pieces)


def expand_marker(inner: str) -> list[str]:
    """'3, 5–7' → ['3', '5', '6', '7']. Absurd ranges keep only their ends."""
    if inner.isdigit():  # by far the most common: one number
        return [str(int(inner))]
    labels: list[str] = []
    for part in re.split(r"\s*[,;]\s*", inner.strip()):
        bounds = re.split(r"\s*[–—-]\s*", part)
        nums = [int(b) for b in bounds if b.isdigit()]
        if len(nums) == 2 and nums[0] < nums[1] and nums[1] - nums[0] <= _MAX_RANGE:
            labels.extend(str(n) for n in range(nums[0], nums[1] + 1))
        else:
            labels.extend(str(n) for n in nums)
    return labels


def _outside_urls(text: str) -> str:
    """`text` with URL spans blanked, so brackets inside a URL are never markers."""
    pieces: list[str] = []
    done = 0
    for start, end, _ in find_urls(text):
        pieces += [text[done:start], " " * (end - start)]
        done = end
    return "".join(pieces) + text[done:] if pieces else text


def _tail(text: str, start: int, end: int, limit: int) -> str:
    """text[start:end] stripped, or its last `limit` characters from a word's start when it is longer."""
    if end - start <= limit:
        return text[start:end].strip()
    piece = text[end - limit : end]
    space = piece.find(" ", 0, limit // 4)
    return piece[space + 1 :].strip() if space >= 0 else piece.strip()


def _paragraph_so_far(text: str, end: int) -> str:
    """The paragraph up to `end`, or when longer its opening and its last words, joined by ' … '."""
    if end <= OPENING_CHARS + PARAGRAPH_CHARS:
        return text[:end].strip()
    return f"{text[:OPENING_CHARS].strip()} … {_tail(text, OPENING_CHARS, end, PARAGRAPH_CHARS)}"


def cite_spans(text: str) -> list[tuple[str, str, str]]:
    """(label, context, paragraph-so-far) for every citation in one paragraph of text.

    Both are bounded (CONTEXT_CHARS, OPENING_CHARS + PARAGRAPH_CHARS), and adjacent markers [79][80]
    share one context and one paragraph-so-far, so what is kept grows with the markers, not their product.
    """
    if "[" not in text:
        return []
    matches = list(MARKER.finditer(_outside_urls(text)))
    spans = marker_spans(text, [(m.start(), m.end()) for m in matches])
    return [(label, context, paragraph) for m, (context, paragraph) in zip(matches, spans)
            for label in expand_marker(m.group(1))]


REF_MARK = "\x00"  # where a reader marked a note reference in a paragraph's text (no document's text holds a NUL)


def ref_mark_spans(text: str) -> list[tuple[str, str]]:
    """(context, paragraph so far) of each REF_MARK in a paragraph's text, the marks themselves left out: how
    Word's and HTML's note references get what a plain-text `[N]` gets."""
    marks = [(m.start(), m.end()) for m in re.finditer(REF_MARK, text)]
    return [(context.replace(REF_MARK, ""), paragraph.replace(REF_MARK, ""))
            for context, paragraph in marker_spans(text, marks)]


def marker_spans(text: str, marks: list[tuple[int, int]]) -> list[tuple[str, str]]:
    """(context, paragraph-so-far) of each marker at (start, end) in one paragraph's `text`, kept as `cite_spans`
    keeps them: every format's reader records the same, so a report reads alike in each."""
    found: list[tuple[str, str]] = []
    start, previous_end, context, paragraph = 0, -1, "", ""
    for mark_start, mark_end in marks:
        if mark_start != previous_end:
            context = _tail(text, start, mark_start, CONTEXT_CHARS)
            paragraph = _paragraph_so_far(text, mark_start)
        start = previous_end = mark_end
        found.append((context, paragraph))
    return found


def _entry_shape(text: str) -> tuple[str, str, bool] | None:
    """(label, rest, strong) when the line opens a footnote entry."""
    m = _STRONG_ENTRY.match(text)
    if m:
        return m.group(1).lstrip("0") or "0", m.group(2), True
    m = _WEAK_ENTRY.match(text)
    if m:
        return m.group(1).lstrip("0") or "0", m.group(2), False
    return None


def parse_lines(lines: list[Line]) -> tuple[list[Citation], list[Entry]]:
    """Citations and entries of a report given as numbered lines of text."""
    shapes = [_entry_shape(text) for _, text in lines]
    start = _notes_start(lines, shapes)
    citations: list[Citation] = []
    drafts: list[_Draft] = []
    current: _Draft | None = None
    for i, ((lineno, text), shape) in enumerate(zip(lines, shapes)):
        in_notes = i >= start
        if shape and (in_notes or (shape[2] and find_urls(shape[1]))):
            current = _Draft.start(shape[0], lineno, shape[1].strip())
            drafts.append(current)
            continue
        if not text.strip():
            current = None
            continue
        if in_notes:
            if current is not None:
                _continue(current, text.strip())
            continue
        current = None
        citations.extend(Citation(label, lineno, context, paragraph) for label, context, paragraph in cite_spans(text))
    return citations, [_finish(d) for d in drafts]


def _notes_start(lines: list[Line], shapes: list) -> int:
    """Index of the first line of the footnote list (len(lines) when there is none)."""
    entry_after = False
    for i in range(len(lines) - 1, -1, -1):
        if entry_after and NOTES_HEADING.match(lines[i][1]):
            return i + 1
        entry_after = entry_after or shapes[i] is not None
    last_body = -1
    for i, ((_, text), shape) in enumerate(zip(lines, shapes)):
        if shape is None and "[" in text and MARKER.search(_outside_urls(text)):
            last_body = i
    for i in range(last_body + 1, len(lines)):
        if shapes[i] is not None:
            return i
    return len(lines)


def _continue(draft: _Draft, more: str) -> None:
    """Join a continuation line to an entry, healing a URL that was broken across lines."""
    urls = find_urls(draft.last_word) if len(draft.last_word) <= MAX_URL_CHARS else []
    ends_in_url = bool(urls) and urls[-1][1] == len(draft.last_word)
    if ends_in_url and " " not in more and not find_urls(more):
        if draft.last_word.endswith(_URL_BREAK_END) or re.search(r"[/_=&?%.-]", more):
            draft.pieces.append(more)
            draft.last_word += more
            return
    draft.pieces.append(f" {more}" if len(draft.pieces) > 1 or draft.pieces[0] else more)  # lines added are never empty
    draft.last_word = more[more.rfind(" ") + 1 :]


def _finish(draft: _Draft) -> Entry:
    text, copies = strip_groups(" ".join(draft.text.split()))
    urls: list[str] = []
    for _, _, url in find_urls(text):
        if url not in urls:
            urls.append(url)
    return archived_entry(draft.label, draft.line, text, urls, copies)


def parse_text(text: str) -> tuple[list[Citation], list[Entry]]:
    return parse_lines(list(enumerate(text.split("\n"), start=1)))
