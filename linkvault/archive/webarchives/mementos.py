"""A memento read as the page it preserves, so linkvault's own rules judge the copy as they judged the live page.

An archive serves a capture under its own address (`…/web/20240401091233id_/https://kaztag.kz/ru/news/x`), with
the archived response's headers renamed (`X-Archive-Orig-Location`), redirects within the archive, and headers of
its own (`Memento-Datetime`, `Link`). `memento_page` undoes that: the cited URL, the hops and final URL as the site
answered them then, the archived headers under their own names. A soft-404, a redirect to the front page, a login
wall or a parked domain in the archive is then called what it is, and offered as a copy of nothing.
"""

from __future__ import annotations

import dataclasses
import re
from urllib.parse import urlsplit

from linkvault.model import Capture, Hop, LinkState, Page
from linkvault.parsing.urls import memento_parts
from linkvault.states import classify

ARCHIVE_HEADER = "x-archive-orig-"
# Headers an archive adds to a replayed capture: about the archive, not the archived response.
_ARCHIVE_OWN = {"memento-datetime", "link", "content-location", "x-archive-src", "x-archive-guessed-content-type",
                "x-archive-guessed-charset", "x-app-server", "x-ts", "x-tr", "x-location", "server-timing",
                "preference-applied", "x-archive-screenname"}


def original_of(uri: str | None) -> str | None:
    """The archived URL inside a memento's URI (None when `uri` is not one); `http:/a.example`, as Wayback folds
    it, becomes `http://a.example`."""
    parts = memento_parts(uri or "")
    return parts[3] if parts else None


# archive.today keeps rendered snapshots only: its URI-Ms look like Wayback's but have no raw mode.
NO_RAW_MODE = {"archive.today", "archive.ph", "archive.is", "archive.li", "archive.vn", "archive.fo", "archive.md"}
_PREFIXED = re.compile(r"^(?P<prefix>https?://[^?#]+?/)(?P<ts>\d{14})(?:[a-z]{2}_)?/(?P<original>.+)$", re.I)


def raw_memento(uri_m: str) -> str | None:
    """The raw (`id_`) form of a Wayback-family URI-M, which returns the archived bytes as received; None for a
    URI-M of another shape (archive.today keeps only rendered snapshots)."""
    found = _PREFIXED.match(uri_m)
    host = (urlsplit(uri_m).hostname or "").removeprefix("www.")
    if not found or host in NO_RAW_MODE or original_of(uri_m) is None:
        return None
    return f"{found.group('prefix')}{found.group('ts')}id_/{found.group('original')}"


def within_archive(current: str, target: str) -> str | None:
    """Where a memento's redirect is followed: inside the archive only. pywb in raw mode replays an archived
    Location as the site sent it (`http://a.example/`), which would be the live site, so it becomes the same
    archive's raw memento of that address at the same time (the archive steers to its nearest capture). None:
    it cannot be kept inside (no raw mode), and the redirect is judged as it stands."""
    if (urlsplit(target).hostname or "").lower() == (urlsplit(current).hostname or "").lower():
        return target
    found = _PREFIXED.match(current)
    if not found or raw_memento(current) is None:
        return None
    return f"{found.group('prefix')}{found.group('ts')}id_/{target}"


def is_memento(capture: Capture) -> bool:
    """Only a response carrying Memento-Datetime is an archived one: an archive's own 404 or 302 (steering an
    inexact time to the nearest capture) is not, and an archived 429 is a memento, not a rate limit."""
    return capture.header("memento-datetime") is not None


def archived_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The archived response's headers: the `X-Archive-Orig-` ones under their own names where the archive
    renamed them (the Internet Archive does), else what it passed through minus its own (pywb does that)."""
    renamed = [(name[len(ARCHIVE_HEADER):], value) for name, value in headers if name.lower().startswith(ARCHIVE_HEADER)]
    if renamed:
        kept = [(name, value) for name, value in headers if name.lower() == "content-type"]
        return kept + [(name, value) for name, value in renamed if name.lower() != "content-type" or not kept]
    return [(name, value) for name, value in headers if name.lower() not in _ARCHIVE_OWN]


def _hops(hops: list[Hop]) -> list[Hop]:
    """The redirect chain as the site answered it: each hop's URL and Location the archived originals; a hop the
    archive made itself (steering to the nearest capture of the same URL) is left out."""
    unwrapped: list[Hop] = []
    for hop in hops:
        url = original_of(hop.url) or hop.url
        location = original_of(hop.location) or hop.location
        if unwrapped and unwrapped[-1].location == url and unwrapped[-1].url == url:
            unwrapped.pop()  # the archive steered from one capture of this URL to another
        unwrapped.append(Hop(url, hop.status, location, hop.via))
    return unwrapped


def memento_page(page: Page, cited: str) -> Page:
    """`page`, a fetched memento of `cited`, as the page the site served then (see the module's doc)."""
    capture = page.capture
    final = original_of(capture.final_url) or capture.final_url
    unwrapped = dataclasses.replace(capture, url=cited, final_url=final, hops=_hops(capture.hops),
                                    headers=archived_headers(capture.headers))
    return Page(unwrapped, page.html, page.text, page.title)


def judge_memento(page: Page, cited: str, adapter_state: LinkState | None = None) -> LinkState:
    """The verdict on an archived copy, by the rules a live page gets. There is no probe of an archive for an
    address that cannot exist, so a soft-404 is told by its words and title only; a capture the archive does
    not hold (no Memento-Datetime on its last answer) is no copy at all."""
    if page.capture.error is None and not is_memento(page.capture):
        status = page.capture.status
        return LinkState("unknown", "the archive holds no capture at that time"
                         + (f" (HTTP {status}, not an archived response)" if status else ""), status,
                         page.capture.final_url)
    return classify(memento_page(page, cited), probe=None, adapter_state=adapter_state)
