"""Markdown reports with footnotes: `[^label]` markers, `[^label]: …` definitions and `^[…]` inline notes.

Labels may be words. A definition goes on over indented lines (and, as in most Markdown
dialects, over lines that directly follow it); a fenced block inside it ends with the fence or
with the note. Code (spans, fenced and indented blocks) cites nothing, an image is not a source,
and a `> ` quote is read like the text it quotes. Inline notes (pandoc, markdown-it) are notes
without a label: a document that has them is numbered the way pandoc numbers its notes, in order
of first reference across both kinds. A Markdown file with no footnotes is read as plain text, in
the seed's `[N]` style.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from linkvault.model import Citation, Entry
from linkvault.parsing.archived import archived_entry, html_hrefs, strip_groups, unwrap_ours
from linkvault.parsing.txt import Line, marker_spans, parse_lines
from linkvault.parsing.urls import find_urls

# A label holds no white space and no bracket: `[^\[link\]^](#ref)` is a superscript link, not a marker.
_MARKER = re.compile(r"\[\^([^\]\[\s\\]{1,64})\]")
_DEFINITION = re.compile(r"^ {0,3}\[\^([^\]\[\s\\]{1,64})\]:[ \t]*(.*)$")
_FENCE = re.compile(r"^(\s*)(`{3,}(?=[^`]*$)|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_QUOTE = re.compile(r"^ {0,3}(?:> ?)+")
_LIST_ITEM = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)])(?:\s|$)")
_HEADING = re.compile(r"^ {0,3}#{1,6}(?:\s|$)")
# What opens a body line before its words: a quote's `>`, a list item's mark, a heading's `#`s
_OPENING_MARKS = re.compile(r"^ {0,3}(?:> ?)*(?:(?:[-*+]|\d{1,9}[.)])\s+|#{1,6}\s+)?")
# `![alt](src)`: a picture shown in the text, not a cited source. Its alt text stays.
_IMAGE = re.compile(r"!\[([^\]]*)\]\(\s*<?[^)\s>]*>?(?:\s+\"[^\"]*\")?\s*\)")
_LINK_TARGET = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_INLINE = "\x00"  # labels of inline notes until they are numbered


def has_footnotes(text: str) -> bool:
    return (bool(re.search(r"(?m)^ {0,3}(?:> ?)*\[\^[^\]\[\s\\]+\]:", text)) or bool(_MARKER.search(text))
            or "^[" in text)


def parse_markdown(text: str) -> tuple[list[Citation], list[Entry]]:
    lines = list(enumerate(text.split("\n"), start=1))
    if not has_footnotes(text):
        return parse_lines([(lineno, _IMAGE.sub(r"\1", line)) for lineno, line in lines])
    return _parse_footnotes(_Reader().read(lines))


@dataclass
class _Definition:
    label: str
    line: int
    parts: list[str]


@dataclass
class _Blocks:
    """The document cut into body lines (code blanked) and footnote definitions."""

    body: list[Line] = field(default_factory=list)
    definitions: list[_Definition] = field(default_factory=list)


def _indented(text: str) -> bool:
    return text.startswith(("    ", "\t"))


class _Reader:
    """One pass over the lines that knows whether each is body, note or code."""

    def __init__(self) -> None:
        self.blocks = _Blocks()
        self.note: _Definition | None = None
        self.after_blank = False
        self.fence: tuple[str, int, bool] | None = None  # (character, length, inside a note)
        self.in_list = False
        self.in_code = False

    def read(self, lines: list[Line]) -> _Blocks:
        for lineno, raw in lines:
            self._line(lineno, _QUOTE.sub("", raw))
        return self.blocks

    def _line(self, lineno: int, text: str) -> None:
        if self.fence is not None:
            char, length, in_note = self.fence
            if in_note and text.strip() and not _indented(text):
                self.fence = None  # the note ends, and its unclosed block with it
                self.note = None
            else:
                closing = text.strip()
                if closing.startswith(char * length) and not closing.strip(char):
                    self.fence = None
                return
        fence = _FENCE.match(text)
        nested = _indented(text) and (self.note is not None or self.in_list)  # a fence inside a note or list item
        if fence and (len(fence.group(1).expandtabs(4)) < 4 or nested):
            in_note = self.note is not None and _indented(text)
            if not in_note:
                self.note = None
            self.fence = (fence.group(2)[0], len(fence.group(2)), in_note)
            self.after_blank = False
            return
        m = _DEFINITION.match(text)
        if m:
            self.note = _Definition(m.group(1), lineno, [_visible(m.group(2))])
            self.blocks.definitions.append(self.note)
            self.after_blank = self.in_code = False
            return
        if not text.strip():
            self.after_blank = True
            return
        if self.note is not None:
            if text.expandtabs(4).startswith(" " * 8) and (self.after_blank or self.in_code):
                self.in_code = True  # a code block inside the note
                return
            if _indented(text) or not self.after_blank:
                self.note.parts.append(_visible(text.strip()))
                self.after_blank = self.in_code = False
                return
        self.note = None
        if _indented(text) and (self.after_blank or self.in_code) and not self.in_list:
            self.in_code = True  # an indented code block cites nothing
            self.after_blank = False
            return
        if _LIST_ITEM.match(text):
            self.in_list = True
        elif self.after_blank and not _indented(text):
            self.in_list = False
        self.after_blank = self.in_code = False
        self.blocks.body.append((lineno, _visible(text)))


def _visible(text: str) -> str:
    """The line with code spans blanked (columns kept) and images reduced to their alt text."""
    text = _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), text)
    return _IMAGE.sub(lambda m: m.group(1) + " " * (len(m.group(0)) - len(m.group(1))), text)


def _parse_footnotes(blocks: _Blocks) -> tuple[list[Citation], list[Entry]]:
    body, inline = _take_inline_notes(blocks.body)
    citations = [c for paragraph in _paragraphs(body, blocks=True) for c in _citations(paragraph)]
    entries = [_entry(d.label, d.line, d.parts) for d in blocks.definitions]
    entries += [_entry(label, lineno, [text]) for label, lineno, text in inline]
    if inline:
        citations, entries = _number_like_pandoc(citations, entries)
    entries.sort(key=lambda e: e.line)
    return citations, entries


def _take_inline_notes(body: list[Line]) -> tuple[list[Line], list[tuple[str, int, str]]]:
    """Body lines with each `^[…]` note replaced by a marker of its own, and the notes (label, line, text).

    A note may run over the lines of its paragraph, and brackets inside it nest; a `^[` that
    does not close within its paragraph is text.
    """
    notes: list[tuple[str, int, str]] = []
    out: list[Line] = []
    for paragraph in _paragraphs(body):
        text = "\n".join(t for _, t in paragraph)
        first = paragraph[0][0]
        pieces, i = [], 0
        while (start := _inline_start(text, i)) >= 0:
            end = _closing_bracket(text, start + 2)
            if end < 0:
                break
            label = f"{_INLINE}{len(notes) + 1}"
            note = text[start + 2:end]
            notes.append((label, first + text.count("\n", 0, start), note.replace("\n", " ")))
            pieces += [text[i:start], f"[^{label}]", "\n" * note.count("\n")]
            i = end + 1
        pieces.append(text[i:])
        out += list(zip((n for n, _ in paragraph), "".join(pieces).split("\n")))
    return out, notes


def _paragraphs(body: list[Line], blocks: bool = False) -> list[list[Line]]:
    """Runs of body lines that follow each other without a gap; with `blocks`, a heading or a list item is a
    run of its own too (a chronicle written as a list has an entry per item)."""
    runs: list[list[Line]] = []
    for lineno, text in body:
        starts = blocks and bool(_LIST_ITEM.match(text) or _HEADING.match(text)
                                 or (runs and _HEADING.match(runs[-1][-1][1])))
        if runs and runs[-1][-1][0] == lineno - 1 and not starts:
            runs[-1].append((lineno, text))
        else:
            runs.append([(lineno, text)])
    return runs


def _citations(paragraph: list[Line]) -> list[Citation]:
    """The paragraph's markers, each with the text citing it and the paragraph so far (as plain text records
    them: an entry's date opens it), without the quote, list or heading marks before its first word."""
    first = paragraph[0][0]
    text = "\n".join(_OPENING_MARKS.sub(lambda m: " " * len(m.group(0)), t, count=1) for _, t in paragraph)
    marks = _marker_matches(text)
    spans = marker_spans(text.replace("\n", " "), [(m.start(), m.end()) for m in marks])
    return [Citation(m.group(1), first + text.count("\n", 0, m.start()), context, para)
            for m, (context, para) in zip(marks, spans)]


def _inline_start(text: str, i: int) -> int:
    while (i := text.find("^[", i)) >= 0:
        if i == 0 or text[i - 1] != "\\":
            return i
        i += 2
    return -1


def _closing_bracket(text: str, i: int) -> int:
    """Index of the `]` that closes a bracket opened just before `i`, or -1."""
    depth = 1
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _number_like_pandoc(citations: list[Citation], entries: list[Entry]) -> tuple[list[Citation], list[Entry]]:
    """Notes numbered 1, 2, 3 in the order they are first cited, inline or by label, as pandoc shows them.

    A label cited but never defined, or defined but never cited, keeps its own name: pandoc
    shows no number for either.
    """
    defined = {e.label for e in entries}
    numbers: dict[str, str] = {}
    for c in citations:
        if c.label in defined and c.label not in numbers:
            numbers[c.label] = str(len(numbers) + 1)
    citations = [Citation(numbers.get(c.label, c.label), c.line, c.context, c.paragraph) for c in citations]
    entries = [replace(e, label=numbers.get(e.label, e.label)) for e in entries]
    return citations, entries


def _marker_matches(text: str) -> list[re.Match[str]]:
    spans = find_urls(text)
    return [m for m in _MARKER.finditer(text) if not any(start <= m.start() < end for start, end, _ in spans)]


def _entry(label: str, lineno: int, parts: list[str]) -> Entry:
    """A note's entry. An inline <a> element counts by its href alone; robustify's own element and group are read
    back as the text they were written into, their versions as archived copies (parsing.archived)."""
    text, versions = unwrap_ours(" ".join(" ".join(parts).split()))
    text, grouped = strip_groups(text)
    scan, urls = html_hrefs(text)
    for target in _LINK_TARGET.findall(scan):
        if target not in urls and not target.startswith("#"):
            urls.append(target)
    for _, _, url in find_urls(scan):
        if url not in urls and not any(u.startswith(url) or url.startswith(u) for u in urls):
            urls.append(url)
    return archived_entry(label, lineno, text, urls, versions + grouped)
