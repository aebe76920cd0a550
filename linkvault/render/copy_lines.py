"""The words an archived copy is shown in, the same in `copies`, `show` and `report`: the copy offered (archive,
memento date, its own state, the claim check's verdict), each passed over with its reason, or that none was found,
and which archive could not be asked (never the same as "no copy exists")."""

from __future__ import annotations

from linkvault.model import CopySearch, CopyVerdict, ReferenceDate
from linkvault.model.copies import NONE, NOT_FETCHED, OFFERED, PASSED_OVER
from linkvault.render.check import counted

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
    if search.offered is None:  # a "none" with a caveat: an API known to be empty for archived pages, an excluded site
        lines += [(service.detail, 2) for service in search.services if service.outcome == NONE and service.detail]
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


def copy_json(copy: CopyVerdict) -> dict:
    """One copy in the JSON vocabulary (the schema's `copy`)."""
    c = copy.candidate
    return {"choice": copy.choice, "archive": c.archive, "uri_m": c.uri_m, "memento_at": c.memento_at,
            "found_by": c.found_by, "state": copy.state, "category": copy.category, "detail": copy.detail,
            "claim": copy.claim, "claim_reason": copy.claim_reason, "reason": copy.reason or None,
            "capture_id": copy.capture_id}


def passed_over(search: CopySearch) -> list[CopyVerdict]:
    return [c for c in search.copies if c.choice == PASSED_OVER]


def copy_fields(search: CopySearch | None) -> dict:
    """What `report` adds to a link's JSON once `copies` looked it up: the copy offered (null: none) and each copy
    passed over with its reason; nothing for a link never looked up, whose record stays as it was."""
    if search is None:
        return {}
    offered = search.offered
    return {"copy": copy_json(offered) if offered else None,
            "copies_passed_over": [copy_json(c) for c in passed_over(search)]}


def copy_short(search: CopySearch) -> str:
    """A link's copy in a few words, for a table's or a Markdown row's second line: "copy: web.archive.org
    2024-04-01 (ok, claim supported)", or why there is none."""
    offered, skipped = search.offered, len(passed_over(search))
    if offered is not None:
        return f"copy: {copy_name(offered)}{copy_judged(offered)}"
    if search.unreached:
        return f"copy: none found, {counted(len(search.unreached), 'archive', 'archives')} not reached" + (
            f", {skipped} passed over" if skipped else "")
    return f"copy: none valid ({skipped} passed over)" if skipped else "copy: none found"


def copy_name(copy: CopyVerdict) -> str:
    """The archive and the memento's day: "web.archive.org 2024-04-01"."""
    return f"{copy.candidate.archive} {copy.candidate.memento_at[:10]}"


def copy_judged(copy: CopyVerdict) -> str:
    """The copy's own state and the claim check's verdict on it: " (ok, claim supported)", or nothing."""
    judged = ", ".join(filter(None, (copy.state, f"claim {copy.claim}" if copy.claim else None)))
    return f" ({judged})" if judged else ""
