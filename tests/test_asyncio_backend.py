"""The fetcher's network backend on asyncio's transports (linkvault/archive/asyncio_backend.py), over real sockets: a
body many times what a read takes arrives whole, TLS works inside a TLS proxy's tunnel, and each way a connection
fails reaches `classify_exception` as the same link state httpcore's anyio backend gave (the OSError or ssl error
behind it kept as the cause)."""

from __future__ import annotations

import asyncio
import hashlib
import socket
import struct
import time

import httpcore
import httpx
import pytest
from fakeweb import Response
from listeners import head_of, serving, tls_proxy

from linkvault.archive.asyncio_backend import AsyncioBackend
from linkvault.archive.egress_policy import EgressPolicy
from linkvault.archive.failures import FailedFetch, classify_exception
from linkvault.archive.transport import Client, Router

BIG = hashlib.sha256(b"seed").digest() * (8 * 1024 * 1024 // 32)  # 8 MiB: 32 times the most a socket read takes


def _get(url: str, *, timeout: float = 10.0, idle: float = 0.0) -> httpx.Response | FailedFetch:
    """GET `url` through linkvault's Router (direct, loopback allowed), the body read whole after `idle` seconds;
    or how it failed."""

    async def go() -> httpx.Response | FailedFetch:
        async with Client(transport=Router(EgressPolicy(), allow_private=True, per_host=2), timeout=timeout,
                          trust_env=False) as client:
            try:
                response = await client.exchange(client.build_request("GET", url))
                await asyncio.sleep(idle)
                await response.aread()
                return response
            except httpx.HTTPError as exc:
                return classify_exception(exc, url)

    return asyncio.run(go())


def test_a_body_many_times_what_a_read_takes_arrives_whole_while_read_slowly():
    """The socket is not read while 256 KiB wait unread (the body keeps coming while nobody reads it), and is read
    again as they are taken: nothing lost or reordered."""

    def serve(conn: socket.socket) -> None:
        with conn:
            head_of(conn)
            conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {len(BIG)}\r\n\r\n".encode() + BIG)

    with serving(serve) as port:
        response = _get(f"http://127.0.0.1:{port}/video.mp4", idle=0.3)
    assert isinstance(response, httpx.Response) and response.status_code == 200
    assert hashlib.sha256(response.content).digest() == hashlib.sha256(BIG).digest()


@pytest.mark.parametrize("url, answers, connected, said", [
    ("http://127.0.0.1:{port}/slow", True, True, "stopped answering"),  # the body stops coming mid-way
    ("https://127.0.0.1:{port}/", False, False, "did not answer in time"),  # nobody answers the TLS handshake
], ids=["mid-body", "tls-handshake"])
def test_a_stall_is_a_timeout_mid_body_or_in_the_tls_handshake(url, answers, connected, said):
    """Not asyncio's own handshake timeout either (a ConnectionAbortedError: a dropped connection, not a timeout)."""

    def serve(conn: socket.socket) -> None:
        with conn:
            if answers:
                head_of(conn)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"x" * 100)
            time.sleep(3)

    with serving(serve) as port:
        failed = _get(url.format(port=port), timeout=0.5)
    assert isinstance(failed, FailedFetch)
    assert (failed.state, failed.connected) == ("timeout", connected) and said in failed.detail


def test_a_connection_reset_mid_body_is_the_links_dropped_connection():
    def serve(conn: socket.socket) -> None:
        head_of(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"x" * 100)
        time.sleep(0.2)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close sends RST
        conn.close()

    with serving(serve) as port:
        failed = _get(f"http://127.0.0.1:{port}/page")
    assert isinstance(failed, FailedFetch)
    assert (failed.state, failed.connected) == ("connection-error", True) and "dropped the connection" in failed.detail


def test_a_site_closing_during_the_tls_handshake_is_a_tls_error_not_a_dropped_connection():
    """As httpcore's anyio backend had it: asyncio says a bare ConnectionResetError, which is our side's trouble
    (retried, and counted towards 'the network is down'), where the site ended TLS."""

    def serve(conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)  # the ClientHello
            conn.shutdown(socket.SHUT_WR)  # FIN
            time.sleep(0.5)

    with serving(serve) as port:
        failed = _get(f"https://127.0.0.1:{port}/page")
    assert isinstance(failed, FailedFetch)
    assert failed.state == "tls-error" and "EOF" in failed.detail, failed


def test_a_refused_connect_keeps_the_refusal_as_its_cause():
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]
    with pytest.raises(httpcore.ConnectError) as raised:
        asyncio.run(AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5))
    assert isinstance(raised.value.__cause__, ConnectionRefusedError)
    failed = _get(f"http://127.0.0.1:{port}/")
    assert isinstance(failed, FailedFetch) and failed.state == "connection-error" and not failed.connected


def test_a_certificate_no_trusted_root_vouches_for_is_a_tls_error_naming_the_unknown_issuer(fakeweb):
    failed = _get(f"{fakeweb.https_url}/")  # the fake web's CA is not among the default roots
    assert isinstance(failed, FailedFetch) and failed.state == "tls-error" and failed.unknown_issuer


def test_tls_to_the_site_inside_the_tls_of_an_https_proxy(fakeweb):
    """An https:// proxy: TLS to the proxy, CONNECT, and the site's own TLS inside that tunnel (TLS in TLS)."""
    fakeweb.route_url("https://news.kz/a/1.html", Response(200, [("Content-Type", "text/html")], b"<p>news</p>"))

    async def go() -> tuple[int, bytes, str | None]:
        trust = fakeweb.ssl_context
        async with httpcore.AsyncHTTPProxy(proxy_url=proxy, ssl_context=trust, proxy_ssl_context=trust,
                                           network_backend=AsyncioBackend()) as pool:
            response = await pool.request("GET", "https://news.kz/a/1.html")
            tls = response.extensions["network_stream"].get_extra_info("ssl_object")
            return response.status, response.content, tls.server_hostname

    with tls_proxy(fakeweb.certs.server_context, fakeweb.https.server_address) as proxy:
        status, body, named = asyncio.run(go())
    assert (status, body, named) == (200, b"<p>news</p>", "news.kz")


def test_a_request_cancelled_mid_body_leaves_its_hosts_pool_fit_for_the_next():
    """The fetcher bounds a whole answer by cancelling it (asyncio.timeout): the cancelled request's connection is
    closed and forgotten under httpcore's pool locks (asyncio's here, pool_locks.py), and the next request to the
    host gets a connection of its own and its answer."""
    served: list[str] = []

    def serve(conn: socket.socket) -> None:
        with conn:
            head_of(conn)
            served.append("stall" if not served else "page")
            if served[-1] == "stall":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"x" * 100)
                time.sleep(3)
            else:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnews")
                time.sleep(1)  # kept alive

    async def go(url: str) -> tuple[bool, bytes, int]:
        router = Router(EgressPolicy(), allow_private=True, per_host=2)
        async with Client(transport=router, timeout=10, trust_env=False) as client:
            try:
                async with asyncio.timeout(0.3):
                    await (await client.exchange(client.build_request("GET", url))).aread()
                cancelled = False
            except TimeoutError:
                cancelled = True
            answer = await client.exchange(client.build_request("GET", url))
            body = await answer.aread()
            [pool] = router._pools.values()
            return cancelled, body, len(pool._pool.connections)

    with serving(serve) as port:
        cancelled, body, kept = asyncio.run(go(f"http://127.0.0.1:{port}/news"))
    assert (cancelled, body, served) == (True, b"news", ["stall", "page"])
    assert kept == 1  # the stalled connection is not kept beside the one that answered


def test_an_https_proxys_own_certificate_is_checked_against_the_runs_ca(fakeweb):
    """One egress policy: with --ca-bundle, the certificate of an https:// proxy is checked against the same CA as
    the sites' (httpx's default for a proxy is certifi's roots, which made the run's own proxy a link's tls-error)."""
    fakeweb.route_url("https://news.kz/a/2.html", Response(200, [("Content-Type", "text/html")], b"<p>news</p>"))

    async def go(proxy: str) -> tuple[int, bytes]:
        egress = EgressPolicy(proxies={"http": proxy, "https": proxy}, ca_file=fakeweb.ca_pem_path)
        async with Client(transport=Router(egress, allow_private=False, per_host=2), timeout=10,
                          trust_env=False) as client:
            response = await client.exchange(client.build_request("GET", "https://news.kz/a/2.html"))
            return response.status_code, await response.aread()

    with tls_proxy(fakeweb.certs.server_context, fakeweb.https.server_address) as proxy:
        assert asyncio.run(go(proxy)) == (200, b"<p>news</p>")
