"""Renderers for `check` results."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import TypeVar

from linkvault.model import CheckResult, Finding, Severity
from linkvault.render.textsafe import markdown_safe, rich_safe

FINDING_PHRASES = {
    "missing-footnote": ("missing footnote", "missing footnotes"),
    "duplicate-footnote": ("duplicate footnote", "duplicate footnotes"),
    "invalid-url": ("invalid URL", "invalid URLs"),
    "uncited-footnote": ("uncited footnote", "uncited footnotes"),
    "out-of-order": ("numbering problem", "numbering problems"),
    "no-url": ("entry without a URL", "entries without a URL"),
    "draft-url": ("draft or private URL", "draft or private URLs"),
    "duplicate-url": ("duplicate source", "duplicate sources"),
    "tracking-parameters": ("URL with tracking parameters", "URLs with tracking parameters"),
    "wrong-link": ("wrong link", "wrong links"),
    "weak-support": ("weakly supported claim", "weakly supported claims"),
    "entry-date": ("entry dated before its source's period ends", "entries dated before their sources' periods end"),
    "source-date": ("source filed far from its event", "sources filed far from their events"),
    "passage-gone": ("supporting passage gone", "supporting passages gone"),
    "page-replaced": ("page replaced by another", "pages replaced by others"),
    "source-died": ("source that died", "sources that died"),
    "source-failing": ("failing source", "failing sources"),
}
# Under this many columns tables drop what an editor can look up elsewhere (line numbers, hosts, titles),
# so the text left wraps between words instead of being cut mid-word into slivers.
COMPACT_BELOW = 100
_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_TITLE = {Severity.ERROR: "Errors", Severity.WARNING: "Warnings", Severity.INFO: "Info"}


def summary_line(result: CheckResult) -> str:
    s = result.summary
    parts = [counted(s["citations"], "citation", "citations"), counted(s["sources"], "source", "sources")]
    for kind, (one, many) in FINDING_PHRASES.items():
        n = s["by_kind"].get(kind, 0)
        if n:
            parts.append(counted(n, one, many))
    if not result.findings:
        parts.append("no problems found")
    return ", ".join(parts)


def counted(n: int, one: str, many: str) -> str:
    """"1 source", "3 sources": every summary and exit line counts this way."""
    return f"{n} {one if n == 1 else many}"


def as_json_object(result: CheckResult) -> dict:
    """The report object of the shared vocabulary; `check` fetches nothing, so every link's state is unknown."""
    from linkvault.render.records import footnote_record, gap_record, report_object

    records = []
    for note in result.report.footnotes:
        text, cited_at = note.text, list(note.cited_at)
        if not note.urls:
            records.append(gap_record(note, text=text, cited_at=cited_at))
        records += [footnote_record(number=note.number, label=note.label, line=note.line, url=url, category="unknown",
                                    state="unknown", detail="not fetched: check works offline", text=text,
                                    cited_at=cited_at)
                    for url in note.urls]
    return report_object(result, result.summary, result.findings, records)


def render_check(result: CheckResult, fmt: str, *, color: bool = False, width: int = 100) -> str:
    if fmt == "json":
        return json.dumps(as_json_object(result), ensure_ascii=False, indent=2)
    if fmt == "csv":
        return _csv(result.findings)
    if fmt == "markdown":
        return _markdown(result)
    return _table(result, color=color, width=width)


def _csv(findings: list[Finding]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["severity", "kind", "number", "line", "message"])
    for f in findings:
        writer.writerow([f.severity.value, f.kind, f.number, f.line if f.line is not None else "", f.message])
    return out.getvalue().rstrip("\n")


# A table shows at most this many findings of one kind and sums up the rest in a row: a million missing
# footnotes took minutes to lay out and no one reads them on a screen. JSON and CSV list every one.
MAX_ROWS_PER_KIND = 50
T = TypeVar("T")


def capped(items: Iterable[T], limit: int = MAX_ROWS_PER_KIND, *, kind: Callable[[T], str] = attrgetter("kind"),
           limits: dict[str, int] | None = None) -> tuple[list[T], dict[str, int]]:
    """The first `limit` items of each kind (a finding's kind unless `kind` says; `limits` gives some kinds
    their own cap), in order, and how many more of each kind are left out."""
    shown: list[T] = []
    seen: dict[str, int] = {}
    cap = limits or {}
    for item in items:
        k = kind(item)
        seen[k] = seen.get(k, 0) + 1
        if seen[k] <= cap.get(k, limit):
            shown.append(item)
    return shown, {k: n - cap.get(k, limit) for k, n in seen.items() if n > cap.get(k, limit)}


def more_row(kind: str, n: int) -> str:
    """The row that stands for what a capped table leaves out."""
    return f"… and {n:,} more {kind} (--format json or csv lists every one)"


def _markdown(result: CheckResult) -> str:
    lines = [f"# linkvault check: {markdown_safe(result.report.path)}", ""]
    for severity in Severity:
        group = [f for f in result.findings if f.severity is severity]
        if not group:
            continue
        shown, more = capped(group)
        lines += [f"## {_TITLE[severity]} ({len(group)})", "", "| line | footnote | kind | message |", "|---:|---:|---|---|"]
        lines += [f"| {f.line or ''} | {f.number if f.number is not None else ''} | {f.kind} | {markdown_safe(f.message)} |"
                  for f in shown]
        lines += [f"| | | {kind} | {markdown_safe(more_row(kind, n))} |" for kind, n in more.items()]
        lines.append("")
    lines.append(f"**Summary:** {summary_line(result)}")
    return "\n".join(lines)


GAP = 3  # cells between two columns of our tables (padding, rule, padding)
SHORT_URL = 24


def word_safe_widths(columns: tuple[str, ...], rows: list[dict[str, str]], flexible: tuple[str, ...],
                     width: int) -> dict[str, int] | None:
    """Column widths within `width` at which no word is split, or None when there are none.

    Fixed columns are as wide as their widest cell; each flexible one gets at least its longest word
    (a URL may still fold) and the rest is shared by how much more each would use. Rich, left to
    itself, squeezes every wrapping column alike and cuts words ("несанкционированно/му").
    """
    from rich.cells import cell_len

    def longest(name: str, words: bool) -> int:
        cells = [name, *(row[name] for row in rows)]
        if not words:
            return max(cell_len(c) for c in cells)
        # a short URL stays whole too; a long one folds rather than widen its column past SHORT_URL
        return max(min(cell_len(w), SHORT_URL) if "://" in w else cell_len(w) for c in cells for w in c.split() or [""])

    widths = {name: longest(name, False) for name in columns if name not in flexible}
    need = {name: longest(name, True) for name in flexible}
    more = {name: max(longest(name, False) - need[name], 0) for name in flexible}
    spare = width - sum(widths.values()) - GAP * (len(columns) - 1) - sum(need.values())
    if spare < 0:
        return None
    wanted = sum(more.values())
    for name in flexible:
        widths[name] = need[name] + (min(more[name], spare * more[name] // wanted) if wanted else 0)
    return widths


def _table(result: CheckResult, *, color: bool, width: int) -> str:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    out = io.StringIO()
    console = Console(file=out, force_terminal=color, no_color=not color, width=width, highlight=False)
    for severity in Severity:
        group = [f for f in result.findings if f.severity is severity]
        if not group:
            continue
        table = Table(title=f"{_TITLE[severity]} ({len(group)})", title_justify="left", box=box.SIMPLE_HEAD,
                      title_style=_STYLE[severity] if color else "", show_edge=False, pad_edge=False)
        compact = width < COMPACT_BELOW
        if not compact:
            table.add_column("line", justify="right", no_wrap=True)
        table.add_column("note", justify="right", no_wrap=True)
        table.add_column("kind", style=_STYLE[severity] if color else "", no_wrap=True)
        table.add_column("message", overflow="fold")  # fold only what no line holds whole: a long URL
        shown, more = capped(group)
        for f in shown:
            cells = [rich_safe(f"[{f.number}]") if f.number is not None else "", f.kind, rich_safe(f.message)]
            table.add_row(*([] if compact else [str(f.line or "")]), *cells)
        for kind, n in more.items():
            table.add_row(*([] if compact else [""]), "", kind, rich_safe(more_row(kind, n)))
        console.print(table)
    console.print(rich_safe(f"{result.report.path}: {summary_line(result)}"))
    return "\n".join(line.rstrip() for line in out.getvalue().rstrip("\n").split("\n"))
