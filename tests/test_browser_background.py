"""Chromium's own background traffic (updates, account checks, its home page) never leaves through the user's proxy."""

from __future__ import annotations

import json
import sqlite3

import pytest
from fakeweb.server import Response, html

from linkvault.archive.screenshot import chromium
from linkvault.cli import cli

pytestmark = pytest.mark.skipif(chromium() is None, reason="Debian's chromium is not installed")

PIXEL = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"


def test_only_the_cited_pages_and_their_subresources_reach_the_users_proxy(tmp_path, fakeweb, runner, monkeypatch):
    monkeypatch.delenv("LINKVAULT_NO_SCREENSHOTS")
    fakeweb.route("static.example-cdn.kz", "/logo.gif", lambda _request: Response(200, [("Content-Type", "image/gif")], PIXEL))
    fakeweb.route("www.hostile-example.kz", "/statement", html(
        "<html><head><title>Заявление</title></head><body><h1>Заявление министерства</h1>"
        "<img src='https://static.example-cdn.kz/logo.gif'><p>Текст заявления.</p></body></html>"))
    fakeweb.route("north-news.example.kz", "/story", html(
        "<html><head><title>Новости севера</title></head><body><h1>Новости</h1><p>Статья.</p></body></html>"))
    pages = ["https://www.hostile-example.kz/statement", "http://north-news.example.kz/story"]
    report = tmp_path / "r.txt"
    report.write_text("Claims[1][2].\n\n" + "".join(f"[{n}] {u}\n" for n, u in enumerate(pages, 1)), encoding="utf-8")
    vault = tmp_path / "vault"
    result = runner.invoke(cli, ["--vault", str(vault), "fetch", str(report), "--proxy", fakeweb.proxy_url,
                                 "--ca-bundle", fakeweb.ca_pem_path])
    assert result.exit_code == 0, result.output
    rows = sqlite3.connect(vault / "linkvault.db").execute("select details from custody where event = 'screenshotted'")
    assert {json.loads(row[0])["url"] for row in rows} == set(pages)
    assert fakeweb.hits("https://static.example-cdn.kz/logo.gif") == 1  # the browser's, through the proxy
    assert set(fakeweb.proxied_hosts) == {"www.hostile-example.kz", "north-news.example.kz", "static.example-cdn.kz"}
