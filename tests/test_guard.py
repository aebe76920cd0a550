"""The address guard: what a hostile report cannot make us fetch."""

from __future__ import annotations

import asyncio
import socket

import httpcore
import pytest

from linkvault.archive.guard import BlockedConnect, Guard, GuardedBackend, Refused, is_blocked_ip


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/", "http://localhost:8080/x", "http://169.254.169.254/latest/meta-data/",
    "http://10.1.2.3/", "http://192.168.0.1/", "http://172.16.5.4/", "http://[::1]/", "http://0.0.0.0/",
    "http://224.0.0.1/", "http://[fe80::1]/", "http://printer.local/", "http://[::ffff:127.0.0.1]/",
])
def test_private_loopback_and_link_local_addresses_are_refused(url):
    with pytest.raises(Refused) as err:
        Guard().check(url)
    assert err.value.state == "blocked-address"


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/x", "javascript:alert(1)", "gopher://x/"])
def test_non_web_schemes_are_refused(url):
    with pytest.raises(Refused) as err:
        Guard().check(url)
    assert err.value.state == "unsupported-scheme"


def test_public_addresses_pass_and_allow_private_opts_in():
    Guard().check("https://rus.azattyq.org/a/1.html")
    Guard().check("http://93.184.216.34/")
    Guard(allow_private=True).check("http://127.0.0.1:8000/")


@pytest.mark.parametrize("address,blocked", [("127.0.0.1", True), ("::1", True), ("169.254.169.254", True),
                                             ("::ffff:10.0.0.1", True), ("8.8.8.8", False), ("2a00:1450::1", False),
                                             ("64:ff9b::7f00:1", True), ("2002:a9fe:a9fe::1", True),
                                             ("64:ff9b::808:808", False), ("2002:808:808::1", False)])
def test_resolved_addresses_are_judged_like_literals(address, blocked):
    assert is_blocked_ip(address) is blocked


def test_connect_time_check_refuses_a_name_that_resolves_to_loopback():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]

    async def connect(allow_private):
        backend = GuardedBackend(httpcore.AnyIOBackend(), allow_private)
        stream = await backend.connect_tcp("localhost", port, timeout=5)
        await stream.aclose()

    try:
        with pytest.raises(BlockedConnect) as err:
            asyncio.run(connect(False))
        assert err.value.state == "blocked-address"
        asyncio.run(connect(True))
    finally:
        server.close()


def test_connect_time_check_reports_a_name_that_does_not_resolve():
    async def connect():
        await GuardedBackend(httpcore.AnyIOBackend(), False).connect_tcp("no-such-host.invalid", 80, timeout=5)

    with pytest.raises(BlockedConnect) as err:
        asyncio.run(connect())
    assert err.value.state == "dns-failure"
