"""Property tests: the parsers never crash on arbitrary text, and never contradict themselves."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from w3lib.url import canonicalize_url

from linkvault.findings import check_report
from linkvault.parsing import parse_text
from linkvault.parsing.dates import _years_written
from linkvault.parsing.url_keys import _CANONICAL

# Text made of the pieces reports are made of, so the parser's branches are really exercised.
pieces = st.sampled_from([
    "[1]", "[2]", "[3, 4]", "[5–7]", "[12]", "[^a]", "[^1]: ", "\n", "\n\n", " ", "1. ", "2) ", "[1]: ",
    "https://rus.azattyq.org/a/1.html", "https://a.kz/x?p[1]=2", "www.kaztag.kz/ru", "htps://x", "Notes\n",
    "Примечания\n", "April 1, Astana, ", "журналист", "(", ")", "»", ".", "-\n", "<p>", "</p>", "<sup>3</sup>",
    '<a href="#_ftn1" name="_ftnref1">[1]</a>', '<a href="#_ftnref1" name="_ftn1">[1]</a>', "<ol><li>", "</li></ol>",
])
report_text = st.one_of(st.text(max_size=400), st.lists(st.one_of(pieces, st.text(max_size=8)), max_size=80).map("".join))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(report_text, st.sampled_from(["txt", "md", "html"]))
def test_parser_never_crashes_and_never_reports_a_number_both_missing_and_present(text, fmt):
    report = parse_text(text, fmt)
    result = check_report(report)
    entries = {e.label for e in report.entries}
    cited = {c.label for c in report.citations}
    missing = {str(f.number) for f in result.findings if f.kind == "missing-footnote"}
    uncited = {str(f.number) for f in result.findings if f.kind == "uncited-footnote"}
    assert missing <= cited
    assert not (missing & uncited)
    for f in result.findings:
        if f.kind == "missing-footnote" and "empty" not in f.message:
            assert str(f.number) not in entries
    for note in report.footnotes:
        assert note.has_entry == (note.label in entries)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=60), min_size=1, max_size=30),
       st.lists(st.integers(min_value=1, max_value=60), max_size=30))
def test_missing_and_uncited_are_exactly_the_set_differences(cited, listed):
    body = " ".join(f"Claim {i}[{n}]." for i, n in enumerate(cited))
    notes = "".join(f"[{n}] https://example.kz/{n}\n" for n in sorted(set(listed)))
    result = check_report(parse_text(body + "\n\n" + notes))
    missing = {f.number for f in result.findings if f.kind == "missing-footnote"}
    uncited = {f.number for f in result.findings if f.kind == "uncited-footnote"}
    assert missing == set(cited) - set(listed)
    assert uncited == set(listed) - set(cited)


# Years as reports write them, glued to letters, digits and underscores in every script.
year_text = st.lists(st.one_of(st.sampled_from(["2024", "2019", "2049", "2050", "1999", "20", "202", "20245", "_", "x",
                                                "ж", "٣", "²", " ", ".", "-", "/", "\n", "«", "г."]),
                               st.text(max_size=4)), max_size=40).map("".join)


@settings(max_examples=500, deadline=None)
@given(year_text)
def test_the_years_a_report_writes_are_exactly_what_a_word_bounded_year_pattern_finds(text):
    """The report's year is voted from its written years: read by a search for "20" with the leading word
    boundary checked by hand, they are the very matches of `\\b(20[0-4]\\d)\\b`, in order."""
    assert _years_written(text) == [int(y) for y in re.findall(r"\b(20[0-4]\d)\b", text)]


@settings(max_examples=1000, deadline=None)
@given(st.from_regex(_CANONICAL, fullmatch=True))
def test_a_comparison_key_returned_without_w3lib_is_already_in_w3libs_canonical_form(key):
    """comparison_key returns a key of plain host and path as it is: w3lib would give back the very same string."""
    assert canonicalize_url(key) == key
