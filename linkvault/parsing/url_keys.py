"""URLs compared: when two cite the same source (`comparison_key`), and which parameters only track the click.

Canonical form comes from w3lib (Scrapy's URL library: sorted query, normalised percent-encoding,
no fragment). courlan, which trafilatura brings, was not used for the comparison key because its
cleaner also strips `ref`, `source`, `uid`… — real parameters on some news sites. The tracking
parameters we drop are listed here, per host where they are only noise on that host.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from linkvault.parsing.urls import with_scheme

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
# A key w3lib's canonical form leaves as it is: a lower-case ASCII host and a path of plain segments (none of them
# a dot segment), no port, no query. It is returned without w3lib's parsing, most of a long report's check.
_CANONICAL = re.compile(r"https://[a-z0-9]+(?:[.-][a-z0-9]+)*(?:/|(?:/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)+)")


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


@lru_cache(maxsize=65536)  # asked three times of each URL before a run's first request: parse, findings, vault
def comparison_key(url: str) -> str:
    """Two URLs with the same key cite the same source.

    Scheme, `www.`/`web.`/`m.` host variants, default ports, fragments, parameter order and
    tracking parameters do not make a different source; everything else does.
    """
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
    key = urlunsplit(("https", netloc, path, "&".join(kept), ""))
    if _CANONICAL.fullmatch(key):
        return key
    from w3lib.url import canonicalize_url  # loaded only for a key that needs it

    return canonicalize_url(key)
