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
