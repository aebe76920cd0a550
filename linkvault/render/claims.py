"""Renderers for `verify`: one row per footnote with its claim verdict and the facts behind it."""

from __future__ import annotations

import csv
import io
import json

from linkvault.render.check import render_check
from linkvault.render.htmlsafe import esc, page_head

_SIGN = {"found": "+", "not-found": "-", "contradicted": "-", "not-checked": "?"}
_COLOR = {"supported": "green", "partly-supported": "yellow", "unsupported": "red", "contradicted": "bold red",
          "not-checked": "dim"}


def as_json_object(verification) -> dict:
    """The report object of the shared vocabulary: every footnote's link verdict, with its claim where judged."""
    from linkvault.render.records import report_object
    from linkvault.render.review import row_record

    claims = {(c.label, c.url): c for c in verification.claims}
    rows = verification.review.rows if verification.review is not None else []
    records = [row_record(r, claim=_claim(claims.get((r.label, r.url)))) for r in rows]
    obj = report_object(verification.check, verification.summary, verification.findings, records)
    return {**obj, "report": verification.report}


def _claim(c) -> dict | None:
    if c is None:
        return None
    return {"verdict": c.result.verdict, "reason": c.result.reason, "text": c.claim,
            "facts": [f.as_dict() for f in c.result.facts]}


def facts_short(claim) -> str:
    return "; ".join(f"{_SIGN[f.status]}{f.text}" + (" (disagrees)" if f.contradicts else "") for f in claim.result.facts)


def summary_line(verification) -> str:
    counts = verification.summary["by_verdict"]
    parts = [f"{n} {v}" for v, n in counts.items() if n]
    line = f"{verification.summary['claims']} claims: " + (", ".join(parts) or "none checked")
    if verification.claims and counts["not-checked"] == len(verification.claims):
        line += " (no archived text to read: run `linkvault fetch` first; only the URL-based checks ran)"
    return line


def render_claims(verification, fmt: str, *, color: bool = False, width: int = 120) -> str:
    if fmt == "json":
        return json.dumps(as_json_object(verification), ensure_ascii=False, indent=2)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["number", "url", "verdict", "reason", "facts"])
        for c in verification.claims:
            writer.writerow([c.number, c.url, c.result.verdict, _safe(c.result.reason), _safe(facts_short(c))])
        return out.getvalue().rstrip("\n")
    if fmt == "markdown":
        rows = [f"# linkvault verify: {_md(verification.report)}", "", f"**Summary:** {summary_line(verification)}", "",
                "| note | verdict | facts (+ found, - not found, ? not checked) | reason |", "|---:|---|---|---|"]
        rows += [f"| {c.number} | {c.result.verdict} | {_md(facts_short(c))} | {_md(c.result.reason)} |"
                 for c in verification.claims]
        return "\n".join(rows)
    if fmt == "html":
        return _html(verification)
    return _table(verification, color=color, width=width)


def _safe(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _md(text) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace("\n", " ")


def _table(verification, *, color: bool, width: int) -> str:
    from rich import box
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    out = io.StringIO()
    console = Console(file=out, force_terminal=color, no_color=not color, width=width, highlight=False)
    table = Table(title=escape(f"Claims of {verification.report}"), title_justify="left", box=box.SIMPLE_HEAD,
                  show_edge=False, pad_edge=False)
    for name in ("note", "verdict", "facts (+ found, - not found, ? not checked)", "reason"):
        table.add_column(name, overflow="fold", no_wrap=name in ("note", "verdict"),
                         justify="right" if name == "note" else "left")
    for c in verification.claims:
        verdict = escape(c.result.verdict)
        if color:
            verdict = f"[{_COLOR[c.result.verdict]}]{verdict}[/]"
        table.add_row(escape(f"[{c.number}]"), verdict, escape(facts_short(c)), escape(c.result.reason))
    console.print(table)
    console.print(escape(summary_line(verification)), soft_wrap=True)
    text = "\n".join(line.rstrip() for line in out.getvalue().rstrip("\n").split("\n"))
    serious = [f for f in verification.findings if f.kind in ("wrong-link", "weak-support", "source-date", "entry-date")]
    if not serious:
        return text
    from linkvault.model import CheckResult

    return text + "\n\n" + render_check(CheckResult(verification.check.report, serious), "table", color=color, width=width)


_CSS = ("body{font:14px/1.4 system-ui,sans-serif;margin:1.5em}td{vertical-align:top;border-bottom:1px solid #ddd;"
        "padding:.3em}.supported{background:#e3f6e3}.contradicted{background:#f8c8c8}.unsupported{background:#fbe0e0}"
        ".partly-supported{background:#fdf4d3}.not-checked{background:#eee}li.missing{color:#a00}")
_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def _html(verification) -> str:
    rows = []
    for c in verification.claims:
        facts = "".join(
            f"<li class='{'found' if f.found else 'missing'}'>{esc(f.kind)}: {esc(f.text)}"
            + (f" <q>{esc(f.quote)}</q>" if f.quote else "") + "</li>" for f in c.result.facts)
        rows.append(f"<tr class='{esc(c.result.verdict)}'><td>[{esc(c.number)}]</td><td>{esc(c.result.verdict)}</td>"
                    f"<td>{esc(c.claim)}</td><td><ul>{facts}</ul></td><td>{esc(c.result.reason)}</td></tr>")
    return (page_head(f"linkvault verify: {verification.report}", csp=_CSP, css=_CSS)
            + f"<body><h1>Claim check</h1><p>{esc(verification.report)}</p><p>{esc(summary_line(verification))}</p>"
            "<table><thead><tr><th>note</th><th>verdict</th><th>claim</th><th>facts</th><th>reason</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></body></html>\n")
