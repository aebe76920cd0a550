"""The first hour on the command line: options where a newcomer types them, output that fits the
terminal, progress that names what it waits for, and an exit 1 that says why."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLE
from fakeweb import Response
from fakeweb.server import html, redirect, sequence
from fakeweb.sites import FACEBOOK_POST

from linkvault.archive.screenshot import chromium
from linkvault.cli import cli

ARTICLE = "https://rus.azattyq.org/a/32887882.html"


def report(tmp_path: Path, urls: list[str], name: str = "r.txt") -> Path:
    body = " ".join(f"Claim {n}[{n}]." for n in range(1, len(urls) + 1))
    notes = "\n".join(f"[{n}] {u}" for n, u in enumerate(urls, start=1))
    path = tmp_path / name
    path.write_text(f"{body}\n\n{notes}\n", encoding="utf-8")
    return path


# -- --vault after the subcommand ---------------------------------------------------------------


def test_vault_is_accepted_after_the_subcommand_for_fetch_and_report(tmp_path, fakeweb_env, runner):
    path = report(tmp_path, [ARTICLE])
    vault = tmp_path / "v"
    fetched = runner.invoke(cli, ["fetch", str(path), "--vault", str(vault)])
    assert fetched.exit_code == 0, fetched.output
    assert (vault / "linkvault.db").exists()
    assert not (tmp_path / "linkvault-vault").exists()
    reviewed = runner.invoke(cli, ["report", str(path), "--vault", str(vault), "--format", "json"])
    assert reviewed.exit_code == 0, reviewed.output
    assert json.loads(reviewed.stdout)["footnotes"][0]["category"] == "alive"


def test_the_subcommands_vault_wins_over_the_groups_and_the_environment(tmp_path, fakeweb_env, runner, monkeypatch):
    path = report(tmp_path, [ARTICLE])
    monkeypatch.setenv("LINKVAULT_VAULT", str(tmp_path / "from-env"))
    assert runner.invoke(cli, ["--vault", str(tmp_path / "front"), "fetch", str(path),
                               "--vault", str(tmp_path / "after")]).exit_code == 0
    assert (tmp_path / "after" / "linkvault.db").exists()
    assert not (tmp_path / "front").exists() and not (tmp_path / "from-env").exists()
    # the group's flag and the environment keep working on their own
    assert runner.invoke(cli, ["--vault", str(tmp_path / "front"), "fetch", str(path)]).exit_code == 0
    assert (tmp_path / "front" / "linkvault.db").exists()
    assert runner.invoke(cli, ["fetch", str(path)]).exit_code == 0
    assert (tmp_path / "from-env" / "linkvault.db").exists()


def test_every_command_takes_vault_after_it_and_its_help_says_so(runner):
    assert runner.invoke(cli, ["check", str(EXAMPLE), "--vault", "v", "--format", "json"]).exit_code == 1  # offline
    for name in cli.commands:
        result = runner.invoke(cli, [name, "--help"], terminal_width=100)
        assert result.exit_code == 0
        assert "--vault" in result.output and "LINKVAULT_VAULT" in result.output, name


# -- pack's default output, and no silent overwrite ---------------------------------------------


def test_pack_writes_report_name_wacz_here_and_never_overwrites_without_force(tmp_path, fakeweb_env, runner,
                                                                                monkeypatch):
    path = report(tmp_path, [ARTICLE], name="chronicle.txt")
    vault = tmp_path / "vault"
    assert runner.invoke(cli, ["fetch", str(path), "--vault", str(vault)]).exit_code == 0
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    first = runner.invoke(cli, ["pack", str(path), "--vault", str(vault), "--no-timestamp"])
    assert first.exit_code == 0, first.output
    packed = work / "chronicle.wacz"
    assert packed.exists() and "wrote chronicle.wacz" in first.output
    before = packed.read_bytes()

    again = runner.invoke(cli, ["pack", str(path), "--vault", str(vault), "--no-timestamp"])
    assert again.exit_code == 2
    assert again.output.strip().splitlines() == ["linkvault: error: chronicle.wacz exists; pass --force to overwrite it"]
    assert packed.read_bytes() == before

    other = tmp_path / "other.wacz"
    other.write_bytes(b"not mine")
    assert runner.invoke(cli, ["pack", str(path), "--vault", str(vault), "-o", str(other)]).exit_code == 2
    assert other.read_bytes() == b"not mine"
    forced = runner.invoke(cli, ["pack", str(path), "--vault", str(vault), "-o", str(other), "--force",
                                 "--no-timestamp"])
    assert forced.exit_code == 0, forced.output
    assert other.read_bytes()[:2] == b"PK"


# -- every exit 1 says why -----------------------------------------------------------------------

WRONG_PERIOD = "https://adilsoz.kz/weekly-monitoring/narusheniya-svobody-slova-v-kazahstane-s-7-po-14-marta-2024-g-.html"


def last_stderr_line(result) -> str:
    return result.stderr.strip().splitlines()[-1]


def test_check_closes_an_exit_1_with_one_line_saying_why(runner):
    result = runner.invoke(cli, ["check", str(EXAMPLE)])
    assert result.exit_code == 1
    assert last_stderr_line(result) == "exit 1: 15 missing footnotes, 1 wrong link (--fail-on error)"
    assert "exit 1" not in result.stdout
    warning = runner.invoke(cli, ["check", str(EXAMPLE), "--fail-on", "warning"])
    assert last_stderr_line(warning) == ("exit 1: 15 missing footnotes, 1 wrong link, 1 draft or private URL "
                                         "(--fail-on warning)")


def test_fetch_report_and_verify_say_why_they_exit_1(tmp_path, fakeweb_env, runner):
    fakeweb_env.route("orda.kz", "/removed", html("<html><body><h1>Not here</h1></body></html>", status=404))
    path = tmp_path / "r.txt"
    path.write_text("Fine[1]. Removed[2]. Nothing[3]. The review from March 28 to April 4, 2024[4].\n\n"
                    f"[1] {ARTICLE}\n[2] https://orda.kz/removed\n[4] {WRONG_PERIOD}\n", encoding="utf-8")
    vault = tmp_path / "v"
    fetched = runner.invoke(cli, ["fetch", str(path), "--vault", str(vault), "--retries", "0"])
    assert fetched.exit_code == 1
    # a 404 seen once is failing, not dead yet (README: a verdict with a history), and an error all the same
    assert last_stderr_line(fetched) == "exit 1: 1 missing footnote, 1 wrong link, 1 link not archived (1 failing)"
    reviewed = runner.invoke(cli, ["report", str(path), "--vault", str(vault), "--format", "json"])
    assert reviewed.exit_code == 1
    json.loads(reviewed.stdout)  # the line goes to stderr, never into the JSON
    assert last_stderr_line(reviewed) == "exit 1: 1 missing footnote, 1 wrong link, 1 failing link (--fail-on error)"
    verified = runner.invoke(cli, ["verify", str(path), "--vault", str(vault)])
    assert verified.exit_code == 1
    assert last_stderr_line(verified) == "exit 1: 1 missing footnote, 1 wrong link (--fail-on error)"


def _errors_shown(stdout: str) -> dict[str, int]:
    """Rows of each kind in the tables of findings (after the first "Errors (N)" heading)."""
    _, _, findings = stdout.partition("Errors (")
    return {kind: len(re.findall(rf"\[\d+\] +{kind} ", findings))
            for kind in ("missing-footnote", "wrong-link")}


def test_fetch_and_verify_exit_lines_count_the_findings_their_tables_show(tmp_path, fakeweb_env, runner):
    """The claim check adds wrong links to what fetch and verify show; their exit line names the same ones,
    and verify shows the missing footnotes its exit line counts."""
    path = tmp_path / "r.txt"
    path.write_text("On 3 April 2024 a court in Kyzylorda fined Bekmaganbetov A. under Article 488[1]. "
                    "Nothing[2].\n\n"
                    f"[1] {ARTICLE}\n", encoding="utf-8")
    vault = tmp_path / "v"
    fetched = runner.invoke(cli, ["fetch", str(path), "--vault", str(vault), "--retries", "0"])
    assert _errors_shown(fetched.stdout) == {"missing-footnote": 1, "wrong-link": 1}, fetched.stdout
    assert last_stderr_line(fetched) == "exit 1: 1 missing footnote, 1 wrong link"
    verified = runner.invoke(cli, ["verify", str(path), "--vault", str(vault)])
    assert _errors_shown(verified.stdout) == {"missing-footnote": 1, "wrong-link": 1}, verified.stdout
    assert last_stderr_line(verified) == "exit 1: 1 missing footnote, 1 wrong link (--fail-on error)"

def test_audit_says_why_it_exits_1(tmp_path, fakeweb_env, runner):
    import sqlite3

    path = report(tmp_path, [ARTICLE])
    vault = tmp_path / "v"
    assert runner.invoke(cli, ["fetch", str(path), "--vault", str(vault)]).exit_code == 0
    db = sqlite3.connect(vault / "linkvault.db")
    db.execute("update custody set collector = 'Someone else' where id = 1")
    db.commit()
    db.close()
    result = runner.invoke(cli, ["audit", "--vault", str(vault)])
    assert result.exit_code == 1
    assert last_stderr_line(result) == "exit 1: 1 alteration found (named above)"


# -- show gives the verdict ----------------------------------------------------------------------


def test_show_gives_the_footnotes_verdict_as_report_does(tmp_path, fakeweb_env, runner):
    fakeweb_env.route("orda.kz", "/removed", html("<html><body><h1>Not here</h1></body></html>", status=404))
    path = report(tmp_path, [ARTICLE, "https://orda.kz/removed"])
    vault = tmp_path / "v"
    runner.invoke(cli, ["fetch", str(path), "--vault", str(vault), "--retries", "0"])
    rows = {r["number"]: r for r in json.loads(runner.invoke(cli, ["report", str(path), "--vault", str(vault),
                                                                   "--format", "json"]).stdout)["footnotes"]}
    for number in (1, 2):
        shown = runner.invoke(cli, ["show", str(path), str(number), "--vault", str(vault)])
        assert shown.exit_code == 0, shown.output
        row = rows[number]
        assert f"  verdict: {row['category']} / {row['state']}: {row['detail']}" in shown.stdout
    assert rows[2]["category"] == "failing"  # one 404: not dead until its history confirms it


# -- search across scripts -----------------------------------------------------------------------


def test_a_latin_name_finds_its_cyrillic_forms(tmp_path, fakeweb_env, runner):
    from claims_site import AZATTYQ_KZ_KASYMOV, KAZTAG_ADILBEKOV, ORDA_WATER, VLAST_AKKENZHENOV, routes

    fakeweb_env.add_routes(routes())
    path = report(tmp_path, [KAZTAG_ADILBEKOV, VLAST_AKKENZHENOV, AZATTYQ_KZ_KASYMOV, ORDA_WATER])
    vault = tmp_path / "v"
    assert runner.invoke(cli, ["fetch", str(path), "--vault", str(vault)]).exit_code == 0

    def found(query: str) -> set[str]:
        result = runner.invoke(cli, ["search", query, "--vault", str(vault), "--format", "json"])
        assert result.exit_code == 0, result.output
        return {hit["url"] for hit in json.loads(result.stdout)}

    # Адилбекова, Адилбекову (Russian), Қасымовқа, Қасымовтың (Kazakh): the claim check's key meets them all
    assert found("Adilbekov") == {KAZTAG_ADILBEKOV, VLAST_AKKENZHENOV}
    assert found("Kasymov") == {AZATTYQ_KZ_KASYMOV}
    assert found("Adilbekov допросили") == {KAZTAG_ADILBEKOV, VLAST_AKKENZHENOV}
    assert found("Adilbekov Kasymov") == set()  # every word is still required
    table = runner.invoke(cli, ["search", "Adilbekov", "--vault", str(vault)]).stdout
    assert "[Адилбекова]" in table  # the snippet marks the Cyrillic form it matched


# -- tables fit the terminal ---------------------------------------------------------------------

LONG_URL = ("https://vlast.kz/novosti/59904-zhurnalistov-ne-pustili-na-zasedanie-suda.html?utm_source=facebook"
            "&utm_medium=social&utm_campaign=press-freedom-weekly&fbclid=IwAR0xq8Jm3kLwZp")


def columns(text: str) -> int:
    from rich.cells import cell_len

    return max(cell_len(line) for line in text.splitlines())


def whole_words(text: str) -> set[str]:
    return set(text.split())


def assert_words_whole(output: str, sentences) -> None:
    """Every word of these sentences is in the output unbroken (a URL longer than a line may fold)."""
    tokens = whole_words(output)
    for sentence in sentences:
        for word in sentence.split():
            if "://" not in word and len(word) < 40:
                assert word in tokens, f"{word!r} of {sentence!r} is split"


@pytest.fixture
def varied(tmp_path, fakeweb_env, runner):
    """A small report whose links are alive, dead, walled, refused, missing, and one over-long URL."""
    fakeweb_env.route("orda.kz", "/removed", html("<html><body><h1>Not here</h1></body></html>", status=404))
    fakeweb_env.route("bureau.kz", "/novosti/novyj-vitok/", redirect("https://bureau.kz/", 301))
    title = "Суд назначил штраф за призыв к несанкционированному митингу в поддержку правозащитников"
    fakeweb_env.route("tirek.info", "/sud-naznachil-shtraf/", html(
        f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        + "<p>Административный суд назначил активисту штраф в размере 100 МРП за публикацию в социальной сети.</p>" * 3
        + "</article></body></html>"))
    urls = [ARTICLE, "https://orda.kz/removed", "https://bureau.kz/novosti/novyj-vitok/", FACEBOOK_POST, LONG_URL,
            "http://192.168.1.20/wp-admin/post.php?post=118&action=edit", "https://tirek.info/sud-naznachil-shtraf/"]
    path = tmp_path / "r.txt"
    path.write_text(" ".join(f"Claim {n}[{n}]." for n in range(1, 9)) + "\n\n"
                    + "\n".join(f"[{n}] {u}" for n, u in enumerate(urls, start=1)) + "\n", encoding="utf-8")
    vault = tmp_path / "v"
    fetched = runner.invoke(cli, ["fetch", str(path), "--vault", str(vault), "--retries", "0"], env={"COLUMNS": "80"})
    return path, vault, fetched


def test_report_and_check_at_80_columns_fit_and_split_no_word(varied, runner):
    path, vault, fetched = varied
    assert columns(fetched.stdout) <= 80
    env = {"COLUMNS": "80"}  # not a terminal: COLUMNS alone sets the width
    table = runner.invoke(cli, ["report", str(path), "--vault", str(vault)], env=env).stdout
    rows = json.loads(runner.invoke(cli, ["report", str(path), "--vault", str(vault), "--format", "json"]).stdout)
    assert columns(table) <= 80
    assert {r["category"] for r in rows["footnotes"]} >= {"alive", "failing", "restricted"}
    assert_words_whole(table, [r["detail"] for r in rows["footnotes"]]
                       + [f["message"] for f in rows["findings"] if f["severity"] != "info"])
    assert "host" not in table.splitlines()[1]  # the compact layout: note, category, state, detail

    for report in (path, EXAMPLE):
        checked = runner.invoke(cli, ["check", str(report)], env=env).stdout
        findings = json.loads(runner.invoke(cli, ["check", str(report), "--format", "json"]).stdout)["findings"]
        assert columns(checked) <= 80
        assert_words_whole(checked, [f["message"] for f in findings])
    wide = runner.invoke(cli, ["report", str(path), "--vault", str(vault)], env={"COLUMNS": "160"}).stdout
    assert "host" in wide.splitlines()[1] and columns(wide) > 80


def test_the_full_table_splits_no_word_of_a_title_or_falls_back_to_compact(varied, runner, fakeweb_env):
    path, vault, _ = varied
    rows = json.loads(runner.invoke(cli, ["report", str(path), "--vault", str(vault), "--format", "json"]).stdout)
    for width in ("100", "120", "140"):
        table = runner.invoke(cli, ["report", str(path), "--vault", str(vault)], env={"COLUMNS": width}).stdout
        assert columns(table) <= int(width)
        shown = [r["detail"] for r in rows["footnotes"]] + [r["title"] or "" for r in rows["footnotes"]
                                                        if "title" in table.splitlines()[1]]
        assert_words_whole(table, shown)


def test_verify_show_and_search_fit_80_columns(varied, runner):
    path, vault, _ = varied
    env = {"COLUMNS": "80"}
    for args in (["verify", str(path)], ["show", str(path), "5", "--text"], ["show", str(path), "1", "--text"],
                 ["search", "журналист"]):
        result = runner.invoke(cli, [*args, "--vault", str(vault)], env=env)
        assert result.stdout.strip() and columns(result.stdout) <= 80, args
    verified = runner.invoke(cli, ["verify", str(path), "--vault", str(vault)], env=env).stdout
    claims = json.loads(runner.invoke(cli, ["verify", str(path), "--vault", str(vault), "--format", "json"]).stdout)
    assert_words_whole(verified, [f["claim"]["reason"] for f in claims["footnotes"] if f["claim"]])
    shown = runner.invoke(cli, ["show", str(path), "5", "--vault", str(vault)], env=env).stdout
    assert "".join(line.strip() for line in shown.splitlines()).count(LONG_URL) == 1  # folded, not lost


# -- progress that names what it waits for -------------------------------------------------------


def busy_then_ok(times: int = 2) -> list[Response]:
    busy = Response(503, [("Retry-After", "1"), ("Content-Type", "text/plain"), ("Content-Length", "5")], b"busy\n")
    ok = html("<html><head><title>Суд продлил арест</title></head><body><article><h1>Суд продлил арест</h1>"
              "<p>Суд Астаны продлил срок ареста журналиста ещё на два месяца.</p></article></body></html>")
    return [busy] * times + [ok]


def fetch_in_a_log(tmp_path, path, *args, every="0.2"):
    """`fetch` as cron or CI runs it: stderr is a file, not a terminal."""
    env = {**os.environ, "LINKVAULT_PROGRESS_EVERY": every}
    return subprocess.run([sys.executable, "-m", "linkvault", "fetch", str(path), "--vault", str(tmp_path / "v"),
                           *args], capture_output=True, text=True, env=env, timeout=120)


def test_without_a_terminal_a_heartbeat_names_the_host_being_retried(tmp_path, fakeweb_env):
    fakeweb_env.route("kaztag.kz", "/ru/news/busy", sequence(*busy_then_ok()))
    path = report(tmp_path, ["https://kaztag.kz/ru/news/busy"])
    run = fetch_in_a_log(tmp_path, path)
    assert run.returncode == 0, run.stderr
    beats = [line for line in run.stderr.splitlines() if line.startswith("linkvault: fetching ")]
    assert "linkvault: fetching 0/1 · retrying kaztag.kz (attempt 2 of 4, 503)" in beats
    assert "linkvault: fetching 0/1 · retrying kaztag.kz (attempt 3 of 4, 503)" in beats
    assert not any(line.startswith("[1/1]") for line in run.stderr.splitlines())  # no line per URL without -v


def test_without_a_terminal_a_heartbeat_names_the_slow_host(tmp_path, fakeweb_env):
    page = busy_then_ok(0)[0]
    fakeweb_env.route("orda.kz", "/slow", Response(page.status, page.headers, page.body, delay=1.5))
    path = report(tmp_path, ["https://orda.kz/slow"])
    run = fetch_in_a_log(tmp_path, path)
    assert run.returncode == 0, run.stderr
    assert any(re.fullmatch(r"linkvault: fetching 0/1 · waiting for orda\.kz( \(\d+ s\))?", line)
               for line in run.stderr.splitlines()), run.stderr


def test_without_a_terminal_the_heartbeat_names_the_timestamping_stage_and_the_authority_asked(tmp_path,
                                                                                             fakeweb_env):
    fakeweb_env.route("rus.azattyq.org", "/a/32887882.html", busy_then_ok(0)[0])
    fakeweb_env.route("tsa.example.org", "/tsr", Response(503, [("Content-Type", "text/plain"),
                                                                 ("Content-Length", "5")], b"busy\n", delay=1.5))
    path = report(tmp_path, [ARTICLE])
    run = fetch_in_a_log(tmp_path, path, "--tsa", "http://tsa.example.org/tsr")
    beats = [line for line in run.stderr.splitlines() if re.match(r"linkvault: [a-z]+ \d", line)]
    stamping = [n for n, line in enumerate(beats) if line.startswith("linkvault: timestamping 0/1")]
    assert stamping, run.stderr
    assert any(re.fullmatch(r"linkvault: timestamping 0/1 · waiting for tsa\.example\.org( \(\d+ s\))?", line)
               for line in beats), run.stderr
    assert not any(line.startswith("linkvault: fetching") for line in beats[stamping[0]:])


def test_after_timestamping_the_heartbeat_names_save_page_now_with_its_submitted_and_polled_counts(tmp_path,
                                                                                                   fakeweb_env):
    """A slow Save Page Now phase (a job pending for two polls, a poll a second) after the timestamps: the label
    names that phase and how far it is, never "timestamping 0/1 · waiting for …" for an authority long done."""
    from fakeweb.spn import FakeSavePageNow
    from fakeweb.wayback import FakeWayback

    fakeweb_env.route("rus.azattyq.org", "/a/32887882.html", busy_then_ok(0)[0])
    fakeweb_env.route("tsa.example.org", "/tsr", Response(503, [("Content-Type", "text/plain"),
                                                                 ("Content-Length", "5")], b"busy\n"))
    FakeSavePageNow(FakeWayback().install(fakeweb_env), fakeweb_env, keys=("AKIA-tester", "s3cret"),
                    polls_before_success=2)
    (tmp_path / "ia.txt").write_text("AKIA-tester:s3cret\n", encoding="utf-8")
    run = fetch_in_a_log(tmp_path, report(tmp_path, [ARTICLE]), "--tsa", "http://tsa.example.org/tsr",
                         "--save-page-now", "--spn-keys", str(tmp_path / "ia.txt"), "--no-screenshots",
                         "--rate", "ia-spn=6000/min", "--rate", "ia-spn-status=60/min", "--rate", "ia-cdx=6000/min")
    beats = [line for line in run.stderr.splitlines() if line.startswith("linkvault: ")]
    spn = [n for n, line in enumerate(beats) if line.startswith("linkvault: Save Page Now ")]
    assert spn, run.stderr
    assert any(re.fullmatch(r"linkvault: Save Page Now 0/1 · 1 submitted, 1 in progress, polled [12] times?", line)
               for line in beats), run.stderr
    assert not any(line.startswith(("linkvault: timestamping", "linkvault: fetching")) for line in beats[spn[0]:])


@pytest.mark.skipif(chromium() is None, reason="Debian's chromium is not installed (make test installs it as root)")
def test_without_a_terminal_the_heartbeat_names_the_screenshot_stage(tmp_path, fakeweb_env, monkeypatch):
    monkeypatch.delenv("LINKVAULT_NO_SCREENSHOTS")
    fakeweb_env.route("rus.azattyq.org", "/a/32887882.html", html(
        "<html><head><title>Суд продлил арест</title></head><body><h1>Суд продлил арест</h1>"
        "<img src='/slow-chart.png'></body></html>"))
    fakeweb_env.route("rus.azattyq.org", "/slow-chart.png", Response(404, [("Content-Length", "0")], b"", delay=1.5))
    run = fetch_in_a_log(tmp_path, report(tmp_path, [ARTICLE]))
    assert run.returncode == 0, run.stderr
    beats = [line for line in run.stderr.splitlines() if re.match(r"linkvault: [a-z]+ \d", line)]
    assert "linkvault: screenshots 0/1" in beats, run.stderr
    assert not any(line.startswith("linkvault: fetching") for line in beats[beats.index("linkvault: screenshots 0/1"):])


def test_verbose_names_each_retry_as_it_happens(tmp_path, fakeweb_env):
    fakeweb_env.route("kaztag.kz", "/ru/news/busy", sequence(*busy_then_ok(1)))
    path = report(tmp_path, ["https://kaztag.kz/ru/news/busy"])
    run = fetch_in_a_log(tmp_path, path, "-v", every="600")
    assert run.returncode == 0, run.stderr
    lines = run.stderr.splitlines()
    assert any(re.fullmatch(r"retrying kaztag\.kz in 1\.0 s \(attempt 2 of 4, 503\): https://kaztag\.kz/ru/news/busy",
                            line) for line in lines), run.stderr
    assert any(line.startswith("[1/1]") and "HTTP 200" in line for line in lines)


def test_on_a_terminal_the_bar_names_the_host_being_retried(tmp_path, fakeweb_env):
    import pty

    fakeweb_env.route("kaztag.kz", "/ru/news/busy", sequence(*busy_then_ok()))
    path = report(tmp_path, ["https://kaztag.kz/ru/news/busy"])
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "linkvault", "fetch", str(path), "--vault", str(tmp_path / "v")],
                            stdin=subprocess.DEVNULL, stdout=follower, stderr=follower,
                            env={**os.environ, "COLUMNS": "120", "TERM": "xterm"})
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal's other end closed: the run is over
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    assert proc.wait(timeout=60) == 0
    screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", seen.decode("utf-8", "replace"))
    assert "fetching 0/1 · retrying kaztag.kz (attempt 2 of 4, 503)" in screen


def test_one_source_and_one_claim_are_counted_in_the_singular(tmp_path, fakeweb_env, runner):
    """fetch said "1 sources: 1 alive …; 1 footnotes cited with no source" and verify "1 claims"."""
    path = tmp_path / "r.txt"
    path.write_text(f"Fine[1]. Nothing[2].\n\n[1] {ARTICLE}\n", encoding="utf-8")
    vault = tmp_path / "v"
    fetched = runner.invoke(cli, ["fetch", str(path), "--vault", str(vault)])
    said = " ".join(fetched.stdout.split())
    assert "1 source: 1 alive (1 captured in WARC); 1 footnote cited with no source." in said, said
    verified = " ".join(runner.invoke(cli, ["verify", str(path), "--vault", str(vault)]).stdout.split())
    assert "1 claim: " in verified and "1 claims" not in verified, verified


def test_piped_into_a_pager_on_an_80_column_terminal_tables_take_the_terminals_width(tmp_path):
    """`linkvault check r.txt | less` (stdout a pipe, stderr still the terminal, COLUMNS not exported, as in bash):
    the table was 120 columns wide and the terminal cut every long row in two."""
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 80, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.run([sys.executable, "-m", "linkvault", "check", str(EXAMPLE)], stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=follower, env=env, timeout=60)
    os.close(follower)
    os.close(leader)
    out = proc.stdout.decode("utf-8")
    assert proc.returncode == 1 and "\x1b[" not in out  # a pipe still gets no colour
    assert columns(out) <= 80 and "kind" in out
    redirected = subprocess.run([sys.executable, "-m", "linkvault", "check", str(EXAMPLE)], stdin=subprocess.DEVNULL,
                                capture_output=True, env=env, timeout=60)
    assert columns(redirected.stdout.decode("utf-8")) > 80  # no terminal anywhere (cron, CI): 120 as before
