"""Memento replay and TimeMaps of a Wayback-family archive (the Internet Archive's Wayback, pywb), over FakeWeb.

    <prefix><14-digit ts>id_/<url>   raw mode: the archived bytes as received
    <prefix><ts>/<url>               replay ("view") mode: a banner inserted; a historical redirect becomes a page
    <timemap path><url>              RFC 7089 link-format TimeMap; no capture -> 404 with an empty body

Exact timestamp -> the memento, with Memento-Datetime and Link; a redirect capture -> its 3xx, whose Location the
Wayback Machine rewrites to `<prefix><same ts><mode>/<target>` and pywb leaves as archived (observed, design §1.3);
an inexact timestamp -> 302 *without* Memento-Datetime to the nearest capture; none -> 404. The two archives differ
only by a `ReplayStyle`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from urllib.parse import urljoin

from .archive_data import ArchivedCapture, CaptureStore, Link, link_text, memento_rels, now_timestamp, timemap_links
from .server import Response

MEMENTO_PATH = re.compile(r"^(\d{1,14})([a-z]{2}_)?/(.+)$", re.DOTALL)
BANNER = ("<!-- BEGIN WAYBACK TOOLBAR INSERT -->\n<div id=\"wm-ipp\">This page is an archived copy.</div>\n"
          "<!-- END WAYBACK TOOLBAR INSERT -->\n")


@dataclass(frozen=True)
class ReplayStyle:
    """Where an archive serves mementos and how it dresses them."""

    host: str  # "web.archive.org"
    prefix: str  # "/web/" or "/wayback/"
    timemap_path: str  # "/web/timemap/link/"
    prefixed_headers: bool  # archived headers as x-archive-orig-* (IA) or as they were (pywb in id_ mode)
    rewrite_location: bool  # a redirect memento's Location points into the archive (IA) or not (pywb, id_)
    collection: str | None = None  # pywb names its collection on each TimeMap memento
    scheme: str = "https"

    @property
    def base(self) -> str:
        return f"{self.scheme}://{self.host}"

    def uri_m(self, timestamp: str, url: str, mode: str = "") -> str:
        return f"{self.base}{self.prefix}{timestamp}{mode}/{url}"


WAYBACK_STYLE = ReplayStyle("web.archive.org", "/web/", "/web/timemap/link/", prefixed_headers=True,
                            rewrite_location=True)


class Replay:
    """Answers an archive's replay and TimeMap paths from its `CaptureStore`."""

    def __init__(self, store: CaptureStore, style: ReplayStyle):
        self.store = store
        self.style = style

    def handles(self, path: str) -> bool:
        return path.startswith(self.style.prefix)

    def answer(self, path: str) -> Response:
        """Answer a path under the replay prefix (the TimeMap path included)."""
        if path.startswith(self.style.timemap_path):
            return self.timemap(path[len(self.style.timemap_path):])
        rest = path[len(self.style.prefix):]
        match = MEMENTO_PATH.match(rest)
        if match is None:  # /web/<url>: a TimeGate, steering to the newest capture
            return self.memento(now_timestamp(), "", rest, exact_only=False)
        return self.memento(match.group(1), match.group(2) or "", match.group(3))

    def memento(self, timestamp: str, mode: str, url: str, exact_only: bool = True) -> Response:
        capture = self.store.exact(url, timestamp) if len(timestamp) == 14 and exact_only else None
        if capture is not None:
            return self.serve(capture, mode)
        nearest = self.store.nearest(url, timestamp)
        if nearest is None:
            return self.not_archived(url)
        return Response(302, [("Location", self.style.uri_m(nearest.timestamp, nearest.url, mode)),
                              ("Content-Type", "text/plain; charset=utf-8")], b"")

    def not_archived(self, url: str) -> Response:
        page = (f"<!DOCTYPE html><html><head><title>Wayback Machine</title></head><body><p>Hrm. The Wayback "
                f"Machine has not archived that URL.</p><p>{escape(url)}</p></body></html>")
        return Response(404, [("Content-Type", "text/html; charset=utf-8")], page.encode())

    def serve(self, capture: ArchivedCapture, mode: str) -> Response:
        """The memento of `capture` in `mode` ('id_' raw, anything else replay)."""
        headers = self._archived_headers(capture, mode)
        headers += [("Memento-Datetime", capture.http_date), ("Link", self.link_header(capture))]
        if self.style.prefixed_headers:  # the Wayback Machine names the WARC it replays from
            headers.append(("X-Archive-Src", f"fake-{capture.timestamp[:8]}.warc.gz"))
        else:
            headers.append(("Content-Location", self.style.uri_m(capture.timestamp, capture.url, mode)))
        if mode == "id_":
            return Response(capture.status, headers, capture.body)
        if capture.location and self.style.prefixed_headers:
            return self._redirect_page(capture, headers)
        return Response(capture.status, headers, with_banner(capture))

    def _archived_headers(self, capture: ArchivedCapture, mode: str) -> list[tuple[str, str]]:
        headers: list[tuple[str, str]] = []
        for name, value in capture.archived_headers():
            if name.lower() == "location":
                target = urljoin(capture.url, value)
                rewrite = self.style.rewrite_location or mode != "id_"
                value = self.style.uri_m(capture.timestamp, target, mode) if rewrite else value
                headers.append((name, value))
            elif name.lower() == "content-type" or not self.style.prefixed_headers:
                headers.append((name, value))
            else:
                headers.append((f"x-archive-orig-{name.lower()}", value))
        return headers

    def _redirect_page(self, capture: ArchivedCapture, headers: list[tuple[str, str]]) -> Response:
        """Replay mode shows a historical redirect as a page naming it (EDGI's `detect_view_mode_redirect`)."""
        target = self.style.uri_m(capture.timestamp, urljoin(capture.url, capture.location or ""))
        page = (f"<!DOCTYPE html><html><head><title>Wayback Machine</title></head><body>{BANNER}"
                f"<p>Got an HTTP {capture.status} response at crawl time</p>"
                f'<p>Redirecting to...</p><p><a href="{escape(target)}">{escape(target)}</a></p></body></html>')
        kept = [(k, v) for k, v in headers if k.lower() not in ("location", "content-type")]
        return Response(200, [("Content-Type", "text/html; charset=utf-8"), *kept], page.encode())

    def link_header(self, capture: ArchivedCapture) -> str:
        """original, timemap, timegate, then first/prev/this/next/last memento (replay-mode URIs, as IA gives)."""
        captures = self.store.of(capture.url)
        current = next(i for i, c in enumerate(captures) if c.timestamp == capture.timestamp)
        shown = sorted({0, current - 1, current, current + 1, len(captures) - 1} & set(range(len(captures))))
        links: list[Link] = [(capture.url, [("rel", "original")]),
                             (self.timemap_uri(capture.url), [("rel", "timemap"), ("type", "application/link-format")]),
                             (f"{self.style.base}{self.style.prefix}{capture.url}", [("rel", "timegate")])]
        for index in shown:
            other = captures[index]
            links.append((self.style.uri_m(other.timestamp, other.url),
                          [("rel", memento_rels(len(captures), index, current)), ("datetime", other.http_date)]))
        return link_text(links, separator=", ")

    def timemap_uri(self, url: str) -> str:
        return f"{self.style.base}{self.style.timemap_path}{url}"

    def timemap(self, url: str) -> Response:
        """The link-format TimeMap of every capture of `url`; none -> 404 with an empty body (pywb, observed)."""
        captures = self.store.of(url)
        if not captures:
            return Response(404, [("Content-Type", "text/plain; charset=utf-8")], b"")
        extra = [("collection", self.style.collection)] if self.style.collection else []
        mementos = [(self.style.uri_m(c.timestamp, c.url), c.timestamp) for c in captures]
        links = timemap_links(url, self.timemap_uri(url), f"{self.style.base}{self.style.prefix}{url}", mementos,
                              extra)
        return Response(200, [("Content-Type", "application/link-format")], (link_text(links) + "\n").encode())


def with_banner(capture: ArchivedCapture) -> bytes:
    """The body as replay mode serves it: an HTML page gets the archive's banner after <body>."""
    if "html" not in capture.content_type.lower():
        return capture.body
    match = re.search(rb"<body[^>]*>", capture.body, re.IGNORECASE)
    at = match.end() if match else 0
    return capture.body[:at] + BANNER.encode() + capture.body[at:]
