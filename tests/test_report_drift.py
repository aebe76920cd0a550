"""`report` and `show` after a `recheck`: each link's newest stored drift in every format of `report` (a passage gone
or a page replaced is an error finding, as in `verify`), and `show` listing a link's checks and its drift. On the
fake web of tests/drift_site.py: the sources fetched as they first stood, changed, then checked again."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from chromium import CHROMIUM, SKIP_REASON, dump_dom
from drift_site import EDITED, REPORT, SIDEBAR, first_routes, later_routes
from test_output_schema import errors

import linkvault
from linkvault.archive import FetchOptions
from linkvault.cli import cli


def fetched_then_rechecked(web, tmp, report_text: str) -> tuple[str, str]:
    """(vault, report): the report fetched as its sources first stood, then re-checked after they changed."""
    report = tmp / "chronicle.txt"
    report.write_text(report_text, encoding="utf-8")
    with web.isolated():
        opts = FetchOptions(proxy=web.proxy_url, ca_bundle=web.ca_pem_path, retries=0, timeout=5.0, screenshots=False)
        web.add_routes(first_routes())
        linkvault.fetch([report], tmp / "vault", opts)
        web.add_routes(later_routes())
        linkvault.recheck([report], tmp / "vault", opts)
    return str(tmp / "vault"), str(report)


@pytest.fixture(scope="module")
def rechecked(fakeweb_session, tmp_path_factory):
    return fetched_then_rechecked(fakeweb_session, tmp_path_factory.mktemp("report-drift"), REPORT)


def _report(runner, vault: str, report: str, *args: str):
    return runner.invoke(cli, ["--vault", vault, "report", report, *args])


def test_report_json_carries_each_links_stored_drift_and_its_errors(rechecked, runner):
    data = json.loads(_report(runner, *rechecked, "--format", "json").stdout)
    assert errors(data) == []
    drifts = {f["number"]: f.get("drift") for f in data["footnotes"]}
    assert {n: d["state"] for n, d in drifts.items() if d} == {
        1: "passage-gone", 2: "unchanged", 3: "page-replaced", 4: "passage-gone", 5: "passage-gone"}
    assert "Серикбаев" in drifts[1]["passage_then"] and drifts[5]["facts_lost"]
    assert {(f["number"], f["kind"], f["severity"]) for f in data["findings"]
            if f["kind"] in ("passage-gone", "page-replaced")} == {
        (1, "passage-gone", "error"), (3, "page-replaced", "error"), (4, "passage-gone", "error"),
        (5, "passage-gone", "error")}


def test_report_table_says_what_moved_under_the_link_within_80_columns(rechecked, runner):
    table = runner.invoke(cli, ["--vault", rechecked[0], "report", rechecked[1]], env={"COLUMNS": "80"}).stdout
    assert all(len(line) <= 80 for line in table.splitlines()), table
    flat = " ".join(table.split())
    assert "drift ![1] passage-gone" in flat and "drift ![3] page-replaced" in flat
    assert "[2] unchanged" not in flat  # an unchanged page has nothing worth a line


def test_report_s_closing_exit_line_wraps_within_80_columns(rechecked, runner):
    """Found reading the README's routine: several kinds of error make the exit line longer than a terminal; it
    wraps between words, its continuation indented, as the table above it does."""
    result = runner.invoke(cli, ["--vault", rechecked[0], "report", rechecked[1]], env={"COLUMNS": "80"})
    said = result.stderr.splitlines()
    start = next(i for i, line in enumerate(said) if line.startswith("exit 1: "))
    closing = said[start:]
    assert result.exit_code == 1 and len(closing) > 1 and all(len(line) <= 80 for line in closing), said
    assert all(line.startswith("    ") for line in closing[1:])
    assert " ".join(" ".join(closing).split()).endswith("page replaced by another, 1 failing link (--fail-on error)")
    assert "1 failing link" in " ".join(closing[1:])  # a count stays with its words


def test_report_csv_markdown_and_html_show_the_drift(rechecked, runner):
    rows = {r["number"]: r for r in csv.DictReader(io.StringIO(_report(runner, *rechecked, "--format", "csv").stdout))}
    assert rows["1"]["drift"] == "passage-gone" and rows["1"]["drift_detail"] and rows["2"]["drift"] == "unchanged"
    markdown = _report(runner, *rechecked, "--format", "markdown").stdout
    assert "drift \\!\\[1\\] passage-gone" in markdown and "drift \\!\\[3\\] page-replaced" in markdown
    page = _report(runner, *rechecked, "--format", "html").stdout
    assert 'class="drift drift-passage-gone"' in page and "<del>" in page and "<ins>92 300</ins>" in page
    unchanged = page.split('class="drift drift-unchanged"', 1)[1].split("</div>", 1)[0]
    assert "<table>" not in unchanged  # an intact passage is not shown twice, side by side with itself


def test_show_lists_a_links_checks_and_its_drift(rechecked, runner):
    shown = " ".join(runner.invoke(cli, ["--vault", rechecked[0], "show", rechecked[1], "1"]).output.split())
    assert "history: alive" in shown and "2 checks" in shown
    assert shown.count("UTC: alive / ok") == 2
    assert "drift: ![1] passage-gone" in shown


def test_report_fails_on_a_passage_gone_although_every_link_is_alive(fakeweb_session, tmp_path, runner):
    """Both sources still answer; one lost the passage its claim relied on: `--fail-on error` exits 1 on it."""
    head = REPORT.split("\n[1] ")[0]
    text = "\n\n".join(head.split("\n\n")[:3]) + f"\n\n[1] {EDITED}\n[2] {SIDEBAR}\n"
    vault, report = fetched_then_rechecked(fakeweb_session, tmp_path, text)
    rows = linkvault.review(report, vault).rows
    assert {r.category for r in rows} == {"alive"}
    assert _report(runner, vault, report, "--fail-on", "error").exit_code == 1
    assert [r.drift.state for r in rows if r.drift] == ["passage-gone", "unchanged"]


@pytest.mark.skipif(CHROMIUM is None, reason=SKIP_REASON)
def test_the_html_reports_filter_keeps_the_drift_comparison_shown_and_counts_links_not_its_rows(
        rechecked, runner, tmp_path):
    """The report's filter script hides the link rows a reader unticks; a drift's comparison (what was removed
    beside what remains) is a table inside a link's row, and stays shown: the filter once took its rows for links,
    hid them all, and said "5 of 15 rows shown"."""
    page = tmp_path / "report.html"
    page.write_text(_report(runner, *rechecked, "--format", "html").stdout, encoding="utf-8")
    dom = dump_dom(page, tmp_path / "profile")
    comparisons = re.findall(r"<table>\s*<tbody>\s*<tr[^>]*>\s*<th>the passage as first archived</th>", dom)
    assert comparisons and not re.search(r"<tr hidden[^>]*>\s*<th>the passage as first archived", dom)
    links = len(re.findall(r'<tr [^>]*data-cat="', dom))
    assert re.search(rf'id="shown"[^>]*>{links} of {links} rows shown<', dom), dom[:2000]
