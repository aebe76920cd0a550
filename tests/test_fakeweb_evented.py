"""The fake web's evented path (`FakeWeb(evented=True)`, one asyncio loop for the proxy and both servers): it keeps
a hundred delayed requests in flight at once, as the threaded path cannot on two cores, and it behaves as the
threaded one does: every behaviour test of test_fakeweb.py is collected here again, against the evented fake web."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fakeweb import FakeWeb, Response, url_key
from fakeweb.sites import all_sites
from test_fakeweb import (  # noqa: F401 - collected here again, with `fakeweb_session` below
    client,
    direct,
    test_429_with_retry_after_then_200,
    test_async_client_through_proxy,
    test_chunked_body_is_several_chunks_on_the_wire,
    test_chunked_gzip_body_arrives_compressed_and_chunked,
    test_delay_adds_latency,
    test_every_example_report_source_is_served_with_its_own_phrase,
    test_fakeweb_env_reaches_the_fake_web_with_default_client,
    test_header_order_and_case_are_kept_on_the_wire,
    test_https_through_proxy_routes_by_real_host_name,
    test_huge_body_streams_without_the_server_holding_it,
    test_plain_http_through_proxy_logs_each_host_and_keeps_alive,
    test_query_string_still_routes_to_the_page,
    test_reset_is_a_transport_error,
    test_routes_added_by_a_test_are_dropped_after_it,
    test_stall_triggers_read_timeout,
    test_telegram_preview_has_the_widget_markup,
    test_unknown_page_is_404_and_logged_once,
    test_untrusted_client_fails_tls,
    test_windows_1251_page_declares_charset_only_in_meta,
)


@pytest.fixture(scope="module")
def fakeweb_session():
    """Overrides the plugin's: `fakeweb` (and every test above) gets the evented fake web in this module."""
    with FakeWeb(all_sites(), evented=True) as web:
        yield web


def test_a_hundred_delayed_https_requests_are_in_flight_at_once_through_the_proxy():
    """100 pages on 50 https hosts, each answered after 0.5 s, asked at once through the proxy: the servers count
    all 100 being answered at the same moment (one after another would take 50 s)."""
    urls = [f"https://news{n % 50}.kz/news/{n}.html" for n in range(100)]
    with FakeWeb({url_key(url): Response(200, [("Content-Type", "text/plain")], url.encode(), delay=0.5)
                  for url in urls}, evented=True) as web:  # its own: no earlier test's stalled answer in the count

        async def fetch_all() -> list[httpx.Response]:
            limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
            async with httpx.AsyncClient(**web.client_kwargs(), limits=limits, timeout=60) as client:
                return await asyncio.gather(*(client.get(url) for url in urls))

        responses = asyncio.run(fetch_all())
        assert [(r.status_code, r.text) for r in responses] == [(200, url) for url in urls]
        assert len({r.host for r in web.requests}) == 50 and len(web.requests) == 100
        assert len({r.client_port for r in web.requests}) == 100  # each on its own TLS tunnel through the proxy
        assert web.peak_in_flight == 100
