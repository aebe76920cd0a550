"""Benchmarks, run by `make bench` (deselected from `make test`). They print figures; they assert no timings."""

from __future__ import annotations

import random
import time

import pytest

import linkvault

pytestmark = pytest.mark.bench

HOSTS = ["rus.azattyq.org/a/{}.html", "kaztag.kz/ru/news/{}-novost", "t.me/AdalSotKz/{}",
         "www.facebook.com/groups/ActivistsNotExtremists/posts/{}/", "vlast.kz/novosti/{}-zakon.html"]


def _big_report(n: int) -> str:
    rng = random.Random(7)
    body = []
    for i in range(1, n + 1):
        body.append(f"April {i % 30 + 1}, Astana, activist Dzhakhin A. was fined under Article 488, Part 7 "
                    f"of the Code of Administrative Offences of the RK, 15 days of detention[{i}].")
        if i % 3 == 0:
            body.append("")
    notes = []
    for i in range(1, n + 1):
        if rng.random() < 0.1:
            notes.append("")
            continue
        url = "https://" + rng.choice(HOSTS).format(30_000_000 + i)
        notes.append(f"[{i}] {url}{'?fbclid=IwAR3xe' if rng.random() < 0.05 else ''}")
        notes.append("")
    return "\n".join(body) + "\n\n\n" + "\n".join(notes) + "\n"


def test_bench_parse_and_check_10000_footnotes(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text(_big_report(10_000), encoding="utf-8")
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        result = linkvault.check(path)
        best = min(best, time.perf_counter() - start)
    assert len(result.report.citations) == 10_000
    print(f"\nparse+check of a 10,000-footnote report ({path.stat().st_size / 1e6:.1f} MB): best of 3 = {best:.3f} s")


def test_bench_verify_1000_claims_against_archived_texts():
    """The claim check alone: 1,000 citing sentences against 1,000 archived Russian texts, no network."""
    from linkvault.claims.facts import claim_facts
    from linkvault.claims.match import Source, check_claim

    rng = random.Random(11)
    surnames = ["Адилбеков", "Насырханов", "Угубаева", "Сыроежкин", "Джомартов", "Қасымов", "Әбдіков", "Смакова"]
    latin = ["Adilbekov D.", "B. Nasyrkhanov", "Ugubaeva S.", "Syroezhkin K.", "Dzhomartov S.", "Kasymov E.",
             "Abdikov G.", "Smakova A."]
    pairs = []
    for n in range(1000):
        i = rng.randrange(len(latin))
        article, fine = rng.choice([488, 489, 174, 434]), rng.choice([184600, 258440, 73840])
        claim = (f"April {n % 28 + 1}, Astana, {latin[i]}, Article {article}, Part 7 of the Code of Administrative "
                 f"Offences of the RK, was fined {fine} tenge for a post calling for a rally")
        text = " ".join([
            f"{n % 28 + 1} апреля 2024 года суд Астаны признал {surnames[i if n % 5 else (i + 1) % len(surnames)]}а "
            f"виновным по части 7 статьи {article} КоАП РК и назначил штраф в размере {fine:,} тенге.".replace(",", " "),
            "Правозащитники назвали решение необоснованным и намерены обжаловать его. " * 20,
        ])
        pairs.append((claim, Source(f"https://kaztag.kz/ru/news/{n}", title=f"Суд оштрафовал активиста {n}", text=text)))
    start = time.perf_counter()
    verdicts = [check_claim(claim_facts(claim, claim, 2024), source, 2024).verdict for claim, source in pairs]
    elapsed = time.perf_counter() - start
    assert len(verdicts) == 1000 and "supported" in verdicts
    counts = {v: verdicts.count(v) for v in sorted(set(verdicts))}
    print(f"\nverify 1,000 claims against archived texts (~1.6 KB each): {elapsed:.2f} s; verdicts {counts}")


def test_bench_example_report_with_and_without_screenshots(tmp_path):
    """The example's 85 sources on the fake web: fetch time without screenshots, then with one and three tabs."""
    import os
    import subprocess
    import sys

    from conftest import EXAMPLE
    from fakeweb import FakeWeb
    from fakeweb.sites import all_sites

    from linkvault.archive.screenshot import chromium

    if chromium() is None:
        pytest.skip("Debian's chromium is not installed")
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["LINKVAULT_TSA"] = ""
    env.pop("LINKVAULT_NO_SCREENSHOTS", None)
    times = {}
    with FakeWeb(all_sites()) as web:
        runs = (("without", ["--no-screenshots"]), ("1 tab", ["--tabs", "1"]), ("3 tabs", ["--tabs", "3"]))
        for label, extra in runs:
            cmd = [sys.executable, "-m", "linkvault", "--vault", str(tmp_path / label), "fetch", str(EXAMPLE),
                   "--proxy", web.proxy_url, "--ca-bundle", web.ca_pem_path, "--format", "json", *extra]
            start = time.perf_counter()
            subprocess.run(cmd, env=env, capture_output=True, check=False)
            times[label] = time.perf_counter() - start
        # The baseline: what a script would do without linkvault, one `chromium --screenshot` process per page
        # (and only the first screen of each, not the whole page).
        urls = [u for note in linkvault.parse_report(EXAMPLE).footnotes for u in note.urls]
        start = time.perf_counter()
        for n, url in enumerate(urls):
            subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                            "--disable-component-update", "--no-first-run", f"--user-data-dir={tmp_path / 'cli'}",
                            f"--proxy-server={web.proxy_url}", "--ignore-certificate-errors", "--window-size=1280,800",
                            f"--screenshot={tmp_path / f'cli-{n}.png'}", url], capture_output=True, timeout=60)
        baseline = time.perf_counter() - start
    added = {label: times[label] - times["without"] for label, _ in runs[1:]}
    print(f"\nexample report, 85 sources on the fake web: {times['without']:.1f} s without screenshots")
    for label, _ in runs[1:]:
        print(f"  with screenshots, {label} at once: {times[label]:.1f} s ({added[label] / 85:.2f} s per page added)")
    print(f"  baseline, `chromium --screenshot` once per URL (first screen only): {baseline:.1f} s for {len(urls)} "
          f"URLs; / linkvault's added time with 3 tabs: {baseline / added['3 tabs']:.1f}x")


# Bounded work for hostile reports: each case in a child process of its own, so its peak RSS is its own.
_MEASURE = """
import sys, time
import linkvault
from linkvault.render import render_check
start = time.perf_counter()
try:
    result = linkvault.check(sys.argv[1])
    checked = time.perf_counter()
    render_check(result, "table")
    outcome = (f"{len(result.report.citations):,} citations, {len(result.findings):,} findings; "
               f"table {time.perf_counter() - checked:.1f} s")
except linkvault.InputError as exc:
    outcome = f"refused: {exc}"
elapsed = time.perf_counter() - start
# VmHWM, not ru_maxrss: a forked child inherits its parent's maxrss, the high-water mark starts afresh at exec
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(f"{elapsed:.2f}\\t{peak / 1024:.0f}\\t{outcome}")
"""


def _measure(label: str, path, *, script: str = _MEASURE, args=()) -> None:
    """Run `script` (printing seconds, MiB and an outcome, tab-separated) on `path` in a child process."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", script, str(path), *args], capture_output=True, text=True,
                         timeout=1800)
    assert out.returncode == 0, out.stderr
    seconds, rss, outcome = out.stdout.strip().split("\t")
    size = path.stat().st_size if path.is_file() else 0
    print(f"  {label:<42} {size / 1e6:>8.1f} MB  {float(seconds):>7.2f} s  {int(rss):>6} MiB peak RSS   {outcome}")


def test_bench_bounds_markers_in_one_paragraph(tmp_path):
    """One paragraph of N markers and no footnote list: N missing footnotes, the table capped at 50 a kind.
    Before issue 12: 40,000 markers took 74 s and 2.4 GB; 1,000,000 ran out of memory."""
    print("\nmarkers in one paragraph (parse + check + table); time and peak RSS of the whole process")
    for n in (10_000, 100_000, 1_000_000):
        path = tmp_path / f"markers-{n}.txt"
        path.write_text("April 18, Almaty, a claim " + " ".join(f"x[{i}]" for i in range(1, n + 1)) +
                        "\n\nNotes\n[1] https://kaztag.kz/ru/news/1\n", encoding="utf-8")
        _measure(f"{n:,} markers", path)


def test_bench_bounds_report_size_and_type(tmp_path):
    """Regular reports of growing size, then what is refused before it is read: over 100 MiB, a device, a FIFO."""
    import os

    print("\nreport size and type")
    for n in (500, 5_000, 50_000):
        path = tmp_path / f"report-{n}.txt"
        path.write_text(_big_report(n), encoding="utf-8")
        _measure(f"{n:,} footnotes", path)
    sparse = tmp_path / "over-cap.txt"
    with open(sparse, "wb") as fh:
        fh.truncate(100 * 1024 * 1024 + 1)
    _measure("100 MiB + 1 byte (sparse)", sparse)
    zero = tmp_path / "zero.txt"
    zero.symlink_to("/dev/zero")
    _measure("symlink to /dev/zero", zero)
    fifo = tmp_path / "fifo.txt"
    os.mkfifo(fifo)
    _measure("FIFO", fifo)


def test_bench_bounds_docx(tmp_path):
    """document.xml of dense paragraphs (43 elements each) at growing sizes up to past the 2 million elements, then
    a bomb past the 50 MiB budget.
    Before issue 12: a 609 KB docx took 61 s and 4.2 GB."""
    from test_bounds import MIB, _docx_with, dense_paragraphs

    print("\n.docx (the size shown is the zip's; the XML unpacks to the size named)")
    for paragraphs in (3_000, 30_000, 45_000, 150_000):
        path = tmp_path / f"dense-{paragraphs}.docx"
        dense = dense_paragraphs(paragraphs)
        _docx_with(path, body=dense)
        _measure(f"{len(dense) / 1e6:.0f} MB of body XML, {43 * paragraphs:,} elements", path)
    bomb = tmp_path / "bomb.docx"
    _docx_with(bomb, document_xml_pad=40 * MIB, footnotes_xml_pad=40 * MIB)
    _measure("80 MB of XML in all (refused)", bomb)


def test_bench_bounds_html(tmp_path):
    """HTML reports of N cited paragraphs (6 tags counting closing ones), then past the 2 million tags."""
    print("\nHTML reports")
    for n in (1_000, 10_000, 100_000, 600_000):
        path = tmp_path / f"page-{n}.html"
        body = "".join(f"<p>A claim {i}.<sup>{i}</sup></p>\n" for i in range(1, n + 1))
        notes = "".join(f"<li>https://kaztag.kz/ru/news/{i}</li>\n" for i in range(1, n + 1))
        path.write_text(f"<html><body>{body}<ol>{notes}</ol></body></html>", encoding="utf-8")
        _measure(f"{n:,} notes ({6 * n + 4:,} tags)", path)


def test_bench_bounds_audit_of_a_pack(tmp_path):
    """`audit FILE.wacz` on packs whose one WARC record (or pages entry) unpacks to growing sizes of zeros, then
    a pack whose directory declares past the 8 GiB cap. Time and peak RSS of the whole `linkvault audit` process.
    Before issue 12: a 2 MB hostile pack took 4.25 GB and gave no verdict after 120 s."""
    from test_pack_bounds import MIB, _audit, _lie_about_size, _pack, _warc_with_block

    print("\naudit FILE.wacz (the size shown is the pack's; the entry unpacks to the size named)")
    cases = []
    for size in (16, 256, 2048):
        record = tmp_path / f"record-{size}.wacz"
        _pack(record, {"archive/big.warc": _warc_with_block("urn:screenshot:big", size * MIB)})
        cases.append((f"a WARC record of {size:,} MiB", record))
    for size in (16, 256, 2048):
        pages = tmp_path / f"pages-{size}.wacz"
        _pack(pages, {"pages/pages.jsonl": size * MIB})
        cases.append((f"pages.jsonl of {size:,} MiB", pages))
    lying = tmp_path / "declares-12-gib.wacz"
    _pack(lying, {f"pages/p{i}.jsonl": MIB for i in range(3)})
    for i in range(3):
        _lie_about_size(lying, f"pages/p{i}.jsonl", 0xFFFFFFFE)
    cases.append(("entries declaring 12 GiB (refused)", lying))
    for label, path in cases:
        start = time.perf_counter()
        out, peak, err = _audit(path)
        seconds = time.perf_counter() - start
        outcome = (out.stdout.strip().splitlines() or err or [""])[-1].rpartition(": ")[2][:60]
        print(f"  {label:<42} {path.stat().st_size / 1e6:>8.2f} MB  {seconds:>7.2f} s  {peak:>6.0f} MiB peak RSS   "
              f"exit {out.returncode}, {outcome}")
