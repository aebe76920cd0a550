"""The fetcher's transport keeps connections alive per host, and reads each connection's facts once: a connection the
site closed while it sat idle must still be seen as closed, and the next request go on a new one (not fail on the
dead one: with no retries, that would be a link called broken for what our pool did)."""

from __future__ import annotations

import asyncio
import base64
import socket
import time

import httpx
from listeners import serve_each_connection

from linkvault import __version__
from linkvault.archive.fetcher import Fetcher, FetchOptions
from linkvault.archive.transport import Client
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


def _fetched(tmp_path, *urls: str, pause: float = 0) -> list:
    """Each URL fetched in turn by one fetcher (no retries; loopback allowed), `pause` seconds between them."""

    async def go() -> list:
        options = FetchOptions(allow_private=True, retries=0, timeout=10.0)
        fetcher = Fetcher(options, WarcRecorder(str(tmp_path / "warc"), {"software": "linkvault/test"}, lambda d: None),
                          __version__)
        results = []
        try:
            for url in urls:
                if results:
                    await asyncio.sleep(pause)
                results.append(await fetcher.fetch(url))
            return results
        finally:
            await fetcher.aclose()
            fetcher.recorder.close()

    return asyncio.run(go())


def test_a_connection_the_site_closed_while_idle_is_not_used_again(tmp_path):
    connections: list[int] = []
    listener = _server(connections, idle=0.2)
    port = listener.getsockname()[1]

    try:
        # the site has closed the kept-alive connection by the second fetch
        first, second = _fetched(tmp_path, f"http://127.0.0.1:{port}/a", f"http://127.0.0.1:{port}/b", pause=0.6)
    finally:
        listener.close()
    assert (first.status, first.error) == (200, None)
    assert (second.status, second.error) == (200, None)
    assert len(connections) == 2


def _answering(answer) -> socket.socket:
    """HTTP/1.1 on 127.0.0.1: each request's head to `answer`, its bytes sent back and the connection closed."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve(conn: socket.socket) -> None:
        with conn:
            conn.sendall(answer(conn.recv(65536)))

    serve_each_connection(listener, serve)
    return listener


def test_a_cited_link_with_a_user_and_password_in_it_sends_them_as_basic_credentials(tmp_path):
    """`https://user:pass@host/…` in a report: as before the fetcher sent by `exchange`, httpx's auth flow makes them
    an Authorization header; without it, the page answers 401 and would be judged a login wall."""
    expected = b"Authorization: Basic " + base64.b64encode(b"editor:s3cret")

    def answer(head: bytes) -> bytes:
        if expected.lower() in head.lower():
            return (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nConnection: close\r\n"
                    + f"Content-Length: {len(PAGE)}\r\n\r\n".encode() + PAGE)
        return b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"drafts\"\r\nContent-Length: 0\r\n\r\n"

    listener = _answering(answer)
    port = listener.getsockname()[1]

    try:
        [result] = _fetched(tmp_path, f"http://editor:s3cret@127.0.0.1:{port}/draft")
    finally:
        listener.close()
    assert (result.status, result.error) == (200, None)


def test_a_location_httpx_cannot_parse_is_the_answer_not_a_protocol_error():
    """The archive clients send by `request`: a 302 whose Location carries a control character comes back as the 302
    (the gateway judges it), not raised as the archive's protocol error, three of which would give the archive up."""
    listener = _answering(lambda head: b"HTTP/1.1 302 Found\r\nLocation: http://web.archive.org:99999/x\x01\r\n"
                                       b"Content-Length: 0\r\nConnection: close\r\n\r\n")
    port = listener.getsockname()[1]

    async def go():
        async with Client(transport=httpx.AsyncHTTPTransport()) as client:
            return await client.request("GET", f"http://127.0.0.1:{port}/wayback/available")

    try:
        response = asyncio.run(go())
    finally:
        listener.close()
    assert response.status_code == 302
