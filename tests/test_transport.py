"""The fetcher's transport keeps connections alive per host, and reads each connection's facts once: a connection the
site closed while it sat idle must still be seen as closed, and the next request go on a new one (not fail on the
dead one: with no retries, that would be a link called broken for what our pool did)."""

from __future__ import annotations

import asyncio
import socket
import time

from listeners import serve_each_connection

from linkvault import __version__
from linkvault.archive.fetcher import Fetcher, FetchOptions
from linkvault.archive.warc import WarcRecorder

PAGE = "<!doctype html><title>Новость</title><p>Суд оставил штраф в силе.</p>".encode()


def _server(connections: list[int], idle: float) -> socket.socket:
    """HTTP/1.1 on 127.0.0.1 answering every request keep-alive, then closing the connection after `idle` seconds."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve(conn: socket.socket) -> None:
        connections.append(1)
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nConnection: keep-alive\r\n"
                         + f"Content-Length: {len(PAGE)}\r\n\r\n".encode() + PAGE)
            time.sleep(idle)  # the site's keep-alive timeout: it closes what it no longer wants to hold

    serve_each_connection(listener, serve)
    return listener


def test_a_connection_the_site_closed_while_idle_is_not_used_again(tmp_path):
    connections: list[int] = []
    listener = _server(connections, idle=0.2)
    port = listener.getsockname()[1]

    async def go():
        options = FetchOptions(allow_private=True, retries=0, timeout=10.0)
        fetcher = Fetcher(options, WarcRecorder(str(tmp_path / "warc"), {"software": "linkvault/test"}, lambda d: None),
                          __version__)
        try:
            first = await fetcher.fetch(f"http://127.0.0.1:{port}/a")
            await asyncio.sleep(0.6)  # the site has closed the kept-alive connection by now
            return first, await fetcher.fetch(f"http://127.0.0.1:{port}/b")
        finally:
            await fetcher.aclose()
            fetcher.recorder.close()

    try:
        first, second = asyncio.run(go())
    finally:
        listener.close()
    assert (first.status, first.error) == (200, None)
    assert (second.status, second.error) == (200, None)
    assert len(connections) == 2
