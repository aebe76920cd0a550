"""Pages shot one after another: nothing of one page reaches the next one's screenshot or record (not its late
requests, not what it asks for as it is left, not its dialogs, not its tall viewport); and content a page adds
only when the reader scrolls to it is drawn in the image, not left as a blank band."""

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


def test_a_noisy_page_puts_nothing_on_the_record_of_the_pages_shot_after_it(browser, fakeweb):
    """The noisy page asks for a private address every 20 ms, nags with an alert a second after it loads, and asks
    again as it is left (pagehide, unload, a keepalive fetch: requests that leave after the next page has committed
    when a tab is reused without blanking); the quiet pages after it must carry no refusal and no dialog."""
    fakeweb.route(HOST, "/noisy", html(
        "<html><body><h1>Шумная страница</h1><img src='http://169.254.169.254/at-load.png'><script>"
        "setInterval(() => fetch('http://10.9.9.9/late').catch(() => 0), 20);"
        "setTimeout(() => alert('Подпишитесь!'), 1000);"
        "addEventListener('pagehide', () => { navigator.sendBeacon('http://10.9.9.8/pagehide');"
        " fetch('http://10.9.9.7/keepalive', {method: 'POST', body: 'x', keepalive: true}).catch(() => 0); });"
        "addEventListener('unload', () => navigator.sendBeacon('http://10.9.9.6/unload'));</script></body></html>"))
    fakeweb.route(HOST, "/quiet", html("<html><body><h1>Тихая страница</h1><p>Текст.</p></body></html>"))
    fakeweb.route("www.other-example.kz", "/quiet", html("<html><body><h1>Другой сайт</h1></body></html>"))
    for after in (f"https://{HOST}/quiet", "https://www.other-example.kz/quiet", f"https://{HOST}/quiet"):
        noisy = browser.screenshot(f"https://{HOST}/noisy")
        assert "http://169.254.169.254/at-load.png" in noisy.blocked
        quiet = browser.screenshot(after)  # on the same site, on another
        assert (quiet.blocked, quiet.dialogs) == ([], []), after
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
