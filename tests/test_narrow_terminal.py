"""What the editor's and the lawyer's commands print reads on an 80-column terminal (found writing the README's
walkthroughs): no line runs past the width, a statement that wraps keeps its indent, an archive's URI starts a
line of its own, as `copies` prints it, and footnotes robustify left for the same reason share one statement."""

from __future__ import annotations

import re

import pytest
from fakeweb.archive_data import dead_article_captures
from fakeweb.sites import AZATTYQ_ARTICLE, VLAST_ARTICLE
from fakeweb.spn import FakeSavePageNow
from fakeweb.wayback import FakeWayback
from walkthroughs import CHRONICLE

from linkvault.cli import cli

NARROW = {"COLUMNS": "80"}
FAST_COPIES = [a for r in ("ia-cdx", "ia-memento", "archive") for a in ("--rate", f"{r}=6000/min")]
URI_M = re.compile(r"^(?P<indent> *)https://web\.archive\.org/web/\d{14}/", re.M)


@pytest.fixture
def witnessed(tmp_path, fakeweb, runner):
    """Two living sources fetched with Save Page Now as a witness, at 80 columns: the fetch's output and vault."""
    FakeSavePageNow(FakeWayback().install(fakeweb), fakeweb, keys=("AKIA-tester", "s3cret"), polls_before_success=0)
    report = tmp_path / "r.txt"
    report.write_text(f"The court arrested him[1]. Journalists were kept out[2].\n\n[1] {AZATTYQ_ARTICLE}\n"
                      f"[2] {VLAST_ARTICLE}\n", encoding="utf-8")
    rates = [a for r in ("ia-spn", "ia-spn-status", "ia-cdx") for a in ("--rate", f"{r}=6000/min")]
    result = runner.invoke(cli, ["--vault", str(tmp_path / "vault"), "fetch", str(report), "--proxy", fakeweb.proxy_url,
                                 "--ca-bundle", fakeweb.ca_pem_path, "--no-timestamp", "--save-page-now", *rates],
                           env={**NARROW, "LINKVAULT_SPN_KEYS": "AKIA-tester:s3cret"})
    assert result.exit_code == 0, result.output
    return result.stdout, tmp_path / "vault", report


def test_fetch_s_witness_lines_wrap_indented_with_each_uri_on_a_line_of_its_own(witnessed):
    out, _, _ = witnessed
    lines = out.splitlines()
    assert max(map(len, lines)) <= 80
    after = lines[next(i for i, line in enumerate(lines) if line.startswith("Save Page Now:")) + 1:]
    assert after and all(line.startswith("  ") for line in after), out  # no continuation at the margin
    assert [m["indent"] for m in URI_M.finditer(out)] == ["    ", "    "]


def test_show_s_witness_wraps_indented_with_its_uri_on_a_line_of_its_own(witnessed, runner):
    _, vault, report = witnessed
    shown = runner.invoke(cli, ["--vault", str(vault), "show", str(report), "2"], env=NARROW)
    assert shown.exit_code == 0, shown.output
    assert max(map(len, shown.stdout.splitlines())) <= 80
    assert "    witness: the Internet Archive's capture at" in shown.stdout
    assert [m["indent"] for m in URI_M.finditer(shown.stdout)] == [" " * 6]


def test_robustify_says_why_in_lines_that_fit_and_living_sources_left_alike_share_one(
        tmp_path, fakeweb, runner, monkeypatch):
    """The walkthrough's chronicle: three living sources never looked up are one statement, not three of 140
    characters; the dead one got its copy, and what was written is said within 80 columns (paths relative, as an
    editor in the report's folder types them: a path is one word, never wrapped)."""
    FakeWayback(dead_article_captures()).install(fakeweb)
    monkeypatch.chdir(tmp_path)
    report = "chronicle.txt"
    (tmp_path / report).write_text(CHRONICLE, encoding="utf-8")
    vault, egress = "vault", ["--proxy", fakeweb.proxy_url, "--ca-bundle", fakeweb.ca_pem_path]
    runner.invoke(cli, ["--vault", vault, "fetch", report, "--no-timestamp", *egress])
    looked = runner.invoke(cli, ["--vault", vault, "copies", report, *egress, *FAST_COPIES])
    assert looked.exit_code == 0, looked.output
    result = runner.invoke(cli, ["--vault", vault, "robustify", report, "-o", "robust.txt"], env=NARROW)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(map(len, lines)) <= 80
    assert lines[0].startswith("[1], [2], [4]: alive (ok); not looked up in the web archives")
    assert lines[1].startswith("    ") and lines[2].startswith("wrote ")  # the why wraps hanging, under its labels
    assert " ".join(lines).endswith("1 of 4 footnotes given archived versions (1 archived copy); 3 left as they were")


def test_copies_heading_wraps_hanging_and_it_says_what_it_did_not_look_up_and_how_to_look_them_up(
        tmp_path, fakeweb, runner, monkeypatch):
    FakeWayback(dead_article_captures()).install(fakeweb)
    monkeypatch.chdir(tmp_path)
    report = "chronicle.txt"
    (tmp_path / report).write_text(CHRONICLE, encoding="utf-8")
    vault, egress = str(tmp_path / "vault"), ["--proxy", fakeweb.proxy_url, "--ca-bundle", fakeweb.ca_pem_path]
    runner.invoke(cli, ["--vault", vault, "fetch", report, "--no-timestamp", *egress])
    looked = runner.invoke(cli, ["--vault", vault, "copies", report, *egress, *FAST_COPIES], env=NARROW)
    assert looked.exit_code == 0, looked.output
    lines = looked.stdout.splitlines()
    assert lines[:2] == [f"Archived copies for {report}", "[3] https://kaztag.kz/ru/news/x"]  # the report once
    assert lines[2].startswith("    not-found; cited as of 2024-04-04")  # under its link, wrapping there
    offered = next(i for i, line in enumerate(lines) if line.startswith("  the Internet Archive"))
    assert all(line.startswith("    ") for line in lines[2:offered])
    assert lines[offered].startswith("  the Internet Archive 2024-04-01T09:12:33Z — offered")
    assert " ".join(looked.stdout.split()).endswith(
        "1 link looked up, 1 with a validated copy; 3 not looked up (alive or not judged; --all looks them up too)")


def test_the_pack_s_wrote_line_wraps_within_80_columns_its_sha256_whole_on_a_hanging_line(tmp_path, fakeweb, runner,
                                                                                         monkeypatch):
    """The lawyer's closing line ("wrote chronicle.wacz: 2 WARC files, 4 pages, timestamped by 1 authority, sha256
    …", 130 characters) reads on an 80-column terminal as the other commands' closing lines do."""
    from tsa import LocalTSA

    monkeypatch.chdir(tmp_path)
    report = "chronicle.txt"
    (tmp_path / report).write_text(CHRONICLE, encoding="utf-8")
    vault, egress = str(tmp_path / "vault"), ["--proxy", fakeweb.proxy_url, "--ca-bundle", fakeweb.ca_pem_path]
    runner.invoke(cli, ["--vault", vault, "fetch", report, "--no-timestamp", "--no-screenshots", *egress])
    authority = LocalTSA(tmp_path / "tsa")
    try:
        packed = runner.invoke(cli, ["--vault", vault, "pack", report, "--tsa", authority.url], env=NARROW)
    finally:
        authority.close()
    assert packed.exit_code == 0, packed.output
    lines = packed.stdout.splitlines()
    assert max(map(len, lines)) <= 80, packed.stdout
    assert lines[0].startswith("wrote chronicle.wacz: ") and "timestamped by 1 authority" in packed.stdout
    assert len(lines) == 2 and re.fullmatch(r" {4}(.* )?[0-9a-f]{64}", lines[1]), packed.stdout  # hanging, whole
    assert re.search(r"sha256 [0-9a-f]{64}$", " ".join(packed.stdout.split()))
