"""The adapter interface and the small helpers adapters share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from linkvault.model import LinkState, Page


@dataclass(frozen=True)
class SiteText:
    text: str
    title: str | None = None
    author: str | None = None
    published: str | None = None


class SiteAdapter(Protocol):
    name: str

    def matches(self, url: str) -> bool: ...

    def companions(self, url: str) -> list[str]: ...

    def judge(self, page: Page, companions: dict[str, Page]) -> LinkState | None: ...

    def extract(self, page: Page, companions: dict[str, Page]) -> SiteText | None: ...


def host_of(url: str) -> str:
    from urllib.parse import urlsplit

    host = (urlsplit(url).hostname or "").lower()
    for prefix in ("www.", "web.", "m.", "mobile.", "mbasic."):
        if host.startswith(prefix):
            return host[len(prefix):]
    return host


def verdict(state: str, detail: str, page: Page) -> LinkState:
    return LinkState(state, detail, page.status, page.final_url)
