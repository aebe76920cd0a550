"""The CDX digest of every response we record: base32 SHA-1 of the payload as recorded (content coding kept), as
the Wayback CDX publishes it, and of the payload decoded where a Content-Encoding applies, so an archive's capture
can be set against ours (issue 14, the witness)."""

from __future__ import annotations

import gzip
import hashlib
import sqlite3
import zlib
from base64 import b32encode
from pathlib import Path

import pytest
from fakeweb.server import Response
from warcio.archiveiterator import ArchiveIterator

from linkvault.archive.payload_sha1 import decoded_sha1
from linkvault.cli import cli

ARTICLE = ("<html><head><title>Суд над активистом</title></head><body><article><p>"
           + "Суд в Алматы оштрафовал активиста за пост о митинге. " * 40 + "</p></article></body></html>").encode()
PLAIN = "https://kaztag.kz/ru/news/sud-nad-aktivistom"
GZIPPED = "https://vlast.kz/novosti/60123-sud.html"
MIRROR = "https://kaztag.kz/kz/news/sud-nad-aktivistom"  # the same bytes again: a revisit record


def cdx(data: bytes) -> str:
    """The CDX's formula, written out here on its own: base32 of the SHA-1 of the entity body."""
    return b32encode(hashlib.sha1(data).digest()).decode("ascii")


@pytest.fixture
def fetched(tmp_path, fakeweb, runner):
    """A vault holding one page served plainly and one served gzip-encoded and chunked, over real sockets."""
    fakeweb.route_url(PLAIN, Response(200, [("Content-Type", "text/html; charset=utf-8")], ARTICLE))
    fakeweb.route_url(MIRROR, Response(200, [("Content-Type", "text/html; charset=utf-8")], ARTICLE))
    fakeweb.route_url(GZIPPED, Response(200, [("Content-Type", "text/html; charset=utf-8")], ARTICLE, gzip=True,
                                        chunked=True))
    report = tmp_path / "r.txt"
    report.write_text(f"Суд оштрафовал активиста[1], сообщает Власть[2], и снова[3].\n\n[1] {PLAIN}\n[2] {GZIPPED}\n"
                      f"[3] {MIRROR}\n", encoding="utf-8")
    vault = tmp_path / "vault"
    result = runner.invoke(cli, ["--vault", str(vault), "fetch", str(report), "--proxy", fakeweb.proxy_url,
                                 "--ca-bundle", fakeweb.ca_pem_path])
    assert result.exit_code == 0, result.output
    db = sqlite3.connect(vault / "linkvault.db")
    rows = {r[0]: r[1:] for r in db.execute("select url, payload_sha1, payload_sha1_decoded, warc_file, record_id, "
                                            "revisit_of from captures where role = 'cited'")}
    db.close()
    return vault, rows


def _recorded(vault: Path, warc: str, record_id: str, *, decoded: bool = False) -> bytes:
    """The response record's payload as the WARC stores it, or as warcio decodes it (Content-Encoding undone)."""
    with open(vault / "warc" / warc, "rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_headers.get_header("WARC-Record-ID") == record_id:
                return (record.content_stream() if decoded else record.raw_stream).read()
    raise AssertionError(f"no record {record_id}")


def test_the_payload_sha1_of_a_page_is_the_cdx_digest_of_its_body(fetched):
    vault, rows = fetched
    first, again = sorted((rows[PLAIN], rows[MIRROR]), key=lambda row: row[-1] is not None)
    sha1, decoded, warc, record_id, _ = first
    assert sha1 == cdx(ARTICLE) and decoded is None  # no Content-Encoding: nothing to decode
    assert _recorded(vault, warc, record_id) == ARTICLE
    assert again[-1] is not None and again[:2] == (sha1, None)  # a revisit record holds no body; it was the same


def test_a_gzip_encoded_page_gets_the_digest_of_its_bytes_as_sent_and_of_its_body_decoded(fetched):
    vault, rows = fetched
    sha1, decoded, warc, record_id, _ = rows[GZIPPED]
    sent = gzip.compress(ARTICLE, mtime=0)  # what the server sent, chunked on the wire: the chunking is not payload
    assert sha1 == cdx(sent) and decoded == cdx(ARTICLE) and sha1 != decoded
    assert _recorded(vault, warc, record_id) == sent  # the digests are of what the record holds
    assert _recorded(vault, warc, record_id, decoded=True) == ARTICLE


@pytest.mark.parametrize("coding, encode", [
    ("gzip", lambda b: gzip.compress(b)),
    ("x-gzip", lambda b: gzip.compress(b)),
    ("deflate", zlib.compress),  # with its zlib header, as the RFC says
    ("deflate", lambda b: zlib.compress(b)[2:-4]),  # raw, as some servers send it
    ("gzip, gzip", lambda b: gzip.compress(gzip.compress(b))),
    ("Identity, GZIP", lambda b: gzip.compress(b)),
])
def test_the_decoded_digest_undoes_each_coding(coding, encode):
    body = ARTICLE * 50  # more than one slice of the inflater
    encoded = encode(body)
    pieces = [encoded[i:i + 1000] for i in range(0, len(encoded), 1000)]
    assert decoded_sha1(pieces, coding, limit=len(body)) == cdx(body)


def test_the_decoded_digest_of_a_brotli_page():
    brotli = pytest.importorskip("brotli")
    assert decoded_sha1([brotli.compress(ARTICLE)], "br", limit=1 << 20) == cdx(ARTICLE)


@pytest.mark.parametrize("coding, data, why", [
    (None, ARTICLE, "no coding"),
    ("identity", ARTICLE, "no coding"),
    ("compress", ARTICLE, "a coding we cannot undo"),
    ("gzip", gzip.compress(ARTICLE)[:-20], "a stream cut short"),
    ("gzip", b"not gzip at all", "a broken stream"),
    ("gzip", gzip.compress(b"\0" * 4_000_000), "a body inflating past the limit"),
])
def test_no_decoded_digest_rather_than_one_of_part_of_a_body(coding, data, why):
    assert decoded_sha1([data], coding, limit=1_000_000) is None, why
