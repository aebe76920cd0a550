"""The records of one exchange, built byte for byte as warcio's writer builds them, from what the fetch already has.

warcio's writer, given a record, re-parses and re-copies its headers and reads its payload again for digests we already
hold (the body's SHA-256 was taken as it arrived); for three records a URL that cost more than the gzip did. So the
request, response, revisit and metadata records are laid out here: the same header lines in the same order, the same
digests, one gzip member each at warcio's level 9 fed the same pieces in the same order, so the bytes are warcio's
(a test compares them with warcio's own for every kind). The rare records (warcinfo, resources) still go through warcio.
"""

from __future__ import annotations

import hashlib
import itertools
import zlib
from base64 import b32encode
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO

from warcio.statusandheaders import StatusAndHeaders

from linkvault.archive.extract import DECODED_LIMIT
from linkvault.archive.payload_sha1 import base32_sha1, decoded_sha1

WARC_VERSION = "WARC/1.1"
BUFF_SIZE = 16384  # warcio's: a payload is compressed in pieces of this size, as warcio reads it
_EMPTY_DIGEST = "sha256:" + b32encode(hashlib.sha256().digest()).decode("ascii")
RESPONSE_TYPE, REQUEST_TYPE = "application/http; msgtype=response", "application/http; msgtype=request"
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"


@dataclass(frozen=True)
class HttpRequestHead:
    method: str
    url: str
    target: str
    http_version: str
    headers: list[tuple[str, str]]


@dataclass(frozen=True)
class HttpResponseHead:
    status: int
    reason: str
    http_version: str
    headers: list[tuple[str, str]]


class Body:
    """A response body spooled to disk as it arrives, hashed on the way (SHA-256, and SHA-1 for the CDX); memory stays flat."""

    SPOOL = 1024 * 1024

    def __init__(self, max_size: int, max_decoded: int = DECODED_LIMIT):
        import tempfile

        self.file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=self.SPOOL)
        self._sha = hashlib.sha256()
        self._sha1 = hashlib.sha1()
        self.max_decoded = max_decoded
        self.size = 0
        self.max_size = max_size
        self.truncated = False

    def write(self, chunk: bytes) -> bool:
        """Add a chunk; False once the cap is reached (the caller stops reading)."""
        room = self.max_size - self.size
        if len(chunk) > room:
            chunk = chunk[:room]
            self.truncated = True
        self.file.write(chunk)
        self._sha.update(chunk)
        self._sha1.update(chunk)
        self.size += len(chunk)
        return not self.truncated

    @property
    def digest(self) -> str:
        return digest_text(self._sha)

    def sha1s(self, content_encoding: str | None) -> tuple[str, str | None]:
        """The CDX digest of the payload as recorded, and of it decoded where a Content-Encoding applies."""
        return base32_sha1(self._sha1), None if self.truncated else decoded_sha1(self.chunks(self.SPOOL), content_encoding,
                                                                                self.max_decoded)

    def chunks(self, size: int = BUFF_SIZE) -> Iterator[bytes]:
        """The body from its start (once the first is asked for), `size` bytes at a time."""
        self.file.seek(0)
        while chunk := self.file.read(size):
            yield chunk

    def read_head(self, limit: int) -> bytes:
        self.file.seek(0)
        return self.file.read(limit)

    def close(self) -> None:
        self.file.close()


def digest_text(hashed: hashlib._Hash) -> str:
    """A WARC digest as warcio writes it: `sha256:` and the base32 of the hash."""
    return "sha256:" + b32encode(hashed.digest()).decode("ascii")


def recorded_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [("X-Linkvault-Orig-Transfer-Encoding" if k.lower() == "transfer-encoding" else k, v) for k, v in headers]


def http_head(first_line: str, headers: list[tuple[str, str]]) -> bytes:
    """An HTTP message's head as warcio writes it (a header that is not ASCII percent-encoded, by warcio itself)."""
    text = first_line + "\r\n" + "".join(f"{name}: {value}\r\n" for name, value in headers)
    if text.isascii():
        return text.encode("ascii") + b"\r\n"
    protocol, _, status = first_line.partition(" ")
    return StatusAndHeaders(status, list(headers), protocol=protocol).to_ascii_bytes()


@dataclass
class Built:
    """One record laid out: its id, its block digest, and its bytes before compression, in warcio's pieces."""

    record_id: str
    block_digest: str
    pieces: Iterable[bytes]

    def write(self, fh: IO[bytes]) -> int:
        """The record as one gzip member, as warcio's GzippingWrapper writes it; the bytes it took."""
        compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS + 16)
        size = 0
        for piece in self.pieces:
            size += fh.write(compressor.compress(piece))
        return size + fh.write(compressor.flush())


def _head(fields: list[tuple[str, str]]) -> bytes:
    return (WARC_VERSION + "\r\n" + "".join(f"{name}: {value}\r\n" for name, value in fields) + "\r\n").encode("utf-8")


def response(uri: str, record_id: str, fields: dict[str, str], head: bytes, body: Body) -> Built:
    """A `response` record: `fields` (the record's own WARC headers, its payload digest among them when known) first."""
    block = hashlib.sha256(head)
    for chunk in body.chunks():
        block.update(chunk)
    lines = [*fields.items(), ("WARC-Type", "response"), ("WARC-Record-ID", record_id), ("WARC-Target-URI", uri)]
    if "WARC-Payload-Digest" not in fields:
        lines.append(("WARC-Payload-Digest", body.digest))
    block_digest = digest_text(block)
    lines += [("WARC-Block-Digest", block_digest), ("Content-Type", RESPONSE_TYPE),
              ("Content-Length", str(len(head) + body.size))]
    return Built(record_id, block_digest, itertools.chain((_head(lines), head), body.chunks(), (b"\r\n\r\n",)))


def revisit(uri: str, record_id: str, fields: dict[str, str], head: bytes, digest: str, refers_to: tuple[str, str]) -> Built:
    """A `revisit` record of the identical-payload-digest profile: the HTTP head alone, and where the payload is."""
    block_digest = digest_text(hashlib.sha256(head))
    lines = [*fields.items(), ("WARC-Type", "revisit"), ("WARC-Record-ID", record_id), ("WARC-Target-URI", uri),
             ("WARC-Profile", REVISIT_PROFILE), ("WARC-Refers-To-Target-URI", refers_to[0]),
             ("WARC-Refers-To-Date", refers_to[1]), ("WARC-Payload-Digest", digest), ("WARC-Block-Digest", block_digest),
             ("Content-Type", RESPONSE_TYPE), ("Content-Length", str(len(head)))]
    return Built(record_id, block_digest, (_head(lines), head, b"\r\n\r\n"))


def request(uri: str, record_id: str, fields: dict[str, str], head: bytes) -> Built:
    """A `request` record (warcio gives it the payload digest of its empty payload)."""
    block_digest = digest_text(hashlib.sha256(head))
    lines = [*fields.items(), ("WARC-Type", "request"), ("WARC-Record-ID", record_id), ("WARC-Target-URI", uri),
             ("WARC-Payload-Digest", _EMPTY_DIGEST), ("WARC-Block-Digest", block_digest),
             ("Content-Type", REQUEST_TYPE), ("Content-Length", str(len(head)))]
    return Built(record_id, block_digest, (_head(lines), head, b"\r\n\r\n"))


def metadata(record_id: str, fields: dict[str, str], payload: bytes, content_type: str) -> Built:
    """A `metadata` record with no target URI: its payload is its block."""
    digest = digest_text(hashlib.sha256(payload))
    lines = [*fields.items(), ("WARC-Type", "metadata"), ("WARC-Record-ID", record_id), ("WARC-Payload-Digest", digest),
             ("WARC-Block-Digest", digest), ("Content-Type", content_type), ("Content-Length", str(len(payload)))]
    pieces = (payload[start:start + BUFF_SIZE] for start in range(0, len(payload), BUFF_SIZE))
    return Built(record_id, digest, itertools.chain((_head(lines),), pieces, (b"\r\n\r\n",)))
