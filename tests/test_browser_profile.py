"""`fetch --browser-profile DIR`: the screenshots are rendered logged in, in a copy of the researcher's Chromium
profile, which itself is never changed. The profile is made here: Chromium logs in on the fake web's login page,
which sets the session's cookies, exactly as a researcher's browser keeps them."""

from __future__ import annotations

import hashlib
import os
import subprocess

import pytest
from fakeweb.social import FACEBOOK_SESSION, FB_GROUP_POST, SESSION_LOGIN
from warcio.archiveiterator import ArchiveIterator

from linkvault.archive.screenshot import chromium, png_size
from linkvault.cli import cli

pytestmark = pytest.mark.skipif(chromium() is None, reason="Debian's chromium is not installed (make test installs it as root)")


def make_profile(profile, web) -> None:
    """A Chromium user-data directory logged in to the fake Facebook and Instagram."""
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}",
             f"--proxy-server={web.proxy_url}", "--ignore-certificate-errors", "--dump-dom", SESSION_LOGIN]
    done = subprocess.run([chromium(), *flags], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert "Logged in as" in done.stdout, done.stderr[-2000:]


def tree(path) -> dict[str, str]:
    """Every file under `path` with the SHA-256 of its bytes (links by their target)."""
    found = {}
    for root, _dirs, files in os.walk(path):
        for name in files:
            full = os.path.join(root, name)
            if os.path.islink(full):
                data = os.readlink(full).encode()
            else:
                with open(full, "rb") as fh:
                    data = fh.read()
            found[os.path.relpath(full, path)] = hashlib.sha256(data).hexdigest()
    return found


def screenshot(vault, url) -> bytes:
    for warc in (vault / "warc").glob("*.warc.gz"):
        with open(warc, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "resource" and record.rec_headers.get_header("WARC-Target-URI") == f"urn:fullPage:{url}":
                    return record.content_stream().read()
    raise AssertionError(f"no screenshot of {url}")


def fetch(tmp_path, web, runner, name, *extra):
    report = tmp_path / f"{name}.txt"
    report.write_text(f"Пост в группе[1].\n\n[1] {FB_GROUP_POST.url}\n", encoding="utf-8")
    vault = tmp_path / name
    result = runner.invoke(cli, ["--vault", str(vault), "fetch", str(report), "--proxy", web.proxy_url,
                                 "--ca-bundle", web.ca_pem_path, *extra])
    assert result.exit_code in (0, 1) and result.exception is None or isinstance(result.exception, SystemExit), result.output
    return vault


def test_screenshots_with_a_browser_profile_show_the_post_and_leave_the_profile_as_it_was(tmp_path, fakeweb, runner,
                                                                                          monkeypatch):
    monkeypatch.delenv("LINKVAULT_NO_SCREENSHOTS")
    profile = tmp_path / "chromium-profile"
    make_profile(profile, fakeweb)
    before = tree(profile)
    assert any(name.endswith("Cookies") for name in before)

    fakeweb.reset_log()
    logged_in = fetch(tmp_path, fakeweb, runner, "with-profile", "--browser-profile", str(profile))
    secret = dict(FACEBOOK_SESSION)["xs"]
    post_path = FB_GROUP_POST.url.split("facebook.com", 1)[1]
    seen = [r for r in fakeweb.requests if r.host == "www.facebook.com" and r.path == post_path]
    assert any(f"xs={secret}" in (r.header("Cookie") or "") for r in seen)  # the browser went as the account
    _, tall = png_size(screenshot(logged_in, FB_GROUP_POST.url))
    assert tall > 2400  # the post page paints the post 2400 px tall; the login wall fits in one screen

    anonymous = fetch(tmp_path, fakeweb, runner, "without-profile")
    _, short = png_size(screenshot(anonymous, FB_GROUP_POST.url))
    assert short < 1200

    assert tree(profile) == before  # the copy got the page's new cookie and its state; the profile nothing


def test_a_directory_that_is_no_chromium_profile_is_refused_in_one_line(tmp_path, runner):
    report = tmp_path / "r.txt"
    report.write_text(f"Пост[1].\n\n[1] {FB_GROUP_POST.url}\n", encoding="utf-8")
    (tmp_path / "photos").mkdir()
    result = runner.invoke(cli, ["--vault", str(tmp_path / "v"), "fetch", str(report),
                                 "--browser-profile", str(tmp_path / "photos")])
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and "not a Chromium user-data directory" in result.stderr
    assert str(tmp_path / "photos") in result.stderr and "Traceback" not in result.output
