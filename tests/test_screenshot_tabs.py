"""A screenshot tab serves page after page (a new tab costs more than a small page), and nothing of one page
reaches the next one's screenshot or record: not its late requests, not its dialogs, not its tall viewport; and
content a page adds only when the reader scrolls to it is in the image."""

from __future__ import annotations

import base64

import pytest
from fakeweb.server import Response, html
from replayweb import Tab

from linkvault.archive.egress_policy import EgressPolicy
from linkvault.archive.screenshot import Browser, chromium, png_size

pytestmark = pytest.mark.skipif(chromium() is None, reason="Debian's chromium is not installed (make test installs it as root)")

HOST = "www.tabs-example.kz"
GIF = Response(200, [("Content-Type", "image/gif")], b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")


@pytest.fixture
def browser(fakeweb):
    """The screenshot browser as `fetch --proxy … --ca-bundle …` starts it on the fake web."""
    policy = EgressPolicy(proxies={"http": fakeweb.proxy_url, "https": fakeweb.proxy_url}, ca_file=fakeweb.ca_pem_path)
    browser = Browser(egress=policy)
    try:
        yield browser
    finally:
        browser.close()


def _pages(browser: Browser) -> set[str]:
    """The page targets open in the browser (its first one, about:blank, included)."""
    return {t["targetId"] for t in browser._call("Target.getTargets")["targetInfos"] if t["type"] == "page"}


def test_one_tab_serves_page_after_page_and_a_noisy_page_taints_none_of_the_next(browser, fakeweb):
    """The noisy page asks for a private address every 20 ms and nags with an alert a second after it loads,
    for as long as it lives; the quiet pages after it in the same tab must carry no refusal and no dialog."""
    fakeweb.route(HOST, "/noisy", html(
        "<html><body><h1>Шумная страница</h1><img src='http://169.254.169.254/at-load.png'><script>"
        "setInterval(() => fetch('http://10.9.9.9/late').catch(() => 0), 20);"
        "setTimeout(() => alert('Подпишитесь!'), 1000);</script></body></html>"))
    for n in (1, 2, 3):
        fakeweb.route(HOST, f"/quiet-{n}", html(f"<html><body><h1>Тихая страница {n}</h1><p>Текст.</p></body></html>"))
    first = _pages(browser)
    noisy = browser.screenshot(f"https://{HOST}/noisy")
    tabs = _pages(browser) - first
    assert len(tabs) == 1 and "http://169.254.169.254/at-load.png" in noisy.blocked
    for n in (1, 2, 3):
        quiet = browser.screenshot(f"https://{HOST}/quiet-{n}")
        assert (quiet.blocked, quiet.dialogs) == ([], []), n
        assert _pages(browser) - first == tabs  # the same tab, kept
        assert png_size(quiet.png) == (1280, 800)


def test_a_short_page_after_a_long_one_in_the_same_tab_is_shot_at_the_readers_viewport(browser, fakeweb):
    fakeweb.route(HOST, "/long", html("<html><body style='margin:0'><h1>Длинная</h1>"
                                      "<div style='height:5000px'></div><p>Конец.</p></body></html>"))
    fakeweb.route(HOST, "/short", html("<html><body><h1>Короткая</h1><p>Текст.</p></body></html>"))
    long_width, long_height = png_size(browser.screenshot(f"https://{HOST}/long").png)
    assert long_width == 1280 and long_height > 5000
    assert png_size(browser.screenshot(f"https://{HOST}/short").png) == (1280, 800)


def test_content_a_page_adds_when_the_reader_scrolls_to_it_is_in_the_screenshot(browser, fakeweb):
    """Infinite scroll: when the end of the article comes into view, the page asks for more and appends it. The
    screenshot is of the page grown by it, whole (past the viewport the page was first stretched to)."""
    fakeweb.route(HOST, "/more.gif", GIF)
    fakeweb.route(HOST, "/feed", html(
        "<html><body style='margin:0'><h1>Лента</h1><div style='height:2000px'></div><div id='end'>…</div><script>"
        "new IntersectionObserver((seen, observer) => { if (!seen[0].isIntersecting) return; observer.disconnect();"
        " fetch('/more.gif').then(() => { const more = document.createElement('div');"
        " more.style.cssText = 'height: 3000px; background: rgb(200, 30, 30)'; more.textContent = 'Ещё новости';"
        " document.body.append(more); }); })"
        ".observe(document.getElementById('end'));</script></body></html>"))
    shot = browser.screenshot(f"https://{HOST}/feed")
    assert fakeweb.hits(f"https://{HOST}/more.gif") == 1
    width, height = png_size(shot.png)
    assert width == 1280 and height > 5000
    assert _pixel(browser, shot.png, 640, height - 100) == [200, 30, 30, 255]  # drawn, not a blank band


def _pixel(browser: Browser, png: bytes, x: int, y: int) -> list[int]:
    """The RGBA of one pixel of `png`, as Chromium decodes it."""
    with Tab(browser, "about:blank") as tab:
        return tab.evaluate(
            f"(async () => {{ const image = await createImageBitmap(await (await fetch("
            f"'data:image/png;base64,{base64.b64encode(png).decode()}')).blob());"
            f" const canvas = new OffscreenCanvas(image.width, image.height), context = canvas.getContext('2d');"
            f" context.drawImage(image, 0, 0); return Array.from(context.getImageData({x}, {y}, 1, 1).data); }})()")
