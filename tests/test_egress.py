"""egress, the screenshot browser's guarded way out, spoken to as a browser would: over real sockets."""

from __future__ import annotations

import errno
import select
import socket
import threading
import time

import pytest
from listeners import listening

from linkvault.archive import egress as egress_module
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


def _tunnel(egress: Egress, authority: str, data: bytes, then=lambda: None) -> bytes:
    """CONNECT authority through the egress (calling `then` once it is sent) and, if the egress answers 200,
    `data` through the tunnel: the egress's answer."""
    with socket.create_connection(("127.0.0.1", int(egress.url.rsplit(":", 1)[1])), timeout=10) as sock:
        sock.sendall(f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n".encode())
        then()
        answer = sock.recv(200)
        if answer.startswith(b"HTTP/1.1 200"):
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
            sock.recv(10)
        return answer


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
        assert _tunnel(egress, f"{HOST}:{port}", b"hello through the tunnel").startswith(b"HTTP/1.1 200")
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
    for _ in range(50):  # the listener's thread records what it read; on a loaded machine it may lag behind us
        if reached:
            break
        time.sleep(0.1)
    [head] = reached
    assert head.startswith(b"GET /news?id=1 HTTP/1.1\r\n")
    assert b"Connection: close" in head and b"Proxy-" not in head  # nothing meant for a proxy goes on to the site


def test_a_connection_opened_just_before_its_tab_asks_for_it_goes_through(listener):
    """Chromium preconnects to a page's host as the navigation starts, before the tab's request has passed the
    guard; turned away, that connection failed the page itself (ERR_TUNNEL_CONNECTION_FAILED) whenever the
    request was handed the refused socket."""
    port, reached = listener
    egress = Egress(allow_private=True, only_asked=True)
    asking = threading.Timer(0.3, egress.expect, [f"http://127.0.0.1:{port}/news"])
    try:  # the tab's request reaches the guard after the connection reached the egress
        answer = _tunnel(egress, f"127.0.0.1:{port}", b"GET /news HTTP/1.1", then=asking.start)
        assert answer.startswith(b"HTTP/1.1 200")
    finally:
        asking.cancel()
        egress.close()
    assert reached == [b"GET /news HTTP/1.1"] and egress.unasked == []


def test_a_connection_no_tab_asks_for_is_kept_in(listener, monkeypatch):
    monkeypatch.setattr(egress_module, "ASK_GRACE", 0.2)
    port, reached = listener
    egress = Egress(allow_private=True, only_asked=True)
    try:
        answer = _ask(egress, f"CONNECT 127.0.0.1:{port} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    finally:
        egress.close()
    assert answer.startswith(b"HTTP/1.1 403") and reached == [] and egress.unasked == [f"127.0.0.1:{port}"]


def _tls_through(egress: Egress, host: str) -> tuple[bytes | None, bytes]:
    """CONNECT host:443 through the egress, then TLS and a GET as a browser would: (certificate shown, answer)."""
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # what the browser would see, unjudged
    with socket.create_connection(("127.0.0.1", int(egress.url.rsplit(":", 1)[1])), timeout=10) as sock:
        sock.sendall(f"CONNECT {host}:443 HTTP/1.1\r\nHost: {host}:443\r\n\r\n".encode())
        assert sock.recv(200).startswith(b"HTTP/1.1 200")
        try:
            with context.wrap_socket(sock, server_hostname=host) as tls:
                shown = tls.getpeercert(binary_form=True)
                tls.sendall(f"GET /tls-check HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
                answer = b""
                while chunk := tls.recv(65536):
                    answer += chunk
                return shown, answer
        except (ssl.SSLError, OSError):
            return None, b""


def test_with_the_users_own_ca_the_browsers_tls_is_checked_against_it(fakeweb):
    """Behind a TLS-intercepting proxy (the fake web's, with its own CA) the site is reached and checked with the
    CA the user gave, and the browser is shown a certificate of the egress's own CA for that host."""
    from cryptography import x509
    from fakeweb.server import html

    from linkvault.archive.egress_policy import EgressPolicy

    fakeweb.route("www.hostile-example.kz", "/tls-check", html("<p>через прокси</p>"))
    egress = Egress(policy=EgressPolicy({"https": fakeweb.proxy_url}, ca_file=fakeweb.ca_pem_path))
    try:
        shown, answer = _tls_through(egress, "www.hostile-example.kz")
    finally:
        egress.close()
    assert answer.startswith(b"HTTP/1.1 200") and "через прокси".encode() in answer
    certificate = x509.load_der_x509_certificate(shown)
    assert "linkvault screenshot egress" in certificate.issuer.rfc4514_string()
    assert certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
        x509.DNSName) == ["www.hostile-example.kz"]


def test_a_site_the_users_ca_does_not_vouch_for_never_reaches_the_browser(fakeweb, tmp_path):
    import trustme
    from fakeweb.server import html

    from linkvault.archive.egress_policy import EgressPolicy

    fakeweb.route("www.hostile-example.kz", "/tls-check", html("<p>подмена</p>"))
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    egress = Egress(policy=EgressPolicy({"https": fakeweb.proxy_url}, ca_file=str(other)))
    try:
        _, answer = _tls_through(egress, "www.hostile-example.kz")
    finally:
        egress.close()
    assert answer == b"" and fakeweb.hits("https://www.hostile-example.kz/tls-check") == 0
    [refused] = egress.tls.untrusted
    assert refused.startswith("www.hostile-example.kz: ") and "issuer" in refused


def test_a_burst_of_connections_waits_in_the_listen_queue_rather_than_being_dropped():
    """A run at --concurrency 100 opens its tabs' connections to the egress at once. With socketserver's backlog of
    5, connects beyond the first few found the listen queue full and their SYNs were dropped (retried after 1 s,
    3 s...). Held here with nobody accepting, every connect of a burst of 100 is taken into the queue at once."""
    egress = Egress()
    egress._server.shutdown()  # the listening socket stays open, but nothing accepts from it
    port = int(egress.url.rsplit(":", 1)[1])
    socks = [socket.socket() for _ in range(100)]
    try:
        for sock in socks:
            sock.setblocking(False)
            assert sock.connect_ex(("127.0.0.1", port)) in (0, errno.EINPROGRESS)
        waiting = list(socks)
        deadline = time.monotonic() + 5  # a dropped SYN is not retried within this; a queued one completes at once
        while waiting and time.monotonic() < deadline:
            _, writable, _ = select.select([], waiting, [], 0.5)
            waiting = [sock for sock in waiting if sock not in writable]
        assert waiting == [] and all(sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0 for sock in socks)
    finally:
        for sock in socks:
            sock.close()
        egress._server.server_close()
