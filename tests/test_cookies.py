"""Reading a researcher's cookies.txt: which cookie goes to which URL, and a bad file named in one line."""

from __future__ import annotations

import os
import time

import pytest

from linkvault.archive.cookies import load_session
from linkvault.errors import InputError

SECRET = "s3ss10n-V4LUE-do-not-leak"
FUTURE = int(time.time()) + 30 * 86400
PAST = int(time.time()) - 86400


def cookies_file(tmp_path, *lines: str, mode: int = 0o600):
    """A cookies.txt as a browser extension exports it: the magic line, a comment, then the cookies."""
    path = tmp_path / "cookies.txt"
    path.write_text("# Netscape HTTP Cookie File\n# https://curl.se/docs/http-cookies.html\n\n"
                    + "".join(line + "\n" for line in lines), encoding="utf-8")
    os.chmod(path, mode)
    return str(path)


def names_for(session, url: str) -> list[str]:
    return [c.name for c in session.cookies_for(url)]


def test_a_domain_cookie_goes_to_the_site_and_its_subdomains_only(tmp_path):
    session = load_session(cookies_file(tmp_path, f".facebook.com\tTRUE\t/\tTRUE\t{FUTURE}\tc_user\t100012345",
                                        f".facebook.com\tTRUE\t/\tTRUE\t{FUTURE}\txs\t{SECRET}"))
    assert names_for(session, "https://www.facebook.com/groups/1/posts/2/") == ["c_user", "xs"]
    assert names_for(session, "https://m.facebook.com/story.php?id=1") == ["c_user", "xs"]
    assert names_for(session, "https://facebook.com/") == ["c_user", "xs"]
    assert names_for(session, "https://notfacebook.com/") == []
    assert names_for(session, "https://facebook.com.evil.example/") == []
    assert names_for(session, "https://rus.azattyq.org/a/32887882.html") == []


def test_a_host_only_cookie_goes_to_that_host_alone(tmp_path):
    session = load_session(cookies_file(tmp_path, f"www.instagram.com\tFALSE\t/\tTRUE\t{FUTURE}\tsessionid\t{SECRET}"))
    assert names_for(session, "https://www.instagram.com/p/C5xyz/") == ["sessionid"]
    assert names_for(session, "https://instagram.com/p/C5xyz/") == []
    assert names_for(session, "https://cdn.www.instagram.com/x.jpg") == []


def test_a_secure_cookie_never_goes_over_plain_http(tmp_path):
    session = load_session(cookies_file(tmp_path, f".example.org\tTRUE\t/\tTRUE\t{FUTURE}\tsecure_one\tA",
                                        f".example.org\tTRUE\t/\tFALSE\t{FUTURE}\tplain_one\tB"))
    assert names_for(session, "http://example.org/") == ["plain_one"]
    assert names_for(session, "https://example.org/") == ["secure_one", "plain_one"]


def test_the_path_matches_by_whole_segments_longest_first(tmp_path):
    session = load_session(cookies_file(tmp_path, f"example.org\tFALSE\t/\tFALSE\t{FUTURE}\troot\t1",
                                        f"example.org\tFALSE\t/groups\tFALSE\t{FUTURE}\tgroup\t2"))
    assert names_for(session, "http://example.org/groups/7") == ["group", "root"]
    assert names_for(session, "http://example.org/groups") == ["group", "root"]
    assert names_for(session, "http://example.org/groupsx") == ["root"]
    assert names_for(session, "http://example.org/") == ["root"]


def test_expired_cookies_are_skipped_and_session_cookies_kept(tmp_path):
    session = load_session(cookies_file(tmp_path, f".example.org\tTRUE\t/\tFALSE\t{PAST}\told\t1",
                                        ".example.org\tTRUE\t/\tFALSE\t0\tsession_only\t2",
                                        f".example.org\tTRUE\t/\tFALSE\t{FUTURE}\tfresh\t3"))
    assert sorted(names_for(session, "http://example.org/")) == ["fresh", "session_only"]


def test_httponly_prefixed_lines_are_cookies_not_comments(tmp_path):
    session = load_session(cookies_file(tmp_path, f"#HttpOnly_.facebook.com\tTRUE\t/\tTRUE\t{FUTURE}\txs\t{SECRET}"))
    [cookie] = session.cookies_for("https://www.facebook.com/")
    assert cookie.name == "xs" and cookie.http_only and cookie.value == SECRET


def test_the_label_defaults_to_the_file_and_takes_the_given_name(tmp_path):
    path = cookies_file(tmp_path, f".facebook.com\tTRUE\t/\tTRUE\t{FUTURE}\txs\t{SECRET}")
    assert load_session(path).label == "authenticated session from cookies.txt"
    assert load_session(path, "KIBHR research account").label == "KIBHR research account"


@pytest.mark.parametrize("line, problem", [
    (f".facebook.com TRUE / TRUE {FUTURE} xs {SECRET}", "7 tab-separated fields expected, found 1"),
    (f".facebook.com\tyes\t/\tTRUE\t{FUTURE}\txs\t{SECRET}", "must be TRUE or FALSE"),
    (f".facebook.com\tTRUE\t/\tTRUE\tnext-week\txs\t{SECRET}", "expiry"),
    (f".com\tTRUE\t/\tTRUE\t{FUTURE}\txs\t{SECRET}", "'com' is no site's domain"),
    (f".facebook.com\tTRUE\tgroups\tTRUE\t{FUTURE}\txs\t{SECRET}", "path starting with /"),
], ids=["spaces", "flag", "expiry", "public-suffix", "path"])  # ids without the clock: each xdist worker collects the same
def test_a_malformed_line_is_named_by_file_and_line_without_its_value(tmp_path, line, problem):
    path = cookies_file(tmp_path, f".example.org\tTRUE\t/\tFALSE\t{FUTURE}\tok\t1", line)
    with pytest.raises(InputError) as caught:
        load_session(path)
    message = caught.value.message
    assert message.startswith(f"{path}:5: not a cookies.txt line") and problem in message
    assert SECRET not in message and "\n" not in message


def test_a_file_with_no_live_cookie_is_refused(tmp_path):
    path = cookies_file(tmp_path, f".example.org\tTRUE\t/\tFALSE\t{PAST}\told\t1")
    with pytest.raises(InputError, match="no unexpired cookie"):
        load_session(path)


def test_a_file_others_can_read_is_warned_about(tmp_path):
    line = f".facebook.com\tTRUE\t/\tTRUE\t{FUTURE}\txs\t{SECRET}"
    assert load_session(cookies_file(tmp_path, line, mode=0o600)).warnings == ()
    [warning] = load_session(cookies_file(tmp_path, line, mode=0o644)).warnings
    assert "other users of this machine can read" in warning and "chmod 600" in warning and SECRET not in warning
