"""Renderers for `fetch`, `search` and `show`."""

from __future__ import annotations

import io
import json
import shlex
from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING

from linkvault.model import LINK_CATEGORIES, NEEDS_A_COPY, CheckResult, FootnoteArchive
from linkvault.render.check import counted, render_check
from linkvault.render.copy_lines import link_lines, reference_words
from linkvault.render.drift import drift_line
from linkvault.render.history import history_words, shown_words, shows_history
from linkvault.render.records import account_words
from linkvault.render.textsafe import terminal_safe

if TYPE_CHECKING:
    from rich.console import Console

    from linkvault.model import CopiesResult, CopySearch, FetchResult, Link, Review, SearchHit, WitnessRun


def _console(color: bool, width: int) -> tuple[io.StringIO, Console]:
    from rich.console import Console

    out = io.StringIO()
    return out, Console(file=out, force_terminal=color, no_color=not color, width=width, highlight=False)


def _text(out: io.StringIO) -> str:
    return "\n".join(line.rstrip() for line in out.getvalue().rstrip("\n").split("\n"))


def fetch_summary(result: FetchResult) -> str:
    links = result.links
    by_url = {link.url: link for link in links}
    counts: dict[str, int] = {}
    for link in by_url.values():
        counts[link.category or "unknown"] = counts.get(link.category or "unknown", 0) + 1
    order = LINK_CATEGORIES
    line = f"{counted(len(by_url), 'source', 'sources')}: " + ", ".join(f"{counts[c]} {c}" for c in order if counts.get(c))
    captured = sum(1 for link in by_url.values() if link.warc_file)
    reused = sum(1 for link in by_url.values() if link.reused)
    line += f" ({captured} captured in WARC" + (f", {reused} from earlier runs" if reused else "") + ")"
    missing = sum(1 for c in result.checks for f in c.findings if f.kind == "missing-footnote")
    if missing:
        line += f"; {counted(missing, 'footnote', 'footnotes')} cited with no source"
    line += f". Vault: {result.vault}"
    line += _evidence_sentence(result)
    if result.save_page_now is not None:
        line += "\n" + witness_sentence(result.save_page_now)
    line += _next_step(result)
    if result.untrusted_hosts:
        hosts = result.untrusted_hosts
        named = ", ".join(hosts[:3]) + (f" and {len(hosts) - 3} more" if len(hosts) > 3 else "")
        line = (f"Certificates from {named} were issued by a CA this machine does not trust, as behind a "
                "TLS-intercepting proxy: those links were not checked, none is called dead, and earlier verdicts "
                "stand. Give the proxy's CA with --ca-bundle FILE or SSL_CERT_FILE and run again.\n" + line)
    if result.proxy_down:
        line = (f"{result.proxy_down[0].upper()}{result.proxy_down[1:]}. No source was checked through it, no link is "
                "reported dead and earlier verdicts stand. Fix the proxy, or --proxy / HTTPS_PROXY, and run again.\n"
                + line)
    elif result.network_unreachable:
        line = ("The network is unreachable: no source could be resolved or reached from this machine, so "
                "nothing was archived, no link is reported dead and earlier verdicts stand. Check the connection "
                "or --proxy and run again.\n" + line)
    return line


def _evidence_sentence(result: FetchResult) -> str:
    """What the run sealed and screenshotted, naming what it finished for an earlier run, and plainly when every
    timestamp authority failed (the captures then rest on this machine's clock until a later run stamps them)."""
    parts = [stamps_sentence(result, "the next fetch tries again")] if result.stamps else []
    if result.screenshots_earlier:
        parts.append(f"{counted(result.screenshots_earlier, 'screenshot', 'screenshots')} taken of pages an earlier "
                     "run captured without one.")
    return "".join(f"\n{part}" for part in parts)


def stamps_sentence(result: FetchResult | CopiesResult, again: str) -> str:
    """How a run's manifest was timestamped (`fetch`'s or `copies`'), naming what it sealed for an earlier run;
    plainly when every authority failed, and `again`: which run tries again."""
    good = [s.tsa for s in result.stamps if s.token]
    earlier = f", {result.sealed_earlier} of them left unstamped by an earlier run" if result.sealed_earlier else ""
    if good:
        return f"Timestamped by {', '.join(good)}: {counted(result.sealed, 'record', 'records')}{earlier}."
    return (f"NOT TIMESTAMPED: every timestamp authority failed (named below), so "
            f"{counted(result.sealed, 'record has', 'records have')} only this machine's clock for their time; {again}.")


def _next_step(result: FetchResult) -> str:
    """Where a source the run found failing, dead, restricted or refused leads: its copy in the web archives
    (`copies`)."""
    lost = {link.url: link.category for link in result.links if link.category in NEEDS_A_COPY}
    if not lost:
        return ""
    kinds = " or ".join(c for c in NEEDS_A_COPY if c in lost.values())
    named = [c.report.path for c in result.checks if not c.report.path.startswith("<")]
    what = f"a copy of the {kinds} source" if len(lost) == 1 else f"copies of the {len(lost)} {kinds} sources"
    return f"\nlinkvault copies {' '.join(map(shlex.quote, named)) or 'REPORT'} looks for {what} in the web archives."


def witness_sentence(run: WitnessRun) -> str:
    """What Save Page Now did for the run, then each comparison's sentence and each thing to hear once."""
    parts = [f"{run.submitted} submitted"]
    if run.same or run.differs:
        parts.append("witnessed: " + ", ".join(f"{n} {label}" for label, n in (("same", run.same),
                                                                              ("differs", run.differs)) if n))
    parts += [f"{label} {n}" for label, n in (("pending", run.pending), ("failed", run.failed),
                                              ("not submitted", run.not_submitted)) if n]
    lines = ["Save Page Now: " + ", ".join(parts) + "."]
    lines += [line for w in run.witnesses for line in (f"  {w.sentence}:", f"    {w.uri_m}")]
    lines += [f"  {note[0].upper()}{note[1:]}." for note in run.notes]
    if run.pending:
        lines.append("  The next fetch --save-page-now finishes the pending ones.")
    return "\n".join(lines)


def _witness_json(run: WitnessRun | None) -> dict | None:
    if run is None:
        return None
    return {"submitted": run.submitted, "same": run.same, "differs": run.differs, "pending": run.pending,
            "failed": run.failed, "not_submitted": run.not_submitted, "notes": run.notes,
            "witnesses": [{"capture_id": w.capture_id, "archive": w.archive, "uri_m": w.uri_m,
                           "archive_at": w.archive_at, "verdict": w.verdict, "sentence": w.sentence,
                           "text_similarity": w.text_similarity}
                          for w in run.witnesses]}


def timestamp_json(result: FetchResult | CopiesResult) -> dict | None:
    if not result.stamps:
        return None
    return {"stamped": any(s.token for s in result.stamps), "records": result.sealed,
            "earlier_records": result.sealed_earlier,
            "authorities": [{"tsa": s.tsa, "stamped": s.token is not None, "gen_time": s.gen_time, "error": s.error}
                            for s in result.stamps]}


def shows_checks(result: FetchResult, reviews: Sequence[Review]) -> bool:
    """Whether `fetch` shows each report's `check` (nothing was judged, or no review was made) or its review,
    whose findings add the claim check's; its exit line counts the findings of the same tables."""
    return bool(result.network_unreachable or result.proxy_down or not reviews)


def render_fetch(result: FetchResult, fmt: str, *, reviews: Sequence[Review] = (), color: bool = False,
                 width: int = 120) -> str:
    """JSON of the run, or the editor's report table of each report (as `report` prints it) and a summary."""
    if fmt == "json":
        return json.dumps({
            "vault": result.vault,
            "summary": {"fetched": result.fetched, "reused": result.reused, "failed": len(result.failed),
                        "network_unreachable": result.network_unreachable, "proxy_down": result.proxy_down,
                        "untrusted_hosts": result.untrusted_hosts, "timestamp": timestamp_json(result),
                        "screenshots": result.screenshots, "earlier_screenshots": result.screenshots_earlier,
                        "save_page_now": _witness_json(result.save_page_now)},
            "reports": [_fetched_report(check, result.links) for check in result.checks],
        }, ensure_ascii=False, indent=2)
    from linkvault.render.review import render_review

    if shows_checks(result, reviews):
        parts = [render_check(c, "table", color=color, width=width) for c in result.checks]
    else:
        parts = [render_review(r, "table", color=color, width=width) for r in reviews]
    out, console = _console(color, width)
    for line in fetch_summary(result).split("\n"):
        statement = line.lstrip(" ")  # an indented line keeps its indent when it wraps
        _say(console, statement, indent=len(line) - len(statement))
    parts.append(_text(out))
    return "\n\n".join(parts)


def _fetched_report(check: CheckResult, links: list[Link]) -> dict:
    """One report of the run in the shared vocabulary: each footnote with what this run found for its URL(s)."""
    from linkvault.render.records import account_field, footnote_record, gap_record, report_object, vantage_field

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
                warc_offset=link.warc_offset, reused=link.reused, **account_field(link.account),
                **vantage_field(link.vantage)))
    return report_object(check, check.summary, check.findings, records)


def _seen_from(cap: dict) -> str:
    """The vantage point a capture was made from, for `show` (fetch --vantage; nothing when the run named none)."""
    return f", seen from {cap['vantage']}" if cap.get("vantage") else ""


def render_search(hits: list[SearchHit], fmt: str, *, color: bool = False, width: int = 120) -> str:
    if fmt == "json":
        return json.dumps([asdict(h) for h in hits], ensure_ascii=False, indent=2)
    if not hits:
        return "no matches"
    out, console = _console(color, width)
    for hit in hits:
        _say(console, f"{hit.report} [{hit.number}] {hit.title or ''}", style="bold" if color else "")
        _say(console, hit.url, indent=2)
        _say(console, hit.snippet, indent=2)
    return _text(out)


def _say(console: Console, text: str, indent: int = 0, style: str = "", hang: int = 0) -> None:
    """One statement, wrapped between words at the console's width, its continuation lines indented (`hang`
    columns more than the first, so a heading that wraps is not read as the lines under it).

    Only a word longer than a whole line (a long URL) is folded; nothing runs past the width. Control
    characters (a file name's or a page's) are shown, not obeyed: one statement is never two lines.
    """
    from rich.padding import Padding
    from rich.text import Text

    line = Text(terminal_safe(text), style=style)
    head = line.wrap(console, max(console.width - indent, 1))[0].plain if hang else line.plain
    if len(head) < len(line.plain):
        first, rest = line[:len(head)], line[len(head):]
        first.rstrip()
        console.print(Padding(first, (0, 0, 0, indent)) if indent else first)
        line, indent = rest[len(rest.plain) - len(rest.plain.lstrip(" ")):], indent + hang
    console.print(Padding(line, (0, 0, 0, indent)) if indent else line)


def render_show(archive: FootnoteArchive, *, with_text: bool, color: bool = False, width: int = 120) -> str:
    out, console = _console(color, width)
    _say(console, f"{archive.report} [{archive.label}] (line {archive.line})")
    for url in archive.urls:
        _say(console, f"cited: {url}", indent=2)
        if url in archive.verdicts:
            category, state, detail = archive.verdicts[url]
            _say(console, f"verdict: {category} / {state}: {detail}", indent=2)
        _say_over_time(console, archive, url)
        if url in archive.copies:
            _say_copies(console, archive.copies[url])
    if not archive.captures:
        _say(console, "not captured yet", indent=2)
    for cap in archive.captures:
        state = cap["error"] or f"HTTP {cap['status']}"
        _say(console, f"captured {cap['fetched_at']}{_seen_from(cap)}: {state}"
             + (f", final URL {cap['final_url']}" if cap["final_url"] not in (None, cap["url"]) else ""), indent=2)
        for hop in cap["redirects"][:-1]:  # a redirect stub's hop (a 2xx page) named by how it sent us on
            how = f"via {hop['via'].replace('-', ' ')}:" if hop.get("via") else hop["status"]
            _say(console, f"{how} {hop['url']} → {hop['location']}", indent=4)
        if cap["warc_file"]:
            _say(console, f"WARC {cap['warc_file']} offset {cap['warc_offset']} length {cap['warc_length']}"
                 + (" (truncated)" if cap["truncated"] else "")
                 + (f" (same payload as {cap['revisit_of']})" if cap["revisit_of"] else ""), indent=4)
        if cap["error_detail"]:
            _say(console, cap["error_detail"], indent=4)
        if origin := _origin(cap):
            _say(console, origin, indent=4)
        if cap.get("account"):  # an Account (lookup.show reads the row's columns into one)
            _say(console, account_words(cap["account"]), indent=4)
        if cap.get("images"):
            _say(console, images_words(cap["images"]), indent=4)
        for seen in cap.get("witnesses", []):
            _say(console, f"witness: {seen['sentence']}:", indent=4)
            _say(console, seen["uri_m"], indent=6)
        for shot in cap.get("screenshots", []):
            size = f"{shot['width']}×{shot['height']} px" if shot["width"] else f"{shot['size']} bytes"
            _say(console, f"screenshot {shot['taken_at']}: {size} PNG, sha256 {shot['sha256']}, "
                 f"WARC {shot['warc_file']} offset {shot['warc_offset']} (urn:fullPage:{shot['url']})", indent=4)
    text = archive.text
    if text:
        meta = ", ".join(f"{k}: {text[k]}" for k in ("title", "author", "published", "language", "sitename") if text.get(k))
        _say(console, f"text: {meta}", indent=2)
        if with_text:
            console.print()
            for paragraph in (text["text"] or "").split("\n"):
                _say(console, paragraph)
    return _text(out)


def _say_over_time(console: Console, archive: FootnoteArchive, url: str) -> None:
    """Once a link was checked again: its checks read together, each check (when, what it met, the vantage point
    that saw it), and the newest drift `recheck` stored for it."""
    history = archive.histories.get(url)
    if history is not None and shows_history(history):
        _say(console, f"history: {history_words(history)}", indent=2, hang=2)
        seen = {cap["id"]: cap for cap in archive.captures}
        for check in history.checks:
            _say(console, f"checked {check.at:%Y-%m-%d %H:%M} UTC: {check.category} / {check.state}"
                 + (" (our own side failed: not counted)" if check.own_side else "")
                 + _seen_from(seen.get(check.capture_id, {})), indent=4)
    if url in archive.shown:
        shown = archive.shown[url]
        record = shown.record
        _say(console, f"{shown_words(shown)} (capture {shown.id}"
             + (f", WARC {record.file} offset {record.offset}" if record else "") + ")", indent=2, hang=2)
    if url in archive.drifts:
        _say(console, "drift: " + drift_line(archive.drifts[url]).strip(), indent=2, hang=2)


def _origin(cap: dict) -> str:
    """Where a capture came from and who made it, in one line."""
    return ", ".join(part for part in (
        f"from {cap['ip']}:{cap['port']}" if cap.get("ip") else "",
        " ".join(filter(None, (cap.get("tls_version"), cap.get("tls_cipher")))),
        f"collected by {cap['collector']}" if cap.get("collector") else "",
        f"provenance {cap['provenance_id']}" if cap.get("provenance_id") else "") if part)


def images_words(images: list[dict]) -> str:
    """A post's pictures in a few words: how many were archived with it (and how many could not be)."""
    archived = sum(1 for image in images if image["warc_file"] and image["status"] and image["status"] < 400)
    if archived == len(images):
        return f"images: {archived} archived with the post"
    return f"images: {archived} of {len(images)} archived with the post (the others did not load)"


def _say_copies(console: Console, search: CopySearch) -> None:
    """The copies the last `copies` search found for one cited URL, as `copies` lists them: the one offered, each
    passed over with its reason, or that none was found, and any archive that could not be asked."""
    _say(console, f"archived copies, {reference_words(search.reference)}:", indent=2)
    for line, indent in link_lines(search):
        _say(console, line, indent=indent + 2)


def render_exported(archive: FootnoteArchive, path: str) -> str:
    """What `show --screenshot` wrote: whose screenshot, taken when, and its SHA-256 to compare."""
    shot = archive.screenshot or {}
    return f"wrote {path}: the screenshot of {shot.get('url')} taken {shot.get('taken_at')}, sha256 {shot.get('sha256')}"
