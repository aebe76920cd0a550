"""Local ports that record whoever reaches them: what a test asserts stays silent when the guard holds."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator


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
