"""A fake web for tests: real sockets on 127.0.0.1, real host names through a proxy.

    with FakeWeb(all_sites()) as web:
        with httpx.Client(**web.client_kwargs()) as client:
            client.get("https://rus.azattyq.org/a/32887882.html")

Nothing leaves the machine: every host name is answered by the route table.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .evented import EventedHTTPServer, EventedProxy, EventLoopThread
from .proxy import FakeProxy, ProxyRecord
from .server import (
    HOST_WIDE,
    FakeHTTPServer,
    RequestInfo,
    RequestLog,
    Response,
    Route,
    RouteKey,
    Router,
    TLSCerts,
    html,
    rate_limited_then,
    redirect,
    sequence,
    url_key,
)

__all__ = ["FakeWeb", "ProxyRecord", "RequestInfo", "Response", "Route", "RouteKey", "html",
           "rate_limited_then", "redirect", "sequence", "url_key"]


class FakeWeb:
    """HTTP and HTTPS servers sharing one route table and one request log, behind a proxy."""

    def __init__(self, routes: Mapping[RouteKey, Route] | None = None, evented: bool = False):
        """`evented=True`: one asyncio loop serves the proxy and both servers (evented.py), for hundreds of
        delayed requests in flight at once; the default threaded servers keep a few dozen."""
        self.router = Router(routes)
        self.log = RequestLog()
        self.certs = TLSCerts()
        self._tmp = Path(tempfile.mkdtemp(prefix="fakeweb-"))
        self.ca_pem_path = str(self._tmp / "ca.pem")
        self.certs.ca.cert_pem.write_to_path(self.ca_pem_path)
        self.ssl_context = self.certs.client_context()
        self._loop = EventLoopThread() if evented else None
        self.http: FakeHTTPServer | EventedHTTPServer
        self.https: FakeHTTPServer | EventedHTTPServer
        self.proxy: FakeProxy | EventedProxy
        if self._loop is None:
            self.http = FakeHTTPServer(self.router, self.log)
            self.https = FakeHTTPServer(self.router, self.log, ssl_context=self.certs.server_context)
        else:
            self.http = EventedHTTPServer(self._loop, self.router, self.log)
            self.https = EventedHTTPServer(self._loop, self.router, self.log, ssl_context=self.certs.server_context)
        for server in (self.http, self.https):
            server.start()
        self.proxy = (FakeProxy(self.http.server_address, self.https.server_address) if self._loop is None else
                      EventedProxy(self._loop, self.http.server_address, self.https.server_address))
        self.proxy.start()

    @property
    def http_url(self) -> str:
        return self.http.url

    @property
    def https_url(self) -> str:
        return self.https.url

    @property
    def proxy_url(self) -> str:
        return self.proxy.url

    def client_kwargs(self) -> dict[str, Any]:
        """`httpx.Client(**web.client_kwargs())`: real URLs, through the proxy, trusting the CA."""
        return {"proxy": self.proxy_url, "verify": self.ssl_context}

    def route(self, host: str, path: str, response: Route) -> None:
        """Serve `response` at host+path (path may carry a query; without one, any query matches)."""
        self.router.add(host, path, response)

    def route_host(self, host: str, response: Route) -> None:
        """Serve `response` at every path of `host` that no other route claims (a fake archive's whole site)."""
        self.router.add(host, HOST_WIDE, response)

    def route_url(self, url: str, response: Route) -> None:
        """Serve `response` at a URL's host and path, whatever its scheme and query."""
        self.router.add(*url_key(url), response)

    def add_routes(self, routes: Mapping[RouteKey, Route]) -> None:
        self.router.update(routes)

    @property
    def requests(self) -> list[RequestInfo]:
        """Every request the HTTP and HTTPS servers answered, in arrival order."""
        return self.log.snapshot()

    def hits(self, url: str) -> int:
        """How many requests went to this URL (host and path, plus the query if the URL has one)."""
        host, path = url_key(url, keep_query=True)
        exact = "?" in path
        return sum(1 for r in self.requests
                   if r.host == host and (r.path if exact else r.path.split("?", 1)[0]) == path)

    @property
    def peak_in_flight(self) -> int:
        """The most requests the servers answered at once (arrival to last byte) since the last reset."""
        return self.log.peak_in_flight

    @property
    def proxied_hosts(self) -> list[str]:
        return self.proxy.hosts

    def reset_log(self) -> None:
        self.log.clear()
        self.proxy.clear_log()

    @contextmanager
    def isolated(self) -> Iterator[FakeWeb]:
        """Fresh logs now; routes added inside are dropped at exit (one test cannot leak into the next)."""
        saved = self.router.snapshot()
        self.reset_log()
        try:
            yield self
        finally:
            self.router.restore(saved)

    def close(self) -> None:
        for server in (self.proxy, self.https, self.http):
            server.stop()
        if self._loop is not None:
            self._loop.close()
        shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> FakeWeb:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
