"""What changed under one footnote link since a moment: its history's status, its newest verdict, its drift.

Each is read as of the moment (the checks and drifts before it), then again after each later check or drift: each
difference is a `Change`, dated by the check (or re-capture) that made it, so a link that failed and recovered
since shows both. A link first checked after the moment starts from its first check, and a footnote never judged
for drift reads as unchanged: the state a link was first seen in is its baseline, never a change. The newest verdict
(category/state) is a change of its own only while the history's status stands (alive/ok → alive/redirected,
failing on a 404 → failing on a 500); checks that failed on our own side say nothing of the link and are skipped.

How much each matters is what an editor would expect: a source that died, or a passage gone or a page replaced
under the claim, is an error; a link starting to fail or walled off a warning; a recovery, or a page that
changed around an intact passage, information.

`link_changes` is pure (no clock, no vault); `changes_in` reads a vault's reports for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timezone
from typing import NamedTuple

from linkvault.errors import InputError, UsageError
from linkvault.history import checks_of, history_of, moment
from linkvault.model import FAILING, Change, ChangesResult, Check, HistoryRules, HistoryVerdict, Severity
from linkvault.model.drift import ATTENTION, UNCHANGED, Drift
from linkvault.vault import Vault


class Where(NamedTuple):
    """The footnote link a change is under."""

    report: str
    label: str
    number: int | None
    url: str
    title: str = ""


def since_of(value: datetime | date | str | None) -> datetime | None:
    """The moment `--since` names: "last" (or None) → None (the newest run's start, read from the vault); a day
    ("2026-11-01") → its midnight UTC; an ISO 8601 time (UTC when it names no zone). Anything else: a UsageError."""
    if value is None or value == "last":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise UsageError(f"--since {value!r}: not a date (YYYY-MM-DD, an ISO 8601 time, or `last`)") from None
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def changes_in(vault_dir: str, reports: Sequence[str], since: datetime | None, rules: HistoryRules | None = None
               ) -> ChangesResult:
    """Every change under the links of `reports` (none: every report in the vault) since `since` (None: since the
    newest check run began, `Vault.last_run_start`). The vault is only read; a report not fetched into it is an
    InputError naming it."""
    Vault.require(vault_dir)
    with Vault(vault_dir, read_only=True) as vault:
        names = list(reports) or vault.report_paths()
        stored = {name: vault.stored_report(name) for name in names}
        missing = next((name for name, found in stored.items() if found is None), None)
        if missing is not None:
            raise InputError("not a report fetched into this vault (`linkvault fetch` it first)", path=missing)
        cutoff = since or vault.last_run_start()
        result = ChangesResult(vault_dir, [row["path"] for row, _ in filter(None, stored.values())], cutoff,
                               since_last=since is None)
        for name, (row, notes) in ((n, s) for n, s in stored.items() if s is not None):
            links = [n for n in notes if n["url"] is not None]
            checks = vault.checks_of(n["url"] for n in links)
            titles = vault.latest_titles(n["url"] for n in links)
            drifts: dict[tuple[str, str], list[Drift]] = {}
            for drift in vault.drifts_of(name):
                drifts.setdefault((drift.label, drift.url), []).append(drift)
            result.links += len(links)
            for note in links:
                if cutoff is None:  # no check at all: nothing to compare
                    break
                where = Where(row["path"], note["label"], note["number"], note["url"], titles.get(note["url"], ""))
                result.changes += link_changes(where, checks_of(checks.get(note["url"], [])),
                                               drifts.get((note["label"], note["url"]), []), cutoff, rules)
        return result


def link_changes(where: Where, checks: Sequence[Check], drifts: Sequence[Drift], since: datetime,
                 rules: HistoryRules | None = None) -> list[Change]:
    """Every change of one link (`where`: which footnote link) since `since`, oldest first; `checks` and `drifts`
    (its own) are everything the vault holds of it."""
    rules = rules or HistoryRules()
    checks = sorted(checks, key=lambda c: (c.at, c.capture_id or 0))
    base = max(1, sum(1 for c in checks if c.at < since))  # the checks the state before stands on
    found = []
    histories = [history_of(list(checks[:i]), rules) for i in range(base, len(checks) + 1)]
    status = [_status(history) for history in histories]
    verdict = [_verdict(checks[:i], history) for i, history in zip(range(base, len(checks) + 1), histories)]
    for step, check in enumerate(checks[base:], start=1):
        if status[step] != status[step - 1]:
            found.append(_change(where, "history", status[step - 1], status[step], check.at,
                                 _history_severity(status[step])))
        elif verdict[step - 1] is not None and verdict[step] not in (None, verdict[step - 1]):
            now = verdict[step] or ""
            found.append(_change(where, "verdict", verdict[step - 1], now, check.at,
                                 Severity.INFO if now.startswith("alive/") else Severity.WARNING))
    found += _drift_changes(where, drifts, since)
    return sorted(found, key=lambda c: c.at or since)


def _status(verdict: HistoryVerdict) -> str:
    """The history's status as a change reads it: "failing (2 of 3)" counts its failures, the rest a word."""
    return f"failing ({verdict.failures} of {verdict.needed})" if verdict.status == "failing" else verdict.status


def _verdict(checks: Sequence[Check], history: HistoryVerdict) -> str | None:
    """The newest check's category/state, its category as the link's: a failure the history has not confirmed is
    failing ("failing/not-found"), only a confirmed one dead."""
    telling = [c for c in checks if not c.own_side]
    if not telling:
        return None
    newest = telling[-1]
    category = FAILING if newest.category == "dead" and history.status != "dead" else newest.category
    return f"{category}/{newest.state}"


def _history_severity(after: str) -> Severity:
    if after == "dead":
        return Severity.ERROR  # a source that died
    return Severity.INFO if after == "alive" else Severity.WARNING


def _drift_changes(where: Where, drifts: Sequence[Drift], since: datetime) -> list[Change]:
    """Each change of the drift's state after `since`, against the state last judged before it (never judged:
    unchanged)."""
    ordered = sorted((d for d in drifts if d.now_at), key=lambda d: (d.now_at or "", d.capture or 0))
    before, found = UNCHANGED, []
    for drift in ordered:
        at = moment(drift.now_at or "")
        if at >= since and drift.state != before:
            found.append(_change(where, "drift", before, drift.state, at,
                                 Severity.ERROR if drift.state in ATTENTION else Severity.INFO, drift.detail))
        before = drift.state
    return found


def _change(where: Where, aspect: str, before: str | None, after: str, at: datetime | None, severity: Severity,
            detail: str = "") -> Change:
    return Change(where.report, where.label, where.number, where.url, aspect, before, after, at, severity, detail,
                  where.title)
