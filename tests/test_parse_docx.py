"""Word .docx reports: real footnotes and endnotes, a typed footnote list, damaged packages."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx_builder import Deleted, EndnoteRef, FieldLink, FootnoteRef, Link, TextBox, build_docx

import linkvault
from linkvault import InputError, parse_report
from linkvault.cli import cli

REAL_PAGES = Path(__file__).resolve().parents[2] / "shared" / "real-pages"
WORD_FILES = REAL_PAGES / "word_footnotes"
needs_real_pages = pytest.mark.skipif(
    not WORD_FILES.is_dir(), reason=f"real Word files not present ({WORD_FILES} is absent in a fresh clone)"
)


def kinds(result) -> set[tuple[str, object]]:
    return {(f.kind, f.number) for f in result.findings}


def run_check(path) -> object:
    return CliRunner().invoke(cli, ["check", str(path)])


# -- real footnotes ------------------------------------------------------------------------------


def test_footnotes_are_numbered_by_order_of_reference_not_by_xml_id(tmp_path):
    path = build_docx(
        tmp_path / "report.docx",
        paragraphs=[
            "Freedom of assembly in April",
            ["Six activists were detained in Astana.", FootnoteRef(5)],
            ["The court fined them.", FootnoteRef(2), " The appeal failed.", FootnoteRef(9)],
        ],
        footnotes={
            2: ["Court ruling ", Link("sud.gov.kz", "https://sud.gov.kz/rus/news/678")],
            5: ["Vlast.kz ", Link("report", "https://vlast.kz/novosti/12345.html")],
            9: ["Appeal: ", Link("Orda", "https://orda.kz/appeal-9/")],
        },
    )
    report = parse_report(path)

    assert report.format == "docx"
    assert [(c.label, c.line) for c in report.citations] == [("1", 2), ("2", 3), ("3", 3)]
    assert [(e.label, e.line, e.urls) for e in report.entries] == [
        ("1", 2, ("https://vlast.kz/novosti/12345.html",)),
        ("2", 3, ("https://sud.gov.kz/rus/news/678",)),
        ("3", 3, ("https://orda.kz/appeal-9/",)),
    ]
    assert linkvault.check(path).findings == []


def test_footnote_hyperlink_target_is_the_url_even_when_text_says_example(tmp_path):
    path = build_docx(
        tmp_path / "report.docx",
        paragraphs=[["A journalist was fined.", FootnoteRef(1)]],
        footnotes={1: [" See ", Link("Example", "https://rus.azattyq.org/a/32887882.html"), "."]},
    )
    entry = parse_report(path).entries[0]

    assert entry.urls == ("https://rus.azattyq.org/a/32887882.html",)
    assert entry.text == "See Example."


def test_hyperlink_anchor_is_kept_as_the_urls_fragment_and_a_bookmark_jump_is_no_source(tmp_path):
    path = build_docx(
        tmp_path / "report.docx",
        paragraphs=[["The decision was appealed.", FootnoteRef(1), " See ",
                     Link("the annex", None, anchor="annex-2"), "."]],
        footnotes={1: ["Court ruling, ", Link("para. 14", "https://example.org/ruling/2024-17", anchor="p14"),
                       ", see also ", Link("Annex 2", None, anchor="annex-2")]},
    )
    result = linkvault.check(path)

    assert result.report.entries[0].urls == ("https://example.org/ruling/2024-17#p14",)
    assert result.findings == []


def test_link_text_showing_its_own_address_gives_one_url(tmp_path):
    path = build_docx(
        tmp_path / "report.docx",
        paragraphs=[["Claim.", FootnoteRef(1)]],
        footnotes={1: ["Zakon.kz, ", Link("www.zakon.kz/4123456-sud.html", "http://www.zakon.kz/4123456-sud.html")]},
    )
    entry = parse_report(path).entries[0]

    assert entry.urls == ("http://www.zakon.kz/4123456-sud.html",)
    assert entry.text == "Zakon.kz, www.zakon.kz/4123456-sud.html"


def test_address_typed_in_footnote_text_is_a_url(tmp_path):
    path = build_docx(
        tmp_path / "report.docx",
        paragraphs=[["Claim.", FootnoteRef(1)]],
        footnotes={1: ["KazTAG, 3 April, https://kaztag.kz/ru/news/777 (accessed 5 April)"]},
    )
    assert parse_report(path).entries[0].urls == ("https://kaztag.kz/ru/news/777",)


def test_hyperlink_field_code_in_footnote_is_a_url_but_bookmark_field_is_not(tmp_path):
    path = build_docx(
        tmp_path / "report.docx",
        paragraphs=[["Claim.", FootnoteRef(1), " Other.", FootnoteRef(2)]],
        footnotes={
            1: ["Old Word link: ", FieldLink("the ruling", "https://sud.gov.kz/rus/news/679")],
            2: ["See section 2, ", FieldLink("above", "_Toc123456", bookmark=True)],
        },
    )
    entries = parse_report(path).entries

    assert entries[0].urls == ("https://sud.gov.kz/rus/news/679",)
    assert entries[1].urls == ()


def test_reference_to_a_footnote_id_that_does_not_exist_is_a_missing_footnote(tmp_path):
    path = build_docx(
        tmp_path / "report.docx",
        paragraphs=[["Claim one.", FootnoteRef(1)], ["Claim two.", FootnoteRef(7)]],
        footnotes={1: [Link("source", "https://example.org/1")]},
    )
    result = linkvault.check(path)

    assert [c.label for c in result.report.citations] == ["1", "2"]
    assert [e.label for e in result.report.entries] == ["1"]
    assert [(f.kind, f.number, f.line) for f in result.findings] == [("missing-footnote", 2, 2)]


def test_empty_footnote_is_a_missing_footnote(tmp_path):
    path = build_docx(
        tmp_path / "report.docx",
        paragraphs=[["Claim one.", FootnoteRef(1), " Claim two.", FootnoteRef(2)]],
        footnotes={1: [Link("source", "https://example.org/1")], 2: []},
    )
    result = linkvault.check(path)

    assert result.report.entries[1].text == ""
    assert kinds(result) == {("missing-footnote", 2)}


def test_reference_inside_a_tracked_deletion_is_not_counted_or_numbered(tmp_path):
    path = build_docx(
        tmp_path / "report.docx",
        paragraphs=[["Claim one.", FootnoteRef(1), Deleted(" A sentence the editor cut."), Deleted(FootnoteRef(2))],
                    ["Claim two.", FootnoteRef(3)]],
        footnotes={1: [Link("one", "https://example.org/1")], 2: ["cut source"], 3: [Link("three", "https://example.org/3")]},
    )
    report = parse_report(path)

    assert [c.label for c in report.citations] == ["1", "2"]
    assert [(e.label, e.urls) for e in report.entries] == [
        ("1", ("https://example.org/1",)),
        ("2", ("https://example.org/3",)),
    ]


def _endnotes_only(tmp_path, **numbering):
    return build_docx(
        tmp_path / "report.docx",
        paragraphs=[["Claim one.", EndnoteRef(4)], ["Claim two.", EndnoteRef(3)]],
        footnotes={},
        endnotes={3: [Link("b", "https://example.org/b")], 4: [Link("a", "https://example.org/a")]},
        **numbering,
    )


def test_endnotes_set_to_digits_are_numbered_from_one_by_order_of_reference(tmp_path):
    path = _endnotes_only(tmp_path, settings='<w:endnotePr><w:numFmt w:val="decimal"/></w:endnotePr>')
    report = parse_report(path)

    assert [(c.label, c.line) for c in report.citations] == [("1", 1), ("2", 2)]
    assert [(e.label, e.urls) for e in report.entries] == [
        ("1", ("https://example.org/a",)),
        ("2", ("https://example.org/b",)),
    ]


def test_endnotes_with_no_numbering_set_use_words_default_roman(tmp_path):
    assert [c.label for c in parse_report(_endnotes_only(tmp_path)).citations] == ["i", "ii"]


def test_a_sections_own_note_numbering_wins_over_the_documents(tmp_path):
    path = _endnotes_only(tmp_path, settings='<w:endnotePr><w:numFmt w:val="decimal"/></w:endnotePr>',
                          section='<w:endnotePr><w:numFmt w:val="upperLetter"/><w:numStart w:val="3"/></w:endnotePr>')
    assert [c.label for c in parse_report(path).citations] == ["C", "D"]


def test_footnotes_in_chicago_symbols_keep_them_as_labels(tmp_path):
    path = build_docx(
        tmp_path / "report.docx",
        paragraphs=[["One.", FootnoteRef(1), " Two.", FootnoteRef(2), " Five.", FootnoteRef(3), FootnoteRef(4),
                     FootnoteRef(5)]],
        footnotes={n: [Link(str(n), f"https://example.org/{n}")] for n in range(1, 6)},
        settings='<w:footnotePr><w:numFmt w:val="chicago"/></w:footnotePr>',
    )
    result = linkvault.check(path)

    assert [c.label for c in result.report.citations] == ["*", "†", "‡", "§", "**"]
    assert result.findings == []


def test_endnotes_beside_footnotes_get_roman_labels(tmp_path):
    path = build_docx(
        tmp_path / "report.docx",
        paragraphs=[["Claim.", FootnoteRef(1), " Aside.", EndnoteRef(1), EndnoteRef(2)]],
        footnotes={1: [Link("f", "https://example.org/f")]},
        endnotes={1: [Link("e1", "https://example.org/e1")], 2: [Link("e2", "https://example.org/e2")]},
    )
    report = parse_report(path)

    assert [c.label for c in report.citations] == ["1", "i", "ii"]
    assert {e.label: e.urls for e in report.entries}["ii"] == ("https://example.org/e2",)


# -- a footnote list typed as paragraphs ---------------------------------------------------------


def test_typed_footnote_list_is_read_when_there_are_no_real_footnotes(tmp_path):
    path = build_docx(
        tmp_path / "report.docx",
        paragraphs=[
            "Freedom of expression, April 2024",
            "A blogger was detained in Shymkent [1]. His phone was seized [2]. He was charged [3].",
            "",
            "Sources",
            ["[1] ", Link("https://rus.azattyq.org/a/1.html", "https://rus.azattyq.org/a/1.html")],
            ["[2] Police statement, ", Link("police.kz", "https://police.kz/ru/news/2")],
            ["[3] Zakon.kz, ", Link("www.zakon.kz/4123456-sud.html", "http://www.zakon.kz/4123456-sud.html")],
        ],
        footnotes={},
    )
    result = linkvault.check(path)

    assert [(c.label, c.line) for c in result.report.citations] == [("1", 2), ("2", 2), ("3", 2)]
    assert [(e.label, e.line, e.urls) for e in result.report.entries] == [
        ("1", 5, ("https://rus.azattyq.org/a/1.html",)),
        ("2", 6, ("https://police.kz/ru/news/2",)),
        ("3", 7, ("http://www.zakon.kz/4123456-sud.html",)),
    ]
    assert result.findings == []


# -- damaged packages ----------------------------------------------------------------------------


def assert_one_line_input_error(result, path):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    message = result.stderr.strip()
    assert "\n" not in message
    assert message.startswith("linkvault: error: ")
    assert str(path) in message


@pytest.mark.parametrize(
    "content",
    [b"", b"This is a text file someone renamed to .docx\n", b"PK\x03\x04\x14\x00\x00\x00\x08\x00garbage"],
    ids=["empty", "text", "zip-header-only"],
)
def test_corrupt_docx_is_a_one_line_error_with_exit_2(tmp_path, content):
    path = tmp_path / "report.docx"
    path.write_bytes(content)

    assert_one_line_input_error(run_check(path), path)


def test_truncated_docx_is_a_one_line_error_with_exit_2(tmp_path):
    good = build_docx(tmp_path / "good.docx", paragraphs=[["Claim.", FootnoteRef(1)]], footnotes={1: ["x"]})
    path = tmp_path / "report.docx"
    path.write_bytes(good.read_bytes()[:-40])

    assert_one_line_input_error(run_check(path), path)


def test_zip_without_word_document_is_an_input_error(tmp_path):
    path = tmp_path / "report.docx"
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/footnotes.xml", "<w:footnotes/>")

    with pytest.raises(InputError, match="no word/document.xml"):
        parse_report(path)
    result = run_check(path)
    assert_one_line_input_error(result, path)
    assert "word/document.xml" in result.stderr


def test_damaged_footnotes_part_is_a_one_line_error_not_an_internal_error(tmp_path):
    path = build_docx(
        tmp_path / "report.docx",
        paragraphs=[["Claim.", FootnoteRef(1)]],
        footnotes={1: ["A source that will be damaged"]},
        compression=zipfile.ZIP_STORED,
    )
    data = path.read_bytes()
    path.write_bytes(data.replace(b"will be damaged", b"will be DAMAGED"))  # same length, wrong CRC

    result = run_check(path)

    assert_one_line_input_error(result, path)
    assert "word/footnotes.xml" in result.stderr
    assert "internal error" not in result.output


# -- real Word files -----------------------------------------------------------------------------


@needs_real_pages
def test_real_word_file_with_two_footnotes():
    path = WORD_FILES / "mammoth_footnotes.docx"
    result = linkvault.check(path)

    assert [(c.label, c.line) for c in result.report.citations] == [("1", 1), ("2", 1)]
    assert [(e.label, e.text, e.urls) for e in result.report.entries] == [
        ("1", "A tachyon walks into a bar.", ()),
        ("2", "Fin.", ()),
    ]
    assert kinds(result) == {("no-url", 1), ("no-url", 2)}


@needs_real_pages
def test_real_word_footnote_hyperlink_resolves_through_footnotes_rels():
    path = WORD_FILES / "mammoth_footnote_with_hyperlink.docx"
    with zipfile.ZipFile(path) as package:
        assert "word/_rels/footnotes.xml.rels" in package.namelist()

    result = linkvault.check(path)

    assert [c.label for c in result.report.citations] == ["1"]
    assert [(e.label, e.text, e.urls) for e in result.report.entries] == [("1", "Example", ("http://www.example.com",))]
    assert result.findings == []


def test_a_text_box_is_read_once_though_word_writes_it_twice(tmp_path):
    path = build_docx(
        tmp_path / "report.docx",
        paragraphs=[
            ["Six activists were detained.", FootnoteRef(1),
             TextBox([["Sidebar: the court fined them.", FootnoteRef(2)]])],
            ["The appeal failed.", FootnoteRef(3)],
        ],
        footnotes={
            1: ["Vlast.kz ", Link("report", "https://vlast.kz/novosti/12345.html")],
            2: ["Court ", Link("ruling", "https://sud.gov.kz/rus/news/678")],
            3: ["Orda ", Link("appeal", "https://orda.kz/appeal-9/")],
        },
    )
    report = parse_report(path)

    assert [c.label for c in report.citations] == ["1", "2", "3"]
    assert [e.urls for e in report.entries] == [("https://vlast.kz/novosti/12345.html",),
                                                ("https://sud.gov.kz/rus/news/678",), ("https://orda.kz/appeal-9/",)]
    assert linkvault.check(path).findings == []


def test_a_typed_source_list_in_a_text_box_gives_each_entry_once(tmp_path):
    path = build_docx(
        tmp_path / "report.docx",
        paragraphs=[
            "Journalists were fined[1] and a site was blocked[2].",
            [TextBox(["Sources", "[1] https://vlast.kz/novosti/12345.html", "[2] https://orda.kz/blocked-2/"])],
        ],
    )
    result = linkvault.check(path)

    assert [(e.label, e.urls) for e in result.report.entries] == [("1", ("https://vlast.kz/novosti/12345.html",)),
                                                                  ("2", ("https://orda.kz/blocked-2/",))]
    assert result.findings == []
