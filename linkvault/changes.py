"""What changed under one footnote link since a moment: its history's status, its newest verdict, its drift.

Each is read twice, as of the moment (the checks and drifts before it) and now, and a difference is a `Change`.
A link first checked after the moment is compared against its first check, and a footnote never judged for drift
reads as unchanged: the state a link was first seen in is its baseline, never a change. The newest verdict
(category/state) is a change of its own only while the history's status stands (alive/ok → alive/redirected,
failing on a 404 → failing on a 500); checks that failed on our own side say nothing of the link and are skipped.

How much each matters is what an editor would expect: a source that died, or a passage gone or a page replaced
under the claim, is an error; a link starting to fail or walled off a warning; a recovery, or a page that
changed around an intact passage, information. `at` is when the newest state was reached.

`link_changes` is pure (no clock, no vault); `changes_in` reads a vault's reports for it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timezone
from typing import NamedTuple, TypeVar

from linkvault.errors import InputError, UsageError
from linkvault.history import checks_of, history_of, moment
from linkvault.model import Change, ChangesResult, Check, HistoryRules, HistoryVerdict, Severity
from linkvault.model.drift import ATTENTION, UNCHANGED, Drift
from linkvault.vault import Vault

T = TypeVar("T")


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
    """The changes of one link (`where`: which footnote link) since `since`; `checks` and
    `drifts` (its own, oldest first) are everything the vault holds of it."""
    rules = rules or HistoryRules()
    checks = sorted(checks, key=lambda c: (c.at, c.capture_id or 0))
    if not checks:
        return []
    base = max(1, sum(1 for c in checks if c.at < since))  # the checks the state before stands on
    found = []
    history = _compare(checks, base, lambda cs: _status(history_of(list(cs), rules)))
    if history is not None:
        before, after, at = history
        found.append(_change(where, "history", before, after, at, _history_severity(after)))
    else:
        verdict = _compare(checks, base, _verdict)
        if verdict is not None and verdict[0] is not None:
            before, after, at = verdict
            severity = Severity.INFO if after.startswith("alive/") else Severity.WARNING
            found.append(_change(where, "verdict", before, after, at, severity))
    drift = _drift_change(where, drifts, since)
    return found + ([drift] if drift else [])


def _compare(items: Sequence[T], base: int, key: Callable[[Sequence[T]], str | None]
             ) -> tuple[str | None, str, datetime | None] | None:
    """(before, after, when) when `key` of the first `base` items differs from `key` of them all, else None."""
    before, after = key(items[:base]), key(items)
    if after is None or before == after:
        return None
    reached = len(items)
    while reached - 1 > base and key(items[:reached - 1]) == after:
        reached -= 1
    return before, after, _at(items[reached - 1])


def _at(item: object) -> datetime | None:
    if isinstance(item, Check):
        return item.at
    now_at = getattr(item, "now_at", None)
    return moment(now_at) if now_at else None


def _status(verdict: HistoryVerdict) -> str:
    """The history's status as a change reads it: "failing (2 of 3)" counts its failures, the rest a word."""
    return f"failing ({verdict.failures} of {verdict.needed})" if verdict.status == "failing" else verdict.status


def _verdict(checks: Sequence[Check]) -> str | None:
    telling = [c for c in checks if not c.own_side]
    return f"{telling[-1].category}/{telling[-1].state}" if telling else None


def _history_severity(after: str) -> Severity:
    if after == "dead":
        return Severity.ERROR  # a source that died
    return Severity.INFO if after == "alive" else Severity.WARNING


def _drift_change(where: Where, drifts: Sequence[Drift], since: datetime) -> Change | None:
    """The drift's change: its state as last judged before `since` (never judged: unchanged) against its newest."""
    ordered = sorted((d for d in drifts if d.now_at), key=lambda d: (d.now_at or "", d.capture or 0))
    if not ordered:
        return None
    base = sum(1 for d in ordered if moment(d.now_at or "") < since)
    judged = _compare(ordered, base, lambda ds: ds[-1].state if ds else UNCHANGED)
    if judged is None:
        return None
    before, after, at = judged
    severity = Severity.ERROR if after in ATTENTION else Severity.INFO
    return _change(where, "drift", before, after, at, severity, ordered[-1].detail)


def _change(where: Where, aspect: str, before: str | None, after: str, at: datetime | None, severity: Severity,
            detail: str = "") -> Change:
    return Change(where.report, where.label, where.number, where.url, aspect, before, after, at, severity, detail,
                  where.title)
