"""Reading reports: a file in any supported format → a `Report` of citations and entries.

This package loads no network code, so `linkvault check` stays offline and instant.
"""

from __future__ import annotations

import os
import re

from linkvault.errors import InputError, NoFootnotes
from linkvault.model import Report

FORMATS = ("txt", "md", "html", "docx")
_EXTENSIONS = {
    ".txt": "txt", ".text": "txt",
    ".md": "md", ".markdown": "md", ".mdown": "md",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".docx": "docx",
}
MAX_BYTES = 200 * 1024 * 1024
_MARKDOWN_DEFINITION = re.compile(rb"(?m)^ {0,3}(?:> ?)*\[\^[^\]\[\s\\]{1,64}\]:")


def parse_report(path: str | os.PathLike, input_format: str | None = None) -> Report:
    """Read the report at `path`; `input_format` overrides the guess from extension and content."""
    path = os.fspath(path)
    data = _read(path)
    fmt = input_format or sniff_format(path, data)
    if fmt not in FORMATS:
        raise InputError(f"unknown input format '{fmt}' (choose from {', '.join(FORMATS)})", path=path)
    citations, entries = _parse(data, fmt, path)
    if not citations and not entries:
        raise NoFootnotes("no footnotes found: no citation markers such as [1] and no footnote list", path=path)
    return Report(path=path, format=fmt, citations=citations, entries=entries)


def parse_text(text: str, fmt: str = "txt", path: str = "<text>") -> Report:
    """Parse a report already in memory (no file needed); `fmt` is txt, md or html."""
    citations, entries = _parse_text(text.replace("\r\n", "\n").replace("\r", "\n"), fmt, path)
    return Report(path=path, format=fmt, citations=citations, entries=entries)


def _read(path: str) -> bytes:
    if not os.path.exists(path):
        raise InputError("no such file", path=path)
    if os.path.isdir(path):
        raise InputError("is a directory, not a report file", path=path)
    try:
        size = os.path.getsize(path)
        if size > MAX_BYTES:
            raise InputError(f"too large for a report ({size // (1024 * 1024)} MiB)", path=path)
        with open(path, "rb") as fh:
            return fh.read()
    except PermissionError as exc:
        raise InputError("permission denied", path=path) from exc
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})", path=path) from exc


def sniff_format(path: str, data: bytes) -> str:
    """The format by content first where content is unmistakable, else by extension.

    A .docx is a zip; Markdown footnote definitions (`[^1]: …`) make a .txt Markdown.
    """
    ext = os.path.splitext(path)[1].lower()
    if data[:4] == b"PK\x03\x04":
        return "docx"
    if ext in _EXTENSIONS and _EXTENSIONS[ext] not in ("docx", "txt"):
        return _EXTENSIONS[ext]
    if ext not in _EXTENSIONS:
        head = data[:4096].lstrip(b"\xef\xbb\xbf\xff\xfe \t\r\n").lower().replace(b"\x00", b"")
        if head.startswith((b"<!doctype html", b"<html", b"<?xml")) or re.search(rb"<(body|p|div|sup)[\s>]", head):
            return "html"
    if _MARKDOWN_DEFINITION.search(data[:1_000_000]):
        return "md"
    return "txt"


def _parse(data: bytes, fmt: str, path: str):
    if fmt == "docx":
        from linkvault.report.docx import parse_docx

        return parse_docx(data, path)
    from linkvault.report.decode import decode_bytes

    text, _ = decode_bytes(data, path)
    return _parse_text(text, fmt, path)


def _parse_text(text: str, fmt: str, path: str):
    if fmt == "html":
        from linkvault.report.html import parse_html

        return parse_html(text, path)
    if fmt == "md":
        from linkvault.report.md import parse_markdown

        return parse_markdown(text)
    from linkvault.report.txt import parse_text as parse_plain

    return parse_plain(text)
