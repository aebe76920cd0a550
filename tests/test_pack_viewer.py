"""The example's evidence pack opened in ReplayWeb.page (its real app, served locally, in headless Chromium)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from conftest import EXAMPLE
from fakeweb.sites import AZATTYQ_ARTICLE, AZATTYQ_PHRASE
from replayweb import PACKAGE, SKIP_REASON, Tab, serve, wait_for

from linkvault.archive.screenshot import Browser, chromium
from linkvault.cli import cli

pytestmark = [pytest.mark.skipif(chromium() is None, reason="Debian's chromium is not installed (make test installs it)"),
              pytest.mark.skipif(PACKAGE is None, reason=SKIP_REASON)]


@pytest.fixture(scope="module")
def viewer(tmp_path_factory, fakeweb_session):
    """ReplayWeb.page serving the example report's pack, and a browser to look at it with."""
    work = tmp_path_factory.mktemp("viewer")
    vault, pack = work / "vault", work / "kz-chronicle-2024-04.wacz"
    runner = CliRunner()
    fetched = runner.invoke(cli, ["--vault", str(vault), "fetch", str(EXAMPLE), "--proxy", fakeweb_session.proxy_url,
                                  "--ca-bundle", fakeweb_session.ca_pem_path, "--no-timestamp", "--no-screenshots"])
    assert fetched.exit_code == 1, fetched.output  # the example's 15 footnotes with no source
    packed = runner.invoke(cli, ["--vault", str(vault), "pack", str(EXAMPLE), "-o", str(pack)])
    assert packed.exit_code == 0, packed.output
    browser = Browser(allow_private=True)  # the viewer is on 127.0.0.1
    try:
        yield pack, browser
    finally:
        browser.close()


def test_the_example_pack_opens_in_replayweb_page_with_all_its_pages(viewer, tmp_path):
    pack, browser = viewer
    with serve(pack, tmp_path) as base:
        with Tab(browser, f"{base}/index.html?source={pack.name}") as tab:
            listed = lambda texts: "85 pages" in texts  # noqa: E731
            shown = wait_for(tab.shown_texts, listed, timeout=40)
            if not listed(shown):  # the same first-visit service-worker race as the embed's (see below)
                tab.reload()
                shown = wait_for(tab.shown_texts, listed, timeout=60)
    assert "85 pages" in shown, shown[:80]
    assert AZATTYQ_ARTICLE in shown  # the page list, read from the pack's pages.jsonl


def test_replayweb_page_replays_a_cited_page_from_the_pack(viewer, tmp_path):
    pack, browser = viewer
    with serve(pack, tmp_path, url=AZATTYQ_ARTICLE) as base:  # an origin of its own: one service worker per origin
        with Tab(browser, f"{base}/embed.html") as tab:
            # the article shown, by frames whose URL is committed (a frame that has not committed its navigation yet
            # is listed with the URL '')
            shows_article = lambda f: any(AZATTYQ_PHRASE in text for text in f.values()) and all(  # noqa: E731
                url for url, text in f.items() if AZATTYQ_PHRASE in text)
            frames = wait_for(tab.frame_texts, shows_article, timeout=40)
            if not shows_article(frames):
                # ReplayWeb.page's embed can load its frame before its service worker, first installed on
                # this origin, has taken control (seen once in CI: the frame was then the web server's own
                # directory listing of /replay/). A reader reloads; so does this test, once.
                tab.reload()
                frames = wait_for(tab.frame_texts, shows_article, timeout=60)
    replayed = [url for url, text in frames.items() if AZATTYQ_PHRASE in text]
    seen = "; ".join(f"{url[:100]} shows {text[:100]!r}" for url, text in frames.items())
    assert replayed and all("/replay/w/" in url and AZATTYQ_ARTICLE in url for url in replayed), seen


def test_the_evidence_pack_link_robustify_writes_opens_the_cited_page_in_replayweb_page(viewer, tmp_path):
    """`robustify --pack-url` links each living source to the pack's page in ReplayWeb.page (`?source=<pack>
    #view=replay&url=<source>&ts=<our capture>`): followed (on this viewer rather than replayweb.page's own
    host), it replays the source from the pack."""
    import re
    from urllib.parse import quote

    pack, browser = viewer
    with serve(pack, tmp_path, url=AZATTYQ_ARTICLE) as base:
        out = tmp_path / "robust.txt"
        written = CliRunner().invoke(cli, ["--vault", str(pack.parent / "vault"), "robustify", str(EXAMPLE), "-o",
                                           str(out), "--pack-url", f"{base}/{pack.name}"])
        assert written.exit_code == 0, written.output
        link = next(u for u in re.findall(r"evidence pack(?: \S+)?: (\S+?)\)", out.read_text(encoding="utf-8"))
                    if f"url={quote(AZATTYQ_ARTICLE, safe='')}&" in u)
        assert link.startswith(f"https://replayweb.page/?source={quote(f'{base}/{pack.name}', safe='')}#view=replay&")
        with Tab(browser, link.replace("https://replayweb.page/", f"{base}/index.html", 1)) as tab:
            # the article shown, by frames whose URL is committed (a frame that has not committed its navigation yet
            # is listed with the URL '')
            shows_article = lambda f: any(AZATTYQ_PHRASE in text for text in f.values()) and all(  # noqa: E731
                url for url, text in f.items() if AZATTYQ_PHRASE in text)
            frames = wait_for(tab.frame_texts, shows_article, timeout=40)
            if not shows_article(frames):  # the first-visit service-worker race the tests above describe
                tab.reload()
                frames = wait_for(tab.frame_texts, shows_article, timeout=60)
    seen = "; ".join(f"{url[:100]} shows {text[:100]!r}" for url, text in frames.items())
    assert shows_article(frames), seen
