"""An Instagram post or reel as a logged-in reader's page carries it.

The web app renders from the media JSON in the page's `<script type="application/json">` blocks: under
`xdt_api__v1__media__shortcode__web_info.items[]` the post's `code`, `caption.text`, `taken_at`, `user`
(`username`, `full_name`) and its pictures (`image_versions2.candidates[]`, the largest first; a carousel's
in `carousel_media[]`). The og: tags hold only a shortened caption, so they are no substitute.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from linkvault.model import Page
from linkvault.sites.base import SiteText, script_json, utc_iso, walk, web_urls

MEDIA = "xdt_api__v1__media__shortcode__web_info"


def read_post(page: Page) -> SiteText | None:
    """The post on a logged-in Instagram page (None: this page shows none, or another post)."""
    if MEDIA not in page.html:
        return None
    wanted = _shortcode(page.final_url or page.url)
    for data in script_json(page.html):
        for node in walk(data):
            info = node.get(MEDIA)
            items = info.get("items") if isinstance(info, dict) else None
            for item in items if isinstance(items, list) else []:
                post = _item(item) if isinstance(item, dict) and item.get("code") in (wanted, None) else None
                if post is not None:
                    return post
    return None


def _shortcode(url: str) -> str | None:
    parts = urlsplit(url).path.strip("/").split("/")
    return parts[1] if len(parts) >= 2 and parts[0] in ("p", "reel", "reels", "tv") else None


def _item(item: dict) -> SiteText | None:
    caption = item.get("caption")
    text = caption.get("text", "").strip() if isinstance(caption, dict) and isinstance(caption.get("text"), str) else ""
    if not text:
        return None
    user = item.get("user")
    author = (user.get("full_name") or user.get("username")) if isinstance(user, dict) else None
    pictures = [item, *(m for m in item.get("carousel_media") or [] if isinstance(m, dict))]
    images = []
    for media in pictures:
        versions = media.get("image_versions2")
        candidates = versions.get("candidates") if isinstance(versions, dict) else None
        if isinstance(candidates, list) and candidates and isinstance(candidates[0], dict):
            images.append(candidates[0].get("url"))
    first = text.split("\n", 1)[0]
    title = f"{author or 'Instagram'} on Instagram: {first[:80]}{'…' if len(first) > 80 else ''}"
    return SiteText(text=text, title=title, author=author, published=utc_iso(item.get("taken_at")),
                    images=web_urls(images))

