"""Facebook and Instagram as the research account sees them: the post read (text, author, date, images), gone and
closed posts named for what they are, a refused session never taken for the link's fault, and the post's images
archived as records of their own. Pages come from the fake web over real sockets, through linkvault's Fetcher
with the session's Cookie header on its client (the seam `fetch --cookies` fills), built as the judges get them."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3

import pytest
from fakeweb.sites import example_report_phrases, report_footnotes
from fakeweb.social import (
    CLOSED_GROUP,
    FACEBOOK_SESSION,
    FB_CLOSED_GROUP_POST,
    FB_DELETED_POST,
    FB_GROUP_POST,
    FB_PAGE_POST,
    IG_DELETED_POST,
    IG_POST,
    IG_PRIVATE_POST,
    IG_REEL,
    INSTAGRAM_SESSION,
    PRIVATE_PROFILE,
)
from warcio.archiveiterator import ArchiveIterator

from linkvault._version import __version__
from linkvault.archive import FetchOptions
from linkvault.archive.fetcher import Fetcher
from linkvault.archive.judging import capture_and_judge
from linkvault.archive.pages import page_of
from linkvault.archive.probes import Probes
from linkvault.archive.warc import WarcRecorder
from linkvault.model import Page
from linkvault.sites import adapter_for
from linkvault.states import classify
from linkvault.vault import Vault

ACCOUNT = "research account kz-rights-01"
STALE_FACEBOOK = (FACEBOOK_SESSION[0], ("xs", "41%3Alogged-out-elsewhere"))


def cookie(session) -> str:
    return "; ".join(f"{name}={value}" for name, value in session)


def session_for(url: str) -> tuple[tuple[str, str], ...]:
    return INSTAGRAM_SESSION if "instagram.com" in url else FACEBOOK_SESSION


def fetcher(tmp_path, web, session=None) -> Fetcher:
    options = FetchOptions(proxy=web.proxy_url, ca_bundle=web.ca_pem_path, retries=0, timeout=5.0)
    recorder = WarcRecorder(str(tmp_path / "warc"), {"software": "linkvault/test"}, lambda digest: None)
    client = Fetcher(options, recorder, __version__)
    if session:
        client.client.headers["Cookie"] = cookie(session)
    return client


def pages(tmp_path, web, url, session=None, account=ACCOUNT) -> tuple[Page, dict[str, Page]]:
    """The cited page and its companions as `assess` builds them, `account` on each when a session was sent."""
    adapter = adapter_for(url)

    async def go():
        client = fetcher(tmp_path, web, session)
        try:
            return await asyncio.gather(*(client.fetch(u) for u in [url, *adapter.companions(url)]))
        finally:
            await client.aclose()
            client.recorder.close()

    page, *companions = [dataclasses.replace(page_of(c)[0], account=account if session else None)
                         for c in asyncio.run(go())]
    return page, {c.url: c for c in companions}


def verdict(page: Page, companions: dict[str, Page]):
    return classify(page, None, adapter_for(page.url).judge(page, companions))


@pytest.mark.parametrize("post", [FB_GROUP_POST, FB_PAGE_POST, IG_POST, IG_REEL], ids=lambda p: p.url.split("/")[3])
def test_a_logged_in_reader_gets_the_post_with_text_author_date_and_images(tmp_path, fakeweb, post):
    page, companions = pages(tmp_path, fakeweb, post.url, session_for(post.url))
    state = verdict(page, companions)
    assert (state.state, state.category) == ("ok", "alive")
    assert post.author in state.detail and ACCOUNT not in state.detail  # the account is shown beside, not in, it
    kind = "reel" if "/reel/" in post.url else "post"  # a reel is called one
    assert state.detail.startswith(f"{'Instagram' if 'instagram' in post.url else 'Facebook'} {kind} by {post.author}")
    text = adapter_for(post.url).extract(page, companions)
    assert text.text == post.text and text.author == post.author
    assert text.published == post.published and text.images == post.images


def test_without_the_session_the_same_posts_stay_login_walls(tmp_path, fakeweb):
    for post in (FB_GROUP_POST, IG_POST):
        page, companions = pages(tmp_path, fakeweb, post.url)
        assert page.account is None
        assert verdict(page, companions).state == "login-wall"
        extracted = adapter_for(post.url).extract(page, companions)
        assert extracted is None or post.paragraphs[0] not in extracted.text


@pytest.mark.parametrize("url,site", [(FB_DELETED_POST, "Facebook"), (IG_DELETED_POST, "Instagram")])
def test_a_post_gone_for_the_logged_in_reader_too_is_a_deleted_post(tmp_path, fakeweb, url, site):
    page, companions = pages(tmp_path, fakeweb, url, session_for(url))
    state = verdict(page, companions)
    assert (state.state, state.category) == ("deleted-post", "dead")
    assert state.detail.startswith(f"gone for the logged-in account too: {site} says “")
    assert ("This content isn't available right now" if site == "Facebook" else "Sorry, this page isn't available."
            ) in state.detail
    assert ACCOUNT not in state.detail  # named beside the verdict wherever it is shown, not twice


@pytest.mark.parametrize("url,session,owner,words", [
    (FB_CLOSED_GROUP_POST, FACEBOOK_SESSION, CLOSED_GROUP,
     "Facebook says “This group is private. You must be a member of this group to see its posts.”"),
    (IG_PRIVATE_POST, INSTAGRAM_SESSION, PRIVATE_PROFILE,  # a private profile the account does not follow
     "Instagram says “This account is private. Follow to see their photos and videos.”")], ids=["closed-group", "private"])
def test_a_post_the_account_cannot_see_is_members_only_in_the_sites_own_words(tmp_path, fakeweb, url, session, owner,
                                                                              words):
    assert verdict(*pages(tmp_path, fakeweb, url)).state == "login-wall"  # as every post is to anonymous visitors
    page, companions = pages(tmp_path, fakeweb, url, session)
    assert owner in page.html
    state = verdict(page, companions)
    assert (state.state, state.category) == ("members-only", "restricted")
    assert state.detail == f"not visible to the logged-in account: {words}"


@pytest.mark.parametrize("url,session", [(FB_GROUP_POST.url, STALE_FACEBOOK), (IG_POST.url, (("sessionid", "gone"),))])
def test_a_login_page_seen_with_an_account_is_the_session_failing_never_the_link(tmp_path, fakeweb, url, session):
    page, companions = pages(tmp_path, fakeweb, url, session)
    state = verdict(page, companions)
    assert state.category == "unknown" and state.state == "unknown"
    assert "session was not accepted" in state.detail and "export the cookies again" in state.detail
    assert "anonymous" not in state.detail


def test_the_mobile_page_carries_the_post_when_the_desktop_shell_has_no_data(tmp_path, fakeweb):
    page, companions = pages(tmp_path, fakeweb, FB_GROUP_POST.url, FACEBOOK_SESSION)
    shell = dataclasses.replace(page, html=page.html.split('<script type="application/json"')[0])
    text = adapter_for(FB_GROUP_POST.url).extract(shell, companions)
    assert text.text == FB_GROUP_POST.text and text.images == FB_GROUP_POST.images
    desktop_only = adapter_for(FB_GROUP_POST.url).extract(page, {})
    assert desktop_only.text == FB_GROUP_POST.text and desktop_only.published == FB_GROUP_POST.published


def test_the_example_reports_social_sources_are_read_as_posts_with_the_session(tmp_path, fakeweb):
    phrases = example_report_phrases()
    social = [(n, u) for n, u in report_footnotes() if "facebook.com" in u or "instagram.com" in u]
    for number, url in social[:4]:
        page, companions = pages(tmp_path / str(number), fakeweb, url, session_for(url))
        assert verdict(page, companions).state == "ok", (url, verdict(page, companions))
        assert phrases[number] in adapter_for(url).extract(page, companions).text
        anonymous_page, anonymous_companions = pages(tmp_path / f"{number}-anon", fakeweb, url)
        assert verdict(anonymous_page, anonymous_companions).state == "ok"  # its stand-in page, as before


def judge_into(vault: Vault, tmp_path, web, url, session):
    """One cited URL fetched (with `session`'s Cookie header), judged and stored, as a run does."""
    vault.add_url(url)  # as a run does for every cited URL before fetching

    async def go():
        client = fetcher(tmp_path, web, session)
        client.recorder = WarcRecorder(vault.warc_dir, {"software": "linkvault/test"}, vault.find_payload)
        try:
            return await capture_and_judge(client, vault, Probes(client, vault), url, None)
        finally:
            await client.aclose()
            client.recorder.close()

    return asyncio.run(go())


def test_the_posts_images_are_archived_as_records_of_their_own(tmp_path, fakeweb):
    vault = Vault(str(tmp_path / "vault"))
    capture = judge_into(vault, tmp_path, fakeweb, FB_GROUP_POST.url, FACEBOOK_SESSION)
    assert capture.state.state == "ok"
    db = sqlite3.connect(vault.db_path)
    roles = dict(db.execute("select url, role from captures"))
    assert all(roles[image] == "image" for image in FB_GROUP_POST.images)  # part of the post (captures.part_of)
    text, author, published = db.execute("select text, author, published from texts join captures c "
                                         "on c.id = capture_id where c.url = ?", [FB_GROUP_POST.url]).fetchone()
    assert (text, author, published) == (FB_GROUP_POST.text, FB_GROUP_POST.author, FB_GROUP_POST.published)
    responses = {}
    for warc in (tmp_path / "vault" / "warc").glob("*.warc.gz"):
        with open(warc, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response":
                    responses[record.rec_headers.get_header("WARC-Target-URI")] = (
                        record.http_headers.get_header("Content-Type"), record.content_stream().read())
    for image in FB_GROUP_POST.images:
        kind, body = responses[image]
        assert kind == "image/png" and body.startswith(b"\x89PNG")


def test_a_refused_session_never_stands_over_what_the_account_saw_before(tmp_path, fakeweb, monkeypatch):
    import linkvault.archive.verdict as verdict

    def as_account(capture, limit):  # what `fetch --cookies` does: each page of an authenticated fetch names its account
        page, text = page_of(capture, limit)
        return dataclasses.replace(page, account=ACCOUNT), text

    monkeypatch.setattr(verdict, "page_of", as_account)
    vault = Vault(str(tmp_path / "vault"))
    assert judge_into(vault, tmp_path, fakeweb, FB_GROUP_POST.url, FACEBOOK_SESSION).state.state == "ok"
    refused = judge_into(vault, tmp_path, fakeweb, FB_GROUP_POST.url, STALE_FACEBOOK)
    assert (refused.state.state, refused.error) == ("unknown", "session-refused")
    assert "session was not accepted" in refused.error_detail
    assert vault.verdicts([FB_GROUP_POST.url])[FB_GROUP_POST.url].state.state == "ok"
