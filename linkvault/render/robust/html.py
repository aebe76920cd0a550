"""HTML reports robustified: each <a> whose target, resolved as the reader resolves it (against `<base href>`,
`//host` over https), is a cited URL gets the Robust Links attributes `data-originalurl`, `data-versiondate` and
`data-versionurl`. Only those start tags change; ours already there are replaced, not repeated. A body link to the
same source gets them too: Robust Links are meant for every link to it, and the reader reads footnotes by href alone.
"""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser
from urllib.parse import urljoin

from linkvault.parsing.archived import ATTRIBUTE
from linkvault.parsing.html_notes import SKIP_SCHEMES
from linkvault.render.robust.source import Source
from linkvault.render.robust.versions import Versions, checked, robust_attributes

OUR_ATTRIBUTES = ("data-originalurl", "data-versiondate", "data-versionurl")


class _Anchors(HTMLParser):
    """Every <a> start tag as written (its line, column and text) with its href, and the page's first web <base>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[tuple[int, int, str, str]] = []
        self.base: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        href = re.sub(r"[\t\n\r]", "", values.get("href") or "").strip()  # as parsing.html_notes.link_target
        if tag == "base" and self.base is None and href.lower().startswith(("http://", "https://")):
            self.base = href
        if tag == "a" and "href" in values:
            line, column = self.getpos()
            self.anchors.append((line, column, self.get_starttag_text() or "", href))

    handle_startendtag = handle_starttag


def robustify_html(data: bytes, versions: Versions) -> bytes:
    """The HTML report `data` with the Robust Links attributes on every link to a cited URL that has versions."""
    source = Source.read(data)
    found = checked(versions)
    parser = _Anchors()
    parser.feed(source.text)
    parser.close()
    for line, column, tag, href in reversed(parser.anchors):
        url = _resolved(href, parser.base)
        if url not in found or not source.lines[line - 1].startswith(tag.split("\n")[0], column):
            continue
        _replace(source, line, column, tag, robust_tag(tag, url, found))
    return source.encode()


def _resolved(href: str, base: str | None) -> str:
    """The link's target as parsing.html reads it."""
    if not href or href.lower().startswith(SKIP_SCHEMES) or ":" in href.split("/", 1)[0]:
        return href
    if base:
        return urljoin(base, href)
    return "https:" + href if href.startswith("//") else href


def robust_tag(tag: str, url: str, versions: Versions) -> str:
    """The start tag `tag` with our attributes at its end (any earlier ones of ours, and the one space before each,
    removed), every value escaped. Its line breaks stay where they were."""
    close = 2 if tag.endswith("/>") else 1
    body, kept, done = tag[:-close], [], 0
    for m in ATTRIBUTE.finditer(body):
        if m.group(1).lower() in OUR_ATTRIBUTES:
            before = body[done:m.start()]
            kept.append(before[:-1] if before.endswith(" ") else before)
            done = m.end()
    ours = "".join(f' {name}="{escape(value)}"' for name, value in robust_attributes(url, versions[url]))
    return "".join(kept) + body[done:] + ours + tag[-close:]


def _replace(source: Source, line: int, column: int, old: str, new: str) -> None:
    """Put `new` where the start tag `old` was written; a tag over several lines keeps its line breaks."""
    old_rows, new_rows = old.split("\n"), new.split("\n")
    if len(old_rows) != len(new_rows):
        return
    first, last = line - 1, line - 1 + len(old_rows) - 1
    head, tail = source.lines[first][:column], source.lines[last][len(old_rows[-1]) + (column if first == last else 0):]
    for offset, row in enumerate(new_rows):
        source.lines[first + offset] = row
    source.lines[first] = head + source.lines[first]
    source.lines[last] += tail
