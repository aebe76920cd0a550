"""The screenshot browser's only way out: a forward proxy on 127.0.0.1 that applies the address guard.

Pausing requests over the DevTools protocol (`Fetch.enable`) sees what a page loads, but not a
WebSocket, nor what a service worker the page registered fetches. So Chromium is also started
with this proxy for everything, loopback included: every connection it opens, whatever opened it,
is judged here like the fetcher's own. Names are resolved here and the connection goes to the
address that was checked (no DNS rebinding); through the user's proxy, names are the proxy's to
resolve and only literal addresses and local names can be judged, as for the fetcher.

Chromium also talks for itself (component and extension updates, network time, account checks),
and flags do not silence all of it. With `only_asked`, a connection leaves only to a host and port
some tab asked for (`expect`, called as the page's requests are let through), so a researcher's
proxy sees the cited pages' traffic and nothing else. Chromium opens a page's connections (preconnects)
as the navigation starts, a moment before the tab's request reaches the guard and is asked for: so a
connection not yet asked for waits up to ASK_GRACE for its tab before it is turned away.
"""

from __future__ import annotations

import base64
import contextlib
import select
import socket
import socketserver
import ssl
import threading
from urllib.parse import SplitResult, unquote, urlsplit

from linkvault.archive.browser_tls import BrowserTLS
from linkvault.archive.egress_policy import EgressPolicy
from linkvault.archive.guard import Guard, Refused, is_blocked_ip

HEAD_LIMIT = 64 * 1024
IDLE = 120.0  # seconds a tunnel may sit silent before it is closed
ASK_GRACE = 3.0  # seconds a connection no tab has asked for yet waits for one to ask
HOP_HEADERS = (b"proxy-connection", b"proxy-authorization", b"connection", b"keep-alive")


class Unasked(Exception):
    """A connection no tab asked for: Chromium's own traffic, kept in."""


class Egress:
    """Start with `Egress(...)`, hand `url` to the browser, `close()` at the end."""

    def __init__(self, *, allow_private: bool = False, policy: EgressPolicy | None = None, timeout: float = 30.0,
                 only_asked: bool = False):
        self.guard = Guard(allow_private=allow_private)
        self.asked: set[tuple[str, int]] | None = set() if only_asked else None  # host, port a tab asked for
        self._asking = threading.Condition()
        self.unasked: list[str] = []  # host:port of connections no tab asked for, kept in
        self.policy = policy or EgressPolicy()  # the run's proxy and CA, as the fetcher has them
        self.tls: BrowserTLS | None = None  # with the user's own CA: the browser's TLS is checked here
        if self.policy.custom_ca:
            trust = self.policy.new_ssl_context()
            trust.set_alpn_protocols(["http/1.1"])
            self.tls = BrowserTLS(trust)
        self.timeout = timeout
        self.refused: list[str] = []  # host:port and why, for every connection turned away
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.egress = self
        self._thread = threading.Thread(target=self._server.serve_forever, name="linkvault-egress", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self.tls:
            self.tls.close()

    def expect(self, url: str) -> None:
        """Let connections to `url`'s host and port out (a tab is about to ask for it)."""
        if self.asked is not None:
            parts = urlsplit(url)
            port = parts.port or {"http": 80, "ws": 80, "https": 443, "wss": 443}.get(parts.scheme.lower())
            if parts.hostname and port:
                with self._asking:
                    self.asked.add((parts.hostname.lower(), port))
                    self._asking.notify_all()

    def was_asked(self, host: str, port: int, wait: float = 0.0) -> bool:
        """Whether a tab asked for host:port, waiting up to `wait` seconds for one to."""
        asked = self.asked
        if asked is None:
            return True
        with self._asking:
            return self._asking.wait_for(lambda: (host.lower(), port) in asked, wait)

    # -- one connection out -------------------------------------------------------------------

    def upstream_for(self, host: str, port: int, *, plain: bool) -> SplitResult | None:
        """The user's proxy for a connection to host:port (a tunnel counts as https), by the egress policy."""
        bracketed = f"[{host}]" if ":" in host else host
        proxy = self.policy.proxy_for(f"{'http' if plain else 'https'}://{bracketed}:{port}/")
        return urlsplit(proxy) if proxy else None

    def open(self, host: str, port: int, upstream: SplitResult | None, *, tunnel: bool = True) -> socket.socket:
        """A connection to host:port (or to the user's HTTP proxy for it, when not `tunnel`), if the guard
        allows it and a tab asked for it; raises Refused or Unasked otherwise."""
        bracketed = f"[{host}]" if ":" in host else host
        try:
            self.guard.check(f"http://{bracketed}:{port}/")
            if not self.was_asked(host, port, ASK_GRACE):  # the browser's own business, not a page's
                self.unasked.append(f"{bracketed}:{port}")
                raise Unasked(f"no tab asked for {bracketed}:{port}")
            if upstream:
                return self._via_upstream(host, port, upstream, tunnel=tunnel)
            return self._direct(host, port)
        except Refused as refused:
            self.refused.append(f"{bracketed}:{port} ({refused.detail})")
            raise

    def _direct(self, host: str, port: int) -> socket.socket:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise OSError(f"cannot resolve {host}: {exc}") from exc
        if not self.guard.allow_private:
            blocked = sorted({str(info[4][0]) for info in infos if is_blocked_ip(str(info[4][0]))})
            if blocked:
                raise Refused("blocked-address", f"{host} resolves to {', '.join(blocked)}, a private or local address")
        last: OSError | None = None
        for family, kind, proto, _, address in infos:
            sock = socket.socket(family, kind, proto)
            sock.settimeout(self.timeout)
            try:
                sock.connect(address)  # the address just checked, not the name again
                return sock
            except OSError as exc:
                sock.close()
                last = exc
        raise last or OSError(f"cannot connect to {host}:{port}")

    def _via_upstream(self, host: str, port: int, up: SplitResult, *, tunnel: bool) -> socket.socket:
        default = 1080 if up.scheme.startswith("socks") else (443 if up.scheme == "https" else 80)
        sock = socket.create_connection((up.hostname, up.port or default), timeout=self.timeout)
        try:
            if up.scheme == "https":
                sock = self.policy.ssl_context.wrap_socket(sock, server_hostname=up.hostname)
            if up.scheme.startswith("socks"):
                _socks5_connect(sock, host, port, up.username, up.password)
            elif tunnel:
                _http_connect(sock, host, port, up.username, up.password)
            return sock
        except Exception:
            sock.close()
            raise


def _http_connect(sock: socket.socket, host: str, port: int, user: str | None, password: str | None) -> None:
    authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    head = f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n"
    if user is not None:
        head += _basic(user, password) + "\r\n"
    sock.sendall((head + "\r\n").encode())
    reply, _ = _read_head(sock)
    status = reply.split(b" ", 2)[1:2]
    if status != [b"200"]:
        raise OSError(f"the proxy refused CONNECT {authority}: {reply.splitlines()[0][:80]!r}")


def _basic(user: str, password: str | None) -> str:
    token = base64.b64encode(f"{unquote(user)}:{unquote(password or '')}".encode()).decode()
    return f"Proxy-Authorization: Basic {token}"


def _socks5_connect(sock: socket.socket, host: str, port: int, user: str | None, password: str | None) -> None:
    from socksio import socks5

    conn = socks5.SOCKS5Connection()
    method = socks5.SOCKS5AuthMethod.USERNAME_PASSWORD if user else socks5.SOCKS5AuthMethod.NO_AUTH_REQUIRED
    conn.send(socks5.SOCKS5AuthMethodsRequest([method]))
    sock.sendall(conn.data_to_send())
    reply = conn.receive_data(sock.recv(1024))
    if not isinstance(reply, socks5.SOCKS5AuthReply) or reply.method != method:
        raise OSError("the SOCKS proxy refused our authentication method")
    if user:
        conn.send(socks5.SOCKS5UsernamePasswordRequest(unquote(user).encode(), unquote(password or "").encode()))
        sock.sendall(conn.data_to_send())
        reply = conn.receive_data(sock.recv(1024))
        if not isinstance(reply, socks5.SOCKS5UsernamePasswordReply) or not reply.success:
            raise OSError("the SOCKS proxy refused our credentials")
    conn.send(socks5.SOCKS5CommandRequest.from_address(socks5.SOCKS5Command.CONNECT, (host, port)))
    sock.sendall(conn.data_to_send())
    reply = conn.receive_data(sock.recv(1024))
    if not isinstance(reply, socks5.SOCKS5Reply):
        raise OSError(f"the SOCKS proxy did not answer our CONNECT to {host}:{port}")
    if reply.reply_code != socks5.SOCKS5ReplyCode.SUCCEEDED:
        raise OSError(f"the SOCKS proxy could not connect to {host}:{port}: {reply.reply_code.name}")


def _read_head(sock: socket.socket) -> tuple[bytes, bytes]:
    """A request or response head, and whatever arrived after it."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(16384)
        if not chunk:
            raise OSError("connection closed before a complete head")
        data += chunk
        if len(data) > HEAD_LIMIT:
            raise OSError("head too large")
    head, rest = data.split(b"\r\n\r\n", 1)
    return head, rest


def _split_authority(authority: str, default_port: int) -> tuple[str, int]:
    parts = urlsplit(f"//{authority}")
    return (parts.hostname or ""), (parts.port or default_port)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = socket.SOMAXCONN  # socketserver's 5 dropped the connects of a burst of tabs' preconnects
    egress: Egress


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        client: socket.socket = self.request
        client.settimeout(IDLE)
        egress: Egress = self.server.egress
        try:
            head, rest = _read_head(client)
        except OSError:
            return
        lines = head.split(b"\r\n")
        asked = _request_line(lines[0])
        if asked is None:
            client.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            return
        method, target, version, host, port = asked
        plain = method.upper() != "CONNECT"
        proxy = egress.upstream_for(host, port, plain=plain)
        forward = plain and proxy is not None and proxy.scheme in ("http", "https")  # absolute form to an HTTP proxy
        try:
            upstream = egress.open(host, port, proxy, tunnel=not forward)
        except (Refused, Unasked):
            client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        except OSError:
            client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        with contextlib.closing(upstream):
            if not plain:
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                if egress.tls:
                    bridged = egress.tls.bridge(client, upstream, host)
                    if bridged is None:
                        return
                    with contextlib.closing(bridged[0]), contextlib.closing(bridged[1]):
                        _relay(*bridged)
                    return
            else:
                _send_plain_head(upstream, method, target, version, lines[1:], proxy if forward else None)
            if rest:
                upstream.sendall(rest)
            _relay(client, upstream)


def _request_line(line: bytes) -> tuple[str, str, str, str, int] | None:
    """(method, target, version, host, port) of a CONNECT or an absolute-form http request; None for any other."""
    try:
        method, target, version = line.decode("latin-1").split(" ", 2)
    except ValueError:
        return None
    if method.upper() == "CONNECT":
        return (method, target, version, *_split_authority(target, 443))
    url = urlsplit(target)
    if url.scheme != "http" or not url.hostname:
        return None
    return method, target, version, url.hostname, url.port or 80


def _send_plain_head(upstream: socket.socket, method: str, target: str, version: str, header_lines: list[bytes],
                     forward_to: SplitResult | None) -> None:
    """A plain request's head, sent on: origin-form to the host itself, absolute form (with the proxy's credentials)
    to an HTTP proxy. One request per connection: a proxy connection may be reused for another host, and
    that host must be judged too, so each plain request gets a fresh, closing upstream."""
    url = urlsplit(target)
    path = url.path or "/"
    if url.query:
        path += "?" + url.query
    kept = [line for line in header_lines if line.split(b":", 1)[0].strip().lower() not in HOP_HEADERS]
    if forward_to is not None:
        path = target
        if forward_to.username is not None:
            kept.append(_basic(forward_to.username, forward_to.password).encode())
    first = f"{method} {path} {version}".encode("latin-1")
    upstream.sendall(b"\r\n".join([first, *kept, b"Connection: close"]) + b"\r\n\r\n")


def _relay(a: socket.socket, b: socket.socket) -> None:
    """Copy both ways until either side ends. Non-blocking, so a TLS side reading a record that holds no
    data (a session ticket) never stalls the other direction; bytes a TLS socket has already decrypted
    (`pending`) are read before waiting on the network again."""
    peers = {a: b, b: a}
    for sock in peers:
        sock.setblocking(False)
    while True:
        ready: list[socket.socket] = [sock for sock in peers if isinstance(sock, ssl.SSLSocket) and sock.pending()]
        if not ready:
            ready, _, _ = select.select(list(peers), [], [], IDLE)
            if not ready:
                return
        for sock in ready:
            try:
                data = sock.recv(65536)
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError):
                continue
            except OSError:
                return
            if not data:
                return
            try:
                _send_all(peers[sock], data)
            except OSError:
                return


def _send_all(sock: socket.socket, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            view = view[sock.send(view):]
            continue
        except ssl.SSLWantReadError:
            ready = select.select([sock], [], [], IDLE)[0]
        except (ssl.SSLWantWriteError, BlockingIOError):
            ready = select.select([], [sock], [], IDLE)[1]
        if not ready:
            raise OSError("the peer stopped reading")
