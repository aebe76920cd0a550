"""HTML reports as real exporters write them: Word, WordPress, python-markdown, pandoc, hand-made pages."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import linkvault
from linkvault import parse_report
from linkvault.cli import cli


def write(tmp_path, html: str, name: str = "report.html", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(html.encode(encoding))
    return path


def line_of(html: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the `occurrence`-th line of `html` that contains `needle`."""
    hits = [n for n, text in enumerate(html.split("\n"), start=1) if needle in text]
    return hits[occurrence - 1]


def labels(items) -> list[str]:
    return [item.label for item in items]


def kinds(result) -> set[tuple[str, object]]:
    return {(f.kind, f.number) for f in result.findings}


# -- Word "Save as Web Page" ---------------------------------------------------------------------

WORD_HEAD = """<html xmlns:v="urn:schemas-microsoft-com:vml"
xmlns:o="urn:schemas-microsoft-com:office:office"
xmlns:w="urn:schemas-microsoft-com:office:word"
xmlns="http://www.w3.org/TR/REC-html40">
<head>
<meta http-equiv=Content-Type content="text/html; charset=utf-8">
<meta name=Generator content="Microsoft Word 15 (filtered)">
<style>
<!-- p.MsoFootnoteText {margin:0cm; font-size:10.0pt;} -->
</style>
</head>
<body lang=RU style='tab-interval:35.4pt'>
<div class=WordSection1>
"""


def word_ref(n: int, kind: str = "ftn", label: str | None = None) -> str:
    """A body marker as Word writes it, conditional comments and nested spans included."""
    cls = "MsoFootnoteReference" if kind == "ftn" else "MsoEndnoteReference"
    return (f"<a style='mso-{'footnote' if kind == 'ftn' else 'endnote'}-id:{kind}{n}' href=\"#_{kind}{n}\" "
            f"name=\"_{kind}ref{n}\" title=\"\"><span class={cls}><span style='mso-special-character:footnote'>"
            f"<![if !supportFootnotes]><span class={cls}><span style='font-size:11.0pt'>[{label or n}]</span></span>"
            f"<![endif]></span></span></a>")


def word_note(n: int, body: str, kind: str = "ftn", label: str | None = None) -> str:
    cls = "MsoFootnoteReference" if kind == "ftn" else "MsoEndnoteReference"
    element = "footnote" if kind == "ftn" else "endnote"
    return (f"<div style='mso-element:{element}' id={kind}{n}>\n"
            f"<p class=Mso{element.capitalize()}Text><a style='mso-{element}-id:{kind}{n}' href=\"#_{kind}ref{n}\" "
            f"name=\"_{kind}{n}\" title=\"\"><span class={cls}><span class={cls}>[{label or n}]</span></span></a> {body}</p>\n"
            "</div>\n")


WORD_EXPORT = (
    WORD_HEAD
    + f"<p class=MsoNormal>Journalists were detained near the court in Almaty.{word_ref(1)} The court\n"
    + f"fined each of them 100 MCI.{word_ref(2)}</p>\n"
    + "<p class=MsoNormal>The appeal was rejected in May."
    + word_ref(1, "edn", "i")
    + "</p>\n"
    + "</div>\n"
    + "<div style='mso-element:footnote-list'><![if !supportFootnotes]><br clear=all>\n"
    + "<hr align=left size=1 width=\"33%\">\n<![endif]>\n"
    + word_note(1, 'Azattyq, 12 April: <a href="https://rus.azattyq.org/a/32887882.html">Azattyq article</a>')
    + word_note(2, 'Court ruling, <a href="https://sud.gov.kz/rus/news/678">sud.gov.kz</a>.')
    + "</div>\n"
    + "<div style='mso-element:endnote-list'><![if !supportEndnotes]><br clear=all>\n"
    + "<hr align=left size=1 width=\"33%\">\n<![endif]>\n"
    + word_note(1, 'Appeal decision: <a href="https://vlast.kz/novosti/55555.html">Vlast</a>', "edn", "i")
    + "</div>\n</body>\n</html>\n"
)


def test_word_export_footnotes_and_endnotes_keep_word_labels(tmp_path):
    report = parse_report(write(tmp_path, WORD_EXPORT))

    assert report.format == "html"
    assert labels(report.citations) == ["1", "2", "i"]
    assert labels(report.entries) == ["1", "2", "i"]


def test_word_export_entry_url_is_the_href_even_when_text_is_not_a_url(tmp_path):
    report = parse_report(write(tmp_path, WORD_EXPORT))
    by_label = {e.label: e for e in report.entries}

    assert by_label["1"].urls == ("https://rus.azattyq.org/a/32887882.html",)
    assert by_label["1"].text == "Azattyq, 12 April: Azattyq article"
    assert by_label["2"].urls == ("https://sud.gov.kz/rus/news/678",)
    assert by_label["i"].urls == ("https://vlast.kz/novosti/55555.html",)


def test_word_export_citation_lines_are_lines_of_the_file(tmp_path):
    report = parse_report(write(tmp_path, WORD_EXPORT))
    lines = {c.label: c.line for c in report.citations}

    assert lines["1"] == line_of(WORD_EXPORT, 'href="#_ftn1"')
    assert lines["2"] == line_of(WORD_EXPORT, 'href="#_ftn2"')
    assert lines["i"] == line_of(WORD_EXPORT, 'href="#_edn1"')
    assert lines["1"] != lines["2"]  # the paragraph is wrapped over two lines, as Word does
    assert {e.label: e.line for e in report.entries}["2"] == line_of(WORD_EXPORT, "id=ftn2")


def test_word_export_backlinks_are_not_citations(tmp_path):
    report = parse_report(write(tmp_path, WORD_EXPORT))
    notes_start = line_of(WORD_EXPORT, "mso-element:footnote-list")

    assert len(report.citations) == 3
    assert all(c.line < notes_start for c in report.citations)
    assert all("[" not in e.text for e in report.entries)
    assert linkvault.check(write(tmp_path, WORD_EXPORT)).findings == []


def test_word_export_marker_whose_note_is_gone_is_a_missing_footnote(tmp_path):
    html = WORD_EXPORT.replace(word_note(2, 'Court ruling, <a href="https://sud.gov.kz/rus/news/678">sud.gov.kz</a>.'), "")
    result = linkvault.check(write(tmp_path, html))

    assert labels(result.report.citations) == ["1", "2", "i"]
    assert ("missing-footnote", 2) in kinds(result)
    missing = next(f for f in result.findings if f.kind == "missing-footnote")
    assert missing.line == line_of(html, 'href="#_ftn2"')


def test_word_export_note_nobody_cites_is_an_uncited_footnote(tmp_path):
    html = WORD_EXPORT.replace(
        "</div>\n<div style='mso-element:endnote-list'>",
        word_note(3, 'Earlier case: <a href="https://example.org/case-3">case</a>') + "</div>\n<div style='mso-element:endnote-list'>",
    )
    result = linkvault.check(write(tmp_path, html))

    assert "3" in labels(result.report.entries)
    assert "3" not in labels(result.report.citations)
    assert {(f.kind, f.number, f.line) for f in result.findings} == {
        ("uncited-footnote", 3, line_of(html, "id=ftn3"))
    }


def test_word_export_with_a_vertical_tab_after_the_backlink_is_read(tmp_path):
    html = WORD_EXPORT.replace("</span></span></a> Azattyq, 12 April", "</span></span></a>\x0bAzattyq, 12 April")
    report = parse_report(write(tmp_path, html))

    assert report.entries[0].text == "Azattyq, 12 April: Azattyq article"


def test_word_export_link_showing_its_own_address_gives_one_url(tmp_path):
    html = WORD_EXPORT.replace(
        '<a href="https://sud.gov.kz/rus/news/678">sud.gov.kz</a>',
        '<a href="http://www.zakon.kz/4123456-sud.html">www.zakon.kz/4123456-sud.html</a>',
    )
    entry = {e.label: e for e in parse_report(write(tmp_path, html)).entries}["2"]

    assert entry.urls == ("http://www.zakon.kz/4123456-sud.html",)


def test_href_wrapped_over_two_lines_is_one_url(tmp_path):
    html = WORD_EXPORT.replace(
        'href="https://rus.azattyq.org/a/32887882.html"',
        'href="https://rus.azattyq.org/a/\n32887882.html"',
    )
    entry = parse_report(write(tmp_path, html)).entries[0]

    assert entry.urls == ("https://rus.azattyq.org/a/32887882.html",)


# -- WordPress core footnotes block --------------------------------------------------------------

UUID1 = "8e3a4b2c-1111-4c5e-9a0b-0a1b2c3d4e5f"
UUID2 = "5f4e3d2c-2222-4c5e-9a0b-0a1b2c3d4e5f"
UUID3 = "0c0c0c0c-3333-4c5e-9a0b-0a1b2c3d4e5f"


def wp_marker(uuid: str, n: int) -> str:
    return f'<sup data-fn="{uuid}" class="fn"><a href="#{uuid}" id="{uuid}-link">{n}</a></sup>'


def wp_note(uuid: str, body: str) -> str:
    return f'<li id="{uuid}">{body} <a href="#{uuid}-link" aria-label="Jump to footnote reference">↩︎</a></li>\n'


WORDPRESS = f"""<!DOCTYPE html>
<html lang="ru-RU">
<head><meta charset="UTF-8"><title>Хроника: апрель</title></head>
<body class="post-template-default single single-post">
<article class="post type-post">
<div class="entry-content">
<p>Police detained six activists in Astana.{wp_marker(UUID1, 1)}</p>
<p>Two of them were sentenced to 15 days.{wp_marker(UUID2, 2)}</p>
<ol class="wp-block-footnotes">
{wp_note(UUID1, 'Vlast.kz, <a href="https://vlast.kz/novosti/12345.html">report of 3 April</a>')}{wp_note(UUID2, 'Court press service, <a href="https://sud.gov.kz/rus/news/678">sud.gov.kz</a>')}</ol>
</div>
</article>
</body>
</html>
"""


def test_wordpress_footnotes_block_gives_labels_urls_and_lines(tmp_path):
    report = parse_report(write(tmp_path, WORDPRESS))

    assert [(c.label, c.line) for c in report.citations] == [
        ("1", line_of(WORDPRESS, f"{UUID1}-link\">1")),
        ("2", line_of(WORDPRESS, f"{UUID2}-link\">2")),
    ]
    assert [(e.label, e.urls) for e in report.entries] == [
        ("1", ("https://vlast.kz/novosti/12345.html",)),
        ("2", ("https://sud.gov.kz/rus/news/678",)),
    ]
    assert report.entries[1].line == line_of(WORDPRESS, f'<li id="{UUID2}"')


def test_wordpress_return_arrows_are_neither_citations_nor_entry_text(tmp_path):
    report = parse_report(write(tmp_path, WORDPRESS))

    assert len(report.citations) == 2
    assert report.entries[0].text == "Vlast.kz, report of 3 April"
    assert not any("↩" in e.text for e in report.entries)


def test_note_text_starting_with_a_date_keeps_its_digits(tmp_path):
    html = WORDPRESS.replace("Vlast.kz, <a", "12 April, Vlast.kz, <a")
    entry = parse_report(write(tmp_path, html)).entries[0]

    assert entry.label == "1"
    assert entry.text == "12 April, Vlast.kz, report of 3 April"


def test_wordpress_note_whose_marker_was_deleted_is_uncited_with_its_list_number(tmp_path):
    html = WORDPRESS.replace("</ol>", wp_note(UUID3, '<a href="https://orda.kz/x-123/">Orda</a>') + "</ol>")
    result = linkvault.check(write(tmp_path, html))

    assert labels(result.report.entries) == ["1", "2", "3"]
    assert kinds(result) == {("uncited-footnote", 3)}


# -- python-markdown and pandoc ------------------------------------------------------------------

PYTHON_MARKDOWN = """<h1>Freedom of assembly: April</h1>
<p>On 3 April police dispersed a picket.<sup id="fnref:1"><a class="footnote-ref" href="#fn:1">1</a></sup>
Organisers were fined.<sup id="fnref:2"><a class="footnote-ref" href="#fn:2">2</a></sup></p>
<p>The same officers were seen again in May.<sup id="fnref2:1"><a class="footnote-ref" href="#fn:1">1</a></sup></p>
<div class="footnote">
<hr />
<ol>
<li id="fn:1">
<p>Kursiv, <a href="https://kursiv.media/2024/04/03/picket/">report</a>&#160;<a class="footnote-backref" href="#fnref:1" title="Jump back to footnote 1 in the text">&#8617;</a><a class="footnote-backref" href="#fnref2:1" title="Jump back to footnote 1 in the text">&#8617;</a></p>
</li>
<li id="fn:2">
<p>Court record, see https://orda.kz/fines-1234/ for the scan.&#160;<a class="footnote-backref" href="#fnref:2" title="Jump back to footnote 2 in the text">&#8617;</a></p>
</li>
</ol>
</div>
"""


def test_python_markdown_footnote_cited_twice_has_two_citations_and_one_entry(tmp_path):
    report = parse_report(write(tmp_path, PYTHON_MARKDOWN))

    assert [(c.label, c.line) for c in report.citations] == [
        ("1", line_of(PYTHON_MARKDOWN, 'href="#fn:1"')),
        ("2", line_of(PYTHON_MARKDOWN, 'href="#fn:2"')),
        ("1", line_of(PYTHON_MARKDOWN, 'href="#fn:1"', 2)),
    ]
    assert labels(report.entries) == ["1", "2"]
    assert report.footnotes[0].cited_at == (
        line_of(PYTHON_MARKDOWN, 'href="#fn:1"'),
        line_of(PYTHON_MARKDOWN, 'href="#fn:1"', 2),
    )


def test_python_markdown_address_typed_in_note_text_is_a_url(tmp_path):
    entries = parse_report(write(tmp_path, PYTHON_MARKDOWN)).entries

    assert entries[0].urls == ("https://kursiv.media/2024/04/03/picket/",)
    assert entries[1].urls == ("https://orda.kz/fines-1234/",)
    assert entries[1].text == "Court record, see https://orda.kz/fines-1234/ for the scan."


def test_python_markdown_marker_without_its_list_item_is_a_missing_footnote(tmp_path):
    html = PYTHON_MARKDOWN.replace(
        "</p>\n<div",
        ' Again.<sup id="fnref:3"><a class="footnote-ref" href="#fn:3">3</a></sup></p>\n<div',
    )
    result = linkvault.check(write(tmp_path, html))

    assert labels(result.report.citations) == ["1", "2", "1", "3"]
    assert kinds(result) == {("missing-footnote", 3)}


PANDOC = """<p>Claim one.<a href="#fn1" class="footnote-ref" id="fnref1" role="doc-noteref"><sup>1</sup></a>
Claim two.<a href="#fn2" class="footnote-ref" id="fnref2" role="doc-noteref"><sup>2</sup></a></p>
<section id="footnotes" class="footnotes footnotes-end-of-document" role="doc-endnotes">
<hr />
<ol>
<li id="fn1"><p>Source <a href="https://example.com/a" class="uri">https://example.com/a</a><a href="#fnref1" class="footnote-back" role="doc-backlink">↩︎</a></p></li>
<li id="fn2"><p>Other source, <a href="https://example.com/b">b</a><a href="#fnref2" class="footnote-back" role="doc-backlink">↩︎</a></p></li>
</ol>
</section>
"""


def test_pandoc_footnotes_with_sup_inside_the_link(tmp_path):
    report = parse_report(write(tmp_path, PANDOC))

    assert [(c.label, c.line) for c in report.citations] == [("1", 1), ("2", 2)]
    assert [(e.label, e.line, e.urls) for e in report.entries] == [
        ("1", 6, ("https://example.com/a",)),
        ("2", 7, ("https://example.com/b",)),
    ]
    assert report.entries[1].text == "Other source, b"


# -- unlinked markers and hand-typed lists -------------------------------------------------------

UNLINKED_SUP = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Report</title></head>
<body>
<h1>Freedom of expression in 2024</h1>
<p>A blogger was detained in Shymkent.<sup>1</sup> His phone was seized.<sup>2</sup></p>
<p>He was released on bail.<sup>3</sup></p>
<h2>Notes</h2>
<ol>
<li>Radio Azattyq, <a href="https://rus.azattyq.org/a/1.html">report</a></li>
<li>https://orda.kz/blogger-2/</li>
<li>Interview with the lawyer, 5 May 2024.</li>
</ol>
</body></html>
"""


def test_unlinked_sup_markers_and_list_after_notes_heading(tmp_path):
    result = linkvault.check(write(tmp_path, UNLINKED_SUP))
    report = result.report

    assert [(c.label, c.line) for c in report.citations] == [
        ("1", line_of(UNLINKED_SUP, "Shymkent")),
        ("2", line_of(UNLINKED_SUP, "Shymkent")),
        ("3", line_of(UNLINKED_SUP, "bail")),
    ]
    assert [(e.label, e.urls) for e in report.entries] == [
        ("1", ("https://rus.azattyq.org/a/1.html",)),
        ("2", ("https://orda.kz/blogger-2/",)),
        ("3", ()),
    ]
    assert report.entries[2].line == line_of(UNLINKED_SUP, "Interview")
    assert kinds(result) == {("no-url", 3)}


UNLINKED_RU = """<html><head><meta charset="utf-8"></head><body>
<p>Активиста задержали у акимата.<sup>5</sup></p>
<p>Суд назначил арест на 10 суток.<sup>6</sup> Апелляцию отклонили.<sup>7</sup></p>
<h3>Примечания</h3>
<ol start="5">
<li>Vlast.kz, <a href="https://vlast.kz/novosti/5.html">статья</a></li>
<li><a href="https://sud.gov.kz/rus/news/6">Решение суда</a></li>
</ol>
</body></html>
"""


def test_ol_start_numbers_the_notes_after_russian_heading(tmp_path):
    result = linkvault.check(write(tmp_path, UNLINKED_RU))

    assert labels(result.report.citations) == ["5", "6", "7"]
    assert [(e.label, e.urls) for e in result.report.entries] == [
        ("5", ("https://vlast.kz/novosti/5.html",)),
        ("6", ("https://sud.gov.kz/rus/news/6",)),
    ]
    assert ("missing-footnote", 7) in kinds(result)
    assert not any(f.kind == "uncited-footnote" for f in result.findings)


BRACKETS = """<html><body>
<p>The police detained him [1]. He was released two days later [2].</p>
<p>Later the court fined him [3].</p>
<p>[1] <a href="https://rus.azattyq.org/a/111.html">Radio Azattyq report</a></p>
<p>[2] <a href="https://orda.kz/released/">https://orda.kz/released/</a></p>
<p>[3] Court record, no link</p>
</body></html>
"""


def test_bracket_markers_and_bracket_entries_in_paragraphs(tmp_path):
    result = linkvault.check(write(tmp_path, BRACKETS))
    report = result.report

    assert [(c.label, c.line) for c in report.citations] == [("1", 2), ("2", 2), ("3", 3)]
    assert [(e.label, e.line, e.urls) for e in report.entries] == [
        ("1", 4, ("https://rus.azattyq.org/a/111.html",)),
        ("2", 5, ("https://orda.kz/released/",)),
        ("3", 6, ()),
    ]
    assert kinds(result) == {("no-url", 3)}


def test_typed_entry_whose_link_text_shows_the_address_gives_one_url(tmp_path):
    html = BRACKETS.replace(
        '<a href="https://orda.kz/released/">https://orda.kz/released/</a>',
        '<a href="http://www.orda.kz/released/">www.orda.kz/released/</a>',
    )
    entry = parse_report(write(tmp_path, html)).entries[1]

    assert (entry.label, entry.urls) == ("2", ("http://www.orda.kz/released/",))


def test_notes_table_rows_are_entries(tmp_path):
    html = """<html><body>
<p>Claim.<sup>1</sup> More.<sup>2</sup></p>
<h2>Sources</h2>
<table><tbody>
<tr><td>[1]</td><td>Report <a href="https://example.org/one">one</a></td></tr>
<tr><td>[2]</td><td><a href="https://example.org/two">two</a></td></tr>
</tbody></table>
</body></html>
"""
    report = parse_report(write(tmp_path, html))

    assert [(e.label, e.line, e.urls) for e in report.entries] == [
        ("1", 5, ("https://example.org/one",)),
        ("2", 6, ("https://example.org/two",)),
    ]


def test_notes_container_without_backlinks_gives_one_entry_per_note(tmp_path):
    html = """<html><body>
<p>Claim<sup><a href="#fn1">1</a></sup> and another<sup><a href="#fn2">2</a></sup>.</p>
<div id="footnotes" class="footnote">
<p><a name="fn1"></a>1. Source <a href="https://example.org/1">one</a></p>
<p><a name="fn2"></a>2. Source <a href="https://example.org/2">two</a></p>
</div>
</body></html>
"""
    result = linkvault.check(write(tmp_path, html))

    assert [(e.label, e.line, e.text, e.urls) for e in result.report.entries] == [
        ("1", 4, "Source one", ("https://example.org/1",)),
        ("2", 5, "Source two", ("https://example.org/2",)),
    ]
    assert result.findings == []


# -- page chrome and tables of contents ----------------------------------------------------------

CHROME = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"><title>Annual report</title>
<script>var notes = "[1] [2] [9]"; document.write("<a href='#fn9'>9</a>");</script>
</head>
<body>
<a class="skip-link screen-reader-text" href="#content">Skip to content</a>
<header class="site-header"><a href="https://example.org/">Home</a></header>
<nav class="main-navigation"><ul>
<li><a href="https://example.org/about">About</a></li>
<li><a href="https://example.org/reports">Reports</a></li>
</ul></nav>
<main id="content">
<p>Peaceful protesters were detained.<sup>1</sup></p>
<script>window.adSlots = ["[7]"];</script>
<p>Their lawyer was not admitted.<sup>2</sup></p>
<div class="share-buttons"><a href="https://www.facebook.com/sharer/sharer.php?u=https%3A%2F%2Fexample.org%2Freport">Share</a><sup class="count">12</sup>
<a href="https://twitter.com/intent/tweet?url=https%3A%2F%2Fexample.org%2Freport">Tweet</a></div>
<h2>Sources</h2>
<ol>
<li><a href="https://kaztag.kz/ru/news/1">KazTAG</a></li>
<li><a href="https://kaztag.kz/ru/news/2">KazTAG</a></li>
</ol>
</main>
<nav class="footer-menu"><ol>
<li><a href="https://example.org/contacts">Contacts</a></li>
<li><a href="https://example.org/donate">Donate</a></li>
</ol></nav>
<footer class="site-footer"><p>© 2024 Example</p></footer>
<script>console.log("[3]");</script>
</body>
</html>
"""


def test_page_chrome_gives_no_citations_and_no_sources(tmp_path):
    result = linkvault.check(write(tmp_path, CHROME))
    report = result.report

    assert [(c.label, c.line) for c in report.citations] == [
        ("1", line_of(CHROME, "protesters")),
        ("2", line_of(CHROME, "lawyer")),
    ]
    assert [e.urls for e in report.entries] == [("https://kaztag.kz/ru/news/1",), ("https://kaztag.kz/ru/news/2",)]
    assert result.findings == []


def test_share_class_on_the_content_wrapper_does_not_drop_the_report(tmp_path):
    html = """<html><body>
<div class="entry-content sharing-enabled">
<p>Claim.<sup>1</sup></p>
<h2>Notes</h2>
<ol><li><a href="https://example.org/1">one</a></li></ol>
</div>
</body></html>
"""
    report = parse_report(write(tmp_path, html))

    assert labels(report.citations) == ["1"]
    assert [e.urls for e in report.entries] == [("https://example.org/1",)]


def test_form_wrapping_the_whole_page_does_not_drop_the_report(tmp_path):
    html = """<html><body><form id="form1" method="post" action="./Report.aspx">
<div class="content">
<p>Claim.<sup>1</sup></p>
<p>Another.<sup>2</sup></p>
<h2>Notes</h2>
<ol><li><a href="https://example.org/1">one</a></li><li><a href="https://example.org/2">two</a></li></ol>
</div></form></body></html>
"""
    report = parse_report(write(tmp_path, html))

    assert [(c.label, c.line) for c in report.citations] == [("1", 3), ("2", 4)]
    assert labels(report.entries) == ["1", "2"]


@pytest.mark.parametrize("section_id", ["section2", "refugees", "note-on-methods"])
def test_table_of_contents_number_links_are_not_footnotes(tmp_path, section_id):
    html = f"""<html><body>
<ol class="toc"><li><a href="#section1">1</a></li><li><a href="#{section_id}">2</a></li></ol>
<h2 id="section1">Detentions</h2>
<p>Many were detained.<sup>1</sup></p>
<h2 id="{section_id}">Refugees</h2>
<p>Others fled abroad.<sup>2</sup></p>
<h2>Notes</h2>
<ol>
<li>Report, <a href="https://example.org/r1">here</a></li>
<li>https://example.org/r2</li>
</ol>
</body></html>
"""
    result = linkvault.check(write(tmp_path, html))

    assert [(c.label, c.line) for c in result.report.citations] == [("1", 4), ("2", 6)]
    assert [e.urls for e in result.report.entries] == [("https://example.org/r1",), ("https://example.org/r2",)]
    assert result.findings == []


def test_table_of_contents_beside_linked_footnotes_is_not_cited(tmp_path):
    html = WORDPRESS.replace(
        '<div class="entry-content">',
        '<div class="entry-content">\n<ul class="toc"><li><a href="#part2">2</a></li></ul>\n<h2 id="part2">Part two</h2>',
    )
    report = parse_report(write(tmp_path, html))

    assert labels(report.citations) == ["1", "2"]
    assert all(c.line > line_of(html, 'id="part2"') for c in report.citations)


# -- encodings and line numbers -----------------------------------------------------------------

CP1251 = """<!DOCTYPE html>
<html lang="ru">
<head>
<meta charset="windows-1251">
<title>Доклад о свободе слова</title>
</head>
<body>
<p>Журналиста задержали у здания суда.<sup>1</sup></p>
<p>Суд оштрафовал его на сто МРП.<sup>2</sup></p>
<h2>Примечания</h2>
<ol>
<li>Радио Азаттык, «Журналист задержан», <a href="https://rus.azattyq.org/a/32887882.html">статья</a></li>
<li>Решение суда, https://sud.gov.kz/rus/news/678</li>
</ol>
</body>
</html>
"""


def test_windows_1251_page_keeps_cyrillic_entry_text(tmp_path):
    path = write(tmp_path, CP1251, encoding="cp1251")
    assert "Радио".encode("utf-8") not in path.read_bytes()  # really a cp1251 file

    report = parse_report(path)

    assert labels(report.citations) == ["1", "2"]
    assert report.entries[0].text.startswith("Радио Азаттык, «Журналист задержан», статья")
    assert report.entries[0].urls == ("https://rus.azattyq.org/a/32887882.html",)
    assert report.entries[1].text == "Решение суда, https://sud.gov.kz/rus/news/678"
    assert report.entries[1].line == 13


def test_xml_declaration_after_blank_lines_keeps_line_numbers(tmp_path):
    html = '\n\n<?xml version="1.0" encoding="utf-8"?>\n<html><body>\n<p>Claim [1].</p>\n<p>[1] <a href="https://example.org/x">x</a></p>\n</body></html>\n'
    report = parse_report(write(tmp_path, html, "report.xhtml"))

    assert [(c.label, c.line) for c in report.citations] == [("1", 5)]
    assert [(e.label, e.line) for e in report.entries] == [("1", 6)]



def test_html_file_holding_only_a_comment_has_no_footnotes_rather_than_being_unreadable(tmp_path):
    with pytest.raises(linkvault.NoFootnotes):
        parse_report(write(tmp_path, "<!-- exported draft, body not saved -->\n"))


SAVED_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><base href="https://rus.azattyq.org/ru/news/"></head>
<body><article>
<p>Журналиста оштрафовали.<sup><a href="#fn1" id="ref1">1</a></sup> Суд отказал.<sup><a href="#fn2" id="ref2">2</a></sup>
Сайт заблокировали.<sup><a href="#fn3" id="ref3">3</a></sup></p>
<ol class="footnotes">
<li id="fn1"><a href="/a/32887882.html">Азаттык</a> <a href="#ref1">↩</a></li>
<li id="fn2"><a href="32892183.html">Азаттык, второе</a> <a href="#ref2">↩</a></li>
<li id="fn3"><a href="//vlast.kz/novosti/59904.html">Власть</a> <a href="#ref3">↩</a></li>
</ol>
</article></body></html>
"""


def test_relative_links_are_resolved_against_the_pages_base(tmp_path):
    entries = parse_report(write(tmp_path, SAVED_PAGE)).entries

    assert [e.urls for e in entries] == [("https://rus.azattyq.org/a/32887882.html",),
                                         ("https://rus.azattyq.org/ru/news/32892183.html",),
                                         ("https://vlast.kz/novosti/59904.html",)]
    assert labels(entries) == ["1", "2", "3"]


def test_a_relative_link_with_no_base_is_named_as_such(tmp_path):
    result = linkvault.check(write(tmp_path, SAVED_PAGE.replace('<base href="https://rus.azattyq.org/ru/news/">', "")))

    invalid = {f.number: f.message for f in result.findings if f.kind == "invalid-url"}
    assert set(invalid) == {1, 2} and all("relative link" in m for m in invalid.values())
    assert result.report.entries[2].urls == ("https://vlast.kz/novosti/59904.html",)  # //host/… means the web


# -- what pandoc reads that a first guess gets wrong --------------------------------------------

NOTE_WITH_HEADING = """<html><body>
<p>Aid was blocked on 3 May.<sup class="footnote-ref"><a href="#fn1" id="fnref1">[1]</a></sup></p>
<hr class="footnotes-sep">
<section class="footnotes">
<ol class="footnotes-list">
<li id="fn1" class="footnote-item"><h4>OCHA flash update</h4>
<p>Published 4 May, <a href="https://example.org/ocha/3">read it</a>. <a href="#fnref1" class="footnote-backref">↩︎</a></p>
</li>
</ol>
</section>
</body></html>
"""


def test_note_holding_a_heading_is_a_note_not_a_table_of_contents_entry(tmp_path):
    result = linkvault.check(write(tmp_path, NOTE_WITH_HEADING))

    (note,) = result.report.footnotes
    assert note.urls == ("https://example.org/ocha/3",) and note.cited_at == (2,)
    assert result.findings == []


COMMENT_THREAD = """<!DOCTYPE html>
<html><body class="single single-post comments-open">
<article class="post">
<h1>Press freedom in April</h1>
<p>Two journalists were detained in Almaty and released the next day.</p>
<h2>Sources</h2>
<ol>
<li>Azattyq, <a href="https://example.org/azattyq/detained">Journalists detained</a></li>
<li>Adil Soz, https://example.org/adilsoz/april</li>
</ol>
</article>
<div id="comments">
<h3>3 Responses</h3>
<ol class="commentlist">
<li class="comment" id="comment-11"><div class="comment-author"><a href="https://reader.example/blog">Aigerim</a></div>
<p>Thank you for the report.</p>
<ol class="children">
<li class="comment" id="comment-12"><div class="comment-author">Editor</div><p>Thanks for reading.</p></li>
</ol>
</li>
<li class="comment" id="comment-13"><div class="comment-author">Daniyar</div><p>Is there a follow-up?</p></li>
</ol>
</div>
</body></html>
"""


def test_comment_thread_is_not_the_footnote_list_when_nothing_is_cited(tmp_path):
    result = linkvault.check(write(tmp_path, COMMENT_THREAD))

    assert [(e.label, e.urls) for e in result.report.entries] == [
        ("1", ("https://example.org/azattyq/detained",)), ("2", ("https://example.org/adilsoz/april",))]
    assert not [f for f in result.findings if f.kind == "duplicate-footnote"]


NESTED_STEPS = """<html><body>
<h1>Archiving a source</h1>
<ol>
<li>Open the page.
  <ol><li>Wait until it loads.</li><li>Scroll to the end.</li></ol></li>
<li>Save it.
  <ol><li>Choose "Web page, complete".</li></ol></li>
</ol>
<p>Further reading:</p>
<ol>
<li>Library of Congress, <a href="https://example.org/loc/web-archiving">Web archiving</a></li>
<li>ArchiveTeam, <a href="https://example.org/archiveteam/wiki">Wiki</a></li>
</ol>
</body></html>
"""


def test_nested_numbered_steps_are_not_footnotes_but_a_list_of_links_is(tmp_path):
    result = linkvault.check(write(tmp_path, NESTED_STEPS))

    assert [(e.label, e.urls) for e in result.report.entries] == [
        ("1", ("https://example.org/loc/web-archiving",)), ("2", ("https://example.org/archiveteam/wiki",))]
    assert not [f for f in result.findings if f.kind == "duplicate-footnote"]


def test_page_with_only_a_comment_thread_has_no_footnotes(tmp_path):
    html = COMMENT_THREAD.replace('<h2>Sources</h2>', '').replace(
        COMMENT_THREAD[COMMENT_THREAD.index("<ol>\n<li>Azattyq"):COMMENT_THREAD.index("</article>")], "")
    result = CliRunner().invoke(cli, ["check", str(write(tmp_path, html))])

    assert result.exit_code == 2
    assert "no footnotes found" in result.output


def legacy_page(depth: int) -> str:
    """A 2000s page whose author never closed a <font>: each paragraph opens another."""
    paragraphs = "".join(f'<font face="Verdana" size="2"><p>Entry {i} of the chronicle.' for i in range(depth))
    return f"""<html><body bgcolor="#ffffff">
<p>Journalist detained in Almaty.<sup>1</sup> Released the next day.<sup>2</sup></p>
{paragraphs}
<h2>Notes</h2>
<ol>
<li><a href="https://example.org/azattyq/detained">Azattyq</a></li>
<li><a href="https://example.org/adilsoz/released">Adil Soz</a></li>
</ol>
</body></html>
"""


def test_page_nested_deeper_than_255_elements_is_read_to_the_end(tmp_path):
    result = linkvault.check(write(tmp_path, legacy_page(300)))

    assert [(n.label, n.urls) for n in result.report.footnotes] == [
        ("1", ("https://example.org/azattyq/detained",)), ("2", ("https://example.org/adilsoz/released",))]
    assert result.findings == []


def test_page_nested_beyond_what_the_parser_can_hold_is_refused_not_cut(tmp_path):
    result = CliRunner().invoke(cli, ["check", str(write(tmp_path, legacy_page(1100)))])

    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "nested too deeply" in result.output


def test_html_report_over_the_size_limit_is_refused_in_one_line(tmp_path):
    filler = "<p>" + "x" * 998 + "</p>\n"
    html = "<html><body>" + filler * 50_001 + "</body></html>"
    result = CliRunner().invoke(cli, ["check", str(write(tmp_path, html))])

    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "too large for an HTML report" in result.output
