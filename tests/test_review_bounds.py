"""report, verify and fetch's closing table stay bounded for any report: capped tables, a review built from a fixed
number of vault queries. Before issue 12, 1 M missing footnotes rendered for minutes (20,000 took 39 s)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import tempfile

import pytest

from linkvault.reviewing import review
from linkvault.vault import Vault
from linkvault.vault import store as vault_module

AT = "2024-04-20T09:15:02.123456Z"
WARC = "linkvault-20240420091500-4242-00000.warc.gz"


def _linkvault(*args):
    """The CLI in an empty directory of its own: a ./linkvault-vault left by `make run` is never read."""
    return subprocess.run([sys.executable, "-m", "linkvault", *map(str, args)], capture_output=True, text=True,
                          timeout=300, cwd=tempfile.mkdtemp(prefix="linkvault-cwd-"))


def _markers(n: int, notes: str = "[1] https://kaztag.kz/ru/news/1\n") -> str:
    """One paragraph citing [1]…[n] and a footnote list of `notes`: every other number is a missing footnote."""
    return "April 18, Almaty, a claim " + " ".join(f"x[{i}]" for i in range(1, n + 1)) + "\n\nNotes\n" + notes


def test_report_of_200000_missing_footnotes_lists_50_and_sums_up_the_rest_json_keeps_all(write, tmp_path):
    path = write("r.txt", _markers(200_000))
    vault = tmp_path / "vault"
    Vault(str(vault)).close()
    table = _linkvault("report", path, "--vault", vault)
    assert table.returncode == 1, table.stderr
    lines = table.stdout.splitlines()
    review_part = lines[:lines.index("200000 footnotes: 1 unknown; 199999 cited with no source")]
    assert sum(" missing-footnote " in line for line in review_part) == 50
    assert "missing … and 199,949 more missing footnotes (--format json or csv lists every one)" in \
        " ".join(" ".join(review_part[-2:]).split())  # the table's last row (its detail wraps)
    assert len(review_part) < 110 and len(lines) < 250  # 51 rows of at most two lines; the check's findings too
    out = tmp_path / "r.json"
    assert _linkvault("report", path, "--vault", vault, "--format", "json", "-o", out).returncode == 1
    with open(out, encoding="utf-8") as fh:  # 118 MB: counted a line at a time
        assert sum('"state": "missing-footnote"' in line for line in fh) == 199_999


def _refused_and_missing(refused: int, missing: int) -> str:
    """`refused` links to private addresses (judged refused without fetching), `missing` numbers cited with no
    entry, and two links that are not fetched yet."""
    notes = "".join(f"[{i}] http://10.0.{i // 250}.{i % 250 + 1}/post\n" for i in range(1, refused + 1))
    notes += f"[{refused + 1}] https://kaztag.kz/ru/news/1\n[{refused + 2}] https://vlast.kz/novosti/2\n"
    return _markers(refused + 2 + missing, notes)


def test_report_lists_200_links_of_a_category_and_50_missing_footnotes_every_small_category_whole(write):
    path = write("r.txt", _refused_and_missing(260, 120))
    table = _linkvault("report", path).stdout
    rows = table.split("\n\n")[0]
    assert sum(" blocked-address " in line for line in rows.splitlines()) == 200
    assert sum(" missing-footnote " in line for line in rows.splitlines()) == 50
    flat = " ".join(rows.split())
    assert "refused … and 60 more refused links (--format json or csv lists every one)" in flat
    assert "missing … and 70 more missing footnotes (--format json or csv lists every one)" in flat
    assert "not fetched yet" in rows and "unknown links" not in rows  # 2 unknown: both listed
    assert "382 footnotes: 260 refused, 2 unknown; 120 cited with no source" in " ".join(table.split())
    markdown = _linkvault("report", path, "--format", "markdown").stdout
    assert markdown.count("| refused | blocked-address |") == 200 and markdown.count("| missing | missing-footnote |") == 50
    assert r"| | | refused | | … and 60 more refused links \(--format json or csv lists every one\) | | |" in markdown
    csv_lines = _linkvault("report", path, "--format", "csv").stdout.splitlines()
    assert len(csv_lines) == 1 + 382
    records = json.loads(_linkvault("report", path, "--format", "json").stdout)["footnotes"]
    assert sum(r["state"] == "blocked-address" for r in records) == 260


def test_html_report_lists_1000_rows_of_a_kind_and_says_the_page_is_cut(write, tmp_path):
    path = write("r.txt", _refused_and_missing(1100, 1050))
    out = tmp_path / "r.html"
    _linkvault("report", path, "--format", "html", "-o", out)
    page = out.read_text(encoding="utf-8")
    assert page.count('<tr class="refused" data-cat="refused">') == 1000
    assert page.count('<tr class="missing" data-cat="missing">') == 1000
    assert ('<tr class="more refused" data-cat="refused"><td colspan="7">… and 100 more refused links '
            "(--format json or csv lists every one)</td></tr>") in page
    assert "… and 50 more missing footnotes" in page
    assert "This page lists at most 1,000 rows of a kind; --format json or csv lists every one." in page
    assert "1100 refused" in page  # the badges and filters count every row


def test_verify_table_lists_200_claims_of_a_verdict(write):
    path = write("r.txt", _refused_and_missing(230, 0))
    table = _linkvault("verify", path).stdout
    claims = table.split("\n\n")[0]
    assert sum(line.lstrip().startswith("[") for line in claims.splitlines()) == 200
    assert "… and 32 more not-checked claims (--format json or csv lists every one)" in " ".join(claims.split())


def _vault_of(directory, urls: list[str]) -> str:
    """A vault holding a capture of each of `urls`: judged ones, and every third as captured before link states
    existed (no state: judged from the row and its redirects)."""
    vault = Vault(str(directory))
    for i, url in enumerate(urls):
        legacy = i % 3 == 0
        vault.add_url(url)
        vault.add_capture({"url": url, "fetched_at": AT, "final_url": url, "status": 404 if legacy else 200,
                           "role": "cited", "warc_file": WARC, "warc_offset": i * 1000,
                           "redirects": [{"url": url, "status": 301, "location": url}] if legacy else [],
                           **({} if legacy else {"state": "ok", "category": "alive", "state_detail": "HTTP 200"})},
                          {"title": f"News {i}", "text": "Суд Астаны оштрафовал активиста на 184 600 тенге. " * 5})
    vault.close()
    return str(directory)


def _statements(monkeypatch, run) -> int:
    """How many SQL statements `run` makes on read-only vault connections (sqlite3's trace callback)."""
    seen: list[str] = []
    opened = vault_module._read_only_connection

    def traced(path):
        conn = opened(path)
        conn.set_trace_callback(seen.append)
        return conn

    monkeypatch.setattr(vault_module, "_read_only_connection", traced)
    run()
    monkeypatch.setattr(vault_module, "_read_only_connection", opened)
    return len(seen)


@pytest.mark.parametrize("with_claims", [False, True], ids=["report", "with-claims"])
def test_review_build_makes_the_same_number_of_vault_queries_for_6_or_600_links(tmp_path, monkeypatch, with_claims):
    counts = {}
    for n in (6, 600):
        urls = [f"https://kaztag.kz/ru/news/{i}" for i in range(1, n + 1)]
        vault = _vault_of(tmp_path / f"vault-{n}", urls)
        notes = "".join(f"[{i}] {url}\n" for i, url in enumerate(urls, 1))
        report = tmp_path / f"r-{n}.txt"
        report.write_text(_markers(n + 50, notes), encoding="utf-8")
        built = {}
        counts[n] = _statements(monkeypatch, lambda built=built, vault=vault, report=report: built.update(
            r=review(vault, str(report), with_claims=with_claims)))
        rows = [r for r in built["r"].rows if r.url]
        assert len(rows) == n and all(r.capture_id for r in rows)
        assert sum("judged from the status alone" in r.detail for r in rows) == (n + 2) // 3
    assert counts[6] == counts[600]
    db = sqlite3.connect(tmp_path / "vault-600" / "linkvault.db")
    assert db.execute("select count(*) from redirect_hops").fetchone()[0] == 200


def test_fetch_closing_table_is_the_capped_review(tmp_path, fakeweb_env, runner):
    from linkvault.cli import cli

    notes = "".join(f"[{i}] http://10.0.{i // 250}.{i % 250 + 1}/post\n" for i in range(1, 261))
    path = tmp_path / "r.txt"
    path.write_text(_markers(261 + 80, notes + "[261] https://rus.azattyq.org/a/32887882.html\n"), encoding="utf-8")
    result = runner.invoke(cli, ["--vault", str(tmp_path / "vault"), "fetch", str(path), "--no-screenshots",
                                 "--no-timestamp"])
    assert result.exit_code == 1, result.output
    review_table = result.stdout.split("\n\n")[0]
    assert review_table.startswith("Review of ")
    assert sum(" blocked-address " in line for line in review_table.splitlines()) == 200
    flat = " ".join(review_table.split())
    assert "refused … and 60 more refused links (--format json or csv lists every one)" in flat
    assert "missing … and 30 more missing footnotes" in flat and " alive " in review_table
