"""The words an archived copy is shown in, the same in `copies`, `show` and `report`: the copy offered (archive,
memento date, its own state, the claim check's verdict), each passed over with its reason, or that none was found,
and which archive could not be asked (never the same as "no copy exists")."""

from __future__ import annotations

from linkvault.model import CopySearch, CopyVerdict, ReferenceDate
from linkvault.model.copies import NOT_FETCHED, OFFERED

CHOICE_WORDS = {OFFERED: "offered", "passed-over": "passed over", NOT_FETCHED: "not fetched"}


def reference_words(reference: ReferenceDate) -> str:
    if reference.day is None:
        return "no reference date: the newest valid copy"
    return f"reference {reference.day.isoformat()} ({reference.basis})"


def link_lines(search: CopySearch) -> list[tuple[str, int]]:
    """The lines of one link: its copies in rank order, then the services that could not be asked."""
    lines: list[tuple[str, int]] = []
    for copy in search.copies:
        lines.append((copy_line(copy), 2))
        lines.append((copy.candidate.uri_m, 4))
        if copy.choice != OFFERED and copy.reason:
            lines.append((f"why: {copy.reason}", 4))
        elif copy.claim_reason:
            lines.append((f"claim: {copy.claim_reason}", 4))
    if search.offered is None and not search.unreached:
        lines.append(("none found: no archive asked holds a valid copy", 2))
    for service in search.unreached:
        lines.append((service.detail or f"{service.service} could not be reached", 2))
    return lines


def copy_line(copy: CopyVerdict) -> str:
    parts = [CHOICE_WORDS.get(copy.choice, copy.choice), copy.candidate.archive, copy.candidate.memento_at]
    if copy.state:
        parts.append(copy.state)
    if copy.claim:
        parts.append(f"claim {copy.claim}")
    return "  ".join(parts)
