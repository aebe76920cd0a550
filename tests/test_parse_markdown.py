"""Markdown footnotes: `[^N]` markers and `[^label]:` definitions."""

from __future__ import annotations

import linkvault

REPORT = """# April 2024 chronicle

April 1, Astana, journalist Adilbekov D. was arrested[^1]. The police confirmed it[^police].
See also [the monitoring](https://adilsoz.kz/monitoring)[^2].

```
code blocks cite nothing[^9]
```

Inline `[^8]` code cites nothing either.

[^1]: KazTAG, [the police statement](https://kaztag.kz/ru/news/politsiya-podtverdila-arest)
[^police]: <https://rus.azattyq.org/a/32887882.html>
[^2]: Adil Soz weekly review,
    continued on a second line: https://adilsoz.kz/weekly-monitoring/s-4-po-11-aprelya.html
"""


def test_markdown_footnotes_with_word_labels_are_read(write):
    report = linkvault.parse_report(write("r.md", REPORT))
    notes = {n.label: n for n in report.footnotes}
    assert report.format == "md"
    assert set(notes) == {"1", "police", "2"}
    assert notes["1"].number == 1 and notes["police"].number == "police"
    assert notes["1"].urls == ("https://kaztag.kz/ru/news/politsiya-podtverdila-arest",)
    assert notes["police"].urls == ("https://rus.azattyq.org/a/32887882.html",)
    assert notes["2"].urls == ("https://adilsoz.kz/weekly-monitoring/s-4-po-11-aprelya.html",)
    assert notes["1"].cited_at == (3,) and notes["2"].cited_at == (4,)


def test_markdown_code_cites_nothing(write):
    result = linkvault.check(write("r.md", REPORT))
    assert not [f for f in result.findings if f.kind == "missing-footnote"]
    # the one finding is the date rule's, as in plain text: the entry of April 1 cites the review of 4–11 April
    assert [(f.kind, f.number, f.message) for f in result.findings] == [
        ("entry-date", 2, "[2] is an entry of 1 April 2024 but cites a period ending 11 April 2024")]


def test_markdown_missing_and_uncited_definitions_are_found(write):
    text = "Claim one[^1]. Claim two[^2].\n\n[^1]: https://a.kz/1\n[^3]: https://a.kz/3\n"
    result = linkvault.check(write("r.md", text))
    kinds = {(f.kind, f.number) for f in result.findings}
    assert ("missing-footnote", 2) in kinds
    assert ("uncited-footnote", 3) in kinds


def test_markdown_file_in_plain_bracket_style_is_read_like_text(write):
    text = "Claim[1].\n\n[1] https://a.kz/1\n"
    report = linkvault.parse_report(write("r.md", text))
    assert report.format == "md"
    assert report.footnotes[0].urls == ("https://a.kz/1",)


def test_markdown_is_sniffed_from_content_without_an_extension(write):
    report = linkvault.parse_report(write("report", "Claim[^a].\n\n[^a]: https://a.kz/1\n"))
    assert report.format == "md"


# -- what pandoc and markdown-it read that a plain [^N] reader misses -------------------------


def test_inline_note_alone_is_a_footnote_with_its_url(write):
    report = linkvault.parse_report(write("r.md", "Aid was blocked on 3 May.^[Report: https://example.org/r]\n"))
    (note,) = report.footnotes
    assert note.label == "1" and note.urls == ("https://example.org/r",) and note.cited_at == (1,)
    assert note.text == "Report: https://example.org/r"


MIXED = """Police detained three reporters.[^arrest] Aid was blocked on 3 May.^[UN OCHA, [flash
update](https://example.org/ocha/flash-3) of 4 May, with `]` in code.] The court fined them.[^court]

[^arrest]: https://example.org/arrest
[^court]: https://example.org/court
"""


def test_inline_and_labelled_notes_are_numbered_in_order_of_appearance_like_pandoc(write):
    report = linkvault.parse_report(write("r.md", MIXED))
    assert [(n.label, n.urls, n.cited_at) for n in report.footnotes] == [
        ("1", ("https://example.org/arrest",), (1,)),
        ("2", ("https://example.org/ocha/flash-3",), (1,)),
        ("3", ("https://example.org/court",), (2,)),
    ]
    assert not linkvault.check(write("r2.md", MIXED)).findings


def test_caret_bracket_that_never_closes_is_text(write):
    report = linkvault.parse_report(write("r.md", "Exponent x^[2 is odd[^1].\n\n[^1]: https://example.org/1\n"))
    assert [n.label for n in report.footnotes] == ["1"]


def test_txt_file_with_markdown_footnote_definitions_is_read_as_markdown(write):
    text = "Journalist detained[^1], later released[^2].\n\n[^1]: https://example.org/detained\n[^2]: https://example.org/released\n"
    report = linkvault.parse_report(write("chronicle.txt", text))
    assert report.format == "md"
    assert [(n.label, n.urls) for n in report.footnotes] == [
        ("1", ("https://example.org/detained",)), ("2", ("https://example.org/released",))]


def test_image_in_a_note_is_not_a_cited_source(write):
    text = "Prices rose[^1].\n\n[^1]: Statistics office, ![chart](/img/c.png) https://example.org/stats\n"
    result = linkvault.check(write("r.md", text))
    assert result.report.footnotes[0].urls == ("https://example.org/stats",)
    assert not result.findings


def test_linked_image_counts_its_link_not_its_picture(write):
    text = "Prices rose[^1].\n\n[^1]: [![chart](https://img.example/c.png)](https://example.org/stats)\n"
    assert linkvault.parse_report(write("r.md", text)).footnotes[0].urls == ("https://example.org/stats",)


def test_fenced_block_inside_an_indented_note_keeps_the_rest_of_the_note(write):
    text = """Claim[^1]. Other claim[^2].

[^1]: The query we ran:

    ~~~
    ```
    ~~~

    Source: https://example.org/source

[^2]: https://example.org/two
"""
    notes = linkvault.parse_report(write("r.md", text)).footnotes
    assert [(n.label, n.urls) for n in notes] == [("1", ("https://example.org/source",)), ("2", ("https://example.org/two",))]


def test_unclosed_fence_in_a_note_ends_with_the_note(write):
    text = "Claim[^1]. Other claim[^2].\n\n[^1]: Code:\n\n    ```\n    x = 1\n\nMore text cites[^2].\n\n[^2]: https://example.org/two\n"
    notes = linkvault.parse_report(write("r.md", text)).footnotes
    assert [(n.label, n.cited_at) for n in notes] == [("1", (1,)), ("2", (1, 8))]


def test_markers_in_an_indented_code_block_are_not_citations(write):
    text = "Write a footnote like this[^1]:\n\n    Claim[^2].\n\n    [^2]: https://example.org/example\n\n" \
           "[^1]: https://example.org/guide\n"
    result = linkvault.check(write("r.md", text))
    assert [n.label for n in result.report.footnotes] == ["1"]
    assert not [f for f in result.findings if f.kind == "missing-footnote"]


def test_indented_paragraph_of_a_list_item_still_cites(write):
    text = "- a list item[^1]\n\n    continued in the list[^2]\n\n[^1]: https://example.org/1\n[^2]: https://example.org/2\n"
    notes = linkvault.parse_report(write("r.md", text)).footnotes
    assert [(n.label, n.cited_at) for n in notes] == [("1", (1,)), ("2", (3,))]


def test_definition_inside_a_blockquote_is_seen(write):
    text = "> A quoted claim.[^q]\n>\n> [^q]: https://example.org/quoted\n"
    result = linkvault.check(write("r.md", text))
    assert [(n.label, n.urls) for n in result.report.footnotes] == [("q", ("https://example.org/quoted",))]
    assert not result.findings


def test_link_whose_text_is_a_superscript_is_not_a_marker(write):
    text = "See [^\\[link\\]^](#ref) above, and the claim[^1].\n\n[^1]: https://example.org/1\n"
    result = linkvault.check(write("r.md", text))
    assert [n.label for n in result.report.footnotes] == ["1"]
    assert not result.findings


def test_fenced_block_inside_a_list_item_cites_nothing(write):
    text = "- Run the check[^1]:\n\n    ```\n    claim[^2]\n    ```\n\n[^1]: https://example.org/1\n"
    result = linkvault.check(write("r.md", text))
    assert [n.label for n in result.report.footnotes] == ["1"] and not result.findings
