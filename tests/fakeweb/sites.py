"""Small realistic sites as route tables ({(host, path): Response}).

The pages copy the shapes real archivers meet: a UTF-8 news article with author/date meta, a
Windows-1251 page whose charset is only in a <meta> tag, JSON-LD metadata, Telegram's public post
preview markup, a Facebook login wall, and one page per source of the example report.
The people and events in the hand-written articles are invented.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from .server import Response, RouteKey, html, url_key

EXAMPLE_REPORT = Path(__file__).resolve().parents[2] / "examples" / "kz-chronicle-2024-04.txt"
FOOTNOTE = re.compile(r"^\[(\d+)\] (\S+)", re.MULTILINE)

AZATTYQ_ARTICLE = "https://rus.azattyq.org/a/32887882.html"
KAZTAG_ARTICLE = "https://kaztag.kz/ru/news/sud-astany-arestoval-zhurnalista-na-dva-mesyatsa"
VLAST_ARTICLE = "https://vlast.kz/novosti/59904-zhurnalistov-ne-pustili-na-zasedanie-suda.html"
TELEGRAM_POST = "https://t.me/s/sud_monitor_kz/1861"
FACEBOOK_POST = "https://www.facebook.com/groups/kz.press.freedom/posts/3802511122233344/"

Routes = dict[RouteKey, Response]


def _page(title: str, head: str, body: str, lang: str = "ru") -> str:
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{title}</title>\n{head}\n</head>\n<body>\n{body}\n</body>\n</html>\n")


def _paragraphs(*texts: str) -> str:
    return "\n".join(f"<p>{text}</p>" for text in texts)


# --- rus.azattyq.org: UTF-8, charset in the header, author and date in meta tags ---------------

AZATTYQ_PARAGRAPHS = (
    "Суд Астаны санкционировал арест журналиста Марата Есенова, автора телеграм-канала о расходах "
    "столичных акиматов. Его задержали 29 марта у подъезда собственного дома, сообщила его супруга.",
    "Департамент полиции Астаны подтвердил, что в отношении журналиста возбуждено уголовное дело по "
    "статье 419 Уголовного кодекса — «Заведомо ложный донос». Следствие утверждает, что Есенов "
    "распространил недостоверные сведения о сотрудниках одного из управлений акимата.",
    "Адвокат журналиста Гульнара Жумабаева заявила, что защита обжалует меру пресечения. По её словам, "
    "поводом для дела стала публикация о закупке служебных автомобилей, в которой журналист приводил "
    "документы с портала государственных закупок.",
    "Фонд защиты свободы слова «Адил соз» назвал арест несоразмерной мерой и призвал следствие "
    "изменить меру пресечения на не связанную с лишением свободы.",
    "Азаттык направил запрос в пресс-службу полиции Астаны. На момент публикации ответ не получен.",
)
AZATTYQ_PHRASE = "закупке служебных автомобилей"


def azattyq_site() -> Routes:
    title = "В Астане арестовали журналиста, писавшего о закупках акимата"
    head = ('<meta name="author" content="Айгерим Сеитова">\n'
            '<meta property="article:published_time" content="2024-04-01T14:25:00+05:00">\n'
            f'<meta property="og:title" content="{title}">\n'
            '<meta property="og:site_name" content="Радио Азаттык">\n'
            f'<link rel="canonical" href="{AZATTYQ_ARTICLE}">')
    body = (f'<header><a href="/">Радио Азаттык</a></header>\n<article>\n<h1 class="title">{title}</h1>\n'
            '<div class="authors"><a href="/author/aigerim-seitova">Айгерим Сеитова</a></div>\n'
            '<time datetime="2024-04-01T14:25:00+05:00">1 апреля 2024</time>\n'
            f'<div class="wsw">\n{_paragraphs(*AZATTYQ_PARAGRAPHS)}\n</div>\n</article>\n'
            '<footer>© 2024 RFE/RL, Inc. Все права защищены.</footer>')
    return {url_key(AZATTYQ_ARTICLE): html(_page(title, head, body))}


# --- kaztag.kz: Windows-1251, no charset in Content-Type, only in <meta http-equiv> -----------

KAZTAG_PARAGRAPHS = (
    "Астана. 2 апреля. КазТАГ – Специализированный следственный суд Астаны избрал меру пресечения "
    "в виде содержания под стражей сроком на два месяца журналисту Марату Есенову, сообщили в "
    "департаменте полиции столицы.",
    "«В отношении гражданина Е. возбуждено уголовное дело по факту распространения заведомо ложной "
    "информации о совершении преступления. Судом избрана мера пресечения в виде содержания под "
    "стражей», – говорится в ответе ведомства на запрос агентства.",
    "Сам журналист вину не признает. Защита намерена подать ходатайство об изменении меры пресечения "
    "на домашний арест.",
)


def cp1251_page(title: str, body: str) -> Response:
    """A Windows-1251 page that declares its charset only inside the HTML, as many older CMSs do."""
    page = ('<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
            '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n<html>\n<head>\n'
            '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">\n'
            f"<title>{title}</title>\n</head>\n<body>\n{body}\n</body>\n</html>\n")
    return Response(200, [("Server", "nginx"), ("Content-Type", "text/html"),
                          ("Cache-Control", "max-age=300")], page.encode("cp1251"))


def kaztag_site() -> Routes:
    title = "Суд Астаны арестовал журналиста на два месяца"
    body = (f'<div class="news-detail">\n<h1>{title}</h1>\n<span class="news-date-time">02.04.2024 11:47</span>\n'
            f"{_paragraphs(*KAZTAG_PARAGRAPHS)}\n</div>")
    return {url_key(KAZTAG_ARTICLE): cp1251_page(f"{title} | КазТАГ", body)}


# --- vlast.kz: UTF-8, metadata as JSON-LD -------------------------------------------------------

def vlast_site() -> Routes:
    title = "Журналистов не пустили на заседание суда по делу о ложном доносе"
    jsonld = ('<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle", '
              f'"headline": "{title}", "datePublished": "2024-04-16T17:05:00+05:00", '
              '"author": {"@type": "Person", "name": "Данияр Мусин"}, '
              '"publisher": {"@type": "Organization", "name": "Власть"}}</script>')
    body = (f'<div class="article">\n<h1>{title}</h1>\n<div class="article-date">16 апреля 2024, 17:05</div>\n'
            + _paragraphs(
                "Во вторник в Есильском районном суде Астаны началось рассмотрение дела журналиста "
                "Марата Есенова. Судья объявил процесс закрытым, сославшись на ходатайство следствия.",
                "Представителей редакций, пришедших освещать процесс, попросили покинуть зал. "
                "Адвокат Гульнара Жумабаева назвала это решение нарушением принципа гласности.",
                "Следующее заседание назначено на 23 апреля.")
            + "\n</div>")
    return {url_key(VLAST_ARTICLE): html(_page(title, jsonld, body))}


# --- t.me: public post preview (t.me/s/channel/ID) and the post page (t.me/channel/ID) ---------

def telegram_message(channel: str, post_id: int, text: str, when: str) -> str:
    """One message in the markup of t.me/s/<channel>: what Telegram extractors look for."""
    return (f'<div class="tgme_widget_message_wrap js-widget_message_wrap">\n'
            f'<div class="tgme_widget_message text_not_supported_wrap js-widget_message" '
            f'data-post="{channel}/{post_id}" data-view="eyJjIjotMTAwMTc">\n'
            f'<div class="tgme_widget_message_bubble">\n'
            f'<div class="tgme_widget_message_text js-message_text" dir="auto">{text}</div>\n'
            f'<div class="tgme_widget_message_footer compact js-message_footer">\n'
            f'<div class="tgme_widget_message_info short js-message_info">\n'
            f'<span class="tgme_widget_message_views">1.2K</span>\n'
            f'<span class="tgme_widget_message_meta"><a class="tgme_widget_message_date" '
            f'href="https://t.me/{channel}/{post_id}"><time datetime="{when}" class="time">'
            f'{when[11:16]}</time></a></span>\n</div>\n</div>\n</div>\n</div>\n</div>')


def telegram_channel_page(channel: str, title: str, messages: list[str]) -> Response:
    body = ('<main class="tgme_main"><section class="tgme_channel_history js-message_history">\n'
            + "\n".join(messages) + "\n</section></main>")
    head = (f'<meta property="og:title" content="{title}">\n'
            '<meta property="og:site_name" content="Telegram">')
    return html(_page(f"{title} – Telegram", head, body, lang="en"))


def telegram_post_page(channel: str, post_id: int, title: str, text: str) -> Response:
    """t.me/<channel>/<id> without /s/: only og: meta tags carry the text."""
    plain = re.sub(r"<[^>]+>", " ", text)
    head = (f'<meta property="og:title" content="{title}">\n'
            f'<meta property="og:description" content="{plain}">\n'
            f'<meta property="og:url" content="https://t.me/{channel}/{post_id}">')
    body = (f'<div class="tgme_page tgme_page_post"><div class="tgme_page_title">{title}</div>'
            f'<a class="tgme_action_button_new" href="https://t.me/s/{channel}/{post_id}">'
            f"View in Telegram</a></div>")
    return html(_page(f"Telegram: Contact @{channel}", head, body, lang="en"))


def telegram_site() -> Routes:
    channel, title = "sud_monitor_kz", "Судебный мониторинг"
    posts = [
        (1860, "Завтра в 10:00 в Есильском районном суде — заседание по делу журналиста Марата Есенова.",
         "2024-04-15T16:40:11+00:00"),
        (1861, "Процесс по делу журналиста Есенова объявлен закрытым.<br/>Наблюдателей и прессу в зал "
               "не пустили, защита заявила отвод судье.", "2024-04-16T05:12:47+00:00"),
        (1862, "Следующее заседание — 23 апреля. Будем следить.", "2024-04-16T09:03:02+00:00"),
    ]
    messages = [telegram_message(channel, pid, text, when) for pid, text, when in posts]
    routes = {url_key(TELEGRAM_POST): telegram_channel_page(channel, title, messages)}
    routes[("t.me", f"/{channel}/1861")] = telegram_post_page(channel, 1861, title, posts[1][1])
    return routes


# --- facebook.com: a post that answers with a login wall --------------------------------------

def facebook_login_wall() -> Response:
    body = ('<div id="login_form_container"><h2>Войдите на Facebook</h2>\n'
            '<p>Чтобы продолжить, войдите в аккаунт.</p>\n'
            '<form id="login_form" action="/login/device-based/regular/login/?login_attempt=1" method="post">\n'
            '<input type="hidden" name="lsd" value="AVqbxe3J_YA">\n'
            '<input type="text" name="email" id="email" placeholder="Эл. адрес или номер телефона">\n'
            '<input type="password" name="pass" id="pass" placeholder="Пароль">\n'
            '<button type="submit" name="login" id="loginbutton">Вход</button>\n</form>\n'
            '<a href="/recover/initiate/">Забыли аккаунт?</a></div>')
    head = '<meta name="robots" content="noindex,nofollow">'
    return html(_page("Facebook", head, body), headers=[
        ("Cache-Control", "private, no-cache, no-store, must-revalidate"),
        ("Set-Cookie", "fr=0ZxPq1; Path=/; Domain=.facebook.com; Secure; HttpOnly"),
        ("Set-Cookie", "sb=Hc9T; Path=/; Domain=.facebook.com; Secure; HttpOnly"),
        ("X-Frame-Options", "DENY"),
    ])


def facebook_site() -> Routes:
    return {url_key(FACEBOOK_POST): facebook_login_wall(),
            ("www.facebook.com", "/login/"): facebook_login_wall()}


# --- the example report: one page per cited source ---------------------------------------------

LEADS = (
    "полиция подтвердила задержание активиста после публикации в социальной сети",
    "суд назначил штраф за призыв к несанкционированному митингу",
    "правозащитники потребовали освободить политического заключённого",
    "журналисту отказали в аккредитации на заседание маслихата",
    "жители района потребовали досрочно прекратить полномочия депутатов",
    "адвокат рассказал об условиях содержания в учреждении",
    "министерство прокомментировало административное дело против журналиста",
    "депутаты предложили поправки в закон «О масс-медиа»",
    "активиста поместили под административный арест на 15 суток",
    "суд отказал в условно-досрочном освобождении",
    "мониторинг нарушений свободы слова за неделю",
    "на пресс-конференции представили законопроект о национальном превентивном механизме",
)
BODY_PARAGRAPHS = (
    "По данным правозащитников, за последний месяц в разных регионах страны зафиксировано не менее "
    "десяти подобных случаев. Большинство из них связано с публикациями в социальных сетях.",
    "Представители ведомства заявили, что действовали в рамках закона, и отказались от подробных "
    "комментариев до окончания разбирательства.",
    "Адвокаты обращают внимание на то, что статьи о распространении ложной информации сформулированы "
    "слишком широко и позволяют преследовать за любую критику властей.",
    "Международные организации призвали власти Казахстана выполнить обязательства по защите свободы "
    "выражения мнений и мирных собраний.",
    "Родственники задержанного рассказали, что узнали о решении суда только через несколько дней.",
)


def report_footnotes(report: Path = EXAMPLE_REPORT) -> list[tuple[int, str]]:
    """(number, URL) of every footnote in a plain-text report, as `[N] URL` lines."""
    text = report.read_text(encoding="utf-8")
    return [(int(number), url) for number, url in FOOTNOTE.findall(text)]


def footnote_phrase(number: int) -> str:
    """The Cyrillic phrase only footnote `number`'s page contains (search tests look for it)."""
    return f"Сноска {number}: {LEADS[number % len(LEADS)]}"


def example_report_phrases(report: Path = EXAMPLE_REPORT) -> dict[int, str]:
    """Phrase to search for, per footnote; the hand-written azattyq page keeps its own text."""
    return {number: AZATTYQ_PHRASE if url_key(url) == url_key(AZATTYQ_ARTICLE) else footnote_phrase(number)
            for number, url in report_footnotes(report)}


def example_report_site(report: Path = EXAMPLE_REPORT) -> Routes:
    """A page for every source the report cites.

    Each page answers at the URL as cited and, unless two sources share it (youtube.com/watch),
    at its path with any query, so tracking parameters may be stripped or changed. kaztag.kz pages
    come in Windows-1251 and t.me links in Telegram's markup, as the real sites do; the one URL
    with a hand-written page (rus.azattyq.org/a/32887882.html) gets that page."""
    footnotes = report_footnotes(report)
    shared = Counter(url_key(url) for _, url in footnotes)
    routes: Routes = {}
    for number, url in footnotes:
        page = _footnote_routes(number, url)
        routes.update(page)
        if shared[url_key(url)] == 1:
            routes.update({(host, path.split("?", 1)[0]): route for (host, path), route in page.items()})
    routes.update(azattyq_site())
    routes[("www.youtube.com", "/oembed")] = youtube_oembed
    return routes


def youtube_oembed(request) -> Response:
    """YouTube's public oEmbed JSON for any video the fake web knows (title and channel)."""
    from urllib.parse import parse_qs, urlsplit

    video = parse_qs(urlsplit(parse_qs(urlsplit(request.path).query).get("url", [""])[0]).query).get("v", ["?"])[0]
    body = json.dumps({"title": f"Видео {video}: суд над активистом", "author_name": "Obozhayu",
                       "type": "video", "provider_name": "YouTube"}, ensure_ascii=False).encode()
    return Response(200, [("Content-Type", "application/json")], body)


def _footnote_routes(number: int, url: str) -> Routes:
    """The page(s) of one footnote, keyed by the URL as cited (query included)."""
    host, path = url_key(url, keep_query=True)
    phrase = footnote_phrase(number)
    day = 1 + (number * 29) // 100
    if host == "t.me":
        channel, post_id = path.split("?", 1)[0].strip("/").split("/")[:2]
        when = f"2024-04-{day:02d}T08:{number % 60:02d}:00+00:00"
        message = telegram_message(channel, int(post_id), f"{phrase}.<br/>{BODY_PARAGRAPHS[number % 5]}", when)
        return {(host, path): telegram_post_page(channel, int(post_id), channel, phrase),
                (host, f"/s{path}"): telegram_channel_page(channel, channel, [message])}
    title = f"{LEADS[number % len(LEADS)].capitalize()} ({number})"
    text = _paragraphs(f"{phrase}.", BODY_PARAGRAPHS[number % 5], BODY_PARAGRAPHS[(number + 2) % 5])
    if host == "kaztag.kz":
        body = (f'<div class="news-detail"><h1>{title}</h1>\n'
                f'<span class="news-date-time">{day:02d}.04.2024</span>\n{text}</div>')
        return {(host, path): cp1251_page(title, body)}
    head = f'<meta property="article:published_time" content="2024-04-{day:02d}T10:00:00+05:00">'
    body = f"<article><h1>{title}</h1>\n<time datetime=\"2024-04-{day:02d}\">{day} апреля 2024</time>\n{text}</article>"
    return {(host, path): html(_page(title, head, body))}


def all_sites() -> Routes:
    """Every site above in one table (what the `fakeweb` fixture serves)."""
    from .social import example_social_routes, social_site

    routes = example_report_site()
    routes.update(example_social_routes(routes))
    for site in (azattyq_site, kaztag_site, vlast_site, telegram_site, facebook_site, social_site):
        routes.update(site())
    return routes
