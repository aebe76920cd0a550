"""Lists of URLs as reports: the input of `wget -i`, lychee and ArchiveBox, one URL a line.

Blank lines and `#` comments are allowed; every URL is a source of its own, numbered 1, 2, 3 in
order, and cites itself, so `check` and `fetch` treat it like a footnote nobody forgot to cite.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from linkvault.errors import InputError
from linkvault.model import Citation, Entry

# One address and nothing else: a scheme (any: ftp:// is refused later, not mistaken) or www.
_URL_LINE = re.compile(r"(?i)^(?:[a-z][a-z0-9+.-]*://|www\.)\S+$")


def is_url_argument(arg: str) -> bool:
    """Whether a command-line argument is an address rather than a report file's name."""
    return bool(re.match(r"(?i)^[a-z][a-z0-9+.-]*://\S", arg))


def looks_like_url_list(text: str) -> bool:
    """Only URLs, blank lines and `#` comments, and at least one URL."""
    seen = False
    for line in text.split("\n"):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not _URL_LINE.match(line):
            return False
        seen = True
    return seen


def parse_url_list(text: str, path: str) -> tuple[list[Citation], list[Entry]]:
    """Each URL line a numbered source; any other line (not blank, not a comment) is an error naming it."""
    urls: list[tuple[int, str]] = []
    for lineno, line in enumerate(text.split("\n"), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not _URL_LINE.match(line):
            raise InputError(f"not a URL (a URL list holds one URL a line, blank lines and # comments): "
                             f"{line[:60]}", path=path, line=lineno)
        urls.append((lineno, line))
    return numbered_sources(urls)


def numbered_sources(urls: Sequence[tuple[int, str]]) -> tuple[list[Citation], list[Entry]]:
    """(line, url) pairs → citations and entries labelled 1, 2, 3 in order."""
    citations = [Citation(str(n), line) for n, (line, _) in enumerate(urls, start=1)]
    entries = [Entry(str(n), line, url, (url,)) for n, (line, url) in enumerate(urls, start=1)]
    return citations, entries
