"""A read verb given a vault that does not exist says so in one line naming it, exit 2; only the
default vault may be missing (before the first fetch), and then `report` says so once."""

from __future__ import annotations

import pytest

from linkvault.cli import cli

REPORT = "April 2, Astana, a journalist was questioned[1].\n\n[1] https://rus.azattyq.org/a/32887882.html\n"


@pytest.fixture
def report(tmp_path):
    path = tmp_path / "r.txt"
    path.write_text(REPORT, encoding="utf-8")
    return path


@pytest.mark.parametrize("verb", [["report", "{r}"], ["verify", "{r}"], ["show", "{r}", "1"], ["search", "суд"],
                                  ["audit"], ["pack", "{r}", "-o", "{r}.wacz"]])
def test_every_read_verb_refuses_a_named_vault_that_does_not_exist(tmp_path, runner, report, verb):
    missing = tmp_path / "nowhere"
    result = runner.invoke(cli, ["--vault", str(missing), *(a.format(r=report) for a in verb)])
    assert result.exit_code == 2
    assert result.stdout == "" and "not fetched yet" not in result.output
    [line] = result.stderr.splitlines()
    assert line.startswith(f"linkvault: error: {missing}: no vault here")


def test_a_vault_named_by_the_environment_must_exist_too(tmp_path, runner, report, monkeypatch):
    monkeypatch.setenv("LINKVAULT_VAULT", str(tmp_path / "elsewhere"))
    result = runner.invoke(cli, ["report", str(report)])
    assert result.exit_code == 2 and str(tmp_path / "elsewhere") in result.stderr


def test_before_the_first_fetch_the_default_vault_may_be_missing_and_report_says_so_once(tmp_path, runner, report,
                                                                                         monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LINKVAULT_VAULT", raising=False)
    result = runner.invoke(cli, ["report", str(report)])
    assert result.exit_code == 0 and "not fetched yet" in result.stdout
    notes = [line for line in result.stderr.splitlines() if "no vault found" in line]
    assert notes == [f"linkvault: note: no vault found at {tmp_path / 'linkvault-vault'}: nothing is fetched yet "
                     "(run linkvault fetch, or pass --vault)"]
    assert not (tmp_path / "linkvault-vault").exists()  # reading never creates a vault
