"""The fake web's Facebook and Instagram answer by session, as the real sites do: a login wall for anonymous
visitors, the post for the research account, the login page again for a session the site no longer honours."""

from __future__ import annotations

import http.cookiejar
import json
import re

import httpx
import pytest
from fakeweb.sites import example_report_phrases, report_footnotes
from fakeweb.social import (
    CLOSED_GROUP,
    FACEBOOK_SESSION,
    FB_CLOSED_GROUP_POST,
    FB_DELETED_POST,
    FB_GROUP_POST,
    IG_DELETED_POST,
    IG_POST,
    IG_REEL,
    INSTAGRAM_SESSION,
    SESSION_SECRETS,
    write_cookies_txt,
)


def cookie_header(session) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{name}={value}" for name, value in session)}


FB = cookie_header(FACEBOOK_SESSION)
IG = cookie_header(INSTAGRAM_SESSION)


@pytest.fixture
def client(fakeweb):
    with httpx.Client(**fakeweb.client_kwargs(), timeout=5) as client:
        yield client


def test_a_facebook_group_post_is_a_login_wall_without_the_session_and_the_post_with_it(client):
    anonymous = client.get(FB_GROUP_POST.url)
    assert anonymous.status_code == 200 and 'name="pass"' in anonymous.text
    assert FB_GROUP_POST.paragraphs[0] not in anonymous.text

    logged_in = client.get(FB_GROUP_POST.url, headers=FB)
    relay = json.loads(re.search(r"<script type=\"application/json\"[^>]*data-sjs>(.*?)</script>", logged_in.text).group(1))
    assert FB_GROUP_POST.paragraphs[0] in json.dumps(relay, ensure_ascii=False)
    assert 'name="pass"' not in logged_in.text

    mobile = client.get(FB_GROUP_POST.url.replace("www.", "m."), headers=FB)
    assert "story_body_container" in mobile.text and FB_GROUP_POST.paragraphs[1] in mobile.text
    mobile_anonymous = client.get(FB_GROUP_POST.url.replace("www.", "m."))
    assert mobile_anonymous.status_code == 302 and "/login/" in mobile_anonymous.headers["location"]


def test_instagram_sends_anonymous_visitors_to_log_in_and_shows_the_account_the_post(client):
    for post in (IG_POST, IG_REEL):
        anonymous = client.get(post.url)
        assert anonymous.status_code == 302 and "/accounts/login/" in anonymous.headers["location"]
        logged_in = client.get(post.url, headers=IG)
        assert logged_in.status_code == 200 and "xdt_api__v1__media__shortcode__web_info" in logged_in.text
        assert post.paragraphs[0] in logged_in.text
        photo = client.get(post.images[0])
        assert photo.headers["content-type"] == "image/png" and photo.content.startswith(b"\x89PNG")


def test_a_stale_session_gets_the_login_page_again(client):
    stale = {"Cookie": f"c_user={FACEBOOK_SESSION[0][1]}; xs=41%3Aexpired"}
    assert "/login/" in client.get(FB_GROUP_POST.url, headers=stale).headers["location"]
    assert "/accounts/login/" in client.get(IG_POST.url, headers={"Cookie": "sessionid=old"}).headers["location"]


def test_deleted_and_closed_group_posts_say_so_only_to_the_account(client):
    assert "This content isn't available right now" in client.get(FB_DELETED_POST, headers=FB).text
    assert "Sorry, this page isn't available." in client.get(IG_DELETED_POST, headers=IG).text
    closed = client.get(FB_CLOSED_GROUP_POST, headers=FB).text
    assert CLOSED_GROUP in closed and "You must be a member of this group" in closed
    for url in (FB_DELETED_POST, FB_CLOSED_GROUP_POST):
        assert 'name="pass"' in client.get(url).text


def test_the_example_reports_social_sources_keep_their_anonymous_page_and_show_the_account_the_post(client):
    phrases = example_report_phrases()
    social = [(n, url) for n, url in report_footnotes() if "facebook.com" in url or "instagram.com" in url]
    assert len(social) == 15
    for number, url in social:
        anonymous = client.get(url)
        assert anonymous.status_code == 200 and phrases[number] in anonymous.text  # as before this session work
        session = IG if "instagram.com" in url else FB
        logged_in = client.get(url, headers=session).text
        assert phrases[number] in logged_in and logged_in != anonymous.text
        assert "data-sjs" in logged_in


def test_cookies_txt_is_a_netscape_file_curl_and_python_read(tmp_path):
    path = write_cookies_txt(tmp_path / "cookies.txt", httponly_prefix=False)
    assert path.stat().st_mode & 0o077 == 0
    jar = http.cookiejar.MozillaCookieJar(str(path))
    jar.load()
    assert {(c.domain, c.name, c.value) for c in jar} == {
        (".facebook.com", n, v) for n, v in FACEBOOK_SESSION} | {(".instagram.com", n, v) for n, v in INSTAGRAM_SESSION}
    exported = write_cookies_txt(tmp_path / "exported.txt").read_text()
    assert "#HttpOnly_.facebook.com\tTRUE\t/\tTRUE\t" in exported and all(s in exported for s in SESSION_SECRETS)
    stale = write_cookies_txt(tmp_path / "stale.txt", stale=True).read_text()
    assert not any(s in stale for s in SESSION_SECRETS)
