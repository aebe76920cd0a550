"""A link's history of checks in words (the report's table, Markdown and HTML) and as columns (CSV).

A link checked once has only its archive date to show, which the row already gives: the words appear once a link has
been checked again (`linkvault recheck`). JSON carries every link's whole history, each check included. A link archived
showing its page and found failing since (or walled) also says when it was last archived showing the page: that
capture is its evidence, which no later check takes away.
"""

from __future__ import annotations

from linkvault.model import Capture, HistoryVerdict, Link
from linkvault.render.htmlsafe import esc

CSV_COLUMNS = ["history", "history_since", "first_seen", "last_checked", "checks", "next_due", "history_checks",
               "last_shown_at", "last_shown_capture", "last_shown_warc", "last_shown_title"]


def shows_history(history: HistoryVerdict | None) -> bool:
    """Whether a row says its history in words: once the link has been checked more than once."""
    return history is not None and history.count > 1


def _day(moment) -> str:
    return moment.date().isoformat() if moment else ""


def history_words(history: HistoryVerdict) -> str:
    """"failing (2 of 3, since 2026-11-09); first seen 2026-11-02, last checked 2026-11-12, 3 checks"."""
    return (f"{history.describe()}; first seen {_day(history.first_seen)}, last checked {_day(history.last_checked)}, "
            f"{history.count} check{'s' if history.count != 1 else ''}")


def shown_words(shown: Capture | None) -> str:
    """"last archived showing the page: 2026-11-02" (empty for none)."""
    return f"last archived showing the page: {shown.fetched_at[:10]}" if shown else ""


def history_lines(r: Link) -> list[str]:
    """A row's history in words, then when it was last archived showing the page (each only when it has one)."""
    lines = [history_words(r.history)] if r.history and shows_history(r.history) else []
    return lines + ([shown_words(r.shown)] if r.shown else [])


def history_html(r: Link) -> str:
    """A review row's history lines as the HTML report shows them, escaped."""
    return "".join(f'<div class="small history">{esc(line)}</div>' for line in history_lines(r))


def history_values(history: HistoryVerdict | None, shown: Capture | None = None) -> list:
    """A row's CSV history columns; `history_checks` one check a line: "2026-11-09T09:00:00Z dead not-found"; then
    the capture that last showed the page, when the row's verdict capture does not."""
    record = shown.record if shown else None
    last = [shown.fetched_at, shown.id, record.file if record else None, shown.title] if shown else [None] * 4
    if history is None:
        return [None] * (len(CSV_COLUMNS) - 4) + last
    checks = "\n".join(f"{c.at.strftime('%Y-%m-%dT%H:%M:%SZ')} {c.category} {c.state}"
                       + (" (our own side failed: not counted)" if c.own_side else "") for c in history.checks)
    return [history.describe(), _day(history.since), _day(history.first_seen), _day(history.last_checked),
            history.count, _day(history.next_due), checks, *last]
