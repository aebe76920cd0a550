"""A Facebook post as a logged-in reader's pages carry it.

The desktop page (www./web.facebook.com) is a script shell: the post sits in the Relay JSON of its
`<script type="application/json">` blocks (`message.text`, `actors[].name`, `creation_time`, photos as
`photo_image.uri`). The mobile page (m.facebook.com) carries it in plain HTML, as facebook-scraper reads it:
`div.story_body_container`, the author in `header h3 strong a`, the date in `abbr[data-store]` ({"time": …}),
the text in `div._5rgt`, the photos as `img` after it. Either is enough; the mobile page is read first.
"""

from __future__ import annotations

import json

from linkvault.model import Page
from linkvault.sites.base import HTML_SCAN, SiteText, html_tree, script_json, utc_iso, walk, web_urls


def read_post(page: Page) -> SiteText | None:
    """The post on a logged-in Facebook page, mobile or desktop (None: this page shows no post)."""
    if "story_body_container" in page.html:
        post = _mobile(page)
        if post is not None:
            return post
    return _relay(page) if '"message"' in page.html else None


def _mobile(page: Page) -> SiteText | None:
    root = html_tree(page.html[:HTML_SCAN])
    if root is None:
        return None
    for story in root.xpath("//div[contains(concat(' ', @class, ' '), ' story_body_container ')]"):
        body = story.xpath(".//div[contains(concat(' ', @class, ' '), ' _5rgt ')]")
        text = "\n\n".join(p.text_content().strip() for p in body[0].xpath(".//p")) if body else ""
        text = text or (body[0].text_content().strip() if body else "")
        if not text:
            continue
        author = story.xpath(".//header//h3//strong[1]//a")
        when = None
        for store in story.xpath(".//header//abbr/@data-store"):
            try:
                when = utc_iso(json.loads(store).get("time"))
            except (ValueError, AttributeError):
                continue
        images = web_urls(story.xpath(".//div[contains(concat(' ', @class, ' '), ' _5rgu ')]//img/@src"))
        name = author[0].text_content().strip() if author else None
        return SiteText(text=text, title=_title(page, name, text), author=name, published=when, images=images)
    return None


def _relay(page: Page) -> SiteText | None:
    for data in script_json(page.html):
        for node in walk(data):
            message = node.get("message")
            if not (isinstance(message, dict) and isinstance(message.get("text"), str) and message["text"].strip()):
                continue
            actors = node.get("actors")
            name = actors[0].get("name") if isinstance(actors, list) and actors and isinstance(actors[0], dict) else None
            times = [n["creation_time"] for n in walk(node) if "creation_time" in n]
            images = [n["photo_image"].get("uri") for n in walk(node.get("attachments"))
                      if isinstance(n.get("photo_image"), dict)]
            text = message["text"].strip()
            return SiteText(text=text, title=_title(page, name, text), author=name,
                            published=utc_iso(times[0]) if times else None, images=web_urls(images))
    return None


def _title(page: Page, author: str | None, text: str) -> str:
    """The author and the post's first words, as Instagram's posts are titled (a post page's own title is the
    author's name, or a script shell's)."""
    first = text.split("\n", 1)[0]
    return f"{author or 'Facebook'}: {first[:80]}{'…' if len(first) > 80 else ''}"
