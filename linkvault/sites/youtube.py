"""YouTube videos: the watch page plus the public oEmbed JSON, which names title and channel.

oEmbed answers 401/403 for a private video and 404/400 for one that is gone; the watch page's
`playabilityStatus` says LOGIN_REQUIRED or ERROR likewise. A cookie-consent interstitial in front
of the watch page says nothing about the video, so oEmbed decides then.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, quote, urlsplit

from linkvault.model import LinkState, Page
from linkvault.sites.base import SiteText, host_of, verdict

_PLAYABILITY = re.compile(
    r'"playabilityStatus"\s*:\s*\{\s*"status"\s*:\s*"([A-Z_]+)"(?:.{0,400}?"reason"\s*:\s*"([^"]*)")?', re.S
)


class YouTube:
    name = "youtube"
    hosts = frozenset({"youtu.be", "youtube.com"})

    @staticmethod
    def video_id(url: str) -> str | None:
        parts = urlsplit(url)
        host = host_of(url)
        if host == "youtu.be":
            return parts.path.strip("/").split("/")[0] or None
        if host != "youtube.com":
            return None
        if parts.path == "/watch":
            ids = parse_qs(parts.query).get("v")
            return ids[0] if ids else None
        m = re.match(r"^/(shorts|live|embed)/([\w-]{6,})", parts.path)
        return m.group(2) if m else None

    def matches(self, url: str) -> bool:
        return self.video_id(url) is not None

    def oembed_url(self, url: str) -> str:
        watch = f"https://www.youtube.com/watch?v={self.video_id(url)}"
        return f"https://www.youtube.com/oembed?url={quote(watch, safe='')}&format=json"

    def companions(self, url: str) -> list[str]:
        return [self.oembed_url(url)]

    def judge(self, page: Page, companions: dict[str, Page]) -> LinkState | None:
        if host_of(page.final_url or "").startswith("consent."):
            return verdict("unknown", "a cookie-consent page stood in front of the video; nothing of it was archived", page)
        oembed = companions.get(self.oembed_url(page.url))
        if oembed is not None and oembed.status in (401, 403):
            return verdict("login-wall", "the video is private (YouTube oEmbed answers %d)" % oembed.status, page)
        if oembed is not None and oembed.status in (400, 404):
            return verdict("deleted-post", "YouTube no longer has this video (oEmbed answers %d)" % oembed.status, page)
        m = _PLAYABILITY.search(page.html)
        if m and m.group(1) == "LOGIN_REQUIRED":
            return verdict("login-wall", f"YouTube asks to sign in: {m.group(2) or 'private video'}", page)
        if m and m.group(1) in ("ERROR", "UNPLAYABLE") and not (oembed is not None and oembed.status == 200):
            return verdict("deleted-post", f"YouTube says: {m.group(2) or 'video unavailable'}", page)
        if oembed is not None and oembed.status == 200 and page.status is not None and page.status < 400:
            title = self._oembed(oembed).get("title")
            return verdict("ok", f"YouTube video \"{title}\"" if title else "YouTube video", page)
        return None

    @staticmethod
    def _oembed(page: Page) -> dict:
        try:
            data = json.loads(page.html or page.text or "{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def extract(self, page: Page, companions: dict[str, Page]) -> SiteText | None:
        oembed = companions.get(self.oembed_url(page.url))
        data = self._oembed(oembed) if oembed is not None and oembed.status == 200 else {}
        if not data.get("title"):
            return None
        return SiteText(text=f"{data['title']}\n{data.get('author_name', '')}".strip(), title=data["title"],
                        author=data.get("author_name"))


ADAPTER = YouTube()
