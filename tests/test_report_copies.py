"""`linkvault report` in every format gives each looked-up link the archived copy the last `copies` search offered
(archive, date, URI-M, its own state, the claim check's verdict) and the copies passed over with their reasons; the
HTML report links the copy, escaped (its URI comes from an archive). Links never looked up read as before. Issue 14."""

from __future__ import annotations

import csv
import io
import json
import shutil

import lxml.html
from test_output_schema import errors
from test_robustify_command import (  # the vault robustify's tests fetch and record `copies` searches into
    DEAD_ARTICLE,
    NEVER_SEARCHED,
    OFFERED_M,
    REDIRECT_M,
    REFERENCE,
    SOFT_404_M,
    UNREACHED_URL,
    VLAST_ARTICLE,
    _vault_bytes,
    fetched,  # noqa: F401 (a fixture)
)

from linkvault.cli import cli
from linkvault.model import Candidate, CopySearch, CopyVerdict, ServiceOutcome
from linkvault.model.copies import FOUND, OFFERED, PASSED_OVER
from linkvault.vault import Vault


def _report(runner, vault_dir, report, *more, columns: str = "120") -> str:
    result = runner.invoke(cli, ["--vault", str(vault_dir), "report", str(report), *more], env={"COLUMNS": columns})
    assert result.exit_code in (0, 1), result.output  # 1: the dead links
    return result.stdout


def test_the_table_gives_each_looked_up_link_its_copy_on_a_second_line_within_80_columns(fetched, runner):  # noqa: F811
    vault_dir, reports = fetched
    before = _vault_bytes(vault_dir)
    # dead at once: the detail one line as before (a failing one's "failing (1 of 3 checks, since …)" wraps longer)
    text = _report(runner, vault_dir, reports["txt"], "--dead-after", "1", columns="80")
    assert all(len(line) <= 80 for line in text.splitlines())
    first = next(i for i, line in enumerate(text.splitlines()) if line.strip().startswith("[1]"))
    assert text.splitlines()[first + 1].split()[0] == "copy:"  # the detail's second line, not a "\n" shown
    flat = " ".join(text.split())
    assert "copy: the Internet Archive 2024-04-01 (ok, claim supported)" in flat
    assert "copy: none in the archives that answered; the Internet Archive could not be reached" in flat
    assert flat.count("copy:") == 2  # footnotes 2, 4 and 5 were never looked up
    assert _vault_bytes(vault_dir) == before  # report only reads


def test_json_has_the_copy_and_the_copies_passed_over_and_follows_the_schema(fetched, runner):  # noqa: F811
    vault_dir, reports = fetched
    data = json.loads(_report(runner, vault_dir, reports["md"], "--format", "json"))
    assert errors(data) == [] and errors(data, "report") == []
    notes = {n["url"]: n for n in data["footnotes"]}
    dead = notes[DEAD_ARTICLE]
    assert (dead["copy"]["choice"], dead["copy"]["archive"], dead["copy"]["uri_m"], dead["copy"]["memento_at"],
            dead["copy"]["state"], dead["copy"]["claim"]) == (OFFERED, "web.archive.org", OFFERED_M,
                                                              "2024-04-01T09:12:33Z", "ok", "supported")
    assert [(c["uri_m"], c["state"], c["reason"]) for c in dead["copies_passed_over"]] == [
        (SOFT_404_M, "soft-404", "soft-404: the archived page says 'Страница не найдена'"),
        (REDIRECT_M, "redirected-to-homepage", "a redirect to the site's front page (https://kaztag.kz/)")]
    assert notes[UNREACHED_URL]["copy"] is None and notes[UNREACHED_URL]["copies_passed_over"] == []
    for url in (NEVER_SEARCHED, VLAST_ARTICLE):  # never looked up: the record is as it was
        assert "copy" not in notes[url] and "copies_passed_over" not in notes[url]


def test_csv_has_copy_columns_once_a_link_was_looked_up(fetched, runner):  # noqa: F811
    vault_dir, reports = fetched
    rows = list(csv.DictReader(io.StringIO(_report(runner, vault_dir, reports["html"], "--format", "csv"))))
    by_url = {r["url"]: r for r in rows}
    dead = by_url[DEAD_ARTICLE]
    assert (dead["copy_archive"], dead["copy_memento_at"], dead["copy_uri_m"], dead["copy_state"],
            dead["copy_claim"]) == ("web.archive.org", "2024-04-01T09:12:33Z", OFFERED_M, "ok", "supported")
    assert dead["copies_passed_over"].splitlines() == [
        f"{SOFT_404_M}: soft-404: the archived page says 'Страница не найдена'",
        f"{REDIRECT_M}: a redirect to the site's front page (https://kaztag.kz/)"]
    assert all(by_url[u][c] == "" for u in (UNREACHED_URL, NEVER_SEARCHED) for c in ("copy_uri_m", "copies_passed_over"))


def test_markdown_gives_the_copy_and_its_uri_in_the_detail_cell(fetched, runner):  # noqa: F811
    vault_dir, reports = fetched
    text = _report(runner, vault_dir, reports["txt"], "--format", "markdown")
    rows = {line.split(" | ")[1]: line for line in text.splitlines() if line.startswith("| ") and " | http" in line}
    assert len(rows) == 5
    dead = next(line for key, line in rows.items() if key.replace("\\", "") == DEAD_ARTICLE).replace("\\", "")
    assert f"copy: the Internet Archive 2024-04-01 (ok, claim supported) {OFFERED_M}" in dead
    assert "copy:" not in "".join(v for k, v in rows.items() if "vlast" in k)


def test_the_html_report_links_the_copy_and_each_copy_passed_over(fetched, runner):  # noqa: F811
    vault_dir, reports = fetched
    page = lxml.html.fromstring(_report(runner, vault_dir, reports["docx"], "--format", "html"))
    offered = page.cssselect("div.copy a")
    assert [(a.get("href"), a.text_content()) for a in offered] == [(OFFERED_M, "the Internet Archive 2024-04-01")]
    assert [a.get("href") for a in page.cssselect("div.passed-over a")] == [SOFT_404_M, REDIRECT_M]
    assert "copy: none in the archives that answered; the Internet Archive could not be reached" in [
        d.text_content() for d in page.cssselect("div.copy")]


def test_an_archive_s_hostile_uri_m_is_escaped_in_the_html_report(fetched, tmp_path, runner):  # noqa: F811
    vault_dir, reports = fetched
    mine = tmp_path / "vault"
    shutil.copytree(vault_dir, mine)
    hostile = f'https://web.archive.org/web/20240401000000/{NEVER_SEARCHED}"><script>alert(1)</script>'
    sneaky = "javascript:alert(2)"
    with Vault(str(mine)) as vault:
        vault.set_reference_dates(str(reports["html"]), {"4": REFERENCE})
        vault.store_copy_search(CopySearch(NEVER_SEARCHED, REFERENCE, [ServiceOutcome("ia-cdx", FOUND, 2)], [
            CopyVerdict(Candidate(NEVER_SEARCHED, "web.archive.org", hostile, "2024-04-01T00:00:00Z", "cdx"), OFFERED,
                        state="ok", rank=0),
            CopyVerdict(Candidate(NEVER_SEARCHED, "web.archive.org", sneaky, "2024-04-02T00:00:00Z", "cdx"), PASSED_OVER,
                        "<b>bold</b> reason", rank=1)]))
    html = _report(runner, mine, reports["html"], "--format", "html")
    assert "<script>alert(1)" not in html and "<b>bold</b>" not in html and 'href="javascript:' not in html
    page = lxml.html.fromstring(html)
    assert hostile in [a.get("href") for a in page.cssselect("div.copy a")]
    assert not page.cssselect("script[src]") and len(page.cssselect("script")) == 1
    passed = [d.text_content() for d in page.cssselect("div.passed-over")]
    assert f"passed over: {sneaky}: <b>bold</b> reason" in passed  # a URI-M not http(s) is shown, not linked
    assert sneaky not in [a.get("href") for a in page.cssselect("a")]
