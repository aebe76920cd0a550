"""Plain-text reports: entry styles, marker styles, wrapped URLs, encodings."""

from __future__ import annotations

import codecs

import pytest

import linkvault


def notes_of(path):
    return {n.number: n for n in linkvault.parse_report(path).footnotes}


BODY = "April 1, Astana, a journalist was arrested[1]. April 2, a court fined him[2].\n\n"


@pytest.mark.parametrize(
    "entries",
    [
        "[1] https://kaztag.kz/ru/news/a\n[2] https://rus.azattyq.org/a/2.html\n",
        "1. https://kaztag.kz/ru/news/a\n2. https://rus.azattyq.org/a/2.html\n",
        "1) https://kaztag.kz/ru/news/a\n2) https://rus.azattyq.org/a/2.html\n",
        "[1]: https://kaztag.kz/ru/news/a\n[2]: https://rus.azattyq.org/a/2.html\n",
        "[1]https://kaztag.kz/ru/news/a\n[2]https://rus.azattyq.org/a/2.html\n",
    ],
    ids=["brackets", "dot", "paren", "colon", "no-space"],
)
def test_every_entry_style_gives_the_same_footnotes(write, entries):
    notes = notes_of(write("r.txt", BODY + entries))
    assert notes[1].urls == ("https://kaztag.kz/ru/news/a",)
    assert notes[2].urls == ("https://rus.azattyq.org/a/2.html",)
    assert notes[1].cited_at == (1,) and notes[2].cited_at == (1,)


def test_words_around_the_url_stay_in_the_text_but_not_in_the_url(write):
    path = write("r.txt", BODY + "[1] Azattyq, 12 April: https://rus.azattyq.org/a/1.html (accessed 1 May)\n"
                          "[2] «KazTAG», https://kaztag.kz/ru/news/b».\n")
    notes = notes_of(path)
    assert notes[1].urls == ("https://rus.azattyq.org/a/1.html",)
    assert notes[1].text.startswith("Azattyq, 12 April:")
    assert notes[2].urls == ("https://kaztag.kz/ru/news/b",)


@pytest.mark.parametrize("tail", [".", ",", ";", ")", "”", "».", "\"", "'", "!", "…"])
def test_trailing_punctuation_is_not_part_of_the_url(write, tail):
    notes = notes_of(write("r.txt", BODY + f"[1] https://vlast.kz/novosti/59686.html{tail}\n[2] x https://a.kz/b\n"))
    assert notes[1].urls == ("https://vlast.kz/novosti/59686.html",)


def test_balanced_parentheses_inside_a_url_are_kept(write):
    notes = notes_of(write("r.txt", BODY + "[1] (see https://en.wikipedia.org/wiki/Adil_Soz_(foundation))\n[2] https://a.kz/b\n"))
    assert notes[1].urls == ("https://en.wikipedia.org/wiki/Adil_Soz_(foundation)",)


def test_adjacent_list_and_range_markers_all_count(write):
    text = ("Several sources say so[1][2]. Others agree[3, 4]. A series[5–7], and another[8-9].\n\n"
            + "".join(f"[{n}] https://example.kz/{n}\n" for n in range(1, 10)))
    result = linkvault.check(write("r.txt", text))
    assert [n.cited_at for n in result.report.footnotes] == [(1,)] * 9
    assert not result.findings


def test_bracketed_numbers_inside_urls_are_not_citations(write):
    text = "See the list https://example.kz/search?page[1]=2&q[22]=x and the claim[1].\n\n[1] https://example.kz/a?id[3]=4\n"
    result = linkvault.check(write("r.txt", text))
    assert [c.label for c in result.report.citations] == ["1"]
    assert result.report.footnotes[0].urls == ("https://example.kz/a?id[3]=4",)
    assert not result.findings


def test_a_marker_right_after_a_url_in_the_body_still_counts(write):
    text = "As posted on https://t.me/protenge_kz/2717[1].\n\n[1] https://t.me/protenge_kz/2717\n"
    report = linkvault.parse_report(write("r.txt", text))
    assert [c.label for c in report.citations] == ["1"]


def test_numbers_in_brackets_inside_the_footnote_list_are_not_citations(write):
    text = BODY + "[1] https://a.kz/1 (also cited in [2])\n[2] https://a.kz/2 [see 1]\n"
    report = linkvault.parse_report(write("r.txt", text))
    assert sorted(c.label for c in report.citations) == ["1", "2"]


def test_a_url_wrapped_over_two_lines_is_joined(write):
    text = BODY + ("[1] https://kz.kursiv.media/2024-04-10/tksh-lgbt-\nzakon-yurist/\n"
                   "[2] https://kaztag.kz/ru/news/administrativnoe-delo-v-otnoshenii-askhata-niyazova-\n"
                   "prokommentirovali-v-mininforme\n")
    notes = notes_of(write("r.txt", text))
    assert notes[1].urls == ("https://kz.kursiv.media/2024-04-10/tksh-lgbt-zakon-yurist/",)
    assert notes[2].urls == ("https://kaztag.kz/ru/news/administrativnoe-delo-v-otnoshenii-askhata-niyazova-prokommentirovali-v-mininforme",)


def test_a_continuation_line_of_words_is_not_glued_to_the_url(write):
    text = BODY + "[1] https://rus.azattyq.org/a/1.html\nRadio Azattyq, 12 April 2024\n[2] https://a.kz/2\n"
    notes = notes_of(write("r.txt", text))
    assert notes[1].urls == ("https://rus.azattyq.org/a/1.html",)
    assert "Radio Azattyq" in notes[1].text


def test_page_chrome_before_the_report_is_ignored(write):
    text = ("Skip to content\nHome | About | Donate\nShare: Facebook Twitter Telegram\n\n" + BODY
            + "[1] https://a.kz/1\n[2] https://a.kz/2\n\nShare this page\n© 2024 KIBHR\n")
    result = linkvault.check(write("r.txt", text))
    assert len(result.report.entries) == 2
    assert not result.findings


def test_numbered_paragraphs_in_the_body_are_not_entries(write):
    text = ("Our findings:\n1. Journalists were detained[1].\n2. Activists were fined[2].\n\n"
            "Notes\n1. https://a.kz/1\n2. https://a.kz/2\n")
    result = linkvault.check(write("r.txt", text))
    assert [e.line for e in result.report.entries] == [6, 7]
    assert not result.findings


def test_a_notes_heading_starts_the_list_even_with_markers_after_it(write):
    text = BODY + "Примечания:\n[1] https://a.kz/1\n[2] https://a.kz/2\n"
    result = linkvault.check(write("r.txt", text))
    assert len(result.report.entries) == 2 and not result.findings


def test_entries_may_carry_more_than_one_url(write):
    notes = notes_of(write("r.txt", BODY + "[1] https://a.kz/1 and https://b.kz/2\n[2] https://a.kz/3\n"))
    assert notes[1].urls == ("https://a.kz/1", "https://b.kz/2")


def test_bare_www_links_are_urls(write):
    notes = notes_of(write("r.txt", BODY + "[1] www.adilsoz.kz/news/1\n[2] https://a.kz/3\n"))
    assert notes[1].urls == ("www.adilsoz.kz/news/1",)


CYRILLIC = ("1 апреля, Астана, журналист задержан[1]. Суд оштрафовал активиста[2].\n\n"
            "[1] Азаттык: https://rus.azattyq.org/a/1.html\n[2] Казтаг - https://kaztag.kz/ru/news/b\n")


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.encode("utf-8"),
        lambda t: codecs.BOM_UTF8 + t.encode("utf-8"),
        lambda t: t.encode("utf-16"),
        lambda t: t.replace("\n", "\r\n").encode("utf-8"),
        lambda t: t.encode("cp1251"),
        lambda t: t.replace("\n", "\r\n").encode("cp1251"),
        lambda t: t.encode("koi8-r"),
    ],
    ids=["utf8", "utf8-bom", "utf16-bom", "crlf", "cp1251", "cp1251-crlf", "koi8r"],
)
def test_encodings_and_line_endings_read_the_same(write, encode):
    report = linkvault.parse_report(write("r.txt", encode(CYRILLIC)))
    notes = {n.number: n for n in report.footnotes}
    assert notes[1].text == "Азаттык: https://rus.azattyq.org/a/1.html"
    assert notes[2].urls == ("https://kaztag.kz/ru/news/b",)
    assert notes[1].cited_at == (1,) and notes[1].line == 3
