"""A footnote's drift for people and programs: a table line, a JSON object, and an HTML fragment that shows what
was removed from the passage the claim relied on next to what remains.

The passages, details and URLs come from fetched pages and reports: hostile text, shown (terminal) or escaped
(HTML), never obeyed.
"""

from __future__ import annotations

from linkvault.model.drift import ATTENTION, Drift
from linkvault.render.htmlsafe import esc
from linkvault.render.textsafe import terminal_safe

DRIFT_CSS = (".drift{margin:.3em 0}.drift-state{font-weight:bold}.drift-passage-gone .drift-state,"
             ".drift-page-replaced .drift-state{color:#b00020}.drift table{border-collapse:collapse;width:100%}"
             ".drift td{vertical-align:top;width:50%;padding:.2em .4em;border:1px solid #ddd}"
             ".drift del{background:#fdd;text-decoration:line-through}.drift ins{background:#dfd;text-decoration:none}")


def drift_line(drift: Drift) -> str:
    """One line: the footnote, its state, the sentence, how alike and how long, since which capture."""
    mark = "!" if drift.state in ATTENTION else " "
    return terminal_safe(f"{mark}[{drift.label}] {drift.state}: {drift.detail} ({_measures(drift)}; "
                         f"first archived {_day(drift.first_at)}, judged at {_day(drift.now_at)})")


def drift_object(drift: Drift) -> dict:
    """The JSON object of one drift (the output schema's `drift`)."""
    return {"state": drift.state, "detail": drift.detail, "similarity": drift.similarity,
            "words_then": drift.words_then, "words_now": drift.words_now, "passage_then": drift.passage_then,
            "passage_now": drift.passage_now, "facts_lost": list(drift.facts_lost),
            "first_capture": drift.first_capture, "capture": drift.capture, "first_at": drift.first_at,
            "now_at": drift.now_at}


def drift_html(drift: Drift) -> str:
    """The drift as an HTML fragment: its state and sentence, then the passage as first archived with the words
    since removed struck through, beside what remains with the words added marked (an unchanged passage is not
    shown twice); everything escaped."""
    head = (f'<div class="drift drift-{esc(drift.state)}"><span class="drift-state">{esc(drift.state)}</span> '
            f'{esc(drift.detail)} <span class="small">({esc(_measures(drift))}; first {esc(_day(drift.first_at))}, '
            f'now {esc(_day(drift.now_at))})</span>')
    if not drift.passage_then or drift.passage_then == drift.passage_now:
        return head + "</div>"
    from linkvault.claims.drift import word_diff  # claim matching (rapidfuzz): only a drift shown in HTML needs it

    runs = word_diff(drift.passage_then, drift.passage_now)
    then = " ".join(f"<del>{esc(words)}</del>" if kind == "removed" else esc(words)
                    for kind, words in runs if kind != "added")
    now = " ".join(f"<ins>{esc(words)}</ins>" if kind == "added" else esc(words)
                   for kind, words in runs if kind != "removed") or '<span class="small">(nothing remains)</span>'
    return (head + '<table><tr><th>the passage as first archived</th><th>what remains</th></tr>'
            f"<tr><td>{then}</td><td>{now}</td></tr></table></div>")


def _measures(drift: Drift) -> str:
    return f"{int(drift.similarity * 100)}% alike, {drift.words_then} → {drift.words_now} words"


def _day(at: str | None) -> str:
    return (at or "?")[:10]
