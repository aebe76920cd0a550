"""Renderers for `fetch`, `search` and `show`."""

from __future__ import annotations

import io
import json
from dataclasses import asdict

from linkvault.render.check import render_check


def _console(color: bool, width: int):
    from rich.console import Console

    out = io.StringIO()
    return out, Console(file=out, force_terminal=color, no_color=not color, width=width, highlight=False)


def _text(out: io.StringIO) -> str:
    return "\n".join(line.rstrip() for line in out.getvalue().rstrip("\n").split("\n"))


def fetch_summary(result) -> str:
    links = result.links
    by_url = {link.url: link for link in links}
    counts: dict[str, int] = {}
    for link in by_url.values():
        counts[link.category or "unknown"] = counts.get(link.category or "unknown", 0) + 1
    order = ("alive", "dead", "restricted", "refused", "unknown")
    line = f"{len(by_url)} sources: " + ", ".join(f"{counts[c]} {c}" for c in order if counts.get(c))
    captured = sum(1 for link in by_url.values() if link.warc_file)
    reused = sum(1 for link in by_url.values() if link.reused)
    line += f" ({captured} captured in WARC" + (f", {reused} from earlier runs" if reused else "") + ")"
    missing = sum(1 for c in result.checks for f in c.findings if f.kind == "missing-footnote")
    if missing:
        line += f"; {missing} footnotes cited with no source"
    line += f". Vault: {result.vault}"
    if result.network_unreachable:
        line = ("The network is unreachable: no source could be resolved or reached from this machine, so "
                "nothing was archived and no link is reported dead. Check the connection or --proxy and run again.\n"
                + line)
    return line


def render_fetch(result, fmt: str, *, reviews=(), color: bool = False, width: int = 120) -> str:
    """JSON of the run, or the editor's report table of each report (as `report` prints it) and a summary."""
    if fmt == "json":
        return json.dumps({
            "vault": result.vault,
            "summary": {"fetched": result.fetched, "reused": result.reused, "failed": len(result.failed),
                        "network_unreachable": result.network_unreachable},
            "reports": [_fetched_report(check, result.links) for check in result.checks],
        }, ensure_ascii=False, indent=2)
    from rich.markup import escape

    from linkvault.render.review import render_review

    if result.network_unreachable:
        parts = [render_check(c, "table", color=color, width=width) for c in result.checks]
    else:
        parts = [render_review(r, "table", color=color, width=width) for r in reviews]
    out, console = _console(color, width)
    console.print(escape(fetch_summary(result)), soft_wrap=True)
    parts.append(_text(out))
    return "\n\n".join(parts)


def _fetched_report(check, links) -> dict:
    """One report of the run in the shared vocabulary: each footnote with what this run found for its URL(s)."""
    from linkvault.render.records import footnote_record, gap_record, report_object

    mine = {(link.label, link.url): link for link in links if link.report == check.report.path}
    records = []
    for note in check.report.footnotes:
        if not note.urls:
            records.append(gap_record(note, reused=False))
        for url in note.urls:
            link = mine[(note.label, url)]
            records.append(footnote_record(
                number=link.number, label=link.label, line=link.line, url=link.url,
                category=link.category or "unknown", state=link.state or "unknown",
                detail=link.detail or "not fetched in this run",
                http_status=link.status, final_url=link.final_url, title=link.title,
                archived_at=link.fetched_at if link.warc_file else None, warc_file=link.warc_file,
                warc_offset=link.warc_offset, reused=link.reused))
    return report_object(check, check.summary, check.findings, records)


def render_search(hits, fmt: str, *, color: bool = False, width: int = 120) -> str:
    if fmt == "json":
        return json.dumps([asdict(h) for h in hits], ensure_ascii=False, indent=2)
    if not hits:
        return "no matches"
    out, console = _console(color, width)
    from rich.markup import escape

    for hit in hits:
        console.print(escape(f"{hit.report} [{hit.number}] {hit.title or ''}"), style="bold" if color else "")
        console.print(escape(f"  {hit.url}"), soft_wrap=True)
        console.print(escape(f"  {hit.snippet}"))
    return _text(out)


def render_show(archive, *, with_text: bool, color: bool = False, width: int = 120) -> str:
    out, console = _console(color, width)
    from rich.markup import escape

    console.print(escape(f"{archive.report} [{archive.label}] (line {archive.line})"))
    for url in archive.urls:
        console.print(escape(f"  cited: {url}"), soft_wrap=True)
    if not archive.captures:
        console.print("  not captured yet")
    for cap in archive.captures:
        state = cap["error"] or f"HTTP {cap['status']}"
        console.print(escape(f"  captured {cap['fetched_at']}: {state}"
                             + (f", final URL {cap['final_url']}" if cap["final_url"] not in (None, cap["url"]) else "")),
                      soft_wrap=True)
        for hop in cap["redirects"][:-1]:
            console.print(escape(f"    {hop['status']} {hop['url']} → {hop['location']}"), soft_wrap=True)
        if cap["warc_file"]:
            console.print(escape(f"    WARC {cap['warc_file']} offset {cap['warc_offset']} length {cap['warc_length']}"
                                 + (" (truncated)" if cap["truncated"] else "")
                                 + (f" (same payload as {cap['revisit_of']})" if cap["revisit_of"] else "")))
        if cap["error_detail"]:
            console.print(escape(f"    {cap['error_detail']}"))
        origin = ", ".join(part for part in (
            f"from {cap['ip']}:{cap['port']}" if cap.get("ip") else "",
            " ".join(filter(None, (cap.get("tls_version"), cap.get("tls_cipher")))),
            f"collected by {cap['collector']}" if cap.get("collector") else "",
            f"provenance {cap['provenance_id']}" if cap.get("provenance_id") else "") if part)
        if origin:
            console.print(escape(f"    {origin}"), soft_wrap=True)
        for shot in cap.get("screenshots", []):
            size = f"{shot['width']}×{shot['height']} px" if shot["width"] else f"{shot['size']} bytes"
            console.print(escape(f"    screenshot {shot['taken_at']}: {size} PNG, sha256 {shot['sha256']}, "
                                 f"WARC {shot['warc_file']} offset {shot['warc_offset']} (urn:fullPage:{shot['url']})"),
                          soft_wrap=True)
    text = archive.text
    if text:
        meta = ", ".join(f"{k}: {text[k]}" for k in ("title", "author", "published", "language", "sitename") if text.get(k))
        console.print(escape(f"  text: {meta}"), soft_wrap=True)
        if with_text:
            console.print()
            console.print(escape(text["text"] or ""))
    return _text(out)
