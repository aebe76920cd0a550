"""Every link state, each from a realistic page or failure on the fake web, judged by a real fetch."""

from __future__ import annotations

import re

import pytest
from fakeweb import Response
from fakeweb.server import html, redirect
from fakeweb.sites import facebook_login_wall, telegram_channel_page, telegram_message, telegram_post_page

import linkvault
from linkvault.archive import FetchOptions
from linkvault.model import CATEGORIES, Capture, Hop, LinkState, Page
from linkvault.sites import ADAPTERS, adapter_for
from linkvault.states import NOT_FOUND_TEXT, PARKED, PAYWALL, classify, is_front_page

ARTICLE = ("<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
           "<p>{text}</p><p>Суд Астаны рассмотрел дело активиста и назначил штраф в размере 184 600 тенге. "
           "Правозащитники назвали решение необоснованным и намерены обжаловать его в апелляционной инстанции. "
           "Сам активист заявил, что продолжит публиковать материалы о нарушениях прав граждан.</p>"
           "</article></body></html>")


AT_ONCE = linkvault.HistoryRules(dead_after=1)


def article(title="Активиста оштрафовали за пост", text="Подробности дела."):
    return html(ARTICLE.format(title=title, text=text))


def judge(tmp_path, web, url, **kw) -> linkvault.archive.LinkOutcome:
    """One fetch's verdict on `url`, its failure dead at once (`--dead-after 1`): these tests pin what one capture
    reads; a failure's history (failing until confirmed) is tests/test_failing_verdict.py's."""
    path = tmp_path / "r.txt"
    path.write_text(f"Claim[1].\n\n[1] {url}\n", encoding="utf-8")
    opts = {"proxy": web.proxy_url, "ca_bundle": web.ca_pem_path, "retries": 0, "timeout": 5.0, **kw}
    return linkvault.fetch([path], tmp_path / "vault", FetchOptions(**opts), rules=AT_ONCE).links[0]


def assert_state(link, state):
    assert (link.state, link.category) == (state, LinkState(state, "").category), (link.state, link.detail)
    assert link.detail


def test_a_live_article_is_ok(tmp_path, fakeweb):
    fakeweb.route("vlast.kz", "/novosti/1-sud.html", article())
    link = judge(tmp_path, fakeweb, "https://vlast.kz/novosti/1-sud.html")
    assert_state(link, "ok")
    assert link.title == "Активиста оштрафовали за пост"


def test_a_moved_article_that_keeps_its_meaning_is_redirected(tmp_path, fakeweb):
    fakeweb.route("orda.kz", "/old/385377/", redirect("https://orda.kz/s-zhurnalista-snjali-obvinenie-385377/", 301))
    fakeweb.route("orda.kz", "/s-zhurnalista-snjali-obvinenie-385377/", article())
    link = judge(tmp_path, fakeweb, "https://orda.kz/old/385377/")
    assert_state(link, "redirected")
    assert "orda.kz/s-zhurnalista" in link.detail


@pytest.mark.parametrize("status,state", [(404, "not-found"), (410, "gone"), (500, "server-error"), (503, "server-error")])
def test_status_codes_name_the_death(tmp_path, fakeweb, status, state):
    fakeweb.route("kaztag.kz", "/ru/news/x", html("<html><body><h1>Ошибка</h1></body></html>", status=status))
    assert_state(judge(tmp_path, fakeweb, "https://kaztag.kz/ru/news/x"), state)


@pytest.mark.parametrize("title,body", [
    ("Страница не найдена", "<p>К сожалению, запрашиваемая страница не найдена. Вернитесь на главную.</p>"),
    ("Бет табылмады", "<p>Сіз іздеген бет жоқ. Басты бетке оралыңыз.</p>"),
    ("Page not found | Example News", "<p>Sorry, the page you are looking for cannot be found.</p>"),
])
def test_a_not_found_page_served_with_200_is_a_soft_404(tmp_path, fakeweb, title, body):
    fakeweb.route("mediazona.ca", "/news/2024/04/10/tansari", html(f"<html><head><title>{title}</title></head><body>{body}</body></html>"))
    assert_state(judge(tmp_path, fakeweb, "https://mediazona.ca/news/2024/04/10/tansari"), "soft-404")


@pytest.mark.parametrize("title", ["404", "Страница 404 — KazTAG", "Error 404 | Example News", "KazTAG - 404",
                                   "404 | KazTAG", "KazTAG — 404."])
def test_a_title_naming_the_error_404_is_a_soft_404(tmp_path, fakeweb, title):
    fakeweb.route("kaztag.kz", "/ru/news/gone", html(f"<html><head><title>{title}</title></head>"
                                                     "<body><p>Вернитесь на главную.</p></body></html>"))
    assert_state(judge(tmp_path, fakeweb, "https://kaztag.kz/ru/news/gone"), "soft-404")


@pytest.mark.parametrize("title", ["Дело №404 о клевете: суд отложил заседание", "Article 404 of the Criminal Code",
                                   "Приказ МВД №404", "404 участника митинга задержаны в Алматы"])
def test_a_short_article_whose_title_holds_the_number_404_is_ok(tmp_path, fakeweb, title):
    """A case or an article of the code numbered 404 is a number in a title, not the error: a live page."""
    text = "Суд в Алматы отложил заседание по делу журналиста. " * 8
    fakeweb.route("kaztag.kz", "/ru/news/case-404", article(title=title, text=text))
    assert_state(judge(tmp_path, fakeweb, "https://kaztag.kz/ru/news/case-404"), "ok")


def test_a_page_like_the_sites_answer_to_a_nonsense_path_is_a_soft_404(tmp_path, fakeweb, monkeypatch):
    # This site answers every missing article with its news listing and status 200, as some CMSs do.
    listing = article(title="Новости Казахстана", text="Главные новости дня: политика, экономика, общество.")
    monkeypatch.setattr("linkvault.archive.probes.secrets.token_hex", lambda n: "0" * (2 * n))
    fakeweb.route("respublika.kz.media", "/archives/122208", listing)
    fakeweb.route("respublika.kz.media", "/archives/linkvault-0000000000000000", listing)
    link = judge(tmp_path, fakeweb, "https://respublika.kz.media/archives/122208")
    assert_state(link, "soft-404")
    assert fakeweb.hits("https://respublika.kz.media/archives/linkvault-0000000000000000") == 1


def test_a_real_article_differs_from_the_probe_and_stays_ok(tmp_path, fakeweb, monkeypatch):
    monkeypatch.setattr("linkvault.archive.probes.secrets.token_hex", lambda n: "1" * (2 * n))
    fakeweb.route("respublika.kz.media", "/archives/122209", article())
    fakeweb.route("respublika.kz.media", "/archives/linkvault-1111111111111111",
                  article(title="Новости Казахстана", text="Главные новости дня."))
    assert_state(judge(tmp_path, fakeweb, "https://respublika.kz.media/archives/122209"), "ok")


def test_a_deep_link_redirected_to_the_front_page_is_dead(tmp_path, fakeweb):
    fakeweb.route("bureau.kz", "/novosti/novyj-vitok/", redirect("https://bureau.kz/", 301))
    fakeweb.route("bureau.kz", "/", article(title="Бюро по правам человека"))
    link = judge(tmp_path, fakeweb, "https://bureau.kz/novosti/novyj-vitok/")
    assert_state(link, "redirected-to-homepage")
    assert "front page" in link.detail


def test_a_parked_domain_is_dead(tmp_path, fakeweb):
    fakeweb.route("tirek-news.kz", "/v-astane/", html(
        "<html><head><title>tirek-news.kz</title></head><body><h1>tirek-news.kz</h1>"
        "<p>This domain may be for sale! Buy this domain now.</p><p>Related searches: news, kazakhstan</p>"
        "<script src='https://www.sedoparking.com/frmpark/x.js'></script></body></html>"))
    assert_state(judge(tmp_path, fakeweb, "https://tirek-news.kz/v-astane/"), "parked-domain")


def test_a_redirect_loop_is_too_many_redirects(tmp_path, fakeweb):
    fakeweb.route("kz.kursiv.media", "/a", redirect("https://kz.kursiv.media/b"))
    fakeweb.route("kz.kursiv.media", "/b", redirect("https://kz.kursiv.media/a"))
    assert_state(judge(tmp_path, fakeweb, "https://kz.kursiv.media/a"), "too-many-redirects")


def test_a_stall_is_a_timeout(tmp_path, fakeweb):
    fakeweb.route("adilsoz.kz", "/slow", Response(200, [("Content-Type", "text/html")], b"<p>x</p>", delay=3))
    assert_state(judge(tmp_path, fakeweb, "https://adilsoz.kz/slow", timeout=0.5), "timeout")


def test_a_reset_is_a_connection_error(tmp_path, fakeweb):
    fakeweb.route("adilsoz.kz", "/reset", Response(reset=True))
    assert_state(judge(tmp_path, fakeweb, "https://adilsoz.kz/reset"), "connection-error")


def test_a_name_under_invalid_is_a_dns_failure(tmp_path, fakeweb):
    path = tmp_path / "r.txt"
    path.write_text("A[1]. B[2].\n\n[1] https://kaztag.invalid/ru/news/1\n[2] " + fakeweb.http_url + "/ok\n", encoding="utf-8")
    fakeweb.route("127.0.0.1", "/ok", article())
    links = linkvault.fetch([path], tmp_path / "vault", FetchOptions(allow_private=True, retries=0, timeout=5),
                            rules=AT_ONCE).links
    assert_state(links[0], "dns-failure")


def test_an_untrusted_certificate_is_a_tls_error(tmp_path, fakeweb):
    fakeweb.route("127.0.0.1", "/tls", article())
    path = tmp_path / "r.txt"
    path.write_text(f"A[1].\n\n[1] {fakeweb.https_url}/tls\n", encoding="utf-8")
    links = linkvault.fetch([path], tmp_path / "vault", FetchOptions(allow_private=True, retries=0, timeout=5),
                            rules=AT_ONCE).links
    assert_state(links[0], "tls-error")


def test_private_and_non_web_links_are_refused(tmp_path, fakeweb):
    assert_state(judge(tmp_path, fakeweb, "http://169.254.169.254/latest/meta-data/"), "blocked-address")


def test_a_login_redirect_is_a_login_wall_not_dead(tmp_path, fakeweb):
    # A WordPress preview link: the draft is only visible to its author.
    fakeweb.route("tirek.info", "/v-astane-zhaksymbek/", redirect(
        "https://tirek.info/wp-login.php?redirect_to=https%3A%2F%2Ftirek.info%2Fv-astane-zhaksymbek%2F%3Fpreview%3Dtrue"))
    fakeweb.route("tirek.info", "/wp-login.php", html(
        "<html><head><title>Log In ‹ Tirek — WordPress</title></head><body><form name='loginform' id='loginform'>"
        "<input type='text' name='log'><input type='password' name='pwd'><input type='submit' value='Log In'>"
        "</form></body></html>"))
    link = judge(tmp_path, fakeweb, "https://tirek.info/v-astane-zhaksymbek/?preview=true")
    assert_state(link, "login-wall")
    assert link.category == "restricted"


def test_facebook_login_wall_is_restricted(tmp_path, fakeweb):
    url = "https://www.facebook.com/groups/ActivistsNotExtremists/posts/3777964042522851/"
    fakeweb.route_url(url, facebook_login_wall())
    fakeweb.route_url("https://m.facebook.com/groups/ActivistsNotExtremists/posts/3777964042522851/",
                      redirect("https://m.facebook.com/login/?next=x"))
    fakeweb.route("m.facebook.com", "/login/", facebook_login_wall())
    link = judge(tmp_path, fakeweb, url)
    assert_state(link, "login-wall")
    assert "Facebook" in link.detail


def test_instagram_login_redirect_is_restricted(tmp_path, fakeweb):
    url = "https://www.instagram.com/reel/C5Sy6_jgWku/"
    fakeweb.route_url(url, redirect("https://www.instagram.com/accounts/login/?next=%2Freel%2FC5Sy6_jgWku%2F"))
    fakeweb.route("www.instagram.com", "/accounts/login/", html(
        "<html><head><title>Login • Instagram</title></head><body><form id='loginForm'>"
        "<input name='username'><input type='password' name='password'></form></body></html>"))
    assert_state(judge(tmp_path, fakeweb, url), "login-wall")


def test_cloudflare_challenge_is_bot_blocked(tmp_path, fakeweb):
    fakeweb.route("kaztag.kz", "/ru/news/cf", Response(403, [("Content-Type", "text/html"), ("cf-mitigated", "challenge")],
                                                       b"<html><head><title>Just a moment...</title></head><body></body></html>"))
    assert_state(judge(tmp_path, fakeweb, "https://kaztag.kz/ru/news/cf"), "bot-blocked")


def test_linkedin_999_is_bot_blocked(tmp_path, fakeweb):
    fakeweb.route("www.linkedin.com", "/posts/x", Response(999, [("Content-Type", "text/html")], b"<html></html>"))
    assert_state(judge(tmp_path, fakeweb, "https://www.linkedin.com/posts/x"), "bot-blocked")


def test_401_is_a_login_wall(tmp_path, fakeweb):
    fakeweb.route("drive.google.com", "/file/d/abc/view", html("<html><body>Sign in</body></html>", status=401))
    assert_state(judge(tmp_path, fakeweb, "https://drive.google.com/file/d/abc/view"), "login-wall")


def test_paywall_is_restricted(tmp_path, fakeweb):
    fakeweb.route("kursiv.media", "/2024/premium", html(
        "<html><head><title>Премиум</title><script type='application/ld+json'>{\"isAccessibleForFree\": \"False\"}</script>"
        "</head><body><p>Первый абзац статьи.</p><div class='paywall'>Оформите подписку, чтобы читать дальше.</div></body></html>"))
    assert_state(judge(tmp_path, fakeweb, "https://kursiv.media/2024/premium"), "paywall")


def test_telegram_post_is_archived_with_its_text(tmp_path, fakeweb):
    channel, post = "AdalSotKz", 1840
    text = "Суд над активистом Жаксымбеком Максатом перенесён на 15 апреля."
    fakeweb.route("t.me", f"/{channel}/{post}", telegram_post_page(channel, post, "Адал Сот", text))
    fakeweb.route("t.me", f"/s/{channel}/{post}", telegram_channel_page(channel, "Адал Сот", [
        telegram_message(channel, post - 1, "Предыдущее сообщение.", "2024-04-12T08:00:00+00:00"),
        telegram_message(channel, post, text, "2024-04-13T09:30:00+00:00")]))
    link = judge(tmp_path, fakeweb, f"https://t.me/{channel}/{post}")
    assert_state(link, "ok")
    shown = linkvault.show(tmp_path / "r.txt", 1, vault=tmp_path / "vault")
    assert shown.text["text"] == text
    assert shown.text["published"] == "2024-04-13T09:30:00+00:00"


def test_deleted_telegram_post_is_dead(tmp_path, fakeweb):
    channel, post = "negemedia", 5407
    fakeweb.route("t.me", f"/{channel}/{post}", html(
        "<html><head><title>Telegram: Contact @negemedia</title><meta property='og:title' content='Nege Media'>"
        "</head><body><div class='tgme_page'><div class='tgme_page_title'>Nege Media</div>"
        "<div class='tgme_page_extra'>12 345 subscribers</div></div></body></html>"))
    fakeweb.route_url(f"https://t.me/{channel}/{post}?embed=1", html(
        "<html><body><div class='tgme_widget_message_error'>Post not found</div></body></html>"))
    fakeweb.route("t.me", f"/s/{channel}/{post}", telegram_channel_page(channel, "Nege Media", [
        telegram_message(channel, post + 1, "Другое сообщение.", "2024-04-30T08:00:00+00:00")]))
    link = judge(tmp_path, fakeweb, f"https://t.me/{channel}/{post}")
    assert_state(link, "deleted-post")


def test_youtube_video_gone_from_oembed_is_a_deleted_post(tmp_path, fakeweb):
    fakeweb.route("www.youtube.com", "/watch?v=KFkxzasYVmg", html(
        "<html><head><title>YouTube</title></head><body><script>var ytInitialPlayerResponse = "
        "{\"playabilityStatus\":{\"status\":\"ERROR\",\"reason\":\"Video unavailable\"}};</script></body></html>"))
    fakeweb.route("www.youtube.com", "/oembed", Response(404, [("Content-Type", "text/html")], b"Not Found"))
    assert_state(judge(tmp_path, fakeweb, "https://www.youtube.com/watch?v=KFkxzasYVmg"), "deleted-post")


def test_youtube_video_with_oembed_is_ok_with_its_title(tmp_path, fakeweb):
    fakeweb.route("www.youtube.com", "/watch?v=eLastwK8RNs", article(title="YouTube"))
    fakeweb.route("www.youtube.com", "/oembed", Response(200, [("Content-Type", "application/json")],
                  '{"title": "Обожаю: суд над журналистом", "author_name": "Obozhayu"}'.encode()))
    link = judge(tmp_path, fakeweb, "https://www.youtube.com/watch?v=eLastwK8RNs")
    assert_state(link, "ok")
    assert link.title == "Обожаю: суд над журналистом"


def test_every_state_has_a_category():
    states = [s for group in CATEGORIES.values() for s in group]
    assert len(states) == len(set(states)) == 22  # geo-blocked (fetch --vantage) the 22nd
    for state in states:
        assert LinkState(state, "x").category in CATEGORIES


@pytest.mark.parametrize("path,front", [("/", True), ("", True), ("/ru/", True), ("/news/", True),
                                        ("/a/32887882.html", False), ("/ru/news/politsiya-podtverdila", False),
                                        ("/2024/04/10/tansari", False)])
def test_front_pages_are_told_from_deep_links(path, front):
    assert is_front_page(path) is front


def test_a_wall_is_never_dead_whatever_the_status():
    for status in (200, 403, 404, 503):
        capture = Capture(url="https://www.facebook.com/x", fetched_at="", final_url="https://www.facebook.com/login/?next=x",
                          status=status, hops=[Hop("https://www.facebook.com/x", 302),
                                               Hop("https://www.facebook.com/login/?next=x", status)])
        page = Page(capture, html="<form id='login_form'><input type='password' name='pass'></form>")
        assert classify(page).category == "restricted"


def test_a_channel_without_public_preview_is_restricted(tmp_path, fakeweb):
    channel, post = "closed_group_kz", 77
    fakeweb.route("t.me", f"/{channel}/{post}", html(
        "<html><head><title>Telegram: Contact @closed_group_kz</title></head><body><div class='tgme_page'>"
        "<div class='tgme_page_title'>Закрытая группа</div><div class='tgme_page_extra'>1 204 members</div>"
        "</div></body></html>"))
    fakeweb.route("t.me", f"/s/{channel}/{post}", redirect(f"https://t.me/{channel}"))
    fakeweb.route("t.me", f"/{channel}", html("<html><body><div class='tgme_page_extra'>1 204 members</div></body></html>"))
    link = judge(tmp_path, fakeweb, f"https://t.me/{channel}/{post}")
    assert_state(link, "login-wall")
    assert link.category == "restricted"


def test_what_an_adapter_fetches_is_recorded_in_the_warc(tmp_path, fakeweb):
    from warcio.archiveiterator import ArchiveIterator

    channel, post = "AdalSotKz", 1853
    fakeweb.route("t.me", f"/s/{channel}/{post}", telegram_channel_page(channel, "Адал Сот", [
        telegram_message(channel, post, "Сообщение.", "2024-04-20T08:00:00+00:00")]))
    judge(tmp_path, fakeweb, f"https://t.me/{channel}/{post}")
    uris = set()
    for warc in (tmp_path / "vault" / "warc").glob("*.warc.gz"):
        with open(warc, "rb") as fh:
            uris |= {r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(fh) if r.rec_type in ("response", "revisit")}
    assert {f"https://t.me/{channel}/{post}", f"https://t.me/{channel}/{post}?embed=1",
            f"https://t.me/s/{channel}/{post}"} <= uris


def test_a_near_empty_page_is_unknown_and_says_why_without_blaming_scripts(tmp_path, fakeweb):
    fakeweb.route("www.empty-example.kz", "/news/1", html("<html><body><h1>Материал</h1><p>Текст.</p></body></html>"))
    fakeweb.route("www.empty-example.kz", "/news/2", html(
        "<html><body><div id='app'></div><script src='/app.js'></script>"
        "<noscript>You need to enable JavaScript to run this app.</noscript></body></html>"))
    plain = judge(tmp_path, fakeweb, "https://www.empty-example.kz/news/1")
    shell = judge(tmp_path, fakeweb, "https://www.empty-example.kz/news/2")
    assert_state(plain, "unknown")
    assert_state(shell, "unknown")
    assert "2 words of text" in plain.detail and "script" not in plain.detail
    assert "script-only shell" in shell.detail


@pytest.mark.parametrize("sentence", [
    "Sorry, the page you're looking for isn't here any more.", "This article has been removed at the author's request.",
    "The story was deleted by its publisher.", "Sorry, this page is not available.",
    "К сожалению, запрашиваемая страница не существует.", "Страница, которую вы ищете, переехала или удалена.",
    "Такой страницы нет на нашем сайте.", "Сіз іздеген бет табылмады.", "Кешіріңіз, бұл бет жоқ.",
])
def test_a_page_whose_text_says_it_is_not_found_is_a_soft_404_whatever_its_title(sentence):
    """Each of the phrases a not-found page says of itself, at the start of a long text under a title that says
    nothing: the phrase alone makes the page a soft-404 (and the same page without it is ok)."""
    filler = " Главные новости дня: политика, экономика, общество, культура и спорт в Казахстане." * 6
    for text, state in ((sentence + filler, "soft-404"), (filler.strip(), "ok")):
        url = "https://vlast.kz/novosti/2024/04/10-sud.html"
        page = Page(Capture(url=url, fetched_at="2024-04-10T00:00:00Z", final_url=url, status=200),
                    html=f"<html><head><title>Новости</title></head><body><p>{text}</p></body></html>", text=text,
                    title="Новости")
        assert classify(page).state == state, text


@pytest.mark.parametrize("phrases", [NOT_FOUND_TEXT, PAYWALL, PARKED], ids=["not-found", "paywall", "parked"])
def test_each_phrase_holds_the_word_its_search_is_gated_on(phrases):
    """Phrases are searched for only in a text holding one of their words: each word must be part of its phrase
    whichever of the phrase's alternatives is said (outside its groups), or a page saying it would be missed; and on
    pages saying each phrase, or none, the gated search finds what the phrases' whole alternation finds."""
    for word, phrase in phrases.phrases:
        assert word in re.sub(r"\([^()]*\)", "", phrase), (word, phrase)
    samples = ["sorry, the page you are looking for could not be found", "this article was removed.", "<p>paywall</p>",
               '"isaccessibleforfree": "false"', "subscriber-only", "subscribe to read", "wsj-snippet-body",
               "this domain name may be for sale", "buy this domain", "the domain is parked free", "sedoparking.com",
               "bodis.com", "www.dan.com/buy-domain", "hugedomains.com", "этот домен продаётся", "купить домен",
               "контент доступен только подписчикам", "такой страницы нет", "бұл бет жоқ", "a domain, a park, a page"]
    whole = re.compile("|".join(phrase for _, phrase in phrases.phrases))
    for text in samples:
        assert phrases.search(text) == bool(whole.search(text)), text


@pytest.mark.parametrize("url,name", [
    ("https://t.me/durov/123", "telegram"), ("https://WWW.T.ME/durov/123", "telegram"),
    ("https://telegram.me/durov/123", "telegram"), ("https://youtu.be/dQw4w9WgXcQ", "youtube"),
    ("https://m.youtube.com/watch?v=dQw4w9WgXcQ", "youtube"), ("https://www.youtube.com/shorts/dQw4w9WgXcQ", "youtube"),
    ("https://mbasic.facebook.com/vlast.kz/posts/1", "facebook"), ("https://fb.watch/abcdef/", "facebook"),
    ("https://www.instagram.com/p/C5abcdef/", "facebook"), ("https://vlast.kz/novosti/1-sud.html", None),
    ("https://t.me.example.kz/durov/123", None), ("https://youtube.com.kz/watch?v=dQw4w9WgXcQ", None),
    ("https://t.me/s/durov", None), ("https://t.\nme/durov/123", "telegram"),
])
def test_a_url_goes_to_the_adapter_whose_own_test_matches_it(url, name):
    """`adapter_for` tells most URLs by their host alone, before asking each adapter: it finds the adapter whose own
    `matches` takes the URL, however the host is spelled (case, www., m.), and none for a look-alike host."""
    adapter = adapter_for(url)
    assert adapter is next((a for a in ADAPTERS if a.matches(url)), None)
    assert (adapter.name if adapter else None) == name
