"""Refused means refused everywhere: a non-web scheme, or a private address in any notation browsers
and httpx accept, is `refused` in fetch's output, in report's table, JSON and HTML, and in the vault,
and `check` names the address for what it is (a draft/private address, not an invalid one)."""

from __future__ import annotations

import json
import sqlite3

import pytest

from linkvault.cli import cli
from linkvault.parsing.urls import invalid_reason, private_address

# 127.0.0.1 as the URL standard (and inet_aton, hence httpx's resolver and every browser) reads it
NOTATIONS = {
    "http://2130706433/": "127.0.0.1 written as an integer",
    "http://0x7f000001/": "127.0.0.1 written in hexadecimal",
    "http://0177.0.0.1/": "127.0.0.1 written in octal",
    "http://127.1/": "127.0.0.1 written in short form",
    "http://0x7f.1/admin": "127.0.0.1 written in a mixed notation",
    "http://[::ffff:127.0.0.1]/": "127.0.0.1 as an IPv4-mapped IPv6 address",
    "http://%31%32%37.0.0.1/": "127.0.0.1",
    "http://１２７.０.０.１/": "127.0.0.1",
    "http://0xa9.0xfe.0xa9.0xfe/latest/meta-data/": "169.254.169.254 written in hexadecimal",
}
REPORT_URLS = ["ftp://files.adilsoz.kz/monitoring-2024-04.pdf", "http://2130706433/", "http://0x7f000001/",
               "http://0177.0.0.1/", "http://127.1/", "http://[::ffff:127.0.0.1]/"]


def _report(tmp_path, urls):
    body = " ".join(f"Claim {n}[{n}]." for n in range(1, len(urls) + 1))
    path = tmp_path / "r.txt"
    path.write_text(body + "\n\n" + "".join(f"[{n}] {u}\n" for n, u in enumerate(urls, 1)), encoding="utf-8")
    return path


@pytest.mark.parametrize("url, how", NOTATIONS.items())
def test_check_names_any_notation_of_a_private_address_as_a_draft_url_not_an_invalid_one(tmp_path, runner, url, how):
    path = _report(tmp_path, [url])
    findings = json.loads(runner.invoke(cli, ["check", str(path), "--format", "json"]).stdout)["findings"]
    assert [f["kind"] for f in findings] == ["draft-url"]
    assert f"private or local address ({how})" in findings[0]["message"]


@pytest.mark.parametrize("host", ["256.1.1.1", "1.2.3.4.5", "08.0.0.1", "news.1"])
def test_a_host_that_ends_in_a_number_but_is_no_address_is_invalid(host):
    assert "not a valid IPv4 address" in invalid_reason(f"http://{host}/")


@pytest.mark.parametrize("host", ["134744072", "0x08080808", "rus.azattyq.org", "2130706433.kz"])
def test_public_addresses_and_names_in_any_notation_are_not_private(host):
    assert private_address(host) is None and invalid_reason(f"http://{host}/") is None


def test_fetch_report_and_vault_agree_that_refused_links_are_refused(tmp_path, fakeweb, runner):
    path = _report(tmp_path, REPORT_URLS)
    vault = tmp_path / "vault"
    fetched = runner.invoke(cli, ["--vault", str(vault), "fetch", str(path), "--proxy", fakeweb.proxy_url,
                                  "--ca-bundle", fakeweb.ca_pem_path, "--format", "json", "--no-timestamp"])
    assert fakeweb.requests == [] and fakeweb.proxied_hosts == []  # nothing reached the proxy, not even 127.1
    expected = ["unsupported-scheme"] + ["blocked-address"] * 5
    assert [(link["category"], link["state"]) for link in json.loads(fetched.stdout)["reports"][0]["footnotes"]] == \
        [("refused", state) for state in expected]

    reported = json.loads(runner.invoke(cli, ["--vault", str(vault), "report", str(path), "--format", "json"]).stdout)
    assert [(link["category"], link["state"]) for link in reported["footnotes"]] == [("refused", state) for state in expected]
    assert "127.0.0.1 written as an integer" in reported["footnotes"][1]["detail"]
    table = runner.invoke(cli, ["--vault", str(vault), "report", str(path)]).output
    assert "not fetched yet" not in table and table.count("refused") >= 6
    runner.invoke(cli, ["--vault", str(vault), "report", str(path), "--format", "html", "-o", str(tmp_path / "r.html")])
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "not fetched yet" not in page and page.count("blocked-address") >= 5 and "unsupported-scheme" in page

    rows = sqlite3.connect(vault / "linkvault.db").execute("select url, category, state from captures").fetchall()
    assert sorted(rows) == sorted((url, "refused", state) for url, state in zip(REPORT_URLS, expected))


def test_report_derives_refused_by_the_same_rule_before_any_fetch(tmp_path, runner, monkeypatch):
    path = _report(tmp_path, REPORT_URLS + ["https://rus.azattyq.org/a/32887882.html"])
    monkeypatch.chdir(tmp_path)  # the default vault, not there yet
    monkeypatch.delenv("LINKVAULT_VAULT", raising=False)
    result = runner.invoke(cli, ["report", str(path), "--format", "json"])
    states = [(link["category"], link["state"]) for link in json.loads(result.stdout)["footnotes"]]
    assert states == [("refused", "unsupported-scheme")] + [("refused", "blocked-address")] * 5 + [("unknown", "unknown")]


def test_a_redirect_to_loopback_written_in_hex_is_refused_before_it_is_followed(tmp_path, fakeweb, runner):
    from fakeweb.server import redirect

    port = fakeweb.http_url.rsplit(":", 1)[1]
    fakeweb.route("kaztag.kz", "/ru/news/evil", redirect(f"http://0x7f000001:{port}/secret"))
    path = _report(tmp_path, ["https://kaztag.kz/ru/news/evil"])
    fetched = runner.invoke(cli, ["--vault", str(tmp_path / "vault"), "fetch", str(path), "--proxy", fakeweb.proxy_url,
                                  "--ca-bundle", fakeweb.ca_pem_path, "--format", "json", "--no-timestamp"])
    [link] = json.loads(fetched.stdout)["reports"][0]["footnotes"]
    assert (link["category"], link["state"]) == ("refused", "blocked-address")
    assert [r.path for r in fakeweb.requests] == ["/ru/news/evil"]


# Spellings httpx, a proxy or a browser turn into an inward address after a naive check: UTS-46 mapping
# (ideographic full stops, full-width letters), inet_aton's short and mixed forms, IPv6 carrying IPv4.
AS_SENT = {
    "http://127。0。0。1/": "127.0.0.1",
    "http://ＬＯＣＡＬＨＯＳＴ/": "localhost",
    "http://localhost。/admin": "localhost",
    "http://127.1/": "127.0.0.1 written in short form",
    "http://0x7f.0.0.1/": "127.0.0.1 written in hexadecimal",
    "http://0177.1/": "127.0.0.1 written in a mixed notation",
    "http://[64:ff9b::7f00:1]/": "127.0.0.1 through NAT64 (64:ff9b::/96)",
    "http://[64:ff9b:1::a9fe:a9fe]/": "169.254.169.254 through local NAT64 (64:ff9b:1::/48)",
    "http://[2002:7f00:1::]/": "127.0.0.1 through 6to4 (2002::/16)",
    "http://[::127.0.0.1]/": "127.0.0.1 as an IPv4-compatible IPv6 address",
    "http://[::ffff:a00:1]/": "10.0.0.1 as an IPv4-mapped IPv6 address",
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/": "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo
}


def test_no_spelling_of_an_inward_address_reaches_the_proxy_and_check_agrees(tmp_path, fakeweb, runner):
    urls = list(AS_SENT)
    path = _report(tmp_path, urls)
    with fakeweb.isolated():
        fetched = runner.invoke(cli, ["--vault", str(tmp_path / "vault"), "fetch", str(path), "--proxy",
                                      fakeweb.proxy_url, "--ca-bundle", fakeweb.ca_pem_path, "--format", "json",
                                      "--no-timestamp"])
        assert fakeweb.proxied_hosts == [] and fakeweb.requests == []
    links = json.loads(fetched.stdout)["reports"][0]["footnotes"]
    assert [(link["category"], link["state"]) for link in links] == [("refused", "blocked-address")] * len(urls)
    for link, how in zip(links, AS_SENT.values()):
        assert how in link["detail"]
    findings = json.loads(runner.invoke(cli, ["check", str(path), "--format", "json"]).stdout)["findings"]
    assert [f["kind"] for f in findings] == ["draft-url"] * len(urls)
    assert [f"private or local address ({how})" in f["message"]
            for f, how in zip(findings, AS_SENT.values())] == [True] * len(urls)


def test_a_refresh_to_loopback_with_ideographic_full_stops_is_refused_through_the_proxy(tmp_path, fakeweb, runner):
    """A later hop is judged as sent too: a page (UTF-8, so it can spell 127。0。0。1, which a Location header
    cannot) whose meta refresh sends us to loopback through the proxy."""
    from fakeweb.server import html

    port = fakeweb.http_url.rsplit(":", 1)[1]
    stub = ("<!DOCTYPE html><html lang='ru'><head><meta charset='utf-8'><title>Перенаправление…</title>"
            f"<meta http-equiv='refresh' content='0; url=http://127。0。0。1:{port}/secret'></head>"
            "<body><p>Материал переехал.</p></body></html>")
    with fakeweb.isolated():
        fakeweb.route("kaztag.kz", "/ru/news/moved", html(stub))
        path = _report(tmp_path, ["https://kaztag.kz/ru/news/moved"])
        fetched = runner.invoke(cli, ["--vault", str(tmp_path / "vault"), "fetch", str(path), "--proxy",
                                      fakeweb.proxy_url, "--ca-bundle", fakeweb.ca_pem_path, "--format", "json",
                                      "--no-timestamp"])
        [link] = json.loads(fetched.stdout)["reports"][0]["footnotes"]
        assert (link["category"], link["state"]) == ("refused", "blocked-address")
        assert "/secret" not in [r.path for r in fakeweb.requests] and set(fakeweb.proxied_hosts) == {"kaztag.kz"}
