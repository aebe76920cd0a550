"""`fetch` reads each report once and opens its vault once: the closing table (the editor's report of each report,
with its claim verdicts) and the exit line come from the run's own results, read while the run holds the vault."""

from __future__ import annotations

from fakeweb.server import html

from linkvault.cli import cli
from linkvault.model import Report
from linkvault.vault import Vault

ARTICLE = ("<html><head><title>Суд оштрафовал активиста</title></head><body><article><p>Суд Астаны 18 апреля "
           "оштрафовал активиста Асхата Касымова на 184 600 тенге за пост в Facebook. Защита обжалует решение "
           "в апелляционной инстанции, сообщил адвокат.</p></article></body></html>")


def _report(path, url: str) -> None:
    path.write_text(f"On April 18 a court in Astana fined the activist Askhat Kasymov 184,600 tenge[1].\n\n[1] {url}\n",
                    encoding="utf-8")


def _counting(monkeypatch, cls) -> list:
    """Each instance of `cls` made from now on (a Vault opened, a Report parsed), wherever the code names it."""
    made = []
    real = cls.__init__

    def counted(self, *args, **kwargs):
        made.append(self)
        real(self, *args, **kwargs)

    monkeypatch.setattr(cls, "__init__", counted)
    return made


def test_fetch_of_two_reports_parses_each_once_and_opens_the_vault_once(tmp_path, fakeweb, runner, monkeypatch):
    for n in (1, 2):
        fakeweb.route("vlast.kz", f"/novosti/{n}.html", html(ARTICLE))
        _report(tmp_path / f"r{n}.txt", f"https://vlast.kz/novosti/{n}.html")
    opened, parsed = _counting(monkeypatch, Vault), _counting(monkeypatch, Report)
    result = runner.invoke(cli, ["--vault", str(tmp_path / "vault"), "fetch", str(tmp_path / "r1.txt"),
                                 str(tmp_path / "r2.txt"), "--proxy", fakeweb.proxy_url, "--ca-bundle",
                                 fakeweb.ca_pem_path, "--no-screenshots", "--no-timestamp"])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("Review of") == 2 and result.stdout.count(" ok ") == 2  # the two reports' tables
    assert len(parsed) == 2  # was 4: each report parsed again for its table
    assert len(opened) == 1  # was 5: each report's table opened the vault twice more


def test_the_closing_table_is_the_report_as_fetched_though_its_file_changed_during_the_run(tmp_path, fakeweb, runner):
    """The table says what this run archived for the report it read, not what a file edited meanwhile cites."""
    path = tmp_path / "r.txt"
    _report(path, "https://vlast.kz/novosti/1.html")

    def edited_while_fetched(request):
        _report(path, "https://orda.kz/never-fetched")
        return html(ARTICLE)

    fakeweb.route("vlast.kz", "/novosti/1.html", edited_while_fetched)
    result = runner.invoke(cli, ["--vault", str(tmp_path / "vault"), "fetch", str(path), "--proxy", fakeweb.proxy_url,
                                 "--ca-bundle", fakeweb.ca_pem_path, "--no-screenshots", "--no-timestamp"])
    table = " ".join(result.stdout.split())
    assert "[1] vlast.kz alive ok" in table and "orda.kz" not in table, result.stdout
    assert "not fetched yet" not in table and result.exit_code == 0, result.output
