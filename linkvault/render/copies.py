"""What `copies` prints: per looked-up link, the archived copy offered (archive, date, URI-M, its own state and
the claim check's verdict) and every copy passed over with its reason — or that none was found, or which archive
could not be reached, which is never the same as "no copy exists"."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from linkvault.model import CopiesResult, CopiesRow
from linkvault.model.copies import UNREACHED
from linkvault.render.archive import _console, _say, _text, stamps_sentence, timestamp_json
from linkvault.render.check import counted
from linkvault.render.copy_lines import copy_json, link_lines, reference_words

if TYPE_CHECKING:
    from rich.console import Console


def render_copies(result: CopiesResult, fmt: str, *, color: bool = False, width: int = 120) -> str:
    if fmt == "json":
        return json.dumps(copies_json(result), ensure_ascii=False, indent=2)
    nothing = ("no link to look up: none was found failing, dead, restricted or refused (fetch judges them first; --all looks "
               "up every one)")
    if not result.rows and not result.stamps:
        return nothing
    out, console = _console(color, width)
    report = None
    if not result.rows:  # yet it sealed what earlier runs left unsealed
        _say(console, nothing)
    for row in result.rows:
        if row.report != report:  # the report's path once, above its links
            if report is not None:
                console.print()
            report = row.report
            _say(console, f"Archived copies for {report}", style="bold" if color else "", hang=4)
        _say_url(console, f"[{row.number}] {row.url}", style="bold" if color else "")
        _say(console, f"{row.state or 'not judged'}; {reference_words(row.search.reference)}", indent=4)
        for line, indent in link_lines(row.search):
            _say(console, line, indent=indent)
    if result.rows:
        _say(console, copies_summary(result))
    if result.stamps:  # the copies sealed as a fetch seals its captures
        _say(console, stamps_sentence(result, "the next copies or fetch run tries again"))
    return _text(out)


def _say_url(console: Console, line: str, style: str) -> None:
    """A link's number and URL, the URL cut at the width where it is too long (its continuation indented), never
    moved whole to a line of its own below a bare "[3]"."""
    width = max(console.width, 20)
    _say(console, line[:width], style=style)
    rest = line[width:]
    while rest:
        _say(console, rest[:width - 4], indent=4, style=style)
        rest = rest[width - 4:]


def copies_summary(result: CopiesResult) -> str:
    offered = sum(1 for r in result.rows if r.search.offered is not None)
    unreached = sum(1 for r in result.rows if r.search.unreached)
    parts = [f"{counted(len(result.rows), 'link', 'links')} looked up", f"{offered} with a validated copy"]
    if unreached:
        parts.append(f"{unreached} with an archive not reached")
    said = ", ".join(parts)
    if result.not_looked_up:  # and what to do about them, so "not looked up" is no dead end
        said += f"; {result.not_looked_up} not looked up (alive or not judged; --all looks them up too)"
    return said


def copies_exit(result: CopiesResult) -> str:
    none = sum(1 for r in result.rows if r.search.offered is None)
    unreached = sum(1 for r in result.rows if r.search.unreached)
    parts = ([counted(none, "link without a validated copy", "links without a validated copy")] if none else []) \
        + ([counted(unreached, "link with an archive not reached", "links with an archive not reached")] if unreached else [])
    return "exit 1: " + ", ".join(parts)


def copies_json(result: CopiesResult) -> dict:
    return {"vault": result.vault, "ok": result.ok, "not_looked_up": result.not_looked_up,
            "timestamp": timestamp_json(result), "links": [_row_json(row) for row in result.rows]}


def _row_json(row: CopiesRow) -> dict:
    search, reference = row.search, row.search.reference
    return {
        "report": row.report, "number": row.number, "label": row.label, "url": row.url, "state": row.state,
        "reference": {"date": reference.day.isoformat() if reference.day else None, "basis": reference.basis,
                      "detail": reference.detail},
        "copies": [copy_json(c) for c in search.copies],
        "services": [{"service": s.service, "outcome": s.outcome, "candidates": s.candidates, "detail": s.detail}
                     for s in search.services],
        "unreached": [s.detail for s in search.services if s.outcome == UNREACHED],
    }
