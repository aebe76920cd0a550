"""Renderers for `verify`: one row per footnote with its claim verdict and the facts behind it."""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING

from linkvault.render.check import capped, counted, more_row, render_check, word_safe_widths
from linkvault.render.drift import DRIFT_CSS, drift_html, drift_line, drift_object
from linkvault.render.htmlsafe import esc
from linkvault.render.textsafe import markdown_safe as _md
from linkvault.render.textsafe import rich_safe, terminal_safe

if TYPE_CHECKING:
    from linkvault.model import ClaimResult, FactCheck, Link, Verification

_SIGN = {"found": "+", "not-found": "-", "contradicted": "-", "not-checked": "?"}
_COLOR = {"supported": "green", "partly-supported": "yellow", "unsupported": "red", "contradicted": "bold red",
          "not-checked": "dim"}


def as_json_object(verification: Verification) -> dict:
    """The report object of the shared vocabulary: every footnote's link verdict, with its claim where judged."""
    from linkvault.render.records import report_object
    from linkvault.render.review import row_record

    claims: dict[tuple[str, str | None], ClaimResult] = {(c.label, c.url): c for c in verification.claims}
    rows = verification.review.rows if verification.review is not None else []
    records = [row_record(r, claim=_claim(claims.get((r.label, r.url)))) for r in rows]
    obj = report_object(verification.check, verification.summary, verification.findings, records)
    return {**obj, "report": verification.report}


def _claim(c: ClaimResult | None) -> dict | None:
    if c is None:
        return None
    return {"verdict": c.result.verdict, "reason": c.result.reason, "text": c.claim,
            "facts": [f.as_dict() for f in c.result.facts], **({"drift": drift_object(c.drift)} if c.drift else {})}


def drift_lines(verification: Verification) -> list[str]:
    """A heading and a line per claim whose source was captured again (none when no source was)."""
    drifted = [c.drift for c in verification.claims if c.drift]
    return ["Drift since each source was first archived:", *(drift_line(d) for d in drifted)] if drifted else []


def facts_short(claim: ClaimResult) -> str:
    return "; ".join(f"{_SIGN[f.status]}{f.text}" + (" (disagrees)" if f.contradicts else "") + _soft(f)
                     for f in claim.result.facts)


def _soft(f: FactCheck) -> str:
    """The entry's date the source does not state: shown, and said not to count against the claim."""
    return " (the entry's date, not counted)" if f.soft and f.status == "not-found" else ""


def summary_line(verification: Verification) -> str:
    counts = verification.summary["by_verdict"]
    parts = [f"{n} {v}" for v, n in counts.items() if n]
    line = f"{counted(verification.summary['claims'], 'claim', 'claims')}: " + (", ".join(parts) or "none checked")
    if verification.claims and counts["not-checked"] == len(verification.claims):
        line += " (no archived text to read: run `linkvault fetch` first; only the URL-based checks ran)"
    return line


def render_claims(verification: Verification, fmt: str, *, color: bool = False, width: int = 120) -> str:
    if fmt == "json":
        return json.dumps(as_json_object(verification), ensure_ascii=False, indent=2)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["number", "url", "verdict", "reason", "facts", "drift", "drift_detail"])
        for c in verification.claims:
            writer.writerow([c.number, c.url, c.result.verdict, _safe(c.result.reason), _safe(facts_short(c)),
                             c.drift.state if c.drift else "", _safe(c.drift.detail) if c.drift else ""])
        return out.getvalue().rstrip("\n")
    if fmt == "markdown":
        rows = [f"# linkvault verify: {_md(verification.report)}", "", f"**Summary:** {summary_line(verification)}", "",
                "| note | verdict | facts (+ found, - not found, ? not checked) | reason |", "|---:|---|---|---|"]
        shown, more = _capped_claims(verification.claims)
        rows += [f"| {c.number} | {c.result.verdict} | {_md(facts_short(c))} | {_md(c.result.reason)} |"
                 for c in shown]
        rows += [f"| | {verdict} | | {_md(line)} |" for verdict, line in more.items()]
        drifted = drift_lines(verification)
        rows += ["", f"**{drifted[0]}**", "", *(f"- {_md(line)}" for line in drifted[1:])] if drifted else []
        return "\n".join(rows)
    if fmt == "html":
        return _html(verification)
    return _table(verification, color=color, width=width)


def _capped_claims(claims: list[ClaimResult]) -> tuple[list[ClaimResult], dict[str, str]]:
    """At most MAX_LINK_ROWS claims of a verdict for people to read, and a line for each verdict cut short."""
    from linkvault.render.review import MAX_LINK_ROWS

    shown, more = capped(claims, MAX_LINK_ROWS, kind=lambda c: c.result.verdict)
    return shown, {verdict: more_row(f"{verdict} claims", n) for verdict, n in more.items()}


def _safe(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _table(verification: Verification, *, color: bool, width: int) -> str:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    out = io.StringIO()
    console = Console(file=out, force_terminal=color, no_color=not color, width=width, highlight=False)
    table = Table(title=rich_safe(f"Claims of {verification.report}"), title_justify="left", box=box.SIMPLE_HEAD,
                  show_edge=False, pad_edge=False)
    names = ("note", "verdict", "facts (+ found, - not found, ? not checked)", "reason")
    shown, more = _capped_claims(verification.claims)
    plain = [dict(zip(names, (f"[{c.number}]", c.result.verdict, terminal_safe(facts_short(c)),
                              terminal_safe(c.result.reason)))) for c in shown]
    plain += [dict(zip(names, ("", verdict, "", line))) for verdict, line in more.items()]
    widths = word_safe_widths(names, plain, names[2:], width) or {}  # none: rich shares the width as it can
    for name in names:
        table.add_column(name, overflow="fold", no_wrap=name in ("note", "verdict"),
                         justify="right" if name == "note" else "left", width=widths.get(name))
    for c in shown:
        verdict = rich_safe(c.result.verdict)
        if color:
            verdict = f"[{_COLOR[c.result.verdict]}]{verdict}[/]"
        table.add_row(rich_safe(f"[{c.number}]"), verdict, rich_safe(facts_short(c)), rich_safe(c.result.reason))
    for verdict, line in more.items():
        table.add_row("", rich_safe(verdict), "", rich_safe(line))
    console.print(table)
    console.print(rich_safe(summary_line(verification)))
    for line in drift_lines(verification):
        console.print(rich_safe(line))
    text = "\n".join(line.rstrip() for line in out.getvalue().rstrip("\n").split("\n"))
    # every error and warning (an exit 1 names nothing the reader was not shown), and the claim check's dates
    serious = [f for f in verification.findings
               if f.severity.value in ("error", "warning") or f.kind in ("source-date", "entry-date")]
    if not serious:
        return text
    from linkvault.model import CheckResult

    return text + "\n\n" + render_check(CheckResult(verification.check.report, serious), "table", color=color, width=width)


# Each verdict and fact status has its own look: a fact nobody could check is grey and says so, never
# painted like one that was looked for and not found.
_CSS = """
.supported{background:#e3f6e3}.partly-supported{background:#fdf4d3}.unsupported{background:#fbe0e0}
.contradicted{background:#f8c8c8}.not-checked{background:#f4f4f4;color:#555}
ul.facts{margin:0;padding-left:1.1em}li.fact .status{font-size:.8em;font-weight:600;text-transform:uppercase;
margin-right:.4em}li.found .status{color:#1b6e1b}li.not-found .status{color:#b00000}
li.contradicted .status{color:#fff;background:#b00000;padding:0 .3em;border-radius:.2em}
li.not-checked{color:#666;font-style:italic}li.not-checked .status{color:#777}
.verdict{font-weight:600;white-space:nowrap}q{color:#444}"""
_FACT = {"found": "found", "not-found": "not found", "contradicted": "disagrees", "not-checked": "not checked"}
_VERDICT = {"not-checked": "not checked", "partly-supported": "partly supported"}
_KINDS = ("supported", "partly-supported", "unsupported", "contradicted", "not-checked", "missing")


def _fact(f: FactCheck) -> str:
    where = f" in {esc(f.where)}" if f.found and f.where else ""
    quote = f" <q>{esc(f.quote)}</q>" if f.quote else ""
    return (f'<li class="fact {esc(f.status)}"><span class="status">{esc(_FACT[f.status])}{where}</span>'
            f"{esc(f.kind)}: {esc(f.text)}{esc(_soft(f))}{quote}</li>")


def _html_row(row: Link, claim: ClaimResult | None) -> str:
    from linkvault.render.review import archived_cell, source_cell

    if claim is None:
        kind = "missing" if row.url is None else "not-checked"
        verdict, sentence, facts = kind.replace("-", " "), "", ""
        reason = row.detail if row.url is None else "no sentence in the report cites this footnote"
    else:
        kind = claim.result.verdict
        verdict, sentence, reason = _VERDICT.get(kind, kind), claim.claim, claim.result.reason
        facts = f'<ul class="facts">{"".join(_fact(f) for f in claim.result.facts)}</ul>'
    link = (f"{esc(row.category)}<div class='small'>{esc(row.state)}</div><div class='small'>{esc(row.detail)}</div>"
            if row.url else "")
    return (f'<tr class="{kind}" data-cat="{kind}"><td class="num">{esc(row.number)}</td><td>{source_cell(row)}</td>'
            f"<td>{link}</td><td>{esc(sentence)}</td><td class='verdict'>{esc(verdict)}</td><td>{facts}</td>"
            f"<td>{esc(reason)}{drift_html(claim.drift) if claim and claim.drift else ''}</td>"
            f"<td>{archived_cell(row)}</td></tr>")


def _rows(verification: Verification) -> list[tuple[Link, ClaimResult | None]]:
    """(review row, claim or None) for every footnote; without a review, rows made from the claims alone."""
    from linkvault.model import Link

    claims: dict[tuple[str, str | None], ClaimResult] = {(c.label, c.url): c for c in verification.claims}
    if verification.review is not None:
        return [(r, claims.get((r.label, r.url))) for r in verification.review.rows]
    return [(Link(c.number, c.label, c.line, c.url, None, None, ""), c) for c in verification.claims]


def _html(verification: Verification) -> str:
    from linkvault.render.review import filter_page, html_rows
    from linkvault.render.review import summary_line as links_line

    rows = _rows(verification)

    def kind(pair: tuple[Link, ClaimResult | None]) -> str:
        row, claim = pair
        return claim.result.verdict if claim else ("missing" if row.url is None else "not-checked")

    kinds = [kind(pair) for pair in rows]
    serious = [f for f in verification.findings if f.severity.value in ("error", "warning")]
    summary = ([links_line(verification.review)] if verification.review is not None else []) + [
        summary_line(verification)]
    columns = ["#", "source", "link", "claim", "verdict", "facts", "reason", "archived"]
    cells, note = html_rows(rows, lambda pair: _html_row(*pair), len(columns), kind=kind)
    return filter_page(title=f"linkvault verify: {verification.report}", heading="Claim check",
                       path=verification.report, summary=summary + note,
                       counts={k: kinds.count(k) for k in _KINDS}, columns=columns, rows=cells, findings=serious,
                       css=_CSS + DRIFT_CSS)
