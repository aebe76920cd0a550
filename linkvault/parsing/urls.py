"""URLs as reports write them: finding them in text, trimming them, judging them (comparing them: `url_keys`).

Hosts are read as browsers and httpx's resolver read them (the WHATWG URL host parser, like
inet_aton): `2130706433`, `0x7f000001`, `0177.0.0.1` and `127.1` are 127.0.0.1, so one rule
(`refusal`) tells the guard, `fetch`, `report` and `check` alike which links point inward. The rule
judges the host as it will be sent (`wire_host`: UTS-46 mapped, so `127。0。0。1` and `ＬＯＣＡＬＨＯＳＴ`
are what httpx, a proxy or a browser make of them), and an IPv6 address by the IPv4 address it
carries (NAT64, 6to4, IPv4-compatible, IPv4-mapped).
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from urllib.parse import parse_qsl, unquote, urlsplit

import idna

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
_MARKER = re.compile(r"\[\d{1,6}(?:\s*[,;–—-]\s*\d{1,6})*\]|\[\^[^\]\s]{1,64}\]")  # one citation marker
_MAX_MARKER = 200  # characters a marker written after a URL may take
_BRACKETS = "()[]{}"
_CLOSERS = {")": "(", "]": "[", "}": "{"}

_DRAFT_QUERY = {"preview", "preview_id", "preview_nonce", "_thumbnail_id", "draft", "elementor-preview"}
_DRAFT_PATH = re.compile(r"(?i)/(wp-admin|wp-login\.php|ghost/#/editor|drafts?|preview)(/|$|\?)")
_LOCAL_SUFFIXES = (".local", ".localhost", ".internal", ".lan", ".home.arpa", ".corp", ".intranet")
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
    """Drop sentence punctuation, unbalanced closing brackets and citation markers after a URL.

    One pass from the end with running bracket counts: trimming a character at a time with a fresh count
    and regex each time was quadratic (a URL followed by 20,000 dots took 20 s).
    """
    counts = {ch: url.count(ch) for ch in _BRACKETS}
    end = len(url)

    def cut(start: int) -> None:
        nonlocal end
        for ch in url[start:end]:
            if ch in counts:
                counts[ch] -= 1
        end = start

    while end:
        while end and url[end - 1] == "]":  # citation markers: [3], [3, 5–7], [^note]
            start = url.rfind("[", max(0, end - _MAX_MARKER), end)
            if start < 0 or not _MARKER.fullmatch(url, start, end):
                break
            cut(start)
        last = url[end - 1] if end else ""
        if last and last in _TRAILING:
            cut(end - 1)
        elif last in _CLOSERS and counts[last] > counts[_CLOSERS[last]]:
            cut(end - 1)
        else:
            break
    return url[:end]


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
    return _host_reason(host)


@lru_cache(maxsize=65536)  # per host, not per URL: a report cites many pages of few sites
def _host_reason(host: str) -> str | None:
    """Why `host` (a URL's, as urlsplit reads it) cannot be a web address's host, or None when it can."""
    try:
        if host_address(host) is not None:
            return None
    except ValueError as exc:
        return str(exc)
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return f"'{host}' is not a valid host name"
    labels = ascii_host.rstrip(".").split(".")
    if not all(_HOST_LABEL.match(label) for label in labels):
        return f"'{host}' is not a valid host name"
    if len(labels) < 2 and labels != ["localhost"]:
        return f"'{host}' has no domain"
    return None


# A memento's URI: the Wayback family's `…/<14 digits>[id_]/<original>` (web.archive.org/web/…, arquivo.pt/wayback/…)
# and archive.today's `archive.ph/<14 digits>/<original>` (or `/2024.04.01-091233/`).
_MEMENTO = re.compile(r"(?i)^https?://([^/?#]+)/(?:[^?#]*?/)?(\d{14}|\d{4}\.\d\d\.\d\d-\d{6})([a-z]{2}_)?/(.+)$")


def memento_parts(url: str) -> tuple[str, str, str, str] | None:
    """(archive host, 14-digit timestamp, mode (`id_`, `im_` or ""), original URL) when `url` is an archive's memento
    of a web page; None otherwise. Wayback folds the original's `//` to `/`; it is given back."""
    m = _MEMENTO.match(url)
    original = re.sub(r"(?i)^(https?):/+", r"\1://", m.group(4)) if m else ""
    if not m or invalid_reason(original):
        return None
    return m.group(1).lower(), re.sub(r"\D", "", m.group(2)), (m.group(3) or "").lower(), original


_NOTATION = {"decimal": "", "integer": "written as an integer", "hex": "written in hexadecimal",
             "octal": "written in octal", "short": "written in short form", "mixed": "written in a mixed notation"}


def _ipv4_number(part: str) -> tuple[int, str] | None:
    """One dotted part as the URL standard reads it: 0x… hexadecimal, 0… octal, else decimal."""
    if part[:2].lower() == "0x":
        digits, base, kind = part[2:], 16, "hex"
    elif len(part) > 1 and part[0] == "0":
        digits, base, kind = part[1:], 8, "octal"
    else:
        digits, base, kind = part, 10, "decimal"
    if digits == "":
        return (0, kind) if base == 16 else None
    try:
        return int(digits, base), kind
    except ValueError:
        return None


def _ipv4(host: str) -> tuple[ipaddress.IPv4Address, str] | None:
    """`host` as an IPv4 address in any notation browsers and inet_aton accept (the WHATWG URL host
    parser: 2130706433, 0x7f000001, 0177.0.0.1, 127.1 are all 127.0.0.1), with the notation used.
    None for a name; ValueError for a host that ends in a number but is no address."""
    parts = host.split(".")
    if parts[-1] == "" and len(parts) > 1:
        parts.pop()
    last = parts[-1]
    if not (last.isdigit() and last.isascii()) and _ipv4_number(last) is None:
        return None  # a name, not a number: the standard reads it as a domain
    numbers = [n for p in parts if (n := _ipv4_number(p)) is not None]
    if len(parts) > 4 or len(numbers) < len(parts):
        raise ValueError(f"'{host}' is not a valid IPv4 address")
    values = [n[0] for n in numbers]
    if any(v > 255 for v in values[:-1]) or values[-1] >= 256 ** (5 - len(values)):
        raise ValueError(f"'{host}' is not a valid IPv4 address (a part is out of range)")
    address = values[-1] + sum(v << (8 * (3 - i)) for i, v in enumerate(values[:-1]))
    odd = {n[1] for n in numbers} - {"decimal"}
    if not odd:
        notation = {1: "integer", 4: "decimal"}.get(len(parts), "short")
    else:
        notation = odd.pop() if len(odd) == 1 and len(parts) in (1, 4) else "mixed"
    return ipaddress.IPv4Address(address), notation


@lru_cache(maxsize=65536)
def wire_host(host: str) -> str:
    """`host` as it goes out: percent-encoding undone, UTS-46 mapped as httpx's IDNA encoding and
    browsers map it (full-width letters and digits, ideographic full stops, case, ignored characters),
    without brackets or a trailing dot. Judging this, not the spelling, is what lets no spelling of an
    address past the guard."""
    host = unquote(host).strip("[]")
    if ":" in host:
        return host.lower()
    try:
        host = idna.uts46_remap(host, std3_rules=False, transitional=False)
    except (idna.IDNAError, ValueError):
        host = host.lower()
    return host[:-1] if host.endswith(".") and host != "." else host


def host_address(host: str) -> tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, str] | None:
    """The IP address a URL's host names, and how it is written; None for a domain name.

    The host is read as sent (`wire_host`). Raises ValueError for a host that can only be a malformed
    address (`1.2.3.4.5`, `256.1.1.1`)."""
    host = wire_host(host)
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host.split("%")[0]), "ipv6"
        except ValueError:
            return None
    return _ipv4(host) if host else None


# IPv6 prefixes whose last 32 bits are an IPv4 address the packet ends up at (RFC 6052, RFC 8215)
_NAT64 = {ipaddress.IPv6Network("64:ff9b::/96"): "NAT64", ipaddress.IPv6Network("64:ff9b:1::/48"): "local NAT64"}


def embedded_ipv4(ip: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address, str] | None:
    """The IPv4 address an IPv6 address carries traffic to, and how: IPv4-mapped (::ffff:a.b.c.d),
    IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d) or 6to4 (2002:aabb:ccdd::)."""
    if ip.ipv4_mapped:
        return ip.ipv4_mapped, "as an IPv4-mapped IPv6 address"
    if int(ip) >> 32 == 0 and int(ip) > 1:  # :: and ::1 are IPv6's own
        return ipaddress.IPv4Address(int(ip)), "as an IPv4-compatible IPv6 address"
    for network, name in _NAT64.items():
        if ip in network:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF), f"through {name} ({network})"
    if ip.sixtofour:
        return ip.sixtofour, "through 6to4 (2002::/16)"
    return None


def blocked_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """How `ip` reaches a loopback, private, link-local or other non-public address (an IPv6 address
    by the IPv4 address it carries), or None for a public one. The guard's test for every resolved
    address too, so names and literals are judged alike."""
    how = ""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = embedded_ipv4(ip)
        if embedded:
            ip, how = embedded
    if ip.is_global and not ip.is_multicast:
        return None
    return f"{ip} {how}" if how else str(ip)


@lru_cache(maxsize=65536)  # asked of each URL's host by check, fetch's plan and the guard: judged once per host
def private_address(host: str) -> str | None:
    """How `host`, as it will be sent, names a loopback, private, link-local or other non-public
    address ("127.0.0.1 written as an integer", "localhost"), or None for a public one."""
    host = wire_host(host)
    if host == "localhost" or host.endswith(_LOCAL_SUFFIXES):
        return host
    try:
        found = host_address(host)
    except ValueError:
        return None
    if found is None:
        return None
    ip, notation = found
    blocked = blocked_ip(ip)
    if blocked is None or isinstance(ip, ipaddress.IPv6Address):
        return blocked
    how = _NOTATION.get(notation, "")
    return f"{ip} {how}" if how else str(ip)


def is_private_host(host: str) -> bool:
    """Loopback, private, link-local and other addresses no public report should link to."""
    return private_address(host) is not None


def refusal(url: str, allow_private: bool = False) -> tuple[str, str] | None:
    """Why `url` is never fetched, judged without DNS, as (link state, detail); None when it may be.

    The one rule behind the address guard's per-hop check, `fetch`'s plan and `report`'s verdict on
    a link never fetched."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        return "unsupported-scheme", f"'{parts.scheme}:' links are not fetched" if parts.scheme else "the URL has no scheme"
    host = (parts.hostname or "").rstrip(".")
    if not host:
        return "unsupported-scheme", "the URL has no host"
    private = None if allow_private else private_address(host)
    if private:
        return "blocked-address", (f"{host} is a private, loopback or link-local address"
                                   + (f" ({private})" if private != host else ""))
    return None


def draft_reason(url: str) -> str | None:
    """Why `url` looks like an unpublished, preview or admin link, or None."""
    url = with_scheme(url)
    parts = urlsplit(url)
    host = parts.hostname or ""
    private = private_address(host)
    if private:
        return f"it points at a private or local address ({private})"
    keys = {k.lower() for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
    preview = sorted(keys & _DRAFT_QUERY)
    if preview:
        return f"it carries the draft/preview parameter '{preview[0]}'"
    m = _DRAFT_PATH.search(parts.path + ("?" if parts.query else ""))
    if m:
        return f"its path goes through '/{m.group(1)}', an editor's or draft page"
    return None
