"""Archives found through RFC 7089 TimeMaps, and a MemGator that aggregates them (design §1.4, §7).

    today = FakeTimemapArchive("archive.ph", style="archive.today", captures=[…]).install(web)
    arquivo = FakeTimemapArchive("arquivo.pt", style="pywb", captures=[…]).install(web)
    with FakeMemGator(web, {"archive.ph": today.timemap_prefix, "arquivo.pt": arquivo.timemap_prefix}) as gator:
        httpx.get(f"{gator.url}/timemap/link/{url}")          # MemGator is on its own 127.0.0.1 port

archive.today style: `/timemap/<url>`; mementos `/<ts>/<url>` and short ids `/<id>` are rendered wrapper pages
(archive.today keeps the rendered DOM, not the bytes received: no raw mode, no comparable digest).
pywb style (Arquivo.pt): `/wayback/timemap/link/<url>`, raw `/wayback/<ts>id_/<url>` with the archived headers
unprefixed and a redirect's Location as archived (pywb 2.10, observed), replay `/wayback/<ts>/<url>`.
No memento -> 404 with an empty body, as pywb answers.
"""

from __future__ import annotations

import hashlib
import re
from base64 import b32encode
from collections.abc import Iterable, Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from html import escape

import httpx

from .archive_data import (
    ArchivedCapture,
    CaptureStore,
    Link,
    format_timestamp,
    http_date,
    iso_date,
    link_text,
    memento_rels,
    timemap_links,
)
from .replay import Replay, ReplayStyle
from .server import HOST_WIDE, FakeHTTPServer, RequestInfo, RequestLog, Response, Router
from .wayback import EMPTY, FaultQueue, json_response

TODAY_MEMENTO = re.compile(r"^/(\d{14})/(.+)$", re.DOTALL)
LINK = re.compile(r'<([^>]*)>((?:\s*;\s*[\w-]+="[^"]*")*)')
ATTR = re.compile(r'([\w-]+)="([^"]*)"')


class FakeTimemapArchive:
    """An archive known only by its TimeMap and mementos: archive.today-like or pywb (Arquivo.pt)-like."""

    def __init__(self, host: str, style: str = "archive.today", captures: Iterable[ArchivedCapture] = ()):
        if style not in ("archive.today", "pywb"):
            raise ValueError(f"unknown archive style {style!r}")
        self.host, self.style = host, style
        self.store = CaptureStore(captures)
        self.faults = FaultQueue()
        self.replay = Replay(self.store, ReplayStyle(host, "/wayback/", "/wayback/timemap/link/",
                                                     prefixed_headers=False, rewrite_location=False,
                                                     collection="AWP"))

    def install(self, web) -> FakeTimemapArchive:
        web.route_host(self.host, self)
        return self

    def add(self, capture: ArchivedCapture) -> ArchivedCapture:
        return self.store.add(capture)

    def script(self, endpoint: str, *faults) -> None:
        """'timemap' or 'memento': the next answers, as FakeWayback.script."""
        self.faults.script(endpoint, *faults)

    @property
    def timemap_prefix(self) -> str:
        """What an `--archive NAME=TIMEMAP-URL` option names: the URL-R is appended to it."""
        path = "/timemap/" if self.style == "archive.today" else "/wayback/timemap/link/"
        return f"https://{self.host}{path}"

    def uri_m(self, capture: ArchivedCapture) -> str:
        if self.style == "pywb":
            return self.replay.style.uri_m(capture.timestamp, capture.url)
        return f"https://{self.host}/{capture.timestamp}/{capture.url}"

    def raw_uri(self, capture: ArchivedCapture) -> str | None:
        """The id_ URI of a pywb archive; archive.today has no raw mode."""
        return self.replay.style.uri_m(capture.timestamp, capture.url, "id_") if self.style == "pywb" else None

    def short_uri(self, capture: ArchivedCapture) -> str:
        """archive.today's short link of a snapshot (https://archive.ph/AbC12)."""
        digest = hashlib.sha1(f"{capture.url} {capture.timestamp}".encode()).digest()
        return f"https://{self.host}/{b32encode(digest).decode()[:5]}"

    def __call__(self, request: RequestInfo) -> Response:
        is_timemap = request.path.startswith(self.timemap_prefix[len(f"https://{self.host}"):])
        fault = self.faults.next("timemap" if is_timemap else "memento")
        if fault == EMPTY:
            return Response(200, [("Content-Type", "application/link-format")], b"")
        if isinstance(fault, Response):
            return fault
        if self.style == "pywb":
            return self.replay.answer(request.path) if self.replay.handles(request.path) else _not_found()
        return self._today(request.path, is_timemap)

    # --- archive.today -------------------------------------------------------------------------------------------

    def _today(self, path: str, is_timemap: bool) -> Response:
        if is_timemap:
            return self._today_timemap(path[len("/timemap/"):])
        match = TODAY_MEMENTO.match(path)
        if match:
            capture = self.store.exact(match.group(2), match.group(1))
            if capture is not None:
                return self._wrapper(capture)
            nearest = self.store.nearest(match.group(2), match.group(1))
            return (Response(302, [("Location", self.uri_m(nearest))]) if nearest else _not_found())
        short = next((c for c in self.store.all() if self.short_uri(c).endswith(path)), None) if path != "/" else None
        return self._wrapper(short) if short else _not_found()

    def _today_timemap(self, url: str) -> Response:
        captures = self.store.of(url)
        if not captures:
            return _not_found()
        links = timemap_links(url, self.timemap_prefix + url, f"https://{self.host}/timegate/{url}",
                              [(self.uri_m(c), c.timestamp) for c in captures])
        return Response(200, [("Content-Type", "application/link-format")], (link_text(links) + "\n").encode())

    def _wrapper(self, capture: ArchivedCapture) -> Response:
        """The snapshot as archive.today serves it: its own page around the rendered DOM, scripts removed."""
        text = capture.body.decode(_charset(capture), errors="replace")
        title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
        inner = re.search(r"<body[^>]*>(.*)</body>", text, re.IGNORECASE | re.DOTALL)
        content = re.sub(r"<script\b.*?</script>", "", inner.group(1) if inner else text, flags=re.DOTALL | re.I)
        page = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title.group(1) if title else ""}'
                f'</title></head><body><div id="HEADER">{escape(self.host)} · saved from '
                f'<a href="{escape(capture.url)}">{escape(capture.url)}</a> · {capture.http_date} · '
                f'<a href="{self.short_uri(capture)}">short link</a></div>\n<div id="CONTENT">{content}</div>'
                f"</body></html>")
        links: list[Link] = [(capture.url, [("rel", "original")]),
                             (self.timemap_prefix + capture.url, [("rel", "timemap"),
                                                                  ("type", "application/link-format")]),
                             (self.uri_m(capture), [("rel", "memento"), ("datetime", capture.http_date)])]
        return Response(200, [("Content-Type", "text/html; charset=utf-8"), ("Memento-Datetime", capture.http_date),
                              ("Link", link_text(links, ", "))], page.encode("utf-8"))


def _charset(capture: ArchivedCapture) -> str:
    declared = re.search(r"charset=([\w-]+)", capture.content_type, re.IGNORECASE) or re.search(
        rb'charset="?([\w-]+)', capture.body[:2048], re.IGNORECASE)
    if declared is None:
        return "utf-8"
    name = declared.group(1)
    return name.decode("ascii") if isinstance(name, bytes) else name


def _not_found() -> Response:
    return Response(404, [("Content-Type", "text/plain; charset=utf-8")], b"")


# --- MemGator ----------------------------------------------------------------------------------------------------

def parse_link_mementos(text: str) -> list[tuple[str, str]]:
    """(URI-M, datetime) of every memento link in a link-format TimeMap (the fake's own small reader)."""
    found = []
    for uri, attributes in LINK.findall(text):
        attrs = dict(ATTR.findall(attributes))
        if "memento" in attrs.get("rel", "").split() and "datetime" in attrs:
            found.append((uri, attrs["datetime"]))
    return found


class FakeMemGator:
    """A self-hosted MemGator on its own 127.0.0.1 port: asks each archive's TimeMap (over the fake web, through its
    proxy) and answers one merged TimeMap, `/timemap/link/<url>` or `/timemap/json/<url>`; 404 when no archive
    has a memento. Archives that fail are left out, as MemGator does."""

    def __init__(self, web, archives: Mapping[str, str]):
        self.web, self.archives = web, dict(archives)
        self.log = RequestLog()
        router = Router()
        for host in ("127.0.0.1", "localhost"):
            router.add(host, HOST_WIDE, self._answer)
        self.server = FakeHTTPServer(router, self.log)
        self.server.start()

    @property
    def url(self) -> str:
        return self.server.url

    def close(self) -> None:
        self.server.stop()

    def __enter__(self) -> FakeMemGator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _answer(self, request: RequestInfo) -> Response:
        for kind in ("link", "json"):
            prefix = f"/timemap/{kind}/"
            if request.path.startswith(prefix):
                url = request.path[len(prefix):]
                mementos = self.mementos(url)
                if not mementos:
                    return Response(404, [("Content-Type", "text/plain")], b"Not Found\n")
                return self._link(url, mementos) if kind == "link" else self._json(url, mementos)
        if request.path == "/about":
            return json_response({"name": "MemGator", "version": "1.0-fake"})
        return Response(404, [("Content-Type", "text/plain")], b"Not Found\n")

    def mementos(self, url: str) -> list[tuple[str, str]]:
        """(URI-M, 14-digit timestamp) from every archive, oldest first."""
        found: list[tuple[datetime, str]] = []
        with httpx.Client(**self.web.client_kwargs(), timeout=10) as client:
            for prefix in self.archives.values():
                try:
                    answer = client.get(prefix + url)
                except httpx.HTTPError:
                    continue
                if answer.status_code == 200:
                    found += [(parsedate_to_datetime(when), uri) for uri, when in parse_link_mementos(answer.text)]
        return [(uri, format_timestamp(when)) for when, uri in sorted(found)]

    def _link(self, url: str, mementos: list[tuple[str, str]]) -> Response:
        links: list[Link] = [(url, [("rel", "original")]),
                             (f"{self.url}/timemap/link/{url}", [("rel", "self"), ("type", "application/link-format")]),
                             (f"{self.url}/timemap/json/{url}", [("rel", "timemap"), ("type", "application/json")]),
                             (f"{self.url}/timegate/{url}", [("rel", "timegate")])]
        links += [(uri, [("rel", memento_rels(len(mementos), i)), ("datetime", http_date(ts))])
                  for i, (uri, ts) in enumerate(mementos)]
        return Response(200, [("Content-Type", "application/link-format")], (link_text(links) + "\n").encode())

    def _json(self, url: str, mementos: list[tuple[str, str]]) -> Response:
        """MemGator's JSON TimeMap (the shape LANL TimeTravel also used)."""
        listed = [{"datetime": iso_date(ts), "uri": uri} for uri, ts in mementos]
        return json_response({
            "original_uri": url, "self": f"{self.url}/timemap/json/{url}",
            "mementos": {"list": listed, "first": listed[0], "last": listed[-1]},
            "timemap_uri": {"link_format": f"{self.url}/timemap/link/{url}",
                            "json_format": f"{self.url}/timemap/json/{url}",
                            "cdxj_format": f"{self.url}/timemap/cdxj/{url}"},
            "timegate_uri": f"{self.url}/timegate/{url}"})

