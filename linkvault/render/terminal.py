"""How the person reading will see the text: in colour or not, and how wide, so tables fit their terminal."""

from __future__ import annotations

import os
import sys

MIN_WIDTH = 60  # narrower than this, tables would be all wrapping: render at 60 and let the terminal wrap


def terminal_look() -> tuple[bool, int]:
    """Colour on a terminal; the width COLUMNS says (on a terminal or not), else the terminal's, else 120.

    Piped into a pager (`linkvault report r.txt | less`), stdout is no terminal but stderr still is: its width
    is the one the reader sees (bash does not export COLUMNS)."""
    tty = sys.stdout.isatty()
    color = tty and "NO_COLOR" not in os.environ
    columns = os.environ.get("COLUMNS", "")
    width = 120
    if columns.isdigit() and int(columns) > 0:
        width = int(columns)
    else:
        for stream in (sys.stdout, sys.stderr):
            try:
                width = os.get_terminal_size(stream.fileno()).columns or width
                break
            except (AttributeError, OSError, ValueError):  # not a terminal, or no file descriptor (CliRunner)
                continue
    return color, max(width, MIN_WIDTH)
