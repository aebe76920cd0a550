"""Facebook and Instagram as a logged-in reader sees them, and as everyone else does.

Each post answers by the request's cookies, as the real sites do: without the research account's session a
login wall (Facebook's form; Instagram's redirect to /accounts/login/), with it the post; with a session the
site no longer honours (a stale cookies.txt) the login page again. The logged-in markup copies the real
shapes: Facebook's desktop page is a script shell whose post sits in Relay JSON (`message.text`, `actors`,
`creation_time`, `photo_image.uri`), its mobile page (m.facebook.com) carries the post in plain HTML
(`story_body_container`, `abbr data-store`), Instagram's post page has og: tags and the
`xdt_api__v1__media__shortcode__web_info` JSON. A post deleted for everyone says "This content isn't
available right now" (Instagram: "Sorry, this page isn't available."); a post in a closed group the account
has not joined shows the group's join page; an Instagram post on a private profile it does not follow, the
profile's "This account is private". The people, groups and posts are invented.

`write_cookies_txt` writes the session as a browser extension exports it (Netscape cookies.txt);
`SESSION_LOGIN` is a page that logs a browser in (sets the same cookies), for a Chromium profile.
"""

from __future__ import annotations

import json
import struct
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from html import escape
from pathlib import Path
from urllib.parse import quote

from .server import RequestInfo, Response, Route, RouteKey, html, not_found, redirect, url_key

# The research account's session: the cookies a logged-in browser holds (values are what must never leak).
FACEBOOK_SESSION = (("c_user", "100089412345678"), ("xs", "41%3Aq7Zr9wXyT0bKcA%3A2%3A1712300000%3A-1%3A11455"))
INSTAGRAM_SESSION = (("ds_user_id", "58439201177"), ("sessionid", "58439201177%3AkQ9vLm2RtXw8Zp%3A14%3AAYfSecretToken"))
SESSION_SECRETS = (FACEBOOK_SESSION[1][1], INSTAGRAM_SESSION[1][1])  # grep every file of a vault/pack for these
ACCOUNT_NAME = "Kz Rights Research"  # the research account's display name, shown in its logged-in pages
SESSION_LOGIN = "https://www.facebook.com/login/research-session/"  # sets both sites' cookies in a browser
YEAR = 365 * 24 * 3600


@dataclass(frozen=True)
class SocialPost:
    url: str  # as cited (www.facebook.com / www.instagram.com)
    author: str
    paragraphs: tuple[str, ...]
    published: str  # ISO 8601, UTC
    images: tuple[str, ...] = ()
    group: str | None = None  # a Facebook group's name

    @property
    def timestamp(self) -> int:
        return int(datetime.fromisoformat(self.published).timestamp())

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


def _image(name: str) -> str:
    return f"https://scontent.fala4-1.fna.fbcdn.net/v/t39.30808-6/{name}_n.jpg?_nc_cat=105&ccb=1-7&oh=00_AfB"


FB_GROUP_POST = SocialPost(
    "https://www.facebook.com/groups/sud.monitor.kz/posts/3811520043218761/", "Гульмира Ахметова",
    ("Сегодня в Есильском районном суде Астаны огласили приговор блогеру Ерлану Касенову: два года ограничения "
     "свободы за пост о расходах акимата на благоустройство.",
     "В зал не пустили ни журналистов, ни наблюдателей. Защита подаст апелляцию в течение пятнадцати дней."),
    "2024-04-05T09:32:00+00:00", (_image("436512087_1187766554433221_8123"), _image("436512087_1187766554433222_8124")),
    group="Судебный мониторинг Казахстана")
FB_PAGE_POST = SocialPost(
    "https://www.facebook.com/adilsoz.kz/posts/pfbid02Lk7mQ3vXwR8sT1nB4cY6dZ9eF2gH5jKqP7rW3xV1uN8",
    "Адил соз",
    ("Фонд «Адил соз» зафиксировал за март 2024 года 14 случаев отказа журналистам в доступе к информации "
     "и 3 случая вмешательства в профессиональную деятельность.",),
    "2024-04-08T06:10:00+00:00", (_image("437001122_9988776655443322_5511"),))
IG_POST = SocialPost(
    "https://www.instagram.com/p/C5vQ3mLtR8x/", "aktivist.almaty",
    ("Пикет у здания акимата Алматы: родители детей с инвалидностью требуют вернуть выплаты. Полиция "
     "задержала троих участников.",),
    "2024-04-10T11:45:00+00:00", ("https://scontent-ams2-1.cdninstagram.com/v/t51.29350-15/437118822_"
                                   "1488112233445566_7788_n.jpg?stp=dst-jpg_e35&_nc_ht=scontent-ams2-1.cdninstagram.com",))
IG_REEL = SocialPost(
    "https://www.instagram.com/reel/C5wT9pKNa2Q/", "svoboda.slova.kz",
    ("Видео с заседания: судья удаляет из зала наблюдателей ОБСЕ. Полная запись — по ссылке в профиле.",),
    "2024-04-11T15:20:00+00:00", ("https://scontent-ams2-1.cdninstagram.com/v/t51.29350-15/437552210_"
                                   "7766554433221100_9911_n.jpg?stp=dst-jpg_e15&_nc_ht=scontent-ams2-1.cdninstagram.com",))
FB_DELETED_POST = "https://www.facebook.com/groups/sud.monitor.kz/posts/3809911223344556/"
IG_DELETED_POST = "https://www.instagram.com/p/C4zXq1DeLtd/"
FB_CLOSED_GROUP_POST = "https://www.facebook.com/groups/zakrytyi.chat.kz/posts/1187766554433221/"
CLOSED_GROUP = "Закрытый чат родителей Алматы"
IG_PRIVATE_POST = "https://www.instagram.com/p/C5yPr1vAtE7/"  # on a private profile the account does not follow
PRIVATE_PROFILE = "zhanar.private.kz"
POSTS = (FB_GROUP_POST, FB_PAGE_POST, IG_POST, IG_REEL)


# -- who is asking ---------------------------------------------------------------------------------

def _cookies(request: RequestInfo) -> dict[str, str]:
    pairs = (part.strip().partition("=") for part in (request.header("Cookie") or "").split(";"))
    return {name: value for name, _, value in pairs if name}


def _session(request: RequestInfo) -> str:
    """'in' (the research account's session), 'stale' (a session cookie the site no longer honours) or 'out'."""
    session = INSTAGRAM_SESSION if "instagram" in request.host else FACEBOOK_SESSION
    sent = _cookies(request)
    if all(sent.get(name) == value for name, value in session):
        return "in"
    return "stale" if any(name in sent for name, _ in session) else "out"


def by_session(anonymous: Route, logged_in: Route, stale: Route | None = None) -> Callable[[RequestInfo], Response]:
    """A route answering by the request's cookies (a stale session gets `stale`, else what anonymous visitors get)."""
    def answer(request: RequestInfo) -> Response:
        route = {"in": logged_in, "stale": stale or anonymous}.get(_session(request), anonymous)
        return route(request) if callable(route) else route
    return answer


# -- the pages -------------------------------------------------------------------------------------

def _doc(title: str, head: str, body: str, lang: str = "ru") -> str:
    return (f'<!DOCTYPE html>\n<html lang="{lang}" id="facebook">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{escape(title)}</title>\n{head}\n</head>\n<body>\n{body}\n</body>\n</html>\n")


def _logged_in_headers() -> list[tuple[str, str]]:
    return [("Cache-Control", "private, no-cache, no-store, must-revalidate"), ("X-Frame-Options", "DENY"),
            ("Content-Security-Policy", "default-src * data: blob: 'self' 'unsafe-inline'")]


def facebook_post_page(post: SocialPost) -> Response:
    """www.facebook.com as a logged-in reader gets it: a script shell, the post in Relay JSON."""
    story = {"__typename": "Story", "post_id": url_key(post.url)[1].rstrip("/").rsplit("/", 1)[-1],
             "actors": [{"__typename": "User", "name": post.author, "id": "100004455667788"}],
             "message": {"text": post.text},
             "attachments": [{"styles": {"attachment": {"all_subattachments": {"nodes": [
                 {"media": {"__typename": "Photo", "photo_image": {"uri": uri, "height": 720, "width": 960}}}
                 for uri in post.images]}}}}],
             "comet_sections": {"context_layout": {"story": {"comet_sections": {"metadata": [
                 {"story": {"creation_time": post.timestamp}}]}}}},
             "to": {"__typename": "Group", "name": post.group} if post.group else None}
    relay = {"require": [["ScheduledServerJS", "handle", None, [{"__bbox": {"require": [["RelayPrefetchedStreamCache",
             "next", [], ["adp_CometSinglePostContentQueryRelayPreloader", {"__bbox": {"result": {"data": {
                 "node": story}}}}]]]}}]]]}
    body = (f'<div id="mount_0_0_Xk" class="x1n2onr6"><div role="banner" aria-label="{escape(ACCOUNT_NAME)}"></div>'
            '<div role="main"><div class="x1yztbdb">'
            # what the browser paints once the scripts ran: the post, tall, in Facebook's blue frame
            f'<div role="article" style="min-height:2400px;background:#1877f2;color:#fff" aria-label="{escape(post.author)}">'
            f"<noscript>{escape(post.author)}</noscript></div></div></div></div>\n"
            f'<script type="application/json" data-content-len="{len(json.dumps(relay))}" data-sjs>'
            f"{json.dumps(relay, ensure_ascii=False)}</script>")
    first = post.paragraphs[0]
    presence = ("Set-Cookie", f"presence=C%7B%22t3%22%3A%5B%5D%2C%22utc3%22%3A{post.timestamp}%7D; Max-Age={YEAR}; "
                              "Domain=.facebook.com; Path=/; Secure")  # what a logged-in page sets as it is read
    return html(_doc(f"{post.author} - {first[:60]}… | Facebook", '<meta name="robots" content="noindex">', body),
                headers=[*_logged_in_headers(), presence])


def facebook_mobile_page(post: SocialPost) -> Response:
    """m.facebook.com logged in: the post in plain HTML, as facebook-scraper and browser extensions read it."""
    where = (f' ▶ <strong><a href="/groups/{quote(post.group)}/">{escape(post.group)}</a></strong>'
             if post.group else "")
    images = "".join(f'<a href="/photo.php?fbid={n}"><img src="{escape(uri)}" width="320" height="240" class="img" '
                     f'alt="Фото: {escape(post.author)}"></a>' for n, uri in enumerate(post.images, 436512087))
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in post.paragraphs)
    store = json.dumps({"time": post.timestamp})
    body = (f'<div id="viewport"><div id="objects_container"><div class="_3f50"><div class="story_body_container">'
            f'<header class="_7om2 _1o88"><div class="_4g34 _5i2i _52we"><h3 class="_52jd _52jb _5qc3">'
            f'<span><strong><a href="/profile.php?id=100004455667788">{escape(post.author)}</a></strong>{where}</span></h3>'
            f"<div data-sigil=\"m-feed-voice-subtitle\"><a href=\"{escape(post.url)}\"><abbr data-store='{store}'>"
            f"{post.published[8:10]}.{post.published[5:7]}.{post.published[:4]}</abbr></a></div></div></header>"
            f'<div class="_5rgt _5nk5 _5msi" data-ft=\'{{"tn":"*s"}}\'><div class="_5rgt">{paragraphs}</div></div>'
            f'<div class="_5rgu _7dc9 _27x0">{images}</div></div>'
            '<footer><div class="_52jc _5qc4"><span class="like_def">Нравится: 128</span></div></footer></div></div></div>')
    return html(_doc(f"{post.author} | Facebook", "", body), headers=_logged_in_headers())


def facebook_login_redirect(request: RequestInfo) -> Response:
    return redirect(f"https://{request.host}/login/?next={quote(f'https://{request.host}{request.path}', safe='')}")


def facebook_unavailable_page() -> Response:
    """What Facebook shows a logged-in reader for a post gone for everyone."""
    body = ('<div role="main"><div class="x9f619"><h2 dir="auto">This content isn\'t available right now</h2>'
            "<span>When this happens, it's usually because the owner only shared it with a small group of people, "
            "changed who can see it or it's been deleted.</span><a href=\"/\">Go to News Feed</a></div></div>")
    return html(_doc("Facebook", "", body, lang="en"), headers=_logged_in_headers())


def facebook_closed_group_page(group: str) -> Response:
    """A post in a private group the account has not joined: the group's join page, no post."""
    body = (f'<div role="main"><h1>{escape(group)}</h1><span>Private group · 3.4K members</span>'
            '<div role="button" aria-label="Join group">Join group</div>'
            "<h2>This group is private</h2><span>You must be a member of this group to see its posts. "
            "Join this group to view or participate in discussions.</span></div>")
    return html(_doc(f"{group} | Facebook", "", body, lang="en"), headers=_logged_in_headers())


def instagram_post_page(post: SocialPost) -> Response:
    """www.instagram.com logged in: og: tags and the media JSON the web app reads."""
    shortcode = url_key(post.url)[1].rstrip("/").rsplit("/", 1)[-1]
    when = datetime.fromtimestamp(post.timestamp, timezone.utc).strftime("%B %d, %Y").replace(" 0", " ")
    media = {"require": [["ScheduledServerJS", "handle", None, [{"__bbox": {"require": [["RelayPrefetchedStreamCache",
             "next", [], ["adp_PolarisPostRootQueryRelayPreloader", {"__bbox": {"result": {"data": {
                 "xdt_api__v1__media__shortcode__web_info": {"items": [{
                     "code": shortcode, "taken_at": post.timestamp, "media_type": 2 if "/reel/" in post.url else 1,
                     "caption": {"text": post.text}, "user": {"username": post.author, "full_name": post.author},
                     "image_versions2": {"candidates": [{"url": uri, "width": 1080, "height": 1350}
                                                        for uri in post.images]}}]}}}}}]]]}}]]]}
    summary = escape(f"{len(post.text)} likes, 12 comments - {post.author} on {when}: \u201c{post.text}\u201d")
    head = (f'<meta property="og:site_name" content="Instagram">\n'
            f'<meta property="og:title" content="{escape(post.author)} on Instagram: \u201c{escape(post.text[:80])}\u201d">\n'
            f'<meta property="og:description" content="{summary}">\n'
            f'<meta property="og:image" content="{escape(post.images[0]) if post.images else ""}">\n'
            f'<meta property="og:url" content="{escape(post.url)}">')
    body = (f'<div id="mount_0_0_Qa"><main role="main" style="min-height:2400px;background:#c13584"></main></div>'
            f'<script type="application/json" data-sjs>{json.dumps(media, ensure_ascii=False)}</script>')
    return html(_doc(f"{post.author} on Instagram", head, body, lang="en"), headers=_logged_in_headers())


def instagram_login_redirect(request: RequestInfo) -> Response:
    return redirect(f"https://www.instagram.com/accounts/login/?next={quote(request.path.split('?')[0], safe='')}")


def instagram_login_page() -> Response:
    body = ('<div id="react-root"><form id="loginForm" method="post"><input name="username" aria-label="Phone number, '
            'username, or email"><input type="password" name="password" aria-label="Password">'
            '<button type="submit">Log in</button></form><p>Don\'t have an account? <a href="/accounts/emailsignup/">'
            "Sign up</a></p></div>")
    return html(_doc("Login • Instagram", "", body, lang="en"))


def instagram_unavailable_page() -> Response:
    body = ('<main role="main"><h2>Sorry, this page isn\'t available.</h2><span>The link you followed may be broken, '
            'or the page may have been removed. <a href="/">Go back to Instagram.</a></span></main>')
    return html(_doc("Instagram", "", body, lang="en"), headers=_logged_in_headers())


def instagram_private_page(username: str) -> Response:
    """A post on a private profile the logged-in account does not follow: the profile's header and Instagram's
    notice, no post (the real page's words: "This account is private", "Follow to see their photos and videos.")."""
    body = (f'<main role="main"><header><h2 dir="auto">{escape(username)}</h2><ul><li>214 posts</li>'
            '<li>1,032 followers</li></ul><button type="button">Follow</button></header>'
            '<article><div><h2 class="_aa_u">This account is private</h2>'
            '<div class="_aa_v">Follow to see their photos and videos.</div></div></article></main>')
    head = f'<meta property="og:title" content="{escape(username)} • Instagram photos and videos">'
    return html(_doc(f"@{username} • Instagram photos and videos", head, body, lang="en"), headers=_logged_in_headers())


def instagram_embed_stub(post_url: str) -> Response:
    """The public embed of a post whose owner turned embedding off: a link back, no caption."""
    body = (f'<div class="Embed"><a class="ViewProfileButton" href="{escape(post_url)}">View this post on '
            "Instagram</a></div>")
    return html(_doc("Instagram", "", body, lang="en"))


def image(colour: tuple[int, int, int] = (24, 119, 242), size: int = 8) -> Response:
    """A small real PNG (one colour), as the CDN serves a post's photo."""
    raw = b"".join(b"\0" + bytes(colour) * size for _ in range(size))
    chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))  # noqa: E731
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return Response(200, [("Content-Type", "image/png"), ("Cache-Control", "max-age=1209600")], png)


# -- route tables ----------------------------------------------------------------------------------

def _facebook_routes(url: str, logged_in: Response, mobile: Response | None = None,
                     anonymous: Route | None = None) -> dict[RouteKey, Route]:
    """A Facebook URL on www., web. and m.: anonymous visitors get the login wall (m.: a redirect to /login/),
    the research account `logged_in` (m.: `mobile`), a stale session the login page."""
    from .sites import facebook_login_wall

    host, path = url_key(url)
    wall = anonymous or facebook_login_wall()
    routes: dict[RouteKey, Route] = {(h, path): by_session(wall, logged_in, facebook_login_redirect)
                                     for h in ("www.facebook.com", "web.facebook.com")}
    routes[("m.facebook.com", path)] = by_session(facebook_login_redirect, mobile or logged_in, facebook_login_redirect)
    return routes


def _instagram_routes(url: str, logged_in: Response, anonymous: Route | None = None, *,
                      embed: bool = True) -> dict[RouteKey, Route]:
    """An Instagram post: anonymous visitors are sent to /accounts/login/, and its public embed shows no caption."""
    host, path = url_key(url)
    routes: dict[RouteKey, Route] = {
        (host, path): by_session(anonymous or instagram_login_redirect, logged_in, instagram_login_redirect)}
    if not embed:
        return routes
    kind, code = path.strip("/").split("/")[:2]
    embed = f"/{kind}/{code}/embed/captioned/"
    routes[(host, embed)] = instagram_embed_stub(url)
    return routes


def social_site() -> dict[RouteKey, Route]:
    """The posts above, the deleted and closed-group ones, their images, the login pages and the session login."""
    from .sites import facebook_login_wall

    routes: dict[RouteKey, Route] = {}
    for post in POSTS:
        if "instagram.com" in post.url:
            routes.update(_instagram_routes(post.url, instagram_post_page(post)))
        else:
            routes.update(_facebook_routes(post.url, facebook_post_page(post), facebook_mobile_page(post)))
        for n, uri in enumerate(post.images):
            routes[url_key(uri)] = image((24 + 40 * n, 119, 242 - 40 * n))
    routes.update(_facebook_routes(FB_DELETED_POST, facebook_unavailable_page()))
    routes.update(_facebook_routes(FB_CLOSED_GROUP_POST, facebook_closed_group_page(CLOSED_GROUP)))
    routes.update(_instagram_routes(IG_DELETED_POST, instagram_unavailable_page()))
    routes.update(_instagram_routes(IG_PRIVATE_POST, instagram_private_page(PRIVATE_PROFILE)))
    for host in ("www.facebook.com", "m.facebook.com"):
        routes[(host, "/login/")] = facebook_login_wall()
    routes[("www.instagram.com", "/accounts/login/")] = instagram_login_page()
    routes[url_key(SESSION_LOGIN)] = session_login
    routes[("www.instagram.com", "/accounts/login/research-session/")] = session_login
    return routes


def session_login(request: RequestInfo) -> Response:
    """Log a browser in: the site's session cookies (persistent, as "Keep me logged in" sets them), then on to
    the other site's, then a page saying who is logged in."""
    facebook = "facebook" in request.host
    session, domain = (FACEBOOK_SESSION, ".facebook.com") if facebook else (INSTAGRAM_SESSION, ".instagram.com")
    headers = [("Set-Cookie", f"{name}={value}; Max-Age={YEAR}; Domain={domain}; Path=/; Secure; SameSite=None"
                + ("; HttpOnly" if n else "")) for n, (name, value) in enumerate(session)]
    if facebook:
        return Response(302, [*headers, ("Location", "https://www.instagram.com/accounts/login/research-session/"),
                              ("Content-Length", "0")])
    page = _doc("Logged in", "", f"<p>Logged in as {escape(ACCOUNT_NAME)}</p>", lang="en")
    return Response(200, [*headers, ("Content-Type", "text/html; charset=utf-8")], page.encode())


# -- the example report's Facebook and Instagram sources ---------------------------------------------

def example_social_routes(routes: dict[RouteKey, Route], *, walls: bool = False) -> dict[RouteKey, Route]:
    """The example report's Facebook and Instagram pages in `routes` (its stand-ins, keyed as cited), answering by
    session: anonymous visitors get what they got before (`walls`: the login wall instead, as the real sites
    answer), the research account the post, its text the stand-in's own phrase and paragraphs."""
    from .sites import facebook_login_wall

    social: dict[RouteKey, Route] = {}
    for (host, path), route in routes.items():
        if not host.endswith(("facebook.com", "instagram.com")) or callable(route):
            continue
        post = _post_of_stand_in(f"https://{host}{path}", route)
        anonymous: Route = route
        if walls:
            anonymous = instagram_login_redirect if "instagram" in host else facebook_login_wall()
        if "instagram" in host:
            social[(host, path)] = by_session(anonymous, instagram_post_page(post), instagram_login_redirect)
            if walls:  # today the embed of these is the fake web's 404 for everyone: so it stays without walls
                social.update(_instagram_routes(post.url, instagram_post_page(post), anonymous))
        else:
            # Today an anonymous m.facebook.com request for these gets the fake web's 404: so it stays.
            mobile_anonymous: Route = facebook_login_redirect if walls else (lambda r: not_found(r.host, r.path))
            social[(host, path)] = by_session(anonymous, facebook_post_page(post), facebook_login_redirect)
            social[("m.facebook.com", url_key(post.url)[1])] = by_session(
                mobile_anonymous, facebook_mobile_page(post), facebook_login_redirect)
        social.update({url_key(uri): image() for uri in post.images})
    return social


def _post_of_stand_in(url: str, page: Response) -> SocialPost:
    """The post a stand-in page stands for: its paragraphs, the footnote's date, an author per site."""
    import re

    text = page.body.decode("utf-8")
    paragraphs = tuple(re.sub(r"<[^>]+>", "", p) for p in re.findall(r"<p>(.*?)</p>", text, re.S))
    day = re.search(r'datetime="(2024-04-\d\d)', text)
    published = f"{day.group(1) if day else '2024-04-01'}T10:00:00+00:00"
    author = "aktivist.kz" if "instagram" in url else "Активисты, не экстремисты"
    name = url_key(url)[1].strip("/").replace("/", "_")[-40:]
    return SocialPost(url, author, paragraphs, published, (_image(f"example_{name}"),))


def write_cookies_txt(path: Path, *, stale: bool = False, httponly_prefix: bool = True) -> Path:
    """The research account's session as a browser extension exports it (Netscape cookies.txt, mode 0600);
    `stale`: the same cookies with a session the sites no longer honour (logged out elsewhere)."""
    lines = ["# Netscape HTTP Cookie File", "# https://curl.se/docs/http-cookies.html",
             "# This file was generated by a browser extension. Edit at your own risk.", ""]
    expires = int(time.time()) + YEAR  # "keep me logged in": a year; whether the session still holds is the site's say
    for domain, session in ((".facebook.com", FACEBOOK_SESSION), (".instagram.com", INSTAGRAM_SESSION)):
        for n, (name, value) in enumerate(session):
            secret = n == 1
            shown = f"{value[:-6]}EXPIRD" if stale and secret else value
            prefix = "#HttpOnly_" if secret and httponly_prefix else ""
            lines.append("\t".join([prefix + domain, "TRUE", "/", "TRUE", str(expires), name, shown]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path
