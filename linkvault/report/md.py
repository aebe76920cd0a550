"""Markdown reports with footnotes: `[^label]` markers and `[^label]: …` definitions.

Labels may be words. A definition goes on over indented lines (and, as in most Markdown
dialects, over lines that directly follow it). Code spans and fenced blocks cite nothing. A
Markdown file with no `[^…]` footnotes is read as plain text, in the seed's `[N]` style.
"""

from __future__ import annotations

import re

from linkvault.model import Citation, Entry
from linkvault.report.txt import Line, parse_lines
from linkvault.report.urls import find_urls

_MARKER = re.compile(r"\[\^([^\]\s]{1,64})\]")
_DEFINITION = re.compile(r"^ {0,3}\[\^([^\]\s]{1,64})\]:[ \t]*(.*)$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_LINK_TARGET = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def has_footnotes(text: str) -> bool:
    return bool(re.search(r"(?m)^ {0,3}\[\^[^\]\s]+\]:", text)) or bool(_MARKER.search(text))


def parse_markdown(text: str) -> tuple[list[Citation], list[Entry]]:
    lines = list(enumerate(text.split("\n"), start=1))
    if not has_footnotes(text):
        return parse_lines(lines)
    return _parse_footnotes(_without_code(lines))


def _without_code(lines: list[Line]) -> list[Line]:
    out: list[Line] = []
    fenced = False
    for lineno, text in lines:
        if _FENCE.match(text):
            fenced = not fenced
            out.append((lineno, ""))
            continue
        out.append((lineno, "" if fenced else _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), text)))
    return out


def _parse_footnotes(lines: list[Line]) -> tuple[list[Citation], list[Entry]]:
    citations: list[Citation] = []
    defs: list[tuple[str, int, list[str]]] = []
    current: list[str] | None = None
    after_blank = False
    for lineno, text in lines:
        m = _DEFINITION.match(text)
        if m:
            current = [m.group(2)]
            defs.append((m.group(1), lineno, current))
            after_blank = False
            continue
        if not text.strip():
            after_blank = True
            continue
        if current is not None and (text.startswith(("    ", "\t")) or not after_blank):
            current.append(text.strip())
            continue
        # Markers inside a definition are not citations; only body text cites.
        current = None
        after_blank = False
        citations.extend(Citation(label, lineno) for label in _markers(text))
    return citations, [_entry(label, lineno, parts) for label, lineno, parts in defs]


def _markers(text: str) -> list[str]:
    spans = find_urls(text)
    labels = []
    for m in _MARKER.finditer(text):
        if any(start <= m.start() < end for start, end, _ in spans):
            continue
        labels.append(m.group(1))
    return labels


def _entry(label: str, lineno: int, parts: list[str]) -> Entry:
    text = " ".join(" ".join(parts).split())
    urls: list[str] = []
    for target in _LINK_TARGET.findall(text):
        if target not in urls and not target.startswith("#"):
            urls.append(target)
    for _, _, url in find_urls(text):
        if url not in urls and not any(u.startswith(url) or url.startswith(u) for u in urls):
            urls.append(url)
    return Entry(label=label, line=lineno, text=text, urls=tuple(urls))
