"""What changed under a report's links (`linkvault changes`), for a person (a table within 80 columns, one line per
change and the drift's sentence under it), for a script (JSON, the output schema's `changes`) and for a browser
(a static page). Titles, details and URLs come from fetched pages and reports: shown safe, or escaped, never obeyed."""

from __future__ import annotations

import json
import textwrap
from datetime import datetime

from linkvault.model import Change, ChangesResult, Severity
from linkvault.render.htmlsafe import esc, page_head, web_link
from linkvault.render.textsafe import terminal_safe

_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
_CSS = ("body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;width:100%}"
        "td,th{text-align:left;vertical-align:top;padding:.3em .5em;border-bottom:1px solid #ddd}"
        ".error{color:#b00020;font-weight:bold}.warning{color:#a15c00}.info{color:#555}.small{font-size:.85em;color:#555}")


def _when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d") if at else "?"


def _since(result: ChangesResult) -> str:
    if result.since is None:
        return "nothing to compare: no link of these reports was ever checked"
    what = " (when the last run began)" if result.since_last else ""
    return f"since {result.since.strftime('%Y-%m-%d %H:%M')} UTC{what}"


def _transition(change: Change) -> str:
    return f"{change.before or 'none'} → {change.after}"


def changes_summary(result: ChangesResult) -> str:
    """"3 changes under 2 of 5 links: 1 error, 1 warning, 1 info", or that nothing changed."""
    if not result.changes:
        return f"nothing changed under {result.links} link{'s' if result.links != 1 else ''}"
    counts = ", ".join(f"{n} {level}" for level, n in result.by_severity().items() if n)
    n = len(result.changes)
    return f"{n} change{'s' if n != 1 else ''} under {len(result.changed_links())} of {result.links} links: {counts}"


def render_changes(result: ChangesResult, fmt: str, *, color: bool = False, width: int = 80) -> str:
    if fmt == "json":
        return json.dumps(changes_json(result), ensure_ascii=False, indent=2)
    if fmt == "html":
        return changes_html(result)
    width = max(60, min(width, 120))
    room = min(40, width - 37)  # note 6, what 8, when 10, level 7 and the gaps: 80 columns hold them whole
    lines = [f"Changes {_since(result)}"]
    report = None
    for change in result.changes:
        if change.report != report:
            report = change.report
            lines += [terminal_safe(report), f"{'note':>6}  {'what':<8} {'before → after':<{room}} {'when':<10}  level"]
        move = terminal_safe(_transition(change))
        move = move if len(move) <= room else move[:room - 1] + "…"
        lines.append(f"{'[' + terminal_safe(change.label) + ']':>6}  {change.aspect:<8} {move:<{room}} "
                     f"{_when(change.at):<10}  {change.severity.value}")
        if change.detail:
            lines += textwrap.wrap(terminal_safe(change.detail), width=width, initial_indent=" " * 8,
                                   subsequent_indent=" " * 10, break_on_hyphens=False)
    lines.append(changes_summary(result))
    return "\n".join(lines)


def changes_json(result: ChangesResult) -> dict:
    return {
        "vault": result.vault, "since": result.since.isoformat() if result.since else None,
        "since_last": result.since_last, "reports": result.reports,
        "summary": {"links": result.links, "changed_links": len(result.changed_links()),
                    "changes": len(result.changes), "by_severity": result.by_severity()},
        "changes": [{"report": c.report, "number": c.label if c.number is None else c.number, "label": c.label,
                     "url": c.url, "title": c.title,
                     "aspect": c.aspect, "before": c.before, "after": c.after,
                     "at": c.at.isoformat() if c.at else None, "severity": c.severity.value, "detail": c.detail}
                    for c in result.changes],
    }


def changes_html(result: ChangesResult) -> str:
    """A static page (no script, a CSP that loads nothing): a row per change, every value escaped."""
    rows = "\n".join(
        f'<tr class="{esc(c.severity.value)}"><td>{esc(c.report)}</td><td>[{esc(c.label)}]</td>'
        f'<td>{esc(c.title)}<br><span class="small">{web_link(c.url)}</span></td><td>{esc(c.aspect)}</td>'
        f"<td>{esc(_transition(c))}"
        + (f'<br><span class="small">{esc(c.detail)}</span>' if c.detail else "")
        + f'</td><td>{esc(_when(c.at))}</td><td class="{esc(c.severity.value)}">{esc(c.severity.value)}</td></tr>'
        for c in result.changes)
    table = ("<table><tr><th>report</th><th>note</th><th>source</th><th>what</th><th>before → after</th>"
             f"<th>when</th><th>level</th></tr>\n{rows}</table>") if result.changes else ""
    return page_head("linkvault: what changed", csp=_CSP, css=_CSS) + (
        f"<body><h1>What changed</h1><p>{esc(_since(result))}</p>{table}<p>{esc(changes_summary(result))}</p>"
        "</body></html>")


def changes_exit(result: ChangesResult, fail_on: Severity) -> str:
    """"exit 1: 2 changes at error level (a source died, or a passage went)"."""
    n = sum(1 for c in result.changes if c.severity.rank >= fail_on.rank)
    return f"exit 1: {n} change{'s' if n != 1 else ''} at {fail_on.value} level or above"
