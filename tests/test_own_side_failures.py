"""A failure on our own side (no network, the proxy down, a CA we were not given) is said once and judges nothing:
no link is called dead for it, and no verdict an earlier run reached is lost to it."""

from __future__ import annotations

import json
import socket
import sqlite3

import pytest
from fakeweb.server import html
from listeners import refusing_proxy

import linkvault
from linkvault.cli import cli

# Hosts under .invalid: the fake web's proxy serves them, and without it they can never resolve, so a run
# without the proxy fails as a machine without network does, and never reaches the real web.
SOURCES = {
    "https://news-agency.invalid/2024/04/arrest": html(
        "<html><head><title>Журналист задержан</title></head><body><article><h1>Журналист задержан</h1>"
        "<p>Суд назначил арест на 10 суток за публикацию в сети.</p></article></body></html>"),
    "https://court-portal.invalid/case/1187": html("<html><head><title>Not found</title></head>"
                                                   "<body><h1>404: no such case</h1></body></html>", status=404),
    "https://forum-kz.invalid/topic/42": html("<html><head><title>Forbidden</title></head>"
                                              "<body><h1>403 Forbidden</h1></body></html>", status=403),
    "https://ngo-reports.invalid/2023/report.pdf": html("<html><body><h1>Gone</h1></body></html>", status=410),
    "https://regional-news.invalid/story/9": html("<html><body><h1>Service Unavailable</h1></body></html>",
                                                  status=503),
}


@pytest.fixture
def no_proxy_environment(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)


@pytest.fixture
def cited(tmp_path, fakeweb, no_proxy_environment):
    for url, page in SOURCES.items():
        fakeweb.route_url(url, page)
    report = tmp_path / "chronicle.txt"
    body = " ".join(f"Event {n}[{n}]." for n in range(1, len(SOURCES) + 1))
    report.write_text(body + "\n\n" + "\n".join(f"[{n}] {u}" for n, u in enumerate(SOURCES, 1)) + "\n",
                      encoding="utf-8")
    return report


def _fetch(runner, vault, report, *args):
    return runner.invoke(cli, ["--vault", str(vault), "fetch", str(report), "--retries", "0", "--timeout", "5", *args])


# The verdicts as one capture reads them, a failure dead at once: these tests pin that our own side's failures change
# none of them (a failure's history, failing until confirmed, is tests/test_failing_verdict.py's).
AT_ONCE = linkvault.HistoryRules(dead_after=1)


def _verdicts(report, vault) -> dict:
    return {row.url: (row.category, row.state, row.http_status)
            for row in linkvault.review(report, vault, rules=AT_ONCE).rows}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_run_whose_proxy_is_down_names_the_proxy_and_changes_no_verdict(tmp_path, fakeweb, runner, cited):
    vault = tmp_path / "vault"
    _fetch(runner, vault, cited, "--proxy", fakeweb.proxy_url, "--ca-bundle", fakeweb.ca_pem_path)
    before = _verdicts(cited, vault)
    assert before["https://court-portal.invalid/case/1187"][:2] == ("dead", "not-found")
    assert before["https://forum-kz.invalid/topic/42"][0] == "restricted"

    port = _closed_port()
    again = _fetch(runner, vault, cited, "--refresh", "--proxy", f"http://127.0.0.1:{port}",
                   "--ca-bundle", fakeweb.ca_pem_path)
    assert _verdicts(cited, vault) == before
    assert again.exit_code == 1
    said = " ".join(again.output.split())
    assert f"The proxy http://127.0.0.1:{port} refused the connection" in said
    assert "earlier verdicts stand" in said and "network is unreachable" not in said
    report = runner.invoke(cli, ["--vault", str(vault), "report", str(cited)])
    assert "the proxy" not in report.output and "connection-error" not in report.output


def test_a_refused_proxy_stops_the_run_on_the_first_attempt_without_retries(tmp_path, runner, cited):
    """A site's refused connection is worth retrying; the proxy's own is not: every source would wait through
    the same retries only to learn what the first attempt said."""
    port = _closed_port()
    result = runner.invoke(cli, ["--vault", str(tmp_path / "vault"), "fetch", str(cited), "-v", "--retries", "3",
                                 "--proxy", f"http://127.0.0.1:{port}"])
    assert result.exit_code == 1
    assert f"The proxy http://127.0.0.1:{port} refused the connection" in " ".join(result.output.split())
    assert "retrying" not in result.output


def test_a_proxy_that_wants_credentials_is_named_with_the_fix_and_changes_no_verdict(tmp_path, fakeweb, runner,
                                                                                     cited):
    vault = tmp_path / "vault"
    _fetch(runner, vault, cited, "--proxy", fakeweb.proxy_url, "--ca-bundle", fakeweb.ca_pem_path)
    before = _verdicts(cited, vault)
    with refusing_proxy("407 Proxy Authentication Required") as (proxy, asked):
        again = _fetch(runner, vault, cited, "--refresh", "--proxy", proxy, "--ca-bundle", fakeweb.ca_pem_path)
    assert asked  # it was up, and asked
    assert _verdicts(cited, vault) == before
    assert again.exit_code == 1
    said = " ".join(again.output.split())
    assert (f"The proxy {proxy} answered 407 Proxy Authentication Required: give credentials as "
            f"http://user:pass@{proxy.split('://')[1]}") in said
    assert "earlier verdicts stand" in said and "network is unreachable" not in said
    report = runner.invoke(cli, ["--vault", str(vault), "report", str(cited)])
    assert "the proxy" not in report.output and "connection-error" not in report.output


def test_a_proxy_that_wants_credentials_is_named_even_for_one_plain_http_link(tmp_path, runner, no_proxy_environment):
    """407 is the proxy's answer whatever the site: one link is enough, and over plain HTTP (where the proxy
    answers in the request's place) it is not taken for the page's."""
    report = tmp_path / "one.txt"
    report.write_text("Claim[1].\n\n[1] http://old-bulletin.invalid/1998/issue-4\n", encoding="utf-8")
    with refusing_proxy("407 Proxy Authentication Required") as (proxy, asked):
        result = _fetch(runner, tmp_path / "vault", report, "--proxy", proxy)
    assert asked == ["old-bulletin.invalid"]
    assert result.exit_code == 1
    assert f"The proxy {proxy} answered 407 Proxy Authentication Required" in " ".join(result.output.split())
    verdict = linkvault.review(report, tmp_path / "vault").rows[0]
    assert verdict.category == "unknown" and "not checked" in verdict.detail


def test_a_proxy_that_tunnels_to_no_site_is_named_and_changes_no_verdict(tmp_path, fakeweb, runner, cited):
    vault = tmp_path / "vault"
    _fetch(runner, vault, cited, "--proxy", fakeweb.proxy_url, "--ca-bundle", fakeweb.ca_pem_path)
    before = _verdicts(cited, vault)
    with refusing_proxy("502 Bad Gateway") as (proxy, asked):
        again = _fetch(runner, vault, cited, "--refresh", "--proxy", proxy, "--ca-bundle", fakeweb.ca_pem_path)
    assert len(set(asked)) >= 3
    assert _verdicts(cited, vault) == before
    said = " ".join(again.output.split())
    assert f"The proxy {proxy} answered 502 Bad Gateway for every site" in said
    assert "earlier verdicts stand" in said and "network is unreachable" not in said
    assert again.exit_code == 1


def test_a_proxy_502_for_one_site_is_that_sites_failure_not_the_proxys(tmp_path, fakeweb, runner, cited):
    """The proxy reaches the other sites: the one whose origin it could not reach is that site's problem."""
    down = "https://regional-news.invalid/story/9"
    with refusing_proxy("502 Bad Gateway", refuse=lambda host: host == "regional-news.invalid",
                        onward=("127.0.0.1", fakeweb.proxy.port)) as (proxy, asked):
        result = _fetch(runner, tmp_path / "vault", cited, "--proxy", proxy, "--ca-bundle", fakeweb.ca_pem_path)
    verdicts = _verdicts(cited, tmp_path / "vault")
    assert verdicts[down][1] == "connection-error"
    assert verdicts["https://court-portal.invalid/case/1187"][:2] == ("dead", "not-found")
    said = " ".join(result.output.split())
    assert "for every site" not in said and "earlier verdicts stand" not in said


def test_a_run_without_network_changes_no_verdict(tmp_path, fakeweb, runner, cited):
    vault = tmp_path / "vault"
    _fetch(runner, vault, cited, "--proxy", fakeweb.proxy_url, "--ca-bundle", fakeweb.ca_pem_path)
    before = _verdicts(cited, vault)
    dead_before = sum(1 for category, _, _ in before.values() if category == "dead")

    again = _fetch(runner, vault, cited, "--refresh")  # the proxy forgotten: nothing resolves from here
    assert _verdicts(cited, vault) == before
    said = " ".join(again.output.split())
    assert "The network is unreachable" in said and "earlier verdicts stand" in said
    report = runner.invoke(cli, ["--vault", str(vault), "report", str(cited)])
    assert "dns-failure" not in report.output
    judged = json.loads(runner.invoke(cli, ["--vault", str(vault), "report", str(cited), "--format", "json",
                                            "--dead-after", "1"]).stdout)
    assert dead_before and judged["summary"]["by_category"]["dead"] == dead_before


def _view(vault) -> dict:
    db = sqlite3.connect(vault / "linkvault.db")
    try:
        return {url: (category, state, archived_at) for url, category, state, archived_at in db.execute(
            "select url, category, state, archived_at from footnote_verdicts")}
    finally:
        db.close()


def test_after_a_run_without_network_the_datasette_view_still_shows_the_earlier_verdicts(tmp_path, fakeweb, runner,
                                                                                          cited):
    vault = tmp_path / "vault"
    _fetch(runner, vault, cited, "--proxy", fakeweb.proxy_url, "--ca-bundle", fakeweb.ca_pem_path)
    before = _view(vault)
    assert before["https://court-portal.invalid/case/1187"][:2] == ("dead", "not-found")
    assert {category for category, _, _ in before.values()} >= {"alive", "dead", "restricted"}

    _fetch(runner, vault, cited, "--refresh")  # the proxy forgotten: nothing resolves from here
    assert _view(vault) == before
    assert {url: (row.category, row.state) for url, row in
            ((row.url, row) for row in linkvault.review(cited, vault, rules=AT_ONCE).rows)} == {
        u: v[:2] for u, v in before.items()}  # the view keeps the capture's reading: a failure is dead there


def test_without_the_intercepting_proxys_ca_nothing_is_called_dead_and_the_fix_is_named(tmp_path, fakeweb, runner,
                                                                                          cited):
    """The fake web's proxy answers every HTTPS site with a certificate of its own CA, as a TLS-intercepting
    proxy does; without that CA, every handshake fails on our trust store, not on the sites."""
    vault = tmp_path / "vault"
    first = _fetch(runner, vault, cited, "--proxy", fakeweb.proxy_url)
    assert first.exit_code == 1
    assert first.output.count("--ca-bundle FILE or SSL_CERT_FILE") == 1
    assert "does not trust" in first.output
    verdicts = _verdicts(cited, vault)
    assert {category for category, _, _ in verdicts.values()} == {"unknown"}
    assert "tls-error" not in runner.invoke(cli, ["--vault", str(vault), "report", str(cited)]).output

    _fetch(runner, vault, cited, "--proxy", fakeweb.proxy_url, "--ca-bundle", fakeweb.ca_pem_path)
    before = _verdicts(cited, vault)
    _fetch(runner, vault, cited, "--refresh", "--proxy", fakeweb.proxy_url)
    assert _verdicts(cited, vault) == before



def test_links_a_run_without_network_never_tried_are_reported_like_those_it_tried(tmp_path, runner,
                                                                                no_proxy_environment):
    """The run stops trying once it knows the network is gone; `report` gives the links it skipped the same
    reason as those it tried, not "not fetched yet"."""
    report = tmp_path / "chronicle.txt"
    urls = [f"https://outlet-{n}.invalid/2024/04/story-{n}" for n in range(1, 21)]
    report.write_text(" ".join(f"Event {n}[{n}]." for n in range(1, 21)) + "\n\n"
                      + "\n".join(f"[{n}] {u}" for n, u in enumerate(urls, 1)) + "\n", encoding="utf-8")
    vault = tmp_path / "vault"
    fetched = _fetch(runner, vault, report, "--concurrency", "1")
    assert "The network is unreachable" in " ".join(fetched.output.split())

    rows = linkvault.review(report, vault).rows
    assert {(row.category, row.detail) for row in rows} == {
        ("unknown", "not checked: this machine's network was unreachable")}
