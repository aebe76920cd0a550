"""The real chronicle in examples/: the parser must be exact on it."""

from __future__ import annotations

import json

from conftest import EXAMPLE

import linkvault
from linkvault.cli import cli

MISSING = [10, 15, 21, 30, 32, 40, 45, 53, 56, 59, 82, 85, 94, 96, 99]


def test_example_has_100_citations_and_85_sourced_entries():
    report = linkvault.parse_report(EXAMPLE)
    notes = report.footnotes
    assert [n.number for n in notes] == list(range(1, 101))
    assert all(n.cited_at for n in notes)
    assert sum(1 for n in notes if n.urls) == 85
    assert report.format == "txt"


def test_example_reports_exactly_the_15_missing_footnotes_and_nothing_uncited():
    result = linkvault.check(EXAMPLE)
    missing = [f for f in result.findings if f.kind == "missing-footnote"]
    assert all(f.severity.value == "error" for f in missing)
    assert sorted(f.number for f in missing) == MISSING
    assert {f.kind for f in result.findings if f.severity.value == "error"} == {"missing-footnote", "wrong-link"}
    assert not [f for f in result.findings if f.kind == "uncited-footnote"]


def test_example_check_exits_1_and_lists_missing_in_json(runner):
    result = runner.invoke(cli, ["check", str(EXAMPLE), "--format", "json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["format"] == "txt"
    missing = [f["number"] for f in data["findings"] if f["kind"] == "missing-footnote"]
    assert sorted(missing) == MISSING
    first = data["footnotes"][0]
    assert first["number"] == 1 and first["label"] == "1"
    assert first["url"] == "https://kaztag.kz/ru/news/politsiya-podtverdila-arest-zhurnalista-daniyara-adilbekova-po-ugolovnomu-delu"
    assert first["cited_at"] == [4]
    assert first["line"] == 202


def test_example_missing_footnote_points_at_the_citing_line():
    result = linkvault.check(EXAMPLE)
    ten = next(f for f in result.findings if f.number == 10)
    line = EXAMPLE.read_text(encoding="utf-8").split("\n")[ten.line - 1]
    assert "[10]" in line


def test_example_flags_the_preview_link_and_tracking_parameters():
    result = linkvault.check(EXAMPLE)
    kinds = {(f.kind, f.number) for f in result.findings}
    assert ("draft-url", 27) in kinds
    assert {n for k, n in kinds if k == "tracking-parameters"} >= {12, 20, 22, 25, 33, 46, 73, 86}


def test_example_urls_are_kept_as_cited():
    notes = {n.number: n for n in linkvault.parse_report(EXAMPLE).footnotes}
    assert notes[25].urls == ("https://web.facebook.com/groups/ActivistsNotExtremists/posts/3789632944689294/?_rdc=1&_rdr",)
    assert notes[12].urls[0].endswith("?igsh=MWE1c29hZzdrOWhyNg%3D%3D")


def test_example_wrong_weekly_review_is_caught_offline_and_only_it():
    result = linkvault.check(EXAMPLE)
    [wrong] = [f for f in result.findings if f.kind == "wrong-link"]
    assert (wrong.number, wrong.line, wrong.severity.value) == (7, 16, "error")
    assert wrong.message == ("[7] cites 28 March – 4 April 2024; the linked page covers 7–14 March 2024 "
                             "(its address reads 's-7-po-14-marta-2024')")


def test_example_dates_that_only_look_odd_are_info():
    result = linkvault.check(EXAMPLE)
    info = {(f.kind, f.number) for f in result.findings if f.kind in ("entry-date", "source-date")}
    assert info == {("entry-date", 57), ("source-date", 38)}
