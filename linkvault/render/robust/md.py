"""Markdown reports robustified: in each footnote, the cited URL becomes the Robust Links element
`<a href="U" data-originalurl="U" data-versiondate="D" data-versionurl="URI-M …">U</a>` (a `[text](U)` link becomes
the element around its text; an autolink `<U>` is followed by the plain-text group, as it cannot hold the element),
or with `plain` the plain-text group follows it. Every other character stays.

A Markdown file without footnotes (`[N] URL` lists, as plain text has them) is robustified as plain text.
"""

from __future__ import annotations

import re
from html import escape

from linkvault.parsing.archived import strip_groups, unwrap_ours
from linkvault.parsing.md import has_footnotes, parse_markdown
from linkvault.parsing.urls import find_urls
from linkvault.render.robust.source import Source
from linkvault.render.robust.txt import insert_groups, rewrite_notes, robustify_text
from linkvault.render.robust.versions import Versions, checked, plain_group, robust_attributes

_MD_LINK = re.compile(r"(?<!!)\[([^\[\]<>]*)\]\(([^()\s<>]+)\)")


def robustify_markdown(data: bytes, versions: Versions, plain: bool = False) -> bytes:
    """The Markdown report `data` with each footnote's cited URLs given their versions, inline or as plain text."""
    source = Source.read(data)
    if not has_footnotes(source.text):
        return robustify_text(data, versions)
    _, entries = parse_markdown(source.text)
    rewrite_notes(source, entries, checked(versions), _add_plain if plain else _add_element)
    return source.encode()


def robust_element(url: str, inner: str, versions: Versions) -> str:
    """Our <a> element for a link to `url` showing `inner` (Markdown, kept as written)."""
    attrs = "".join(f' {name}="{escape(value)}"' for name, value in robust_attributes(url, versions[url]))
    return f'<a href="{escape(url)}"{attrs}>{inner}</a>'


def _add_plain(line: str, versions: Versions, done: set[str]) -> str:
    """The line back as first written, then the group after each cited URL (after a `[text](URL)` link's `)`)."""
    line, _ = unwrap_ours(line)
    line, _ = strip_groups(line)
    for m in reversed(list(_MD_LINK.finditer(line))):
        url = m.group(2)
        if url in versions and url not in done and not _earlier(line, m.start(), url):
            done.add(url)
            line = f"{line[:m.end()]} {plain_group(versions[url])}{line[m.end():]}"
    return insert_groups(line, versions, done, _bare)


def _add_element(line: str, versions: Versions, done: set[str]) -> str:
    """The line back as first written, then the first link to each cited URL made our element."""
    line, _ = strip_groups(unwrap_ours(line)[0])
    for m in reversed(list(_MD_LINK.finditer(line))):
        url = m.group(2)
        if url in versions and url not in done and not _earlier(line, m.start(), url):
            done.add(url)
            line = line[:m.start()] + robust_element(url, m.group(1), versions) + line[m.end():]
    for start, end, url in reversed(find_urls(line)):
        autolink = line[start - 1:start] == "<"
        if url in versions and url not in done and not _earlier(line, start, url) and _bare(line, start, end) \
                and not autolink:
            done.add(url)
            line = line[:start] + robust_element(url, url, versions) + line[end:]
    return insert_groups(line, versions, done, _bare)  # an autolink `<URL>` keeps its shape: the group follows it


def _earlier(line: str, start: int, url: str) -> bool:
    """Whether `url` is linked or written earlier in the line than at `start` (only the first is robustified)."""
    return any(u == url and s < start for s, _, u in find_urls(line))


def _bare(line: str, start: int, end: int) -> bool:
    """A URL written as text or an autolink, not inside an HTML tag or element, nor a link's target."""
    before = line[:start].lower()
    in_tag = before.rfind("<") > before.rfind(">") and not (before.endswith("<") and line[end:end + 1] == ">")
    return not in_tag and before.count("<a ") <= before.count("</a>") and not before.endswith("](")
