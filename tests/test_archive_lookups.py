"""Asking the archives for a URL's captures (issue 14) over real sockets: the CDX query around the reference
date, every archive's TimeMap, and each service's outcome kept apart — found, none, or unreached with why."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from urllib.parse import parse_qsl, urlsplit

from virtual_clock import VirtualClock

from linkvault.archive.egress_policy import resolve_egress
from linkvault.archive.webarchives.gateway import Gateway
from linkvault.archive.webarchives.lookups import DEFAULT_ARCHIVES, IA_CDX, ask_cdx, find_candidates, memgator
from linkvault.model import ReferenceDate

URL = "https://kaztag.kz/ru/news/x"
APRIL_4 = ReferenceDate(date(2024, 4, 4), "entry date")
ROWS = json.dumps([["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"],
                   ["kz,kaztag)/ru/news/x", "20240401091233", URL, "text/html", "200", "K3ZU", "5123"],
                   ["kz,kaztag)/ru/news/x", "20240403101500", URL, "text/html", "200", "ABCD", "900"]])
ARQUIVO = (f'<{URL}>; rel="original",\n'
           f'<https://arquivo.pt/wayback/20240402000000/{URL}>; rel="memento"; datetime="Tue, 02 Apr 2024 00:00:00 GMT"')


def _run(web, coroutine_of):
    egress = resolve_egress(web.proxy_url, web.ca_pem_path, environ={})

    async def run():
        async with Gateway(egress, names={"ia-cdx": "the Internet Archive", "archive:arquivo.pt": "Arquivo.pt",
                                          "archive:webarchive.loc.gov": "the Library of Congress"},
                           clock=VirtualClock()) as gateway:
            return await coroutine_of(gateway)

    return asyncio.run(run())


def _json(body: str, status: int = 200):
    from fakeweb import Response

    return Response(status, [("Content-Type", "application/json")], body.encode())


def test_the_cdx_is_asked_for_the_closest_captures_before_the_reference_day_and_they_become_candidates(fakeweb):
    fakeweb.route_url(IA_CDX, _json(ROWS))
    outcome, found = _run(fakeweb, lambda g: ask_cdx(g, URL, APRIL_4))
    assert (outcome.outcome, outcome.candidates) == ("found", 2)
    assert [c.memento_at for c in found] == ["2024-04-01T09:12:33Z", "2024-04-03T10:15:00Z"]
    [asked] = fakeweb.log.snapshot()
    query = parse_qsl(urlsplit(asked.path).query)
    assert ("to", "20240404235959") in query and ("limit", "-5") in query and ("url", URL) in query
    assert ("filter", "statuscode:[23]..") in query and ("filter", "!mimetype:warc/revisit") in query


def test_the_after_phase_asks_from_the_next_day_forward(fakeweb):
    fakeweb.route_url(IA_CDX, _json("[]"))
    outcome, found = _run(fakeweb, lambda g: ask_cdx(g, URL, APRIL_4, after=True))
    assert outcome.outcome == "none" and found == []
    query = parse_qsl(urlsplit(fakeweb.log.snapshot()[0].path).query)
    assert ("from", "20240405000000") in query and ("limit", "5") in query


def test_every_archive_is_asked_and_each_says_found_none_or_unreached_with_why(fakeweb):
    from fakeweb import Response

    fakeweb.route_url(IA_CDX, _json(ROWS))
    fakeweb.route_url(f"https://arquivo.pt/wayback/timemap/link/{URL}",
                      Response(200, [("Content-Type", "application/link-format")], ARQUIVO.encode()))
    fakeweb.route_url(f"https://webarchive.loc.gov/all/timemap/link/{URL}", Response(reset=True))
    outcomes, found = _run(fakeweb, lambda g: find_candidates(g, URL, APRIL_4))
    by_service = {o.service: o for o in outcomes}
    assert by_service["ia-cdx"].outcome == "found" and by_service["archive:arquivo.pt"].outcome == "found"
    assert by_service["archive:archive.today"].outcome == "none"  # the fake web's 404: it holds none
    loc = by_service["archive:webarchive.loc.gov"]
    assert loc.outcome == "unreached" and loc.detail.startswith("the Library of Congress could not be reached (")
    assert sorted(c.archive for c in found) == ["arquivo.pt", "web.archive.org", "web.archive.org"]
    assert len(outcomes) == 1 + len(DEFAULT_ARCHIVES)


def test_a_site_excluded_from_the_wayback_machine_is_none_and_a_server_error_is_unreached(fakeweb):
    fakeweb.route_url(IA_CDX, _json("org.archive.wayback.exception.AdministrativeAccessControlException: "
                                    "Blocked Site Error", 403))
    outcome, _ = _run(fakeweb, lambda g: ask_cdx(g, URL, APRIL_4))
    assert (outcome.outcome, outcome.detail) == ("none", "the Internet Archive does not show this site's captures "
                                                         "(excluded)")
    fakeweb.route_url(IA_CDX, _json("oops", 500))
    outcome, _ = _run(fakeweb, lambda g: ask_cdx(g, URL, APRIL_4))
    assert (outcome.outcome, outcome.detail) == ("unreached", "the Internet Archive could not answer (HTTP 500)")


def test_a_memgators_timemap_names_each_mementos_archive(fakeweb):
    from fakeweb import Response

    aggregated = ARQUIVO + (',\n<https://web.archive.org/web/20240401091233/' + URL
                            + '>; rel="memento"; datetime="Mon, 01 Apr 2024 09:12:33 GMT"')
    fakeweb.route("127.0.0.1", f"/timemap/link/{URL}",
                  Response(200, [("Content-Type", "application/link-format")], aggregated.encode()))
    source = memgator(fakeweb.http_url)
    egress = resolve_egress(fakeweb.proxy_url, fakeweb.ca_pem_path, environ={})

    async def run():
        async with Gateway(egress, names={"memgator": "MemGator"}, operator_hosts=["127.0.0.1"],
                           clock=VirtualClock()) as gateway:
            return await find_candidates(gateway, URL, APRIL_4, (source,), ask_ia=False)

    outcomes, found = asyncio.run(run())
    assert [o.outcome for o in outcomes] == ["found"]
    assert [(c.archive, c.found_by) for c in found] == [("web.archive.org", "memgator"), ("arquivo.pt", "memgator")]
