"""The fetcher's httpx side: one connection pool per host, each direct (under the address guard) or through
the proxy the run's egress policy names, and a client that leaves following redirects to us."""

from __future__ import annotations

import ssl

import httpx

from linkvault.archive.asyncio_backend import AsyncioBackend
from linkvault.archive.egress_policy import EgressPolicy
from linkvault.archive.guard import GuardedBackend
from linkvault.archive.pool_locks import use_asyncio_locks


def proxy_via(proxy: str | None, context: ssl.SSLContext) -> str | httpx.Proxy | None:
    """The proxy as httpx takes it: an https:// proxy's own certificate is checked against the run's CA, as the
    sites' are (httpx's default for it is certifi's roots); httpcore takes that context for no other kind of proxy."""
    if proxy is not None and httpx.URL(proxy).scheme == "https":
        return httpx.Proxy(proxy, ssl_context=context)
    return proxy


class Router(httpx.AsyncBaseTransport):
    """Sends each request direct or through the proxy the egress policy names for it.

    One small connection pool per host: httpcore's pool scans every connection it holds for each
    request it places, so one pool for a report's dozens of hosts spent more time scanning than
    fetching (measured in `make bench`). Each pool's connections are asyncio's own (asyncio_backend.py, and
    httpcore's locks as asyncio's, pool_locks.py): anyio's cancel scopes and wrappers around every read and
    write were the largest share of the run's CPU per page.
    """

    def __init__(self, egress: EgressPolicy, *, allow_private: bool, per_host: int):
        use_asyncio_locks()
        self.egress = egress
        self._context = self.egress.ssl_context
        self._allow_private = allow_private
        self._limits = httpx.Limits(max_connections=None, max_keepalive_connections=max(2, per_host),
                                    keepalive_expiry=30)
        self._pools: dict[tuple[str | None, str, int | None], httpx.AsyncHTTPTransport] = {}
        self._proxies: dict[tuple[str, str, int | None], str | None] = {}  # the egress policy's answer for an origin

    def proxied(self, url: httpx.URL) -> bool:
        return self._proxy(url) is not None

    def _proxy(self, url: httpx.URL) -> str | None:
        origin = (url.scheme, url.host, url.port)
        if origin not in self._proxies:
            self._proxies[origin] = self.egress.proxy_for(str(url))
        return self._proxies[origin]

    def _pool(self, url: httpx.URL) -> httpx.AsyncHTTPTransport:
        proxy = self._proxy(url)
        key = (proxy, url.host, url.port)
        if key not in self._pools:
            transport = httpx.AsyncHTTPTransport(verify=self._context, proxy=proxy_via(proxy, self._context), retries=0,
                                                 limits=self._limits)
            # httpx offers no public hook for the network backend; the guard must see every connect.
            backend = AsyncioBackend()
            transport._pool._network_backend = backend if proxy is not None else GuardedBackend(backend,
                                                                                                self._allow_private)
            self._pools[key] = transport
        return self._pools[key]


    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._pool(request.url).handle_async_request(request)

    async def aclose(self) -> None:
        for transport in self._pools.values():
            await transport.aclose()


class Client(httpx.AsyncClient):
    """httpx's client, for the fetcher: requests are built by it (its headers, cookies and timeouts) and sent by
    `exchange`, one hop each; we follow redirects ourselves, hop by hop under the guard. Its cookie jar reads only the
    responses that set a cookie."""

    def __init__(self, *, transport: httpx.AsyncBaseTransport, **kwargs) -> None:
        super().__init__(transport=transport, **kwargs)
        self._sender = transport
        self._cookies = _Cookies(self._cookies)  # httpx offers no public hook for its jar's class

    def _redirect_url(self, request: httpx.Request, response: httpx.Response) -> httpx.URL:
        """A Location httpx cannot parse (a control character, a broken port) is not its protocol error: the fetcher
        judges it as the URL it names, and the archive clients (`webarchives/gateway.py`) take the answer as given."""
        try:
            return super()._redirect_url(request, response)
        except (httpx.InvalidURL, httpx.RemoteProtocolError):
            return request.url  # never followed: only `next_request` would hold it

    async def exchange(self, request: httpx.Request) -> httpx.Response:
        """`send(request, stream=True)` without what the fetcher never asks of it (auth, hooks, timing, a log line,
        the next request of a redirect, whose Location httpx may not even read): the transport's response, with its
        cookies taken into the jar. `send` cost a small page's request about as much again as the transport did.
        A URL with a user name or password in it goes by `send`, whose auth flow makes them its Basic credentials."""
        if request.url.userinfo:
            return await self.send(request, stream=True)
        try:
            response = await self._sender.handle_async_request(request)
        except httpx.RequestError as exc:
            exc.request = request  # as `send` leaves it
            raise
        response.request = request
        self.cookies.extract_cookies(response)
        return response


class _Cookies(httpx.Cookies):
    """The cookies sites set during a run, kept as httpx keeps them; a response that sets none is not handed to
    urllib's cookie parser (which wraps its request and response anew for each, to find nothing)."""

    def extract_cookies(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers:
            super().extract_cookies(response)
