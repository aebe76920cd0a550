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


def test_screenshotting_a_page_that_loads_nothing_connects_to_nothing_but_its_host(tmp_path, fakeweb, runner,
                                                                                   monkeypatch):
    """The issue's own case: an empty page gives the browser nothing to ask for, so any other connection would
    be Chromium's own (time, accounts, component updates). None reaches the proxy: what the flags do not quiet
    (Debian's Chromium still tries update.googleapis.com and accounts.google.com) the egress keeps in."""
    from linkvault.archive import screenshot

    egresses = []

    class Recorded(screenshot.Egress):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            egresses.append(self)

    monkeypatch.setattr(screenshot, "Egress", Recorded)
    monkeypatch.delenv("LINKVAULT_NO_SCREENSHOTS")
    page = "http://blank.example.kz/"
    with fakeweb.isolated():
        fakeweb.route("blank.example.kz", "/", html("<!DOCTYPE html><html><head><title></title></head><body></body></html>"))
        report = tmp_path / "r.txt"
        report.write_text(f"Claim[1].\n\n[1] {page}\n", encoding="utf-8")
        vault = tmp_path / "vault"
        result = runner.invoke(cli, ["--vault", str(vault), "fetch", str(report), "--proxy", fakeweb.proxy_url,
                                     "--ca-bundle", fakeweb.ca_pem_path, "--no-timestamp"])
        assert result.exit_code == 0, result.output
        [row] = sqlite3.connect(vault / "linkvault.db").execute(
            "select details from custody where event = 'screenshotted'")
        assert json.loads(row[0])["url"] == page
        assert set(fakeweb.proxied_hosts) == {"blank.example.kz"}
        assert {r.host for r in fakeweb.requests} == {"blank.example.kz"}
    [egress] = egresses
    assert egress.refused == [] and "blank.example.kz:80" not in egress.unasked
    kept_in = {authority.rsplit(":", 1)[0] for authority in egress.unasked}
    assert kept_in.isdisjoint(fakeweb.proxied_hosts)  # whatever the browser tried on its own stayed in
