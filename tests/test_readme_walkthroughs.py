"""README.md's walkthroughs (the editor's and the lawyer's flow, issue 14; the researcher's with a research account,
issue 15; the editor's monthly routine of rechecks, issue 16) are what the commands print now.

tests/walkthroughs.py runs every command of both walkthroughs on the fake web and returns each README block; this
test fails when a block in README.md (between `<!-- walkthrough: NAME -->` and `<!-- /walkthrough -->`) differs.
After a change to what a command prints, regenerate the blocks and review the diff before committing:

    LINKVAULT_UPDATE_README=1 .venv/bin/python -m pytest tests/test_readme_walkthroughs.py

Values that change from run to run are placeholders of the same length; `#` stands for a run of digits whose
length may differ (a process id, a byte offset), so where the README shows one, a difference in `#`s or in where
such a line wraps is no difference.
"""

from __future__ import annotations

import difflib
import os
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from walkthroughs import ACCOUNT, CHRONICLE, HOME, run_walkthroughs

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"(<!-- walkthrough: (?P<name>[\w-]+) -->\n```\n)(?P<text>.*?)\n?```\n<!-- /walkthrough -->", re.S)
END = "\n```\n<!-- /walkthrough -->"
UPDATE = os.environ.get("LINKVAULT_UPDATE_README") == "1"


@pytest.fixture(scope="module")
def blocks(fakeweb_session) -> dict[str, str]:
    return run_walkthroughs(fakeweb_session)


def readme_blocks(text: str) -> dict[str, str]:
    return {m["name"]: m["text"] for m in BLOCK.finditer(text)}


def same_output(shown: str, now: str) -> bool:
    """Equal; or, where `#` masks digits of varying length, equal but for how many `#`s and where lines wrap."""
    if shown == now:
        return True
    if "#" not in now:
        return False
    squash = lambda text: " ".join(re.sub(r"#+", "#", text).split())  # noqa: E731
    return squash(shown) == squash(now)


def test_the_readme_walkthroughs_show_what_the_commands_print_now(blocks):
    text = README.read_text(encoding="utf-8")
    shown = readme_blocks(text)
    assert sorted(shown) == sorted(blocks), "README.md's walkthrough blocks are not the ones tests/walkthroughs.py runs"
    if UPDATE:
        updated = BLOCK.sub(lambda m: m.group(1) + (m["text"] if same_output(m["text"], blocks[m["name"]])
                                                    else blocks[m["name"]]) + END, text)
        if updated != text:
            README.write_text(updated, encoding="utf-8")
        return
    stale = [name for name in blocks if not same_output(shown[name], blocks[name])]
    diff = "\n".join(line for name in stale for line in difflib.unified_diff(
        shown[name].splitlines(), blocks[name].splitlines(), f"README.md {name}", "now", lineterm=""))
    assert not stale, (f"README.md's walkthrough blocks {stale} differ from what the commands print now; regenerate "
                       f"with LINKVAULT_UPDATE_README=1 .venv/bin/python -m pytest tests/{Path(__file__).name} and review:\n"
                       + diff)


def test_the_walkthroughs_tell_the_story_the_readme_tells(blocks):
    """Regenerating must not quietly turn the story into another: the editor's dead footnote gets the article's copy,
    the two closer captures passed over with their reasons, and `check` reads the robustified report as the original;
    the lawyer's sources are witnessed (one differs), and the pack audits whole."""
    copies = blocks["editor-copies"]
    assert "the Internet Archive 2024-04-01T09:12:33Z — offered (ok, claim supported)" in copies
    flat = " ".join(copies.split())
    assert "2024-04-03T08:10:00Z — passed over: the page answers 200 but says it is not found" in flat
    assert "2024-04-02T10:15:00Z — passed over: redirected to https://kaztag.kz/ (site front page)" in flat
    assert "1 link looked up, 1 with a validated copy" in copies
    robust = blocks["editor-robustify"]
    assert ("[3] https://kaztag.kz/ru/news/x (archived 2024-04-01: "
            "https://web.archive.org/web/20240401091233/https://kaztag.kz/ru/news/x)") in robust
    checked = [line.split(": ", 1)[1] for line in robust.splitlines() if line.startswith("chronicle")]
    assert len(checked) == 2 and checked[0] == checked[1] == "4 citations, 4 sources, no problems found"
    assert "witnessed: 2 same, 1 differs" in blocks["lawyer-fetch"]
    assert "witness: the Internet Archive's capture at YYYY-MM-DDThh:mm:ssZ holds the" in blocks["lawyer-show"]
    assert blocks["lawyer-pack"].endswith("everything holds")
    assert blocks["editor-report"] == "$ cat chronicle.txt\n" + CHRONICLE.rstrip("\n")
    _the_researchers_story(blocks)
    _the_editors_month(blocks)
    today = datetime.now(timezone.utc).date()
    assert f"{HOME}/chronicle.txt [1]" in blocks["lawyer-show"]
    assert not [name for name, text in blocks.items() if today.isoformat() in text or today.strftime("%Y%m%d") in text]


def _the_researchers_story(blocks: dict[str, str]) -> None:
    """The researcher's: the cookies shown without their values, the four posts as the account sees them (two
    archived, one gone, one closed to it, in the site's words), the post shown with its text, author, date, images
    and account, and the secret in no file of the vault."""
    assert "••••" in blocks["researcher-cookies"] and "xs\t••••" in blocks["researcher-cookies"]
    fetched = blocks["researcher-fetch"]
    assert "4 footnotes: 2 alive, 1 failing, 1 restricted" in fetched  # a deleted post seen once: not dead yet
    assert re.search(r"\[3\]\s+failing\s+deleted-post", fetched) and re.search(r"\[4\]\s+restricted\s+members-only", fetched)
    assert "You must be a member of this group" in " ".join(fetched.split())
    assert f"All sources captured logged in as {ACCOUNT}" in " ".join(fetched.split())  # once, not on every row
    shown = blocks["researcher-show"]
    for part in (f"captured logged in as {ACCOUNT}", "images: 2 archived with the post", "author: Гульмира Ахметова",
                 "published:", "Касенову"):
        assert part in " ".join(shown.split()), part
    assert "scontent" not in shown and "scontent" not in blocks["researcher-report"]
    secret = blocks["researcher-secret"].splitlines()
    assert "Cookie: [redacted by linkvault]" in secret
    counts = [line for line in secret if line.startswith("linkvault-vault/")]
    assert any(".warc.gz:" in line for line in counts) and any("linkvault.db:" in line for line in counts)
    assert counts and all(line.endswith(":0") for line in counts), counts


def _the_editors_month(blocks: dict[str, str]) -> None:
    """The editor's monthly routine: the first weekly run finds the drifts (a passage gone, a page replaced) and the
    day's changes; the deleted post dies on its third failure, dated from its first; a month on, `changes` lists the
    outage and its recovery, and `report` each link's history and drift."""
    week = " ".join(blocks["routine-week"].split())
    assert "Re-checked as of 2026-10-12 09:30 UTC (links due)" in week and "5 checked again" in week
    assert all(drift in week for drift in ("![1] passage-gone", "![3] page-replaced", "![5] passage-gone"))
    assert "Changes since 2026-10-12 09:30 UTC (when the last run began)" in week
    dead = " ".join(blocks["routine-dead"].split())
    assert "Re-checked as of 2026-10-18 09:30 UTC" in dead and "[4] deleted-post dead (since 2026-10-12)" in dead
    assert "1 checked again" in dead
    month = " ".join(blocks["routine-month"].split())
    assert "Changes since 2026-10-05 00:00 UTC" in month
    assert "→ alive 2026-10-15 info" in month and "→ dead 2026-10-18 error" in month
    assert "dead (since 2026-10-12); first seen 2026-10-05" in month and "drift ![3] page-replaced" in month
