"""Judge a link by its history: its checks (the cited URL's captures, oldest first) read together.

The rule is InternetArchiveBot's. A link is `dead` only after `dead_after` failed checks, each at least `apart`
after the failure counted before it (failures closer together count once: a flaky afternoon is one failure);
until then it is `failing` (k of N, since the first failure). A success resets the count. A restricted answer
(login wall, bot check, paywall, members-only) never counts towards dead, nor does a failure on our own side
(no network, the proxy down, our trust store): those say nothing of the link. An unknown reading (a consent
page, a script-only shell) neither counts nor resets.

The status is the newest meaningful check's: alive, restricted or refused as it read; a dead-category reading is
failing or dead by the count. `next_due`: an alive, restricted or dead link after `alive_every`, a failing one
after `failing_every`, one never checked (or checked only by runs that failed on our side) at once. `leeway` (an
hour) lets a daily timer keep the rule's days: a check made seconds into last week's run is due at this week's.

A link's category (what `fetch`, `report`, `verify`, `show`, `copies`, `robustify`, `recheck` and `changes` say of
it) is its capture's reading read through this history (`judged_over_time`): a reading that counts towards dead is
`failing` until the history confirms it, then `dead`; `rules.dead_after` 1 confirms it at the first failure.

Pure: no clock of its own, no vault. `checks_of` turns captures into checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timezone

from linkvault.model import FAILING, OWN_SIDE_FAILURES, Capture, Check, HistoryRules, HistoryVerdict, Link

COUNTS = "dead"  # the category whose checks count towards dead
NEUTRAL = ("unknown",)  # readings that neither count nor reset


def checks_of(captures: list[Capture]) -> list[Check]:
    """Each capture of a cited URL as a check (a capture with no verdict reads unknown), oldest first."""
    checks = [Check(at=moment(c.fetched_at), category=c.state.category if c.state else "unknown",
                    state=c.state.state if c.state else "unknown",
                    own_side=c.error in OWN_SIDE_FAILURES, capture_id=c.id, vantage=c.vantage)
              for c in captures if c.fetched_at]
    return sorted(checks, key=lambda c: (c.at, c.capture_id or 0))


def moment(stamp: str) -> datetime:
    """A vault time ("2026-11-30T04:52:23.123456Z") as an aware UTC datetime."""
    parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def history_of(checks: list[Check], rules: HistoryRules | None = None) -> HistoryVerdict:
    """The verdict of a link's `checks` (any order) under `rules`."""
    rules = rules or HistoryRules()
    checks = sorted(checks, key=lambda c: (c.at, c.capture_id or 0))
    meaningful = [c for c in checks if not c.own_side]
    base = HistoryVerdict("unknown", needed=rules.dead_after, first_seen=checks[0].at if checks else None,
                          last_checked=checks[-1].at if checks else None, count=len(checks), checks=tuple(checks))
    telling = [c for c in meaningful if c.category not in NEUTRAL]
    if not telling:
        last = meaningful[-1].at if meaningful else None
        return replace(base, next_due=last + rules.failing_every if last else None)
    newest = telling[-1]
    if newest.category != COUNTS and newest.category != "restricted":
        since = _streak_start(telling, lambda c: c.category == newest.category)
        return replace(base, status=newest.category, since=since, next_due=newest.at + rules.alive_every)
    # The failures since the last success, restricted answers skipped: they never count, and never reset.
    streak = []
    for check in reversed(telling):
        if check.category == COUNTS:
            streak.append(check)
        elif check.category != "restricted":
            break
    streak.reverse()
    if newest.category == "restricted":
        since = _streak_start(telling, lambda c: c.category == "restricted")
        return replace(base, status="restricted", since=since, failures=counted(streak, rules),
                       next_due=newest.at + rules.alive_every)
    failures = counted(streak, rules)
    dead = failures >= rules.dead_after
    return replace(base, status="dead" if dead else "failing", since=streak[0].at, failures=failures,
                   next_due=newest.at + (rules.alive_every if dead else rules.failing_every))


def counted(failures: list[Check], rules: HistoryRules) -> int:
    """How many of `failures` (oldest first) count: each at least `rules.apart` (less `rules.leeway`) after the last
    one counted."""
    count, last = 0, None
    for check in failures:
        if last is None or check.at - last >= rules.apart - rules.leeway:
            count, last = count + 1, check.at
    return count


def _streak_start(telling: list[Check], same: Callable[[Check], bool]) -> datetime:
    """When the newest run of checks alike (by `same`) began."""
    start = telling[-1].at
    for check in reversed(telling):
        if not same(check):
            break
        start = check.at
    return start


def judged_over_time(link: Link, history: HistoryVerdict | None, rules: HistoryRules | None = None) -> Link:
    """`link` with its category read through its `history`: a failure not confirmed yet is `failing`
    ("failing (1 of 3 checks, since 2026-11-30): the page does not exist (HTTP 404)"), a confirmed one `dead` (dated
    from its first failure once more than one check confirmed it). A link whose history does not hold its verdict
    capture's failure (judged from a row older than link states) counts that failure alone."""
    if link.category != COUNTS:
        return link
    rules = rules or HistoryRules()
    if history is None or history.status not in (FAILING, COUNTS):
        at = moment(link.capture.fetched_at) if link.capture and link.capture.fetched_at else None
        history = HistoryVerdict("dead" if rules.dead_after <= 1 else FAILING, since=at, failures=1,
                                 needed=rules.dead_after)
    since = f", since {history.since.date().isoformat()}" if history.since else ""
    if history.status == FAILING:
        link.category = FAILING
        link.detail = f"failing ({history.failures} of {history.needed} checks{since}): {link.detail or link.state}"
    elif history.failures > 1 and not (link.detail or "").startswith("dead ("):
        link.detail = f"dead ({history.failures} failed checks{since}): {link.detail or link.state}"
    return link
