"""Main text and metadata from a captured page, with trafilatura.

The body arrives as recorded: still content-encoded, in whatever charset the site uses. It is
decoded here from the Content-Encoding, then from the charset the `Content-Type` header names,
else the one a `<meta>` names, else left to trafilatura's own detector (which guesses
cp1251/koi8-r well but ignores `<meta>`): a page decoded wrongly cannot be repaired later.
Both steps are the page's to break, never the run's: inflating stops at `DECODED_LIMIT` (a
decompression bomb is cut there and says so), and only a text encoding is taken for a charset
(a page naming base64, rot13 or idna is read as UTF-8).

Extraction reads a bounded prefix of the page (`EXTRACT_PREFIX` bytes, `EXTRACT_TAGS` tags), cut before a tag:
trafilatura's trees cost ~850 bytes of memory per tag, so a 256 MiB page parsed whole would take gigabytes (its
first 8 MiB took 306 MB). The WARC keeps the whole body; only the text indexed and judged stops there.
"""

from __future__ import annotations

import codecs
import copy
import ctypes
import functools
import re
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from trafilatura.settings import Extractor

MAX_EXTRACT_BYTES = 8 * 1024 * 1024
# Text, title and date come from at most this much of a page, and at most this many tags ("<"): every real page in
# ../shared/real-pages is within both (the largest, 372 KB; the most tags, 3,129), so none loses text. trafilatura
# holds several trees of a page at once (raw, cleaned, htmldate's copy), ~1 KB per tag whatever its size in bytes
# (scripts and inline JSON are cheap, paragraphs not): 4,096 tags of paragraphs peak ~4 MB over a small page's
# extraction, 8,192 tags ~9 MB.
EXTRACT_PREFIX = 512 * 1024
EXTRACT_TAGS = 4096
_TRIM_FROM = 256 * 1024  # a page whose trees are worth handing back (see _give_back)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-:.]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([a-zA-Z0-9_\-:.]+)", re.I)
_THREAD = threading.local()  # each judging thread's trafilatura options (see _options)


@dataclass(frozen=True)
class ExtractedText:
    title: str | None
    author: str | None
    published: str | None
    language: str | None
    sitename: str | None
    text: str


DECODED_LIMIT = 16 * 1024 * 1024  # a body is inflated to at most this much: a 1 MB gzip bomb makes 4 GB
_NOT_CHARSETS = ("idna", "punycode", "undefined")  # text codecs, yet no page's charset: they raise on bytes


@dataclass(frozen=True)
class Decoded:
    """A body with its Content-Encoding undone, up to a cap."""

    body: bytes
    truncated: bool = False  # it inflated past the cap: the rest was never decoded


def decode_content(body: bytes, content_encoding: str | None, limit: int = DECODED_LIMIT,
                   keep: int | None = None) -> Decoded:
    """Undo gzip/deflate/br, inflating no more than `limit` bytes and keeping the first `keep` of them (the rest is
    inflated only to learn whether the body passes `limit`); a body we cannot decode is returned as it is."""
    truncated = False
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    for n, coding in enumerate(reversed(codings)):
        kept = limit if keep is None or n < len(codings) - 1 else min(keep, limit)  # an inner coding needs it all
        try:
            if coding in ("gzip", "x-gzip"):
                body, cut = _inflate(body, 16 + zlib.MAX_WBITS, limit, kept)
            elif coding == "deflate":
                try:
                    body, cut = _inflate(body, zlib.MAX_WBITS, limit, kept)
                except zlib.error:
                    body, cut = _inflate(body, -zlib.MAX_WBITS, limit, kept)
            elif coding == "br":
                body, cut = _unbrotli(body, limit, kept)
            else:
                continue
        except Exception:
            return Decoded(body, truncated)
        truncated = truncated or cut
    return Decoded(body, truncated)


def _inflate(body: bytes, wbits: int, limit: int, keep: int) -> tuple[bytes, bool]:
    inflater = zlib.decompressobj(wbits)
    out = inflater.decompress(body, keep)
    size, tail = len(out), inflater.unconsumed_tail
    while tail and size < limit:  # past what is kept: inflated a mebibyte at a time, and dropped
        part = inflater.decompress(tail, min(limit - size, 1024 * 1024))
        if not part:
            break
        size, tail = size + len(part), inflater.unconsumed_tail
    return out, bool(tail)


def _unbrotli(body: bytes, limit: int, keep: int) -> tuple[bytes, bool]:
    """brotlipy has no output cap: fed a little at a time, it stops once past the limit."""
    import brotli

    inflater = brotli.Decompressor()
    parts, size = [], 0
    for start in range(0, len(body), 256):
        part = inflater.decompress(body[start:start + 256])
        if size < keep:
            parts.append(part[:keep - size])
        size += len(part)
        if size > limit:
            return b"".join(parts), True
    return b"".join(parts), False


def text_encoding(name: str) -> str | None:
    """The codec a page's charset names, if it is a text encoding bytes can be decoded with: a page
    may name base64, rot13, zlib or idna, which `bytes.decode` refuses or fails on."""
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_CHARSETS:
        return None
    return info.name


def decode_text(raw: bytes, charset: str | None) -> str:
    """The page as text in its charset, else UTF-8 (bad bytes replaced, never an error)."""
    try:
        return raw.decode(charset or "utf-8", errors="replace")
    except (LookupError, UnicodeError, ValueError, TypeError):
        return raw.decode("utf-8", errors="replace")


def charset_of(body: bytes, content_type: str | None) -> str | None:
    header, meta = _HEADER_CHARSET.search(content_type or ""), _META_CHARSET.search(body[:4096])
    for name in (header.group(1) if header else None, meta.group(1).decode("ascii", "ignore") if meta else None):
        if name is not None and (encoding := text_encoding(name)):
            return encoding
    return None


def _utf8(raw: bytes) -> str | bytes:
    """The page as UTF-8 when it is valid UTF-8 (a page naming no charset, or none we can use, mostly
    is), else the bytes for trafilatura's detector, which may read UTF-8 as a Cyrillic code page."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw


def document_of(raw: bytes, content_type: str | None, html: str | None = None) -> str | bytes:
    """What trafilatura is given of a page: its `prefix`, as text in the charset the page names, else as UTF-8
    when it is, else as bytes for trafilatura's own detector. `html`, the whole page decoded already as the judges
    read it (`decode_text` in its `charset_of`), is that text when the prefix is the whole page and no byte of it
    was replaced (it then is valid in its charset, or UTF-8): the page is not decoded twice."""
    if html is not None and "\ufffd" not in html and prefix(raw) is raw:
        return html
    charset = charset_of(raw, content_type)
    raw = prefix(raw)
    return decode_text(raw, charset) if charset else _utf8(raw)


def is_html(content_type: str | None, body: bytes) -> bool:
    if content_type:
        return "html" in content_type.lower()
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<body" in head


def extract(body: bytes, url: str, content_type: str | None, content_encoding: str | None,
            limit: int = DECODED_LIMIT) -> ExtractedText | None:
    """Text and metadata of an HTML page as recorded, or None when it is not HTML or holds no text."""
    return extract_decoded(decode_content(body[:MAX_EXTRACT_BYTES], content_encoding, limit).body, url, content_type)


def extract_decoded(raw: bytes, url: str, content_type: str | None, html: str | None = None) -> ExtractedText | None:
    """Text and metadata of an HTML page whose Content-Encoding is undone already (`html`: see `document_of`)."""
    if not is_html(content_type, raw):
        return None
    import trafilatura

    document = document_of(raw, content_type, html)
    result = trafilatura.bare_extraction(document, url=url, options=_options(url))  # url: named in its log lines
    if len(raw) > _TRIM_FROM:
        _give_back()
    if result is None:
        return None
    data = result.as_dict() if hasattr(result, "as_dict") else dict(result)
    text = data.get("text") or ""
    title = data.get("title")
    if not text and not title:
        return None
    return ExtractedText(
        title=title,
        author=data.get("author"),
        published=data.get("date"),
        language=data.get("language"),
        sitename=data.get("sitename"),
        text=text,
    )


def prefix(raw: bytes, limit: int = EXTRACT_PREFIX, tags: int = EXTRACT_TAGS) -> bytes:
    """The first `limit` bytes of a page holding at most `tags` tags, cut before a tag that starts near the end
    of them (so the last text is whole), else before a character: a Cyrillic letter is two bytes in UTF-8, and
    half of one would make the page invalid UTF-8, handed to trafilatura's charset guesser."""
    if len(raw) <= limit and raw.count(b"<") <= tags:
        return raw
    if raw.count(b"<", 0, limit) > tags:  # dense markup: the tree's size is in its elements, not its bytes
        nth = re.match(rb"(?:[^<]*<){%d}" % (tags + 1), raw)
        return raw[:nth.end() - 1] if nth else raw[:limit]
    cut = raw.rfind(b"<", 0, limit)
    if cut <= 0 or cut < limit - min(4096, limit // 8):
        cut = limit
        while cut > limit - 3 and raw[cut] & 0xC0 == 0x80:  # a UTF-8 continuation byte: back to its lead byte
            cut -= 1
    return raw[:cut]


def _give_back() -> None:
    """Hand the memory a big page's trees took back to the system. glibc keeps what was freed in its arenas (a
    worker thread's own), and the run's later allocations, the closing table's, then come on top of it: a run
    that extracted one big page peaked ~20 MB above one that did not."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.lru_cache(maxsize=1)
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None where there is none (another C library: nothing to hand back this way)."""
    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    return cast(Callable[[int], int], trim)


def _options(url: str) -> Extractor:
    """trafilatura's options for one page: its fast mode (no readability/jusText fallback: the same text, title and
    date on every real page in ../shared/real-pages), recall over precision, no comments, and the metadata we keep.
    They are built once a day (htmldate takes no date after today's): building them reads trafilatura's config anew,
    a tenth of a small page's extraction. Together, 0.76 of the CPU on small pages and 0.87 on the real ones;
    htmldate's search of the text for a date, most of what is left, is what finds the date of a page with none in
    its markup (a Telegram channel's, a forum's), so it stays. Each thread keeps its own copy and names the page's URL
    in it (trafilatura only reads them): a copy a page took a fortieth of a small page's CPU."""
    today = time.strftime("%Y-%m-%d")  # local time, as htmldate's own default
    held: tuple[str, Extractor] | None = getattr(_THREAD, "options", None)
    if held is None or held[0] != today:
        held = _THREAD.options = (today, copy.copy(_day_options(today)))
    options = held[1]
    options.url = url
    options.source = url.encode("utf-8", "replace").decode("utf-8")
    return options


@functools.lru_cache(maxsize=1)
def _day_options(today: str) -> Extractor:
    from trafilatura.settings import Extractor

    dates: dict[str, Any] = {"original_date": True, "extensive_search": True, "max_date": today}  # its defaults
    return Extractor(output_format="python", fast=True, recall=True, comments=False, with_metadata=True,
                     date_params=dates)
