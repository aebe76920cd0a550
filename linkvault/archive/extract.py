"""Main text and metadata from a captured page, with trafilatura.

The body arrives as recorded: still content-encoded, in whatever charset the site uses. It is
decoded here from the Content-Encoding, then from the charset the `Content-Type` header names,
else the one a `<meta>` names, else left to trafilatura's own detector (which guesses
cp1251/koi8-r well but ignores `<meta>`): a page decoded wrongly cannot be repaired later.
"""

from __future__ import annotations

import codecs
import re
import zlib
from dataclasses import dataclass

MAX_EXTRACT_BYTES = 8 * 1024 * 1024
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-:.]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([a-zA-Z0-9_\-:.]+)", re.I)


@dataclass(frozen=True)
class ExtractedText:
    title: str | None
    author: str | None
    published: str | None
    language: str | None
    sitename: str | None
    text: str


def decode_content(body: bytes, content_encoding: str | None) -> bytes:
    """Undo gzip/deflate/br; a body we cannot decode is returned as it is."""
    for coding in reversed([c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]):
        try:
            if coding in ("gzip", "x-gzip"):
                body = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(body)
            elif coding == "deflate":
                try:
                    body = zlib.decompress(body)
                except zlib.error:
                    body = zlib.decompress(body, -zlib.MAX_WBITS)
            elif coding == "br":
                import brotli

                body = brotli.decompress(body)
        except Exception:
            return body
    return body


def charset_of(body: bytes, content_type: str | None) -> str | None:
    for found in (_HEADER_CHARSET.search(content_type or ""), _META_CHARSET.search(body[:4096])):
        if found:
            name = found.group(1) if isinstance(found.group(1), str) else found.group(1).decode("ascii", "ignore")
            try:
                return codecs.lookup(name).name
            except LookupError:
                continue
    return None


def is_html(content_type: str | None, body: bytes) -> bool:
    if content_type:
        return "html" in content_type.lower()
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<body" in head


def extract(body: bytes, url: str, content_type: str | None, content_encoding: str | None) -> ExtractedText | None:
    """Text and metadata of an HTML page, or None when it is not HTML or holds no text."""
    raw = decode_content(body[:MAX_EXTRACT_BYTES], content_encoding)
    if not is_html(content_type, raw):
        return None
    charset = charset_of(raw, content_type)
    document: str | bytes = raw
    if charset:
        document = raw.decode(charset, errors="replace")
    import trafilatura

    result = trafilatura.bare_extraction(document, url=url, with_metadata=True, include_comments=False,
                                         favor_recall=True)
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
