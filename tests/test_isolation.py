"""One bad source never stops a run: whatever one URL or page does (an address httpx cannot build, a
redirect to a non-web scheme, a charset that is no text encoding, a decompression bomb, a page dripping
a byte a second, a fault of ours in any stage), it becomes that URL's state with a detail and the run
goes on. Real sockets throughout: the fake web behind its proxy, or a local server of the test's own."""

from __future__ import annotations

import gzip
import os
import socket
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import pytest
from fakeweb import Response, redirect
from fakeweb.server import html

import linkvault
from linkvault.archive import FetchOptions

ARTICLE = ("<p>The district court in Almaty heard the appeal on 12 March 2024 and upheld the fine imposed on the "
           "journalist for a post about the reservoir; her lawyer said they would go to the Supreme Court.</p>") * 6


def page(title: str, text: str = ARTICLE) -> str:
    return f"<!doctype html><html><head><title>{title}</title></head><body><article>{text}</article></body></html>"


def options(web, **kw) -> FetchOptions:
    defaults = dict(proxy=web.proxy_url, ca_bundle=web.ca_pem_path, backoff=0.01, timeout=5.0, retries=1)
    return FetchOptions(**{**defaults, **kw})


def url_list(tmp_path: Path, urls: list[str]) -> Path:
    path = tmp_path / "sources.txt"
    path.write_text("\n".join(urls) + "\n", encoding="utf-8")
    return path


def fetch(tmp_path, web, urls, **kw):
    return linkvault.fetch([url_list(tmp_path, urls)], tmp_path / "vault", options(web, **kw), input_format="urls")


def by_url(result) -> dict:
    return {link.url: link for link in result.links}


# -- 1. addresses httpx cannot build, redirects to non-web schemes ------------------------------------------


def test_unbuildable_urls_and_redirects_to_other_schemes_are_each_links_state_and_the_run_goes_on(tmp_path, fakeweb):
    fakeweb.route("news.example", "/good", html(page("Court upholds fine")))
    fakeweb.route("news.example", "/to-js", redirect("javascript:alert(document.cookie)"))
    fakeweb.route("news.example", "/to-data", redirect("data:text/html,<script>alert(1)</script>"))
    fakeweb.route("news.example", "/to-mail", redirect("mailto:editor@news.example"))
    fakeweb.route("news.example", "/to-control", redirect("https://other.example/a\x01b"))
    unbuildable = ["http://999.1.1.1/x", "http://１２３.example/", "http://😀.example/news", "http://a\x01b.example/"]
    urls = ["https://news.example/good", *unbuildable, "https://news.example/to-js", "https://news.example/to-data",
            "https://news.example/to-mail", "https://news.example/to-control"]
    for _ in range(2):  # and the next run does not trip on them either
        links = by_url(fetch(tmp_path, fakeweb, urls))
        assert links["https://news.example/good"].state == "ok"
        for url in unbuildable:
            assert (links[url].error, links[url].state) == ("invalid-url", "unknown"), url
            assert links[url].detail.startswith("not fetched: "), links[url].detail
        for url, scheme in [("/to-js", "javascript"), ("/to-data", "data"), ("/to-mail", "mailto")]:
            link = links["https://news.example" + url]
            assert (link.error, link.state) == ("unsupported-scheme", "unsupported-scheme"), url
            assert f"'{scheme}:' links are not fetched" in link.detail
        control = links["https://news.example/to-control"]  # the site answered: it was a redirect we cannot send
        assert (control.error, control.state) == ("invalid-url", "unknown")
        assert "non-printable" in control.detail
    assert fakeweb.hits("https://other.example/a\x01b") == 0


def test_a_run_with_an_unbuildable_url_prints_no_traceback(tmp_path, fakeweb):
    fakeweb.route("news.example", "/good", html(page("Court upholds fine")))
    fakeweb.route("news.example", "/to-js", redirect("javascript:alert(1)"))
    sources = url_list(tmp_path, ["https://news.example/good", "http://999.1.1.1/x", "https://news.example/to-js"])
    proc = subprocess.run([sys.executable, "-m", "linkvault", "--vault", str(tmp_path / "vault"), "fetch", str(sources),
                           "--proxy", fakeweb.proxy_url, "--ca-bundle", fakeweb.ca_pem_path, "--retries", "0"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr  # two links failed: the run itself did not
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert "999.1.1.1" in proc.stdout and "javascript" in proc.stdout


# -- 2. charsets that are no text encoding --------------------------------------------------------------------

ODD_CHARSETS = ["base64", "rot13", "zlib", "uu", "idna", "undefined", "hex", "bz2", "no-such-charset"]


@pytest.mark.parametrize("where", ["header", "meta"])
def test_a_charset_that_is_no_text_encoding_is_read_as_utf8(tmp_path, fakeweb, where):
    urls = []
    for name in ODD_CHARSETS:
        title = f"Court upholds fine ({name})"
        body = page(title, ARTICLE + "<p>Суд оставил штраф в силе.</p>")
        if where == "meta":
            body = body.replace("<head>", f'<head><meta charset="{name}">')
        content_type = f"text/html; charset={name}" if where == "header" else "text/html"
        fakeweb.route("news.example", f"/{name}", Response(headers=[("Content-Type", content_type)],
                                                          body=body.encode("utf-8")))
        urls.append(f"https://news.example/{name}")
    for _ in range(2):
        links = by_url(fetch(tmp_path, fakeweb, urls))
        for name, url in zip(ODD_CHARSETS, urls):
            assert (links[url].error, links[url].state) == (None, "ok"), (name, links[url].detail)
            assert links[url].title == f"Court upholds fine ({name})"
    assert linkvault.search("штраф", tmp_path / "vault")  # the Cyrillic read as the UTF-8 it is


# -- 3. decompression bombs ------------------------------------------------------------------------------


def gzip_bomb(prefix: bytes, zeros: int) -> bytes:
    """A gzip body of `prefix` and then `zeros` NUL bytes, built a megabyte at a time (200 MB make ~200 KB)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts = [packer.compress(prefix)]
    block = bytes(1 << 20)
    for _ in range(zeros >> 20):
        parts.append(packer.compress(block))
    parts.append(packer.flush())
    return b"".join(parts)


def test_a_gzip_bomb_is_inflated_once_to_the_cap_and_the_capture_says_it_was_cut(tmp_path, fakeweb):
    import sqlite3
    import tracemalloc

    inflated, cap = 200 * 1024 * 1024, 2 * 1024 * 1024
    bomb = gzip_bomb(page("Court upholds fine").replace("</body></html>", "").encode(), inflated)
    assert len(bomb) < 1024 * 1024
    fakeweb.route("news.example", "/bomb", Response(headers=[("Content-Type", "text/html; charset=utf-8"),
                                                             ("Content-Encoding", "gzip")], body=bomb))
    fakeweb.route("news.example", "/good", html(page("Minister resigns")))
    tracemalloc.start()
    try:
        links = by_url(fetch(tmp_path, fakeweb, ["https://news.example/bomb", "https://news.example/good"],
                             max_decoded=cap))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Inflated whole, once, the bomb alone is 200 MB; to the cap, the run's peak is a small multiple of 2 MB.
    assert peak < inflated // 4, f"peak {peak >> 20} MB"
    assert links["https://news.example/good"].state == "ok"
    bombed = links["https://news.example/bomb"]
    assert bombed.status == 200 and bombed.title == "Court upholds fine"  # the text is what was decoded
    with sqlite3.connect(tmp_path / "vault" / "linkvault.db") as db:
        [(truncated, size)] = db.execute("select truncated, size from captures where url = ?",
                                         ["https://news.example/bomb"]).fetchall()
    assert truncated == 1 and size == len(bomb)  # the WARC keeps the body as sent; the row says it was cut


def test_inflating_stops_at_the_cap_for_gzip_deflate_and_brotli():
    import brotli

    from linkvault.archive.extract import DECODED_LIMIT, decode_content

    zeros = bytes(8 * 1024 * 1024)
    bodies = {"gzip": gzip_bomb(b"<html>", len(zeros)), "deflate": zlib.compress(zeros, 9),
              "br": brotli.compress(zeros)}
    for coding, body in bodies.items():
        decoded = decode_content(body, coding, 1024 * 1024)
        assert (len(decoded.body), decoded.truncated) == (1024 * 1024, True), coding
        whole = decode_content(body, coding, 16 * 1024 * 1024)
        assert not whole.truncated and len(whole.body) >= len(zeros), coding
    assert DECODED_LIMIT == 16 * 1024 * 1024  # as README says


def test_inflating_keeps_what_is_asked_and_still_learns_whether_the_body_passes_the_cap():
    """A judge keeps of an inflated head only what it reads (`keep`); the rest is inflated and dropped, only to learn
    whether the body passes the cap, as before."""
    import brotli

    from linkvault.archive.extract import decode_content

    zeros = bytes(8 * 1024 * 1024)
    bodies = {"gzip": gzip_bomb(b"<html>", len(zeros)), "deflate": zlib.compress(zeros, 9),
              "br": brotli.compress(zeros)}
    for coding, body in bodies.items():
        cut = decode_content(body, coding, 1024 * 1024, keep=4096)
        assert (len(cut.body), cut.truncated) == (4096, True), coding
        whole = decode_content(body, coding, 16 * 1024 * 1024, keep=4096)
        assert (len(whole.body), whole.truncated) == (4096, False), coding
        assert whole.body == decode_content(body, coding, 16 * 1024 * 1024).body[:4096], coding
    inner = zlib.compress(b"<html>" + zeros, 9)  # deflate inside gzip: the inner coding is inflated whole, to the cap
    both = decode_content(gzip.compress(inner), "deflate, gzip", 16 * 1024 * 1024, keep=4096)
    assert (both.body, both.truncated) == ((b"<html>" + zeros)[:4096], False)


# -- 4. --timeout bounds the whole answer ---------------------------------------------------------------


class DrippingServer:
    """HTTP on 127.0.0.1 that answers headers at once, then its body a byte every half second."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.stopping = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                body = page("Slow news").encode()
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % len(body))
                for byte in body:
                    if self.stopping.wait(0.5):
                        return
                    conn.sendall(bytes([byte]))
            except OSError:
                return

    def close(self) -> None:
        self.stopping.set()
        self.sock.close()


def test_timeout_bounds_a_page_that_drips_a_byte_at_a_time(tmp_path, fakeweb):
    import json

    fakeweb.route("127.0.0.1", "/good", html(page("Minister resigns")))
    server = DrippingServer()
    try:
        sources = url_list(tmp_path, [f"http://127.0.0.1:{server.port}/slow", f"{fakeweb.http_url}/good"])
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        proc = subprocess.run([sys.executable, "-m", "linkvault", "--vault", str(tmp_path / "vault"), "fetch",
                               str(sources), "--allow-private", "--timeout", "1", "--retries", "1",
                               "--no-screenshots", "--format", "json"],
                              capture_output=True, text=True, env=env, timeout=300)  # 300 s: a hung run, not a speed
    finally:
        server.close()
    assert proc.returncode == 1, proc.stderr
    notes = {n["url"]: n for n in json.loads(proc.stdout)["reports"][0]["footnotes"]}
    slow = notes[f"http://127.0.0.1:{server.port}/slow"]
    assert slow["state"] == "timeout"
    assert "did not send the whole page within 1 s" in slow["detail"]
    assert notes[f"{fakeweb.http_url}/good"]["state"] == "ok"


# -- 5. a fault in any stage of one URL --------------------------------------------------------------------


def test_a_failure_in_any_stage_of_one_url_is_that_urls_unknown_state_and_the_others_complete(tmp_path, fakeweb,
                                                                                             monkeypatch):
    import trafilatura
    from fakeweb.sites import TELEGRAM_POST

    from linkvault.archive import fetcher, pages, verdict
    from linkvault.sites.telegram import Telegram
    from linkvault.vault import Vault

    stages = ["fetch", "decode", "charset", "extract", "judge", "store"]
    for stage in stages:
        fakeweb.route("news.example", f"/fail-{stage}", html(page(f"Story {stage}", ARTICLE + f"<p>FAIL-{stage}</p>")))
    for n in range(4):
        fakeweb.route("news.example", f"/story-{n}", html(page(f"Story {n}")))

    def injected(stage):
        raise RuntimeError(f"injected into {stage}")

    def fail_if(stage, hit, original):
        def wrapper(*args, **kwargs):
            if hit(*args, **kwargs):
                injected(stage)
            return original(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(fetcher, "redirect_stub", fail_if("fetch", lambda url, *a: url.endswith("/fail-fetch"),
                                                          fetcher.redirect_stub))
    monkeypatch.setattr(pages, "decode_content", fail_if("decode", lambda body, *a: b"FAIL-decode" in body,
                                                         pages.decode_content))
    monkeypatch.setattr(pages, "charset_of", fail_if("charset", lambda body, *a: b"FAIL-charset" in body,
                                                     pages.charset_of))
    monkeypatch.setattr(trafilatura, "bare_extraction",
                        fail_if("extract", lambda doc, url=None, **kw: url.endswith("/fail-extract"),
                                trafilatura.bare_extraction))
    monkeypatch.setattr(verdict, "classify", fail_if("judge", lambda p, *a: p.url.endswith("/fail-judge"), verdict.classify))
    monkeypatch.setattr(Telegram, "judge", lambda self, p, companions: injected("the site adapter"))
    monkeypatch.setattr(Vault, "add_capture", fail_if("store", lambda self, row, text: bool(
        text and row["url"].endswith("/fail-store")), Vault.add_capture))

    urls = [f"https://news.example/fail-{s}" for s in stages] + [TELEGRAM_POST.replace("/s/", "/")] + [
        f"https://news.example/story-{n}" for n in range(4)]
    links = by_url(fetch(tmp_path, fakeweb, urls))
    for n in range(4):
        assert links[f"https://news.example/story-{n}"].state == "ok"
    expected = {"fetch": "fetching it", "decode": "reading the page", "charset": "reading the page",
                "extract": "reading the page", "judge": "judging it", "store": "storing its text"}
    for stage, words in expected.items():
        link = links[f"https://news.example/fail-{stage}"]
        assert link.state == "unknown", (stage, link.state, link.detail)
        assert f"linkvault failed {words}: RuntimeError: injected into {stage}" in link.detail, link.detail
    telegram = links[TELEGRAM_POST.replace("/s/", "/")]
    assert (telegram.state, telegram.detail) == (
        "unknown", "linkvault failed judging it with the site's rules: RuntimeError: injected into the site adapter")
    again = by_url(linkvault.fetch([url_list(tmp_path, urls)], tmp_path / "vault", options(fakeweb),
                                   input_format="urls"))
    for stage in expected:  # tried again, not taken for a verdict: and again the run goes on
        link = again[f"https://news.example/fail-{stage}"]
        assert (link.state, link.reused, link.error) == ("unknown", False, "internal-error"), stage
    assert all(again[f"https://news.example/story-{n}"].reused for n in range(4))


def test_a_fault_of_ours_on_a_later_run_leaves_the_earlier_verdict_standing(tmp_path, fakeweb, monkeypatch):
    from linkvault.archive import verdict

    fakeweb.route("news.example", "/story", html(page("Court upholds fine")))
    first = by_url(fetch(tmp_path, fakeweb, ["https://news.example/story"]))["https://news.example/story"]
    assert first.state == "ok"

    def broken(*args):
        raise MemoryError("injected")

    monkeypatch.setattr(verdict, "classify", broken)
    later = linkvault.fetch([url_list(tmp_path, ["https://news.example/story"])], tmp_path / "vault",
                            options(fakeweb), input_format="urls", refresh=True)
    assert [(link.state, link.reused) for link in later.links] == [("ok", True)]


# -- 6. judging workers die with their run -----------------------------------------------------------------


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux") or (os.cpu_count() or 1) < 2,
                    reason="reads /proc; the worker pool needs two CPUs")
def test_judging_workers_end_when_the_run_is_killed(tmp_path, fakeweb):
    from linkvault.archive.judging import PROCESS_POOL_FROM

    urls = [f"https://news.example/slow-{n}" for n in range(PROCESS_POOL_FROM + 6)]
    for url in urls:
        response = html(page(f"Story {url[-2:]}"))
        response.delay = 0.5
        fakeweb.route_url(url, response)
    sources = url_list(tmp_path, urls)
    proc = subprocess.Popen([sys.executable, "-m", "linkvault", "--vault", str(tmp_path / "vault"), "fetch",
                             str(sources), "--proxy", fakeweb.proxy_url, "--ca-bundle", fakeweb.ca_pem_path,
                             "--no-screenshots", "--no-timestamp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: list[int] = []
    try:
        for _ in range(600):  # the pool starts with the first page to judge
            pool = [c for c in children(proc.pid) if b"forkserver" in Path(f"/proc/{c}/cmdline").read_bytes()]
            workers = [w for server in pool for w in children(server)] + pool
            if len(workers) > len(pool) > 0 or proc.poll() is not None:
                break
            time.sleep(0.1)
        assert proc.poll() is None and len(workers) > 1, "the run ended before its workers started"
        os.kill(proc.pid, 9)
        proc.wait()
        for _ in range(300):  # bounded: 30 s for what should take a second or two
            if not any(running(w) for w in workers):
                break
            time.sleep(0.1)
        assert not [w for w in workers if running(w)], "worker processes outlived the killed run"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in workers:  # on failure, leave nothing behind
            if running(pid):
                os.kill(pid, 9)
