"""Facebook and Instagram posts, as an anonymous visitor can legitimately see them, or as the researcher's
logged-in account does (`Page.account`).

Both mostly answer anonymous clients with a login form or a redirect to /login. Besides the cited
URL, the mobile Facebook page and Instagram's public embed are fetched: whatever any of them shows
is archived. Only when every one of them is a login page is the link a `login-wall`; never dead
for that.

A logged-in account's pages carry the post itself (facebook_post.py, instagram.py read it: text,
author, date, images). For such an account "This content isn't available" is a `deleted-post`; a
closed group it has not joined (or a private profile it does not follow) is `members-only`; and a
login page means the session failed (expired, logged out): the account's trouble, never the link's,
so the link is `unknown` and the researcher is told to export the cookies again.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from linkvault.model import LinkState, Page
from linkvault.sites import facebook_post, instagram
from linkvault.sites.base import HTML_SCAN, SiteText, host_of, html_tree, verdict

_LOGIN = re.compile(r"(?i)(/login|/accounts/login|login_form|loginform|id=\"login|name=\"pass\"|type=\"password\")")
_OG_DESCRIPTION = re.compile(r'(?is)<meta[^>]+property=["\']og:description["\'][^>]+content=["\']([^"\']+)')
_IG_POST = re.compile(r"^/(p|reel|tv)/([\w-]+)")
_NOT_AVAILABLE = re.compile(r"(?i)(this content isn.t available|this page isn.t available|sorry, this page isn.t available|"
                            r"контент сейчас недоступен|эта страница недоступна)")
_MEMBERS_ONLY = re.compile(r"(?i)(you must be a member of this group|join this group to (view|see)|this group is private|"
                           r"this account is private|вы должны быть участником|вступите в (эту )?группу|"
                           r"это закрытая группа|это закрытый аккаунт)")


class Facebook:
    name = "facebook"
    hosts = frozenset({"facebook.com", "fb.com", "fb.watch", "instagram.com"})

    def matches(self, url: str) -> bool:
        return host_of(url) in self.hosts

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

    @staticmethod
    def post(page: Page, companions: dict[str, Page]) -> SiteText | None:
        """The post as a logged-in reader's pages carry it: the mobile companion's plain HTML first."""
        read = instagram.read_post if host_of(page.url) == "instagram.com" else facebook_post.read_post
        for candidate in [*companions.values(), page]:
            if candidate.status is not None and 200 <= candidate.status < 300:
                post = read(candidate)
                if post is not None:
                    return post
        return None

    def judge(self, page: Page, companions: dict[str, Page]) -> LinkState | None:
        site = "Instagram" if host_of(page.url) == "instagram.com" else "Facebook"
        pages = [page, *companions.values()]
        post = self.post(page, companions)
        if post is not None:
            # The account is named beside the verdict wherever it is shown (report, show, the pack), not in it.
            path = urlsplit(page.url).path
            kind = "reel" if "/reel" in path else "video" if "/videos/" in path or path.startswith("/watch") else "post"
            return verdict("ok", f"{site} {kind} by {post.author or 'an unnamed author'} archived with its text", page)
        if page.account:
            return self._judge_as_account(site, page, pages)
        if any(p.status == 200 and _NOT_AVAILABLE.search(p.html[:200_000]) and len(p.text) < 400 for p in pages):
            if not any(self._visible(p) and not _NOT_AVAILABLE.search(p.html[:200_000]) for p in pages):
                return verdict("deleted-post", f"{site} says this content is not available", page)
        if any(self._visible(p) for p in pages):
            return None  # generic rules judge what is visible
        if any(p.status is not None for p in pages):
            return verdict("login-wall", f"{site} shows only a login page to anonymous visitors", page)
        return None

    def _judge_as_account(self, site: str, page: Page, pages: list[Page]) -> LinkState | None:
        """What the pages mean for a logged-in reader: gone, closed to this account, or the session refused; the
        site's own words quoted (the account is named beside the verdict wherever it is shown)."""
        closed = next((p for p in pages if p.status == 200 and _MEMBERS_ONLY.search(p.html[:200_000])), None)
        if closed is not None:
            return verdict("members-only", "not visible to the logged-in account: " + _says(
                site, closed, _MEMBERS_ONLY, "it is in a closed group or on a private profile the account has not joined"),
                page)
        gone = next((p for p in pages if p.status == 200 and _NOT_AVAILABLE.search(p.html[:200_000])
                     and len(p.text) < 400), None)
        if gone is not None:
            return verdict("deleted-post", "gone for the logged-in account too: " + _says(
                site, gone, _NOT_AVAILABLE, "this content is not available (deleted, or no longer shown to it)"), page)
        if any(self._login_page(p) for p in pages):
            refused = f"{site} showed the logged-in account its login page, so the session was not accepted (expired " \
                      "or logged out); export the cookies again and fetch anew"
            return LinkState("unknown", f"not checked: {refused}", page.status, page.final_url, failure="session-refused")
        return None

    @staticmethod
    def _login_page(page: Page) -> bool:
        final = urlsplit(page.final_url or page.url).path
        return any(p in final for p in ("/login", "/accounts/login", "checkpoint")) or bool(
            page.status == 200 and _LOGIN.search(page.html[:200_000]) and len(page.text) < 400)

    def extract(self, page: Page, companions: dict[str, Page]) -> SiteText | None:
        post = self.post(page, companions)
        if post is not None:
            return post
        for candidate in [page, *companions.values()]:
            if candidate.text and len(candidate.text) >= 200 and self._visible(candidate):
                return None  # trafilatura's text of the visible page is better
            m = _OG_DESCRIPTION.search(candidate.html)
            if m and self._visible(candidate):
                import html

                return SiteText(text=html.unescape(m.group(1)), title=candidate.title)
        return None


def _says(site: str, page: Page, pattern: re.Pattern[str], otherwise: str) -> str:
    """`Facebook says “…”`: the page's own sentence where `pattern` matched (a heading with the short sentence
    after it), else `otherwise` in our words."""
    root = html_tree(page.html[:HTML_SCAN])
    if root is None:
        return f"{site} says {otherwise}"
    body = root.find("body")
    texts = [" ".join(t.split()) for t in (body if body is not None else root).itertext()]
    texts = [t for t in texts if t]
    at = next((n for n, t in enumerate(texts) if pattern.search(t)), None)
    if at is None:
        return f"{site} says {otherwise}"
    words = texts[at]
    after = _FIRST_SENTENCE.match(texts[at + 1]).group(0) if at + 1 < len(texts) else ""  # type: ignore[union-attr]
    if len(words) < 60 and after and len(after) <= 80:  # a heading: its explanation too, if it is short
        words = f"{words if words.endswith(('.', '!', '?')) else words + '.'} {after}"
    return f"{site} says “{words[:300]}”"


_FIRST_SENTENCE = re.compile(r".*?[.!?](?=\s|$)|.*", re.S)

ADAPTER = Facebook()
