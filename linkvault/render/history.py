"""A link's history of checks in words (the report's table, Markdown and HTML) and as columns (CSV).

A link checked once has only its archive date to show, which the row already gives: the words appear once a link has
been checked again (`linkvault recheck`). JSON carries every link's whole history, each check included.
"""

from __future__ import annotations

from linkvault.model import HistoryVerdict

CSV_COLUMNS = ["history", "history_since", "first_seen", "last_checked", "checks", "next_due", "history_checks"]


def shows_history(history: HistoryVerdict | None) -> bool:
    """Whether a row says its history in words: once the link has been checked more than once."""
    return history is not None and history.count > 1


def _day(moment) -> str:
    return moment.date().isoformat() if moment else ""


def history_words(history: HistoryVerdict) -> str:
    """"failing (2 of 3, since 2026-11-09); first seen 2026-11-02, last checked 2026-11-12, 3 checks"."""
    return (f"{history.describe()}; first seen {_day(history.first_seen)}, last checked {_day(history.last_checked)}, "
            f"{history.count} check{'s' if history.count != 1 else ''}")


def history_values(history: HistoryVerdict | None) -> list:
    """A row's CSV history columns; `history_checks` one check a line: "2026-11-09T09:00:00Z dead not-found"."""
    if history is None:
        return [None] * len(CSV_COLUMNS)
    checks = "\n".join(f"{c.at.strftime('%Y-%m-%dT%H:%M:%SZ')} {c.category} {c.state}"
                       + (" (our own side failed: not counted)" if c.own_side else "") for c in history.checks)
    return [history.describe(), _day(history.since), _day(history.first_seen), _day(history.last_checked),
            history.count, _day(history.next_due), checks]
