"""The pack's human summary: one HTML page mapping each footnote to its capture, digests and timestamps; and
what `pack` says when it is written.

A static page (no script at all, a CSP that loads nothing), every value escaped: URLs, titles and
details come from the report and from fetched pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from linkvault.model import PackResult
from linkvault.render.htmlsafe import esc, page_head, web_link
from linkvault.render.records import account_words

if TYPE_CHECKING:
    from linkvault.evidence.summary import EvidenceRow, EvidenceSummary, ManifestFact, TimestampFact

_CSS = """body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}h1{font-size:1.4em;margin:0}
table{border-collapse:collapse;width:100%}th{background:#f3f3f3;text-align:left}
th,td{border-bottom:1px solid #ddd;padding:.3em .5em;vertical-align:top}td{word-break:break-word}
code{font-size:.85em;word-break:break-all}.small{color:#666;font-size:.85em}.missing{background:#ffd7b5}
.dead{background:#fbe0e0}.alive{background:#e3f6e3}.restricted{background:#fdf4d3}.refused{background:#f3e1f7}"""
_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def _stamps(stamps: Sequence[TimestampFact]) -> str:
    good = [s for s in stamps if s.token_record]
    if not good:
        return '<span class="small">not timestamped</span>'
    return "".join(f"<div>{esc(s.gen_time)}<div class=\"small\">{esc(s.tsa)}</div></div>" for s in good)


def _row(r: EvidenceRow) -> str:
    kind = "missing" if r.url is None else (r.category or "unknown")
    if r.url is None:
        return (f'<tr class="missing"><td>{esc(r.label)}</td><td colspan="5"><em>cited with no source</em>'
                f"</td></tr>")
    source = web_link(r.url)
    if r.final_url and r.final_url != r.url:
        source += f'<div class="small">→ {web_link(r.final_url)}</div>'
    verdict = f"{esc(r.category)}<div class=\"small\">{esc(r.state)}</div><div class=\"small\">{esc(r.detail)}</div>"
    if not r.response_id:
        return (f'<tr class="{esc(kind)}"><td>{esc(r.label)}</td><td>{source}</td><td>{verdict}</td>'
                f'<td colspan="3"><span class="small">no capture in this pack</span></td></tr>')
    where = ":".join(str(p) for p in (r.ip, r.port) if p is not None)
    captured = (f"{esc(r.archived_at)}<div class=\"small\">HTTP {esc(r.http_status)}"
                + (f", {esc(where)}" if where else "") + (f", {esc(r.tls_version)}" if r.tls_version else "")
                + (f"<br>collector: {esc(r.collector)}" if r.collector else "")
                + (f"<br>{esc(account_words(r.account))}" if r.account else "") + "</div>")
    record = (f"<div>{esc(r.warc_file)} @ {esc(r.warc_offset)}</div><code>{esc(r.response_id)}</code>"
              f"<div class=\"small\">block <code>{esc(r.block_digest)}</code></div>"
              f"<div class=\"small\">payload <code>{esc(r.payload_digest)}</code></div>")
    if r.provenance_id:
        record += f"<div class=\"small\">provenance (IP, TLS chain) <code>{esc(r.provenance_id)}</code></div>"
    if r.screenshot_id:
        record += (f"<div class=\"small\">screenshot <code>{esc(r.screenshot_id)}</code> sha256 "
                   f"<code>{esc(r.screenshot_sha256)}</code></div>")
    return (f'<tr class="{esc(kind)}"><td>{esc(r.label)}</td><td>{source}</td><td>{verdict}</td><td>{captured}</td>'
            f"<td>{record}</td><td>{_stamps(r.stamps)}</td></tr>")


def _manifest(m: ManifestFact) -> str:
    stamps = "".join(
        f"<li>{esc(s.tsa)}: " + (f"token <code>{esc(s.token_record)}</code>, time {esc(s.gen_time)}" if s.token_record
                                 else f"failed ({esc(s.error)})") + "</li>" for s in m.stamps) or "<li>none</li>"
    return (f"<li><code>{esc(m.uri)}</code> in {esc(m.warc_file)}: {len(m.records)} records listed, record "
            f"<code>{esc(m.record_id)}</code><ul>{stamps}</ul></li>")


def render_evidence(summary: EvidenceSummary) -> str:
    captured = sum(1 for r in summary.rows if r.response_id)
    stamped = sum(1 for r in summary.rows if any(s.token_record for s in r.stamps))
    missing = sum(1 for r in summary.rows if r.url is None)
    return page_head(f"Evidence summary: {summary.report}", csp=_CSP, css=_CSS) + f"""<body>
<h1>Evidence summary</h1>
<p>Report <code>{esc(summary.report)}</code>, SHA-256 <code>{esc(summary.report_sha256)}</code>.<br>
Packed {esc(summary.made_at)}. {len(summary.rows)} footnote sources: {captured} captured, {stamped} covered by a
trusted timestamp, {missing} cited with no source. Custody log: {summary.custody_events} events, last hash
<code>{esc(summary.custody_head)}</code>.</p>
<p class="small">Every digest below can be recomputed from this pack's WARC files (<code>warcio check</code>,
<code>linkvault audit</code>); each timestamp token covers its run's manifest, which lists the block digest of
every record the run wrote (<code>openssl ts -verify</code>).</p>
<table><thead><tr><th>#</th><th>source</th><th>verdict</th><th>captured</th><th>WARC record and digests</th>
<th>timestamp</th></tr></thead>
<tbody>
{chr(10).join(_row(r) for r in summary.rows)}
</tbody></table>
<h2>Run manifests and their timestamps</h2>
<ul>{"".join(_manifest(m) for m in summary.manifests) or "<li>none: fetched with --no-timestamp</li>"}</ul>
</body></html>
"""


def render_packed(result: PackResult) -> str:
    """ "wrote r.wacz: 3 WARC files, 12 pages, timestamped by 2 authorities, sha256 …"."""
    stamped = f", timestamped by {result.timestamps} authorit{'y' if result.timestamps == 1 else 'ies'}" \
        if result.timestamps else ""
    return f"wrote {result.path}: {result.warc_files} WARC files, {result.pages} pages{stamped}, sha256 {result.sha256}"


def pack_notes(result: PackResult) -> list[str]:
    """Said on stderr: each authority that did not stamp the pack, and why; why it is not in the vault's custody
    chain, if it is not."""
    notes = [f"the pack was not timestamped by {failure}" for failure in result.timestamp_failures]
    if result.not_logged:
        notes.append(f"{result.vault}: {result.not_logged}, so this pack is not logged in its custody chain")
    return notes
