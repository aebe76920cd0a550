"""A link's verdict read from its history of checks (linkvault/history.py): InternetArchiveBot's rule, pure."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from linkvault.history import checks_of, counted, history_of, judged_over_time
from linkvault.model import Capture, Check, HistoryRules, Link, LinkState

START = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
STATES = {"alive": "ok", "dead": "not-found", "restricted": "login-wall", "unknown": "unknown", "refused": "blocked-address"}


def check(day: float, category: str, *, own_side: bool = False) -> Check:
    return Check(at=START + timedelta(days=day), category=category, state=STATES[category], own_side=own_side)


def test_a_page_that_fails_twice_then_recovers_is_never_called_dead():
    checks = [check(0, "alive"), check(7, "dead"), check(10, "dead"), check(13, "alive")]
    for upto in range(1, len(checks) + 1):
        assert history_of(checks[:upto]).status != "dead"
    after = history_of(checks)
    assert (after.status, after.since, after.failures) == ("alive", START + timedelta(days=13), 0)
    assert history_of(checks[:3]).describe() == "failing (2 of 3, since 2026-11-09)"


def test_three_failures_across_a_week_make_a_link_dead_since_the_first():
    verdict = history_of([check(0, "alive"), check(1, "dead"), check(4, "dead"), check(8, "dead")])
    assert (verdict.status, verdict.since, verdict.failures) == ("dead", START + timedelta(days=1), 3)
    assert verdict.describe() == "dead (since 2026-11-03)"


def test_failures_closer_than_the_rule_apart_count_once():
    close = [check(0, "dead"), check(0.5, "dead"), check(1, "dead"), check(2.9, "dead")]
    verdict = history_of(close)
    assert (verdict.status, verdict.failures, verdict.since) == ("failing", 1, START)
    assert counted(close + [check(3, "dead")], HistoryRules()) == 2  # exactly D after the first counts
    assert history_of(close + [check(3, "dead"), check(6, "dead")]).status == "dead"


def test_a_login_wall_never_counts_towards_dead_nor_resets_the_count():
    walled = [check(day, "restricted") for day in range(0, 30, 3)]
    assert history_of(walled).status == "restricted"
    assert history_of(walled).failures == 0
    mixed = [check(0, "dead"), check(3, "restricted"), check(6, "dead"), check(9, "restricted")]
    assert (history_of(mixed).status, history_of(mixed).failures) == ("restricted", 2)
    assert history_of(mixed + [check(12, "dead")]).status == "dead"  # the wall between did not reset the count


def test_failures_on_our_own_side_never_count_and_never_stand_over_the_links_reading():
    ours = [check(0, "alive")] + [check(day, "unknown", own_side=True) for day in (3, 6, 9, 12)]
    verdict = history_of(ours)
    assert (verdict.status, verdict.since, verdict.count) == ("alive", START, 5)
    assert verdict.last_checked == START + timedelta(days=12)
    failing = history_of([check(0, "dead"), check(3, "unknown", own_side=True), check(6, "unknown", own_side=True)])
    assert (failing.status, failing.failures) == ("failing", 1)


def test_a_single_failure_reads_failing_one_of_n_and_dead_after_one_makes_it_dead():
    lone = [check(0, "dead")]
    assert history_of(lone).describe() == "failing (1 of 3, since 2026-11-02)"
    assert history_of(lone, HistoryRules(dead_after=1)).describe() == "dead (since 2026-11-02)"


@pytest.mark.parametrize(("checks", "due_in"), [
    ([check(0, "alive")], timedelta(days=7)),
    ([check(0, "dead")], timedelta(days=3)),
    ([check(0, "restricted")], timedelta(days=7)),
    ([check(0, "dead"), check(3, "dead"), check(6, "dead")], timedelta(days=13) - timedelta(days=0)),
])
def test_the_next_check_is_due_a_week_after_an_alive_link_and_three_days_after_a_failing_one(checks, due_in):
    verdict = history_of(checks)
    assert verdict.next_due == checks[0].at + due_in
    assert not verdict.due(verdict.next_due - timedelta(seconds=1)) and verdict.due(verdict.next_due)


def test_a_link_never_checked_is_due_now_and_the_intervals_are_the_rules():
    assert history_of([]).status == "unknown" and history_of([]).due(START)
    rules = HistoryRules(alive_every=timedelta(days=30), failing_every=timedelta(days=1))
    assert history_of([check(0, "alive")], rules).next_due == START + timedelta(days=30)
    assert history_of([check(0, "dead")], rules).next_due == START + timedelta(days=1)


def test_first_seen_last_checked_and_count_cover_every_check():
    checks = [check(9, "alive"), check(0, "alive"), check(4, "unknown", own_side=True)]
    verdict = history_of(checks)
    assert (verdict.first_seen, verdict.last_checked, verdict.count) == (START, START + timedelta(days=9), 3)
    assert [c["at"][:10] for c in verdict.as_dict()["checks"]] == ["2026-11-02", "2026-11-06", "2026-11-11"]


def test_captures_become_checks_in_time_order_with_our_own_failures_marked():
    captures = [
        Capture(url="https://a.example/x", fetched_at="2026-11-09T09:00:00.000000Z", id=2,
                error="network-unreachable", state=LinkState("unknown", "not checked: no network")),
        Capture(url="https://a.example/x", fetched_at="2026-11-02T09:00:00.000000Z", id=1, status=404,
                state=LinkState("not-found", "the page does not exist (HTTP 404)", 404)),
    ]
    assert checks_of(captures) == [Check(START, "dead", "not-found", False, 1),
                                   Check(START + timedelta(days=7), "unknown", "unknown", True, 2)]


def test_a_link_read_only_as_unknown_neither_counts_nor_resets_and_is_due_like_a_failing_one():
    verdict = history_of([check(0, "unknown")])
    assert (verdict.status, verdict.next_due) == ("unknown", START + timedelta(days=3))
    between = history_of([check(0, "dead"), check(3, "unknown"), check(6, "dead"), check(9, "dead")])
    assert (between.status, between.failures) == ("dead", 3)


def _link(fetched_at: str = "2026-11-02T09:00:00.000000Z", state: LinkState | None = None) -> Link:
    capture = Capture(url="https://a.example/x", fetched_at=fetched_at, status=404, id=1,
                      state=state or LinkState("not-found", "the page does not exist (HTTP 404)", 404))
    return Link(1, "1", 3, "https://a.example/x").judged_by(capture)


def test_a_links_category_is_failing_until_its_history_confirms_the_failure_then_dead():
    one = judged_over_time(_link(), history_of([check(0, "dead")]))
    assert (one.category, one.state, one.detail) == (
        "failing", "not-found", "failing (1 of 3 checks, since 2026-11-02): the page does not exist (HTTP 404)")
    three = judged_over_time(_link(), history_of([check(0, "dead"), check(3, "dead"), check(6, "dead")]))
    assert (three.category, three.detail) == (
        "dead", "dead (3 failed checks, since 2026-11-02): the page does not exist (HTTP 404)")
    at_once = judged_over_time(_link(), history_of([check(0, "dead")], HistoryRules(dead_after=1)),
                               HistoryRules(dead_after=1))
    assert (at_once.category, at_once.detail) == ("dead", "the page does not exist (HTTP 404)")
    alive = Link(1, "1", 3, "https://a.example/x", category="alive", state="ok", detail="archived")
    assert judged_over_time(alive, history_of([check(0, "dead"), check(3, "alive")])).category == "alive"


def test_a_failure_its_history_does_not_hold_counts_alone():
    """A capture judged now from a row older than link states reads unknown in the history: its failure is one."""
    assert judged_over_time(_link(), history_of([check(0, "unknown")])).detail.startswith("failing (1 of 3 checks, since 2026-11-02)")
    assert judged_over_time(_link(), None, HistoryRules(dead_after=1)).category == "dead"
