"""The TimeMap archives (archive.today-like, Arquivo.pt-like pywb) and the fake MemGator answer as the real ones
do (design §1.4), over real sockets."""

from __future__ import annotations

import httpx
import pytest
from fakeweb.archive_data import DEAD_ARTICLE, html_capture, redirect_capture
from fakeweb.timemaps import FakeMemGator, FakeTimemapArchive, parse_link_mementos
from fakeweb.wayback import EMPTY, too_many_requests

ARTICLE_TEXT = "Суд Астаны арестовал журналиста.\nЗащита обжалует меру пресечения."


@pytest.fixture
def today(fakeweb):
    captures = [html_capture(DEAD_ARTICLE, "20240402070000", "Суд Астаны", ARTICLE_TEXT, charset="windows-1251")]
    return FakeTimemapArchive("archive.ph", style="archive.today", captures=captures).install(fakeweb)


@pytest.fixture
def arquivo(fakeweb):
    captures = [html_capture(DEAD_ARTICLE, "20240401120000", "Суд Астаны", ARTICLE_TEXT),
                redirect_capture(DEAD_ARTICLE, "20240405120000", "https://kaztag.kz/")]
    return FakeTimemapArchive("arquivo.pt", style="pywb", captures=captures).install(fakeweb)


@pytest.fixture
def client(fakeweb):
    with httpx.Client(**fakeweb.client_kwargs(), timeout=10) as client:
        yield client


def test_archive_today_lists_its_snapshots_in_a_link_timemap(today, client):
    answer = client.get(f"https://archive.ph/timemap/{DEAD_ARTICLE}")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/link-format"
    assert parse_link_mementos(answer.text) == [(f"https://archive.ph/20240402070000/{DEAD_ARTICLE}",
                                                 "Tue, 02 Apr 2024 07:00:00 GMT")]
    assert today.timemap_prefix == "https://archive.ph/timemap/"


def test_an_archive_today_snapshot_is_a_rendered_page_with_no_raw_mode(today, client):
    snapshot = today.store.all()[0]
    page = client.get(today.uri_m(snapshot))
    assert page.status_code == 200 and page.headers["memento-datetime"] == "Tue, 02 Apr 2024 07:00:00 GMT"
    assert "Защита обжалует меру пресечения" in page.text  # re-encoded from windows-1251 to UTF-8
    assert page.content != snapshot.body and 'id="HEADER"' in page.text
    assert client.get(today.short_uri(snapshot)).text == page.text
    assert client.get(f"https://archive.ph/20240402070000id_/{DEAD_ARTICLE}").status_code == 404
    assert today.raw_uri(snapshot) is None


def test_pywb_serves_a_raw_redirect_memento_with_its_archived_location(arquivo, client):
    moved = arquivo.store.all()[1]
    answer = client.get(arquivo.raw_uri(moved))
    assert answer.status_code == 301 and answer.headers["location"] == "https://kaztag.kz/"
    assert answer.headers["memento-datetime"] == "Fri, 05 Apr 2024 12:00:00 GMT"
    assert answer.headers["content-location"] == arquivo.raw_uri(moved)
    assert answer.headers["server"] == "nginx"  # archived headers as they were, not x-archive-orig-*
    article = arquivo.store.all()[0]
    assert client.get(arquivo.raw_uri(article)).content == article.body


def test_pywb_timemap_names_its_collection_and_no_memento_is_404_empty(arquivo, client):
    answer = client.get(f"https://arquivo.pt/wayback/timemap/link/{DEAD_ARTICLE}")
    assert 'collection="AWP"' in answer.text and answer.text.count("memento") == 2
    assert parse_link_mementos(answer.text)[0][0] == f"https://arquivo.pt/wayback/20240401120000/{DEAD_ARTICLE}"
    none = client.get("https://arquivo.pt/wayback/timemap/link/https://none.example/")
    assert none.status_code == 404 and none.content == b""


def test_timemap_archives_take_scripted_faults(today, client):
    today.script("timemap", too_many_requests("5"), EMPTY)
    assert client.get(f"https://archive.ph/timemap/{DEAD_ARTICLE}").status_code == 429
    assert client.get(f"https://archive.ph/timemap/{DEAD_ARTICLE}").content == b""
    assert client.get(f"https://archive.ph/timemap/{DEAD_ARTICLE}").status_code == 200


def test_memgator_merges_the_archives_timemaps_by_datetime(fakeweb, today, arquivo):
    archives = {"archive.ph": today.timemap_prefix, "arquivo.pt": arquivo.timemap_prefix}
    with FakeMemGator(fakeweb, archives) as gator:
        assert gator.url.startswith("http://127.0.0.1:")
        link = httpx.get(f"{gator.url}/timemap/link/{DEAD_ARTICLE}")
        data = httpx.get(f"{gator.url}/timemap/json/{DEAD_ARTICLE}").json()
        none = httpx.get(f"{gator.url}/timemap/link/https://none.example/")
    assert [when for _, when in parse_link_mementos(link.text)] == [
        "Mon, 01 Apr 2024 12:00:00 GMT", "Tue, 02 Apr 2024 07:00:00 GMT", "Fri, 05 Apr 2024 12:00:00 GMT"]
    assert link.text.startswith(f'<{DEAD_ARTICLE}>; rel="original",\n')
    assert [m["datetime"] for m in data["mementos"]["list"]] == [
        "2024-04-01T12:00:00Z", "2024-04-02T07:00:00Z", "2024-04-05T12:00:00Z"]
    assert data["mementos"]["first"]["uri"].startswith("https://arquivo.pt/wayback/20240401120000/")
    assert data["original_uri"] == DEAD_ARTICLE and "link_format" in data["timemap_uri"]
    assert none.status_code == 404
    assert {r.host for r in fakeweb.requests} == {"archive.ph", "arquivo.pt"}  # it asked them over the fake web


def test_memgator_leaves_out_an_archive_that_fails(fakeweb, today, arquivo):
    today.script("timemap", too_many_requests("60"))
    with FakeMemGator(fakeweb, {"a": today.timemap_prefix, "b": arquivo.timemap_prefix}) as gator:
        link = httpx.get(f"{gator.url}/timemap/link/{DEAD_ARTICLE}")
    assert [uri.split("/")[2] for uri, _ in parse_link_mementos(link.text)] == ["arquivo.pt", "arquivo.pt"]
