"""The fake web archives speak the services' formats (design §1), over real sockets through the fake web's proxy.

What issue 14's clients will be tested against must itself be right: each test here drives one fake with httpx
and reads its answer as a client of the real service would. The fidelity checks with maintained third-party
readers (EDGI's `wayback`, pywb's TimeMap parser) are in test_fake_archives_oracles.py; the TimeMap archives and
MemGator in test_fake_timemaps.py, Save Page Now in test_fake_spn.py.
"""

from __future__ import annotations

import gzip
import hashlib
from base64 import b32encode

import httpx
import pytest
from fakeweb.archive_data import (
    DEAD_ARTICLE,
    ArchivedCapture,
    dead_article_captures,
    html_capture,
    redirect_capture,
    urlkey,
)
from fakeweb.wayback import (
    EMPTY,
    FakeWayback,
    blocked_by_robots,
    blocked_site,
    connection_reset,
    retry_after_date,
    service_unavailable,
    too_many_requests,
)

CDX = "https://web.archive.org/cdx/search/cdx"
AVAILABLE = "https://archive.org/wayback/available"


@pytest.fixture
def wayback(fakeweb):
    return FakeWayback(dead_article_captures()).install(fakeweb)


@pytest.fixture
def client(fakeweb):
    with httpx.Client(**fakeweb.client_kwargs(), timeout=10) as client:
        yield client


def cdx_json(client, *params: tuple[str, str]) -> list[list[str]]:
    answer = client.get(CDX, params=[("url", DEAD_ARTICLE), ("output", "json"), *params])
    assert answer.status_code == 200, answer.text
    return answer.json()


# --- archive_data ------------------------------------------------------------------------------------------------

def test_digest_is_the_base32_sha1_of_the_payload_as_pywb_indexes_it():
    capture = ArchivedCapture("http://a.example/", "20240101000000", body=b"<html><title>A</title>hello</html>")
    assert capture.digest == "K3ZUOV2WI7CJPYWJUE2VEZAZVRZEKMRY"  # observed from pywb's indexer (design §1.1)


def test_urlkey_makes_http_https_and_www_variants_one_resource():
    assert urlkey("https://www.KazTag.kz/ru/x?b=1&a=2") == "kz,kaztag)/ru/x?a=2&b=1"
    assert urlkey("http://kaztag.kz/ru/x?a=2&b=1") == urlkey("https://www.kaztag.kz/ru/x?b=1&a=2")


def test_a_capture_refuses_a_short_timestamp_and_a_redirect_without_location():
    with pytest.raises(ValueError):
        ArchivedCapture("http://a.example/", "20240101")
    with pytest.raises(ValueError):
        ArchivedCapture("http://a.example/", "20240101000000", status=301)


# --- CDX ---------------------------------------------------------------------------------------------------------

def test_cdx_json_is_a_header_row_then_rows_of_strings_oldest_first(wayback, client):
    rows = cdx_json(client)
    assert rows[0] == ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
    assert [r[1] for r in rows[1:]] == ["20240401091233", "20240402101500", "20240403081000", "20240403200000",
                                        "20240404090000"]
    assert all(isinstance(cell, str) for row in rows for cell in row)
    revisit = rows[-1]
    assert revisit[3:5] == ["warc/revisit", "-"] and revisit[5] == rows[1][5]  # same payload as the article


def test_cdx_filters_match_the_whole_field_and_negate_with_a_bang(wayback, client):
    kept = cdx_json(client, ("filter", "statuscode:[23].."), ("filter", "!mimetype:warc/revisit"))
    assert [r[4] for r in kept[1:]] == ["200", "301", "200"]
    assert cdx_json(client, ("filter", "statuscode:2")) == []  # "2" never matches "200": the whole field


def test_cdx_to_bound_and_negative_limit_give_the_closest_before_a_day(wayback, client):
    rows = cdx_json(client, ("to", "20240403235959"), ("filter", "statuscode:[23].."),
                    ("filter", "!mimetype:warc/revisit"), ("limit", "-2"))
    assert [r[1] for r in rows[1:]] == ["20240402101500", "20240403081000"]
    assert [r[1] for r in cdx_json(client, ("from", "20240404"))[1:]] == ["20240404090000"]
    assert len(cdx_json(client, ("to", "2024"))) == 6  # a short bound names the last instant of its year


def test_cdx_collapse_keeps_the_first_of_adjacent_equal_rows(fakeweb, client):
    body = b"<html>same</html>"
    FakeWayback([ArchivedCapture(DEAD_ARTICLE, f"202404010{h}0000", body=body) for h in range(3)]
                + [ArchivedCapture(DEAD_ARTICLE, "20240402000000", body=b"other")]).install(fakeweb)
    assert [r[1] for r in cdx_json(client, ("collapse", "digest"))[1:]] == ["20240401000000", "20240402000000"]
    assert len(cdx_json(client, ("collapse", "timestamp:8"))) == 3  # by day: header + 2


def test_cdx_fl_chooses_fields_and_text_output_is_space_separated(wayback, client):
    rows = cdx_json(client, ("fl", "timestamp,statuscode,digest"), ("limit", "1"))
    assert rows[0] == ["timestamp", "statuscode", "digest"] and len(rows[1]) == 3
    text = client.get(CDX, params={"url": DEAD_ARTICLE, "limit": "2"}).text
    first = text.splitlines()[0].split(" ")
    assert first[:5] == ["kz,kaztag)/ru/news/x", "20240401091233", DEAD_ARTICLE, "text/html", "200"]
    assert len(text.splitlines()) == 2


def test_cdx_resume_key_pages_through_json_and_text(wayback, client):
    rows = cdx_json(client, ("limit", "2"), ("showResumeKey", "true"))
    assert rows[-2] == [] and len(rows[-1]) == 1 and len(rows) == 5  # header, 2 rows, [], [key]
    more = cdx_json(client, ("limit", "2"), ("resumeKey", rows[-1][0]))
    assert [r[1] for r in more[1:]] == ["20240403081000", "20240403200000"]
    text = client.get(CDX, params={"url": DEAD_ARTICLE, "limit": "4", "showResumeKey": "true"}).text
    lines = text.split("\n")
    assert lines[4] == "" and lines[5] == rows[-1][0].replace("20240402101500", "20240403200000")


def test_cdx_answers_gzip_unless_told_not_to(wayback, client):
    assert client.get(CDX, params={"url": DEAD_ARTICLE}).headers["content-encoding"] == "gzip"
    plain = client.get(CDX, params={"url": DEAD_ARTICLE, "gzip": "false"})
    assert "content-encoding" not in plain.headers and plain.text.startswith("kz,kaztag)")


def test_cdx_with_no_capture_answers_an_empty_array_and_a_bad_query_400(wayback, client):
    assert client.get(CDX, params={"url": "https://none.example/", "output": "json"}).text.strip() == "[]"
    assert client.get(CDX, params={"url": "https://none.example/"}).text == ""
    assert client.get(CDX, params={"output": "json"}).status_code == 400
    assert client.get(CDX, params={"url": DEAD_ARTICLE, "filter": "nosuch:1"}).status_code == 400


def test_cdx_matches_other_spellings_and_prefixes(wayback, client):
    for url in ("http://www.kaztag.kz/ru/news/x", "kaztag.kz/ru/news/x"):
        assert len(client.get(CDX, params={"url": url}).text.splitlines()) == 5
    prefix = client.get(CDX, params={"url": "kaztag.kz/ru/*"}).text.splitlines()
    host = client.get(CDX, params={"url": "kaztag.kz", "matchType": "host"}).text.splitlines()
    assert len(prefix) == 5 and len(host) == 6


# --- availability ------------------------------------------------------------------------------------------------

def test_availability_v1_names_the_closest_capture_with_a_string_status(wayback, client):
    answer = client.get(AVAILABLE, params={"url": DEAD_ARTICLE, "timestamp": "20240402120000",
                                           "closest": "before", "status_code": "200"}).json()
    closest = answer["archived_snapshots"]["closest"]
    assert closest == {"status": "200", "available": True, "timestamp": "20240401091233",
                       "url": f"http://web.archive.org/web/20240401091233/{DEAD_ARTICLE}"}
    after = client.get(AVAILABLE, params={"url": DEAD_ARTICLE, "timestamp": "20240402120000", "closest": "after"})
    assert after.json()["archived_snapshots"]["closest"]["timestamp"] == "20240403081000"
    none = client.get(AVAILABLE, params={"url": "https://none.example/"}).json()
    assert none["archived_snapshots"] == {}


def test_availability_v2_batch_maps_each_answer_to_its_tag(wayback, client):
    lines = [f"url={DEAD_ARTICLE}&timestamp=20240403235959&closest=before&statuscodes=200&statuscodes=203"
             "&statuscodes=206&tag=7",
             "url=https%3A%2F%2Fnone.example%2F&timestamp=20240403235959&closest=before&statuscodes=200&tag=8",
             "url=https%3A%2F%2Fkaztag.kz%2F&closest=after&timestamp=20240401&tag=9"]
    wayback.failing_items.add("https://kaztag.kz/")
    answer = client.post(AVAILABLE, content="\n".join(lines), headers={"Wayback-Api-Version": "2",
                                                                       "Content-Type": "text/plain"})
    results = {r["tag"]: r for r in answer.json()["results"]}
    assert results["7"]["archived_snapshots"]["closest"]["timestamp"] == "20240403081000"
    assert results["8"]["archived_snapshots"] == {}
    assert "archived_snapshots" not in results["9"]  # a failed item: ask again


# --- mementos and the TimeMap ------------------------------------------------------------------------------------

def test_an_exact_raw_memento_is_the_archived_bytes_with_memento_headers(wayback, client):
    article = dead_article_captures()[0]
    answer = client.get(f"https://web.archive.org/web/{article.timestamp}id_/{DEAD_ARTICLE}")
    assert answer.status_code == 200 and answer.content == article.body
    assert answer.headers["memento-datetime"] == "Mon, 01 Apr 2024 09:12:33 GMT"
    assert answer.headers["x-archive-orig-server"] == "nginx"
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert {"original", "timemap", "timegate", "first memento"} <= set(answer.links)
    assert answer.links["original"]["url"] == DEAD_ARTICLE


def test_a_redirect_capture_replays_as_its_3xx_into_the_archive_and_steering_has_no_memento_datetime(
        wayback, client):
    answer = client.get(f"https://web.archive.org/web/20240402101500id_/{DEAD_ARTICLE}")
    assert answer.status_code == 301 and "memento-datetime" in answer.headers
    assert answer.headers["location"] == "https://web.archive.org/web/20240402101500id_/https://kaztag.kz/"
    steered = client.get(answer.headers["location"])
    assert steered.status_code == 302 and "memento-datetime" not in steered.headers
    assert steered.headers["location"] == "https://web.archive.org/web/20240402101502id_/https://kaztag.kz/"
    assert client.get(steered.headers["location"]).status_code == 200


def test_an_inexact_timestamp_steers_to_the_nearest_and_no_capture_is_a_404(wayback, client):
    answer = client.get(f"https://web.archive.org/web/20240401id_/{DEAD_ARTICLE}")
    assert answer.status_code == 302 and "memento-datetime" not in answer.headers
    assert "/web/20240401091233id_/" in answer.headers["location"]
    missing = client.get("https://web.archive.org/web/20240401000000id_/https://none.example/")
    assert missing.status_code == 404 and "memento-datetime" not in missing.headers


def test_replay_mode_adds_a_banner_and_shows_a_historical_redirect_as_a_page(wayback, client):
    page = client.get(f"https://web.archive.org/web/20240401091233/{DEAD_ARTICLE}")
    assert b"WAYBACK TOOLBAR" in page.content and page.content != dead_article_captures()[0].body
    moved = client.get(f"https://web.archive.org/web/20240402101500/{DEAD_ARTICLE}")
    assert moved.status_code == 200 and "Got an HTTP 301 response at crawl time" in moved.text
    assert 'href="https://web.archive.org/web/20240402101500/https://kaztag.kz/"' in moved.text


def test_the_wayback_timemap_lists_every_capture_and_none_is_404_empty(wayback, client):
    text = client.get(f"https://web.archive.org/web/timemap/link/{DEAD_ARTICLE}").text
    assert text.startswith(f'<{DEAD_ARTICLE}>; rel="original",\n')
    assert text.count('memento"; datetime="') == 5 and 'rel="first memento"' in text
    none = client.get("https://web.archive.org/web/timemap/link/https://none.example/")
    assert none.status_code == 404 and none.content == b""


# --- scripted faults ---------------------------------------------------------------------------------------------

def test_scripted_faults_come_first_then_normal_answers_and_all_are_logged(wayback, fakeweb, client):
    wayback.script("cdx", too_many_requests("2"), service_unavailable(), EMPTY)
    statuses = [client.get(CDX, params={"url": DEAD_ARTICLE, "output": "json"}) for _ in range(4)]
    assert [a.status_code for a in statuses] == [429, 503, 200, 200]
    assert statuses[0].headers["retry-after"] == "2"
    assert statuses[2].text.strip() == "[]" and len(statuses[3].json()) == 6
    assert [r.status for r in fakeweb.requests if r.host == "web.archive.org"] == [429, 503, 200, 200]


def test_retry_after_as_an_http_date_an_empty_availability_answer_and_a_blocked_site(wayback, client):
    wayback.script("available", too_many_requests(retry_after_date(30), html=True), EMPTY)
    limited = client.get(AVAILABLE, params={"url": DEAD_ARTICLE})
    assert limited.status_code == 429 and limited.headers["retry-after"].endswith(" GMT")
    assert limited.headers["content-type"] == "text/html"
    assert client.get(AVAILABLE, params={"url": DEAD_ARTICLE}).json() == {}
    wayback.script("cdx", blocked_site(), blocked_by_robots())
    assert "AdministrativeAccessControlException" in client.get(CDX, params={"url": DEAD_ARTICLE}).text
    assert "RobotAccessControlException" in client.get(CDX, params={"url": DEAD_ARTICLE}).text


def test_a_scripted_reset_drops_the_connection(wayback, client):
    wayback.script("memento", connection_reset())
    with pytest.raises(httpx.TransportError):
        client.get(f"https://web.archive.org/web/20240401091233id_/{DEAD_ARTICLE}")
    assert client.get(f"https://web.archive.org/web/20240401091233id_/{DEAD_ARTICLE}").status_code == 200


def test_a_gzipped_original_replays_its_gzip_bytes_with_the_coding_only_in_an_archived_header(fake_wayback, client):
    """The Internet Archive's mislabel (EDGI's client patches urllib3 for it: web-monitoring-processing#309): the
    payload is the gzip stream as received, and no Content-Encoding says so."""
    zipped = gzip.compress(b"<html><body>archived</body></html>", mtime=0)
    fake_wayback.add(ArchivedCapture(DEAD_ARTICLE, "20240401000000", body=zipped,
                                     headers=[("Content-Type", "text/html"), ("Content-Encoding", "gzip")]))
    answer = client.get(f"https://web.archive.org/web/20240401000000id_/{DEAD_ARTICLE}")
    assert answer.content == zipped and answer.content[:2] == b"\x1f\x8b"
    assert "content-encoding" not in answer.headers
    assert answer.headers["x-archive-orig-content-encoding"] == "gzip"
    row = cdx_json(client)[1]
    assert row[5] == b32encode(hashlib.sha1(zipped).digest()).decode()  # the digest keeps the content coding


def test_captures_added_later_are_served_at_once(wayback, client):
    wayback.add(html_capture(DEAD_ARTICLE, "20240501000000", "Later", "later"))
    wayback.add(redirect_capture("https://kaztag.kz/old", "20240501000000", "/ru/news/x"))
    assert cdx_json(client, ("from", "202405"))[1][1] == "20240501000000"
    moved = client.get("https://web.archive.org/web/20240501000000id_/https://kaztag.kz/old")
    assert moved.headers["location"] == f"https://web.archive.org/web/20240501000000id_/{DEAD_ARTICLE}"


def test_the_digest_cdx_publishes_is_that_of_the_bytes_the_raw_memento_returns(wayback, client):
    for row in cdx_json(client, ("filter", "statuscode:200"))[1:]:
        body = client.get(f"https://web.archive.org/web/{row[1]}id_/{row[2]}").content
        assert b32encode(hashlib.sha1(body).digest()).decode() == row[5]
