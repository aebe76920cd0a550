"""A footnote's archived copies, as a robustified report writes them beside its source.

robustify (render/robust) adds, after the URL a footnote cites, a group `(archived 2024-04-05: URI-M; Save Page Now
2026-11-30: URI-M; evidence pack: URL)`, or in Markdown the Robust Links element `<a href="U" data-originalurl="U"
data-versiondate="…" data-versionurl="…">U</a>`; and editors paste a memento's URI (`web.archive.org/web/<ts>/<U>`)
beside the URL it copies. Each is a copy of the entry's source (`Entry.archived`), never a source of its own, so
`check` reads a robustified report as it read the original. A footnote that cites only a memento still cites it.
The writers use the same shapes from here, so what they write and what is read back cannot drift apart.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from linkvault.model import Entry
from linkvault.parsing.url_keys import comparison_key
from linkvault.parsing.urls import invalid_reason, memento_parts, trim_url

# One item of the group: its words, its date (the evidence pack's may go without), then the URI.
_ITEM = re.compile(r"([A-Za-z][A-Za-z ]{0,40}?)(?: (\d{4}-\d{2}-\d{2}))?: (?=\S)")
_RUN = re.compile(r"\S+")
# The Markdown element robustify writes: an <a> carrying data-originalurl.
OURS = re.compile(r"<a\s(?=[^<>]*\bdata-originalurl=)([^<>]*)>(.*?)</a>", re.I | re.S)
_A_TAG = re.compile(r"<a\s([^<>]*)>", re.I)
ATTRIBUTE = re.compile(r"""([A-Za-z_:][-\w:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""")


def group_at(text: str, start: int) -> tuple[int, list[str]] | None:
    """Where our group opening at `text[start]` ("(") ends, and its URIs; None when none opens there.

    Its first item is dated; each URI is an http(s) address, trimmed of what closes the group as any address
    written in text is (an unbalanced `)`, a `;`)."""
    i, uris = start + 1, list[str]()
    while True:
        item = _ITEM.match(text, i)
        if not item or (not uris and not item.group(2)):
            return None
        run = _RUN.match(text, item.end())
        uri = trim_url(run.group(0)) if run else ""
        if not uri.lower().startswith(("http://", "https://")) or invalid_reason(uri):
            return None
        uris.append(uri)
        i = item.end() + len(uri)
        if text.startswith("; ", i):
            i += 2
        elif text.startswith(")", i):
            return i + 1, uris
        else:
            return None


def strip_groups(text: str) -> tuple[str, list[str]]:
    """`text` without our groups (each with the one space before it), and the URIs they held."""
    pieces, uris, done, at = [], [], 0, text.find(" (")
    while at >= 0:
        found = group_at(text, at + 1)
        if found:
            pieces.append(text[done:at])
            done, more = found
            uris += more
        at = text.find(" (", max(at + 1, done))
    return "".join(pieces) + text[done:], uris


def attributes(tag_inside: str) -> dict[str, str]:
    """A start tag's attributes (the text between `<a ` and `>`), names lower-cased, values unescaped."""
    found: dict[str, str] = {}
    for m in ATTRIBUTE.finditer(tag_inside):
        value = next((v for v in m.groups()[1:] if v is not None), "")
        found.setdefault(m.group(1).lower(), html.unescape(value))
    return found


def version_uris(value: str) -> list[str]:
    """The URIs of a data-versionurl value: space-separated, each optionally followed by its own date."""
    return [word for word in value.split() if word.lower().startswith(("http://", "https://"))]


def unwrap_ours(text: str) -> tuple[str, list[str]]:
    """Markdown with each of our <a> elements read back as what it replaced: a bare URL, or `[text](URL)`;
    and the version URIs they carried."""
    uris: list[str] = []

    def back(m: re.Match[str]) -> str:
        attrs = attributes(m.group(1))
        uris.extend(version_uris(attrs.get("data-versionurl", "")))
        href, inner = attrs.get("href", ""), m.group(2)
        return inner if inner == href else f"[{inner}]({href})"

    return OURS.sub(back, text), uris


def html_hrefs(text: str) -> tuple[str, list[str]]:
    """Markdown's inline <a> start tags blanked (their attributes are no addresses the note shows), and their hrefs."""
    hrefs: list[str] = []

    def blank(m: re.Match[str]) -> str:
        href = attributes(m.group(1)).get("href", "").strip()
        if href and not href.lower().startswith(("#", "mailto:", "tel:")):
            hrefs.append(href)
        return " " * len(m.group(0))

    return _A_TAG.sub(blank, text), hrefs


def archived_entry(label: str, line: int, text: str, urls: Sequence[str], copies: Sequence[str] = ()) -> Entry:
    """An entry whose `copies` (from our groups or elements) and whose mementos of its own URLs are its archived
    copies, not its sources. A memento whose original the entry does not cite stays a source."""
    sources = [u for u in urls if u not in copies]
    parts = [memento_parts(u) for u in sources]
    mementos: list[str] = []
    if any(parts):  # the comparison keys only where there is a memento to compare (a key costs more than the rest)
        cited = {_key(u) for u, m in zip(sources, parts) if m is None} - {None}
        mementos = [u for u, m in zip(sources, parts) if m is not None and _key(m[3]) in cited]
    return Entry(label=label, line=line, text=text, urls=tuple(u for u in sources if u not in mementos),
                 archived=tuple(dict.fromkeys([*copies, *mementos])))


def _key(url: str) -> str | None:
    """The comparison key of an address that is one (an invalid URL has a finding of its own, and no key)."""
    return None if invalid_reason(url) else comparison_key(url)
