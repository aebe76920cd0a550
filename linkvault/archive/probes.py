"""Soft-404 probes: what a site answers for a path that cannot exist, asked once per host and run."""

from __future__ import annotations

import asyncio
import os
import secrets
from urllib.parse import urlsplit, urlunsplit

from linkvault.archive.fetcher import Fetcher
from linkvault.archive.pages import page_of
from linkvault.model import Page
from linkvault.vault import Vault


class Probes:
    """One soft-404 probe per host and run: what the site answers for a path that cannot exist."""

    def __init__(self, fetcher: Fetcher, vault: Vault):
        self.fetcher = fetcher
        self.vault = vault
        self._tasks: dict[str, asyncio.Task] = {}

    def get(self, url: str) -> asyncio.Task:
        host = urlsplit(url).netloc.lower()
        if host not in self._tasks:
            self._tasks[host] = asyncio.ensure_future(self._probe(probe_url(url)))
        return self._tasks[host]

    async def _probe(self, url: str) -> Page | None:
        capture = await self.fetcher.fetch(url)
        try:
            page, _ = await asyncio.to_thread(page_of, capture, self.fetcher.options.max_decoded)
        except Exception:  # a probe that cannot be read only costs the soft-404 comparison
            page = None
        capture.body_head = b""  # read: the page holds what judging needs
        self.vault.add_url(url)
        self.vault.store_capture(capture, role="probe")
        return page


def probe_url(url: str) -> str:
    """The cited URL with its last path segment replaced by a random one (Bar-Yossef et al.)."""
    parts = urlsplit(url)
    directory, _, last = parts.path.rpartition("/")
    ext = os.path.splitext(last)[1] if "." in last else ""
    token = "linkvault-" + secrets.token_hex(8)
    return urlunsplit((parts.scheme, parts.netloc, f"{directory}/{token}{ext}", "", ""))
