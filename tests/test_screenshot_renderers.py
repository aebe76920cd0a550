"""Which pages share a renderer process: without a researcher's profile the screenshot browser holds no one's
session and its pages share a few renderers (a renderer started per site was a quarter of its CPU per page); with a
profile (logged-in sessions) every site keeps a process of its own."""

from __future__ import annotations

import os
import time

import pytest
from fakeweb.server import html
from replayweb import Tab

from linkvault.archive.egress_policy import EgressPolicy
from linkvault.archive.screenshot import RENDERERS, Browser, chromium

pytestmark = pytest.mark.skipif(chromium() is None, reason="Debian's chromium is not installed (make test installs it as root)")

SITES = [f"https://news{n}.renderers-example.kz/story" for n in range(4)]


def _page_renderers(browser: Browser) -> set[str]:
    """Renderer processes of this browser (its own session of processes) that draw web pages."""
    found = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as fh:
                session = fh.read().rsplit(")", 1)[1].split()[3]
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                command = fh.read().replace(b"\0", b" ")
        except OSError:
            continue
        if int(session) == browser._proc.pid and b"--type=renderer" in command and b"--top-chrome-webui" not in command:
            found.add(pid)
    return found


def _renderers_with_four_sites_open(fakeweb, profile: str | None) -> int:
    for url in SITES:
        fakeweb.route_url(url, html(f"<html><head><title>{url}</title></head><body><p>Новость.</p></body></html>"))
    policy = EgressPolicy(proxies={"http": fakeweb.proxy_url, "https": fakeweb.proxy_url}, ca_file=fakeweb.ca_pem_path)
    browser = Browser(egress=policy, profile=profile)
    try:
        tabs = [Tab(browser, url) for url in SITES]
        for tab in tabs:
            for _ in range(200):
                ready = browser._call("Runtime.evaluate", {"expression": "document.readyState + location.host",
                                                           "returnByValue": True}, tab.session)["result"]["value"]
                if ready.startswith("complete") and "renderers-example" in ready:
                    break
                time.sleep(0.05)
        count = len(_page_renderers(browser))
        for tab in tabs:
            tab.__exit__()
        return count
    finally:
        browser.close()


def test_without_a_profile_pages_of_different_sites_share_a_few_renderers(fakeweb):
    assert 1 <= _renderers_with_four_sites_open(fakeweb, None) <= RENDERERS


def test_with_a_profile_every_site_keeps_a_renderer_of_its_own(fakeweb, tmp_path):
    profile = tmp_path / "chromium-profile"
    (profile / "Default").mkdir(parents=True)  # what a Chromium user-data directory holds; logged in or not
    assert _renderers_with_four_sites_open(fakeweb, str(profile)) >= len(SITES)
