"""Text extraction on real pages others captured (../shared/real-pages), served by the fake web."""

from __future__ import annotations

import re

import pytest
from conftest import REAL_PAGES
from fakeweb import Response

import linkvault
from linkvault.archive import FetchOptions

pytestmark = pytest.mark.skipif(not REAL_PAGES.is_dir(), reason="../shared/real-pages is not beside this checkout")

CASES = [
    # (file, words the extracted text or title must contain)
    ("ru_news/4pda_article_windows1251_2022-12-04.html", None),
    ("ru_news/dle_zone-anime_ru_profile_windows1251.htm", None),
    ("ru_news/phpnuke_forum_windows1251_broken_meta.htm", None),
    ("ru_news/kommersant_article_2025-05-14.html", "Ибрагим"),
    ("ru_news/pravda_com_ua_russian_article_2026-01-08.html", "судьи"),
    ("pangea/voanews_article_pangea_2024-04-28.html", "child care"),
]
MOJIBAKE = re.compile("[ÐÑÃÂ][\u0080-\u00ff]|Ã|�{2,}")


@pytest.mark.parametrize("name,needle", CASES, ids=[c[0].split("/")[-1] for c in CASES])
def test_real_pages_come_out_as_readable_text(tmp_path, fakeweb, name, needle):
    body = (REAL_PAGES / name).read_bytes()
    url = f"https://news.example.kz/{name.split('/')[-1]}"
    fakeweb.route_url(url, Response(200, [("Content-Type", "text/html")], body))  # no charset in the header
    path = tmp_path / "r.txt"
    path.write_text(f"Claim[1].\n\n[1] {url}\n", encoding="utf-8")
    result = linkvault.fetch([path], tmp_path / "vault", FetchOptions(proxy=fakeweb.proxy_url, ca_bundle=fakeweb.ca_pem_path))
    assert result.links[0].status == 200
    text = linkvault.show(path, 1, vault=tmp_path / "vault").text
    assert text is not None
    content = f"{text['title'] or ''}\n{text['text']}"
    assert not MOJIBAKE.search(content), content[:300]
    if needle:
        assert needle in content
    elif "windows1251" in name:
        assert len(re.findall("[а-яё]", content.lower())) > 20, content[:300]


REAL_HTML = sorted(p.relative_to(REAL_PAGES).as_posix() for p in REAL_PAGES.rglob("*.htm*")) if REAL_PAGES.is_dir() else []


@pytest.mark.parametrize("name", REAL_HTML, ids=[n.split("/")[-1] for n in REAL_HTML])
def test_extraction_gives_the_text_title_and_date_of_trafilaturas_full_run(name):
    """linkvault's cheaper trafilatura options (fast mode: no fallback extractors; options built once) give what
    its full run gives (fallback extractors compared, options built per call) on every real page."""
    import trafilatura

    from linkvault.archive.extract import document_of, extract_decoded

    raw = (REAL_PAGES / name).read_bytes()
    url = f"https://news.example.kz/{name.split('/')[-1]}"
    ours = extract_decoded(raw, url, "text/html")
    full = trafilatura.bare_extraction(document_of(raw, "text/html"), url=url, with_metadata=True,
                                       include_comments=False, favor_recall=True)
    theirs = full.as_dict() if full is not None else None
    if theirs is None or not (theirs["text"] or theirs["title"]):
        assert ours is None
        return
    assert ours is not None
    assert (ours.title, ours.published, ours.text) == (theirs["title"], theirs["date"], theirs["text"])


@pytest.mark.parametrize("name", REAL_HTML, ids=[n.split("/")[-1] for n in REAL_HTML])
def test_no_real_page_is_cut_by_what_extraction_reads_or_a_capture_holds(name):
    """The prefix extraction reads (EXTRACT_PREFIX bytes, EXTRACT_TAGS tags) and the head of a body a capture holds
    for judging (HEAD_KEEP) hold every real page whole: a bound lowered for memory costs none of them any text (the
    comparison above reads the same prefix on both sides, so it would not tell)."""
    from linkvault.archive.extract import prefix
    from linkvault.archive.pages import HEAD_KEEP

    raw = (REAL_PAGES / name).read_bytes()
    assert prefix(raw) is raw and len(raw) < HEAD_KEEP


@pytest.mark.parametrize("name", REAL_HTML, ids=[n.split("/")[-1] for n in REAL_HTML])
def test_a_page_read_whole_is_extracted_from_the_judges_html_as_from_its_bytes(name):
    """Judging decodes a page once: trafilatura is given the html the rules read when it reads the page whole, and
    extracts from it the text, title, date and metadata it extracts from the page's bytes (charset named in the header,
    in a <meta> only, or in neither)."""
    from linkvault.archive.extract import charset_of, decode_text, extract_decoded

    raw = (REAL_PAGES / name).read_bytes()
    url = f"https://news.example.kz/{name.split('/')[-1]}"
    for content_type in ("text/html", "text/html; charset=utf-8"):
        html = decode_text(raw, charset_of(raw, content_type))
        assert extract_decoded(raw, url, content_type, html) == extract_decoded(raw, url, content_type)
