"""Reading what archives answer into candidates (issue 14): the Wayback CDX server's JSON, the availability
API (one answer and the batched v2), and RFC 7089 TimeMaps, checked against pywb's own link parser.

The answers here are written as the services send them (the design notes quote each source); an answer that is
not what its format says is untrusted input, read as far as it makes sense and never raised."""

from __future__ import annotations

import json

import pytest

from linkvault.archive.webarchives.listings import (
    availability_candidates,
    cdx_candidates,
    iso_of_timestamp,
    parse_links,
    raw_memento,
    timemap_candidates,
)

URL = "https://kaztag.kz/ru/news/x"
CDX = json.dumps([
    ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"],
    ["kz,kaztag)/ru/news/x", "20240401091233", URL, "text/html", "200", "K3ZUOV2WI7CJPYWJUE2VEZAZVRZEKMRY", "5123"],
    ["kz,kaztag)/ru/news/x", "20240402080000", "http://kaztag.kz/ru/news/x", "text/html", "301",
     "3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ", "412"],
    ["kz,kaztag)/ru/news/x", "20240404090000", URL, "warc/revisit", "-", "K3ZUOV2WI7CJPYWJUE2VEZAZVRZEKMRY", "-"],
    [], ["kz,kaztag)/ru/news/x 20240404090000"],  # showResumeKey's tail
])
TIMEMAP = """<https://kaztag.kz/ru/news/x>; rel="original",
<https://arquivo.pt/wayback/timemap/link/https://kaztag.kz/ru/news/x>; rel="self"; type="application/link-format"; from="Mon, 01 Apr 2024 09:12:33 GMT",
<https://arquivo.pt/wayback/https://kaztag.kz/ru/news/x>; rel="timegate",
<https://arquivo.pt/wayback/20240401091233/https://kaztag.kz/ru/news/x>; rel="first memento"; datetime="Mon, 01 Apr 2024 09:12:33 GMT"; collection="awp",
<https://arquivo.pt/wayback/20240405081500mp_/https://kaztag.kz/ru/news/x?a=1,2>; rel="memento"; datetime="Fri, 05 Apr 2024 08:15:00 GMT",
<https://arquivo.pt/wayback/20240403000000/https://kaztag.kz/ru/news/x>; rel="memento"; datetime="not a date",
<javascript:alert(1)>; rel="memento"; datetime="Fri, 05 Apr 2024 08:15:00 GMT",
<https://arquivo.pt/wayback/timemap/link/2/https://kaztag.kz/ru/news/x>; rel="timemap"; from="Sat, 06 Apr 2024 00:00:00 GMT"
"""


def test_a_cdx_answer_gives_each_capture_with_its_listed_status_digest_and_raw_uri():
    found = cdx_candidates(CDX, URL)
    assert [(c.memento_at, c.listed_status, c.listed_mimetype) for c in found] == [
        ("2024-04-01T09:12:33Z", 200, "text/html"), ("2024-04-02T08:00:00Z", 301, "text/html"),
        ("2024-04-04T09:00:00Z", None, "warc/revisit")]
    first = found[0]
    assert first.uri_m == f"https://web.archive.org/web/20240401091233/{URL}"
    assert first.raw_uri == f"https://web.archive.org/web/20240401091233id_/{URL}"
    assert first.listed_digest == "K3ZUOV2WI7CJPYWJUE2VEZAZVRZEKMRY" and first.found_by == "cdx"
    assert found[1].uri_m.endswith("/http://kaztag.kz/ru/news/x")  # the original as archived, not as cited
    assert {c.url for c in found} == {URL}


@pytest.mark.parametrize("body", ["", "[]", json.dumps([["urlkey", "timestamp", "original"]]), "{}", "<html>503",
                                  json.dumps([["timestamp"], ["2024"], ["20241399000000"]])])
def test_an_empty_header_only_or_broken_cdx_answer_is_no_capture_not_an_error(body):
    assert cdx_candidates(body, URL) == []


def test_the_availability_api_one_answer_and_a_v2_batch_by_tag_with_a_failed_item_left_to_ask_again():
    one = json.dumps({"url": URL, "archived_snapshots": {"closest": {
        "available": True, "url": f"http://web.archive.org/web/20240401091233/{URL}", "timestamp": "20240401091233",
        "status": "200"}}})
    [candidate] = availability_candidates(one, url=URL)[URL]
    assert (candidate.memento_at, candidate.listed_status, candidate.found_by) == ("2024-04-01T09:12:33Z", 200,
                                                                                  "availability")
    assert candidate.raw_uri == f"https://web.archive.org/web/20240401091233id_/{URL}"
    batch = json.dumps({"results": [
        {"tag": "0", "archived_snapshots": {"closest": {"available": True, "timestamp": "20240402000000",
                                                          "status": "200", "url": "x"}}},
        {"tag": "1", "archived_snapshots": {}},
        {"tag": "2"},  # failed: no archived_snapshots at all
        {"tag": "9", "archived_snapshots": {}}]})  # a tag we never sent
    urls = {"0": "https://a.example/1", "1": "https://a.example/2", "2": "https://a.example/3"}
    found = availability_candidates(batch, urls_by_tag=urls)
    assert sorted(found) == ["https://a.example/1", "https://a.example/2"]
    assert found["https://a.example/2"] == [] and found["https://a.example/1"][0].memento_at == "2024-04-02T00:00:00Z"
    assert availability_candidates("{}", url=URL) == {} and availability_candidates("oops", url=URL) == {}


def test_a_timemap_gives_its_mementos_oldest_first_and_skips_what_is_not_one():
    found = timemap_candidates(TIMEMAP, URL, "arquivo.pt")
    assert [(c.memento_at, c.uri_m) for c in found] == [
        ("2024-04-01T09:12:33Z", "https://arquivo.pt/wayback/20240401091233/https://kaztag.kz/ru/news/x"),
        ("2024-04-05T08:15:00Z", "https://arquivo.pt/wayback/20240405081500mp_/https://kaztag.kz/ru/news/x?a=1,2")]
    assert found[1].raw_uri == "https://arquivo.pt/wayback/20240405081500id_/https://kaztag.kz/ru/news/x?a=1,2"
    assert {c.archive for c in found} == {"arquivo.pt"} and {c.found_by for c in found} == {"timemap"}


def test_our_link_reader_reads_every_fixture_as_pywbs_does():
    """pywb's MementoUtils.parse_links is the maintained parser (a test-only dependency): ours must agree."""
    memento = pytest.importorskip("pywb.utils.memento")
    theirs = memento.MementoUtils.parse_links(TIMEMAP)
    ours = list(parse_links(TIMEMAP))
    assert [uri for uri, p in ours if p.get("rel") == "original"] == [theirs["original"]["url"]]
    assert [(uri, p.get("datetime")) for uri, p in ours if "memento" in p.get("rel", "").split()] == \
        [(m["url"], m["datetime"]) for m in theirs["mementos"]]


def test_an_aggregators_timemap_names_each_mementos_own_archive():
    body = ('<http://web.archive.org/web/20240401091233/https://a.example/x>; rel="memento"; '
            'datetime="Mon, 01 Apr 2024 09:12:33 GMT",\n'
            '<https://archive.ph/20240402000000/https://a.example/x>; rel="last memento"; '
            'datetime="Tue, 02 Apr 2024 00:00:00 GMT"\n')
    found = timemap_candidates(body, "https://a.example/x", "", found_by="memgator")
    assert [(c.archive, c.raw_uri) for c in found] == [
        ("web.archive.org", "http://web.archive.org/web/20240401091233id_/https://a.example/x"),
        ("archive.ph", None)]  # archive.today has no raw mode


def test_garbage_between_links_is_skipped_and_reading_stops_at_the_row_cap(monkeypatch):
    from linkvault.archive.webarchives import listings

    body = 'junk <https://a.example/1>; rel="memento"; datetime="Mon, 01 Apr 2024 09:12:33 GMT" ;; ?? ' \
           '<https://a.example/2>; rel=memento; datetime="Tue, 02 Apr 2024 09:12:33 GMT"'
    assert [uri for uri, _ in parse_links(body)] == ["https://a.example/1", "https://a.example/2"]
    assert [c.uri_m for c in timemap_candidates(body, "u", "a.example")] == ["https://a.example/1",
                                                                            "https://a.example/2"]
    monkeypatch.setattr(listings, "MAX_ROWS", 3)
    many = ",\n".join(f'<https://a.example/{n}>; rel="memento"; datetime="Mon, 01 Apr 2024 09:12:33 GMT"'
                      for n in range(10))
    assert len(list(parse_links(many))) == 3


def test_timestamps_and_raw_uris_of_each_kind_of_archive():
    assert iso_of_timestamp("20240229235959") == "2024-02-29T23:59:59Z"
    assert iso_of_timestamp("20230229000000") is None and iso_of_timestamp("2024") is None
    assert raw_memento("https://web.archive.org/web/20240401091233/https://a.example/x") == \
        "https://web.archive.org/web/20240401091233id_/https://a.example/x"
    assert raw_memento("https://web.archive.org/web/20240401091233im_/https://a.example/x.png") == \
        "https://web.archive.org/web/20240401091233id_/https://a.example/x.png"
    assert raw_memento("https://webarchive.loc.gov/all/20240401091233/https://a.example/x") == \
        "https://webarchive.loc.gov/all/20240401091233id_/https://a.example/x"
    assert raw_memento("https://archive.ph/20240401091233/https://a.example/x") is None
    assert raw_memento("https://archive.ph/AbCd1") is None
