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
    assert not result.findings


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
