"""Reading reports: a file in any supported format → a `Report` of citations and entries.

This package loads no network code, so `linkvault check` stays offline and instant.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, BinaryIO

from linkvault.errors import InputError, NoFootnotes
from linkvault.model import Citation, Entry, Report
from linkvault.parsing.urllist import is_url_argument, looks_like_url_list, numbered_sources, parse_url_list

if TYPE_CHECKING:
    from linkvault.parsing.report_date import ReportDate

__all__ = ["FORMATS", "STDIN", "is_url_argument", "is_vault_name", "parse_arguments", "parse_report", "parse_text",
           "parse_urls", "read_report_file", "report_key", "sniff_format"]

FORMATS = ("txt", "md", "html", "docx", "urls")
STDIN = "-"
_EXTENSIONS = {
    ".txt": "txt", ".text": "txt",
    ".md": "md", ".markdown": "md", ".mdown": "md",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".docx": "docx",
}
MAX_BYTES = 100 * 1024 * 1024  # any report, read from a file or stdin: more is refused, never read on
_MARKDOWN_DEFINITION = re.compile(rb"(?m)^ {0,3}(?:> ?)*\[\^[^\]\[\s\\]{1,64}\]:")


def parse_report(path: str | os.PathLike, input_format: str | None = None) -> Report:
    """Read the report at `path` (`-`: standard input); `input_format` overrides the guess from extension and content.

    A report read from standard input is named `<stdin …>` after the SHA-256 of what was read, so
    the same text piped in again is the same report in the vault.
    """
    path = os.fspath(path)
    where = "<stdin>" if path == STDIN else path
    data = _read_stdin() if path == STDIN else read_report_file(path)
    fmt = input_format or sniff_format("" if path == STDIN else path, data)
    if fmt not in FORMATS:
        raise InputError(f"unknown input format '{fmt}' (choose from {', '.join(FORMATS)})", path=where)
    citations, entries, (day, detail) = _parse(data, fmt, where)
    if not citations and not entries:
        raise NoFootnotes("no footnotes found: no citation markers such as [1] and no footnote list", path=where)
    digest = hashlib.sha256(data).hexdigest()
    name = f"<stdin {digest[:12]}>" if path == STDIN else path
    return Report(path=name, format=fmt, citations=citations, entries=entries, sha256=digest, date=day,
                  date_detail=detail)


def parse_urls(urls: Sequence[str]) -> Report:
    """URLs given one by one (on the command line): a report of their own, each URL source 1, 2, 3 in order.

    Named `<command-line URLs …>` after the SHA-256 of the list, so the same URLs given again are
    the same report in the vault.
    """
    if not urls:
        raise InputError("no URLs given")
    digest = hashlib.sha256("".join(f"{url}\n" for url in urls).encode("utf-8")).hexdigest()
    citations, entries = numbered_sources(list(enumerate(urls, start=1)))
    return Report(path=f"<command-line URLs {digest[:12]}>", format="urls", citations=citations, entries=entries,
                  sha256=digest)


def parse_arguments(args: Sequence[str], input_format: str | None = None) -> list[str | Report]:
    """Command-line arguments as the verbs take reports: file names as given, `-` read from standard input now,
    and the arguments that are URLs (and no file's name) together as one report of their own."""
    urls = [a for a in args if is_url_argument(a) and not os.path.exists(a)]
    inputs: list[str | Report] = [parse_report(a, input_format) if a == STDIN else a for a in args if a not in urls]
    return inputs + ([parse_urls(urls)] if urls else [])


def report_key(path: str) -> str:
    """The name a vault keeps a report under: a file's absolute path, or the `<…>` name of stdin or URL arguments."""
    return path if is_vault_name(path) else os.path.abspath(path)


def is_vault_name(path: str) -> bool:
    """Whether `path` is a `<stdin …>` or `<command-line URLs …>` name, as fetch printed it, not a file's."""
    return path.startswith("<") and path.endswith(">")


def parse_text(text: str, fmt: str = "txt", path: str = "<text>") -> Report:
    """Parse a report already in memory (no file needed); `fmt` is txt, md, html or urls."""
    from linkvault.parsing.report_date import text_report_date

    text = text.replace("\r\n", "\n").replace("\r", "\n")
    citations, entries = _parse_text(text, fmt, path)
    day, detail = text_report_date(text, fmt, path)
    return Report(path=path, format=fmt, citations=citations, entries=entries, date=day, date_detail=detail)


def _read_capped(fh: BinaryIO) -> bytes:
    """At most MAX_BYTES + 1 bytes, a megabyte at a time: one read of that size would allocate all of it."""
    chunks, size = [], 0
    while size <= MAX_BYTES:
        chunk = fh.read(min(1 << 20, MAX_BYTES + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _read_stdin() -> bytes:
    data = _read_capped(sys.stdin.buffer)
    if len(data) > MAX_BYTES:
        raise InputError(f"too large for a report (over the limit of {MAX_BYTES // (1024 * 1024)} MiB)", path="<stdin>")
    return data


def read_report_file(path: str) -> bytes:
    """A regular file's bytes, at most MAX_BYTES: a FIFO would hang the read and a device never end it."""
    if not os.path.lexists(path):
        raise InputError("no such file", path=path)
    if os.path.isdir(path):
        raise InputError("is a directory, not a report file", path=path)
    try:
        # O_NONBLOCK: opening a FIFO with no writer returns at once instead of hanging; fstat then refuses it
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with open(fd, "rb") as fh:
            info = os.fstat(fd)
            kind = _not_regular(info.st_mode)
            if kind:
                raise InputError(f"is {kind}, not a report file", path=path)
            if info.st_size > MAX_BYTES:
                raise InputError(f"too large for a report ({info.st_size:,} bytes; the limit is "
                                 f"{MAX_BYTES // (1024 * 1024)} MiB)", path=path)
            data = _read_capped(fh)
    except FileNotFoundError as exc:  # a symlink to nowhere
        raise InputError("no such file (a broken symbolic link)", path=path) from exc
    except PermissionError as exc:
        raise InputError("permission denied", path=path) from exc
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})", path=path) from exc
    if len(data) > MAX_BYTES:
        raise InputError(f"too large for a report (over the limit of {MAX_BYTES // (1024 * 1024)} MiB)", path=path)
    return data


def _not_regular(mode: int) -> str | None:
    """What a file that is not a regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "something other than a regular file"


def sniff_format(path: str, data: bytes) -> str:
    """The format by content first where content is unmistakable, else by extension.

    A .docx is a zip; a file of nothing but URLs (and blank lines, `#` comments) is a URL list;
    Markdown footnote definitions (`[^1]: …`) make a .txt Markdown.
    """
    ext = os.path.splitext(path)[1].lower()
    if data[:4] == b"PK\x03\x04":
        return "docx"
    if _EXTENSIONS.get(ext) == "html":
        return "html"
    if _EXTENSIONS.get(ext, "docx") == "docx":
        head = data[:4096].lstrip(b"\xef\xbb\xbf\xff\xfe \t\r\n").lower().replace(b"\x00", b"")
        if head.startswith((b"<!doctype html", b"<html", b"<?xml")) or re.search(rb"<(body|p|div|sup)[\s>]", head):
            return "html"
    sample = data[:1_000_000]
    if looks_like_url_list(sample.removeprefix(b"\xef\xbb\xbf").decode("utf-8", "replace").replace("\r", "")):
        return "urls"
    if _MARKDOWN_DEFINITION.search(sample):
        return "md"
    return _EXTENSIONS.get(ext, "txt")


def _parse(data: bytes, fmt: str, path: str) -> tuple[list[Citation], list[Entry], ReportDate]:
    """The report's citations and entries, and its own date (see report_date)."""
    from linkvault.parsing.report_date import docx_report_date, text_report_date

    if fmt == "docx":
        from linkvault.parsing.docx import parse_docx

        return *parse_docx(data, path), docx_report_date(data, path)
    from linkvault.parsing.decode import decode_bytes

    text, _ = decode_bytes(data, path)
    return *_parse_text(text, fmt, path), text_report_date(text, fmt, path)


def _parse_text(text: str, fmt: str, path: str) -> tuple[list[Citation], list[Entry]]:
    if fmt == "urls":
        return parse_url_list(text, path)
    if fmt == "html":
        from linkvault.parsing.html import parse_html

        return parse_html(text, path)
    if fmt == "md":
        from linkvault.parsing.md import parse_markdown

        return parse_markdown(text)
    from linkvault.parsing.txt import parse_text as parse_plain

    return parse_plain(text)
