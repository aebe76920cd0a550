"""egress, the screenshot browser's guarded way out, spoken to as a browser would: over real sockets."""

from __future__ import annotations

import socket

import pytest
from listeners import listening

from linkvault.archive.egress import Egress
from linkvault.archive.guard import is_blocked_ip

HOST = socket.gethostname()  # a plain name, not "localhost", that /etc/hosts points at this machine


def _resolves_privately(name: str) -> bool:
    try:
        return all(is_blocked_ip(info[4][0]) for info in socket.getaddrinfo(name, None))
    except OSError:
        return False


needs_local_name = pytest.mark.skipif(not _resolves_privately(HOST),
                                      reason=f"this machine's name {HOST!r} does not resolve to a private address")


@pytest.fixture
def listener():
    """A TCP service on 127.0.0.1 that records whoever reaches it."""
    with listening() as found:
        yield found


def _ask(egress: Egress, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", int(egress.url.rsplit(":", 1)[1])), timeout=10) as sock:
        sock.sendall(request)
        return sock.recv(200)


@needs_local_name
@pytest.mark.parametrize("request_line", ["CONNECT {host}:{port} HTTP/1.1", "GET http://{host}:{port}/ HTTP/1.1"])
def test_a_name_that_resolves_to_this_machine_is_refused(listener, request_line):
    port, reached = listener
    egress = Egress()
    try:
        line = request_line.format(host=HOST, port=port)
        answer = _ask(egress, f"{line}\r\nHost: {HOST}:{port}\r\n\r\n".encode())
    finally:
        egress.close()
    assert answer.startswith(b"HTTP/1.1 403") and reached == []
    [refused] = egress.refused
    assert refused.startswith(f"{HOST}:{port} ({HOST} resolves to ") and "private or local" in refused


@pytest.mark.parametrize("target", ["127.0.0.1", "169.254.169.254", "[::1]", "localhost"])
def test_literal_and_local_addresses_are_refused_before_any_lookup(target):
    egress = Egress()
    try:
        answer = _ask(egress, f"CONNECT {target}:443 HTTP/1.1\r\nHost: {target}:443\r\n\r\n".encode())
    finally:
        egress.close()
    assert answer.startswith(b"HTTP/1.1 403") and len(egress.refused) == 1


@needs_local_name
def test_with_private_addresses_allowed_the_tunnel_reaches_them(listener):
    port, reached = listener
    egress = Egress(allow_private=True)
    try:
        with socket.create_connection(("127.0.0.1", int(egress.url.rsplit(":", 1)[1])), timeout=10) as sock:
            sock.sendall(f"CONNECT {HOST}:{port} HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode())
            assert sock.recv(200).startswith(b"HTTP/1.1 200")
            sock.sendall(b"hello through the tunnel")
            sock.shutdown(socket.SHUT_WR)
            sock.recv(10)
    finally:
        egress.close()
    assert reached == [b"hello through the tunnel"] and egress.refused == []


def test_a_plain_request_is_sent_on_in_origin_form_and_closed(listener):
    port, reached = listener
    egress = Egress(allow_private=True)
    try:
        _ask(egress, f"GET http://127.0.0.1:{port}/news?id=1 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                     "Proxy-Connection: keep-alive\r\nProxy-Authorization: Basic c2VjcmV0\r\n\r\n".encode())
    finally:
        egress.close()
    [head] = reached
    assert head.startswith(b"GET /news?id=1 HTTP/1.1\r\n")
    assert b"Connection: close" in head and b"Proxy-" not in head  # nothing meant for a proxy goes on to the site
