"""What the fake web archives hold, and the formats every one of them shares.

An `ArchivedCapture` is one archived HTTP response, as a CDX row and a memento both describe it: its digest is
the base32 SHA-1 of the payload (the entity body with any content coding kept), the formula pywb's indexer and
EDGI's `cdx_hash` use (design §1.1). A `CaptureStore` is one archive's holdings, shared by the services that read
it (CDX, availability, replay, TimeMap) and Save Page Now, which adds to it. The link-format writer and the memento
`Link` header follow RFC 7089 as the Wayback Machine and pywb write them.
"""

from __future__ import annotations

import hashlib
import threading
from base64 import b32encode
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from urllib.parse import parse_qsl, urlencode, urlsplit

TS_FORMAT = "%Y%m%d%H%M%S"


@dataclass
class ArchivedCapture:
    """One archived response. `headers` are the archived response's own headers as the crawler received them
    (without Content-Type, taken from `mimetype` unless given); `location` is the archived Location of a 3xx."""

    url: str
    timestamp: str  # 14 digits, UTC
    status: int = 200
    mimetype: str = "text/html"
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    location: str | None = None
    revisit: bool = False  # a CDX warc/revisit row (status "-"); replayed with the payload it revisits

    def __post_init__(self) -> None:
        if len(self.timestamp) != 14 or not self.timestamp.isdigit():
            raise ValueError(f"a capture's timestamp has 14 digits, not {self.timestamp!r}")
        if 300 <= self.status < 400 and not self.location:
            raise ValueError(f"a {self.status} capture needs its archived Location")

    @property
    def digest(self) -> str:
        """The CDX `digest`: base32 of the SHA-1 of the payload."""
        return b32encode(hashlib.sha1(self.body).digest()).decode("ascii")

    @property
    def when(self) -> datetime:
        return parse_timestamp(self.timestamp)

    @property
    def http_date(self) -> str:
        """RFC 1123 GMT, as Memento-Datetime and TimeMap `datetime` carry it."""
        return http_date(self.timestamp)

    @property
    def content_type(self) -> str:
        declared = next((v for k, v in self.headers if k.lower() == "content-type"), None)
        return declared or self.mimetype

    def archived_headers(self) -> list[tuple[str, str]]:
        """The archived headers with Content-Type first (the one an archive repeats unprefixed), Location last."""
        rest = [(k, v) for k, v in self.headers if k.lower() not in ("content-type", "location")]
        located = [("Location", self.location)] if self.location else []
        return [("Content-Type", self.content_type), *rest, *located]


def html_capture(url: str, timestamp: str, title: str, text: str, status: int = 200,
                 headers: Iterable[tuple[str, str]] = (), charset: str = "utf-8") -> ArchivedCapture:
    """A capture of a small HTML page (title + one paragraph per line of `text`)."""
    paragraphs = "".join(f"<p>{line}</p>\n" for line in text.splitlines() if line.strip())
    page = (f'<!DOCTYPE html>\n<html>\n<head>\n<meta charset="{charset}">\n<title>{title}</title>\n</head>\n'
            f"<body>\n<h1>{title}</h1>\n{paragraphs}</body>\n</html>\n")
    return ArchivedCapture(url, timestamp, status=status, body=page.encode(charset),
                           headers=[("Content-Type", f"text/html; charset={charset}"), ("Server", "nginx"),
                                    *headers])


def redirect_capture(url: str, timestamp: str, location: str, status: int = 301) -> ArchivedCapture:
    """A capture of a redirect (what the crawler got: a 3xx and its Location)."""
    return ArchivedCapture(url, timestamp, status=status, body=b"", location=location,
                           headers=[("Content-Type", "text/html"), ("Server", "nginx")])


# --- time --------------------------------------------------------------------------------------------------------

def parse_timestamp(timestamp: str) -> datetime:
    """A 1–14 digit Wayback timestamp, padded as Wayback pads it (to the earliest instant it names)."""
    padded = timestamp + "00000101000000"[len(timestamp):]
    return datetime.strptime(padded, TS_FORMAT).replace(tzinfo=timezone.utc)


def format_timestamp(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime(TS_FORMAT)


def http_date(timestamp: str) -> str:
    return format_datetime(parse_timestamp(timestamp), usegmt=True)


def iso_date(timestamp: str) -> str:
    """ISO 8601 UTC with a Z, as MemGator's JSON TimeMap writes it."""
    return parse_timestamp(timestamp).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_timestamp() -> str:
    return format_timestamp(datetime.now(timezone.utc))


def later(timestamp: str, seconds: int) -> str:
    return format_timestamp(parse_timestamp(timestamp) + timedelta(seconds=seconds))


def closeness(capture: ArchivedCapture, timestamp: str) -> float:
    return abs((capture.when - parse_timestamp(timestamp)).total_seconds())


# --- which captures are of a URL ---------------------------------------------------------------------------------

def urlkey(url: str) -> str:
    """SURT-lite, as the CDX `urlkey`: scheme, `www.` and default ports dropped, host reversed, lower case, query
    sorted ('https://www.KazTag.kz/ru/x?b=1&a=2' -> 'kz,kaztag)/ru/x?a=2&b=1'). Captures of http/https and www
    variants of a URL are then the same resource, as in Wayback."""
    parts = urlsplit(url if "://" in url else "http://" + url)
    host = (parts.hostname or "").lower().rstrip(".")
    for prefix in ("www.", "www1.", "www2."):
        if host.startswith(prefix):
            host = host[len(prefix):]
    port = parts.port
    netloc = ",".join(reversed(host.split(".")))
    if port and port not in (80, 443):
        netloc += f":{port}"
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return f"{netloc}){parts.path.lower() or '/'}" + (f"?{query.lower()}" if query else "")


class CaptureStore:
    """One archive's holdings, thread-safe: the fake services read it while Save Page Now adds to it. Indexed by
    urlkey, so a benchmark's thousands of captures stay cheap to look up."""

    def __init__(self, captures: Iterable[ArchivedCapture] = ()):
        self._lock = threading.Lock()
        self._by_key: dict[str, list[ArchivedCapture]] = {}
        for capture in captures:
            self.add(capture)

    def add(self, capture: ArchivedCapture) -> ArchivedCapture:
        with self._lock:
            same = self._by_key.setdefault(urlkey(capture.url), [])
            same.append(capture)
            same.sort(key=lambda c: c.timestamp)
        return capture

    def all(self) -> list[ArchivedCapture]:
        """Every capture, in CDX order (urlkey, then timestamp)."""
        with self._lock:
            return [c for key in sorted(self._by_key) for c in self._by_key[key]]

    def of(self, url: str) -> list[ArchivedCapture]:
        """Every capture of the resource `url` names, oldest first."""
        with self._lock:
            return list(self._by_key.get(urlkey(url), []))

    def exact(self, url: str, timestamp: str) -> ArchivedCapture | None:
        return next((c for c in self.of(url) if c.timestamp == timestamp), None)

    def nearest(self, url: str, timestamp: str) -> ArchivedCapture | None:
        """The capture closest in time (the earlier one on a tie), as Wayback steers an inexact request."""
        captures = self.of(url)
        return min(captures, key=lambda c: (closeness(c, timestamp), c.timestamp)) if captures else None


# --- RFC 7089 link format ----------------------------------------------------------------------------------------

Link = tuple[str, Sequence[tuple[str, str]]]  # (URI, [(attribute, value), …]) in the order written


def link_text(links: Sequence[Link], separator: str = ",\n") -> str:
    """`<uri>; rel="…"; datetime="…"` per link: ",\n"-separated for a TimeMap body, ", " for a Link header."""
    return separator.join(f"<{uri}>" + "".join(f'; {name}="{value}"' for name, value in attrs)
                          for uri, attrs in links)


def memento_rels(count: int, index: int, current: int | None = None) -> str:
    """The rel of memento `index` among `count`: 'first memento', 'prev memento', 'memento', 'last memento' …"""
    words = []
    if index == 0:
        words.append("first")
    if index == count - 1:
        words.append("last")
    if current is not None and index == current - 1:
        words.append("prev")
    if current is not None and index == current + 1:
        words.append("next")
    return " ".join([*words, "memento"])


def timemap_links(original: str, self_uri: str, timegate: str, mementos: Sequence[tuple[str, str]],
                  extra: Sequence[tuple[str, str]] = ()) -> list[Link]:
    """A TimeMap's links: original, self (with `from`/`until`), timegate, then each (URI-M, timestamp) with its
    rel and datetime, plus `extra` attributes on every memento (pywb's `collection`)."""
    stamps = [ts for _, ts in mementos]
    self_attrs = [("rel", "self"), ("type", "application/link-format")]
    if stamps:
        self_attrs += [("from", http_date(stamps[0])), ("until", http_date(stamps[-1]))]
    links: list[Link] = [(original, [("rel", "original")]), (self_uri, self_attrs),
                         (timegate, [("rel", "timegate")])]
    for index, (uri, ts) in enumerate(mementos):
        links.append((uri, [("rel", memento_rels(len(mementos), index)), ("datetime", http_date(ts)), *extra]))
    return links


# --- the "Done" case (design §7 scenario 1) --------------------------------------------------------------

DEAD_ARTICLE = "https://kaztag.kz/ru/news/x"
DEAD_ARTICLE_TEXT = ("Астана. 1 апреля. КазТАГ – Суд Астаны арестовал журналиста Марата Есенова на два месяца.\n"
                     "Защита намерена обжаловать меру пресечения.")


def dead_article_captures(url: str = DEAD_ARTICLE) -> list[ArchivedCapture]:
    """A dead article's captures, closest-before a 2024-04-04 reference first: 04-03 a 200 that is the site's
    not-found page, 04-02 a 301 to the front page, 04-01 the article; plus a revisit row and a 404 row (which the
    usual CDX filters drop) and the front page the redirect leads to."""
    article = html_capture(url, "20240401091233", "Суд Астаны арестовал журналиста", DEAD_ARTICLE_TEXT)
    front = "https://kaztag.kz/"
    return [
        article,
        redirect_capture(url, "20240402101500", front),
        html_capture(front, "20240402101502", "КазТАГ", "Новости Казахстана"),
        html_capture(url, "20240403081000", "Страница не найдена", "Страница не найдена. Вернуться на главную."),
        html_capture(url, "20240403200000", "404 Not Found", "Not Found", status=404),
        ArchivedCapture(url, "20240404090000", body=article.body, revisit=True, headers=article.headers),
    ]
