"""`linkvault show` lists each cited URL's archived copies as the last `copies` search left them: the copy offered
(archive, memento date, URI-M, its own state, the claim check's verdict), each copy passed over with its reason, an
archive that could not be asked; nothing for a URL never looked up. The vault is only read. Issue 14."""

from __future__ import annotations

from test_robustify_command import (  # the vault robustify's tests fetch and record `copies` searches into
    DEAD_ARTICLE,
    NEVER_SEARCHED,
    OFFERED_M,
    REDIRECT_M,
    SOFT_404_M,
    UNREACHED_URL,
    _vault_bytes,
    fetched,  # noqa: F401 (a fixture)
)

from linkvault.cli import cli


def _show(runner, vault_dir, report, label: str) -> list[str]:
    result = runner.invoke(cli, ["--vault", str(vault_dir), "show", str(report), label])
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def _copies_block(lines: list[str]) -> list[str]:
    """From the "archived copies" line to the first line that is not indented deeper than it."""
    start = next(i for i, line in enumerate(lines) if line.startswith("  archived copies"))
    block = [lines[start]]
    for line in lines[start + 1:]:
        if not line.startswith("    "):
            break
        block.append(line)
    return block


def test_show_lists_the_copy_offered_and_each_copy_passed_over_with_its_reason(fetched, runner):  # noqa: F811
    vault_dir, reports = fetched
    before = _vault_bytes(vault_dir)
    lines = _show(runner, vault_dir, reports["txt"], "1")
    assert lines[1] == f"  cited: {DEAD_ARTICLE}"
    assert _copies_block(lines) == [
        "  archived copies, cited as of 2024-04-04 (the entry's date):",
        "    the Internet Archive 2024-04-01T09:12:33Z — offered (ok, claim supported)",
        f"      {OFFERED_M}",
        "    the Internet Archive 2024-04-03T08:10:00Z — passed over: the archived page says 'Страница не найдена'",
        f"      {SOFT_404_M}",
        "    the Internet Archive 2024-04-02T10:15:00Z — passed over: a redirect to the site's front page "
        "(https://kaztag.kz/)",
        f"      {REDIRECT_M}"]
    assert _vault_bytes(vault_dir) == before  # show only reads


def test_show_says_which_archive_could_not_be_asked_and_nothing_of_a_url_never_looked_up(fetched, runner):  # noqa: F811
    vault_dir, reports = fetched
    unreached = _show(runner, vault_dir, reports["md"], "3")
    assert unreached[1] == f"  cited: {UNREACHED_URL}"
    assert _copies_block(unreached) == [
        "  archived copies, cited as of 2024-04-04 (the entry's date):",
        "    no copy in the archives that answered (Arquivo.pt); the Internet Archive could not be reached (the "
        "connection was",
        "    reset) — a later run asks it again"]
    never = _show(runner, vault_dir, reports["md"], "4")
    assert never[1] == f"  cited: {NEVER_SEARCHED}"
    assert not any("archived copies" in line for line in never)
