"""What a width test may hold against a table: its own lines, not the file paths the reader gave it."""

from __future__ import annotations

from pathlib import Path


def lines_wider_than(text: str, width: int, *paths: str | Path) -> list[str]:
    """Lines over `width`, but for a line that is just one of `paths`: a path is the reader's, shown whole for
    copying (a terminal wraps it), and its length is the test machine's (its user name, its temp folder)."""
    given = {str(path) for path in paths}
    return [line for line in text.splitlines() if len(line) > width and line.strip() not in given]
