"""URLs as reports write them: finding them in text, trimming them, judging them, comparing them.

Canonical form comes from w3lib (Scrapy's URL library: sorted query, normalised percent-encoding,
no fragment). courlan, which trafilatura brings, was not used for the comparison key because its
cleaner also strips `ref`, `source`, `uid`… — real parameters on some news sites. The tracking
parameters we drop are listed here, per host where they are only noise on that host.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit, urlunsplit

# Anything that looks like an attempt at a URL: a scheme with slashes, a scheme missing its
# colon ("https//…"), or a bare www. host.
_URLISH = re.compile(
    r"""(?ix)
    (?<![\w@.])
    (?:
        [a-z][a-z0-9+.\-]{1,15}:/{1,3}[^\s<>"«»“”]*
      | https?//[^\s<>"«»“”]*
      | www\.[^\s<>"«»“”]+
    )
    """
)

_TRAILING = ".,;:!?'’\"”»>…*"
_TRAILING_MARKERS = re.compile(r"(\[\d{1,6}(?:\s*[,;–—-]\s*\d{1,6})*\]|\[\^[^\]\s]{1,64}\])+$")
_CLOSERS = {")": "(", "]": "[", "}": "{"}

GENERIC_TRACKERS = {
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid", "igsh",
    "mc_cid", "mc_eid", "_hsenc", "_hsmi", "oly_enc_id", "oly_anon_id", "vero_id", "_openstat",
    "rdid", "mibextid", "_rdc", "_rdr", "__cft__[0]", "__tn__", "sfnsn",
}
HOST_TRACKERS = {
    "facebook.com": {"ref", "hc_ref", "fref", "sk", "notif_id", "notif_t", "paipv", "eav", "__xts__[0]"},
    "instagram.com": {"utm_medium", "hl"},
    "youtube.com": {"si", "feature", "pp"},
    "youtu.be": {"si", "feature"},
    "twitter.com": {"s", "t", "ref_src", "ref_url"},
    "x.com": {"s", "t", "ref_src", "ref_url"},
    "t.me": {"single"},
    "tiktok.com": {"_r", "_t", "is_from_webapp", "sender_device", "is_copy_url", "web_id"},
    "spotify.com": {"si"},
}

_DRAFT_QUERY = {"preview", "preview_id", "preview_nonce", "_thumbnail_id", "draft", "elementor-preview"}
_DRAFT_PATH = re.compile(r"(?i)/(wp-admin|wp-login\.php|ghost/#/editor|drafts?|preview)(/|$|\?)")
_LOCAL_SUFFIXES = (".local", ".localhost", ".internal", ".lan", ".home.arpa", ".corp", ".intranet")
_DOTTED = re.compile(r"[0-9.]+")
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$", re.I)


def find_urls(text: str) -> list[tuple[int, int, str]]:
    """(start, end, url) for every URL-like span in `text`, trimmed of trailing punctuation."""
    spans: list[tuple[int, int, str]] = []
    if "//" not in text and "www." not in text.lower():
        return spans
    for m in _URLISH.finditer(text):
        url = trim_url(m.group(0))
        if len(url) < 5:
            continue
        spans.append((m.start(), m.start() + len(url), url))
    return spans


def trim_url(url: str) -> str:
    """Drop sentence punctuation, unbalanced closing brackets and citation markers after a URL."""
    while url:
        shorter = _TRAILING_MARKERS.sub("", url)
        last = shorter[-1:] if shorter else ""
        if last and last in _TRAILING:
            shorter = shorter[:-1]
        elif last in _CLOSERS and shorter.count(last) > shorter.count(_CLOSERS[last]):
            shorter = shorter[:-1]
        if shorter == url:
            break
        url = shorter
    return url


def with_scheme(url: str) -> str:
    """A bare `www.` link as a browser would open it."""
    return "http://" + url if url.lower().startswith("www.") else url


@lru_cache(maxsize=65536)
def invalid_reason(url: str) -> str | None:
    """Why `url` cannot be a web address, or None when it can."""
    url = with_scheme(url)
    if re.match(r"(?i)https?//", url):
        return "the scheme lacks its colon"
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        return f"it cannot be parsed ({exc})"
    if not parts.scheme:
        return "it is a relative link, with no site to resolve it against (write the full address)"
    if parts.scheme.lower() not in ("http", "https"):
        return f"'{parts.scheme}:' is not a web scheme"
    if not url.lower().startswith(parts.scheme.lower() + "://"):
        return "the scheme must be followed by '//'"
    host = parts.hostname
    if not host:
        return "it has no host name"
    try:
        port = parts.port
    except ValueError:
        return "its port is not a number from 1 to 65535"
    if port == 0:
        return "its port is not a number from 1 to 65535"
    if _ip(host) is not None:
        return None
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return f"'{host}' is not a valid host name"
    labels = ascii_host.rstrip(".").split(".")
    if not all(_HOST_LABEL.match(label) for label in labels):
        return f"'{host}' is not a valid host name"
    if len(labels) < 2 and ascii_host != "localhost":
        return f"'{host}' has no domain"
    return None


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if ":" not in host and not _DOTTED.fullmatch(host):
        return None
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def is_private_host(host: str) -> bool:
    """Loopback, private, link-local and other addresses no public report should link to."""
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(_LOCAL_SUFFIXES):
        return True
    ip = _ip(host)
    if ip is None:
        return False
    return not ip.is_global or ip.is_multicast


def draft_reason(url: str) -> str | None:
    """Why `url` looks like an unpublished, preview or admin link, or None."""
    url = with_scheme(url)
    parts = urlsplit(url)
    host = parts.hostname or ""
    if is_private_host(host):
        return f"it points at a private or local address ({host})"
    keys = {k.lower() for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
    preview = sorted(keys & _DRAFT_QUERY)
    if preview:
        return f"it carries the draft/preview parameter '{preview[0]}'"
    m = _DRAFT_PATH.search(parts.path + ("?" if parts.query else ""))
    if m:
        return f"its path goes through '/{m.group(1)}', an editor's or draft page"
    return None


def _site(host: str) -> str:
    host = host.lower().rstrip(".")
    for prefix in ("www.", "web.", "m.", "mobile.", "mbasic.", "touch."):
        if host.startswith(prefix) and host.count(".") >= 2:
            return host[len(prefix) :]
    return host


@lru_cache(maxsize=4096)
def _trackers_for(host: str) -> frozenset[str]:
    site = _site(host)
    found = set(GENERIC_TRACKERS)
    for domain, keys in HOST_TRACKERS.items():
        if site == domain or site.endswith("." + domain):
            found |= keys
    return frozenset(found)


def tracking_parameters(url: str) -> list[str]:
    """The query parameters of `url` that only track the click, in the order written."""
    parts = urlsplit(with_scheme(url))
    trackers = _trackers_for(parts.hostname or "")
    names = []
    for key, _ in parse_qsl(parts.query, keep_blank_values=True):
        if (key in trackers or key.lower().startswith("utm_")) and key not in names:
            names.append(key)
    return names


def comparison_key(url: str) -> str:
    """Two URLs with the same key cite the same source.

    Scheme, `www.`/`web.`/`m.` host variants, default ports, fragments, parameter order and
    tracking parameters do not make a different source; everything else does.
    """
    from w3lib.url import canonicalize_url

    parts = urlsplit(with_scheme(url))
    host = _site(parts.hostname or "")
    trackers = _trackers_for(host)
    if ":" in host:
        host = f"[{host}]"
    port = parts.port if parts.port not in (None, 80, 443) else None
    netloc = host if port is None else f"{host}:{port}"
    kept = [
        piece for piece in parts.query.split("&")
        if piece and (name := piece.split("=", 1)[0]) not in trackers and not name.lower().startswith("utm_")
    ]
    path = parts.path.rstrip("/") or "/"
    return canonicalize_url(urlunsplit(("https", netloc, path, "&".join(kept), "")))
