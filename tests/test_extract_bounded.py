"""A page's text is read from a bounded prefix of it, and a capture holds only the head of its body that judging
reads (memory stays flat on a page of any size), while its WARC record keeps the whole body. Over the fake web,
through the library's fetch and show, or its Fetcher and page_of as a judge gets them."""

from __future__ import annotations

import asyncio
import gzip
import random
import re
import sys
import tracemalloc

from fakeweb import Response
from warcio.archiveiterator import ArchiveIterator

import linkvault
from linkvault._version import __version__
from linkvault.archive import FetchOptions
from linkvault.archive.extract import EXTRACT_PREFIX, prefix
from linkvault.archive.fetcher import Fetcher
from linkvault.archive.pages import HEAD_KEEP, HTML_KEEP, page_of
from linkvault.archive.warc import WarcRecorder
from linkvault.model import Capture, Page
from linkvault.states import classify

WORDS = ["суд", "штраф", "активист", "митинг", "статья", "задержан", "приговор", "Астана", "Алматы", "апелляция",
         "адвокат", "заседание", "свидетель", "прокурор", "колония"]
MOJIBAKE = re.compile("[ÐÑÃÂ][\u0080-\u00ff]|Ã|\ufffd")


def _long_article(size: int) -> bytes:
    """A court report with `size` bytes of its paragraphs before its last one, and no charset named anywhere
    (trafilatura is given it as UTF-8 because it is valid UTF-8)."""
    rng = random.Random(17)
    head = ("<!DOCTYPE html><html lang='ru'><head><title>Приговор по делу активиста</title></head><body><article>"
            "<h1>Приговор по делу активиста</h1><p>Специализированный суд Алматы вынес приговор активисту, "
            "задержанному после митинга у акимата.</p>")
    paragraphs, total = [], len(head.encode())
    while total < size:
        paragraph = f"<p>{' '.join(rng.choice(WORDS) for _ in range(60))}.</p>\n"
        paragraphs.append(paragraph)
        total += len(paragraph.encode())
    tail = "<p>ЗАКЛЮЧИТЕЛЬНЫЙ абзац: приговор обжалован в апелляции.</p></article></body></html>"
    return (head + "".join(paragraphs) + tail).encode()


def test_a_huge_page_is_archived_whole_and_its_text_read_from_its_prefix(tmp_path, fakeweb):
    body = _long_article(EXTRACT_PREFIX + 512 * 1024)
    url = "https://sud.example.kz/ru/news/prigovor-aktivistu"
    fakeweb.route_url(url, Response(200, [("Content-Type", "text/html")], body))
    report = tmp_path / "r.txt"
    report.write_text(f"Активисту вынесли приговор[1].\n\n[1] {url}\n", encoding="utf-8")
    vault = tmp_path / "vault"
    result = linkvault.fetch([report], vault, FetchOptions(proxy=fakeweb.proxy_url, ca_bundle=fakeweb.ca_pem_path))
    assert result.links[0].status == 200 and result.links[0].category == "alive"
    shown = linkvault.show(report, 1, vault=vault)
    [capture] = shown.captures
    assert not capture["truncated"]
    with open(vault / "warc" / capture["warc_file"], "rb") as warc:
        warc.seek(capture["warc_offset"])
        record = next(iter(ArchiveIterator(warc)))
        assert record.content_stream().read() == body  # the WARC keeps every byte
    text = shown.text
    assert text is not None and text["title"] == "Приговор по делу активиста"
    assert "задержанному после митинга у акимата" in text["text"]
    assert "ЗАКЛЮЧИТЕЛЬНЫЙ" not in text["text"]  # past the prefix: archived, not read
    assert not MOJIBAKE.search(text["text"]), text["text"][:300]
    assert len(text["text"].encode()) > EXTRACT_PREFIX // 2  # the prefix is read, not a sliver of it


def test_the_prefix_is_cut_before_a_tag_never_inside_a_letter():
    page = ("<p>" + "ж" * 40 + "</p>").encode()  # "ж" is two bytes in UTF-8
    assert prefix(page, 1000) is page
    assert prefix(page, 30) == b"<p>" + "ж".encode() * 13  # no tag near byte 30: cut before a whole letter
    assert prefix(page, 84) == page[:page.rindex(b"</p>")]
    cut = prefix(("ж" * 100).encode(), 51)
    assert cut.decode("utf-8") == "ж" * 25  # no tag at all: back to the letter's first byte


def test_a_page_with_no_tag_near_the_cut_keeps_its_text_up_to_it():
    page = ("<html><body>" + "я" * 1000).encode()
    cut = prefix(page, 501)
    assert cut.decode("utf-8") == "<html><body>" + "я" * 244  # not cut back to "<body>"


def test_dense_markup_is_cut_at_a_number_of_tags_before_the_byte_limit():
    page = b"<html><body>" + b"<div><p>x</p></div>" * 1000
    cut = prefix(page, limit=len(page), tags=100)
    assert cut.count(b"<") == 100 and page.startswith(cut) and page[len(cut):len(cut) + 1] == b"<"


def _fetched(tmp_path, web, urls: list[str]) -> list[Capture]:
    """The captures of `urls` as linkvault's Fetcher leaves them for the judges, body heads still on them."""
    async def go() -> list[Capture]:
        options = FetchOptions(proxy=web.proxy_url, ca_bundle=web.ca_pem_path, retries=0, timeout=30.0)
        client = Fetcher(options, WarcRecorder(str(tmp_path / "warc"), {"software": "linkvault/test"}, lambda d: None),
                         __version__)
        try:
            return [await client.fetch(url) for url in urls]
        finally:
            await client.aclose()
            client.recorder.close()

    return asyncio.run(go())


def test_a_huge_page_waits_for_its_verdict_holding_what_judging_reads_and_a_site_adapters_page_more(tmp_path, fakeweb):
    """Of any page, a capture holds HEAD_KEEP bytes (what extraction, the rules and the redirect-stub check read);
    of a page a site adapter reads, HTML_KEEP (a YouTube watch page's player data lies ~1 MB in). It held HTML_KEEP of
    every page, and the html made of it: most of what a huge page cost over a small one."""
    body = _long_article(3 * 1024 * 1024)
    news, watch = "https://sud.example.kz/ru/news/prigovor-aktivistu", "https://www.youtube.com/watch?v=KFkxzasYVmg"
    fakeweb.route_url(news, Response(200, [("Content-Type", "text/html; charset=utf-8")], body))
    fakeweb.route("www.youtube.com", "/watch?v=KFkxzasYVmg", Response(200, [("Content-Type", "text/html")], body))
    article, video = _fetched(tmp_path, fakeweb, [news, watch])
    assert article.size == video.size == len(body)
    assert len(article.body_head) == HEAD_KEEP < HTML_KEEP == len(video.body_head)
    page, text = page_of(article)
    assert len(page.html.encode()) <= HEAD_KEEP and page.html.startswith("<!DOCTYPE html>")
    assert text is not None and text.title == "Приговор по делу активиста" and "ЗАКЛЮЧИТЕЛЬНЫЙ" not in text.text
    assert classify(page).state == "ok"


def test_a_compressed_huge_page_is_inflated_for_its_verdict_only_as_far_as_judging_reads(tmp_path, fakeweb):
    """A gzip body's head is inflated to the cap (past it, the capture says it was cut) but kept only to HEAD_KEEP:
    the 2 MB that judging read of it, or the 16 MB its head could inflate to, were held in a judge before."""
    body = _long_article(8 * 1024 * 1024)
    url = "https://sud.example.kz/ru/news/prigovor-gzip"
    fakeweb.route_url(url, Response(200, [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")],
                                    gzip.compress(body)))
    [capture] = _fetched(tmp_path, fakeweb, [url])
    page, text = page_of(capture)
    assert not capture.truncated  # its head inflates to far less than the cap
    assert len(page.html.encode()) <= HEAD_KEEP and body.startswith(page.html.encode()[:HEAD_KEEP // 2])
    assert text is not None and "задержанному после митинга у акимата" in text.text
    page_of(capture, limit=HEAD_KEEP * 2)
    assert capture.truncated  # past this cap: cut, and saying so


def test_the_rules_read_a_big_pages_html_through_one_lower_cased_copy():
    """The page-wide rules match their patterns against Page.head, the html's first 300,000 characters lower-cased
    once and a piece at a time: each rule lowered its own copy, and str.lower() on Cyrillic works in 12 bytes a
    character (a 4.8 MB peak for a 300,000-character head)."""
    html = _long_article(1024 * 1024).decode()
    url = "https://sud.example.kz/ru/news/prigovor-aktivistu"
    page = Page(Capture(url=url, fetched_at="2026-11-30T09:00:00Z", status=200, final_url=url), html=html,
                text="Специализированный суд Алматы вынес приговор активисту. " * 40, title="Приговор")
    tracemalloc.start()
    try:
        state = classify(page)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert state.state == "ok" and page.head == html[:300_000].lower()
    assert peak < 3 * sys.getsizeof(page.head), f"peak {peak >> 10} KiB"
