"""What archives answer when asked for a URL's captures, read into Candidates: the Wayback CDX server's JSON,
the availability API's JSON (one answer or a batch) and RFC 7089 TimeMaps in link format (any archive, and a
MemGator aggregating them).

Every answer is untrusted input from a service we do not run: a row that is not what the format says is
skipped, never raised; a listing is read up to MAX_ROWS; and nothing here fetches or follows anything (a URI-M
is only a candidate until capture fetches it under the guard).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from linkvault.archive.webarchives.mementos import raw_memento
from linkvault.model import Candidate

MAX_ROWS = 20_000  # rows of one listing read; more is a listing no lookup of a footnote needs
IA_WEB = "https://web.archive.org/web"
_TIMESTAMP = re.compile(r"^\d{14}$")


def iso_of_timestamp(timestamp: str) -> str | None:
    """A Wayback 14-digit timestamp as ISO 8601 UTC ("20240401091233" → "2024-04-01T09:12:33Z")."""
    if not _TIMESTAMP.match(timestamp or ""):
        return None
    try:
        when = datetime.strptime(timestamp, "%Y%m%d%H%M%S")
    except ValueError:
        return None
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def wayback_uris(prefix: str, timestamp: str, original: str) -> tuple[str, str]:
    """The replay URI-M and the raw (id_) URI of a Wayback-family capture."""
    return f"{prefix}/{timestamp}/{original}", f"{prefix}/{timestamp}id_/{original}"


def cdx_candidates(body: str, url: str) -> list[Candidate]:
    """The CDX server's `output=json` answer: an array of string arrays whose first row names the fields.
    An empty body, `[]` or a header alone all mean no capture. Revisit rows (status "-") are kept, listed
    as such: the query's filters decide what is asked for, this only reads what came."""
    try:
        rows = json.loads(body) if body.strip() else []
    except ValueError:
        return []
    if not isinstance(rows, list) or not rows or not isinstance(rows[0], list):
        return []
    header = [str(name) for name in rows[0]]
    found = []
    for row in rows[1:MAX_ROWS + 1]:
        if not isinstance(row, list) or len(row) != len(header):
            continue  # the resume key's [] and ["key"] rows, or a broken one
        fields = dict(zip(header, (str(value) for value in row)))
        candidate = _cdx_candidate(fields, url)
        if candidate is not None:
            found.append(candidate)
    return found


def _cdx_candidate(fields: dict[str, str], url: str) -> Candidate | None:
    timestamp, original = fields.get("timestamp", ""), fields.get("original") or url
    when = iso_of_timestamp(timestamp)
    if when is None:
        return None
    replay, raw = wayback_uris(IA_WEB, timestamp, original)
    status = fields.get("statuscode", "")
    return Candidate(url=url, archive="web.archive.org", uri_m=replay, memento_at=when, found_by="cdx",
                     listed_status=int(status) if status.isdigit() else None,
                     listed_mimetype=fields.get("mimetype") or None,
                     listed_digest=fields.get("digest") or None, raw_uri=raw)


def availability_candidates(body: str, urls_by_tag: dict[str, str] | None = None,
                            url: str | None = None) -> dict[str, list[Candidate]]:
    """The availability API's answer, keyed by the URL asked about: v1's single `archived_snapshots`
    (give `url`), or v2's batch of `results` each carrying the `tag` it was asked with (give `urls_by_tag`).
    A result without `archived_snapshots` failed and is left out (so it can be asked again); `{}` is none."""
    try:
        answer = json.loads(body)
    except ValueError:
        return {}
    if not isinstance(answer, dict):
        return {}
    if "results" in answer and urls_by_tag is not None:
        results = answer["results"] if isinstance(answer["results"], list) else []
        pairs = [(urls_by_tag.get(str(r.get("tag"))), r) for r in results[:MAX_ROWS] if isinstance(r, dict)]
    else:
        pairs = [(url, answer)]
    found: dict[str, list[Candidate]] = {}
    for asked, result in pairs:
        snapshots = result.get("archived_snapshots")
        if asked is None or not isinstance(snapshots, dict):
            continue
        closest = snapshots.get("closest")
        found[asked] = [c for c in [_closest_candidate(closest, asked)] if c is not None]
    return found


def _closest_candidate(closest: object, url: str) -> Candidate | None:
    if not isinstance(closest, dict) or closest.get("available") is False:
        return None
    timestamp = str(closest.get("timestamp", ""))
    when = iso_of_timestamp(timestamp)
    if when is None:
        return None
    replay, raw = wayback_uris(IA_WEB, timestamp, url)
    status = str(closest.get("status", ""))
    return Candidate(url=url, archive="web.archive.org", uri_m=replay, memento_at=when, found_by="availability",
                     listed_status=int(status) if status.isdigit() else None, raw_uri=raw)


def parse_links(body: str) -> Iterator[tuple[str, dict[str, str]]]:
    """RFC 6690 link format as TimeMaps use it: `<URI>; name="value"; …` entries separated by commas. A comma
    or semicolon inside `<…>` or a quoted value belongs to it; an entry that does not open with `<` is skipped."""
    position, end, read = 0, len(body), 0
    while position < end and read < MAX_ROWS:
        start = body.find("<", position)
        close = body.find(">", start + 1) if start >= 0 else -1
        if start < 0 or close < 0:
            return
        uri, position = body[start + 1:close].strip(), close + 1
        params, position = _params(body, position)
        read += 1
        yield uri, params


_PARAM = re.compile(r'\s*;\s*([A-Za-z][\w.-]*)\s*(?:=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;,"<]*)))?')


def _params(body: str, position: int) -> tuple[dict[str, str], int]:
    """The `; name="value"` parameters after a link; returns them and where the next entry may start (text the
    format does not allow before it is skipped, not raised: the next `<` starts the next entry)."""
    params: dict[str, str] = {}
    while found := _PARAM.match(body, position):
        quoted, bare = found.group(2), found.group(3)
        params.setdefault(found.group(1).lower(), (quoted.replace('\\"', '"') if quoted is not None else bare or ""))
        position = found.end()
    return params, position


def timemap_candidates(body: str, url: str, archive: str, found_by: str = "timemap") -> list[Candidate]:
    """The mementos a TimeMap lists (any `rel` containing the word memento, with a datetime it can read),
    oldest first. `archive` names where they come from; for an aggregator's TimeMap each memento's own host
    does (`archive=""`)."""
    found = []
    for uri, params in parse_links(body):
        if "memento" not in params.get("rel", "").split() or not uri.lower().startswith(("http://", "https://")):
            continue
        when = _rfc1123(params.get("datetime", ""))
        if when is None:
            continue
        host = archive or (urlsplit(uri).hostname or "")
        found.append(Candidate(url=url, archive=host, uri_m=uri, memento_at=when, found_by=found_by,
                               raw_uri=raw_memento(uri)))
    return sorted(found, key=lambda c: c.memento_at)


def _rfc1123(text: str) -> str | None:
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
