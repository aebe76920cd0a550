"""The `check` command: formats, exit codes, and one-line errors for bad input."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile

from conftest import EXAMPLE

from linkvault.cli import cli

GOOD = "Claim[1]. Another[2].\n\n[1] https://rus.azattyq.org/a/1.html\n"


def test_table_groups_by_severity_with_line_numbers_and_a_summary(runner):
    result = runner.invoke(cli, ["check", str(EXAMPLE)])
    assert result.exit_code == 1
    out = result.stdout
    assert out.index("Errors (16)") < out.index("Warnings (1)") < out.index("Info (10)")
    assert "  22   [10]   missing-footnote" in out
    assert " ".join(out.split()).endswith("100 citations, 85 sources, 15 missing footnotes, 1 draft or private URL, "
                                 "8 URLs with tracking parameters, 1 wrong link, 1 entry dated before its source's "
                                 "period ends, 1 source filed far from its event")


def test_json_is_exactly_one_object_with_the_documented_keys(runner, write):
    result = runner.invoke(cli, ["check", str(write("r.txt", GOOD)), "--format", "json"])
    data = json.loads(result.stdout)
    assert set(data) == {"report", "format", "footnotes", "findings", "summary"}
    assert data["footnotes"][1] == {
        "number": 2, "label": "2", "line": 1, "url": None, "host": None, "category": "missing",
        "state": "missing-footnote", "detail": "cited in the text but the footnote list has no entry for it",
        "http_status": None, "final_url": None, "title": None, "archived_at": None, "warc": None, "text": "",
        "cited_at": [1]}
    assert data["footnotes"][0]["url"] == "https://rus.azattyq.org/a/1.html"
    assert (data["footnotes"][0]["category"], data["footnotes"][0]["state"]) == ("unknown", "unknown")
    assert data["findings"] == [{"kind": "missing-footnote", "severity": "error", "number": 2, "line": 1,
                                 "message": "[2] is cited but the footnote list has no entry for it"}]
    assert data["summary"]["by_kind"] == {"missing-footnote": 1}


def test_csv_has_one_row_per_finding(runner):
    result = runner.invoke(cli, ["check", str(EXAMPLE), "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 27
    assert rows[1] == {"severity": "error", "kind": "missing-footnote", "number": "10", "line": "22",
                       "message": "[10] is cited but the footnote list has no entry for it"}


def test_markdown_output_is_a_table_per_severity(runner):
    result = runner.invoke(cli, ["check", str(EXAMPLE), "--format", "markdown"])
    assert "## Errors (16)" in result.output
    assert "| 22 | 10 | missing-footnote |" in result.output


def test_fail_on_warning_turns_warnings_into_exit_1(runner, write):
    path = write("r.txt", "Claim[1].\n\n[1] https://a.kz/1\n[2] https://a.kz/2\n")
    assert runner.invoke(cli, ["check", str(path)]).exit_code == 0
    assert runner.invoke(cli, ["check", str(path), "--fail-on", "warning"]).exit_code == 1


def test_input_format_overrides_the_guess(runner, write):
    path = write("report.txt", "<p>Claim<sup>1</sup></p><ol><li>https://a.kz/1</li></ol>")
    data = json.loads(runner.invoke(cli, ["check", str(path), "--format", "json", "--input-format", "html"]).stdout)
    assert data["format"] == "html"


def _bad_inputs(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_bytes(b"  \n\n\t\n")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00\x01\x02" * 500)
    (tmp_path / "plain.txt").write_text("A report that cites nothing at all.\nNot one footnote.\n")
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 this is not really a zip")
    with zipfile.ZipFile(tmp_path / "nodoc.docx", "w") as z:
        z.writestr("hello.txt", "no word document here")
    (tmp_path / "adir").mkdir()
    return {
        "empty.txt": "empty",
        "blank.txt": "white space",
        "binary.txt": "binary",
        "image.png": "binary",
        "plain.txt": "no footnotes",
        "broken.docx": "docx",
        "nodoc.docx": "docx",
        "adir": "directory",
        "missing.txt": "no such file",
    }


def test_bad_input_gets_one_line_naming_the_file_and_exit_2(tmp_path):
    for name, problem in _bad_inputs(tmp_path).items():
        path = tmp_path / name
        proc = subprocess.run([sys.executable, "-m", "linkvault", "check", str(path)],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2, (name, proc.stderr)
        assert proc.stdout == ""
        lines = proc.stderr.strip().split("\n")
        assert len(lines) == 1, (name, proc.stderr)
        assert str(path) in lines[0] and problem in lines[0].lower(), (name, lines[0])
        assert "Traceback" not in proc.stderr


def test_unknown_option_is_a_usage_error_with_exit_2(runner):
    result = runner.invoke(cli, ["check", str(EXAMPLE), "--format", "yaml"])
    assert result.exit_code == 2


def test_version_is_printed(runner):
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0 and "linkvault" in result.output
