"""Plain-text reports robustified: `[N] URL (archived 2024-04-05: URI-M; …)`, the group right after the URL the
entry cites, every other character as it was."""

from __future__ import annotations

from collections.abc import Callable

from linkvault.model import Entry
from linkvault.parsing.archived import strip_groups
from linkvault.parsing.txt import parse_lines
from linkvault.parsing.urls import find_urls
from linkvault.render.robust.source import Source
from linkvault.render.robust.versions import Versions, checked, plain_group

# How one line of a note is rewritten: the line, the versions by cited URL, the URLs already given theirs.
LineWriter = Callable[[str, Versions, set[str]], str]
Where = Callable[[str, int, int], bool]  # whether the URL at line[start:end] may be given its versions


def robustify_text(data: bytes, versions: Versions) -> bytes:
    """The plain-text report `data` with each cited URL's versions written after it in its footnote entry."""
    source = Source.read(data)
    _, entries = parse_lines(list(enumerate(source.text.split("\n"), start=1)))
    rewrite_notes(source, entries, checked(versions), add_group)
    return source.encode()


def note_lines(source: Source, entries: list[Entry]) -> dict[int, list[int]]:
    """Per entry (by its first line), the indexes of the lines it spans: its own and the lines that follow it up to
    a blank line or the next entry."""
    starts = sorted({e.line for e in entries})
    taken = set(starts)
    spans: dict[int, list[int]] = {}
    for start in starts:
        index, span = start - 1, []
        while index < len(source.lines) and source.lines[index].strip() and (index == start - 1 or index + 1 not in taken):
            span.append(index)
            index += 1
        spans[start] = span
    return spans


def rewrite_notes(source: Source, entries: list[Entry], versions: Versions, write: LineWriter) -> None:
    """Rewrite the lines of every entry citing a URL that has versions, each URL given its versions once per entry."""
    wanted = {e.line for e in entries if set(e.urls) & set(versions)}
    for start, span in note_lines(source, entries).items():
        if start not in wanted:
            continue
        done: set[str] = set()
        for index in span:
            source.lines[index] = write(source.lines[index], versions, done)


def add_group(line: str, versions: Versions, done: set[str]) -> str:
    """The line with our earlier groups taken out and, after the first occurrence of each cited URL, its group."""
    return insert_groups(strip_groups(line)[0], versions, done)


def insert_groups(line: str, versions: Versions, done: set[str], where: Where | None = None) -> str:
    """After the first occurrence of each cited URL not yet `done` (and in a place `where` allows), its group; after
    the `>` of a `<URL>`."""
    for start, end, url in reversed(find_urls(line)):
        if url in versions and url not in done and not _later(line, end, url) and (where is None or where(line, start, end)):
            done.add(url)
            end += 1 if line[start - 1:start] == "<" and line[end:end + 1] == ">" else 0
            line = f"{line[:end]} {plain_group(versions[url])}{line[end:]}"
    return line


def _later(line: str, end: int, url: str) -> bool:
    """Whether `url` occurs earlier in the line than the occurrence ending at `end` (only the first gets a group)."""
    return any(u == url and e < end for _, e, u in find_urls(line))
