"""Text from reports and pages reaches people only escaped: a report's file name or a page's title with
terminal escape sequences and newlines is shown, not obeyed, in every table, and a title cannot make an
image or a link in `--format markdown`. Over the fake web, through the CLI."""

from __future__ import annotations

import re

import pytest

from linkvault.cli import cli

HOSTILE_TITLE = "![x](http://evil/x.png) [click](javascript:alert(1)) \x1b]0;pwned\x07"
PAGE = ("<!DOCTYPE html><html lang='ru'><head><meta charset='utf-8'>"
        f"<title>{HOSTILE_TITLE}</title><meta property='og:title' content='{HOSTILE_TITLE}'></head><body><article>"
        + "<p>Специализированный административный суд Алматы оштрафовал активиста за участие в митинге. "
          "Решение обжалуют в апелляции.</p>" * 4 + "</article></body></html>")
ARTICLE = "https://kaztag.kz/ru/news/sud-oshtrafoval"
# any byte that would act on a terminal: ESC, BEL, other C0 controls but tab and newline, C1 controls
ACTING = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.fixture
def hostile(tmp_path, fakeweb, runner):
    """A report whose file name clears the screen and breaks a line, citing a page with a hostile title, fetched."""
    from fakeweb.server import html

    name = "Отчёт\x1b[2J\nexit 0: everything holds.txt"
    path = tmp_path / name
    path.write_text("Активиста оштрафовали за митинг[1].\n\n[1] " + ARTICLE + "\n[2] not a link\n", encoding="utf-8")
    vault = tmp_path / "vault"
    with fakeweb.isolated():
        fakeweb.route_url(ARTICLE, html(PAGE))
        fetched = runner.invoke(cli, ["--vault", str(vault), "fetch", str(path), "--proxy", fakeweb.proxy_url,
                                      "--ca-bundle", fakeweb.ca_pem_path, "--no-timestamp", "--no-screenshots"],
                                color=True)  # as on a terminal: click strips no escape sequence
    return path, vault, fetched


def _shown(output: str, path) -> None:
    assert not ACTING.search(output), repr(ACTING.search(output))
    assert "\\e[2J\\nexit 0: everything holds.txt" in output.replace("\n", "")  # the name, shown not obeyed
    assert not any(line.startswith("exit 0: everything holds") for line in output.splitlines())


def test_a_hostile_file_name_and_page_title_are_shown_not_obeyed_on_the_terminal(hostile, runner):
    path, vault, fetched = hostile
    assert "pwned" in fetched.output  # the title was fetched and shown…
    _shown(fetched.output, path)      # …as text
    for args in (["report", str(path)], ["check", str(path)], ["search", "активиста"], ["show", str(path), "1"]):
        result = runner.invoke(cli, ["--vault", str(vault), *args], color=True)
        if args[0] != "check":
            assert "pwned" in result.output, args
        if args[0] in ("report", "check"):
            _shown(result.output, path)
        assert not ACTING.search(result.output), (args, repr(result.output))


def test_a_hostile_page_title_makes_no_image_or_link_in_markdown(hostile, runner):
    path, vault, _ = hostile
    for args in (["report", str(path), "--format", "markdown"], ["check", str(path), "--format", "markdown"]):
        result = runner.invoke(cli, ["--vault", str(vault), *args], color=True)
        text = result.stdout
        assert not ACTING.search(text)
        assert "](" not in text.replace("\\](", "").replace("\\]\\(", "")  # no [text](target) left unescaped
        assert "![" not in text.replace("!\\[", "")
        if args[0] == "report":
            assert "\\!\\[x\\]\\(http://evil/x.png\\) \\[click\\]\\(javascript:alert\\(1\\)\\)" in text
        assert len([line for line in text.splitlines() if line.startswith("# ")]) == 1  # the name broke no line
