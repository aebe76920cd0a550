"""Where the research account's session never goes, checked on what the fake web received (its request log):
Save Page Now, asked to witness a run made with `--cookies`, gets no cookie at all (not the posts' sites', not even
an archive.org login a whole-browser export carries), so its capture is an anonymous visitor's, as it says; and the
screenshots of a run with `--cookies` but no `--browser-profile` are taken by a browser that sends no cookie."""

from __future__ import annotations

import time

import pytest
from fakeweb.sites import AZATTYQ_ARTICLE
from fakeweb.social import FB_GROUP_POST, SESSION_SECRETS, write_cookies_txt
from fakeweb.spn import FakeSavePageNow
from fakeweb.wayback import FakeWayback

from linkvault.archive.screenshot import chromium
from linkvault.cli import cli

SPN_KEYS = ("AKIA-tester", "Zq9-spn-secret")
FAST = ["--rate", "ia-spn=6000/min", "--rate", "ia-spn-status=6000/min", "--rate", "ia-cdx=6000/min"]
# What `yt-dlp --cookies-from-browser` exports beside the social sites: the researcher's archive.org login too.
ARCHIVE_LOGIN = ("logged-in-sig", "1712300000%201712300000%20archive-org-login-signature")


def cookies_file(tmp_path):
    """The research account's cookies.txt, with an archive.org login among them."""
    path = write_cookies_txt(tmp_path / "cookies.txt")
    expires = int(time.time()) + 86400
    with path.open("a", encoding="utf-8") as fh:
        fh.write("\t".join([".archive.org", "TRUE", "/", "TRUE", str(expires), *ARCHIVE_LOGIN]) + "\n")
    return path


def report(tmp_path):
    path = tmp_path / "r.txt"
    path.write_text(f"Приговор огласили в Астане[1]; суд арестовал журналиста[2].\n\n[1] {FB_GROUP_POST.url}\n"
                    f"[2] {AZATTYQ_ARTICLE}\n", encoding="utf-8")
    return path


def test_save_page_now_never_receives_the_sessions_cookies(runner, tmp_path, fakeweb):
    FakeSavePageNow(FakeWayback().install(fakeweb), fakeweb, keys=SPN_KEYS)
    keys = tmp_path / "ia-keys.txt"
    keys.write_text(":".join(SPN_KEYS) + "\n", encoding="utf-8")
    result = runner.invoke(cli, ["--vault", str(tmp_path / "vault"), "fetch", str(report(tmp_path)), "--proxy",
                                 fakeweb.proxy_url, "--ca-bundle", fakeweb.ca_pem_path, "--no-screenshots",
                                 "--no-timestamp", "--save-page-now", "--spn-keys", str(keys), *FAST,
                                 "--cookies", str(cookies_file(tmp_path)), "--as", "KIBHR research account"])
    assert result.exit_code == 0, result.output
    post = [r for r in fakeweb.requests if r.host == "www.facebook.com" and FB_GROUP_POST.url.endswith(r.path)]
    ours = [r for r in post if "linkvault/" in (r.header("User-Agent") or "")]
    assert ours and all("xs=" in (r.header("Cookie") or "") for r in ours)  # the run itself went logged in
    theirs = [r for r in post if r not in ours]  # the fake Save Page Now fetching the post for its own capture
    assert theirs and all(r.header("Cookie") is None for r in theirs)
    archive = [r for r in fakeweb.requests if r.host.endswith("archive.org")]
    assert any(r.path.startswith("/save") and r.method == "POST" for r in archive)  # Save Page Now was asked
    assert all(r.header("Cookie") is None for r in archive), [(r.path, r.header("Cookie")) for r in archive]
    sent = b"".join(repr(r.headers).encode() + r.body for r in archive)
    assert not any(secret.encode() in sent for secret in (*SESSION_SECRETS, ARCHIVE_LOGIN[1]))


@pytest.mark.skipif(chromium() is None, reason="Debian's chromium is not installed (make test installs it as root)")
def test_screenshots_without_a_browser_profile_send_no_cookies_even_when_the_fetch_did(runner, tmp_path, fakeweb,
                                                                                      monkeypatch):
    monkeypatch.delenv("LINKVAULT_NO_SCREENSHOTS", raising=False)
    result = runner.invoke(cli, ["--vault", str(tmp_path / "vault"), "fetch", str(report(tmp_path)), "--proxy",
                                 fakeweb.proxy_url, "--ca-bundle", fakeweb.ca_pem_path, "--no-timestamp",
                                 "--cookies", str(cookies_file(tmp_path)), "--as", "KIBHR research account"])
    assert result.exit_code == 0, result.output
    post = [r for r in fakeweb.requests if r.host == "www.facebook.com" and FB_GROUP_POST.url.endswith(r.path)]
    browser = [r for r in post if "linkvault/" not in (r.header("User-Agent") or "")]
    fetcher = [r for r in post if r not in browser]
    assert fetcher and all("xs=" in (r.header("Cookie") or "") for r in fetcher)
    assert browser, "the screenshot's browser never loaded the post"
    assert all(r.header("Cookie") is None for r in browser), [r.header("Cookie") for r in browser]
