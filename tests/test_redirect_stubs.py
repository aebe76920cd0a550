"""Redirect stubs (a 200 page that only sends the browser on, by meta refresh or script) are hops.

Against the fake web over real sockets: a news site that left a meta-refresh stub at an article's
old address, a lapsed NGO domain whose script stub leads to a parking lander, a live page that
reloads itself, a stub pointing into the operator's own network, and two stubs pointing at each other.
"""

from __future__ import annotations

import json

import pytest
from claims_site import KAZTAG_ADILBEKOV
from claims_site import routes as claim_routes
from fakeweb.server import html, redirect, url_key
from warcio.archiveiterator import ArchiveIterator

import linkvault
from linkvault.archive import FetchOptions
from linkvault.archive.redirect_stubs import parse_refresh, redirect_stub
from linkvault.archive.screenshot import chromium
from linkvault.cli import cli

OLD_ADDRESS = "https://kaztag.kz/ru/news/123456"  # where the report points; the site moved the article
CLAIM = ("April 2, Astana, journalist Adilbekov D., the founder of the Telegram channel \"Dikaya Orda\", "
         "was questioned as a suspect under Article 274 of the Criminal Code of the RK[1].")
HTML = [("Content-Type", "text/html; charset=utf-8")]


def meta_stub(target: str, delay: str = "0") -> str:
    """What a CMS's redirection plugin leaves at the old address: odd case, single quotes inside."""
    return ("<!DOCTYPE html>\n<html lang=\"ru\"><head><meta charset=\"utf-8\"><title>Перенаправление…</title>\n"
            f"<META HTTP-EQUIV=Refresh CONTENT=\"{delay}; URL='{target}'\">\n"
            f"<link rel=\"canonical\" href=\"{target}\"></head>\n"
            f"<body><p>Материал переехал: <a href=\"{target}\">перейти</a>.</p></body></html>\n")


def godaddy_stub(target: str) -> str:
    """The script a registrar serves on a lapsed domain before its parking lander."""
    return ("<!DOCTYPE html><html><head><script>window.onload=function(){window.location.href=\"" + target
            + "\"}</script></head><body></body></html>")


PARKING_LANDER = html(
    "<!DOCTYPE html><html><head><title>kazngo-pravo.kz</title></head><body>"
    "<h1>kazngo-pravo.kz</h1><p>This domain is for sale! Buy this domain today.</p>"
    "<script src='https://www.sedoparking.com/frmpark/lander.js'></script></body></html>")

LIVE_PAGE = html(
    "<!DOCTYPE html><html lang='ru'><head><meta charset='utf-8'><title>Онлайн: митинг в Алматы</title>"
    "<meta http-equiv='refresh' content='300'></head><body><article><h1>Онлайн: митинг в Алматы</h1>"
    + "".join(f"<p>{t}:00. Полиция задержала у акимата ещё нескольких участников мирного собрания, "
              "сообщают наши корреспонденты с площади.</p>" for t in range(10, 18))
    + "</article></body></html>")


def report(tmp_path, urls: list[str], sentences: list[str] | None = None):
    body = " ".join(sentences or [f"Claim {n}[{n}]." for n in range(1, len(urls) + 1)])
    notes = "\n".join(f"[{n}] {u}" for n, u in enumerate(urls, start=1))
    path = tmp_path / "r.txt"
    path.write_text(f"{body}\n\n{notes}\n", encoding="utf-8")
    return path


def fetch(tmp_path, web, urls, sentences=None, **kw):
    options = FetchOptions(**{**dict(proxy=web.proxy_url, ca_bundle=web.ca_pem_path, backoff=0.01, timeout=5.0,
                                     retries=0), **kw})
    return linkvault.fetch([report(tmp_path, urls, sentences)], tmp_path / "vault", options)


def responses(vault) -> list[tuple[str, str]]:
    """(URI, status) of every response record, but the soft-404 probes'."""
    found = []
    for path in sorted((vault / "warc").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            found += [(r.rec_headers.get_header("WARC-Target-URI"), r.http_headers.get_statuscode())
                      for r in ArchiveIterator(fh) if r.rec_type == "response"]
    return [(uri, status) for uri, status in found if "/linkvault-" not in uri]


def redirects(vault, number=1) -> list[dict]:
    shown = linkvault.show(vault.parent / "r.txt", number, vault=vault)
    return shown.captures[0]["redirects"]


def report_json(runner, vault) -> dict:
    result = runner.invoke(cli, ["--vault", str(vault), "report", str(vault.parent / "r.txt"), "--format", "json"])
    return json.loads(result.stdout)


def test_a_meta_refresh_stub_is_followed_to_the_article_which_is_archived_indexed_and_read(tmp_path, fakeweb, runner):
    article = claim_routes()[url_key(KAZTAG_ADILBEKOV)]
    fakeweb.route_url(KAZTAG_ADILBEKOV, article)
    fakeweb.route_url(OLD_ADDRESS, html(meta_stub(KAZTAG_ADILBEKOV.replace("https://kaztag.kz", ""))))
    result = fetch(tmp_path, fakeweb, [OLD_ADDRESS], [CLAIM])
    vault = tmp_path / "vault"

    assert responses(vault) == [(OLD_ADDRESS, "200"), (KAZTAG_ADILBEKOV, "200")]  # the stub's own record stays
    assert [(h["url"], h["status"], h.get("via")) for h in redirects(vault)] == [
        (OLD_ADDRESS, 200, "meta-refresh"), (KAZTAG_ADILBEKOV, 200, None)]
    [link] = result.links
    assert link.final_url == KAZTAG_ADILBEKOV and link.title.startswith("Журналиста Данияра Адилбекова")
    assert [h.number for h in linkvault.search("противодействию коррупции", vault=vault)] == [1]

    [row] = report_json(runner, vault)["footnotes"]
    assert (row["category"], row["state"]) == ("alive", "redirected")
    assert row["claim"]["verdict"] == "supported"  # the claim check read the article, not the stub


def shown(runner, vault) -> str:
    result = runner.invoke(cli, ["--vault", str(vault), "show", str(vault.parent / "r.txt"), "1"],
                           env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    return result.output


def test_show_names_how_a_stub_sent_us_on_unlike_an_http_redirect(tmp_path, fakeweb, runner):
    fakeweb.route_url(OLD_ADDRESS, html(meta_stub("/ru/news/123456-moved")))
    fakeweb.route("kaztag.kz", "/ru/news/123456-moved", redirect("https://kaztag.kz/ru/news/654321", 301))
    fakeweb.route("kaztag.kz", "/ru/news/654321", LIVE_PAGE)
    fetch(tmp_path, fakeweb, [OLD_ADDRESS])

    lines = [line.strip() for line in shown(runner, tmp_path / "vault").splitlines()]
    assert f"via meta refresh: {OLD_ADDRESS} → https://kaztag.kz/ru/news/123456-moved" in lines
    assert "301 https://kaztag.kz/ru/news/123456-moved → https://kaztag.kz/ru/news/654321" in lines
    assert not any(line.startswith("200 ") for line in lines)  # a stub's 200 is no redirect status


def test_a_script_stub_leading_to_a_parking_lander_is_a_parked_domain(tmp_path, fakeweb, runner):
    cited = "https://kazngo-pravo.kz/2024/04/zayavlenie-ob-arestah-aktivistov"
    fakeweb.route_url(cited, html(godaddy_stub("/lander")))
    fakeweb.route("kazngo-pravo.kz", "/lander", PARKING_LANDER)
    result = fetch(tmp_path, fakeweb, [cited])
    assert [h["via"] for h in redirects(tmp_path / "vault")[:-1]] == ["script"]
    assert (result.links[0].category, result.links[0].state) == ("failing", "parked-domain")  # one fetch: not dead yet
    [row] = report_json(runner, tmp_path / "vault")["footnotes"]
    assert row["state"] == "parked-domain" and row["final_url"] == "https://kazngo-pravo.kz/lander"
    assert f"via script: {cited} → https://kazngo-pravo.kz/lander" in shown(runner, tmp_path / "vault")


def test_a_news_page_reloading_itself_is_archived_as_itself(tmp_path, fakeweb):
    live = "https://informburo.kz/novosti/online-miting-v-almaty"
    fakeweb.route_url(live, LIVE_PAGE)
    later = "https://informburo.kz/novosti/online-miting-v-almaty-2"
    reloading_elsewhere = LIVE_PAGE.body.replace(b"content='300'", f"content='300; url={later}'".encode())
    fakeweb.route_url(later, html(reloading_elsewhere.decode()))
    result = fetch(tmp_path, fakeweb, [live, later])
    assert [(link.state, link.final_url) for link in result.links] == [("ok", live), ("ok", later)]
    assert fakeweb.hits(live) == 1 and fakeweb.hits(later) == 1
    assert sorted(responses(tmp_path / "vault")) == sorted([(live, "200"), (later, "200")])


def test_a_stub_pointing_into_our_own_network_is_refused_by_the_guard(tmp_path, fakeweb):
    secret = f"{fakeweb.http_url}/admin/backup.sql"
    fakeweb.route("127.0.0.1", "/admin/backup.sql", html("<p>internal</p>"))
    cited = "https://www.hostile-example.kz/news/1"
    fakeweb.route_url(cited, html(f"<html><body><script>location.replace('{secret}')</script></body></html>"))
    result = fetch(tmp_path, fakeweb, [cited])
    assert result.links[0].error == "blocked-address"
    assert fakeweb.hits(secret) == 0
    assert responses(tmp_path / "vault") == [(cited, "200")]


def test_two_stubs_pointing_at_each_other_are_a_loop_fetched_once_each_and_not_called_dead(tmp_path, fakeweb):
    first, second = "https://vlast.kz/novosti/1-old.html", "https://vlast.kz/novosti/2-old.html"
    fakeweb.route_url(first, html(meta_stub("/novosti/2-old.html")))
    fakeweb.route_url(second, html("<html><head><script>document.location = '" + first + "';</script></head></html>"))
    result = fetch(tmp_path, fakeweb, [first])
    assert fakeweb.hits(first) == 1 and fakeweb.hits(second) == 1
    [link] = result.links
    # A browser carrying a cookie might get through: the first stub is judged as it stands, never as dead.
    assert link.final_url == first and link.category == "unknown"
    assert sorted(responses(tmp_path / "vault")) == [(first, "200"), (second, "200")]
    assert [(h["url"], h["location"], h["via"]) for h in redirects(tmp_path / "vault")] == [
        (first, second, "meta-refresh")]


def test_a_stub_whose_target_answers_an_error_is_judged_as_the_stub_with_the_attempt_archived(tmp_path, fakeweb):
    cited = "https://x.com/kibhr_kz/status/1778123456789012345"
    fakeweb.route_url(cited, html(meta_stub("https://twitter.com/x/migrate?tok=7b22")))
    fakeweb.route("twitter.com", "/x/migrate", html("<h1>Not found</h1>", status=404))
    result = fetch(tmp_path, fakeweb, [cited])
    [link] = result.links
    assert link.category != "dead" and link.final_url == cited and link.status == 200
    assert responses(tmp_path / "vault") == [(cited, "200"), ("https://twitter.com/x/migrate?tok=7b22", "404")]


def test_stub_hops_and_http_redirects_share_one_hop_limit(tmp_path, fakeweb):
    final = "https://orda.kz/final-article-391877/"
    fakeweb.route("orda.kz", "/r1", redirect("/stub", 301))
    fakeweb.route("orda.kz", "/stub", html(meta_stub("/r2", delay="2")))
    fakeweb.route("orda.kz", "/r2", redirect(final, 302))
    fakeweb.route_url(final, html("<html><head><title>Статья</title></head><body><p>" + "Текст статьи. " * 30
                                  + "</p></body></html>"))
    limited = fetch(tmp_path, fakeweb, ["https://orda.kz/r1"], max_redirects=2)
    assert fakeweb.hits(final) == 0 and limited.links[0].final_url == "https://orda.kz/stub"
    (tmp_path / "again").mkdir()
    followed = fetch(tmp_path / "again", fakeweb, ["https://orda.kz/r1"], max_redirects=3)
    assert followed.links[0].final_url == final


STUB = b"<html><head><title>Redirecting</title>%s</head><body>%s</body></html>"


@pytest.mark.parametrize("head, body, target", [
    (b'<meta http-equiv="refresh" content="0; url=https://example.kz/a">', b"", "https://example.kz/a"),
    (b"<meta content='3;URL=/a' http-equiv='REFRESH'>", b"If nothing happens, <a href='/a'>click here</a>.",
     "https://site.kz/a"),
    (b'<meta http-equiv=refresh content="0;url=&quot;/a?x=1&amp;y=2&quot;">', b"", "https://site.kz/a?x=1&y=2"),
    (b"", b"<script>window.location = 'https://example.kz/b';</script>", "https://example.kz/b"),
    (b"", b"<script>top.location.replace(\"https:\\/\\/example.kz\\/c\")</script>", "https://example.kz/c"),
    (b"", b"<script type='text/javascript'>document.location.href='/d'</script>", "https://site.kz/d"),
    (b"", b"<script>self.location.assign(`/e`)</script><noscript><meta http-equiv=refresh content='0;url=/e'></noscript>",
     "https://site.kz/e"),
])
def test_stub_shapes_are_recognised(head, body, target):
    hop = redirect_stub("https://site.kz/old", 200, HTML, STUB % (head, body))
    assert hop is not None and hop.target == target


@pytest.mark.parametrize("charset", ["utf-16", "cp500"])
def test_a_stub_in_a_charset_whose_bytes_are_not_ascii_letters_is_recognised(charset):
    """A UTF-8 page is first looked at as bytes for its words (refresh, location); a page in UTF-16 or EBCDIC is not:
    its words are other bytes there."""
    page = STUB.decode() % ("<META HTTP-EQUIV=Refresh CONTENT='0; URL=/a'>", "Страница переехала")
    hop = redirect_stub("https://site.kz/old", 200, [("Content-Type", f"text/html; charset={charset}")],
                        page.encode(charset, errors="replace"))
    assert hop is not None and hop.target == "https://site.kz/a"


@pytest.mark.parametrize("head, body", [
    (b'<meta http-equiv="refresh" content="0">', b""),  # reloads itself
    (b'<meta http-equiv="refresh" content="5; url=https://site.kz/old#top">', b""),  # itself, fragment aside
    (b'<meta http-equiv="refresh" content="60; url=/next">', b""),  # too slow to be a stub
    (b'<meta http-equiv="refresh" content="5; url=/next">', b"<p>" + b"A real article paragraph. " * 20 + b"</p>"),
    (b"", b"<p>" + b"A real article paragraph. " * 20 + b"</p><script>location.href = '/login'</script>"),
    (b"", b"<script>if (location.href == '/x') {}</script>"),  # a comparison, not an assignment
    (b"", b"<script>window.location = 'javascript:void(0)'</script>"),
    (b"", b"<script>location.href = `/u/${id}`</script>"),  # computed: nothing literal to follow
    # Facebook's page for visitors without scripts: a browser running them (Chromium) ignores it
    (b"<noscript><meta http-equiv='refresh' content='0; URL=/visitaustria/?_fb_noscript=1' /></noscript>", b""),
])
def test_pages_that_are_not_stubs_are_left_alone(head, body):
    assert redirect_stub("https://site.kz/old", 200, HTML, STUB % (head, body)) is None


def test_refresh_content_is_read_as_the_html_standard_reads_it():
    assert parse_refresh("0; url=https://a.kz/") == (0, "https://a.kz/")
    assert parse_refresh("  5 , URL = \"/b c\" trailing") == (5, "/b c")
    assert parse_refresh("0.5;/x") == (0, "/x")
    assert parse_refresh("300") == (300, "")
    assert parse_refresh("soon") is None


@pytest.mark.skipif(chromium() is None, reason="Debian's chromium is not installed (make test installs it as root)")
def test_the_screenshot_is_of_the_page_the_stub_leads_to(tmp_path, fakeweb, runner, monkeypatch):
    monkeypatch.delenv("LINKVAULT_NO_SCREENSHOTS")
    fakeweb.route_url(KAZTAG_ADILBEKOV, claim_routes()[url_key(KAZTAG_ADILBEKOV)])
    fakeweb.route_url(OLD_ADDRESS, html(meta_stub(KAZTAG_ADILBEKOV)))
    path = report(tmp_path, [OLD_ADDRESS], [CLAIM])
    vault = tmp_path / "vault"
    result = runner.invoke(cli, ["--vault", str(vault), "fetch", str(path), "--proxy", fakeweb.proxy_url,
                                 "--ca-bundle", fakeweb.ca_pem_path])
    assert result.exit_code == 0, result.output
    records = {}
    for warc in (vault / "warc").glob("*.warc.gz"):
        with open(warc, "rb") as fh:
            for r in ArchiveIterator(fh):
                records[(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"))] = r.rec_headers
    shots = [uri for kind, uri in records if kind == "resource" and uri.startswith("urn:fullPage:")]
    assert shots == [f"urn:fullPage:{KAZTAG_ADILBEKOV}"]
    article_response = records[("response", KAZTAG_ADILBEKOV)].get_header("WARC-Record-ID")
    assert records[("resource", shots[0])].get_header("WARC-Concurrent-To") == article_response


def test_a_real_t_co_short_link_stub_is_followed(tmp_path, fakeweb):
    from conftest import REAL_PAGES

    page = REAL_PAGES / "soft404_parked_youtube" / "tco_shortlink_meta_refresh_stub.html"
    if not page.exists():
        pytest.skip(f"the real-page corpus is not here ({REAL_PAGES})")
    fakeweb.route("t.co", "/4dk3jc2btt", html(page.read_text(encoding="utf-8")))
    fakeweb.route("buff.ly", "/2uSOHDs", redirect("https://vlast.kz/novosti/60112-sud-otkazal.html", 301))
    fakeweb.route("vlast.kz", "/novosti/60112-sud-otkazal.html", html(
        "<html><head><title>Суд отказал журналистке</title></head><body><p>" + "Текст статьи. " * 40 + "</p></body></html>"))
    [link] = fetch(tmp_path, fakeweb, ["https://t.co/4dk3jc2btt"]).links
    assert link.final_url == "https://vlast.kz/novosti/60112-sud-otkazal.html" and link.category == "alive"
    assert [h["via"] for h in redirects(tmp_path / "vault")[:1]] == ["script"]
