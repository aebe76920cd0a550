"""A fake Internet Archive on its real host names, served through FakeWeb (so over real sockets, its proxy and
its trustme CA, and logged in `FakeWeb.log` like every other request).

    wayback = FakeWayback([html_capture(URL, "20240401091233", "Article", "…"), …]).install(web)
    wayback.script("cdx", too_many_requests("2"))      # the next CDX request gets a 429, then normal answers

web.archive.org/cdx/search/cdx          the CDX server (cdx.py)
archive.org/wayback/available           the availability API: GET v1, POST v2 (`Wayback-Api-Version: 2`)
web.archive.org/web/<ts>[id_]/<url>     mementos (replay.py)
web.archive.org/web/timemap/link/<url>  the TimeMap
anything mounted (Save Page Now's /save, spn.py)

Formats follow design §1.1–1.3 and the sources it cites; where the services' documentation is silent, the choice
is noted where it is made.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Union
from urllib.parse import parse_qsl, urlsplit

from .archive_data import ArchivedCapture, CaptureStore, closeness, parse_timestamp
from .cdx import cdx_answer, cdx_empty
from .replay import WAYBACK_STYLE, Replay
from .server import RequestInfo, Response

IA_HOSTS = ("web.archive.org", "archive.org")
EMPTY = "empty"  # a scripted fault: the endpoint's own empty answer (CDX `[]`, availability `{}`, TimeMap "")
Fault = Union[Response, str]
Handler = Callable[[RequestInfo], Response]


# --- scripted faults ---------------------------------------------------------------------------------------------

def too_many_requests(retry_after: str | None = "2", html: bool = False) -> Response:
    """A 429 with Retry-After (seconds or an HTTP date; None: none). `html`: the block page SPN users met (waybackpy
    #97: a 429 body may be HTML, not JSON)."""
    headers = [("Retry-After", retry_after)] if retry_after is not None else []
    if html:
        body = (b"<html><head><title>429 Too Many Requests</title></head><body><p>You have sent too many requests. "
                b"Please make no more than 15 per minute; you are blocked for 5 minutes.</p></body></html>")
        return Response(429, [*headers, ("Content-Type", "text/html")], body)
    return Response(429, [*headers, ("Content-Type", "text/plain")], b"Too Many Requests\n")


def retry_after_date(seconds: int) -> str:
    """Retry-After in its HTTP-date form, `seconds` from now."""
    return format_datetime(datetime.now(timezone.utc) + timedelta(seconds=seconds), usegmt=True)


def service_unavailable() -> Response:
    return Response(503, [("Content-Type", "text/html")],
                    b"<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>")


def connection_reset() -> Response:
    return Response(reset=True)


def blocked_site() -> Response:
    """What CDX answers for an excluded site (EDGI's client reads the exception name in the body)."""
    return Response(403, [("Content-Type", "text/plain")],
                    b"org.archive.wayback.exception.AdministrativeAccessControlException: Blocked Site Error\n")


class FaultQueue:
    """Scripted answers per endpoint, consumed in order before the endpoint answers normally again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: dict[str, list[Fault]] = {}

    def script(self, endpoint: str, *faults: Fault) -> None:
        with self._lock:
            self._faults.setdefault(endpoint, []).extend(faults)

    def next(self, endpoint: str) -> Fault | None:
        with self._lock:
            queue = self._faults.get(endpoint)
            return queue.pop(0) if queue else None


def blocked_by_robots() -> Response:
    """What CDX answers when robots.txt excludes the URL."""
    return Response(403, [("Content-Type", "text/plain")],
                    b"org.archive.wayback.exception.RobotAccessControlException: Blocked By Robots\n")


# --- the archive -------------------------------------------------------------------------------------------------

class FakeWayback:
    """The Internet Archive's CDX, availability API, replay and TimeMap over one `CaptureStore`."""

    def __init__(self, captures: Iterable[ArchivedCapture] = (), store: CaptureStore | None = None):
        self.store = store if store is not None else CaptureStore(captures)
        self.replay = Replay(self.store, WAYBACK_STYLE)
        self.failing_items: set[str] = set()  # v2 batch items answered without archived_snapshots (IABot re-asks)
        self.faults = FaultQueue()
        self._mounts: list[tuple[str, str, Handler]] = []

    def install(self, web) -> FakeWayback:
        """Serve every path of web.archive.org and archive.org from this fake (`web`: a FakeWeb)."""
        for host in IA_HOSTS:
            web.route_host(host, self)
        return self

    def add(self, capture: ArchivedCapture) -> ArchivedCapture:
        return self.store.add(capture)

    def uri_m(self, capture: ArchivedCapture, mode: str = "") -> str:
        return WAYBACK_STYLE.uri_m(capture.timestamp, capture.url, mode)

    def script(self, endpoint: str, *faults: Fault) -> None:
        """Answer the next requests to `endpoint` ('cdx', 'available', 'memento', 'timemap' or a mounted name) with
        `faults` in order (a Response, or EMPTY), then normally again."""
        self.faults.script(endpoint, *faults)

    def mount(self, prefix: str, endpoint: str, handler: Handler) -> None:
        """Let another fake service answer paths of web.archive.org under `prefix` (Save Page Now's /save)."""
        self._mounts.append((prefix, endpoint, handler))

    def __call__(self, request: RequestInfo) -> Response:
        endpoint, handler = self._endpoint(request)
        fault = self.faults.next(endpoint)
        if fault is None:
            return handler(request)
        if fault == EMPTY:
            return self._empty(endpoint, request)
        assert isinstance(fault, Response)
        return fault

    def _endpoint(self, request: RequestInfo) -> tuple[str, Handler]:
        path = request.path.split("?", 1)[0]
        if request.host == "archive.org" and path.rstrip("/") == "/wayback/available":
            return "available", self.available
        if request.host == "web.archive.org":
            if path == "/cdx/search/cdx":
                return "cdx", self.cdx
            if request.path.startswith(WAYBACK_STYLE.timemap_path):
                return "timemap", lambda r: self.replay.answer(r.path)
            if self.replay.handles(request.path):
                return "memento", lambda r: self.replay.answer(r.path)
            for prefix, endpoint, handler in self._mounts:
                if path == prefix or path.startswith(prefix + "/"):
                    return endpoint, handler
        return "other", lambda r: self.replay.not_archived(r.host + r.path)

    def _empty(self, endpoint: str, request: RequestInfo) -> Response:
        if endpoint == "cdx":
            return cdx_empty(dict(parse_qsl(urlsplit(request.path).query)))
        if endpoint == "available":  # v2: each item answered, and empty (the API's `{}` for archived pages)
            if request.method == "POST" and (request.header("wayback-api-version") or "").strip() == "2":
                lines = [parse_qsl(line) for line in request.body.decode("utf-8").splitlines() if line.strip()]
                return json_response({"results": [{"url": _first(p, "url") or "", "tag": _first(p, "tag") or "",
                                                   "archived_snapshots": {}} for p in lines]})
            return json_response({})
        if endpoint == "timemap":
            return Response(200, [("Content-Type", "application/link-format")], b"")
        raise ValueError(f"no empty answer is scripted for {endpoint!r}")

    # --- CDX ---------------------------------------------------------------------------------------------------

    def cdx(self, request: RequestInfo) -> Response:
        params = parse_qsl(urlsplit(request.path).query, keep_blank_values=True)
        named = dict(params)
        url = named.get("url", "")
        exact = named.get("matchType", "exact") == "exact" and url and not url.endswith("*")
        captures = self.store.of(url) if exact else self.store.all()  # the index answers an exact URL
        return cdx_answer(captures, params, request.header("accept-encoding") or "")

    # --- availability ------------------------------------------------------------------------------------------

    def available(self, request: RequestInfo) -> Response:
        """v1 (GET, or a form POST without the version header) or v2 (POST, one query per line)."""
        if request.method == "POST" and (request.header("wayback-api-version") or "").strip() == "2":
            lines = [line for line in request.body.decode("utf-8").splitlines() if line.strip()]
            return json_response({"results": [self._v2_item(parse_qsl(line)) for line in lines]})
        query = urlsplit(request.path).query if request.method != "POST" else request.body.decode("utf-8")
        params = parse_qsl(query, keep_blank_values=True)
        url = _first(params, "url") or ""
        statuses = [v for k, v in params if k in ("status_code", "statuscodes")]
        closest = self.closest(url, _first(params, "timestamp"), _first(params, "closest") or "either", statuses)
        return json_response({"url": url, "archived_snapshots": _snapshots(closest)})

    def _v2_item(self, params: Sequence[tuple[str, str]]) -> dict:
        url = _first(params, "url") or ""
        item: dict = {"url": url, "tag": _first(params, "tag") or ""}
        if timestamp := _first(params, "timestamp"):
            item["timestamp"] = timestamp
        if url in self.failing_items:
            return item  # no archived_snapshots: the item failed, ask again
        statuses = [v for k, v in params if k == "statuscodes"]
        closest = self.closest(url, timestamp, _first(params, "closest") or "either", statuses)
        item["archived_snapshots"] = _snapshots(closest)
        return item

    def closest(self, url: str, timestamp: str | None, direction: str,
                statuses: Sequence[str]) -> ArchivedCapture | None:
        """The capture the availability API names: non-revisit, of an accepted status (any when none is asked:
        IA's docs do not say; IABot asks 200/203/206 explicitly, which suggests the default takes more), closest
        to `timestamp` in `direction` (before/after/either), the newest when no timestamp."""
        candidates = [c for c in self.store.of(url)
                      if not c.revisit and (not statuses or str(c.status) in statuses)]
        if not candidates:
            return None
        if not timestamp:
            return candidates[-1]
        target = parse_timestamp(timestamp)
        if direction == "before":
            candidates = [c for c in candidates if c.when <= target]
        elif direction == "after":
            candidates = [c for c in candidates if c.when >= target]
        return min(candidates, key=lambda c: closeness(c, timestamp), default=None)


def _snapshots(capture: ArchivedCapture | None) -> dict:
    """`archived_snapshots`: {} for none; the closest with the status as a string and an http:// replay URL, as the
    API's help page shows it."""
    if capture is None:
        return {}
    url = f"http://web.archive.org/web/{capture.timestamp}/{capture.url}"
    return {"closest": {"status": str(capture.status), "available": True, "url": url,
                        "timestamp": capture.timestamp}}


def _first(params: Sequence[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in params if k == name), None)


def json_response(value: object, status: int = 200) -> Response:
    return Response(status, [("Content-Type", "application/json")], json.dumps(value).encode())
