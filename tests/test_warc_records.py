"""An exchange's records, laid out by linkvault (archive/warc_records.py), are byte for byte the gzip members warcio's
writer makes of the same exchange: response, revisit, request and metadata, over every shape of body and header that
changes a record (empty, cut at the cap, bigger than a compressed piece and than the spool, a header not in ASCII, a
chunked one renamed, a secret withheld, no address)."""

from __future__ import annotations

import io
import itertools
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders

from linkvault.archive.redaction import REDACTED, redaction_note
from linkvault.archive.warc import (
    Body,
    HttpRequestHead,
    HttpResponseHead,
    IdsAndClock,
    WarcFile,
    WarcRecorder,
    recorded_headers,
)

START = datetime(2024, 4, 12, 9, 30, tzinfo=timezone.utc)
PAGE = ("<!doctype html><html lang=\"ru\"><head><meta charset=\"utf-8\"><title>Суд оставил штраф в силе</title></head>"
        "<body><p>Районный суд Алматы 12 марта 2024 года рассмотрел апелляцию.</p></body></html>\n").encode()


def _ids_and_clock() -> IdsAndClock:
    ids, ticks = itertools.count(1), itertools.count(0)
    return IdsAndClock(new_id=lambda: f"<urn:uuid:00000000-0000-4000-8000-{next(ids):012d}>",
                       now=lambda: START + timedelta(milliseconds=250 * next(ticks)), pid=4242)


def _warcio_exchange(warc: WarcFile, request: HttpRequestHead, response: HttpResponseHead, body: Body, date: str,
                     ip: str | None, earlier: tuple[str, str] | None) -> None:
    """The exchange as linkvault wrote it through warcio's writer before (the reference)."""
    writer = warc._writer
    common = {"WARC-Date": date, **({"WARC-IP-Address": ip} if ip else {})}
    http = StatusAndHeaders(f"{response.status} {response.reason}".strip(), recorded_headers(response.headers),
                            protocol=response.http_version)
    digest = body.digest if body.size or not body.truncated else None
    if earlier:
        record = writer.create_revisit_record(request.url, digest, earlier[0], earlier[1], http_headers=http,
                                              warc_headers_dict={**common, **redaction_note(response.headers)})
    else:
        headers = {**common, **redaction_note(response.headers)}
        headers |= {"WARC-Truncated": "length"} if body.truncated else {}
        headers |= {"WARC-Payload-Digest": digest} if digest else {}
        body.file.seek(0)
        record = writer.create_warc_record(request.url, "response", payload=body.file, length=body.size,
                                           http_headers=http, warc_headers_dict=headers)
    warc._write(record)
    req_http = StatusAndHeaders(f"{request.method} {request.target} {request.http_version}", request.headers,
                                is_http_request=True)
    warc._write(writer.create_warc_record(request.url, "request", http_headers=req_http, warc_headers_dict={
        **common, "WARC-Concurrent-To": record.rec_headers.get_header("WARC-Record-ID"),
        **redaction_note(request.headers)}))


def _warcio_metadata(warc: WarcFile, refers_to: str, payload: bytes, date: str) -> None:
    warc._write(warc._writer.create_warc_record(
        "", "metadata", payload=io.BytesIO(payload), length=len(payload), warc_content_type="application/json",
        warc_headers_dict={"WARC-Refers-To": refers_to, "WARC-Date": date}))


def _body(data: bytes, cap: int | None = None) -> Body:
    body = Body(len(data) if cap is None else cap)
    for start in range(0, len(data), 5000):
        if not body.write(data[start:start + 5000]):
            break
    return body


CASES = {
    "a small page": (PAGE, None, [("Content-Type", "text/html; charset=utf-8"), ("Set-Cookie", "region=kz")], "10.0.0.7"),
    "an empty body, no address": (b"", None, [("Content-Length", "0")], None),
    "a body cut at the cap": (PAGE * 40, 3000, [("Content-Type", "text/html")], "10.0.0.7"),
    "bigger than a piece and the spool": (PAGE * 9000, None, [("Transfer-Encoding", "chunked")], "2001:db8::7"),
    "a header not in ASCII": (PAGE, None, [("Content-Disposition", "inline; filename=\"суд.html\""),
                                           ("X-Title", "Суд")], "10.0.0.7"),
    "a secret withheld": (PAGE, None, [("Set-Cookie", REDACTED), ("Content-Type", "text/html")], "10.0.0.7"),
}


@pytest.mark.parametrize("case", CASES)
def test_an_exchange_s_records_are_the_bytes_warcio_writes(tmp_path: Path, case: str):
    data, cap, headers, ip = CASES[case]
    request = HttpRequestHead("GET", "https://vlast.kz/novosti/1?utm=x", "/novosti/1?utm=x", "HTTP/1.1",
                              [("Host", "vlast.kz"), ("Cookie", REDACTED), ("Accept", "*/*")])
    response = HttpResponseHead(200, "OK", "HTTP/1.1", headers)
    fetched = START + timedelta(seconds=3)
    facts = {"url": request.url, "chain": ["-----BEGIN CERTIFICATE-----\n" + "A" * 20000], "note": "Суд"}
    files = []
    for name, ours in (("ours", True), ("warcio", False)):
        seen: dict[str, tuple[str, str]] = {}
        with WarcRecorder(str(tmp_path / name), {"software": "linkvault"}, seen.get, _ids_and_clock()) as recorder:
            for again in (False, True):  # the second time, the same payload: a revisit
                body = _body(data, cap)
                try:
                    if ours:
                        location = recorder.write_exchange(request, response, body, fetched_at=fetched, ip=ip)
                        recorder.write_metadata(location.record_id, json.dumps(facts, ensure_ascii=False, indent=1))
                        seen[location.payload_digest or ""] = (request.url, "2024-04-12T09:30:03.000000Z")
                    else:
                        warc = recorder._current()
                        earlier = seen.get(body.digest) if again and body.size else None
                        _warcio_exchange(warc, request, response, body, "2024-04-12T09:30:03.000000Z", ip, earlier)
                        _warcio_metadata(warc, f"<urn:uuid:00000000-0000-4000-8000-{3 * again + 2:012d}>",
                                         json.dumps(facts, ensure_ascii=False, indent=1).encode(),
                                         recorder.ids_and_clock.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
                        seen[body.digest] = (request.url, "2024-04-12T09:30:03.000000Z")
                finally:
                    body.close()
        files.append(b"".join(p.read_bytes() for p in sorted((tmp_path / name).iterdir())))
    assert files[0] == files[1]


def test_record_ids_are_random_version_4_uuid_urns():
    from uuid import RFC_4122, UUID

    from linkvault.archive.warc import IdsAndClock

    ids = [IdsAndClock().new_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    for record_id in ids:
        assert record_id.startswith("<urn:uuid:") and record_id.endswith(">")
        uuid = UUID(record_id[len("<urn:uuid:"):-1])
        assert (uuid.version, uuid.variant, f"<urn:uuid:{uuid}>") == (4, RFC_4122, record_id)
