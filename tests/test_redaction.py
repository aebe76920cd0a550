"""Redaction: a request's credentials withheld from the WARC record, which stays valid and says what it withholds."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone

from warcio.archiveiterator import ArchiveIterator

from linkvault.archive.redaction import REDACTED, request_redacted, response_redacted
from linkvault.archive.warc import Body, HttpRequestHead, HttpResponseHead, WarcRecorder

URL = "https://www.instagram.com/p/C5xyz/"
SENT = [("Host", "www.instagram.com"), ("User-Agent", "linkvault/test"), ("Authorization", "Bearer tok-3456"),
        ("Proxy-Authorization", "Basic cmVzZWFyY2hlcjpwYXNz"), ("Cookie", "sessionid=sess-7890; csrftoken=abc")]
RECEIVED = [("Content-Type", "text/html; charset=utf-8"), ("Set-Cookie", "csrftoken=new-1; Path=/; Secure"),
            ("Set-Cookie", "ig_did=D-2; Path=/; Secure")]


def record(tmp_path, *, set_cookie: bool) -> dict:
    recorder = WarcRecorder(str(tmp_path / "warc"), {"software": "linkvault/test"}, lambda digest: None)
    body = Body(1 << 20)
    body.write(b"<html><head><title>Instagram</title></head><body><p>a post</p></body></html>")
    sent, _ = request_redacted(SENT)
    received, _ = response_redacted(RECEIVED, set_cookie)
    try:
        recorder.write_exchange(HttpRequestHead("GET", URL, "/p/C5xyz/", "HTTP/1.1", sent),
                                HttpResponseHead(200, "OK", "HTTP/1.1", received), body,
                                fetched_at=datetime(2026, 11, 30, tzinfo=timezone.utc), ip=None)
    finally:
        body.close()
        recorder.close()
    [warc] = (tmp_path / "warc").glob("*.warc.gz")
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", "-v", str(warc)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    with open(warc, "rb") as fh:
        return {r.rec_type: (r.rec_headers, r.http_headers.headers) for r in ArchiveIterator(fh) if r.http_headers}


def test_every_credential_header_keeps_its_name_and_loses_its_value(tmp_path):
    warc_headers, http = record(tmp_path, set_cookie=False)["request"]
    assert [v for k, v in http if k in ("Authorization", "Proxy-Authorization", "Cookie")] == [REDACTED] * 3
    assert warc_headers.get_header("WARC-Redacted-Headers") == "Authorization, Proxy-Authorization, Cookie"
    assert ("User-Agent", "linkvault/test") in http  # everything else as sent


def test_set_cookie_is_kept_as_received_unless_asked(tmp_path):
    warc_headers, http = record(tmp_path / "kept", set_cookie=False)["response"]
    assert [v for k, v in http if k == "Set-Cookie"] == ["csrftoken=new-1; Path=/; Secure", "ig_did=D-2; Path=/; Secure"]
    assert warc_headers.get_header("WARC-Redacted-Headers") is None
    warc_headers, http = record(tmp_path / "withheld", set_cookie=True)["response"]
    assert [v for k, v in http if k == "Set-Cookie"] == [REDACTED, REDACTED]
    assert warc_headers.get_header("WARC-Redacted-Headers") == "Set-Cookie"
