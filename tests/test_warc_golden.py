"""Whole WARC records, byte for byte, against golden files in tests/golden/.

With a fixed sequence of record ids and a fixed clock (`IdsAndClock`), the same capture writes the same bytes,
so a change to any header, its order or case, a digest or a body shows up here as a diff a reviewer can read:
the goldens are uncompressed WARC (each record as its gzip member holds it).

To regenerate them after a deliberate change of what a record holds:

    LINKVAULT_REGOLD=1 .venv/bin/python -m pytest -q tests/test_warc_golden.py

then read `git diff tests/golden/` before committing. Without LINKVAULT_REGOLD the goldens are only read, never
written, and a missing golden fails the test.
"""

from __future__ import annotations

import gzip
import itertools
import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from fakeweb import Response
from warcio.archiveiterator import ArchiveIterator

import linkvault
from linkvault.archive import FetchOptions
from linkvault.archive.warc import Body, HttpRequestHead, HttpResponseHead, IdsAndClock, WarcRecorder, warcinfo

GOLDEN = Path(__file__).parent / "golden"
START = datetime(2024, 4, 12, 9, 30, tzinfo=timezone.utc)

PAGE = ("<!doctype html><html lang=\"ru\"><head><meta charset=\"utf-8\"><title>Суд оставил штраф в силе</title></head>"
        "<body><article><h1>Суд оставил штраф в силе</h1><p>Районный суд Алматы 12 марта 2024 года рассмотрел "
        "апелляцию журналистки и оставил штраф в силе; её адвокат сказал, что они обратятся в Верховный суд.</p>"
        "</article></body></html>\n").encode("utf-8")
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "max-age=300"),
           ("Set-Cookie", "region=kz; Path=/"), ("set-cookie", "lang=ru; Path=/"), ("X-Frame-Options", "SAMEORIGIN")]


def fixed_ids_and_clock() -> IdsAndClock:
    """Record ids 1, 2, 3… as uuid URNs, and a clock that moves a quarter second each time it is read."""
    ids = itertools.count(1)
    ticks = itertools.count(0)
    return IdsAndClock(new_id=lambda: f"<urn:uuid:00000000-0000-4000-8000-{next(ids):012d}>",
                       now=lambda: START + timedelta(milliseconds=250 * next(ticks)), pid=4242)


def uncompressed_records(path: Path) -> list[tuple[str, bytes]]:
    """Each record of a .warc.gz as (WARC-Type, the record's whole bytes as its gzip member holds them)."""
    data = path.read_bytes()
    records = []
    with open(path, "rb") as fh:
        reader = ArchiveIterator(fh, no_record_parse=True)
        for record in reader:
            kind = record.rec_type
            reader.read_to_end()
            start, length = reader.get_record_offset(), reader.get_record_length()
            records.append((kind, gzip.decompress(data[start:start + length])))
    return records


def assert_matches_golden(name: str, actual: bytes) -> None:
    """`actual` must equal tests/golden/`name` byte for byte; LINKVAULT_REGOLD=1 writes it instead."""
    path = GOLDEN / name
    if os.environ.get("LINKVAULT_REGOLD") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(actual)
        return
    assert path.exists(), f"no golden {path}: run with LINKVAULT_REGOLD=1 to write it, then review it"
    expected = path.read_bytes()
    # Line by line first, so a failure reads as a diff of headers, then the bytes themselves.
    assert actual.decode("utf-8", "replace").splitlines(True) == expected.decode("utf-8", "replace").splitlines(True)
    assert actual == expected


def test_a_fetch_over_a_real_socket_writes_the_golden_response_and_request_records(tmp_path, fakeweb, tsa):
    """The run hands its ids and clock to every record it makes (the timestamped manifest and its token too), so
    a real fetch (through the fake web's proxy, whose server adds no Date or Server header) writes the same
    exchange every time."""
    url = "https://news.example/2024/04/court-upholds-fine"
    fakeweb.route_url(url, Response(200, list(HEADERS), PAGE))
    report = tmp_path / "sources.txt"
    report.write_text(url + "\n", encoding="utf-8")
    options = FetchOptions(proxy=fakeweb.proxy_url, ca_bundle=fakeweb.ca_pem_path, timeout=5.0, retries=0,
                           user_agent="linkvault-golden/1 (+https://github.com/linkvault/linkvault)",
                           tsa=(tsa.url,), ids_and_clock=fixed_ids_and_clock())
    result = linkvault.fetch([report], tmp_path / "vault", options, input_format="urls")
    assert [link.state for link in result.links] == ["ok"] and [bool(s.token) for s in result.stamps] == [True]
    [warc] = sorted((tmp_path / "vault" / "warc").glob("*.warc.gz"))
    assert warc.name == "linkvault-20240412093000-4242-00000.warc.gz"  # the run's name comes from the clock too
    records = uncompressed_records(warc)
    assert [kind for kind, _ in records[:4]] == ["warcinfo", "response", "request", "metadata"]
    assert [kind for kind, _ in records[-2:]] == ["resource", "resource"]  # the manifest and its token
    for _, record in records:  # every record's id and date, whoever made it, from the run's ids and clock
        head = record.split(b"\r\n\r\n", 1)[0].decode("utf-8").replace("\r\n", "\n")
        assert re.search(r"^WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-\d{12}>$", head, re.M), head
        assert re.search(r"^WARC-Date: 2024-04-12T09:30:\d\d(\.\d{6})?Z$", head, re.M), head
    assert_matches_golden("fetch-exchange.warc", records[1][1] + records[2][1])


def _exchange(recorder: WarcRecorder, url: str, payload: bytes, at: datetime) -> str:
    body = Body(1 << 20)
    body.write(payload)
    target = "/" + url.split("/", 3)[3]
    request = HttpRequestHead("GET", url, target, "HTTP/1.1", [
        ("Host", "news.example"), ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
        ("Accept-Encoding", "gzip, deflate"), ("Connection", "keep-alive"), ("User-Agent", "linkvault-golden/1")])
    response = HttpResponseHead(200, "OK", "HTTP/1.1", [*HEADERS, ("Transfer-Encoding", "chunked")])
    try:
        return recorder.write_exchange(request, response, body, fetched_at=at, ip="203.0.113.7").record_id
    finally:
        body.close()


def test_the_recorder_writes_the_golden_warc_whole(tmp_path):
    """Every kind of record a run makes (warcinfo, response, request, revisit, metadata, resource), one file, whole."""
    info = warcinfo(["reports/kz-chronicle-2024-04.txt"], {"timeout": 30.0, "collector": "A. Editor"},
                    "linkvault/golden")
    recorder = WarcRecorder(str(tmp_path), info, lambda digest: None, fixed_ids_and_clock())
    first = _exchange(recorder, "https://news.example/2024/04/court-upholds-fine", PAGE, START)
    _exchange(recorder, "https://news.example/amp/2024/04/court-upholds-fine", PAGE, START + timedelta(seconds=2))
    recorder.write_metadata(first, {"captured_at": "2024-04-12T09:30:00.000000Z", "collector": "A. Editor"})
    recorder.write_resource(f"urn:evidence:manifest:{recorder.run_id}", "application/json",
                            b'{"records": [], "reports": {}}\n')
    recorder.close()
    [warc] = sorted(tmp_path.glob("*.warc.gz"))
    records = uncompressed_records(warc)
    assert [kind for kind, _ in records] == ["warcinfo", "response", "request", "revisit", "request", "metadata",
                                             "resource"]
    assert_matches_golden("recorder.warc", b"".join(record for _, record in records))


def test_a_changed_header_fails_the_golden_comparison(tmp_path, monkeypatch):
    """The comparison is not vacuous: one header's value changed is a failure, and the golden is left as it was."""
    monkeypatch.delenv("LINKVAULT_REGOLD", raising=False)
    golden = (GOLDEN / "recorder.warc").read_bytes()
    changed = golden.replace(b"Cache-Control: max-age=300", b"Cache-Control: max-age=301", 1)
    assert changed != golden
    with pytest.raises(AssertionError):
        assert_matches_golden("recorder.warc", changed)
    with pytest.raises(AssertionError):  # a header dropped, too
        assert_matches_golden("recorder.warc", golden.replace(b"X-Frame-Options: SAMEORIGIN\r\n", b"", 1))
    assert (GOLDEN / "recorder.warc").read_bytes() == golden
