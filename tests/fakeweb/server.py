"""Threaded HTTP/1.1 and HTTPS servers that answer from a route table, over real sockets.

Real sockets so clients exercise their real transport: keep-alive, chunked framing, gzip,
TLS, timeouts and connection resets. Routing is by Host header (or absolute-form target)
and path; see `Router`.
"""

from __future__ import annotations

import gzip as gziplib
import http.server
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from html import escape
from typing import Union
from urllib.parse import urlsplit

import trustme


@dataclass
class Response:
    """What a route answers. `headers` go on the wire exactly as given (order, case, repeats);
    Content-Length / Transfer-Encoding / Content-Encoding are appended only when missing."""

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    chunked: bool = False  # Transfer-Encoding: chunked, body split into several chunks
    gzip: bool = False  # gzip the body, add Content-Encoding: gzip
    delay: float = 0.0  # seconds to wait before answering (latency, or a stall before headers)
    stall_after_headers: float = 0.0  # send headers, hang this long, then close without a body
    reset: bool = False  # answer nothing; close with SO_LINGER 0 so the client sees a reset
    body_size: int | None = None  # stream this many bytes of repeated `body_chunk` instead of `body`
    body_chunk: bytes = b"x" * 65536


@dataclass(frozen=True)
class RequestInfo:
    """One request as the server saw it; also what a callable route receives."""

    method: str
    scheme: str  # "http" or "https"
    host: str  # lower case, port stripped
    path: str  # with the query string
    headers: list[tuple[str, str]]  # as received
    body: bytes
    time: float  # time.monotonic() at arrival, to compare intervals (e.g. Retry-After honoured)
    client_port: int  # same port = same connection (keep-alive reuse)
    status: int | None = None  # in the log: status answered (None for a reset); None for routes

    def header(self, name: str) -> str | None:
        """First value of a header, case-insensitively."""
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


Route = Union[Response, Callable[[RequestInfo], Response]]
RouteKey = tuple[str, str]  # (host, path) — path with or without a query string


def normalize_host(host: str) -> str:
    """'WWW.Example.com:443.' -> 'www.example.com' (routing ignores ports and case)."""
    host = host.strip().lower()
    if host.startswith("["):
        host = host[: host.find("]") + 1]
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def url_key(url: str, keep_query: bool = False) -> RouteKey:
    """Route key of a URL; without the query by default, so tracking parameters still route."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if keep_query and parts.query:
        path += "?" + parts.query
    return normalize_host(parts.netloc), path


def request_target(target: str, host_header: str) -> RouteKey:
    """Host and path of a request; an absolute-form target (as proxies send) wins over the Host header."""
    if target.lower().startswith(("http://", "https://")):
        return url_key(target, keep_query=True)
    return normalize_host(host_header), target


def html(text: str, status: int = 200, charset: str = "utf-8",
         headers: Iterable[tuple[str, str]] = ()) -> Response:
    """An HTML page with the charset declared in Content-Type."""
    return Response(status, [("Content-Type", f"text/html; charset={charset}"), *headers],
                    text.encode(charset))


def redirect(location: str, status: int = 302) -> Response:
    return Response(status, [("Location", location), ("Content-Length", "0")])


def sequence(*responses: Response) -> Callable[[RequestInfo], Response]:
    """A route answering successive requests with successive responses, then the last one forever."""
    lock = threading.Lock()
    calls = [0]

    def answer(_request: RequestInfo) -> Response:
        with lock:
            index = min(calls[0], len(responses) - 1)
            calls[0] += 1
        return responses[index]

    return answer


def rate_limited_then(ok: Response, retry_after: str = "1", times: int = 1) -> Callable[[RequestInfo], Response]:
    """429 with Retry-After `times` times, then `ok`: the shape retry tests need."""
    limited = Response(429, [("Retry-After", retry_after), ("Content-Type", "text/plain"),
                             ("Content-Length", "18")], b"Too Many Requests\n")
    return sequence(*[limited] * times, ok)


def not_found(host: str, path: str) -> Response:
    where = escape(host + path)
    page = (f"<!DOCTYPE html><html><head><title>404 Not Found</title></head>"
            f"<body><h1>Not Found</h1><p>No page at {where} on the fake web.</p></body></html>")
    return html(page, status=404)


HOST_WIDE = "*"  # the path of a route answering every path of its host not routed otherwise (an archive's replay)


class Router:
    """Thread-safe route table: exact (host, path+query) first, then (host, path) without query, then the host's
    HOST_WIDE route."""

    def __init__(self, routes: Mapping[RouteKey, Route] | None = None):
        self._lock = threading.Lock()
        self._routes: dict[RouteKey, Route] = {}
        self.update(routes or {})

    def add(self, host: str, path: str, route: Route) -> None:
        with self._lock:
            self._routes[(normalize_host(host), path or "/")] = route

    def update(self, routes: Mapping[RouteKey, Route]) -> None:
        for (host, path), route in routes.items():
            self.add(host, path, route)

    def snapshot(self) -> dict[RouteKey, Route]:
        with self._lock:
            return dict(self._routes)

    def restore(self, routes: dict[RouteKey, Route]) -> None:
        with self._lock:
            self._routes = dict(routes)

    def resolve(self, host: str, path: str) -> Route | None:
        with self._lock:
            route = self._routes.get((host, path))
            if route is None:
                route = self._routes.get((host, path.split("?", 1)[0]))
            if route is None:
                route = self._routes.get((host, HOST_WIDE))
            return route

    def respond(self, request: RequestInfo) -> Response:
        route = self.resolve(request.host, request.path)
        if route is None:
            return not_found(request.host, request.path)
        return route(request) if callable(route) else route


class RequestLog:
    """Thread-safe list of `RequestInfo`, so tests can assert 'fetched once', 'not retried'; and the count of
    requests being answered at once (from arrival to the last byte sent), so a test can see concurrency."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[RequestInfo] = []
        self._answering = 0
        self.peak_in_flight = 0  # the most requests answered at once since the last clear()

    @contextmanager
    def answering(self) -> Iterator[None]:
        """Count one request as in flight while it is answered."""
        with self._lock:
            self._answering += 1
            self.peak_in_flight = max(self.peak_in_flight, self._answering)
        try:
            yield
        finally:
            with self._lock:
                self._answering -= 1

    def append(self, item: RequestInfo) -> None:
        with self._lock:
            self._items.append(item)

    def snapshot(self) -> list[RequestInfo]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.peak_in_flight = self._answering


class TLSCerts:
    """A trustme CA that hands out a certificate for whatever host name a client asks for (SNI),
    so any route host works over HTTPS without listing hosts up front."""

    def __init__(self) -> None:
        self.ca = trustme.CA()
        self._lock = threading.Lock()
        self._by_host: dict[str, ssl.SSLContext] = {}
        self.server_context = self._context("127.0.0.1", "localhost")
        self.server_context.sni_callback = self._on_sni

    def _context(self, *names: str) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ca.issue_cert(*names).configure_cert(context)
        return context

    def _on_sni(self, sock: ssl.SSLSocket, server_name: str | None, _context: ssl.SSLContext) -> None:
        if not server_name:
            return  # connected by IP: the default certificate covers 127.0.0.1
        with self._lock:
            if server_name not in self._by_host:
                self._by_host[server_name] = self._context(server_name)
            sock.context = self._by_host[server_name]

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts only this CA (what httpx's `verify=` wants)."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.ca.configure_trust(context)
        return context


def hard_shutdown(sock: socket.socket, how: int = socket.SHUT_RDWR) -> None:
    """Shut a socket down to wake threads blocked on it. Calls the plain-socket method because
    SSLSocket.shutdown() also drops its SSL object under a thread that may be reading."""
    try:
        socket.socket.shutdown(sock, how)
    except OSError:
        pass


def set_reset_on_close(sock: socket.socket) -> None:
    """SO_LINGER 0: close() then sends RST instead of FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


class StoppableServer:
    """Mixin: one daemon thread per connection, tracked, so `stop()` can wake and join them all.

    socketserver's own shutdown() only stops the accept loop; handler threads parked on idle
    keep-alive connections or stalls would live on (and in 3.11 server_close() joins them)."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def _init_stoppable(self) -> None:
        self.stopping = threading.Event()
        self._track_lock = threading.Lock()
        self._open_sockets: set[socket.socket] = set()
        self._handler_threads: set[threading.Thread] = set()
        self._serve_thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self.server_address[1]  # type: ignore[attr-defined]

    def start(self) -> None:
        self._serve_thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05},
                                              name=f"{type(self).__name__}:{self.port}", daemon=True)
        self._serve_thread.start()

    def track(self, sock: socket.socket) -> None:
        with self._track_lock:
            self._open_sockets.add(sock)

    def untrack(self, sock: socket.socket) -> None:
        with self._track_lock:
            self._open_sockets.discard(sock)

    def process_request(self, request, client_address) -> None:
        thread = threading.Thread(target=self._run_request, args=(request, client_address), daemon=True)
        with self._track_lock:
            self._open_sockets.add(request)
            self._handler_threads.add(thread)
        thread.start()

    def _run_request(self, request, client_address) -> None:
        try:
            self.process_request_thread(request, client_address)  # type: ignore[attr-defined]
        finally:
            with self._track_lock:
                self._handler_threads.discard(threading.current_thread())

    def shutdown_request(self, request) -> None:
        self.untrack(request)
        super().shutdown_request(request)  # type: ignore[misc]

    def handle_error(self, request, client_address) -> None:
        """Clients hanging up (resets, timeouts, closed streams) are normal here: stay quiet."""
        if self.stopping.is_set() or isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)  # type: ignore[misc]

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, wake every handler (stalls, idle keep-alives), join them, close."""
        self.stopping.set()
        if self._serve_thread is not None:
            self.shutdown()  # type: ignore[attr-defined]
            self._serve_thread.join(timeout)
        with self._track_lock:
            for sock in self._open_sockets:
                hard_shutdown(sock)
            threads = list(self._handler_threads)
        for thread in threads:
            thread.join(timeout)
        self.server_close()  # type: ignore[attr-defined]


class FakeHandler(http.server.BaseHTTPRequestHandler):
    """Answers every method from the server's router, with the Response's behaviours."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go in separate writes: no 40 ms Nagle stalls
    server: FakeHTTPServer
    _abort = False

    def setup(self) -> None:
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()  # here, in the handler thread, not in the accept loop
        super().setup()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - keep test output clean
        pass

    def do_GET(self) -> None:
        request = self._request_info()
        response = self.server.router.respond(request)
        self.server.log.append(replace(request, status=None if response.reset else response.status))
        with self.server.log.answering():
            if response.delay:
                self.server.stopping.wait(response.delay)
            if response.reset:
                self._reset()
            else:
                self._send(response)

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def _request_info(self) -> RequestInfo:
        host, path = self._target()
        return RequestInfo(method=self.command, scheme=self.server.scheme, host=host, path=path,
                           headers=list(self.headers.items()), body=self._read_body(),
                           time=time.monotonic(), client_port=self.client_address[1])

    def _target(self) -> RouteKey:
        return request_target(self.path, self.headers.get("Host", ""))

    def _read_body(self) -> bytes:
        """Consume the request body so the next keep-alive request parses."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return _read_chunked(self.rfile)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True
            return b""
        return self.rfile.read(length) if length > 0 else b""

    def _reset(self) -> None:
        set_reset_on_close(self.connection)
        self.close_connection = True
        self._abort = True

    def finish(self) -> None:
        super().finish()
        if self._abort:
            # The fd only really closes once rfile is closed (done above), and it must close
            # before socketserver's shutdown_request() sends a FIN; with SO_LINGER 0 this is a RST.
            self.server.untrack(self.connection)
            self.connection.close()

    def _send(self, response: Response) -> None:
        pieces, length = payload(response)
        chunked = response.chunked or length is None
        headers = framing_headers(response, length, chunked)
        self.send_response_only(response.status)  # not send_response(): no Server/Date added
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if response.stall_after_headers:
            self.server.stopping.wait(response.stall_after_headers)
            self.close_connection = True
            return
        if self.command == "HEAD" or not has_body(response.status):
            return
        if chunked:
            for piece in pieces:
                if piece:
                    self.wfile.write(b"%x\r\n" % len(piece) + piece + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        else:
            for piece in pieces:
                self.wfile.write(piece)


def _read_chunked(rfile) -> bytes:
    """Decode a chunked request body (http.server leaves that to the handler)."""
    parts = []
    while size := int(rfile.readline(1024).split(b";")[0].strip() or b"0", 16):
        parts.append(rfile.read(size))
        rfile.readline()
    while rfile.readline(65537) not in (b"\r\n", b"\n", b""):
        pass  # trailer fields
    return b"".join(parts)


def has_body(status: int) -> bool:
    return status >= 200 and status not in (204, 304)


def framing_headers(response: Response, length: int | None, chunked: bool) -> list[tuple[str, str]]:
    headers = list(response.headers)
    names = {name.lower() for name, _ in headers}
    if response.gzip and "content-encoding" not in names:
        headers.append(("Content-Encoding", "gzip"))
    if not has_body(response.status):
        return headers
    if chunked and "transfer-encoding" not in names:
        headers.append(("Transfer-Encoding", "chunked"))
    elif not chunked and "content-length" not in names:
        headers.append(("Content-Length", str(length)))
    return headers


def payload(response: Response) -> tuple[Iterable[bytes], int | None]:
    """Body pieces and total length (None when known only after streaming: gzip of a huge body)."""
    if response.body_size is None:
        body = gziplib.compress(response.body, mtime=0) if response.gzip else response.body
        return _split(body, 4 if response.chunked else 1), len(body)
    pieces = _repeat(response.body_chunk, response.body_size)
    if response.gzip:
        return _gzip_stream(pieces), None
    return pieces, response.body_size


def _split(data: bytes, parts: int) -> list[bytes]:
    size = max(1, -(-len(data) // parts))
    return [data[i:i + size] for i in range(0, len(data), size)]


def _repeat(chunk: bytes, total: int) -> Iterator[bytes]:
    """`total` bytes of `chunk` repeated, never holding more than one chunk."""
    sent = 0
    while sent < total:
        piece = chunk if total - sent >= len(chunk) else chunk[: total - sent]
        sent += len(piece)
        yield piece


def _gzip_stream(pieces: Iterable[bytes]) -> Iterator[bytes]:
    compressor = zlib.compressobj(wbits=31)  # 31: gzip container
    for piece in pieces:
        out = compressor.compress(piece)
        if out:
            yield out
    yield compressor.flush()


class FakeHTTPServer(StoppableServer, http.server.ThreadingHTTPServer):
    """The fake web's HTTP server; with `ssl_context`, its HTTPS server (same routes, same log)."""

    def __init__(self, router: Router, log: RequestLog, ssl_context: ssl.SSLContext | None = None):
        self._init_stoppable()
        self.router = router
        self.log = log
        self.ssl_context = ssl_context
        self.scheme = "https" if ssl_context else "http"
        super().__init__(("127.0.0.1", 0), FakeHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind() calls socket.getfqdn(), a reverse DNS lookup: skip it.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def get_request(self):
        sock, address = super().get_request()
        if self.ssl_context is None:
            return sock, address
        # Handshake later, in the handler thread, so a slow client cannot block accept().
        return self.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"
