"""`linkvault robustify REPORT -o OUT`: a report fetched into a real vault (from the fake web, over real sockets),
its copy searches recorded as `copies` records them, written back in every format with each footnote's versions:
the copy offered, the Save Page Now capture, the evidence pack's page; nothing where there is none. `check` reads the
output as it read the input, and the vault is only read. Issue 14."""

from __future__ import annotations

import hashlib
import re
import shutil
import zipfile
from datetime import date
from pathlib import Path
from urllib.parse import quote

import lxml.html
import pytest
from click.testing import CliRunner
from docx_builder import FootnoteRef, Link, build_docx
from fakeweb.archive_data import DEAD_ARTICLE
from fakeweb.sites import AZATTYQ_ARTICLE, VLAST_ARTICLE
from fakeweb.spn import FakeSavePageNow
from fakeweb.wayback import FakeWayback
from test_robustify import _check  # check --format json, less the report's name

import linkvault
from linkvault.cli import cli
from linkvault.model import Candidate, CopySearch, CopyVerdict, ReferenceDate, ServiceOutcome, SpnJob, Witness
from linkvault.model.copies import (
    DIFFERS,
    ENTRY_DATE,
    FOUND,
    NONE,
    NOT_FETCHED,
    OFFERED,
    PASSED_OVER,
    SAME_DECODED,
    UNREACHED,
)
from linkvault.vault import Vault

UNREACHED_URL = "https://kaztag.kz/ru/news/y"  # dead; the Internet Archive could not be asked about it
NEVER_SEARCHED = "https://vlast.kz/novosti/1-gone.html"  # dead; `copies` never ran on it
SOURCES = [DEAD_ARTICLE, AZATTYQ_ARTICLE, UNREACHED_URL, NEVER_SEARCHED, VLAST_ARTICLE]
OFFERED_M = f"https://web.archive.org/web/20240401091233/{DEAD_ARTICLE}"
SOFT_404_M = f"https://web.archive.org/web/20240403081000/{DEAD_ARTICLE}"
REDIRECT_M = f"https://web.archive.org/web/20240402101500/{DEAD_ARTICLE}"
SPN_M = f"https://web.archive.org/web/20261130015012/{AZATTYQ_ARTICLE}"
PACK_URL = "https://evidence.example.org/packs/kz chronicle.wacz"
REFERENCE = ReferenceDate(date(2024, 4, 4), ENTRY_DATE, 'entry: "April 4"')
SENTENCES = ["April 1, Astana. A journalist was arrested for two months", "April 2, Almaty. Azattyq wrote about cars",
             "April 4, Astana. The news item was removed", "The court's page vanished", "Vlast reported it"]


def _txt() -> str:
    body = " ".join(f"{s} [{n}]." for n, s in enumerate(SENTENCES, start=1))
    notes = "\n".join(f"[{n}] Source: {url}" for n, url in enumerate(SOURCES, start=1))
    return f"Chronicle of April 2024\n\n{body}\n\nSources\n{notes}\n"


def _md() -> str:
    body = " ".join(f"{s}.[^{n}]" for n, s in enumerate(SENTENCES, start=1))
    notes = "\n".join(f"[^{n}]: Source: {url}" for n, url in enumerate(SOURCES, start=1))
    return f"# Chronicle of April 2024\n\n{body}\n\n{notes}\n"


def _html() -> str:
    body = " ".join(f'{s}<sup><a href="#fn{n}" id="fnref{n}">{n}</a></sup>.' for n, s in enumerate(SENTENCES, start=1))
    notes = "\n".join(f'<li id="fn{n}">Source: <a href="{url}">{url}</a> <a href="#fnref{n}">↩</a></li>'
                      for n, url in enumerate(SOURCES, start=1))
    return (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Chronicle</title></head>\n<body>\n'
            f'<p>{body}</p>\n<ol class="footnotes">\n{notes}\n</ol>\n</body></html>\n')


def _reports(directory: Path) -> dict[str, Path]:
    """The same five footnotes as text, Markdown, HTML and Word."""
    paths = {}
    for fmt, text in (("txt", _txt()), ("md", _md()), ("html", _html())):
        paths[fmt] = directory / f"chronicle.{fmt}"
        paths[fmt].write_text(text, encoding="utf-8")
    paths["docx"] = build_docx(
        directory / "chronicle.docx",
        paragraphs=["Chronicle of April 2024", [x for n, s in enumerate(SENTENCES, start=1) for x in (s, FootnoteRef(n), ". ")]],
        footnotes={n: ["Source: ", Link(url, url)] for n, url in enumerate(SOURCES, start=1)})
    return paths


def _candidate(uri_m: str, stamp: str, status: int = 200) -> Candidate:
    when = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}T{stamp[8:10]}:{stamp[10:12]}:{stamp[12:]}Z"
    return Candidate(DEAD_ARTICLE, "web.archive.org", uri_m, when, "cdx", listed_status=status)


def _record_copies(vault_dir: Path, reports: dict[str, Path]) -> None:
    """What `copies` leaves in the vault: each footnote's reference date, the dead article's search (the article
    offered, a soft-404 and a redirect to the front page passed over), a search the Internet Archive could not
    answer, and a Save Page Now capture of our capture of the living Azattyq article."""
    with Vault(str(vault_dir)) as vault:
        for path in reports.values():
            vault.set_reference_dates(str(path), {"1": REFERENCE, "3": REFERENCE})
        vault.store_copy_search(CopySearch(DEAD_ARTICLE, REFERENCE, [ServiceOutcome("ia-cdx", FOUND, 3)], [
            CopyVerdict(_candidate(OFFERED_M, "20240401091233"), OFFERED, state="ok", category="alive",
                        claim="supported", rank=0),
            CopyVerdict(_candidate(SOFT_404_M, "20240403081000"), PASSED_OVER, "soft-404: the archived page says "
                        "'Страница не найдена'", state="soft-404", category="dead", rank=1),
            CopyVerdict(_candidate(REDIRECT_M, "20240402101500", 301), PASSED_OVER, "a redirect to the site's front "
                        "page (https://kaztag.kz/)", state="redirected-to-homepage", category="dead", rank=2)]))
        vault.store_copy_search(CopySearch(UNREACHED_URL, REFERENCE, [
            ServiceOutcome("ia-cdx", UNREACHED, detail="the Internet Archive could not be reached (the connection "
                                                        "was reset)"),
            ServiceOutcome("archive:arquivo.pt", NONE)]))
        capture = vault.verdict_capture(AZATTYQ_ARTICLE)
        vault.store_spn_job(SpnJob("ac58789b-f3ca-48d0-9ea6-1d1225e98695", AZATTYQ_ARTICLE, capture["id"],
                                   "2026-11-30T01:50:00Z", status="success", archive_timestamp="20261130015012",
                                   original_url=AZATTYQ_ARTICLE, uri_m=SPN_M))


def _fetch(runner: CliRunner, web, vault_dir: Path, reports: dict[str, Path]) -> None:
    fetched = runner.invoke(cli, ["--vault", str(vault_dir), "fetch", *map(str, reports.values()), "--proxy",
                                  web.proxy_url, "--ca-bundle", web.ca_pem_path, "--no-timestamp", "--no-screenshots"])
    assert fetched.exit_code == 1, fetched.output  # the dead sources


@pytest.fixture(scope="module")
def fetched(tmp_path_factory, fakeweb_session):
    """A vault holding the four reports' sources as fetched from the fake web, and what `copies` recorded."""
    work = tmp_path_factory.mktemp("robustify")
    reports = _reports(work)
    _fetch(CliRunner(), fakeweb_session, work / "vault", reports)
    _record_copies(work / "vault", reports)
    return work / "vault", reports


def _vault_bytes(vault_dir: Path) -> dict[str, str]:
    """Every file of the vault and its digest, but SQLite's own -wal and -shm, which reading a vault in WAL mode
    makes (an empty -wal: nothing written; test_read_only_vault pins that)."""
    wal = vault_dir / "linkvault.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0
    return {p.relative_to(vault_dir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(vault_dir.rglob("*")) if p.is_file() and not p.name.endswith(("-wal", "-shm"))}


def _robustify(runner, vault_dir, report, out, *more):
    """robustify on a terminal wide enough for each statement to fit a line (test_narrow_terminal wraps them)."""
    return runner.invoke(cli, ["--vault", str(vault_dir), "robustify", str(report), "-o", str(out), *more],
                         env={"COLUMNS": "1000"})


def _pack_page(vault_dir: Path, url: str) -> str:
    with Vault(str(vault_dir), read_only=True) as vault:
        stamp = re.sub(r"\D", "", vault.verdict_capture(url)["fetched_at"][:19])
    return f"https://replayweb.page/?source={quote(PACK_URL, safe='')}#view=replay&url={quote(url, safe='')}&ts={stamp}"


def _note_lines(text: str) -> dict[int, str]:
    return {int(m.group(1)): line for line in text.splitlines() if (m := re.match(r"\[\^?(\d)\]:? ", line))}


# -- every format -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt,plain", [("txt", False), ("md", False), ("md", True), ("html", False), ("docx", False)])
def test_each_format_gets_the_offered_copy_and_the_save_page_now_capture_and_check_reads_it_unchanged(
        fetched, tmp_path, runner, fmt, plain):
    vault_dir, reports = fetched
    before = _vault_bytes(vault_dir)
    out = tmp_path / f"robust.{fmt}"
    result = _robustify(runner, vault_dir, reports[fmt], out, *(["--plain"] if plain else []))
    assert result.exit_code == 0, result.output
    assert _check(runner, out) == _check(runner, reports[fmt])
    assert _vault_bytes(vault_dir) == before  # reading never writes
    if fmt == "docx":
        with zipfile.ZipFile(out) as z:
            notes, rels = z.read("word/footnotes.xml").decode(), z.read("word/_rels/footnotes.xml.rels").decode()
        assert OFFERED_M in notes and SPN_M in notes and f'Target="{OFFERED_M}"' in rels
        assert SOFT_404_M not in notes and REDIRECT_M not in notes
        assert notes.count("web.archive.org") == 2  # footnotes 3, 4 and 5 are as they were
        return
    written = out.read_text(encoding="utf-8")
    if fmt == "html":
        links = {a.get("href"): a for a in lxml.html.fromstring(written).iter("a") if a.get("href") in SOURCES}
        assert links[DEAD_ARTICLE].get("data-versionurl") == OFFERED_M
        assert links[DEAD_ARTICLE].get("data-versiondate") == "2024-04-01"
        assert links[AZATTYQ_ARTICLE].get("data-versionurl") == SPN_M
        assert all(links[u].get("data-versionurl") is None for u in (UNREACHED_URL, NEVER_SEARCHED, VLAST_ARTICLE))
        return
    lines = _note_lines(written)
    if fmt == "md" and not plain:
        assert (f'<a href="{DEAD_ARTICLE}" data-originalurl="{DEAD_ARTICLE}" data-versiondate="2024-04-01" '
                f'data-versionurl="{OFFERED_M}">{DEAD_ARTICLE}</a>') in lines[1]
    else:
        assert lines[1].endswith(f"Source: {DEAD_ARTICLE} (archived 2024-04-01: {OFFERED_M})")
        assert lines[2].endswith(f"Source: {AZATTYQ_ARTICLE} (Save Page Now 2026-11-30: {SPN_M})")
    assert SPN_M in lines[2] and SOFT_404_M not in written and REDIRECT_M not in written
    original = _note_lines(reports[fmt].read_text(encoding="utf-8"))
    assert [lines[n] for n in (3, 4, 5)] == [original[n] for n in (3, 4, 5)]  # no version: left as it was


def test_it_says_which_footnotes_got_no_version_and_why(fetched, tmp_path, runner):
    """Each source fetched once: a 404 is failing (not dead until its history confirms it), and says so."""
    vault_dir, reports = fetched
    result = _robustify(runner, vault_dir, reports["txt"], tmp_path / "robust.txt")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"[3] {UNREACHED_URL}: failing (not-found); no copy offered: the Internet Archive could not be reached (the "
        "connection was reset)",
        f"[4] {NEVER_SEARCHED}: failing (not-found); not looked up in the web archives yet (run linkvault copies)",
        f"[5] {VLAST_ARTICLE}: alive (ok); not looked up in the web archives (linkvault copies --all looks up living "
        "sources too)",
        f"wrote {tmp_path / 'robust.txt'}: 2 of 5 footnotes given archived versions (1 archived copy, 1 Save Page Now capture); "
        "3 left as they were"]


def test_with_pack_url_each_living_source_links_its_page_in_the_pack_opened_in_replayweb_page(fetched, tmp_path, runner):
    vault_dir, reports = fetched
    out = tmp_path / "robust.txt"
    result = _robustify(runner, vault_dir, reports["txt"], out, "--pack-url", PACK_URL)
    assert result.exit_code == 0, result.output
    lines = _note_lines(out.read_text(encoding="utf-8"))
    azattyq, vlast = _pack_page(vault_dir, AZATTYQ_ARTICLE), _pack_page(vault_dir, VLAST_ARTICLE)
    assert "evidence.example.org%2Fpacks%2Fkz%20chronicle.wacz#view=replay&url=https%3A%2F%2Fvlast.kz%2F" in vlast
    assert lines[2].endswith(f"(Save Page Now 2026-11-30: {SPN_M}; evidence pack: {azattyq})")
    assert re.search(rf"Source: {re.escape(VLAST_ARTICLE)} \(evidence pack \d{{4}}-\d\d-\d\d: {re.escape(vlast)}\)$",
                     lines[5])
    assert lines[1].endswith(f"(archived 2024-04-01: {OFFERED_M})")  # our capture of a dead page is no version
    assert "evidence pack" not in lines[3] + lines[4]
    assert _check(runner, out) == _check(runner, reports["txt"])
    assert result.stdout.splitlines()[-1].endswith("3 of 5 footnotes given archived versions (1 archived copy, "
                                                   "1 Save Page Now capture, 2 evidence pack pages); 2 left as they were")


def test_the_verb_returns_what_it_wrote(fetched, tmp_path):
    vault_dir, reports = fetched
    result = linkvault.robustify(reports["md"], tmp_path / "r.md", vault_dir, plain=True)
    assert (result.format, result.footnotes, result.robust) == ("md", 5, 2)
    assert [(n.label, n.url) for n in result.without] == [("3", UNREACHED_URL), ("4", NEVER_SEARCHED),
                                                          ("5", VLAST_ARTICLE)]
    first = result.notes[0]
    assert [(v.uri, v.day, v.label) for v in first.versions] == [(OFFERED_M, date(2024, 4, 1), "archived")]
    assert first.search is not None and [c.choice for c in first.search.copies] == [OFFERED, PASSED_OVER, PASSED_OVER]
    assert NOT_FETCHED not in [c.choice for c in first.search.copies]


def test_no_valid_copy_is_said_with_why_and_a_witnessed_capture_stands_in_for_save_page_now(tmp_path, fakeweb, runner):
    """Every copy passed over: no version, the reasons said. A Save Page Now job still pending has no capture to
    link; an archive's capture a witness found to hold our payload does (one that differs does not)."""
    report = tmp_path / "two.txt"
    report.write_text(f"Removed [1]. Reported [2].\n\n[1] {DEAD_ARTICLE}\n[2] {AZATTYQ_ARTICLE}\n", encoding="utf-8")
    _fetch(runner, fakeweb, tmp_path / "vault", {"txt": report})
    same = f"https://web.archive.org/web/20261130020000/{AZATTYQ_ARTICLE}"
    with Vault(str(tmp_path / "vault")) as vault:
        vault.set_reference_dates(str(report), {"1": REFERENCE})
        vault.store_copy_search(CopySearch(DEAD_ARTICLE, REFERENCE, [ServiceOutcome("ia-cdx", FOUND, 2)], [
            CopyVerdict(_candidate(SOFT_404_M, "20240403081000"), PASSED_OVER, "soft-404", rank=1),
            CopyVerdict(_candidate(REDIRECT_M, "20240402101500", 301), PASSED_OVER, "a redirect to the front page",
                        rank=2)]))
        ours = vault.verdict_capture(AZATTYQ_ARTICLE)["id"]
        vault.store_spn_job(SpnJob("job-1", AZATTYQ_ARTICLE, ours, "2026-11-30T02:00:00Z"))  # pending
        for uri_m, verdict in ((same, SAME_DECODED), (SPN_M, DIFFERS)):
            vault.add_witness(Witness(ours, "web.archive.org", uri_m, "2026-11-30T02:00:00Z", "X" * 32, "Y" * 32,
                                      verdict, "the Internet Archive's capture …"))
    out = tmp_path / "robust.txt"
    result = _robustify(runner, tmp_path / "vault", report, out)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"[1] {DEAD_ARTICLE}: failing (not-found); no valid copy among 2 archived (soft-404; a redirect to the front page)",
        f"wrote {out}: 1 of 2 footnotes given archived versions (1 witnessed capture); 1 left as they were"]
    assert out.read_text(encoding="utf-8").endswith(f"[2] {AZATTYQ_ARTICLE} (witnessed 2026-11-30: {same})\n")


def test_a_save_page_now_run_s_captures_are_written_beside_the_living_sources(tmp_path, fakeweb, runner):
    """`fetch --save-page-now` against the fake Save Page Now 2, then robustify: each live source gets the
    Internet Archive's capture the job made, dated by it."""
    wayback = FakeWayback().install(fakeweb)
    FakeSavePageNow(wayback, fakeweb, keys=("AKIA-tester", "s3cret"), polls_before_success=0)
    report = tmp_path / "r.txt"
    report.write_text(f"The court arrested him[1]. Journalists were kept out[2].\n\n[1] {AZATTYQ_ARTICLE}\n"
                      f"[2] {VLAST_ARTICLE}\n", encoding="utf-8")
    fetched = runner.invoke(cli, [
        "--vault", str(tmp_path / "vault"), "fetch", str(report), "--proxy", fakeweb.proxy_url, "--ca-bundle",
        fakeweb.ca_pem_path, "--no-timestamp", "--save-page-now", *[a for r in ("ia-spn", "ia-spn-status", "ia-cdx")
                                                                    for a in ("--rate", f"{r}=6000/min")]],
        env={"LINKVAULT_SPN_KEYS": "AKIA-tester:s3cret"})
    assert fetched.exit_code == 0, fetched.output
    with Vault(str(tmp_path / "vault"), read_only=True) as vault:
        jobs = {job.url: job for jobs in vault.spn_jobs_of([vault.verdict_capture(u)["id"] for u in
                                                            (AZATTYQ_ARTICLE, VLAST_ARTICLE)]).values() for job in jobs}
    out = tmp_path / "robust.txt"
    result = _robustify(runner, tmp_path / "vault", report, out)
    assert result.exit_code == 0, result.output
    lines = _note_lines(out.read_text(encoding="utf-8"))
    for n, url in ((1, AZATTYQ_ARTICLE), (2, VLAST_ARTICLE)):
        job = jobs[url]
        day = f"{job.archive_timestamp[:4]}-{job.archive_timestamp[4:6]}-{job.archive_timestamp[6:8]}"
        assert job.uri_m and lines[n] == f"[{n}] {url} (Save Page Now {day}: {job.uri_m})"
    assert result.stdout.strip().endswith("2 of 2 footnotes given archived versions (2 Save Page Now captures); "
                                          "0 left as they were")


# -- refusals ---------------------------------------------------------------------------------------


def test_an_existing_output_is_kept_unless_forced(fetched, tmp_path, runner):
    vault_dir, reports = fetched
    out = tmp_path / "robust.txt"
    out.write_text("the editor's own file\n", encoding="utf-8")
    refused = _robustify(runner, vault_dir, reports["txt"], out)
    assert refused.exit_code == 2
    assert refused.stderr == f"linkvault: error: {out} exists; pass --force to overwrite it\n"
    assert out.read_text(encoding="utf-8") == "the editor's own file\n"
    forced = _robustify(runner, vault_dir, reports["txt"], out, "--force")
    assert forced.exit_code == 0, forced.output
    assert OFFERED_M in out.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["robust.txt"]  # nothing half-written left beside it


def test_the_report_itself_is_replaced_only_when_forced(tmp_path, fakeweb, runner):
    reports = _reports(tmp_path)
    _fetch(runner, fakeweb, tmp_path / "vault", reports)
    _record_copies(tmp_path / "vault", reports)
    original = reports["txt"].read_bytes()
    (tmp_path / "original.txt").write_bytes(original)
    refused = _robustify(runner, tmp_path / "vault", reports["txt"], reports["txt"])
    assert refused.exit_code == 2
    assert refused.stderr.startswith(f"linkvault: error: {reports['txt']} is the report itself; write elsewhere, or "
                                     "pass --force")
    assert reports["txt"].read_bytes() == original
    forced = _robustify(runner, tmp_path / "vault", reports["txt"], reports["txt"], "--force")
    assert forced.exit_code == 0, forced.output
    once = reports["txt"].read_bytes()
    assert OFFERED_M.encode() in once
    assert _check(runner, reports["txt"]) == _check(runner, tmp_path / "original.txt")
    again = _robustify(runner, tmp_path / "vault", reports["txt"], reports["txt"], "--force")
    assert again.exit_code == 0, again.output
    assert reports["txt"].read_bytes() == once  # our versions replaced, not written twice


@pytest.mark.parametrize("case", ["no vault", "not fetched", "plain html", "pack url", "stdin"])
def test_bad_input_is_one_line_and_exit_2_and_nothing_is_written(fetched, tmp_path, runner, case):
    vault_dir, reports = fetched
    report, args, vault = reports["txt"], [], vault_dir
    if case == "no vault":
        vault = tmp_path / "nowhere"
    elif case == "not fetched":
        report = tmp_path / "other.txt"
        shutil.copy(reports["txt"], report)
    elif case == "plain html":
        report, args = reports["html"], ["--plain"]
    elif case == "pack url":
        args = ["--pack-url", "evidence/kz.wacz"]
    out = tmp_path / "out.txt"
    if case == "stdin":
        result = runner.invoke(cli, ["--vault", str(vault), "robustify", "-", "-o", str(out)], input=_txt())
    else:
        result = _robustify(runner, vault, report, out, *args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("linkvault: error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.output and not out.exists()
    expected = {"no vault": "no vault here", "not fetched": "has not been fetched into the vault",
                "plain html": "not html", "pack url": "is not an absolute http(s) address", "stdin": "not - or URLs"}
    assert expected[case] in result.stderr
