"""Site adapters: one small module per site family, behind one interface.

    matches(url)                 does this adapter know the URL's site?
    companions(url)              further URLs worth fetching with it (a public preview, oEmbed)
    judge(page, companions)      a LinkState when the site's own tells decide, else None
    extract(page, companions)    the post's text and metadata, when the generic extractor would miss it

Adapters get pages (`model.Page`) and return verdicts; they know nothing of WARC or SQLite.
"""

from __future__ import annotations

from linkvault.sites import facebook, telegram, youtube
from linkvault.sites.base import SiteAdapter, SiteText

ADAPTERS: tuple[SiteAdapter, ...] = (telegram.ADAPTER, youtube.ADAPTER, facebook.ADAPTER)


_HOSTS = tuple(sorted({host for adapter in ADAPTERS for host in adapter.hosts}))


def adapter_for(url: str) -> SiteAdapter | None:
    """The adapter that knows the URL's site. Most cited URLs are on none of their hosts, which a URL names in its
    own letters (less the tabs and line breaks urlsplit drops): such a URL is told without parsing it (each adapter's
    own test parses it, ~10 µs a URL)."""
    lowered = url.lower().replace("\t", "").replace("\r", "").replace("\n", "")
    if not any(host in lowered for host in _HOSTS):
        return None
    return next((a for a in ADAPTERS if a.matches(url)), None)


__all__ = ["ADAPTERS", "SiteAdapter", "SiteText", "adapter_for"]
