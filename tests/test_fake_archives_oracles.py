"""Fidelity of the fake archives, judged by maintained readers of the real services (design §7 item 11).

EDGI's `wayback` (the Internet Archive client of the Environmental Data & Governance Initiative) is built against
the real CDX server and Wayback replay: if it pages through our CDX text output with the resume key, follows a
redirect memento through Wayback's steering and reads archived headers, the fake answers in the real forms.
pywb's `MementoUtils.parse_links` is the TimeMap reader of the most used open-source Wayback; every fake TimeMap
must parse with it to the mementos the fake holds. Importing `pywb.utils.memento` loads neither gevent nor the app.
"""

from __future__ import annotations

from datetime import date

import httpx
import pytest
from fakeweb.archive_data import DEAD_ARTICLE, dead_article_captures, html_capture, redirect_capture
from fakeweb.timemaps import FakeMemGator, FakeTimemapArchive
from fakeweb.wayback import FakeWayback

wayback_lib = pytest.importorskip("wayback", reason="EDGI's wayback (a test extra) checks the fake CDX")
pywb_memento = pytest.importorskip("pywb.utils.memento", reason="pywb (a test extra) checks the fake TimeMaps")


@pytest.fixture
def fake_ia(fakeweb):
    return FakeWayback(dead_article_captures()).install(fakeweb)


@pytest.fixture
def edgi(fakeweb):
    """EDGI's client, through the fake web's proxy and trusting its CA only; no sleeping between requests."""
    session = wayback_lib.WaybackSession(retries=0, search_calls_per_second=0, memento_calls_per_second=0)
    session.trust_env = False
    session.proxies = {"http": fakeweb.proxy_url, "https": fakeweb.proxy_url}
    session.verify = fakeweb.ca_pem_path
    with wayback_lib.WaybackClient(session) as client:
        yield client


def test_edgi_search_pages_through_the_fake_cdx_with_its_resume_key(fake_ia, edgi, fakeweb):
    records = list(edgi.search(DEAD_ARTICLE, limit=2))
    assert [r.timestamp.strftime("%Y%m%d%H%M%S") for r in records] == [
        "20240401091233", "20240402101500", "20240403081000", "20240403200000", "20240404090000"]
    assert [r.statuscode for r in records] == [200, 301, 200, 404, None]  # the revisit row's "-"
    assert records[0].digest == dead_article_captures()[0].digest and records[0].mimetype == "text/html"
    assert sum(1 for r in fakeweb.requests if r.path.startswith("/cdx/")) == 3  # 2 + 2 + 1, by resume key


def test_edgi_search_with_filters_and_a_to_date(fake_ia, edgi):
    records = list(edgi.search(DEAD_ARTICLE, to_date=date(2024, 4, 3),
                               filter_field=["statuscode:[23]..", "!mimetype:warc/revisit"]))
    assert [r.statuscode for r in records] == [200, 301]


def test_edgi_follows_a_redirect_memento_through_wayback_steering(fake_ia, edgi):
    memento = edgi.get_memento(DEAD_ARTICLE, "20240402101500")
    assert memento.url == "https://kaztag.kz/" and memento.status_code == 200
    assert memento.timestamp.strftime("%Y%m%d%H%M%S") == "20240402101502"
    redirect = memento.history[0]
    assert redirect.status_code == 301 and redirect.headers["location"] == "https://kaztag.kz/"
    assert redirect.headers["server"] == "nginx"  # from x-archive-orig-server


def test_edgi_reads_an_archived_404_as_a_memento_and_refuses_an_inexact_time(fake_ia, edgi):
    memento = edgi.get_memento(DEAD_ARTICLE, "20240403200000")
    assert memento.status_code == 404 and memento.mode == "id_"
    with pytest.raises(wayback_lib.exceptions.MementoPlaybackError):
        edgi.get_memento(DEAD_ARTICLE, "20240401000000")  # Wayback steers elsewhere: not this time
    assert edgi.get_memento(DEAD_ARTICLE, "20240401000000", exact=False).timestamp.day == 1


def test_edgi_reads_the_view_mode_redirect_page(fake_ia, edgi):
    memento = edgi.get_memento(DEAD_ARTICLE, "20240402101500", mode=wayback_lib.Mode.view)
    assert memento.url == "https://kaztag.kz/" and memento.history[0].url == DEAD_ARTICLE


# --- TimeMaps through pywb's parser ------------------------------------------------------------------------------

def parsed(text: str) -> tuple[dict, list[tuple[str, str]]]:
    links = pywb_memento.MementoUtils.parse_links(text.strip())
    return links, [(m["url"], m["datetime"]) for m in links["mementos"]]


@pytest.fixture
def archives(fakeweb):
    today = FakeTimemapArchive("archive.ph", captures=[html_capture(DEAD_ARTICLE, "20240402070000", "A", "a")])
    arquivo = FakeTimemapArchive("arquivo.pt", style="pywb", captures=[
        html_capture(DEAD_ARTICLE, "20240401120000", "A", "a"),
        redirect_capture(DEAD_ARTICLE, "20240405120000", "https://kaztag.kz/")])
    return today.install(fakeweb), arquivo.install(fakeweb)


def test_every_fake_timemap_parses_with_pywb_to_the_mementos_held(fakeweb, fake_ia, archives):
    today, arquivo = archives
    with httpx.Client(**fakeweb.client_kwargs()) as client:
        for archive, uri_m, timemap in (
                (fake_ia, fake_ia.uri_m, f"https://web.archive.org/web/timemap/link/{DEAD_ARTICLE}"),
                (today, today.uri_m, today.timemap_prefix + DEAD_ARTICLE),
                (arquivo, arquivo.uri_m, arquivo.timemap_prefix + DEAD_ARTICLE)):
            links, mementos = parsed(client.get(timemap).text)
            assert mementos == [(uri_m(c), c.http_date) for c in archive.store.of(DEAD_ARTICLE)]
            assert links["original"]["url"] == DEAD_ARTICLE and "timegate" in links
            assert links["timemap"]["url"] == timemap  # rel="self" is keyed "timemap" by pywb


def test_memgators_timemap_and_a_memento_link_header_parse_with_pywb(fakeweb, fake_ia, archives):
    today, arquivo = archives
    with FakeMemGator(fakeweb, {"today": today.timemap_prefix, "arquivo": arquivo.timemap_prefix}) as gator:
        links, mementos = parsed(httpx.get(f"{gator.url}/timemap/link/{DEAD_ARTICLE}").text)
    assert [when for _, when in mementos] == ["Mon, 01 Apr 2024 12:00:00 GMT", "Tue, 02 Apr 2024 07:00:00 GMT",
                                              "Fri, 05 Apr 2024 12:00:00 GMT"]
    assert links["original"]["url"] == DEAD_ARTICLE
    with httpx.Client(**fakeweb.client_kwargs()) as client:
        header = client.get(f"https://web.archive.org/web/20240402101500id_/{DEAD_ARTICLE}").headers["link"]
    links, mementos = parsed(header)
    assert links["timemap"]["url"].endswith(f"/web/timemap/link/{DEAD_ARTICLE}")
    rels = [m["rel"] for m in links["mementos"]]
    assert rels[0].startswith("first") and "memento" in rels and rels[-1].startswith("last")
