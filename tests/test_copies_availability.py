"""`copies --ia-api availability`: the Internet Archive asked through its batched availability API (v2 POST,
`Wayback-Api-Version: 2`, at most 50 links a request, the closest capture before the reference date, then after,
statuses 200/203/206) instead of its CDX server; answers kept in the vault, its gate and rate its own, and an empty
answer said as "none from this API", never "no copy exists". Over the fake Internet Archive on real sockets."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from urllib.parse import parse_qsl

from fakeweb.archive_data import DEAD_ARTICLE, dead_article_captures, html_capture
from fakeweb.timemaps import FakeTimemapArchive
from fakeweb.wayback import EMPTY, FakeWayback
from jsonschema import Draft202012Validator
from test_copies import FAST, _archive_requests, _copies, _egress, fetched  # noqa: F401 -- the fixture, too
from virtual_clock import VirtualClock

from linkvault.archive.egress_policy import resolve_egress
from linkvault.archive.webarchives.availability import ask_availability
from linkvault.archive.webarchives.gateway import Gateway
from linkvault.cli import cli
from linkvault.model import ReferenceDate
from linkvault.render.records import schema_text
from linkvault.vault import Vault

APRIL_4 = ReferenceDate(date(2024, 4, 4), "entry date")


def _availability_posts(web) -> list:
    return [r for r in web.log.snapshot() if r.host == "archive.org" and r.path.startswith("/wayback/available")]


def _lines(request) -> list[dict[str, list[str]]]:
    found = []
    for line in request.body.decode().splitlines():
        params: dict[str, list[str]] = {}
        for name, value in parse_qsl(line):
            params.setdefault(name, []).append(value)
        found.append(params)
    return found


def test_120_links_are_asked_in_three_batched_posts_before_then_after_and_each_answer_is_mapped_back(
        fakeweb, tmp_path):
    urls = [f"https://kaztag.kz/ru/news/{n}" for n in range(120)]
    before = [html_capture(u, "20240401091233", f"Статья {n}", "Текст.") for n, u in enumerate(urls[:100])]
    after = [html_capture(u, "20240410120000", f"Статья {n}", "Текст.") for n, u in enumerate(urls) if n >= 100]
    FakeWayback(before + after).install(fakeweb)
    egress = resolve_egress(fakeweb.proxy_url, fakeweb.ca_pem_path, environ={})
    keys = [(u, APRIL_4) for u in urls]

    async def run(vault):
        async with Gateway(egress, names={}, cache=vault, clock=VirtualClock()) as gateway:
            return (await ask_availability(gateway, keys, "before"),
                    await ask_availability(gateway, [k for k in keys if k[0] in urls[100:]], "after"))

    found_before, found_after = asyncio.run(run(Vault(str(tmp_path / "vault"))))
    posts = _availability_posts(fakeweb)
    assert [len(_lines(p)) for p in posts] == [50, 50, 20, 20]
    assert all(p.method == "POST" and p.header("wayback-api-version") == "2" for p in posts)
    first = _lines(posts[0])[0]
    assert (first["closest"], first["statuscodes"], first["timestamp"]) == (
        ["before"], ["200", "203", "206"], ["20240404235959"])
    assert _lines(posts[3])[0]["closest"] == ["after"]
    assert [found_before[k][1][0].url for k in keys[:100]] == urls[:100]  # each tag mapped back to its link
    assert {found_before[k][0].outcome for k in keys[100:]} == {"none"}
    assert [found_after[k][1][0].memento_at for k in keys[100:]] == ["2024-04-10T12:00:00Z"] * 20
    fakeweb.log.clear()
    asyncio.run(run(Vault(str(tmp_path / "vault"))))  # every link's answer is in the vault: nothing is asked
    assert _availability_posts(fakeweb) == []


def test_copies_by_the_availability_api_offers_the_article_and_a_second_run_asks_nothing(fetched, fakeweb, runner):  # noqa: F811,E501
    [article] = [c for c in dead_article_captures() if c.timestamp == "20240401091233"]
    FakeWayback([article]).install(fakeweb)
    cited, vault = fetched
    result, out = _copies(runner, fakeweb, cited, vault, "--ia-api", "availability",
                          "--rate", "ia-availability=6000/min")
    assert result.exit_code == 0, result.output
    assert list(Draft202012Validator(json.loads(schema_text())).iter_errors(out)) == []  # the shipped schema
    [link] = out["links"]
    offered = link["copies"][0]
    assert (offered["choice"], offered["found_by"], offered["memento_at"]) == (
        "offered", "availability", "2024-04-01T09:12:33Z")
    services = {s["service"]: s["outcome"] for s in link["services"]}
    assert services["ia-availability"] == "found" and "ia-cdx" not in services
    asked = _archive_requests(fakeweb)
    assert not [p for p in asked if "/cdx/" in p] and [p for p in asked if p.startswith("archive.org/wayback")]
    fakeweb.log.clear()
    again, _ = _copies(runner, fakeweb, cited, vault, "--ia-api", "availability")
    assert again.exit_code == 0 and _archive_requests(fakeweb) == []


def test_an_empty_availability_answer_is_none_from_that_api_and_a_timemap_archive_still_finds_the_copy(
        fetched, fakeweb, runner):  # noqa: F811
    captures = dead_article_captures()
    wayback = FakeWayback(captures).install(fakeweb)
    wayback.script("available", EMPTY, EMPTY)  # `{}` for a page the archive holds, before and after
    arquivo = FakeTimemapArchive("arquivo.pt", style="pywb",
                                 captures=[c for c in captures if c.timestamp == "20240401091233"]).install(fakeweb)
    cited, vault = fetched
    result, out = _copies(runner, fakeweb, cited, vault, "--ia-api", "availability",
                          "--archive", f"arquivo.pt={arquivo.timemap_prefix}")
    assert result.exit_code == 0, result.output
    [link] = out["links"]
    ia = next(s for s in link["services"] if s["service"] == "ia-availability")
    assert ia["outcome"] == "none" and "sometimes empty for pages the archive holds" in ia["detail"]
    assert link["copies"][0]["archive"] == "arquivo.pt"


def test_with_only_an_empty_availability_answer_the_row_says_the_api_named_none_not_that_no_copy_exists(
        fetched, fakeweb, runner):  # noqa: F811
    wayback = FakeWayback(dead_article_captures()).install(fakeweb)
    wayback.script("available", EMPTY, EMPTY)
    cited, vault = fetched
    result, _ = _copies(runner, fakeweb, cited, vault, "--ia-api", "availability")
    assert result.exit_code == 1
    table = runner.invoke(cli, ["--vault", str(vault), "copies", str(cited), *_egress(fakeweb), *FAST,
                                "--ia-api", "availability"])
    assert "availability API named no capture" in table.output, table.output
    assert DEAD_ARTICLE in table.output
