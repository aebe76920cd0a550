"""The pack's human summary: one HTML page mapping each footnote to its capture, digests and timestamps; and
what `pack` says when it is written.

A static page (no script at all, a CSP that loads nothing), every value escaped: URLs, titles and
details come from the report and from fetched pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from linkvault.model import PackResult
from linkvault.model.copies import DIFFERS, OFFERED, SAME_DECODED
from linkvault.render.archive import _console, _say, _text
from linkvault.render.check import counted
from linkvault.render.copy_lines import CHOICE_WORDS, archive_words, copy_judged, reference_words
from linkvault.render.htmlsafe import esc, page_head, web_link
from linkvault.render.records import account_words

if TYPE_CHECKING:
    from linkvault.evidence.summary import (
        CopyEvidence,
        EvidenceRow,
        EvidenceSummary,
        ManifestFact,
        TimestampFact,
        WitnessFact,
    )

_CSS = """body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}h1{font-size:1.4em;margin:0}
table{border-collapse:collapse;width:100%}th{background:#f3f3f3;text-align:left}
th,td{border-bottom:1px solid #ddd;padding:.3em .5em;vertical-align:top}td{word-break:break-word}
code{font-size:.85em;word-break:break-all}.small{color:#666;font-size:.85em}.missing{background:#ffd7b5}
.dead{background:#fbe0e0}.failing{background:#fde8d7}.alive{background:#e3f6e3}.restricted{background:#fdf4d3}.refused{background:#f3e1f7}"""
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
    if r.images:
        record += f"<div class=\"small\">images: {len(r.images)} archived with the post</div>"
    if r.screenshot_id:
        record += (f"<div class=\"small\">screenshot <code>{esc(r.screenshot_id)}</code> sha256 "
                   f"<code>{esc(r.screenshot_sha256)}</code></div>")
    return (f'<tr class="{esc(kind)}"><td>{esc(r.label)}</td><td>{source}</td><td>{verdict}</td><td>{captured}</td>'
            f"<td>{record}</td><td>{_stamps(r.stamps)}</td></tr>")


def _shown_row(r: EvidenceRow) -> str:
    """The last capture that showed the page, under a row whose verdict capture no longer does (a source archived
    alive, found failing since): the page as it was archived is the footnote's evidence, sealed like any capture."""
    shown = r.link.shown
    if shown is None or shown.record is None:
        return ""
    record = shown.record
    what = (f"last archived showing the page<div class=\"small\">{esc(shown.state.state if shown.state else '')}"
            + (f": {esc(shown.title)}" if shown.title else "") + "</div>")
    captured = f"{esc(shown.fetched_at)}<div class=\"small\">HTTP {esc(shown.status)}</div>"
    digests = (f"<div>{esc(record.file)} @ {esc(record.offset)}</div><code>{esc(record.record_id)}</code>"
               f"<div class=\"small\">block <code>{esc(r.shown_block_digest)}</code></div>"
               f"<div class=\"small\">payload <code>{esc(record.payload_digest)}</code></div>")
    return (f'<tr class="alive"><td>{esc(r.label)}</td><td>{web_link(r.url)}</td><td>{what}</td><td>{captured}</td>'
            f"<td>{digests}</td><td>{_stamps(r.shown_stamps)}</td></tr>")


def _copy_row(r: EvidenceRow, c: CopyEvidence) -> str:
    """One archived copy of a looked-up link: what it is and how it was judged, and its memento's sealed record."""
    v, cand = c.verdict, c.verdict.candidate
    kind = "alive" if v.choice == OFFERED else "dead"
    judged = (f"<div>{esc(CHOICE_WORDS.get(v.choice, v.choice))}: {esc(archive_words(cand.archive))} {esc(cand.memento_at)}"
              f"{esc(copy_judged(v))}</div><div class=\"small\">{web_link(cand.uri_m)}</div>")
    if c.title:
        judged += f"<div class=\"small\">title: {esc(c.title)}</div>"
    why = v.reason if v.choice != OFFERED else (f"claim: {v.claim_reason}" if v.claim_reason else "")
    if why:
        judged += f"<div class=\"small\">{'why: ' if v.choice != OFFERED else ''}{esc(why)}</div>"
    ended = f" → {web_link(c.final_uri)}" if c.final_uri and c.final_uri != c.fetched_uri else ""
    if not c.record_id:
        record = '<span class="small">not fetched: no record in this pack</span>'
    else:
        record = (f"<div>{esc(c.warc_file)} @ {esc(c.warc_offset)}</div><code>{esc(c.record_id)}</code>"
                  f"<div class=\"small\">fetched {esc(c.fetched_at)} from {web_link(c.fetched_uri)}{ended}</div>"
                  f"<div class=\"small\">block <code>{esc(c.block_digest)}</code></div>"
                  f"<div class=\"small\">payload <code>{esc(c.payload_digest)}</code></div>")
    return (f'<tr class="{kind}"><td>{esc(r.label)}</td><td>{web_link(r.url)}</td><td>{judged}</td>'
            f"<td>{record}</td><td>{_stamps(c.stamps) if c.record_id else ''}</td></tr>")


def _copies_rows(r: EvidenceRow) -> str:
    """A looked-up link's rows: its copies in rank order, then the archives not reached or that none was found."""
    search = r.copy_search
    head = (f'<tr><td>{esc(r.label)}</td><td>{web_link(r.url)}</td><td colspan="3" class="small">'
            f"{esc(reference_words(search.reference))}</td></tr>")
    rows = [_copy_row(r, c) for c in r.copies]
    if search.offered is None and not search.unreached:
        rows.append(f'<tr><td>{esc(r.label)}</td><td>{web_link(r.url)}</td><td colspan="3">none found: no archive '
                    "asked holds a valid copy</td></tr>")
    rows += [f'<tr class="restricted"><td>{esc(r.label)}</td><td>{web_link(r.url)}</td><td colspan="3">not reached: '
             f"{esc(s.detail or s.service)}</td></tr>" for s in search.unreached]
    return head + "".join(rows)


def _copies_section(summary: EvidenceSummary) -> str:
    looked_up = [r for r in summary.rows if r.copy_search is not None]
    if not looked_up:
        return ""
    offered = sum(1 for r in looked_up if r.copy_search.offered is not None)
    return f"""<h2>Archived copies of the sources looked up</h2>
<p>{counted(len(looked_up), "link", "links")} looked up in web archives (<code>linkvault copies</code>), {offered}
with a copy offered: the copy closest before the reference date that is alive by linkvault's own rules and
supports the claim. Each copy fetched is a memento record in this pack's WARC files, its digests recomputable like
any capture's.</p>
<table><thead><tr><th>#</th><th>source</th><th>archived copy and its verdict</th><th>memento record and digests</th>
<th>timestamp</th></tr></thead>
<tbody>
{chr(10).join(_copies_rows(r) for r in looked_up)}
</tbody></table>
"""


def _witness_row(r: EvidenceRow, fact: WitnessFact) -> str:
    w = fact.witness
    ours = (f"ours once decoded <code>{esc(w.our_sha1_decoded)}</code>" if w.verdict == SAME_DECODED
            and w.our_sha1_decoded else f"ours <code>{esc(w.our_sha1)}</code>")
    event = (f"event {esc(fact.custody_id)} (witnessed)<div class=\"small\">hash <code>{esc(fact.custody_hash)}"
             "</code></div>" if fact.custody_id else '<span class="small">not in the custody log</span>')
    return (f'<tr class="{"dead" if w.verdict == DIFFERS else "alive"}"><td>{esc(r.label)}</td>'
            f"<td>{web_link(r.url)}<div class=\"small\">ours <code>{esc(r.response_id)}</code></div></td>"
            f"<td>{esc(archive_words(w.archive))} {esc(w.archive_at)}<div class=\"small\">{web_link(w.uri_m)}</div></td>"
            f"<td>{esc(w.verdict)}<div class=\"small\">{esc(w.sentence)}</div><div class=\"small\">archive "
            f"<code>{esc(w.archive_digest)}</code>, {ours}</div></td><td>{event}</td></tr>")


def _witnesses_section(summary: EvidenceSummary) -> str:
    rows = [_witness_row(r, fact) for r in summary.rows for fact in r.witnesses]
    if not rows:
        return ""
    return f"""<h2>Independent witnesses (Save Page Now)</h2>
<p>An archive's own capture of a captured source, its payload digest (SHA-1, base32, from the archive's CDX) set
against ours: <em>same</em>, <em>same-decoded</em> (once the content encoding is undone) or <em>differs</em>.
Each comparison is an event in the custody log this pack carries.</p>
<table><thead><tr><th>#</th><th>source</th><th>archive's capture</th><th>verdict</th><th>custody event</th></tr>
</thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
"""


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
{chr(10).join(_row(r) + _shown_row(r) for r in summary.rows)}
</tbody></table>
{_copies_section(summary)}{_witnesses_section(summary)}<h2>Run manifests and their timestamps</h2>
<ul>{"".join(_manifest(m) for m in summary.manifests) or "<li>none: fetched with --no-timestamp</li>"}</ul>
</body></html>
"""


def render_packed(result: PackResult, *, width: int = 120) -> str:
    """ "wrote r.wacz: 3 WARC files, 12 pages, timestamped by 2 authorities, sha256 …", wrapped between words at
    `width` as the other commands' closing lines are, its continuation hanging (the SHA-256 whole on its line)."""
    stamped = f", timestamped by {result.timestamps} authorit{'y' if result.timestamps == 1 else 'ies'}" \
        if result.timestamps else ""
    out, console = _console(False, width)
    _say(console, f"wrote {result.path}: {result.warc_files} WARC files, {result.pages} pages{stamped}, "
                  f"sha256 {result.sha256}", hang=4)
    return _text(out)


def pack_notes(result: PackResult) -> list[str]:
    """Said on stderr: each authority that did not stamp the pack, and why; why it is not in the vault's custody
    chain, if it is not."""
    notes = [f"the pack was not timestamped by {failure}" for failure in result.timestamp_failures]
    if result.not_logged:
        notes.append(f"{result.vault}: {result.not_logged}, so this pack is not logged in its custody chain")
    return notes
