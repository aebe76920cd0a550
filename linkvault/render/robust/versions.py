"""The words and attributes robustify writes for a footnote's archived versions, shared by every format.

Version URIs come from archives' answers: untrusted. Each is checked to be an absolute http(s) address and written
as a URI (non-ASCII, spaces, quotes, angle brackets and brackets percent-encoded; an IDN host in punycode), so no
format's reader takes it for more or less than one address; HTML escaping comes on top, where HTML is written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from urllib.parse import quote

import idna

from linkvault.model import VersionLink

Versions = Mapping[str, Sequence[VersionLink]]  # per cited URL (as the report cites it), its versions, best first

# What a URI may hold as it is (RFC 3986 unreserved and reserved characters, and `%` of an existing escape),
# less `'` and the brackets: `'` ends an address in text, `[`/`]` would end a Markdown inline note.
_SAFE = "-._~:/?#@!$&()*+,;=%"
_SCHEME_HOST = re.compile(r"(?i)^(https?://)([^/?#]*)")
_TRAILING = ".,;:!?*"  # what an address written in text never ends with (parsing.urls.trim_url)
UNDATED = "evidence pack"  # the pack's own page: written without a date once a dated version precedes it


def safe_uri(uri: str) -> str:
    """`uri` as an absolute http(s) URI that reads back whole from text; ValueError for anything else."""
    m = _SCHEME_HOST.match(uri.strip())
    if not m or not m.group(2):
        raise ValueError(f"not an absolute http(s) address: {uri[:200]!r}")
    host = m.group(2)
    if not host.isascii():
        user, at, hostport = host.rpartition("@")
        name, colon, port = hostport.partition(":")
        try:
            name = idna.encode(name, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            raise ValueError(f"not a valid host name in {uri[:200]!r}") from exc
        host = quote(user + at, safe=_SAFE) + name + colon + quote(port, safe="")
    rest = quote(uri.strip()[m.end():], safe=_SAFE)
    while rest and rest[-1] in _TRAILING:
        rest = rest[:-1] + f"%{ord(rest[-1]):02X}"
    return m.group(1).lower() + quote(host, safe=_SAFE + "[]") + rest


def group_items(versions: Sequence[VersionLink]) -> list[tuple[str, str]]:
    """Each version's words and URI: ("archived 2024-04-05", URI-M), ("evidence pack", URL) …"""
    items = []
    for i, version in enumerate(versions):
        dated = i == 0 or version.label != UNDATED
        items.append((f"{version.label} {version.day.isoformat()}" if dated else version.label, safe_uri(version.uri)))
    return items


def plain_group(versions: Sequence[VersionLink]) -> str:
    """`(archived 2024-04-05: URI-M; Save Page Now 2026-11-30: URI; evidence pack: URL)`, as plain text reads it."""
    return "(" + "; ".join(f"{words}: {uri}" for words, uri in group_items(versions)) + ")"


def robust_attributes(url: str, versions: Sequence[VersionLink]) -> list[tuple[str, str]]:
    """The Robust Links attributes for a link to `url`, values unescaped: the original, the first version's date,
    and every version's URI, space-separated."""
    return [
        ("data-originalurl", safe_uri(url)),
        ("data-versiondate", versions[0].day.isoformat()),
        ("data-versionurl", " ".join(safe_uri(v.uri) for v in versions)),
    ]


def checked(versions: Versions) -> dict[str, list[VersionLink]]:
    """The versions of each cited URL that has any, each URI checked before a byte is written."""
    found = {url: list(links) for url, links in versions.items() if links}
    for url, links in found.items():
        safe_uri(url)
        for link in links:
            safe_uri(link.uri)
    return found
