"""An archived copy judged by the rules a live page gets (issue 14): the memento read back as the page the site
served then — its URL, redirects and headers the archived ones — so an archived soft-404, a redirect to the front
page or an archive's "no capture here" is never offered as the copy a footnote needs.

The captures are built as linkvault's fetcher records a memento fetch of the Internet Archive in raw (id_) mode:
the hops it followed, the headers it got (the archived ones renamed X-Archive-Orig-), the page's HTML and text."""

from __future__ import annotations

from linkvault.archive.webarchives.mementos import (
    archived_headers,
    judge_memento,
    memento_page,
    original_of,
    raw_memento,
)
from linkvault.model import Capture, Hop, Page

CITED = "https://kaztag.kz/ru/news/zhurnalist-adilbekov"
WEB = "https://web.archive.org/web"
ARTICLE = ("Суд в Алматы приговорил журналиста Адилбекова к двум годам ограничения свободы. " * 12).strip()


def _memento(ts: str, hops: list[Hop], html: str, text: str, *, archived: bool = True,
             headers: list[tuple[str, str]] = ()) -> Page:
    final = hops[-1].url
    own = [("Memento-Datetime", "Mon, 01 Apr 2024 09:12:33 GMT"), ("Link", f'<{CITED}>; rel="original"')] \
        if archived else []
    capture = Capture(url=f"{WEB}/{ts}id_/{CITED}", fetched_at="2026-11-30T02:00:00Z", final_url=final,
                      status=hops[-1].status, hops=hops, headers=[("Content-Type", "text/html; charset=utf-8"),
                                                                  *own, *headers])
    title = html.split("<title>")[1].split("</title>")[0] if "<title>" in html else None
    return Page(capture, html, text, title)


def test_the_archived_article_is_ok_and_reads_as_the_cited_url():
    raw = f"{WEB}/20240401091233id_/{CITED}"
    page = _memento("20240401091233", [Hop(raw, 200)], f"<title>Адилбеков</title><p>{ARTICLE}</p>", ARTICLE,
                    headers=[("X-Archive-Orig-Server", "nginx"), ("X-Archive-Orig-Date", "Mon, 01 Apr 2024")])
    state = judge_memento(page, CITED)
    assert (state.state, state.category) == ("ok", "alive")
    unwrapped = memento_page(page, CITED)
    assert unwrapped.url == CITED and unwrapped.final_url == CITED
    assert unwrapped.header("server") == "nginx" and unwrapped.header("memento-datetime") is None


def test_an_archived_redirect_to_the_front_page_is_called_that_not_offered_as_the_article():
    start, home = f"{WEB}/20240402080000id_/{CITED}", f"{WEB}/20240402080001id_/https://kaztag.kz/"
    hops = [Hop(start, 301, home), Hop(home, 200)]
    page = _memento("20240402080000", hops, "<title>KazTAG</title><p>" + "Новости Казахстана. " * 80 + "</p>",
                    "Новости Казахстана. " * 80)
    state = judge_memento(page, CITED)
    assert state.state == "redirected-to-homepage"
    assert "https://kaztag.kz/" in state.detail and "web.archive.org" not in state.detail


def test_an_archived_page_that_says_not_found_is_a_soft_404_by_its_words():
    raw = f"{WEB}/20240403101500id_/{CITED}"
    page = _memento("20240403101500", [Hop(raw, 200)], "<title>Страница не найдена</title><p>Ошибка 404</p>",
                    "Страница не найдена. Ошибка 404")
    state = judge_memento(page, CITED)
    assert (state.state, state.category) == ("soft-404", "dead")


def test_an_archived_404_is_a_memento_of_a_dead_page():
    raw = f"{WEB}/20240404090000id_/{CITED}"
    assert judge_memento(_memento("20240404090000", [Hop(raw, 404)], "<title>404</title>", "404"), CITED).state \
        == "not-found"


def test_the_archive_steering_to_its_nearest_capture_is_no_hop_of_the_site():
    asked, nearest = f"{WEB}/20240401000000id_/{CITED}", f"{WEB}/20240401091233id_/{CITED}"
    page = _memento("20240401000000", [Hop(asked, 302, nearest), Hop(nearest, 200)],
                    f"<title>Адилбеков</title><p>{ARTICLE}</p>", ARTICLE)
    assert [hop.url for hop in memento_page(page, CITED).hops] == [CITED]
    assert judge_memento(page, CITED).state == "ok"


def test_an_answer_without_memento_datetime_is_the_archive_holding_no_capture():
    raw = f"{WEB}/20240401091233id_/{CITED}"
    page = _memento("20240401091233", [Hop(raw, 404)], "<title>Wayback Machine</title>", "Hrm. Not archived",
                    archived=False)
    state = judge_memento(page, CITED)
    assert state.state == "unknown" and state.detail.startswith("the archive holds no capture at that time")


def test_headers_renamed_by_the_internet_archive_or_passed_through_by_pywb_read_as_archived():
    ia = [("Content-Type", "text/html"), ("X-Archive-Orig-Location", "https://kaztag.kz/"),
          ("X-Archive-Orig-Content-Type", "text/plain"), ("Memento-Datetime", "x"), ("Link", "y")]
    assert archived_headers(ia) == [("Content-Type", "text/html"), ("Location", "https://kaztag.kz/")]
    pywb = [("Content-Type", "text/html"), ("Location", "http://a.example/"), ("Memento-Datetime", "x"),
            ("Content-Location", "http://arquivo.pt/wayback/20240401091233id_/http://a.example/x")]
    assert archived_headers(pywb) == [("Content-Type", "text/html"), ("Location", "http://a.example/")]


def test_the_original_inside_each_kind_of_memento_uri():
    assert original_of(f"{WEB}/20240401091233id_/{CITED}") == CITED
    assert original_of(f"{WEB}/20240401091233/http:/kaztag.kz/ru") == "http://kaztag.kz/ru"
    assert original_of("https://arquivo.pt/wayback/20240405081500mp_/https://a.example/x?a=1") == \
        "https://a.example/x?a=1"
    assert original_of("https://kaztag.kz/ru/news/2024/04/01") is None
    assert original_of(None) is None
    assert raw_memento("https://archive.ph/20240401091233/https://a.example/x") is None
