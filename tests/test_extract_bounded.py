"""A page's text is read from a bounded prefix of it (memory stays flat on a page of any size), while its WARC
record keeps the whole body. Over the fake web, through the library's fetch and show."""

from __future__ import annotations

import random
import re

from fakeweb import Response
from warcio.archiveiterator import ArchiveIterator

import linkvault
from linkvault.archive import FetchOptions
from linkvault.archive.extract import EXTRACT_PREFIX, prefix

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


def test_a_huge_page_is_archived_whole_and_its_text_read_from_its_first_mebibyte(tmp_path, fakeweb):
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
