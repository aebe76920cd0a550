"""Escaping for text linkvault prints and for Markdown it writes: report paths, page titles, details and
snippets come from untrusted files and pages.

On a terminal, an escape sequence in a file name or a title (`\\x1b[2J`, `\\x1b]0;…\\x07`) would clear
the screen or retitle the window, and a newline would forge a line of our own output; in Markdown, a
title would become an image or a link. (HTML has its own: `htmlsafe`.)
"""

from __future__ import annotations

import re

# C0 controls but tab, DEL, C1 controls (U+009B is a one-byte CSI) and the bidirectional overrides and
# isolates that reorder what a terminal shows (CVE-2021-42574, "Trojan Source")
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\x1b": "\\e"}
# what CommonMark reads as syntax inline: emphasis, code, links and images, raw HTML and entities, table cells
_MARKDOWN = re.compile(r"([\\`*_\[\]()!<|~&])")


def _visible(match: re.Match[str]) -> str:
    char = match.group(0)
    return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def terminal_safe(text: object) -> str:
    """`text` with every control character shown as an escape (`\\e[2J`, `\\n`) instead of acting on the
    terminal; a tab becomes a space. Plain text is returned as it is."""
    text = "" if text is None else str(text)
    return _CONTROL.sub(_visible, text.replace("\t", " "))


def rich_safe(text: object) -> str:
    """`terminal_safe` text that rich prints as written: its markup (`[bold]`) escaped too."""
    from rich.markup import escape

    return escape(terminal_safe(text))


def markdown_safe(text: object) -> str:
    """Markdown inline text that renders as the text itself: syntax backslash-escaped (no image, link,
    raw HTML or table cell break can be made of it), line breaks as spaces, controls made visible."""
    text = "" if text is None else str(text)
    text = " ".join(text.replace("\r\n", "\n").split("\n"))
    return _MARKDOWN.sub(r"\\\1", terminal_safe(text))
