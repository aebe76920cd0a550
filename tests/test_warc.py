"""The WARC recorder on its own: records as the spec wants them, read back by warcio and pywb."""

from __future__ import annotations

import gzip
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import httpx
from replay import pywb
from warcio.archiveiterator import ArchiveIterator

from linkvault.archive.warc import Body, HttpRequestHead, HttpResponseHead, WarcRecorder
from linkvault.archive.warc_recovery import recover_open_files

PAGE = "<html><head><title>Арест журналиста</title></head><body><p>Журналист арестован в Астане.</p></body></html>".encode()


def _exchange(recorder, url, body_bytes, headers=None, status=200, max_size=1 << 20):
    body = Body(max_size)
    body.write(body_bytes)
    request = HttpRequestHead("GET", url, "/" + url.split("/", 3)[-1], "HTTP/1.1", [("Host", "kaztag.kz"), ("User-Agent", "t")])
    response = HttpResponseHead(status, "OK", "HTTP/1.1", headers or [("Content-Type", "text/html; charset=utf-8")])
    location = recorder.write_exchange(request, response, body, fetched_at=datetime.now(timezone.utc), ip="203.0.113.5")
    body.close()
    return location


def _records(path: Path):
    with open(path, "rb") as fh:
        return [(r.rec_type, r.rec_headers, r.http_headers, r.content_stream().read()) for r in ArchiveIterator(fh)]


def _recorder(tmp_path, seen=None):
    return WarcRecorder(str(tmp_path / "warc"), {"software": "linkvault/test"}, lambda digest: (seen or {}).get(digest))


def _warc_files(tmp_path):
    return sorted((tmp_path / "warc").glob("*.warc.gz"))


def test_exchange_is_a_response_and_request_pair_linked_by_concurrent_to(tmp_path):
    recorder = _recorder(tmp_path)
    loc = _exchange(recorder, "https://kaztag.kz/ru/news/a", PAGE)
    recorder.close()
    [warc] = _warc_files(tmp_path)
    records = _records(warc)
    assert [r[0] for r in records] == ["warcinfo", "response", "request"]
    response, request = records[1][1], records[2][1]
    assert request.get_header("WARC-Concurrent-To") == response.get_header("WARC-Record-ID") == loc.record_id
    assert response.get_header("WARC-IP-Address") == "203.0.113.5"
    assert response.get_header("WARC-Payload-Digest").startswith("sha256:")
    assert response.get_header("WARC-Block-Digest").startswith("sha256:")
    assert records[1][3] == PAGE
    assert records[0][1].get_header("WARC-Type") == "warcinfo"


def test_location_points_at_the_response_record(tmp_path):
    recorder = _recorder(tmp_path)
    loc = _exchange(recorder, "https://kaztag.kz/ru/news/a", PAGE)
    recorder.close()
    data = (tmp_path / "warc" / loc.file).read_bytes()[loc.offset: loc.offset + loc.length]
    member = gzip.decompress(data)
    assert member.startswith(b"WARC/1.1\r\n") and b"WARC-Type: response" in member and PAGE in member


def test_chunked_header_is_renamed_because_the_body_is_stored_dechunked(tmp_path):
    recorder = _recorder(tmp_path)
    _exchange(recorder, "https://kaztag.kz/a", PAGE, headers=[("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")])
    recorder.close()
    http = _records(_warc_files(tmp_path)[0])[1][2]
    assert http.get_header("Transfer-Encoding") is None
    assert http.get_header("X-Linkvault-Orig-Transfer-Encoding") == "chunked"


def test_header_order_and_case_are_kept(tmp_path):
    recorder = _recorder(tmp_path)
    headers = [("x-ZZZ", "1"), ("Content-Type", "text/html"), ("set-cookie", "a=1"), ("Set-Cookie", "b=2")]
    _exchange(recorder, "https://kaztag.kz/a", PAGE, headers=headers)
    recorder.close()
    assert _records(_warc_files(tmp_path)[0])[1][2].headers == headers


def test_body_over_the_cap_is_truncated_and_marked(tmp_path):
    recorder = _recorder(tmp_path)
    _exchange(recorder, "https://kaztag.kz/big", b"x" * 5000, max_size=1000)
    recorder.close()
    rec = _records(_warc_files(tmp_path)[0])[1]
    assert rec[1].get_header("WARC-Truncated") == "length"
    assert len(rec[3]) == 1000


def test_identical_payload_becomes_a_revisit(tmp_path):
    recorder = _recorder(tmp_path)
    _exchange(recorder, "https://rus.azattyq.org/a/1.html", PAGE)
    second = _exchange(recorder, "https://rus.azattyq.org/a/1.html?fbclid=x", PAGE)
    recorder.close()
    records = _records(_warc_files(tmp_path)[0])
    revisit = records[3]
    assert revisit[0] == "revisit"
    assert revisit[1].get_header("WARC-Refers-To-Target-URI") == "https://rus.azattyq.org/a/1.html"
    assert revisit[1].get_header("WARC-Profile").endswith("/warc/1.1/revisit/identical-payload-digest")
    assert second.revisit_of == "https://rus.azattyq.org/a/1.html"


def test_payload_known_from_the_vault_becomes_a_revisit_across_runs(tmp_path):
    first = _recorder(tmp_path)
    loc = _exchange(first, "https://kaztag.kz/a", PAGE)
    first.close()
    second = _recorder(tmp_path, seen={loc.payload_digest: ("https://kaztag.kz/a", "2026-01-01T00:00:00Z")})
    again = _exchange(second, "https://kaztag.kz/a", PAGE)
    second.close()
    assert again.revisit_of == "https://kaztag.kz/a"


def test_open_file_is_renamed_only_when_closed(tmp_path):
    recorder = _recorder(tmp_path)
    _exchange(recorder, "https://kaztag.kz/a", PAGE)
    assert not _warc_files(tmp_path) and list((tmp_path / "warc").glob("*.warc.gz.open"))
    recorder.close()
    assert _warc_files(tmp_path)


def test_interrupted_file_is_cut_back_to_its_last_whole_record(tmp_path):
    recorder = _recorder(tmp_path)
    _exchange(recorder, "https://kaztag.kz/a", PAGE)
    _exchange(recorder, "https://kaztag.kz/b", PAGE + b"second page")
    recorder._file._fh.close()  # the process dies: the file stays .open
    [open_file] = list((tmp_path / "warc").glob("*.open"))
    whole = open_file.stat().st_size
    with open(open_file, "ab") as fh:  # a record torn mid-write, as kill -9 would leave it
        fh.write(gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\nContent-Length: 9999\r\n\r\npartial")[:40])
    recovered = recover_open_files(str(tmp_path / "warc"))
    [warc] = _warc_files(tmp_path)
    assert recovered == [str(warc)]
    assert warc.stat().st_size == whole
    assert [r[0] for r in _records(warc)] == ["warcinfo", "response", "request", "response", "request"]
    proc = subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(warc)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_recorder_left_by_an_exception_closes_its_file_cut_back_to_its_last_whole_record(tmp_path):
    """The recorder as a context manager: Ctrl-C (or a full disk) while a record is half written leaves a closed
    WARC of whole records, and no open file behind (which would warn when collected)."""
    import gc
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        try:
            with _recorder(tmp_path) as recorder:
                _exchange(recorder, "https://kaztag.kz/a", PAGE)
                _exchange(recorder, "https://kaztag.kz/b", PAGE + b"second page")
                [open_file] = list((tmp_path / "warc").glob("*.open"))
                whole = open_file.stat().st_size
                recorder._file._fh.write(gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\n\r\npartial")[:40])
                raise KeyboardInterrupt
        except KeyboardInterrupt:
            pass
        del recorder
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
    assert list((tmp_path / "warc").glob("*.open")) == []
    [warc] = _warc_files(tmp_path)
    assert warc.stat().st_size == whole
    assert [r[0] for r in _records(warc)] == ["warcinfo", "response", "request", "response", "request"]
    proc = subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(warc)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_recorder_whose_block_ends_well_closes_its_file(tmp_path):
    with _recorder(tmp_path) as recorder:
        _exchange(recorder, "https://kaztag.kz/a", PAGE)
    assert list((tmp_path / "warc").glob("*.open")) == []
    [warc] = _warc_files(tmp_path)
    assert [r[0] for r in _records(warc)] == ["warcinfo", "response", "request"]


def test_written_warcs_pass_warcio_check_and_index(tmp_path):
    recorder = _recorder(tmp_path)
    for n in range(3):
        _exchange(recorder, f"https://kaztag.kz/{n}", PAGE + str(n).encode())
    _exchange(recorder, "https://kaztag.kz/dup", PAGE + b"0")
    recorder.close()
    [warc] = _warc_files(tmp_path)
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", "-v", str(warc)], capture_output=True, text=True)
    assert check.returncode == 0 and "digest pass" in check.stdout
    index = subprocess.run([sys.executable, "-m", "warcio.cli", "index", str(warc)], capture_output=True, text=True)
    assert index.returncode == 0 and index.stdout.count("\n") == 9


def test_pywb_replays_the_recorded_body(tmp_path):
    recorder = _recorder(tmp_path)
    _exchange(recorder, "https://kaztag.kz/ru/news/arest", PAGE)
    recorder.close()
    work = tmp_path / "pywb"
    work.mkdir()
    with pywb(_warc_files(tmp_path), work) as base:
        response = httpx.get(f"{base}/id_/https://kaztag.kz/ru/news/arest", timeout=30)
    assert response.status_code == 200
    assert response.content == PAGE
