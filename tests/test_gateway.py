"""The gateway to the web archives (issue 14) over real sockets: through the user's proxy and CA, under the
address guard, one gate per service, and every answer kept so a second lookup asks nothing.

The services are routes of the fake web, reached through its proxy with its CA, as a researcher's proxy would
carry them; the gates run on a virtual clock, so waits are asserted as asked for, never timed."""

from __future__ import annotations

import asyncio
import json

import pytest
from virtual_clock import VirtualClock

from linkvault.archive.egress_policy import resolve_egress
from linkvault.archive.guard import Refused
from linkvault.archive.webarchives.gateway import Gateway, Unreached
from linkvault.vault import Vault

CDX = "https://web.archive.org/cdx/search/cdx"
NAMES = {"ia-cdx": "the Internet Archive", "memgator": "MemGator"}
ROWS = json.dumps([["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"],
                   ["kz,kaztag)/x", "20240401091233", "https://kaztag.kz/x", "text/html", "200", "K3ZU", "5"]])


def _ask(web, calls, *, proxy=None, cache=None, clock=None, **kw):
    """Run `calls(gateway)` in a gateway reaching the fake web through its proxy (or `proxy`)."""
    egress = resolve_egress(proxy or web.proxy_url, web.ca_pem_path, environ={})

    async def run():
        async with Gateway(egress, names=NAMES, cache=cache, clock=clock or VirtualClock(), **kw) as gateway:
            return await calls(gateway)

    return asyncio.run(run())


def _json(body: str, status: int = 200, headers=()):
    from fakeweb import Response

    return Response(status, [("Content-Type", "application/json"), *headers], body.encode())


def test_an_answer_is_kept_in_the_vault_so_the_same_question_in_another_order_asks_nothing(fakeweb, tmp_path):
    fakeweb.route_url(CDX, _json(ROWS))
    cache = Vault(str(tmp_path / "vault"))
    first = _ask(fakeweb, lambda g: g.get("ia-cdx", CDX, [("url", "kaztag.kz/x"), ("output", "json")]), cache=cache)
    second = _ask(fakeweb, lambda g: g.get("ia-cdx", CDX, [("output", "json"), ("url", "kaztag.kz/x")]), cache=cache)
    assert (first.status, first.body, first.cached) == (200, ROWS, False)
    assert (second.body, second.cached) == (ROWS, True)
    assert [r.host for r in fakeweb.log.snapshot()] == ["web.archive.org"]


def test_a_429_is_waited_out_as_its_retry_after_says_and_the_answer_after_it_returned(fakeweb):
    from fakeweb import rate_limited_then

    fakeweb.route_url(CDX, rate_limited_then(_json(ROWS), retry_after="7"))
    clock = VirtualClock()
    answer = _ask(fakeweb, lambda g: g.get("ia-cdx", CDX, [("url", "kaztag.kz/x")]), clock=clock)
    assert answer.status == 200 and answer.body == ROWS
    assert [r.status for r in fakeweb.log.snapshot()] == [429, 200]
    assert sum(clock.slept) >= 7


def test_an_archived_429_is_a_memento_answered_not_a_rate_limit(fakeweb):
    memento = "https://web.archive.org/web/20240401091233id_/https://kaztag.kz/x"
    fakeweb.route_url(memento, _json("{}", 429, [("Memento-Datetime", "Mon, 01 Apr 2024 09:12:33 GMT")]))
    clock = VirtualClock()
    answer = _ask(fakeweb, lambda g: g.get("ia-memento", memento), clock=clock)
    assert answer.status == 429 and clock.slept == [] and len(fakeweb.log.snapshot()) == 1


def test_a_service_answering_503_three_times_is_unreached_and_a_later_run_asks_again(fakeweb, tmp_path):
    from fakeweb import Response

    fakeweb.route_url(CDX, Response(503, [("Content-Type", "text/plain")], b"busy\n"))
    cache = Vault(str(tmp_path / "vault"))
    with pytest.raises(Unreached) as raised:
        _ask(fakeweb, lambda g: g.get("ia-cdx", CDX, [("url", "kaztag.kz/x")]), cache=cache)
    assert raised.value.sentence == "the Internet Archive could not be reached (it answered HTTP 503)"
    assert len(fakeweb.log.snapshot()) == 3
    fakeweb.route_url(CDX, _json(ROWS))  # the service is back: the unreached was no answer, so it is asked again
    answer = _ask(fakeweb, lambda g: g.get("ia-cdx", CDX, [("url", "kaztag.kz/x")]), cache=cache)
    assert (answer.body, answer.cached, len(fakeweb.log.snapshot())) == (ROWS, False, 4)


def test_a_proxy_refusing_connections_makes_the_service_unreached_at_once_naming_the_proxy(fakeweb):
    import socket

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(Unreached) as raised:
        _ask(fakeweb, lambda g: g.get("ia-cdx", CDX, [("url", "kaztag.kz/x")]), proxy=f"http://127.0.0.1:{port}")
    assert raised.value.sentence == (f"the Internet Archive could not be reached (the proxy http://127.0.0.1:{port} "
                                     "refused the connection)")
    assert "no copy" not in raised.value.sentence


def test_an_address_an_answer_names_on_a_private_network_is_never_asked(fakeweb):
    with pytest.raises(Refused):
        _ask(fakeweb, lambda g: g.get("archive:evil", "http://169.254.169.254/latest/meta-data/"))
    assert fakeweb.log.snapshot() == []


def test_a_service_the_user_named_on_this_machine_is_reached_directly_and_only_that_one(fakeweb):
    local = fakeweb.http_url + "/timemap/link/https://kaztag.kz/x"
    fakeweb.route("127.0.0.1", "/timemap/link/https://kaztag.kz/x", _json("[]"))
    answer = _ask(fakeweb, lambda g: g.get("memgator", local), operator_hosts=["127.0.0.1"])
    assert answer.status == 200
    with pytest.raises(Refused):
        _ask(fakeweb, lambda g: g.get("memgator", local))
