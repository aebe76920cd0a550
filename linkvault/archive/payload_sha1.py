"""The payload digest the Wayback CDX publishes for a capture, computed for ours.

The CDX `digest` is the base32 SHA-1 of the record's payload: the HTTP entity body with transfer coding
removed and content coding kept (WARC 1.1 §6.3.2), which is what our response records hold. So the SHA-1
of the body as recorded is comparable with an archive's row as it stands; and since an archive may have
received the page under another Content-Encoding (or none), the SHA-1 of the body decoded is kept too.

The decoded body is hashed as it is inflated, a slice at a time, so memory stays flat; a body that
inflates past the cap, or whose coding cannot be undone to its end, gets no decoded digest rather than
a digest of part of it.
"""

from __future__ import annotations

import hashlib
import zlib
from base64 import b32encode
from collections.abc import Iterable, Iterator

_STEP = 64 * 1024  # bytes inflated at a time


def base32_sha1(sha1: hashlib._Hash) -> str:
    """A SHA-1 as the CDX writes it: base32, no prefix (K3ZUOV2WI7CJPYWJUE2VEZAZVRZEKMRY)."""
    return b32encode(sha1.digest()).decode("ascii")


def cdx_digest(body: bytes) -> str:
    """The CDX digest of a whole body held in memory."""
    return base32_sha1(hashlib.sha1(body))


class _Inflate:
    """gzip, or deflate with its zlib header or without one (servers send both), fed a slice at a time."""

    def __init__(self, coding: str):
        self.coding = coding
        self._z: zlib._Decompress | None = None

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._z is None:
            raw = self.coding == "deflate" and not (len(data) > 1 and data[0] & 0x0F == 8
                                                    and (data[0] << 8 | data[1]) % 31 == 0)
            wbits = 16 + zlib.MAX_WBITS if self.coding != "deflate" else -zlib.MAX_WBITS if raw else zlib.MAX_WBITS
            self._z = zlib.decompressobj(wbits)
        yield self._z.decompress(data, _STEP)
        while self._z.unconsumed_tail:
            yield self._z.decompress(self._z.unconsumed_tail, _STEP)

    def finished(self) -> bool:
        return self._z is not None and self._z.eof


class _Unbrotli:
    """br (brotlipy, optional), fed 256 bytes at a time: it has no output cap of its own."""

    def __init__(self) -> None:
        import brotli

        self._d = brotli.Decompressor()
        self._done = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        for start in range(0, len(data), 256):
            yield self._d.decompress(data[start:start + 256])

    def finished(self) -> bool:
        try:
            self._d.finish()
        except Exception:
            return False
        return True


def decoded_sha1(chunks: Iterable[bytes], content_encoding: str | None, limit: int) -> str | None:
    """The base32 SHA-1 of the body `chunks` once its Content-Encoding is undone (codings applied in order,
    undone in reverse); None when there is no coding to undo, one we do not know, a stream cut short or
    broken, or more than `limit` bytes decoded."""
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings or any(c not in ("gzip", "x-gzip", "deflate", "br") for c in codings):
        return None
    try:
        decoders = [_Unbrotli() if c == "br" else _Inflate(c) for c in reversed(codings)]
    except ImportError:  # no brotli decoder installed
        return None
    sha1, size = hashlib.sha1(), 0
    try:
        for chunk in chunks:
            for part in _through(decoders, chunk):
                size += len(part)
                if size > limit:
                    return None
                sha1.update(part)
    except Exception:  # a broken stream is the page's, and it gets no decoded digest
        return None
    return base32_sha1(sha1) if all(d.finished() for d in decoders) else None


def _through(decoders: list, data: bytes) -> Iterator[bytes]:
    """`data` through each decoder in turn, each one's output fed to the next as it comes."""
    if not decoders:
        yield data
        return
    for part in decoders[0].feed(data):
        if part:
            yield from _through(decoders[1:], part)
