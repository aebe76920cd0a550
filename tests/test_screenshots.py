"""Full-page screenshots in real headless Chromium, with the browser held to the address guard."""

from __future__ import annotations

import sqlite3
import struct

import pytest
from fakeweb.server import html
from listeners import listening
from warcio.archiveiterator import ArchiveIterator

from linkvault.archive.screenshot import chromium
from linkvault.cli import cli
from linkvault.vault import SCHEMA_VERSION

pytestmark = pytest.mark.skipif(chromium() is None, reason="Debian's chromium is not installed (make test installs it as root)")

PAGE = "https://www.hostile-example.kz/report/long-page"


def _fetch(tmp_path, fakeweb, runner, *urls, proxy=None, extra=()):
    """Fetch a report citing `urls` (screenshots as the test set them); returns (report, vault, result)."""
    report = tmp_path / "r.txt"
    report.write_text("Claims" + "".join(f"[{n}]" for n in range(1, len(urls) + 1)) + ".\n\n"
                      + "".join(f"[{n}] {u}\n" for n, u in enumerate(urls, 1)), encoding="utf-8")
    vault = tmp_path / "vault"
    result = runner.invoke(cli, ["--vault", str(vault), "fetch", str(report), "--proxy", proxy or fakeweb.proxy_url,
                                 "--ca-bundle", fakeweb.ca_pem_path, *extra])
    return report, vault, result


def test_a_long_hostile_page_is_shot_whole_without_reaching_private_addresses(tmp_path, fakeweb, runner, monkeypatch):
    monkeypatch.delenv("LINKVAULT_NO_SCREENSHOTS")
    secret = f"{fakeweb.http_url}/internal/secret.png"
    fakeweb.route("www.hostile-example.kz", "/report/long-page", html(
        "<html><head><title>Длинная страница</title></head><body style='margin:0'>"
        "<h1>Очень длинная статья</h1><div style='height:20000px;background:linear-gradient(#fff,#39f)'></div>"
        f"<img src='{secret}'><img src='http://169.254.169.254/latest/meta-data/iam.png'>"
        "<script>fetch('http://127.0.0.1:9/steal')</script><p>Конец статьи.</p></body></html>"))
    _, vault, result = _fetch(tmp_path, fakeweb, runner, PAGE)
    assert result.exit_code == 0, result.output
    assert fakeweb.hits(secret) == 0

    shots = []
    responses = {}
    for warc in (vault / "warc").glob("*.warc.gz"):
        with open(warc, "rb") as fh:
            for r in ArchiveIterator(fh):
                uri = r.rec_headers.get_header("WARC-Target-URI")
                if r.rec_type == "resource" and uri == f"urn:fullPage:{PAGE}":
                    shots.append((r.rec_headers, r.content_stream().read()))
                elif r.rec_type == "response":
                    responses[uri] = r.rec_headers.get_header("WARC-Record-ID")
    [(headers, png)] = shots
    assert headers.get_header("Content-Type") == "image/png"
    assert headers.get_header("WARC-Concurrent-To") == responses[PAGE]
    width, height = struct.unpack(">II", png[16:24])
    assert png.startswith(b"\x89PNG") and width == 1280 and height > 16384

    event = sqlite3.connect(vault / "linkvault.db").execute(
        "select details from custody where event = 'screenshotted'").fetchone()
    assert "169.254.169.254" in event[0] and "secret.png" in event[0]  # both refused, and on record
    audit = runner.invoke(cli, ["--vault", str(vault), "audit"])
    assert audit.exit_code == 0, audit.output


def _swap_screenshot(warc: bytes) -> tuple[bytes, str]:
    """The WARC with its screenshot swapped for another image in an internally consistent record (digests
    recomputed, same record id): only the SHA-256 the custody log recorded can tell."""
    import gzip
    from io import BytesIO

    from linkvault.archive.warc import _Sha256WARCWriter

    records = ArchiveIterator(BytesIO(warc))
    for record in records:
        uri = record.rec_headers.get_header("WARC-Target-URI") or ""
        if record.rec_type == "resource" and uri.startswith("urn:fullPage:"):
            shot_id = record.rec_headers.get_header("WARC-Record-ID")
            records.read_to_end()
            start, length = records.get_record_offset(), records.get_record_length()
            break
    other = bytes.fromhex("89504e470d0a1a0a") + b"another image"
    buffer = BytesIO()
    writer = _Sha256WARCWriter(buffer, gzip=True, warc_version="1.1")
    writer.write_record(writer.create_warc_record(uri, "resource", payload=BytesIO(other), length=len(other),
                                                  warc_content_type="image/png",
                                                  warc_headers_dict={"WARC-Record-ID": shot_id}))
    assert gzip.decompress(buffer.getvalue())  # a well-formed record
    return warc[:start] + buffer.getvalue() + warc[start + length:], shot_id


def test_a_swapped_screenshot_makes_audit_fail_naming_it(tmp_path, fakeweb, runner, monkeypatch):
    monkeypatch.delenv("LINKVAULT_NO_SCREENSHOTS")
    report, vault = _fetch_short_page(tmp_path, fakeweb, runner)
    [warc] = list((vault / "warc").glob("*.warc.gz"))
    swapped, shot_id = _swap_screenshot(warc.read_bytes())
    warc.write_bytes(swapped)
    result = runner.invoke(cli, ["--vault", str(vault), "audit"])
    assert result.exit_code == 1 and f"screenshot {shot_id}" in result.output and "swapped" in result.output
    handed = tmp_path / "handed-on.png"
    refused = runner.invoke(cli, ["--vault", str(vault), "show", str(report), "1", "--screenshot", str(handed)])
    assert refused.exit_code == 1 and shot_id in refused.output and "no longer matches" in refused.output
    assert not handed.exists()


def test_an_edited_screenshot_hash_in_the_vault_makes_audit_fail_naming_the_row(tmp_path, fakeweb, runner, monkeypatch):
    monkeypatch.delenv("LINKVAULT_NO_SCREENSHOTS")
    _, vault = _fetch_short_page(tmp_path, fakeweb, runner)
    untouched = runner.invoke(cli, ["--vault", str(vault), "audit"])
    assert untouched.exit_code == 0 and "everything holds" in untouched.output, untouched.output
    db = sqlite3.connect(vault / "linkvault.db")
    [(shot_id,)] = db.execute("select record_id from screenshots").fetchall()
    db.execute("update screenshots set sha256 = ?", ["0" * 64])
    db.commit()
    result = runner.invoke(cli, ["--vault", str(vault), "audit"])
    assert result.exit_code == 1, result.output
    assert f"screenshots row {shot_id} (https://www.hostile-example.kz/short): says SHA-256 {'0' * 64}" in result.output


def _shot_events(vault) -> dict[str, dict]:
    import json

    rows = sqlite3.connect(vault / "linkvault.db").execute("select details from custody where event = 'screenshotted'")
    return {d["url"]: d for d in (json.loads(r[0]) for r in rows)}


def test_pages_render_in_parallel_tabs_each_keeping_its_own_refusals(tmp_path, fakeweb, runner, monkeypatch):
    import threading

    from fakeweb.server import Response

    monkeypatch.delenv("LINKVAULT_NO_SCREENSHOTS")
    # Each page's image waits at the barrier for the other page's image: one tab at a time would break it.
    barrier = threading.Barrier(2, timeout=15)
    broken = []

    def slow_image(_request):
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            broken.append(True)
        return Response(200, [("Content-Type", "image/gif")], b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")

    urls = {}
    for name, private in (("north", "http://169.254.169.254/north.png"), ("south", "http://10.1.2.3/south.png")):
        host = f"{name}-news.example.kz"
        fakeweb.route(host, "/slow.gif", slow_image)
        fakeweb.route(host, "/story", html(f"<html><body><h1>{name}</h1><img src='/slow.gif'><img src='{private}'></body></html>"))
        urls[f"https://{host}/story"] = private
    _, vault, result = _fetch(tmp_path, fakeweb, runner, *urls, extra=["--tabs", "2"])
    assert result.exit_code == 0, result.output
    assert not broken and barrier.n_waiting == 0
    events = _shot_events(vault)
    assert {url: event["blocked"] for url, event in events.items()} == {url: [private] for url, private in urls.items()}


def test_a_page_that_opens_an_alert_is_still_shot_and_the_dialog_recorded(tmp_path, fakeweb, runner, monkeypatch):
    monkeypatch.delenv("LINKVAULT_NO_SCREENSHOTS")
    page = "https://www.hostile-example.kz/alert"
    fakeweb.route("www.hostile-example.kz", "/alert", html(
        "<html><body><h1>Заявление</h1><script>alert('Подпишитесь!'); confirm('Точно?');</script></body></html>"))
    _, vault, result = _fetch(tmp_path, fakeweb, runner, page)
    assert result.exit_code == 0, result.output
    assert "no screenshot" not in result.output
    assert _shot_events(vault)[page]["dialogs"] == ["Подпишитесь!", "Точно?"]


def _fetch_short_page(tmp_path, fakeweb, runner):
    fakeweb.route("www.hostile-example.kz", "/short", html("<html><body><h1>Коротко</h1><p>Текст.</p></body></html>"))
    report, vault, result = _fetch(tmp_path, fakeweb, runner, "https://www.hostile-example.kz/short")
    assert result.exit_code == 0, result.output
    return report, vault


def test_show_lists_the_screenshot_and_exports_the_sealed_image(tmp_path, fakeweb, runner, monkeypatch):
    import hashlib

    monkeypatch.delenv("LINKVAULT_NO_SCREENSHOTS")
    report, vault = _fetch_short_page(tmp_path, fakeweb, runner)
    shown = runner.invoke(cli, ["--vault", str(vault), "show", str(report), "1"])
    assert shown.exit_code == 0, shown.output
    assert "screenshot " in shown.output and "1280×" in shown.output and "urn:fullPage:" in shown.output

    out = tmp_path / "source-1.png"
    exported = runner.invoke(cli, ["--vault", str(vault), "show", str(report), "1", "--screenshot", str(out),
                                   "--collector", "editor"])
    assert exported.exit_code == 0, exported.output
    sha = hashlib.sha256(out.read_bytes()).hexdigest()
    assert out.read_bytes().startswith(b"\x89PNG") and f"sha256 {sha}" in exported.output
    from linkvault.archive.screenshot import png_text

    labelled = png_text(out.read_bytes())  # the copy says what it shows and when, wherever it travels
    assert labelled["Title"] == "https://www.hostile-example.kz/short" and labelled["Creation Time"] in exported.output
    event = sqlite3.connect(vault / "linkvault.db").execute(
        "select collector, details from custody where event = 'exported'").fetchone()
    assert event[0] == "editor" and sha in event[1] and str(out) in event[1]
    assert runner.invoke(cli, ["--vault", str(vault), "audit"]).exit_code == 0  # the export extends the chain

    pack = tmp_path / "r.wacz"
    assert runner.invoke(cli, ["--vault", str(vault), "pack", str(report), "-o", str(pack)]).exit_code == 0
    assert f"sha256 <code>{sha}</code>" in _pack_summary(pack)  # the summary maps the footnote to its screenshot


def _pack_summary(pack) -> str:
    import io
    import zipfile

    with zipfile.ZipFile(pack) as z:
        extra = z.read("archive/linkvault-report.warc.gz")
    return next(r.content_stream().read().decode() for r in ArchiveIterator(io.BytesIO(extra))
                if (r.rec_headers.get_header("WARC-Target-URI") or "").startswith("urn:evidence:summary:"))


def test_a_page_without_a_screenshot_says_so_when_asked_for_one(tmp_path, fakeweb, runner):
    report, vault = _fetch_short_page(tmp_path, fakeweb, runner)  # the suite's default: no screenshots
    result = runner.invoke(cli, ["--vault", str(vault), "show", str(report), "1", "--screenshot", str(tmp_path / "x.png")])
    assert result.exit_code == 2 and "has no screenshot" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.png").exists()


def test_a_vault_from_before_screenshots_were_indexed_is_migrated_in_place_by_the_next_fetch(tmp_path, fakeweb, runner):
    """Reading it names its schema and changes nothing (issue 13: reading never writes); the next fetch upgrades it."""
    report, vault = _fetch_short_page(tmp_path, fakeweb, runner)
    db = sqlite3.connect(vault / "linkvault.db")
    with db:
        db.execute("drop table screenshots")
        db.execute("pragma user_version = 4")
    captures = db.execute("select count(*) from captures").fetchone()[0]
    db.close()
    shown = runner.invoke(cli, ["--vault", str(vault), "show", str(report), "1"])
    assert shown.exit_code == 2 and "(schema 4; this one reads" in shown.output, shown.output
    assert sqlite3.connect(vault / "linkvault.db").execute("pragma user_version").fetchone()[0] == 4
    _fetch_short_page(tmp_path, fakeweb, runner)  # its one page archived already: nothing is fetched again
    shown = runner.invoke(cli, ["--vault", str(vault), "show", str(report), "1"])
    assert shown.exit_code == 0, shown.output
    db = sqlite3.connect(vault / "linkvault.db")
    assert db.execute("pragma user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("select count(*) from screenshots").fetchone()[0] == 0
    assert db.execute("select count(*) from captures").fetchone()[0] == captures


def test_neither_a_websocket_nor_a_service_worker_reaches_a_local_port(tmp_path, fakeweb, runner, monkeypatch):
    """What Fetch.enable never sees still leaves through the guard: the page is shot, the port stays silent."""
    from fakeweb.server import Response

    monkeypatch.delenv("LINKVAULT_NO_SCREENSHOTS")
    with listening() as (port, reached):
        page = "https://www.hostile-example.kz/socket"
        fakeweb.route("www.hostile-example.kz", "/socket", html(
            f"<html><body><h1>Стрим</h1><script>new WebSocket('ws://127.0.0.1:{port}/ws');"
            f"new WebSocket('ws://localhost:{port}/ws2');"
            "navigator.serviceWorker.register('/sw.js');</script></body></html>"))
        fakeweb.route("www.hostile-example.kz", "/sw.js", Response(200, [("Content-Type", "text/javascript")], (
            f"self.addEventListener('install', e => e.waitUntil(fetch('http://127.0.0.1:{port}/from-worker')"
            ".catch(() => 0)));").encode()))
        _, vault, result = _fetch(tmp_path, fakeweb, runner, page)
    assert result.exit_code == 0, result.output
    assert page in _shot_events(vault)
    assert fakeweb.hits("https://www.hostile-example.kz/sw.js") == 1  # the worker was registered and ran
    assert reached == []
    # Which of the three tries the guard refuses first is the browser's timing; the note names one of them.
    assert "the browser was kept from" in result.output
    assert f"127.0.0.1:{port}" in result.output or f"localhost:{port}" in result.output


def test_screenshots_go_through_a_socks5_proxy_too(tmp_path, fakeweb, runner, monkeypatch):
    from urllib.parse import urlsplit

    from fakeweb.socks import Socks5Proxy

    monkeypatch.delenv("LINKVAULT_NO_SCREENSHOTS")
    page = "https://rus.azattyq.org/a/32887882.html"
    socks = Socks5Proxy(urlsplit(fakeweb.http_url).port, urlsplit(fakeweb.https_url).port)
    try:
        _, vault, result = _fetch(tmp_path, fakeweb, runner, page, proxy=socks.url)
    finally:
        socks.close()
    assert result.exit_code == 0, result.output
    assert "no screenshot" not in result.output
    assert page in _shot_events(vault)


def test_a_pack_rebuilt_around_a_swapped_screenshot_fails_audit_naming_it(tmp_path, fakeweb, runner, monkeypatch):
    """Even with every datapackage.json hash recomputed, the custody chain the pack carries names the image."""
    import hashlib
    import json
    import zipfile

    monkeypatch.delenv("LINKVAULT_NO_SCREENSHOTS")
    report, vault = _fetch_short_page(tmp_path, fakeweb, runner)
    pack = tmp_path / "r.wacz"
    assert runner.invoke(cli, ["--vault", str(vault), "pack", str(report), "-o", str(pack)]).exit_code == 0
    assert runner.invoke(cli, ["audit", str(pack)]).exit_code == 0

    with zipfile.ZipFile(pack) as z:
        files = {name: z.read(name) for name in z.namelist()}
    [capture] = [n for n in files if n.startswith("archive/") and not n.endswith("linkvault-report.warc.gz")]
    files[capture], shot_id = _swap_screenshot(files[capture])
    package = json.loads(files["datapackage.json"])
    for resource in package["resources"]:
        resource["hash"] = "sha256:" + hashlib.sha256(files[resource["path"]]).hexdigest()
        resource["bytes"] = len(files[resource["path"]])
    files["datapackage.json"] = json.dumps(package, indent=2).encode()
    files["datapackage-digest.json"] = json.dumps(
        {"path": "datapackage.json", "hash": "sha256:" + hashlib.sha256(files["datapackage.json"]).hexdigest()}).encode()
    rebuilt = tmp_path / "rebuilt.wacz"
    with zipfile.ZipFile(rebuilt, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)

    result = runner.invoke(cli, ["audit", str(rebuilt)])
    assert result.exit_code == 1, result.output
    assert f"screenshot {shot_id}" in result.output and "swapped" in result.output
    assert "datapackage" not in result.output  # the package itself is consistent: custody alone tells


def test_pages_the_browser_cannot_load_cost_one_note_not_one_line_each(tmp_path, fakeweb, runner, monkeypatch):
    from fakeweb.server import redirect

    monkeypatch.delenv("LINKVAULT_NO_SCREENSHOTS")
    page = html("<html><body><h1>Материал</h1><p>Текст.</p></body></html>")

    def not_for_browsers(request):  # the site sends any headless browser somewhere it may not go, but serves us
        if "HeadlessChrome" in (request.header("User-Agent") or ""):
            return redirect("http://127.0.0.1:9/")
        return page

    urls = [f"https://www.bot-wall.kz/news/{n}" for n in (1, 2, 3)]
    for url in urls:
        fakeweb.route("www.bot-wall.kz", url.split(".kz", 1)[1], not_for_browsers)
    _, vault, result = _fetch(tmp_path, fakeweb, runner, *urls)
    assert result.exit_code == 0, result.output
    notes = [line for line in result.output.splitlines() if "no screenshot" in line]
    assert len(notes) == 1 and "3 pages" in notes[0] and "could not load" in notes[0], result.output
    assert "(3 captured in WARC)" in result.output  # the capture itself is unaffected
    assert _shot_events(vault) == {}


def test_webrtc_sends_nothing_to_a_local_stun_server(tmp_path, fakeweb, runner, monkeypatch):
    """WebRTC talks UDP past any proxy unless told not to; its ICE probes must not reach a local port."""
    import socket
    import time

    monkeypatch.delenv("LINKVAULT_NO_SCREENSHOTS")
    with listening(socket.SOCK_DGRAM) as (port, reached):
        page = "https://www.hostile-example.kz/rtc"
        fakeweb.route("www.hostile-example.kz", "/rtc", html(
            f"<html><body><h1>Звонок</h1><script>var pc = new RTCPeerConnection({{iceServers: "
            f"[{{urls: 'stun:127.0.0.1:{port}'}}]}}); pc.createDataChannel('x');"
            "pc.createOffer().then(function (o) { return pc.setLocalDescription(o); });</script></body></html>"))
        _, _, result = _fetch(tmp_path, fakeweb, runner, page)
        time.sleep(0.5)  # let the listener take in whatever arrived
    assert result.exit_code == 0, result.output
    assert reached == []


def _kill_our_chromium() -> None:
    """SIGKILL every Chromium this test process started over the DevTools pipe (and only those)."""
    import os
    import signal

    me = str(os.getpid())
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                cmdline = fh.read()
            with open(f"/proc/{pid}/stat") as fh:
                parent = fh.read().rsplit(")", 1)[1].split()[1]
        except OSError:
            continue
        if b"--remote-debugging-pipe" in cmdline and parent == me:
            os.kill(int(pid), signal.SIGKILL)


def test_a_browser_that_dies_mid_run_costs_one_note_and_the_run_finishes(tmp_path, fakeweb, runner, monkeypatch):
    from fakeweb.server import Response

    monkeypatch.delenv("LINKVAULT_NO_SCREENSHOTS")
    page = html("<html><body><h1>Материал</h1><p>Достаточно длинный текст статьи о событиях апреля.</p></body></html>")

    def deadly(request):  # the first page the browser asks for takes the browser down
        if "HeadlessChrome" in (request.header("User-Agent") or ""):
            _kill_our_chromium()
            return Response(reset=True)
        return page

    urls = [f"https://www.fragile-example.kz/news/{n}" for n in range(1, 7)]
    for url in urls:
        fakeweb.route("www.fragile-example.kz", url.split(".kz", 1)[1], deadly)
    _, _, result = _fetch(tmp_path, fakeweb, runner, *urls)
    assert result.exit_code == 0, result.output
    notes = [line for line in result.output.splitlines() if "no screenshot" in line]
    assert len(notes) == 1 and "6 pages" in notes[0] and "chromium" in notes[0], result.output
    assert "(6 captured in WARC)" in result.output


def test_lazy_images_far_down_a_long_page_are_loaded_for_the_screenshot(tmp_path, fakeweb, runner, monkeypatch):
    """A full-page capture should show what a reader scrolling down would see, not lazy placeholders."""
    from fakeweb.server import Response

    monkeypatch.delenv("LINKVAULT_NO_SCREENSHOTS")
    gif = Response(200, [("Content-Type", "image/gif")], b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")
    fakeweb.route("www.lazy-example.kz", "/photo-at-6000px.gif", gif)
    fakeweb.route("www.lazy-example.kz", "/story", html(
        "<html><body style='margin:0'><h1>Фоторепортаж</h1><div style='height:6000px'></div>"
        "<img loading='lazy' src='/photo-at-6000px.gif' width='600' height='400'><p>Подпись.</p></body></html>"))
    _, _, result = _fetch(tmp_path, fakeweb, runner, "https://www.lazy-example.kz/story")
    assert result.exit_code == 0, result.output
    assert fakeweb.hits("https://www.lazy-example.kz/photo-at-6000px.gif") == 1


def test_verbose_fetch_reports_each_page_then_each_screenshot(tmp_path, fakeweb, runner, monkeypatch):
    monkeypatch.delenv("LINKVAULT_NO_SCREENSHOTS")
    urls = ["https://rus.azattyq.org/a/32887882.html",
            "https://vlast.kz/novosti/59904-zhurnalistov-ne-pustili-na-zasedanie-suda.html"]
    _, _, result = _fetch(tmp_path, fakeweb, runner, *urls, extra=["-v"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("[")]
    fetched = [line for line in lines if "HTTP 200" in line]
    shot = [line for line in lines if "screenshot" in line]
    assert len(fetched) == 2 and [line.split()[0] for line in shot] == ["[1/2]", "[2/2]"]
    assert lines.index(shot[0]) > lines.index(fetched[-1])  # screenshots come once fetching is done


def test_screenshots_go_through_a_proxy_set_only_in_the_environment(tmp_path, fakeweb_env, runner, monkeypatch):
    """HTTPS_PROXY and SSL_CERT_FILE alone (the fake web's proxy answers with certificates of its own CA, as a
    TLS-intercepting proxy does): the browser leaves through that proxy, trusting that CA, like the fetcher."""
    monkeypatch.delenv("LINKVAULT_NO_SCREENSHOTS")
    page = "https://www.hostile-example.kz/through-the-proxy"
    fakeweb_env.route("www.hostile-example.kz", "/through-the-proxy", html(
        "<html><head><title>Через прокси</title></head><body><h1>Статья</h1></body></html>"))
    report = tmp_path / "r.txt"
    report.write_text(f"Claim[1].\n\n[1] {page}\n", encoding="utf-8")
    vault = tmp_path / "vault"
    result = runner.invoke(cli, ["--vault", str(vault), "fetch", str(report)])
    assert result.exit_code == 0, result.output
    assert "no screenshot" not in result.output
    assert page in _shot_events(vault)
    assert fakeweb_env.hits(page) == 2  # the fetcher's request, then the browser's
    assert fakeweb_env.proxied_hosts.count("www.hostile-example.kz") >= 2  # both through the proxy
