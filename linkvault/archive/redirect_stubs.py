"""Redirect stubs: 200 pages whose only job is to send the browser on to another page.

A moved article is often left behind as `<meta http-equiv="refresh" content="0; url=…">` or as a
script assigning `location`. A browser follows such a page at once, so the fetcher follows it too,
as one more hop: otherwise the WARC, the text index and the verdict would describe the stub while
the screenshot (Chromium followed it) shows the article.

The rule, kept narrow so a real page is never traded for another:

- a meta refresh to another page is followed when its delay is at most `LEAVE_AT_ONCE` seconds
  (the browser leaves before anyone could read the page), or at most `STUB_DELAY` seconds on a page
  with essentially nothing else to read (under `STUB_TEXT` characters of visible text);
- a short inline script (under `STUB_SCRIPT` characters) assigning `location` a literal address
  is followed only on a page with essentially nothing else to read;
- a refresh to the page itself (fragments aside), a longer delay, a refresh inside `<noscript>`
  (browsers that run scripts ignore it), or a target that is not http(s) is never followed: a news
  page reloading itself every 300 s is archived as itself.

Where the page a stub leads to answers with an error, or leads back into a loop, the stub is what
gets judged (the attempt stays in the WARC): a browser may have carried a cookie or run a script we
do not, so that is no proof the link is dead. A hop the address guard refuses stays refused.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin, urlsplit

from linkvault.archive.extract import charset_of, decode_content, decode_text

LEAVE_AT_ONCE = 1.0  # seconds: a refresh this quick leaves before the page can be read, whatever it holds
STUB_DELAY = 10.0  # seconds: the longest "you are being redirected" wait still followed on an empty page
STUB_TEXT = 300  # characters of visible text under which a page holds nothing besides its redirect
STUB_MAX_BYTES = 512 * 1024  # a page larger than this is not a stub; it is not even scanned
STUB_SCRIPT = 2000  # characters: a stub's redirecting script is short; an app's code is not read for one

_COMMENT = re.compile(r"<!--.*?-->", re.S)
_BLOCK = re.compile(r"<(script|style|template|title|noscript|head)\b[^>]*>.*?</\1\s*>", re.S | re.I)
_NOSCRIPT = re.compile(r"<noscript\b[^>]*>.*?</noscript\s*>", re.S | re.I)
_TAG = re.compile(r"<[^>]*>")
_META = re.compile(r"<meta\b([^>]*)>", re.I)
_ATTR = re.compile(r"""([^\s"'>/=]+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""")
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.I)
# `location = "…"`, `window.location.href = '…'`, `top.location.replace("…")`, `document.location.assign(`…`)`
_JS_TARGET = r"""(?:(?:window|document|top|self|parent|this)\s*\.\s*)*location(?:\s*\.\s*href)?"""
_JS_ASSIGN = re.compile(
    r"(?<![\w$.])" + _JS_TARGET + r"""\s*(?:=(?!=)\s*|\.\s*(?:replace|assign)\s*\(\s*)(["'`])([^"'`\n]*)\1""")


@dataclass(frozen=True)
class StubHop:
    """Where a stub sends the browser, and how (`meta-refresh` or `script`)."""

    target: str
    via: str
    delay: float = 0.0


def redirect_stub(url: str, status: int | None, headers: list[tuple[str, str]], body: bytes) -> StubHop | None:
    """The hop a 2xx HTML page makes by itself, or None when it is a page in its own right."""
    if status is None or not 200 <= status < 300 or not body:
        return None
    content_type = _header(headers, "content-type") or ""
    if content_type and "html" not in content_type.lower():
        return None
    if len(body) > STUB_MAX_BYTES:
        return None
    raw = decode_content(body, _header(headers, "content-encoding"), STUB_MAX_BYTES + 1).body
    if len(raw) > STUB_MAX_BYTES:
        return None
    charset = charset_of(raw, content_type)
    if charset in (None, "utf-8") and not _may_redirect(raw):
        return None
    page = decode_text(raw, charset)
    lowered = page.lower()
    if "refresh" not in lowered and "location" not in lowered:
        return None
    page = _COMMENT.sub(" ", page)
    empty = len(visible_text(page)) < STUB_TEXT
    # A meta refresh inside <noscript> never counts: a browser running scripts (Chromium, for the
    # screenshot) ignores it, as on Facebook's and YouTube's pages for visitors without scripts.
    hop = _meta_refresh(url, _NOSCRIPT.sub(" ", page), empty)
    if hop is None and empty:
        hop = _script_hop(url, page)
    return hop


def _may_redirect(raw: bytes) -> bool:
    """Whether a UTF-8 page may name a refresh or a location: in UTF-8 an ASCII letter is its own byte and no other
    character lowers to one of those words' letters, so the bytes, lowered, hold the words wherever the text does
    (and a page that holds neither is no stub); lowering the bytes costs a fraction of decoding and lowering text."""
    lowered = raw.lower()
    return b"refresh" in lowered or b"location" in lowered


def visible_text(page: str) -> str:
    """What a reader sees: the page without scripts, styles, head and tags, whitespace collapsed."""
    text = _TAG.sub(" ", _BLOCK.sub(" ", page))
    return " ".join(html.unescape(text).split())


def _meta_refresh(url: str, page: str, empty: bool) -> StubHop | None:
    for match in _META.finditer(page):
        attrs = {name.lower(): html.unescape(value.strip("\"'")) for name, value in _ATTR.findall(match.group(1))}
        if attrs.get("http-equiv", "").strip().lower() != "refresh" or "content" not in attrs:
            continue
        parsed = parse_refresh(attrs["content"])
        if parsed is None:
            return None
        delay, target = parsed
        if delay > (STUB_DELAY if empty else LEAVE_AT_ONCE):
            return None
        return _hop(url, target, "meta-refresh", delay)
    return None


def parse_refresh(content: str) -> tuple[float, str] | None:
    """(delay, address) of a refresh's `content`, read as the HTML standard reads it; an empty
    address means the page itself. None when the content does not start with a delay."""
    m = re.match(r"[ \t\n\f\r]*(\d*)([\d.]*)", content)
    if m is None or (not m.group(1) and not m.group(2).startswith(".")):
        return None
    delay = float(m.group(1) or 0)
    rest = content[m.end():]
    if rest[:1] not in ("", ";", ",", " ", "\t", "\n", "\f", "\r"):
        return None
    rest = rest.lstrip(" \t\n\f\r")
    if rest[:1] in (";", ","):
        rest = rest[1:].lstrip(" \t\n\f\r")
    named = re.match(r"(?i)url\s*=\s*", rest)
    if named:
        rest = rest[named.end():]
    if rest[:1] in ("'", '"'):
        rest = rest[1:].split(rest[0], 1)[0]
    return delay, rest.strip()


def _script_hop(url: str, page: str) -> StubHop | None:
    for attrs, code in _SCRIPT.findall(page):
        kind = dict(_ATTR.findall(attrs)).get("type", "").strip("\"'").lower()
        if (kind and "javascript" not in kind and kind != "module") or len(code) > STUB_SCRIPT:
            continue
        for _quote, target in _JS_ASSIGN.findall(code):
            if "${" in target:  # a computed address: not something we can follow
                continue
            hop = _hop(url, target.replace("\\/", "/"), "script", 0.0)
            if hop is not None:
                return hop
    return None


def _hop(url: str, target: str, via: str, delay: float) -> StubHop | None:
    target = target.strip()
    if not target:
        return None
    resolved = urljoin(url, target)
    if urlsplit(resolved).scheme.lower() not in ("http", "https"):
        return None
    if urldefrag(resolved)[0] == urldefrag(url)[0]:  # a page refreshing itself stays where it is
        return None
    return StubHop(urldefrag(resolved)[0], via, delay)


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    return next((value for key, value in headers if key.lower() == name), None)
