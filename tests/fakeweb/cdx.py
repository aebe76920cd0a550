"""The Wayback CDX server's query language and answer formats, over a fake archive's captures.

Per internetarchive/wayback's wayback-cdx-server README (design §1.1): rows `urlkey timestamp original mimetype
statuscode digest length`, sorted by urlkey then timestamp; `matchType` exact|prefix|host|domain (or a URL ending
in `*`); `from`/`to` of 1–14 digits, inclusive; `filter=[!]field:regex`, repeatable, the regex matched against the
*whole* field; `collapse=field[:N]` over adjacent rows; `offset`; `limit=N` (first N) or `-N` (last N); `fl`;
`output=json` (arrays of strings, a header row first) or text (space-separated lines); `showResumeKey` /
`resumeKey`; gzip-encoded unless `gzip=false`. Revisit rows read `warc/revisit` and status `-`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from urllib.parse import quote_plus, unquote_plus

from .archive_data import ArchivedCapture, urlkey
from .server import Response

FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")
Row = dict[str, str]
Params = Sequence[tuple[str, str]]


def cdx_row(capture: ArchivedCapture) -> Row:
    """One capture as its CDX row. `length` stands for the WARC record's (compressed) length: the body's here."""
    return {"urlkey": urlkey(capture.url), "timestamp": capture.timestamp, "original": capture.url,
            "mimetype": "warc/revisit" if capture.revisit else capture.mimetype,
            "statuscode": "-" if capture.revisit else str(capture.status), "digest": capture.digest,
            "length": str(len(capture.body))}


class BadQuery(ValueError):
    """A query the CDX server refuses with 400."""


def cdx_answer(captures: Sequence[ArchivedCapture], params: Params, accept_encoding: str) -> Response:
    """The CDX server's answer to one query."""
    named = dict(params)
    try:
        rows, resume_key = select_rows([cdx_row(c) for c in captures], params)
        fields = _fields(named.get("fl"))
    except BadQuery as problem:
        return Response(400, [("Content-Type", "text/plain")], f"{problem}\n".encode())
    if named.get("showResumeKey", "").lower() != "true":
        resume_key = None
    body = _render([[row[f] for f in fields] for row in rows], fields, named, resume_key)
    zipped = "gzip" in accept_encoding.lower() and named.get("gzip", "true").lower() != "false"
    return Response(200, [("Content-Type", _content_type(named))], body, gzip=zipped)


def cdx_empty(named: Mapping[str, str]) -> Response:
    """What a query with no captures gets: `[]` in JSON (the form EDGI and pywb clients meet; IA does not document
    it), an empty body in text."""
    return Response(200, [("Content-Type", _content_type(named))], _render([], (), named, None))


def select_rows(rows: list[Row], params: Params) -> tuple[list[Row], str | None]:
    """The rows a query selects, and the resume key when a positive limit left some out."""
    named = dict(params)
    rows = [r for r in rows if _matches_url(r["urlkey"], named) and _in_range(r["timestamp"], named)]
    rows = _after_resume_key(rows, named.get("resumeKey"))
    for expression in (v for k, v in params if k == "filter"):
        rows = _filtered(rows, expression)
    for expression in (v for k, v in params if k == "collapse"):
        rows = _collapsed(rows, expression)
    rows = rows[_integer(named.get("offset") or "0"):]
    limit = _integer(named.get("limit") or "0")
    if limit < 0:
        return rows[limit:], None
    if limit and len(rows) > limit:
        last = rows[limit - 1]
        return rows[:limit], quote_plus(f"{last['urlkey']} {last['timestamp']}!")
    return rows, None


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise BadQuery(f"not a number: {text!r}") from None


def _matches_url(key: str, named: Mapping[str, str]) -> bool:
    url = named.get("url")
    if not url:
        raise BadQuery("Missing required url param")
    match_type = named.get("matchType", "exact")
    if url.endswith("*"):
        url, match_type = url[:-1], "prefix"
    wanted = urlkey(url)
    host, other_host = wanted.split(")", 1)[0], key.split(")", 1)[0]
    if match_type == "prefix":
        return key.startswith(wanted)
    if match_type == "host":
        return other_host == host
    if match_type == "domain":
        return other_host == host or other_host.startswith(host + ",")
    return key == wanted


def _in_range(timestamp: str, named: Mapping[str, str]) -> bool:
    """`from`/`to` name the first and last instants of their precision: to=2024 takes all of 2024."""
    start, end = named.get("from", ""), named.get("to", "")
    return timestamp >= start.ljust(14, "0") and (not end or timestamp <= end.ljust(14, "9"))


def _after_resume_key(rows: list[Row], key: str | None) -> list[Row]:
    if not key:
        return rows
    where = unquote_plus(key).rstrip("!").rsplit(" ", 1)
    if len(where) != 2:
        raise BadQuery(f"bad resumeKey {key!r}")
    return [r for r in rows if (r["urlkey"], r["timestamp"]) > (where[0], where[1])]


def _filtered(rows: list[Row], expression: str) -> list[Row]:
    """`[!]field:regex`: keep rows whose whole field matches (or, with !, does not)."""
    negate = expression.startswith("!")
    name, _, pattern = expression.lstrip("!").partition(":")
    if name not in FIELDS:
        raise BadQuery(f"unknown filter field {name!r}")
    try:
        regex = re.compile(pattern)
    except re.error as problem:
        raise BadQuery(f"bad filter regex {pattern!r}: {problem}") from None
    return [r for r in rows if bool(regex.fullmatch(r[name])) != negate]


def _collapsed(rows: list[Row], expression: str) -> list[Row]:
    """`field` or `field:N`: of adjacent rows equal in the field (its first N characters), keep the first."""
    name, _, width = expression.partition(":")
    if name not in FIELDS:
        raise BadQuery(f"unknown collapse field {name!r}")
    size = _integer(width) if width else None
    kept: list[Row] = []
    for row in rows:
        if not kept or kept[-1][name][:size] != row[name][:size]:
            kept.append(row)
    return kept


def _fields(fl: str | None) -> tuple[str, ...]:
    if not fl:
        return FIELDS
    fields = tuple(f.strip() for f in fl.split(",") if f.strip())
    unknown = [f for f in fields if f not in FIELDS]
    if unknown:
        raise BadQuery(f"unknown field {unknown[0]!r} in fl")
    return fields


def _content_type(named: Mapping[str, str]) -> str:
    return "application/json" if named.get("output") == "json" else "text/plain; charset=utf-8"


def _render(rows: list[list[str]], fields: Sequence[str], named: Mapping[str, str], resume_key: str | None) -> bytes:
    """JSON: the header row then one row per line; `[]` alone when nothing matched; with a resume key, `[]` and
    `["<key>"]` close the array. Text: one space-separated line per row; a blank line, then the key."""
    if named.get("output") == "json":
        if not rows:
            return b"[]\n"
        lines = [json.dumps(list(fields)), *(json.dumps(row) for row in rows)]
        if resume_key:
            lines += ["[]", json.dumps([resume_key])]
        return ("[" + ",\n".join(lines) + "]\n").encode()
    text = "".join(" ".join(row) + "\n" for row in rows)
    if resume_key:
        text += "\n" + resume_key + "\n"
    return text.encode()
