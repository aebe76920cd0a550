"""Local ports that record whoever reaches them: what a test asserts stays silent when the guard holds."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def listening(kind: int = socket.SOCK_STREAM) -> Iterator[tuple[int, list]]:
    """Yield (port, reached) for a TCP (first bytes of each connection) or UDP (each sender) port on 127.0.0.1."""
    sock = socket.socket(socket.AF_INET, kind)
    sock.bind(("127.0.0.1", 0))
    reached: list = []

    def tcp() -> None:
        sock.listen(8)
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            conn.settimeout(2)
            try:
                reached.append(conn.recv(200))
            except OSError:
                reached.append(b"")
            conn.close()

    def udp() -> None:
        while True:
            try:
                reached.append(sock.recvfrom(2048)[1])
            except OSError:
                return

    threading.Thread(target=tcp if kind == socket.SOCK_STREAM else udp, daemon=True).start()
    try:
        yield sock.getsockname()[1], reached
    finally:
        sock.close()


@contextlib.contextmanager
def refusing_proxy(answer: str, refuse=lambda host: True,
                   onward: tuple[str, int] | None = None) -> Iterator[tuple[str, list[str]]]:
    """Yield (url, asked): an HTTP proxy on 127.0.0.1 that is up but answers `answer` ("407 Proxy
    Authentication Required") to every request for a host `refuse` picks, and passes the others on, head
    and all, to the proxy at `onward`. `asked` lists the host of every request it was sent."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    asked: list[str] = []
    served: list[socket.socket] = []

    def pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        for end in (a, b):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def serve(conn: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = conn.recv(4096)
            if not chunk:
                conn.close()
                return
            head += chunk
        served.append(conn)
        method, target = head.split(b" ", 2)[:2]
        authority = target.split(b"://", 1)[-1].split(b"/", 1)[0] if method != b"CONNECT" else target
        host = authority.decode("latin-1").rsplit(":", 1)[0] if b":" in authority else authority.decode("latin-1")
        asked.append(host)
        if refuse(host) or onward is None:
            extra = b"Proxy-Authenticate: Basic realm=\"office\"\r\n" if answer.startswith("407") else b""
            conn.sendall(f"HTTP/1.1 {answer}\r\n".encode() + extra + b"Content-Length: 0\r\nConnection: close\r\n\r\n")
            conn.close()
            return
        with conn, socket.create_connection(onward) as upstream:
            upstream.sendall(head)
            back = threading.Thread(target=pipe, args=(upstream, conn), daemon=True)
            back.start()
            pipe(conn, upstream)
            back.join(10)

    serve_each_connection(sock, serve)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}", asked
    finally:
        sock.close()
        for conn in served:
            conn.close()


def serve_each_connection(sock: socket.socket, serve: Callable[[socket.socket], None]) -> None:
    """Hand each connection `sock` accepts to `serve` on a thread of its own, until `sock` is closed."""

    def accept() -> None:
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()


@contextlib.contextmanager
def serving(serve: Callable[[socket.socket], None]):
    """A TCP service on 127.0.0.1 handing each connection to `serve`; yields its port."""
    listener = socket.create_server(("127.0.0.1", 0))
    serve_each_connection(listener, serve)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


def head_of(conn: socket.socket) -> None:
    """Read a request's head (and drop it): a proxy that answers every CONNECT the same way."""
    data = b""
    while b"\r\n\r\n" not in data and (chunk := conn.recv(65536)):
        data += chunk


@contextlib.contextmanager
def tls_proxy(context: ssl.SSLContext, onward: tuple[str, int]):
    """An HTTPS forward proxy on 127.0.0.1 (TLS to the proxy itself) tunnelling every CONNECT to `onward`."""

    def pipe(a: socket.socket, b: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := a.recv(65536):
                b.sendall(data)
        with contextlib.suppress(OSError):
            b.shutdown(socket.SHUT_WR)

    def serve(conn: socket.socket) -> None:
        try:
            tls = context.wrap_socket(conn, server_side=True)
        except OSError:  # a client that did not trust us: its failure is the test's to see
            conn.close()
            return
        with tls, socket.create_connection(onward) as upstream:
            head_of(tls)
            tls.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            threading.Thread(target=pipe, args=(upstream, tls), daemon=True).start()
            pipe(tls, upstream)

    with serving(serve) as port:
        yield f"https://localhost:{port}"
