"""The fake web works with plain httpx clients, over real sockets, and never leaves 127.0.0.1."""

from __future__ import annotations

import asyncio
import gzip
import socket
import threading
import time
import tracemalloc

import httpx
import lxml.html
import pytest
from fakeweb import FakeWeb, Response, html, rate_limited_then
from fakeweb.sites import (
    AZATTYQ_ARTICLE,
    FACEBOOK_POST,
    KAZTAG_ARTICLE,
    TELEGRAM_POST,
    VLAST_ARTICLE,
    example_report_phrases,
    report_footnotes,
)

pytest_plugins = ["fakeweb.fixtures"]  # redundant (and harmless) once tests/conftest.py loads it

ARTICLE_BODY = "Суд Астаны санкционировал арест журналиста".encode()


@pytest.fixture
def client(fakeweb):
    """A plain httpx client using real URLs through the proxy, trusting the fake CA."""
    with httpx.Client(**fakeweb.client_kwargs(), timeout=5) as client:
        yield client


@pytest.fixture
def direct(fakeweb):
    """A plain httpx client talking straight to the fake HTTP server (no proxy)."""
    with httpx.Client(base_url=fakeweb.http_url, timeout=5, trust_env=False) as client:
        yield client


def test_https_through_proxy_routes_by_real_host_name(fakeweb, client):
    article = client.get(AZATTYQ_ARTICLE)
    post = client.get(TELEGRAM_POST)
    vlast = client.get(VLAST_ARTICLE)

    assert article.status_code == 200 and ARTICLE_BODY in article.content
    assert '<meta name="author" content="Айгерим Сеитова">' in article.text
    assert 'data-post="sud_monitor_kz/1861"' in post.text
    assert '"@type": "NewsArticle"' in vlast.text
    assert fakeweb.proxied_hosts == ["rus.azattyq.org", "t.me", "vlast.kz"]
    assert {(r.scheme, r.host) for r in fakeweb.requests} == {
        ("https", "rus.azattyq.org"), ("https", "t.me"), ("https", "vlast.kz")}


def test_async_client_through_proxy(fakeweb):
    async def fetch() -> list[httpx.Response]:
        async with httpx.AsyncClient(proxy=fakeweb.proxy_url, verify=fakeweb.ssl_context, timeout=5) as client:
            return await asyncio.gather(client.get(AZATTYQ_ARTICLE), client.get(FACEBOOK_POST),
                                        client.get("https://www.facebook.com/no/such/page"))

    article, facebook, missing = asyncio.run(fetch())
    assert article.status_code == 200 and ARTICLE_BODY in article.content
    assert facebook.status_code == 200 and 'name="pass"' in facebook.text
    assert missing.status_code == 404 and "Not Found" in missing.text


def test_untrusted_client_fails_tls(fakeweb):
    with httpx.Client(proxy=fakeweb.proxy_url, verify=True, trust_env=False, timeout=5) as client:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            client.get(AZATTYQ_ARTICLE)


def test_plain_http_through_proxy_logs_each_host_and_keeps_alive(fakeweb, client):
    client.get("http://rus.azattyq.org/a/32887882.html")
    client.get("http://rus.azattyq.org/a/32887882.html")
    client.get("http://example.invalid/")

    assert fakeweb.proxied_hosts == ["rus.azattyq.org", "rus.azattyq.org", "example.invalid"]
    first, again, unknown = fakeweb.requests
    assert [(r.scheme, r.status) for r in (first, again, unknown)] == [("http", 200), ("http", 200), ("http", 404)]
    assert first.client_port == again.client_port  # keep-alive through the proxy
    assert ("Host", "rus.azattyq.org") in first.headers


def test_unknown_page_is_404_and_logged_once(fakeweb, client):
    response = client.get("https://vlast.kz/nope?x=1")
    assert response.status_code == 404
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert fakeweb.hits("https://vlast.kz/nope?x=1") == 1
    assert fakeweb.hits("https://vlast.kz/nope") == 1


def test_query_string_still_routes_to_the_page(client):
    phrases = example_report_phrases()
    tracked = client.get("https://rus.azattyq.org/a/32901623.html?fbclid=IwAR325ONOpPHAMeLsz")
    preview = client.get("https://tirek.info/v-astane-zhaksymbek-maksat-podvergnut-arestu-na-15-sutok-sutok-za"
                         "-prizyv-v-seti-tik-tok/?preview=true")
    assert phrases[33] in tracked.text
    assert phrases[27] in preview.text


def test_routes_added_by_a_test_are_dropped_after_it(fakeweb, direct):
    with fakeweb.isolated():
        fakeweb.route("temp.example", "/x", html("<p>temporary</p>"))
        assert direct.get("/x", headers={"Host": "temp.example"}).status_code == 200
    assert direct.get("/x", headers={"Host": "temp.example"}).status_code == 404


def test_chunked_gzip_body_arrives_compressed_and_chunked(fakeweb, direct):
    body = "Сноска 17: чанки и gzip. ".encode() * 200
    fakeweb.route("news.example", "/gz", Response(200, [("Content-Type", "text/plain; charset=utf-8")], body,
                                                  chunked=True, gzip=True))
    with direct.stream("GET", "/gz", headers={"Host": "news.example"}) as response:
        raw = b"".join(response.iter_raw())

    assert response.headers["transfer-encoding"] == "chunked"
    assert response.headers["content-encoding"] == "gzip"
    assert "content-length" not in response.headers
    assert raw[:2] == b"\x1f\x8b" and gzip.decompress(raw) == body
    assert direct.get("/gz", headers={"Host": "news.example"}).content == body


def test_chunked_body_is_several_chunks_on_the_wire(fakeweb):
    fakeweb.route("news.example", "/chunks", Response(200, [("Content-Type", "text/plain")], b"abcdefgh",
                                                      chunked=True))
    wire = _raw_get(fakeweb.http.port, "news.example", "/chunks")
    assert wire.endswith(b"\r\n\r\n2\r\nab\r\n2\r\ncd\r\n2\r\nef\r\n2\r\ngh\r\n0\r\n\r\n")


def test_windows_1251_page_declares_charset_only_in_meta(client):
    response = client.get(KAZTAG_ARTICLE)
    assert response.headers["content-type"] == "text/html"
    assert b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">' in response.content
    assert "Суд Астаны арестовал журналиста".encode("cp1251") in response.content
    with pytest.raises(UnicodeDecodeError):
        response.content.decode("utf-8")


@pytest.mark.parametrize("url", ["direct", "http://reset.example/", "https://reset.example/"])
def test_reset_is_a_transport_error(fakeweb, client, direct, url):
    fakeweb.route("reset.example", "/", Response(reset=True))
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError, httpx.ConnectError)) as caught:
        if url == "direct":
            direct.get("/", headers={"Host": "reset.example"})
        else:
            client.get(url)
    if not url.startswith("https"):
        # A real RST, passed on by the proxy too. Over TLS, Python's ssl reports a peer's RST
        # as an unexpected EOF, so httpx raises RemoteProtocolError there instead.
        assert isinstance(caught.value, httpx.ReadError)
    assert fakeweb.hits("https://reset.example/") == 1


@pytest.mark.parametrize("behaviour", [{"stall_after_headers": 5.0}, {"delay": 5.0}])
def test_stall_triggers_read_timeout(fakeweb, client, behaviour):
    fakeweb.route("slow.example", "/", Response(200, [("Content-Type", "text/plain")], b"late", **behaviour))
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        client.get("https://slow.example/", timeout=httpx.Timeout(5, read=0.3))
    assert time.monotonic() - started < 2


def test_delay_adds_latency(fakeweb, direct):
    fakeweb.route("slow.example", "/latency", Response(200, body=b"ok", delay=0.2))
    started = time.monotonic()
    assert direct.get("/latency", headers={"Host": "slow.example"}).content == b"ok"
    assert time.monotonic() - started >= 0.2


def test_429_with_retry_after_then_200(fakeweb, client):
    fakeweb.route("busy.example", "/page", rate_limited_then(html("<p>готово</p>")))
    first = client.get("https://busy.example/page")
    second = client.get("https://busy.example/page")
    assert (first.status_code, first.headers["retry-after"]) == (429, "1")
    assert second.status_code == 200 and "готово" in second.text
    assert fakeweb.hits("https://busy.example/page") == 2


def test_huge_body_streams_without_the_server_holding_it(fakeweb, direct):
    fakeweb.route("big.example", "/1gib", Response(200, [("Content-Type", "application/octet-stream")],
                                                   body_size=1 << 30))
    wanted, received = 50 * 1024 * 1024, 0
    tracemalloc.start()
    try:
        with direct.stream("GET", "/1gib", headers={"Host": "big.example"}) as response:
            assert response.headers["content-length"] == str(1 << 30)
            for piece in response.iter_raw():
                received += len(piece)
                if received >= wanted:
                    break
        _, peak = tracemalloc.get_traced_memory()  # both sides' Python allocations, all threads
    finally:
        tracemalloc.stop()
    assert received >= wanted
    assert peak < 8 * 1024 * 1024


def test_header_order_and_case_are_kept_on_the_wire(fakeweb, direct):
    headers = [("X-Zeta", "1"), ("content-TYPE", "text/plain"), ("Set-Cookie", "a=1"),
               ("X-alpha", "2"), ("Set-Cookie", "b=2")]
    fakeweb.route("order.example", "/", Response(200, headers, b"ok"))

    response = direct.get("/", headers={"Host": "order.example"})
    assert response.headers.raw == [(k.encode(), v.encode()) for k, v in headers] + [(b"Content-Length", b"2")]
    wire = _raw_get(fakeweb.http.port, "order.example", "/")
    assert wire.startswith(b"HTTP/1.1 200 OK\r\nX-Zeta: 1\r\ncontent-TYPE: text/plain\r\nSet-Cookie: a=1\r\n"
                           b"X-alpha: 2\r\nSet-Cookie: b=2\r\nContent-Length: 2\r\n\r\nok")


def test_every_example_report_source_is_served_with_its_own_phrase(client):
    footnotes = report_footnotes()
    phrases = example_report_phrases()
    assert len(footnotes) == 85 and len(set(phrases.values())) == 85

    for number, url in footnotes:
        response = client.get(url)
        assert response.status_code == 200, url
        charset = "cp1251" if b"charset=windows-1251" in response.content else "utf-8"
        text = response.content.decode(charset)
        assert phrases[number] in text, url
        assert all(f"Сноска {other}:" not in text for other in (number - 1, number + 1, number * 10))


def test_telegram_preview_has_the_widget_markup(client):
    page = lxml.html.fromstring(client.get(TELEGRAM_POST).content)
    message = page.xpath('//div[contains(@class, "tgme_widget_message ")][@data-post="sud_monitor_kz/1861"]')[0]
    text = message.xpath('.//div[contains(@class, "tgme_widget_message_text")]')[0].text_content()
    when = message.xpath('.//a[@class="tgme_widget_message_date"]/time/@datetime')[0]
    assert "объявлен закрытым" in text
    assert when == "2024-04-16T05:12:47+00:00"


def test_fakeweb_env_reaches_the_fake_web_with_default_client(fakeweb_env):
    with httpx.Client(timeout=5) as client:  # no proxy= or verify=: taken from the environment
        response = client.get(VLAST_ARTICLE)
    assert response.status_code == 200 and "Власть" in response.text
    assert fakeweb_env.proxied_hosts == ["vlast.kz"]


@pytest.mark.parametrize("evented", [False, True], ids=["threaded", "evented"])
def test_close_ends_every_thread_even_with_stalled_and_idle_connections(evented):
    before = set(threading.enumerate())
    web = FakeWeb({("stall.example", "/"): Response(body=b"x", stall_after_headers=30)}, evented=evented)
    stalled = threading.Thread(target=_swallow_timeout, args=(web,), daemon=True)
    stalled.start()
    with httpx.Client(**web.client_kwargs(), timeout=5) as idle:
        idle.get("https://stall.example/missing")  # leaves an idle keep-alive tunnel open
        deadline = time.monotonic() + 5
        while not web.hits("https://stall.example/") and time.monotonic() < deadline:
            time.sleep(0.01)
        started = time.monotonic()
        web.close()
        assert time.monotonic() - started < 2
    stalled.join(5)
    assert set(threading.enumerate()) <= before


def _swallow_timeout(web: FakeWeb) -> None:
    with httpx.Client(**web.client_kwargs(), timeout=5) as client:
        try:
            client.get("https://stall.example/")
        except httpx.TransportError:
            pass


def _raw_get(port: int, host: str, path: str) -> bytes:
    """Exactly the bytes the server sends for one request (connection closed after it)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        chunks = []
        while data := sock.recv(65536):
            chunks.append(data)
    return b"".join(chunks)
