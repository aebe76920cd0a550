"""Telegram public posts: t.me/<channel>/<id>.

The post page itself often shows only the channel card, so two public previews are fetched with
it: the embed widget (`?embed=1`, one post; says "Post not found" for a deleted one) and the
channel preview `t.me/s/<channel>/<id>` (messages around the post, each `data-post`-tagged; when it
redirects away from /s/, the channel has no public preview).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from linkvault.model import LinkState, Page
from linkvault.sites.base import SiteText, html_tree, verdict

if TYPE_CHECKING:
    from lxml.html import HtmlElement

_POST = re.compile(r"^/(?!s/)([A-Za-z0-9_]{4,64})/(\d+)/?$")
_HOSTS = ("t.me", "telegram.me", "www.t.me")


class Telegram:
    name = "telegram"
    hosts = frozenset({"t.me", "telegram.me"})  # as host_of names them (www.t.me: t.me)

    @staticmethod
    def post(url: str) -> tuple[str, str] | None:
        parts = urlsplit(url)
        if (parts.hostname or "").lower() not in _HOSTS:
            return None
        m = _POST.match(parts.path)
        return (m.group(1), m.group(2)) if m else None

    def matches(self, url: str) -> bool:
        return self.post(url) is not None

    def _post(self, url: str) -> tuple[str, str]:
        """(channel, post id) of a URL this adapter `matches`: the only URLs it is given."""
        post = self.post(url)
        if post is None:
            raise ValueError(f"not a Telegram post: {url}")
        return post

    def companions(self, url: str) -> list[str]:
        channel, post_id = self._post(url)
        return [f"https://t.me/{channel}/{post_id}?embed=1", f"https://t.me/s/{channel}/{post_id}"]

    def judge(self, page: Page, companions: dict[str, Page]) -> LinkState | None:
        channel, post_id = self._post(page.url)
        if page.status is None or page.status >= 400:
            return None
        if self._message(page, companions) is not None:
            return verdict("ok", f"Telegram post {channel}/{post_id} archived with its text", page)
        embed = companions.get(f"https://t.me/{channel}/{post_id}?embed=1")
        preview = companions.get(f"https://t.me/s/{channel}/{post_id}")
        if embed is not None and "tgme_widget_message_error" in embed.html:
            return verdict("deleted-post", f"Telegram says post {post_id} of @{channel} was not found", page)
        if preview is not None and preview.final_url and "/s/" not in (preview.final_url or ""):
            if "tgme_page_widget" in page.html or "og:description" in page.html and "tgme_page_extra" not in page.html:
                return verdict("ok", f"Telegram post {channel}/{post_id}: only its preview text is public", page)
            return verdict("login-wall", f"@{channel} has no public preview (a private channel?)", page)
        if preview is not None and "tgme_widget_message" in preview.html:
            return verdict("deleted-post", f"@{channel}'s public preview has no post {post_id}", page)
        if "tgme_page_extra" in page.html and "tgme_page_widget" not in page.html:
            return verdict("deleted-post", f"t.me shows only @{channel}'s channel card, not post {post_id}", page)
        return None

    def _message(self, page: Page, companions: dict[str, Page]) -> HtmlElement | None:
        channel, post_id = self._post(page.url)
        wanted = f"{channel}/{post_id}".lower()
        for candidate in [*companions.values(), page]:
            if "tgme_widget_message" not in candidate.html:
                continue
            root = html_tree(candidate.html)
            if root is None:
                continue
            for node in root.xpath("//div[contains(@class, 'tgme_widget_message') and @data-post]"):
                if node.get("data-post", "").lower() == wanted:
                    return node
            # Older embed widgets (2018) carry no data-post; one message on a one-post page is the post.
            single = root.xpath("//div[contains(concat(' ', @class, ' '), ' tgme_widget_message ')]")
            if len(single) == 1 and not single[0].get("data-post") and candidate.url in (page.url, self.embed(page.url)):
                return single[0]
        return None

    def embed(self, url: str) -> str:
        channel, post_id = self._post(url)
        return f"https://t.me/{channel}/{post_id}?embed=1"

    def extract(self, page: Page, companions: dict[str, Page]) -> SiteText | None:
        node = self._message(page, companions)
        if node is None:
            return None
        text_nodes = node.xpath(".//div[contains(@class, 'tgme_widget_message_text')]")
        text = "\n".join(t.text_content().strip() for t in text_nodes[:1])
        owner = node.xpath(".//*[contains(@class, 'tgme_widget_message_owner_name')]")
        when = node.xpath(".//a[contains(@class, 'tgme_widget_message_date')]//time/@datetime")
        author = owner[0].text_content().strip() if owner else None
        return SiteText(text=text, title=author, author=author, published=when[0] if when else None)


ADAPTER = Telegram()
