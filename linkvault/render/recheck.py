"""What `recheck` did, for a person (a table of the links it checked again, then one sentence of counts) and for a
script (JSON: every link with its whole history of checks)."""

from __future__ import annotations

import json
import textwrap

from linkvault.model import HISTORY_STATUSES, HistoryVerdict, Link, RecheckResult
from linkvault.render.drift import drift_line, drift_object
from linkvault.render.textsafe import terminal_safe


def _day(verdict: HistoryVerdict | None) -> str:
    return verdict.next_due.date().isoformat() if verdict and verdict.next_due else "now"


def recheck_summary(result: RecheckResult) -> str:
    """"85 links: 83 alive, 1 failing, 1 dead; 3 checked again, next due 2026-12-07"."""
    counts = result.by_status()
    links = sum(counts.values())
    parts = ", ".join(f"{n} {status}" for status, n in counts.items() if n)
    due = [v.next_due for v in result.histories.values() if v.next_due]
    when = f", next due {min(due).date().isoformat()}" if due else ""
    return f"{links} link{'s' if links != 1 else ''}: {parts or 'none'}; {len(result.rechecked)} checked again{when}"


def _cut(text: str, room: int) -> str:
    return f"{text:<{room}}" if len(text) <= room else text[:room - 1] + "…"


def _rows(result: RecheckResult) -> list[Link]:
    rechecked = set(result.rechecked)
    return [link for link in result.links if link.url in rechecked]


def render_recheck(result: RecheckResult, fmt: str, *, color: bool = False, width: int = 120) -> str:
    if fmt == "json":
        return json.dumps(recheck_json(result), ensure_ascii=False, indent=2)
    what = "links due" if result.due_only else "links"
    lines = [f"Re-checked as of {result.as_of.strftime('%Y-%m-%d %H:%M')} UTC ({what})"]
    report, rows = None, _rows(result)
    histories = {link.url: _history(result, link) for link in rows}
    # A run that named vantage points says which one saw each link ("from"); the history column then narrows to its
    # widest entry so that 80 columns still hold the state whole.
    seen_from = [terminal_safe(link.vantage or "") for link in rows]
    source = min(12, max(len("from"), *map(len, seen_from))) if any(seen_from) else 0
    told = max(map(len, histories.values()), default=0) if source else 36
    room = max(10, min(22, width - 28 - max(len("history"), told) - (source + 1 if source else 0)))
    told = max(len("history"), told)
    for link, where in zip(rows, seen_from):
        if link.report != report:
            report = link.report
            lines.append(f"{terminal_safe(report)}")
            lines.append(f"{'note':>6}  {'state':<{room}} " + (f"{'from':<{source}} " if source else "")
                         + f"{'history':<{told}} {'checks':>6}  next due")
        verdict = result.histories.get(link.url or "")
        lines.append(f"{'[' + terminal_safe(link.label) + ']':>6}  {_cut(terminal_safe(link.state or 'unknown'), room)} "
                     + (f"{_cut(where, source)} " if source else "")
                     + f"{histories[link.url]:<{told}} {verdict.count if verdict else 0:>6}  {_day(verdict)}")
        drift = result.drifts.get((link.label, link.url or ""))
        if drift is not None and drift.state != "unchanged":  # what the footnote relies on moved
            lines.extend(textwrap.wrap(drift_line(drift).strip(), width=max(40, width), initial_indent=" " * 8,
                                       subsequent_indent=" " * 10, break_on_hyphens=False))
    if result.could_not_check:
        lines.append("this machine's network (or proxy) failed: no link was judged, and every earlier verdict stands")
    lines.append(recheck_summary(result))
    return "\n".join(lines)


def _history(result: RecheckResult, link: Link) -> str:
    verdict = result.histories.get(link.url or "")
    return verdict.describe() if verdict else "unknown"


def recheck_json(result: RecheckResult) -> dict:
    rechecked = set(result.rechecked)
    rules = result.rules
    return {
        "vault": result.vault, "as_of": result.as_of.isoformat(), "due_only": result.due_only,
        "rules": {"dead_after": rules.dead_after, "apart_days": rules.apart.total_seconds() / 86400,
                  "alive_every_days": rules.alive_every.total_seconds() / 86400,
                  "failing_every_days": rules.failing_every.total_seconds() / 86400},
        "summary": {"links": sum(result.by_status().values()), "rechecked": len(result.rechecked),
                    "by_history": {s: n for s, n in result.by_status().items() if s in HISTORY_STATUSES},
                    "network_unreachable": bool(result.fetch and result.fetch.network_unreachable),
                    "proxy_down": result.fetch.proxy_down if result.fetch else None},
        "links": [{"report": link.report, "number": link.number, "label": link.label, "url": link.url,
                   "rechecked": link.url in rechecked, "category": link.category, "state": link.state, "vantage": link.vantage,
                   "history": result.histories[link.url].as_dict() if link.url in result.histories else None,
                   "drift": _drift_json(result, link)}
                  for link in result.links],
    }


def _drift_json(result: RecheckResult, link: Link) -> dict | None:
    drift = result.drifts.get((link.label, link.url or ""))
    return drift_object(drift) if drift is not None else None


def recheck_exit(result: RecheckResult) -> str:
    """"exit 1: 2 dead links (by their history)", or that this machine could not check."""
    if result.could_not_check:
        return "exit 1: this machine's network or proxy failed, so no link was checked"
    dead = result.by_status()["dead"]
    return f"exit 1: {dead} dead link{'s' if dead != 1 else ''} (by their history)"

