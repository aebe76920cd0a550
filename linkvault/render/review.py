"""Renderers for `review`: the editor's per-footnote verdicts as table, JSON, CSV, Markdown or one HTML file.

Titles, details and URLs come from fetched pages and the report, so every format treats them as hostile text.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from linkvault.model import LINK_CATEGORIES, MISSING, CheckResult, Finding, Severity
from linkvault.render.check import COMPACT_BELOW, MAX_ROWS_PER_KIND, capped, more_row, render_check, word_safe_widths
from linkvault.render.copy_lines import copy_fields, copy_judged, copy_name, copy_short, passed_over
from linkvault.render.drift import DRIFT_CSS, drift_html, drift_line, drift_object
from linkvault.render.history import CSV_COLUMNS as HISTORY_COLUMNS
from linkvault.render.history import history_html, history_lines, history_values, history_words, shown_words, shows_history
from linkvault.render.htmlsafe import esc as _e
from linkvault.render.htmlsafe import page_head
from linkvault.render.htmlsafe import web_link as _link
from linkvault.render.records import account_all, account_short, account_words
from linkvault.render.textsafe import markdown_safe as _md
from linkvault.render.textsafe import rich_safe, terminal_safe

if TYPE_CHECKING:
    from linkvault.model import Account, Link, Review

T = TypeVar("T")

_COLOR = {"alive": "green", "failing": "dark_orange", "dead": "red", "restricted": "yellow", "refused": "magenta",
          "unknown": "dim"}
_SERIOUS = (Severity.ERROR, Severity.WARNING)
_CSV_HEADER = ["number", "url", "host", "category", "state", "detail", "http_status", "final_url", "title",
               "archived_at", "warc_file", "warc_offset"]
# Added only where a link of the report was looked up by `copies`: a report never looked up keeps its columns.
_CSV_COPY = ["copy_archive", "copy_memento_at", "copy_uri_m", "copy_state", "copy_claim", "copies_passed_over"]

# Tables and Markdown show at most this many links of a category (alive, failing, dead, …): each is a verdict an editor
# may act on, so more are listed than of footnotes with no source, which `check`'s findings already list (50).
# Past that no one reads a screen: a million rows took minutes to lay out. JSON and CSV list every row.
MAX_LINK_ROWS = 200
# The HTML page filters its rows in the browser, which stays usable to a few thousand rows.
MAX_HTML_ROWS = 1000


def row_kind(r: Link) -> str:
    """A review row's category, `missing` for a footnote with no source."""
    return MISSING if r.url is None else (r.category if r.category in LINK_CATEGORIES else "unknown")


def capped_rows(rows: Iterable[T], limit: int = MAX_LINK_ROWS, *, missing: int = MAX_ROWS_PER_KIND,
                kind: Callable[[Any], str] = row_kind) -> tuple[list[T], dict[str, str]]:
    """The rows a person is shown (the first `limit` of each category, `missing` of footnotes with no source)
    and a line for each category left short ("… and 999,950 more missing footnotes …")."""
    shown, more = capped(rows, limit, kind=kind, limits={MISSING: missing})
    return shown, {k: more_row("missing footnotes" if k == MISSING else f"{k} links", n) for k, n in more.items()}


def summary_line(review: Review) -> str:
    """One sentence of counts, e.g. "100 footnotes: 62 alive, 8 dead; 15 cited with no source"."""
    s = review.summary
    counts = [f"{n} {c}" for c, n in s["by_category"].items() if n]
    head = f"{s['footnotes']} footnote{'' if s['footnotes'] == 1 else 's'}"
    if s["links"] != s["footnotes"] - s["missing"]:
        head += f" ({s['links']} links)"
    line = head + (": " + ", ".join(counts) if counts else "")
    if s["missing"]:
        line += f"; {s['missing']} cited with no source"
    if not review.fetched:
        line += " (nothing fetched yet: run linkvault fetch)"
    return line


def render_review(review: Review, fmt: str, *, color: bool = False, width: int = 120) -> str:
    if fmt == "json":
        return json.dumps(as_json_object(review), ensure_ascii=False, indent=2)
    if fmt == "csv":
        return _csv(review)
    if fmt == "markdown":
        return _markdown(review)
    if fmt == "html":
        return _html(review)
    return _table(review, color=color, width=width)


def as_json_object(review: Review) -> dict:
    from linkvault.render.records import report_object

    return report_object(review.check, review.summary, review.findings,
                         [row_record(r, claim={"verdict": r.claim} if r.claim else None, **copy_fields(r.copy_search),
                                     **({"history": r.history.as_dict()} if r.history else {}),
                                     **({"drift": drift_object(r.drift)} if r.drift else {}))
                          for r in review.rows])


def row_record(r: Link, **extra: Any) -> dict:
    """A review row in the shared vocabulary (linkvault/render/records.py)."""
    from linkvault.render.records import account_field, footnote_record, shown_field, vantage_field

    return footnote_record(number=r.number, label=r.label, line=r.line, url=r.url, category=r.category, state=r.state,
                           detail=r.detail, http_status=r.http_status, final_url=r.final_url, title=r.title,
                           archived_at=r.archived_at, warc_file=r.warc_file, warc_offset=r.warc_offset, **extra,
                           **account_field(r.account), **vantage_field(r.vantage), **shown_field(r.shown))


def _serious(review: Review) -> CheckResult:
    """The check result cut down to what an editor must act on (errors and warnings)."""
    return CheckResult(review.check.report, [f for f in review.findings if f.severity in _SERIOUS])


def _date(stamp: str | None) -> str:
    return (stamp or "")[:10]


def _csv(review: Review) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    with_copies = any(r.copy_search for r in review.rows)
    with_account = any(r.account for r in review.rows)  # a report captured anonymously keeps its columns
    with_history = any(shows_history(r.history) for r in review.rows)  # once a link has been checked again
    with_vantage = any(r.vantage for r in review.rows)  # so does one fetched from no named vantage point
    with_drift = any(r.drift for r in review.rows)  # and one whose links recheck judged no drift for
    writer.writerow(_CSV_HEADER + (_CSV_COPY if with_copies else []) + (["account"] if with_account else [])
                    + (HISTORY_COLUMNS if with_history else []) + (["vantage"] if with_vantage else [])
                    + (["drift", "drift_detail"] if with_drift else []))
    for r in review.rows:
        values = [r.number, r.url, r.host, r.category, r.state, r.detail, r.http_status, r.final_url, r.title,
                  r.archived_at, r.warc_file, r.warc_offset] + (_copy_values(r) if with_copies else [])
        values += [r.account.label if r.account else None] if with_account else []
        values += history_values(r.history, r.shown) if with_history else []
        values += [r.vantage] if with_vantage else []
        values += [r.drift and r.drift.state, r.drift and r.drift.detail] if with_drift else []
        writer.writerow([_cell(v) for v in values])
    return out.getvalue().rstrip("\n")


def _copy_values(r: Link) -> list:
    """A row's copy columns: the copy offered, and each copy passed over as "URI-M: reason", one per line."""
    search = r.copy_search
    offered = search.offered if search else None
    c = offered.candidate if offered else None
    skipped = "\n".join(f"{p.candidate.uri_m}: {p.reason}" for p in passed_over(search)) if search else ""
    return [c and c.archive, c and c.memento_at, c and c.uri_m, offered and offered.state, offered and offered.claim,
            skipped]


def _detail_text(r: Link) -> str | None:
    """A Markdown row's detail, then the account it was captured as, its archived copy in a few words and the
    copy's URI-M."""
    detail = f"{r.detail or ''} — {account_words(r.account)}" if r.account else r.detail
    if history_lines(r):
        detail = f"{detail or ''} — {'; '.join(history_lines(r))}"
    if moved(r):
        detail = f"{detail or ''} — {drift_words(r)}"
    if r.copy_search is None:
        return detail
    offered = r.copy_search.offered
    return f"{detail or ''} — {copy_short(r.copy_search)}" + (f" {offered.candidate.uri_m}" if offered else "")


def moved(r: Link) -> bool:
    """Whether the passage a row's claim relies on moved since its first capture (a drift other than unchanged)."""
    return r.drift is not None and r.drift.state != "unchanged"


def drift_words(r: Link) -> str:
    """A row's drift in one line, for the table and Markdown (empty when there is none)."""
    return "drift " + drift_line(r.drift).strip() if r.drift else ""


def _table_cell(name: str, cells: dict[str, str], style: str) -> str:
    """A table cell's markup: the category in its colour, the detail with the link's archived copy on a second line."""
    if name == "category" and style:
        return f"[{style}]{rich_safe(cells[name])}[/]"
    if name == "detail" and any(cells.get(part) for part in ("copy", "history", "shown", "drift")):
        return "\n".join(rich_safe(cells[part]) for part in ("detail", "history", "shown", "drift", "copy") if cells.get(part))
    return rich_safe(cells[name])


def _cell(value: object) -> str:
    """Text a spreadsheet would run as a formula (a page title "=HYPERLINK(…)") gets a leading quote."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if isinstance(value, str) and text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _one_account(rows: Sequence[Link]) -> Account | None:
    """The account every fetched source of the table was reached as, when it is one and the same."""
    fetched = [r for r in rows if r.url and r.archived_at]
    labels = {r.account.label if r.account else None for r in fetched}
    return fetched[0].account if len(labels) == 1 and fetched and fetched[0].account else None


def _markdown(review: Review) -> str:
    lines = [f"# linkvault review: {_md(review.report)}", "", f"**Summary:** {_md(summary_line(review))}", "",
             "| # | URL | category | state | detail | title | archived |", "|---:|---|---|---|---|---|---|"]
    shown, more = capped_rows(review.rows)
    for r in shown:
        category = r.category or ("missing" if r.url is None else "")
        detail = _detail_text(r)
        lines.append(f"| {_md(r.number)} | {_md(r.url)} | {_md(category)} | {_md(r.state)} | {_md(detail)} "
                     f"| {_md(r.title)} | {_md(_date(r.archived_at))} |")
    lines += [f"| | | {_md(kind)} | | {_md(line)} | | |" for kind, line in more.items()]
    serious = _serious(review).findings
    if serious:
        lines += ["", f"## Check findings ({len(serious)})", ""]
        lines += [f"- **{f.severity.value}** [{_md(f.number)}] line {f.line or '?'}: {f.kind}: {_md(f.message)}"
                  for f in serious]
    return "\n".join(lines)


def _table(review: Review, *, color: bool, width: int) -> str:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    out = io.StringIO()
    console = Console(file=out, force_terminal=color, no_color=not color, width=width, highlight=False)
    table = Table(title=rich_safe(f"Review of {review.report}"), title_justify="left", box=box.SIMPLE_HEAD,
                  show_edge=False, pad_edge=False)
    shown, more = capped_rows(review.rows)
    everyone = _one_account(shown)  # every source reached as one account: said once, under the table
    plain = [{"note": f"[{r.number}]", "host": terminal_safe(r.host or r.url or ""),
              "category": r.category or ("missing" if r.url is None else ""), "state": r.state or "",
              "detail": terminal_safe(f"{r.detail} ({account_short(r.account)})" if r.account and not everyone
                                      else r.detail),
              "title": terminal_safe(r.title), "archived": _date(r.archived_at),
              "copy": copy_short(r.copy_search) if r.copy_search else "",
              "history": history_words(r.history) if r.history and shows_history(r.history) else "",
              "shown": shown_words(r.shown),
              "drift": drift_words(r) if moved(r) else ""}
             for r in shown]
    plain += [{"note": "", "host": "", "category": kind, "state": "", "detail": line, "title": "", "archived": ""}
              for kind, line in more.items()]
    full = ("note", "host", "category", "state", "detail", "title", "archived")
    widths = word_safe_widths(full, plain, ("host", "detail", "title"), width) if width >= COMPACT_BELOW else None
    # compact (narrow, or the full table would split words): `show` gives a footnote's host, title and date
    columns = full if widths else ("note", "category", "state", "detail")
    for name in columns:
        table.add_column(name, justify="right" if name == "note" else "left", overflow="fold",
                         no_wrap=name in ("note", "archived", "state", "category"), width=(widths or {}).get(name))
    for cells in plain:
        category = cells["category"]
        style = _COLOR.get(category, "bold red" if category == "missing" else "") if color else ""
        table.add_row(*(_table_cell(name, cells, style) for name in columns))
    console.print(table)
    console.print(rich_safe(summary_line(review)))
    if everyone:
        console.print(rich_safe(account_all(everyone)))
    text = "\n".join(line.rstrip() for line in out.getvalue().rstrip("\n").split("\n"))
    serious = _serious(review)
    return text + "\n\n" + render_check(serious, "table", color=color, width=width) if serious.findings else text


# --- HTML: one self-contained file; data only ever lands in escaped text and attribute values, never in
# <script>, <style> or event handlers, and a Content-Security-Policy blocks every external load.

_CSS = """body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}h1{font-size:1.4em;margin:0}
.path{color:#555;margin:.2em 0 1em;word-break:break-all}.filters{margin:1em 0}.filters label{margin-right:1em}
.badge{display:inline-block;padding:.15em .6em;border-radius:1em;margin:0 .3em .3em 0;font-weight:600}
#q{padding:.2em .4em;width:18em}table{border-collapse:collapse;width:100%}th{background:#f3f3f3}
th,td{border-bottom:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
td{overflow-wrap:break-word}td a{overflow-wrap:anywhere}
.small{color:#666;font-size:.85em}[hidden]{display:none!important}li.error{color:#a00}li.warning{color:#8a6400}
.alive{background:#e3f6e3}.failing{background:#fde8d7}.dead{background:#fbe0e0}.restricted{background:#fdf4d3}.refused{background:#f3e1f7}
.unknown{background:#eee}.missing{background:#ffd7b5}
.num{white-space:nowrap;word-break:normal;text-align:right;width:1%}"""
_JS = """(function(){var boxes=[].slice.call(document.querySelectorAll('input[data-cat]')),
q=document.getElementById('q'),rows=[].slice.call(document.querySelectorAll('#links>tbody>tr'));
var m=/^#category=([a-z,-]+)$/.exec(location.hash);if(m){var want=m[1].split(',');
boxes.forEach(function(b){b.checked=want.indexOf(b.getAttribute('data-cat'))>=0;});}
function apply(){var on={},t=q.value.toLowerCase(),n=0;
boxes.forEach(function(b){on[b.getAttribute('data-cat')]=b.checked;});
rows.forEach(function(r){var ok=on[r.getAttribute('data-cat')]&&(!t||r.textContent.toLowerCase().indexOf(t)>=0);
r.hidden=!ok;if(ok)n++;});document.getElementById('shown').textContent=n+' of '+rows.length+' rows shown';}
boxes.forEach(function(b){b.addEventListener('change',apply);});q.addEventListener('input',apply);
apply();document.body.setAttribute('data-ready','1');})();"""
# The hash lets only our own script run: browsers that know hashes then ignore 'unsafe-inline' (and so any
# injected script or handler); the oldest fall back to 'unsafe-inline'.
_CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline' "
        f"'sha256-{base64.b64encode(hashlib.sha256(_JS.encode()).digest()).decode()}'; img-src data:; "
        "base-uri 'none'; form-action 'none'")


def source_cell(r: Link) -> str:
    """A review row's links: the URL as cited, where it led, and its host."""
    source = _link(r.url) or "<em>no source</em>"
    if r.final_url and r.final_url != r.url:
        source += f'<div class="small">→ {_link(r.final_url)}</div>'
    if r.host:
        source += f'<div class="small">{_e(r.host)}</div>'
    return source


def archived_cell(r: Link) -> str:
    """When a review row's page was archived, and where its record lies in which WARC file."""
    archived = _e(_date(r.archived_at))
    if r.warc_file:
        archived += f'<div class="small">{_e(r.warc_file)} @ {_e(r.warc_offset)}</div>'
    return archived


def _html_row(r: Link) -> str:
    kind = row_kind(r)
    status = f'<div class="small">HTTP {_e(r.http_status)}</div>' if r.http_status is not None else ""
    return (f'<tr class="{kind}" data-cat="{kind}"><td class="num">{_e(r.number)}</td><td>{source_cell(r)}</td>'
            f'<td>{_e(r.category or kind)}</td><td>{_e(r.state)}{status}</td><td>{_e(r.detail)}{_account_html(r)}'
            f'{history_html(r)}{drift_html(r.drift) if r.drift else ""}{_copy_html(r)}</td>'
            f'<td>{_e(r.title)}</td><td>{archived_cell(r)}</td></tr>')


def _account_html(r: Link) -> str:
    """The logged-in account a row's capture was made as (its label is the researcher's: escaped all the same)."""
    return f'<div class="small account">{_e(account_words(r.account))}</div>' if r.account else ""


def _copy_html(r: Link) -> str:
    """The row's archived copy, linked (its URI-M comes from an archive: escaped, and a link only if http(s)), and
    each copy passed over with its reason."""
    search = r.copy_search
    if search is None:
        return ""
    offered = search.offered
    html = (f'<div class="small copy">copy: {_link(offered.candidate.uri_m, copy_name(offered))}'
            f'{_e(copy_judged(offered))}</div>' if offered else f'<div class="small copy">{_e(copy_short(search))}</div>')
    return html + "".join(f'<div class="small passed-over">passed over: {_link(p.candidate.uri_m, copy_name(p))}: '
                          f"{_e(p.reason)}</div>" for p in passed_over(search))


def filter_page(*, title: str, heading: str, path: str, summary: list[str], counts: dict[str, int],
                columns: list[str], rows: list[str], findings: Sequence[Finding], css: str = "") -> str:
    """A self-contained page of rows the reader filters by kind (checkboxes, text, `#category=a,b`).

    `rows` are `<tr data-cat=KIND>` strings the caller escaped; `counts` names every kind, in the order shown.
    """
    badges = "".join(f'<span class="badge {_e(c)}">{n} {_e(c)}</span>' for c, n in counts.items())
    boxes = "".join(f'<label><input type="checkbox" data-cat="{_e(c)}" checked> {_e(c)} ({n})</label>'
                    for c, n in counts.items())
    items = "".join(f'<li class="{f.severity.value}"><b>{f.severity.value}</b> [{_e(f.number)}] line '
                    f'{_e(f.line or "?")}: {_e(f.kind)}: {_e(f.message)}</li>' for f in findings)
    head = "".join(f'<th class="num">{_e(c)}</th>' if c == "#" else f"<th>{_e(c)}</th>" for c in columns)
    lines = "".join(f'<p class="summary">{_e(line)}</p>' for line in summary)
    return page_head(title, csp=_CSP, css=_CSS + css) + f"""<body>
<h1>{_e(heading)}</h1>
<p class="path">{_e(path)}</p>
{lines}
<div class="badges">{badges}</div>
<div class="filters">{boxes}<input type="search" id="q" placeholder="filter text…" aria-label="filter rows">
<span id="shown" class="small"></span></div>
<table id="links"><thead><tr>{head}</tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
<section id="findings"><h2>Check findings ({len(findings)})</h2>
{f"<ul>{items}</ul>" if findings else "<p>No errors or warnings.</p>"}
</section>
<script>{_JS}</script>
</body></html>
"""


def html_rows(rows: Iterable[T], row_html: Callable[[T], str], columns: int,
              kind: Callable[[Any], str] = row_kind) -> tuple[list[str], list[str]]:
    """The HTML page's rows, at most MAX_HTML_ROWS of a kind, each kind cut short ending in a row that says
    how many more there are, and a summary line saying the page is cut (none when it is not)."""
    shown, more = capped_rows(rows, MAX_HTML_ROWS, missing=MAX_HTML_ROWS, kind=kind)
    cells = [row_html(r) for r in shown]
    cells += [f'<tr class="more {_e(k)}" data-cat="{_e(k)}"><td colspan="{columns}">{_e(line)}</td></tr>'
              for k, line in more.items()]
    note = [f"This page lists at most {MAX_HTML_ROWS:,} rows of a kind; --format json or csv lists every one."]
    return cells, note if more else []


def _html(review: Review) -> str:
    s = review.summary
    columns = ["#", "source", "category", "state", "detail", "title", "archived"]
    rows, note = html_rows(review.rows, _html_row, len(columns))
    return filter_page(title=f"linkvault review: {review.report}", heading="Link review", path=review.report,
                       summary=[summary_line(review), *note], counts={**s["by_category"], "missing": s["missing"]},
                       columns=columns, rows=rows, findings=_serious(review).findings, css=DRIFT_CSS)


def no_vault_note(vault: str) -> str:
    """Said once by `report` and `verify` before the first fetch: the default vault is not there yet."""
    import os

    return f"no vault found at {os.path.abspath(vault)}: nothing is fetched yet (run linkvault fetch, or pass --vault)"
