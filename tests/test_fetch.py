"""`fetch` end to end against the fake web, over real sockets, through a proxy with real host names."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import EXAMPLE
from fakeweb import Response
from fakeweb.server import html, rate_limited_then, redirect
from fakeweb.sites import KAZTAG_ARTICLE, example_report_phrases
from interrupt import kill_after_captures
from replay import pywb
from warcio.archiveiterator import ArchiveIterator

import linkvault
from linkvault.archive import FetchOptions
from linkvault.cli import cli


def options(web, **kw) -> FetchOptions:
    defaults = dict(proxy=web.proxy_url, ca_bundle=web.ca_pem_path, backoff=0.01, timeout=5.0, retries=2)
    return FetchOptions(**{**defaults, **kw})


def report(tmp_path, urls: list[str], name="r.txt") -> Path:
    body = " ".join(f"Claim {n}[{n}]." for n in range(1, len(urls) + 1))
    notes = "\n".join(f"[{n}] {u}" for n, u in enumerate(urls, start=1))
    path = tmp_path / name
    path.write_text(f"{body}\n\n{notes}\n", encoding="utf-8")
    return path


def fetch(tmp_path, web, urls, **kw):
    return linkvault.fetch([report(tmp_path, urls)], tmp_path / "vault", options(web, **kw))


def warcs(tmp_path) -> list[Path]:
    return sorted((tmp_path / "vault" / "warc").glob("*.warc.gz"))


def records(tmp_path) -> list:
    out = []
    for path in warcs(tmp_path):
        with open(path, "rb") as fh:
            for r in ArchiveIterator(fh):
                out.append((r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.http_headers, r.raw_stream.read()))
    return out


def warcio_check(paths) -> None:
    for path in paths:
        proc = subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(path)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        index = subprocess.run([sys.executable, "-m", "warcio.cli", "index", str(path)], capture_output=True, text=True)
        assert index.returncode == 0 and index.stdout


def link(result, number=1):
    return next(item for item in result.links if item.number == number)


# -- the example report -------------------------------------------------------------------------


def test_example_report_is_archived_searchable_and_replayable(tmp_path, fakeweb, runner):
    vault = tmp_path / "vault"
    args = ["--vault", str(vault), "fetch", str(EXAMPLE), "--proxy", fakeweb.proxy_url,
            "--ca-bundle", fakeweb.ca_pem_path, "--format", "json"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 1  # the 15 footnotes with no source
    data = json.loads(result.stdout)
    links = [f for f in data["reports"][0]["footnotes"] if f["url"]]
    assert len(links) == 85 and all(item["http_status"] == 200 and item["warc"] for item in links)
    assert data["summary"]["network_unreachable"] is False
    missing = [f["number"] for f in data["reports"][0]["findings"] if f["kind"] == "missing-footnote"]
    assert len(missing) == 15

    files = sorted((vault / "warc").glob("*.warc.gz"))
    warcio_check(files)

    phrases = example_report_phrases()
    hits = linkvault.search(phrases[17], vault=vault)
    assert [h.number for h in hits] == [17]
    assert "[Сноска] [17]" in hits[0].snippet  # matched words are bracketed
    search = runner.invoke(cli, ["--vault", str(vault), "search", phrases[29], "--format", "json"])
    assert [h["number"] for h in json.loads(search.stdout)] == [29]

    fakeweb.reset_log()
    again = runner.invoke(cli, args)
    assert again.exit_code == 1
    assert fakeweb.requests == []  # everything was archived already: nothing fetched again
    assert all(item["reused"] for item in json.loads(again.stdout)["reports"][0]["footnotes"] if item["url"])

    shown = runner.invoke(cli, ["--vault", str(vault), "show", str(EXAMPLE), "1", "--text"])
    assert shown.exit_code == 0
    assert "HTTP 200" in shown.output and "WARC linkvault-" in shown.output and phrases[1] in shown.output

    url = "https://rus.azattyq.org/a/32892183.html"
    with pywb(files, tmp_path) as base:
        replayed = httpx.get(f"{base}/id_/{url}", timeout=30)
    assert replayed.status_code == 200
    assert phrases[6].encode() in replayed.content


# -- what the wire does -------------------------------------------------------------------------


def test_gzip_and_chunked_bodies_are_recorded_as_received(tmp_path, fakeweb):
    page = "<html><head><title>Суд</title></head><body><p>Суд оштрафовал активиста на 184 600 тенге.</p></body></html>"
    fakeweb.route("orda.kz", "/chunked", Response(200, [("Content-Type", "text/html; charset=utf-8")], page.encode(),
                                                  chunked=True, gzip=True))
    result = fetch(tmp_path, fakeweb, ["https://orda.kz/chunked"])
    assert link(result).status == 200 and link(result).title == "Суд"
    [(kind, uri, http, body)] = [r for r in records(tmp_path) if r[0] == "response"]
    assert http.get_header("Content-Encoding") == "gzip"
    assert body[:2] == b"\x1f\x8b"  # still content-encoded, as received
    assert http.get_header("Transfer-Encoding") is None
    assert http.get_header("X-Linkvault-Orig-Transfer-Encoding") == "chunked"
    warcio_check(warcs(tmp_path))


def test_every_redirect_hop_is_recorded(tmp_path, fakeweb):
    fakeweb.route("vlast.kz", "/old", redirect("https://vlast.kz/mid", 301))
    fakeweb.route("vlast.kz", "/mid", redirect("/new", 302))
    fakeweb.route("vlast.kz", "/new", html("<html><head><title>Новое</title></head><body><p>Текст статьи.</p></body></html>"))
    result = fetch(tmp_path, fakeweb, ["https://vlast.kz/old"])
    assert link(result).final_url == "https://vlast.kz/new"
    statuses = [(r[1], r[2].get_statuscode()) for r in records(tmp_path) if r[0] == "response"]
    assert statuses == [("https://vlast.kz/old", "301"), ("https://vlast.kz/mid", "302"), ("https://vlast.kz/new", "200")]
    shown = linkvault.show(tmp_path / "r.txt", 1, vault=tmp_path / "vault")
    assert [h["status"] for h in shown.captures[0]["redirects"]] == [301, 302, 200]


def test_error_pages_are_recorded_and_a_404_is_never_retried(tmp_path, fakeweb):
    fakeweb.route("kaztag.kz", "/gone", html("<html><body><h1>Страница не найдена</h1></body></html>", status=404))
    fakeweb.route("kaztag.kz", "/broken", html("<html><body>Internal error</body></html>", status=500))
    result = fetch(tmp_path, fakeweb, ["https://kaztag.kz/gone", "https://kaztag.kz/broken"])
    assert [link(result, 1).status, link(result, 2).status] == [404, 500]
    assert fakeweb.hits("https://kaztag.kz/gone") == 1
    assert {r[1] for r in records(tmp_path) if r[0] == "response"} == {"https://kaztag.kz/gone", "https://kaztag.kz/broken"}
    assert result.ok is False


def test_429_waits_for_retry_after_then_archives(tmp_path, fakeweb):
    ok = html("<html><head><title>Готово</title></head><body><p>Материал.</p></body></html>")
    fakeweb.route("mediazona.ca", "/news/slow", rate_limited_then(ok, retry_after="1"))
    result = fetch(tmp_path, fakeweb, ["https://mediazona.ca/news/slow"])
    assert link(result).status == 200
    times = [r.time for r in fakeweb.requests if r.path == "/news/slow"]
    assert len(times) == 2 and times[1] - times[0] >= 0.95
    assert [r[2].get_statuscode() for r in records(tmp_path)
            if r[0] == "response" and r[1] == "https://mediazona.ca/news/slow"] == ["429", "200"]


def test_transient_503_is_retried_with_backoff_until_it_gives_up(tmp_path, fakeweb):
    fakeweb.route("orda.kz", "/down", Response(503, [("Content-Type", "text/plain")], b"busy"))
    result = fetch(tmp_path, fakeweb, ["https://orda.kz/down"], retries=2)
    assert link(result).status == 503
    assert fakeweb.hits("https://orda.kz/down") == 3


def test_a_stalled_server_is_a_timeout(tmp_path, fakeweb):
    fakeweb.route("bureau.kz", "/stall", Response(200, [("Content-Type", "text/html")], b"<p>x</p>", delay=5))
    result = fetch(tmp_path, fakeweb, ["https://bureau.kz/stall"], timeout=0.5, retries=0)
    assert link(result).error == "timeout"


def test_a_connection_reset_is_a_connection_error(tmp_path, fakeweb):
    fakeweb.route("tirek.info", "/reset", Response(reset=True))
    result = fetch(tmp_path, fakeweb, ["https://tirek.info/reset"], retries=1)
    assert link(result).error == "connection-error"
    assert fakeweb.hits("https://tirek.info/reset") == 2  # a reset is transient: tried again once


def test_a_body_over_the_cap_is_truncated_and_memory_stays_flat(tmp_path, fakeweb):
    fakeweb.route("youtube.com", "/big.mp4", Response(200, [("Content-Type", "video/mp4")], body_size=20 * 1024 * 1024))
    result = fetch(tmp_path, fakeweb, ["https://youtube.com/big.mp4"], max_size=1024 * 1024)
    [response] = [r for r in records(tmp_path) if r[0] == "response" and r[1] == "https://youtube.com/big.mp4"]
    assert len(response[3]) == 1024 * 1024
    row = sqlite3.connect(tmp_path / "vault" / "linkvault.db").execute(
        "select truncated, size from captures where role = 'cited'").fetchone()
    assert row == (1, 1024 * 1024)
    assert link(result).status == 200
    with open(warcs(tmp_path)[0], "rb") as fh:
        rec = [r for r in ArchiveIterator(fh) if r.rec_type == "response"][0]
        assert rec.rec_headers.get_header("WARC-Truncated") == "length"
        assert rec.rec_headers.get_header("WARC-Target-URI") == "https://youtube.com/big.mp4"


def test_cp1251_page_without_header_charset_gives_correct_cyrillic(tmp_path, fakeweb):
    fetch(tmp_path, fakeweb, [KAZTAG_ARTICLE])
    archived = linkvault.show(tmp_path / "r.txt", 1, vault=tmp_path / "vault")
    assert archived.text is not None
    assert "суд" in archived.text["text"].lower() or "журналист" in archived.text["text"].lower()
    assert "Ð" not in archived.text["text"] and "Ã" not in archived.text["text"]
    [response] = [r for r in records(tmp_path) if r[0] == "response" and r[1] == KAZTAG_ARTICLE]
    assert "charset" not in (response[2].get_header("Content-Type") or "")


def test_two_footnotes_citing_one_url_fetch_it_once(tmp_path, fakeweb):
    url = "https://rus.azattyq.org/a/32887882.html"
    result = fetch(tmp_path, fakeweb, [url, url])
    assert fakeweb.hits(url) == 1
    assert link(result, 1).status == link(result, 2).status == 200
    assert link(result, 1).warc_offset == link(result, 2).warc_offset


def test_an_identical_payload_under_another_url_is_a_revisit(tmp_path, fakeweb):
    page = html("<html><head><title>Копия</title></head><body><p>Один и тот же текст.</p></body></html>")
    fakeweb.route("kz.kursiv.media", "/a", page)
    fakeweb.route("kz.kursiv.media", "/b", page)
    fetch(tmp_path, fakeweb, ["https://kz.kursiv.media/a", "https://kz.kursiv.media/b"], concurrency=1)
    kinds = [r[0] for r in records(tmp_path) if r[0] in ("response", "revisit")]
    assert sorted(kinds) == ["response", "revisit"]
    warcio_check(warcs(tmp_path))


def test_a_second_run_fetches_nothing_unless_refresh(tmp_path, fakeweb):
    url = "https://rus.azattyq.org/a/32887882.html"
    fetch(tmp_path, fakeweb, [url])
    fetch(tmp_path, fakeweb, [url])
    assert fakeweb.hits(url) == 1
    linkvault.fetch([tmp_path / "r.txt"], tmp_path / "vault", options(fakeweb), refresh=True)
    assert fakeweb.hits(url) == 2


def test_failed_links_are_tried_again_on_the_next_run(tmp_path, fakeweb):
    from fakeweb.server import sequence

    ok = html("<html><head><title>Вернулась</title></head><body><p>Страница снова доступна.</p></body></html>")
    fakeweb.route("orda.kz", "/flaky", sequence(html("<p>нет</p>", status=404), ok))
    first = fetch(tmp_path, fakeweb, ["https://orda.kz/flaky"])
    assert link(first).status == 404
    second = linkvault.fetch([tmp_path / "r.txt"], tmp_path / "vault", options(fakeweb))
    assert link(second).status == 200 and link(second).title == "Вернулась"


# -- the address guard ----------------------------------------------------------------------------


def test_private_addresses_in_a_report_are_refused_without_a_request(tmp_path, fakeweb):
    urls = [f"{fakeweb.http_url}/x", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "ftp://kaztag.kz/x"]
    result = fetch(tmp_path, fakeweb, urls)
    assert [link(result, n).error for n in (1, 2, 3, 4)] == ["blocked-address"] * 3 + ["unsupported-scheme"]
    assert fakeweb.requests == []


def test_a_redirect_to_loopback_is_refused_before_it_is_followed(tmp_path, fakeweb):
    target = f"{fakeweb.http_url}/secret"
    fakeweb.route("rus.azattyq.org", "/a/evil.html", redirect(target))
    fakeweb.route("127.0.0.1", "/secret", html("<p>internal</p>"))
    result = fetch(tmp_path, fakeweb, ["https://rus.azattyq.org/a/evil.html"])
    assert link(result).error == "blocked-address"
    assert fakeweb.hits(target) == 0
    assert fakeweb.hits("https://rus.azattyq.org/a/evil.html") == 1


def test_allow_private_opts_in_to_local_servers(tmp_path, fakeweb):
    fakeweb.route("127.0.0.1", "/local", html("<html><head><title>Локально</title></head><body><p>Тест.</p></body></html>"))
    result = linkvault.fetch([report(tmp_path, [f"{fakeweb.http_url}/local"])], tmp_path / "vault",
                             FetchOptions(allow_private=True, timeout=5))
    assert link(result).status == 200 and link(result).title == "Локально"
    response = [r for r in records(tmp_path) if r[0] == "response"][0]
    assert response[2].get_statuscode() == "200"
    with open(warcs(tmp_path)[0], "rb") as fh:
        rec = [r for r in ArchiveIterator(fh) if r.rec_type == "response"][0]
        assert rec.rec_headers.get_header("WARC-IP-Address") == "127.0.0.1"


def test_a_name_that_does_not_resolve_is_a_dns_failure_not_an_unreachable_network(tmp_path, fakeweb):
    fakeweb.route("127.0.0.1", "/fine", html("<p>ok</p>"))
    result = linkvault.fetch([report(tmp_path, [f"{fakeweb.http_url}/fine", "https://no-such-site.invalid/x"])],
                             tmp_path / "vault", FetchOptions(allow_private=True, timeout=5, retries=0))
    assert link(result, 2).error == "dns-failure"
    assert result.network_unreachable is False


def test_when_nothing_resolves_the_network_is_called_unreachable_not_the_links_dead(tmp_path, runner):
    urls = [f"https://site{n}.invalid/a" for n in range(12)]
    path = report(tmp_path, urls)
    result = runner.invoke(cli, ["--vault", str(tmp_path / "vault"), "fetch", str(path), "--retries", "0"])
    assert result.exit_code == 1
    assert "The network is unreachable" in result.output
    assert "dns-failure" not in result.output


def test_proxy_and_ca_come_from_the_environment_like_every_http_tool(tmp_path, fakeweb_env, runner):
    path = report(tmp_path, ["https://rus.azattyq.org/a/32887882.html"])
    result = runner.invoke(cli, ["--vault", str(tmp_path / "vault"), "fetch", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["reports"][0]["footnotes"][0]["http_status"] == 200
    assert "rus.azattyq.org" in fakeweb_env.proxied_hosts


def test_vault_option_can_come_from_the_environment(tmp_path, fakeweb_env, runner, monkeypatch):
    monkeypatch.setenv("LINKVAULT_VAULT", str(tmp_path / "envvault"))
    path = report(tmp_path, ["https://rus.azattyq.org/a/32887882.html"])
    assert runner.invoke(cli, ["fetch", str(path)]).exit_code == 0
    assert (tmp_path / "envvault" / "linkvault.db").exists()


# -- interruption ---------------------------------------------------------------------------------


def test_a_killed_run_resumes_where_it_stopped_and_leaves_no_torn_warc(tmp_path, fakeweb):
    urls = [f"https://bureau.kz/novosti/{n}/" for n in range(24)]
    for n, url in enumerate(urls):
        fakeweb.route_url(url, Response(200, [("Content-Type", "text/html; charset=utf-8")],
                                        f"<html><head><title>Новость {n}</title></head><body><p>Текст {n}.</p></body></html>".encode(),
                                        delay=0.25))
    path = report(tmp_path, urls)
    vault = tmp_path / "vault"
    cmd = [sys.executable, "-m", "linkvault", "--vault", str(vault), "fetch", str(path), "--proxy", fakeweb.proxy_url,
           "--ca-bundle", fakeweb.ca_pem_path, "--concurrency", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db = vault / "linkvault.db"
    done = kill_after_captures(proc, db, 4)
    assert 4 <= done < len(urls)
    time.sleep(0.5)  # let the server finish answering the killed run's last requests
    captured = {row[0] for row in sqlite3.connect(db).execute("select url from captures where role = 'cited'")}
    first_hits = {u: fakeweb.hits(u) for u in urls}

    rerun = subprocess.run(cmd + ["--format", "json"], capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    links = json.loads(rerun.stdout)["reports"][0]["footnotes"]
    assert all(item["http_status"] == 200 for item in links)
    assert sum(1 for item in links if item["reused"]) >= done
    assert all(fakeweb.hits(u) == first_hits[u] for u in captured)  # what was archived is never fetched again
    assert all(fakeweb.hits(u) >= 1 for u in urls)
    assert not list((vault / "warc").glob("*.open"))
    warcio_check(sorted((vault / "warc").glob("*.warc.gz")))


def test_a_second_run_on_a_locked_vault_is_refused(tmp_path, runner):
    from linkvault.archive.run import VaultLock

    lock = VaultLock(str(tmp_path / "vault"))
    try:
        result = runner.invoke(cli, ["--vault", str(tmp_path / "vault"), "fetch", str(EXAMPLE)])
    finally:
        lock.release()
    assert result.exit_code == 2 and "another linkvault run" in result.output


def test_search_and_show_without_a_vault_are_one_line_errors(tmp_path, runner):
    for args in (["search", "суд"], ["show", str(EXAMPLE), "1"]):
        result = runner.invoke(cli, ["--vault", str(tmp_path / "none"), *args])
        assert result.exit_code == 2 and "no vault here" in result.output


def test_ctrl_c_stops_cleanly_with_whole_warcs(tmp_path, fakeweb):
    urls = [f"https://orda.kz/slow/{n}" for n in range(12)]
    for url in urls:
        fakeweb.route_url(url, Response(200, [("Content-Type", "text/html; charset=utf-8")], b"<p>slow</p>", delay=0.3))
    path = report(tmp_path, urls)
    vault = tmp_path / "vault"
    proc = subprocess.Popen([sys.executable, "-m", "linkvault", "--vault", str(vault), "fetch", str(path), "--proxy",
                             fakeweb.proxy_url, "--ca-bundle", fakeweb.ca_pem_path, "--concurrency", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not list((vault / "warc").glob("*.open")):
        time.sleep(0.05)
    time.sleep(0.4)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err
    assert not list((vault / "warc").glob("*.open"))
    warcio_check(sorted((vault / "warc").glob("*.warc.gz")))


def test_no_host_gets_more_than_per_host_requests_at_once(tmp_path, fakeweb):
    urls = [f"https://respublika.kz.media/archives/{n}" for n in range(8)]
    for url in urls:
        fakeweb.route_url(url, Response(200, [("Content-Type", "text/html")], b"<p>x</p>", delay=0.2))
    fetch(tmp_path, fakeweb, urls, per_host=2, concurrency=16)
    times = sorted(r.time for r in fakeweb.requests if "linkvault-" not in r.path)  # the soft-404 probe aside
    # Each answer takes 0.2 s, so with two at a time no 0.15 s window sees more than two arrivals.
    busiest = max(sum(1 for u in times if t <= u < t + 0.15) for t in times)
    assert busiest == 2, times
    assert len(times) == 8


def test_a_socks5_proxy_reaches_sites_by_their_real_names(tmp_path, fakeweb):
    from urllib.parse import urlsplit

    from fakeweb.socks import Socks5Proxy

    socks = Socks5Proxy(urlsplit(fakeweb.http_url).port, urlsplit(fakeweb.https_url).port)
    try:
        result = fetch(tmp_path, fakeweb, ["https://rus.azattyq.org/a/32887882.html"], proxy=socks.url)
    finally:
        socks.close()
    assert link(result).status == 200 and link(result).category == "alive"
    assert "rus.azattyq.org" in socks.hosts


def test_without_chromium_fetch_says_so_once_and_archives_everything_else(tmp_path, fakeweb, runner, monkeypatch):
    monkeypatch.delenv("LINKVAULT_NO_SCREENSHOTS")
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))  # no chromium, chromium-browser or google-chrome
    report = tmp_path / "r.txt"
    report.write_text("A[1]. B[2].\n\n[1] https://rus.azattyq.org/a/32887882.html\n"
                      "[2] https://vlast.kz/novosti/59904-zhurnalistov-ne-pustili-na-zasedanie-suda.html\n", encoding="utf-8")
    vault = tmp_path / "vault"
    result = runner.invoke(cli, ["--vault", str(vault), "fetch", str(report), "--proxy", fakeweb.proxy_url,
                                 "--ca-bundle", fakeweb.ca_pem_path])
    assert result.exit_code == 0, result.output
    assert result.output.count("chromium is not installed") == 1
    assert "2 sources: 2 alive (2 captured in WARC)" in result.output
    uris = []
    for warc in (vault / "warc").glob("*.warc.gz"):
        with open(warc, "rb") as fh:
            uris += [r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(fh)]
    assert not any((u or "").startswith("urn:fullPage:") for u in uris)


@pytest.mark.parametrize("where", ["flag", "environment"])
@pytest.mark.parametrize("command", ["fetch", "pack"])
def test_a_proxy_without_a_scheme_is_a_usage_error_that_suggests_http(tmp_path, runner, monkeypatch, where, command):
    path = report(tmp_path, ["https://rus.azattyq.org/a/32887882.html"])
    args = ["--vault", str(tmp_path / "vault"), command, str(path)]
    args += ["-o", str(tmp_path / "r.wacz"), "--tsa", "https://tsa.evidence-example.org/tsr"] if command == "pack" else []
    if where == "flag":
        args += ["--proxy", "127.0.0.1:8080"]
    else:
        monkeypatch.setenv("HTTPS_PROXY", "127.0.0.1:8080")
    result = runner.invoke(cli, args)
    assert result.exit_code == 2, result.output
    [line] = result.output.strip().splitlines()
    assert "http://127.0.0.1:8080" in line and ("--proxy" if where == "flag" else "HTTPS_PROXY") in line
    assert "internal error" not in line and "Traceback" not in line


def test_two_runs_in_one_second_of_one_process_keep_both_warc_files(tmp_path, fakeweb):
    """A script calling fetch twice in a row must not have the second run's WARC replace the first's."""
    url = "https://rus.azattyq.org/a/32887882.html"
    fetch(tmp_path, fakeweb, [url])
    first = {p.name: p.read_bytes() for p in warcs(tmp_path)}
    linkvault.fetch([tmp_path / "r.txt"], tmp_path / "vault", options(fakeweb), refresh=True)
    after = {p.name: p.read_bytes() for p in warcs(tmp_path)}
    assert all(after.get(name) == data for name, data in first.items())
    assert len(after) > len(first)
