"""The adapter interface and the small helpers adapters share."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Protocol

from linkvault.model import LinkState, Page

if TYPE_CHECKING:
    from lxml.html import HtmlElement

HTML_SCAN = 2 * 1024 * 1024  # how much of a page adapters read for its data scripts


@dataclass(frozen=True)
class SiteText:
    text: str
    title: str | None = None
    author: str | None = None
    published: str | None = None
    images: tuple[str, ...] = ()  # the post's own images, each archived as a record of its own


class SiteAdapter(Protocol):
    name: str
    hosts: frozenset[str]  # every host (as `host_of` names it) of a URL it `matches`

    def matches(self, url: str) -> bool: ...

    def companions(self, url: str) -> list[str]: ...

    def judge(self, page: Page, companions: dict[str, Page]) -> LinkState | None: ...

    def extract(self, page: Page, companions: dict[str, Page]) -> SiteText | None: ...


def html_tree(html: str) -> HtmlElement | None:
    """The page as lxml's tree, None when it will not parse. lxml is loaded here, as a page is read (in a judging
    worker): the run's main process only matches the sites' URLs, and starts sooner without it."""
    import lxml.html
    from lxml.etree import ParserError

    try:
        return lxml.html.document_fromstring(html)
    except (ValueError, ParserError):
        return None


def host_of(url: str) -> str:
    from urllib.parse import urlsplit

    host = (urlsplit(url).hostname or "").lower()
    for prefix in ("www.", "web.", "m.", "mobile.", "mbasic."):
        if host.startswith(prefix):
            return host[len(prefix):]
    return host


def verdict(state: str, detail: str, page: Page) -> LinkState:
    return LinkState(state, detail, page.status, page.final_url)


_SCRIPT_JSON = re.compile(r'(?is)<script[^>]+type=["\']application/(?:ld\+)?json["\'][^>]*>(.*?)</script>')


def script_json(html: str) -> list[object]:
    """The JSON of a page's `<script type="application/json">` blocks (the data script-built sites render from)."""
    found = []
    for block in _SCRIPT_JSON.findall(html[:HTML_SCAN]):
        try:
            found.append(json.loads(block))
        except ValueError:
            continue
    return found


def walk(data: object) -> Iterator[dict]:
    """Every object inside `data`, depth first, in document order (without recursion: the nesting is the page's)."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))


def utc_iso(epoch: object) -> str | None:
    """A Unix time as ISO 8601 UTC (None for what is not one)."""
    if not isinstance(epoch, (int, float)) or isinstance(epoch, bool) or not 0 < epoch < 32503680000:
        return None
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat()


def web_urls(urls: Iterable[object], limit: int = 20) -> tuple[str, ...]:
    """The http(s) URLs among `urls`, each once, in order, at most `limit`."""
    seen: dict[str, None] = {}
    for url in urls:
        if isinstance(url, str) and url.startswith(("https://", "http://")) and len(seen) < limit:
            seen.setdefault(url)
    return tuple(seen)
