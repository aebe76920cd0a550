"""The words an archived copy is shown in, the same in `copies`, `show` and `report`: the copy offered (archive,
memento date, its own state, the claim check's verdict), each passed over with its reason, or that none was found,
and which archive could not be asked (never the same as "no copy exists")."""

from __future__ import annotations

from linkvault.model import CopySearch, CopyVerdict, ReferenceDate, ServiceOutcome
from linkvault.model.copies import AS_OF, ENTRY_DATE, FOUND, NONE, NOT_FETCHED, OFFERED, PASSED_OVER, REPORT_DATE

CHOICE_WORDS = {OFFERED: "offered", "passed-over": "passed over", NOT_FETCHED: "not fetched"}
# How each basis of a reference date reads after "cited as of 2024-04-04".
BASIS_WORDS = {ENTRY_DATE: "the entry's date", REPORT_DATE: "the report's date", AS_OF: "--as-of"}


def reference_words(reference: ReferenceDate) -> str:
    """The date a footnote's source is read at, in plain words: "cited as of 2024-04-04 (the entry's date)"."""
    if reference.day is None:
        return "cited with no date: the newest valid copy is offered"
    basis = BASIS_WORDS.get(reference.basis or "", reference.basis)
    return f"cited as of {reference.day.isoformat()}" + (f" ({basis})" if basis else "")


def archive_words(archive: str) -> str:
    """An archive by its name ("the Internet Archive", "Arquivo.pt"), never its host; the names live with the
    default archive list (imported here, when a copy is shown, so `report` without copies loads no network code)."""
    from linkvault.archive.webarchives.lookups import archive_name

    return archive_name(archive)


def service_words(service: str) -> str:
    from linkvault.archive.webarchives.lookups import service_name

    return service_name(service)


def link_lines(search: CopySearch) -> list[tuple[str, int]]:
    """The lines of one link: its copies in rank order (each "ARCHIVE DATE — offered" or "— passed over: why"),
    then what came of the archives with no valid copy among them, and any archive that could not be asked."""
    lines: list[tuple[str, int]] = []
    for copy in search.copies:
        lines.append((copy_line(copy), 2))
        lines.append((copy.candidate.uri_m, 4))
        if copy.choice == OFFERED and copy.claim_reason:
            lines.append((f"claim: {copy.claim_reason}", 4))
    if search.offered is None:
        lines.append((no_copy_words(search), 2))
        # a "none" with a caveat: an API known to be empty for archived pages, an excluded site
        lines += [(service.detail, 2) for service in search.services if service.outcome == NONE and service.detail]
    elif search.unreached:
        lines += [(f"{unreached_words(service)} — a later run asks it again", 2) for service in search.unreached]
    return lines


def no_copy_words(search: CopySearch) -> str:
    """Why a link has no copy, both facts said plainly: which archives answered without one, and which could not
    be reached (never "none found" while one was not asked)."""
    unreached = [unreached_words(s) for s in search.unreached]
    missing = {service_words(s.service) for s in search.unreached}
    answered = [n for n in dict.fromkeys(service_words(s.service) for s in search.services
                                         if s.outcome in (FOUND, NONE)) if n not in missing]
    valid = "valid " if search.copies else ""
    if not unreached:
        return f"none found: no {valid}copy in the archives asked ({', '.join(answered)})" if answered \
            else f"none found: no {valid}copy"
    later = "a later run asks " + ("it" if len(unreached) == 1 else "them") + " again"
    if not answered:
        return f"not known yet: {'; '.join(unreached)} — {later}"
    return f"no {valid}copy in the archives that answered ({', '.join(answered)}); {'; '.join(unreached)} — {later}"


def unreached_words(service: ServiceOutcome) -> str:
    return service.detail or f"{service_words(service.service)} could not be reached"


def copy_line(copy: CopyVerdict) -> str:
    """ "the Internet Archive 2024-04-01T09:12:33Z — offered (ok, claim supported)", "… — passed over: the page
    answers 200 but says it is not found", "… — not fetched: a closer copy was valid"."""
    head = f"{archive_words(copy.candidate.archive)} {copy.candidate.memento_at} — "
    if copy.choice == OFFERED:
        return head + "offered" + copy_judged(copy)
    if copy.choice == PASSED_OVER:
        return head + f"passed over: {reason_words(copy)}"
    return head + (copy.reason or CHOICE_WORDS[NOT_FETCHED])


def reason_words(copy: CopyVerdict) -> str:
    """Why a copy was passed over, as a sentence; a reason kept by an older run ("soft-404: the page …") loses the
    state it repeated."""
    reason = copy.reason or copy.state or ""
    return reason.removeprefix(f"{copy.state}: ") if copy.state else reason


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
    """A link's copy in a few words, for a table's or a Markdown row's second line: "copy: the Internet Archive
    2024-04-01 (ok, claim supported)", or why there is none (an archive not reached is named as such)."""
    offered, skipped = search.offered, len(passed_over(search))
    if offered is not None:
        return f"copy: {copy_name(offered)}{copy_judged(offered)}"
    over = f" ({skipped} passed over)" if skipped else ""
    if search.unreached:
        names = ", ".join(dict.fromkeys(service_words(s.service) for s in search.unreached))
        answered = any(s.outcome in (FOUND, NONE) for s in search.services)
        valid = " valid" if search.copies else ""
        return (f"copy: none{valid} in the archives that answered{over}; " if answered else "copy: not known yet; ") \
            + f"{names} could not be reached"
    return f"copy: none valid{over}" if skipped else "copy: none found"


def copy_name(copy: CopyVerdict) -> str:
    """The archive by its name and the memento's day: "the Internet Archive 2024-04-01"."""
    return f"{archive_words(copy.candidate.archive)} {copy.candidate.memento_at[:10]}"


def copy_judged(copy: CopyVerdict) -> str:
    """The copy's own state and the claim check's verdict on it: " (ok, claim supported)", or nothing."""
    judged = ", ".join(filter(None, (copy.state, f"claim {copy.claim}" if copy.claim else None)))
    return f" ({judged})" if judged else ""
