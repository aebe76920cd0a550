"""A forward proxy that sends every host name to the fake web.

Clients keep using real URLs (https://rus.azattyq.org/...): `CONNECT host:443` becomes a byte
tunnel to the fake HTTPS server (TLS stays end-to-end, so certificate checks are real), and
absolute-form HTTP requests (`GET http://host/path`) are forwarded unchanged to the fake HTTP
server, which routes them by the URL's host.
"""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from .server import StoppableServer, hard_shutdown, normalize_host, set_reset_on_close

BUFFER = 65536
MAX_HEAD_LINES = 200


@dataclass(frozen=True)
class ProxyRecord:
    """One request the proxy saw: a CONNECT or one forwarded plain-HTTP request."""

    method: str
    host: str
    port: int
    target: str
    time: float  # time.monotonic()


@dataclass(frozen=True)
class _Head:
    method: str
    target: str
    host: str
    port: int
    raw: bytes
    content_length: int
    chunked: bool


def _read_head(rfile) -> _Head | None:
    """Read one request head (request line + headers); None at end of stream or on garbage."""
    lines: list[bytes] = []
    while len(lines) < MAX_HEAD_LINES:
        line = rfile.readline(BUFFER + 1)
        if not line:
            return None
        if line in (b"\r\n", b"\n"):
            if lines:
                return parse_head(lines)
            continue  # stray CRLF between requests is allowed (RFC 9112 2.2)
        lines.append(line)
    return None


def parse_head(lines: list[bytes]) -> _Head | None:
    request_line = lines[0].decode("latin-1").split()
    if len(request_line) != 3:
        return None
    method, target, _version = request_line
    fields = {}
    for line in lines[1:]:
        name, _, value = line.decode("latin-1").partition(":")
        fields.setdefault(name.strip().lower(), value.strip())
    host, port = _destination(method, target, fields.get("host", ""))
    try:
        length = int(fields.get("content-length") or 0)
    except ValueError:
        length = 0
    return _Head(method.upper(), target, host, port, b"".join(lines) + b"\r\n", length,
                 "chunked" in fields.get("transfer-encoding", "").lower())


def _destination(method: str, target: str, host_header: str) -> tuple[str, int]:
    """Where the client wanted to go: CONNECT authority, absolute URL, or the Host header. An authority
    that does not parse (httpx writes an IPv6 host unbracketed in a proxy's request line) is recorded
    as written, so a test still sees that it reached the proxy."""
    if method.upper() == "CONNECT":
        parts, default = urlsplit("//" + target), 443
    elif target.lower().startswith(("http://", "https://")):
        parts = urlsplit(target)
        default = 443 if parts.scheme == "https" else 80
    else:
        parts, default = urlsplit("//" + host_header), 80
    try:
        return normalize_host(parts.hostname or ""), parts.port or default
    except ValueError:
        return parts.netloc, default


class ProxyHandler(socketserver.StreamRequestHandler):
    """One client connection: a CONNECT tunnel, or a keep-alive run of plain HTTP requests."""

    server: FakeProxy
    disable_nagle_algorithm = True  # relay small writes at once
    _abort = False

    def handle(self) -> None:
        head = _read_head(self.rfile)
        if head is None:
            return
        if head.method == "CONNECT":
            self._tunnel(head)
        else:
            self._forward(head)

    def _tunnel(self, head: _Head) -> None:
        upstream = self._connect(self.server.https_address)
        if upstream is None:
            return
        self.server.record(head)
        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        self._relay(upstream, lambda: self._copy_all(upstream))

    def _forward(self, head: _Head) -> None:
        upstream = self._connect(self.server.http_address)
        if upstream is not None:
            self._relay(upstream, lambda: self._forward_requests(upstream, head))

    def _connect(self, address: tuple[str, int]) -> socket.socket | None:
        try:
            upstream = socket.create_connection(address, timeout=5)
        except OSError:
            self.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return None
        upstream.settimeout(None)
        upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return upstream

    def _forward_requests(self, upstream: socket.socket, head: _Head | None) -> None:
        """Log and pass on each request head and its body; the server routes by the absolute URL."""
        while head is not None:
            self.server.record(head)
            upstream.sendall(head.raw)
            if head.chunked:
                self._copy_all(upstream)  # not parsed: the rest of the stream goes as is
                return
            self._copy_exact(upstream, head.content_length)
            head = _read_head(self.rfile)

    def _copy_all(self, upstream: socket.socket) -> None:
        while data := self.rfile.read1(BUFFER):  # read1 drains what readline() buffered first
            upstream.sendall(data)

    def _copy_exact(self, upstream: socket.socket, count: int) -> None:
        while count > 0:
            data = self.rfile.read1(min(count, BUFFER))
            if not data:
                return
            upstream.sendall(data)
            count -= len(data)

    def _relay(self, upstream: socket.socket, client_to_upstream: Callable[[], None]) -> None:
        """Run client->upstream here and upstream->client in a helper thread until both end."""
        self.server.track(upstream)
        back = threading.Thread(target=self._downstream, args=(upstream,), daemon=True)
        back.start()
        try:
            client_to_upstream()
        except (OSError, ValueError):
            pass
        finally:
            hard_shutdown(upstream, socket.SHUT_WR)  # the client is done: let the server see EOF
            back.join()  # ends when the server closes (or on stop(), which shuts everything down)
            self.server.untrack(upstream)
            upstream.close()

    def _downstream(self, upstream: socket.socket) -> None:
        """Copy server->client; pass a server's reset on as a reset, its close as a close."""
        reset = False
        try:
            while data := upstream.recv(BUFFER):
                self.connection.sendall(data)
        except ConnectionResetError:
            reset = True
        except (OSError, ValueError):
            pass
        if reset:
            set_reset_on_close(self.connection)
            self._abort = True
            hard_shutdown(self.connection, socket.SHUT_RD)  # wake handle(); finish() sends the RST
        else:
            hard_shutdown(self.connection)  # FIN to the client, and wakes handle()

    def finish(self) -> None:
        super().finish()
        if self._abort:
            self.server.untrack(self.connection)
            self.connection.close()  # before shutdown_request() could send a FIN


class ProxyLog:
    """What a proxy saw, one `ProxyRecord` per CONNECT or forwarded request (the threaded and evented proxies)."""

    def __init__(self) -> None:
        self._log_lock = threading.Lock()
        self._log: list[ProxyRecord] = []

    def record(self, head: _Head) -> None:
        with self._log_lock:
            self._log.append(ProxyRecord(head.method, head.host, head.port, head.target, time.monotonic()))

    @property
    def log(self) -> list[ProxyRecord]:
        with self._log_lock:
            return list(self._log)

    @property
    def hosts(self) -> list[str]:
        """Host names clients asked for, in order (one per CONNECT or plain request)."""
        return [record.host for record in self.log]

    def clear_log(self) -> None:
        with self._log_lock:
            self._log.clear()


class FakeProxy(ProxyLog, StoppableServer, socketserver.ThreadingTCPServer):
    """Forward proxy on 127.0.0.1: http -> `http_address`, CONNECT (https) -> `https_address`."""

    def __init__(self, http_address: tuple[str, int], https_address: tuple[str, int]):
        self._init_stoppable()
        ProxyLog.__init__(self)
        self.http_address = http_address
        self.https_address = https_address
        socketserver.ThreadingTCPServer.__init__(self, ("127.0.0.1", 0), ProxyHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"
