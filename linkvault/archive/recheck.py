"""`linkvault recheck`: each footnote's source checked again, as a new capture, meant for cron or a systemd timer.

A recheck is a fetch run over the vault's reports as stored (their footnotes as last fetched: a report read from
standard input needs no file) that fetches the chosen URLs again whatever their age: every link, or with `due_only`
those whose next check is due by their history (linkvault/history.py). Each re-capture is a capture like any other:
in the WARC (a payload already archived as a revisit record), with its provenance and its `captured` custody event;
the run itself is one `recheck` custody event (when, by which rules, how many links were due). A link not due is
judged by its verdict capture as it stands; a run that fails on our side judges nothing, as `fetch`'s.

The clock is injected (`RecheckOptions.clock`): it dates the captures, so a test moves it forward a week instead of
sleeping one; the command line uses the real one.

Seams for the rest of issue 16:
- drift: after the run, each footnote URL fetched again has its drift judged and stored (`vault.drifts.drift_for`:
  what became of the passage its claim relied on since its first capture), kept in `RecheckResult.drifts`; then the
  hooks in `RecheckOptions.after_recapture` (default: the module list `AFTER_RECAPTURE`) are called as
  `hook(vault, link, capture_id)` with the open vault, the footnote's `Link` and its new capture's id, and what they
  return is kept in `RecheckResult.after[(label, url)]`.
- vantage points (i16-vantage): `RecheckOptions.fetch` is the `FetchOptions` every re-capture goes through, as fetch's
  are: vantage points set there reach the recheck's `FetchRun` exactly as they reach fetch's.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from linkvault.archive.fetcher import FetchOptions
from linkvault.archive.run import FetchRun
from linkvault.errors import InputError, LinkvaultError
from linkvault.model import CheckResult, Entry, HistoryRules, HistoryVerdict, Link, RecheckResult, Report
from linkvault.parsing import parse_report
from linkvault.vault import Vault, VaultLock
from linkvault.vault.drifts import ReportDrifts

AfterRecapture = Callable[[Vault, Link, int], object]
AFTER_RECAPTURE: list[AfterRecapture] = []  # called after each re-capture, after its drift is judged


@dataclass
class RecheckOptions:
    """How a recheck runs: the fetch options every re-capture goes through, the history's rules, whether only what is
    due is checked, the clock (None: the fetch options' own, the real one) and the after-recapture hooks."""

    fetch: FetchOptions = field(default_factory=FetchOptions)
    rules: HistoryRules = field(default_factory=HistoryRules)
    due_only: bool = False
    clock: Callable[[], datetime] | None = None
    after_recapture: Sequence[AfterRecapture] | None = None  # None: AFTER_RECAPTURE


def recheck_vault(vault_dir: str, reports: Sequence[str] = (), options: RecheckOptions | None = None, *,
                  on_progress: Callable[..., None] | None = None) -> RecheckResult:
    """Check again the sources the named reports cite (none named: every report in the vault), as new captures."""
    options = options or RecheckOptions()
    fetch_options = options.fetch
    if options.clock is not None:
        fetch_options = replace(fetch_options, ids_and_clock=replace(fetch_options.ids_and_clock, now=options.clock))
    fetch_options.egress  # noqa: B018 -- a proxy or CA that cannot work is a usage error before anything is written
    now = fetch_options.ids_and_clock.now()
    Vault.require(vault_dir)
    with VaultLock(vault_dir):
        vault = Vault(vault_dir)
        try:
            stored = [_stored_report(vault, name) for name in (reports or vault.report_paths())]
            urls = list(dict.fromkeys(url for report in stored for note in report.footnotes for url in note.urls))
            before = vault.histories(urls, options.rules)
            due = [url for url in urls if not options.due_only or before.get(url, _NEVER).due(now + options.rules.leeway)]
            vault.log_event("recheck", os.path.abspath(vault_dir), collector=fetch_options.collector, details={
                "as_of": now.isoformat(), "due_only": options.due_only, "links": len(urls), "due": len(due),
                "rules": {"dead_after": options.rules.dead_after, "apart_days": options.rules.apart.total_seconds() / 86400,
                          "alive_every_days": options.rules.alive_every.total_seconds() / 86400,
                          "failing_every_days": options.rules.failing_every.total_seconds() / 86400}})
            run = FetchRun(vault, fetch_options, [CheckResult(report, []) for report in stored],
                           on_progress=on_progress, recheck=due)
            fetched = run.run()
            result = RecheckResult(vault=vault_dir, as_of=now, due_only=options.due_only, rules=options.rules,
                                   links=fetched.links, rechecked=[url for url in due if url in run.captures],
                                   histories=vault.histories(urls, options.rules), fetch=fetched)
            _after_recapture(vault, result, run, options, stored, now)
            return result
        finally:
            vault.close()


def _as_written(stored: list[Report]) -> list[Report]:
    """Each report read from its file, for the sentences that cite its footnotes (the vault keeps only its links);
    a report whose file is gone or unreadable has no drift judged, never an error."""
    read = []
    for report in stored:
        try:
            read.append(parse_report(report.path, report.format) if os.path.isfile(report.path) else report)
        except (LinkvaultError, OSError, ValueError):
            read.append(report)
    return read


_NEVER = HistoryVerdict("unknown")  # a link never checked: due at once


def _after_recapture(vault: Vault, result: RecheckResult, run: FetchRun, options: RecheckOptions,
                     stored: list[Report], now: datetime) -> None:
    """Each re-captured footnote's drift since its first capture, judged and stored, then the hooks."""
    hooks = AFTER_RECAPTURE if options.after_recapture is None else options.after_recapture
    rechecked = set(result.rechecked)
    drifts = {os.path.abspath(report.path): ReportDrifts(vault, report) for report in _as_written(stored)}
    judged_at = now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    for link in result.links:
        capture = run.captures.get(link.url or "")
        if link.url not in rechecked or capture is None or capture.id is None:
            continue
        judge = drifts.get(os.path.abspath(link.report)) if link.report else None
        drift = judge.judge(link.label, capture.id, judged_at) if judge else None
        if drift is not None:
            result.drifts[(link.label, link.url)] = drift
        if hooks:
            result.after[(link.label, link.url)] = [hook(vault, link, capture.id) for hook in hooks]


def _stored_report(vault: Vault, name: str) -> Report:
    """A report as the vault keeps it (path or `<…>` name): its footnotes' URLs as last fetched."""
    stored = vault.stored_report(name)
    if stored is None:
        raise InputError("not a report fetched into this vault (`linkvault fetch` it first)", path=name)
    row, notes = stored
    urls: dict[str, list[str]] = {}
    lines: dict[str, int] = {}
    for note in notes:
        if note["url"] is not None:
            urls.setdefault(note["label"], []).append(note["url"])
            lines.setdefault(note["label"], note["line"] or 0)
    entries = [Entry(label, lines[label], "", tuple(cited)) for label, cited in urls.items()]
    return Report(path=row["path"], format=row["format"],
                  entries=entries, sha256=row["sha256"])
