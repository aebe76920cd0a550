"""Facebook and Instagram posts, as an anonymous visitor can legitimately see them.

Both mostly answer anonymous clients with a login form or a redirect to /login. Besides the cited
URL, the mobile Facebook page and Instagram's public embed are fetched: whatever any of them shows
is archived. Only when every one of them is a login page is the link a `login-wall`; never dead
for that.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from linkvault.model import LinkState, Page
from linkvault.sites.base import SiteText, host_of, verdict

_LOGIN = re.compile(r"(?i)(/login|/accounts/login|login_form|loginform|id=\"login|name=\"pass\"|type=\"password\")")
_OG_DESCRIPTION = re.compile(r'(?is)<meta[^>]+property=["\']og:description["\'][^>]+content=["\']([^"\']+)')
_IG_POST = re.compile(r"^/(p|reel|tv)/([\w-]+)")
_NOT_AVAILABLE = re.compile(r"(?i)(this content isn.t available|this page isn.t available|sorry, this page isn.t available|"
                            r"контент сейчас недоступен|эта страница недоступна)")


class Facebook:
    name = "facebook"

    def matches(self, url: str) -> bool:
        return host_of(url) in ("facebook.com", "fb.com", "fb.watch", "instagram.com")

    def companions(self, url: str) -> list[str]:
        parts = urlsplit(url)
        host = host_of(url)
        if host == "facebook.com":
            return [urlunsplit(("https", "m.facebook.com", parts.path, parts.query, ""))]
        if host == "instagram.com":
            m = _IG_POST.match(parts.path)
            if m:
                return [f"https://www.instagram.com/{m.group(1)}/{m.group(2)}/embed/captioned/"]
        return []

    @staticmethod
    def _visible(page: Page) -> bool:
        if page.status is None or page.status >= 400:
            return False
        final = urlsplit(page.final_url or page.url).path
        if "/login" in final or "/accounts/login" in final or "checkpoint" in final:
            return False
        return len(page.text) >= 200 or (bool(_OG_DESCRIPTION.search(page.html)) and not _LOGIN.search(final))

    def judge(self, page: Page, companions: dict[str, Page]) -> LinkState | None:
        site = "Instagram" if host_of(page.url) == "instagram.com" else "Facebook"
        pages = [page, *companions.values()]
        if any(p.status == 200 and _NOT_AVAILABLE.search(p.html[:200_000]) and len(p.text) < 400 for p in pages):
            if not any(self._visible(p) and not _NOT_AVAILABLE.search(p.html[:200_000]) for p in pages):
                return verdict("deleted-post", f"{site} says this content is not available", page)
        if any(self._visible(p) for p in pages):
            return None  # generic rules judge what is visible
        if any(p.status is not None for p in pages):
            return verdict("login-wall", f"{site} shows only a login page to anonymous visitors", page)
        return None

    def extract(self, page: Page, companions: dict[str, Page]) -> SiteText | None:
        for candidate in [page, *companions.values()]:
            if candidate.text and len(candidate.text) >= 200 and self._visible(candidate):
                return None  # trafilatura's text of the visible page is better
            m = _OG_DESCRIPTION.search(candidate.html)
            if m and self._visible(candidate):
                import html

                return SiteText(text=html.unescape(m.group(1)), title=candidate.title)
        return None


ADAPTER = Facebook()
