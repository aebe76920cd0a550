"""Which archived copy a footnote should point to, and why the others were passed over.

The copy offered is the one closest before the reference date that is alive and, where the claim could be
checked against it, supports it; only when none before qualifies, the closest after. Every other candidate is
listed with its reason, so an editor sees that the 3 April copy was passed over as a soft-404 and the 2 April one
as a redirect to the front page — not just that the 1 April one was chosen.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from linkvault.model import CATEGORY_OF, Candidate, CopyVerdict, ReferenceDate
from linkvault.model.copies import NOT_FETCHED, OFFERED, PASSED_OVER

# Claim verdicts that let a live copy be offered: it says what the footnote claims, or there was nothing in the
# sentence to check it by (None: the check did not run).
SUPPORTING = {"supported", "partly-supported", "not-checked", None}


def in_order(candidates: Iterable[Candidate], reference: ReferenceDate) -> list[Candidate]:
    """Candidates in the order they are tried: the closest before the reference day first, going back, then the
    closest after, going forward; with no reference day, the newest first. One per URI-M."""
    unique = list({c.uri_m: c for c in candidates}.values())
    if reference.day is None:
        return sorted(unique, key=lambda c: c.memento_at, reverse=True)
    cut = reference.day.isoformat() + "T23:59:59Z"
    before = sorted((c for c in unique if c.memento_at <= cut), key=lambda c: c.memento_at, reverse=True)
    after = sorted((c for c in unique if c.memento_at > cut), key=lambda c: c.memento_at)
    return before + after


def alive(verdict: CopyVerdict) -> bool:
    return verdict.state is not None and CATEGORY_OF.get(verdict.state) == "alive"


def offerable(verdict: CopyVerdict) -> bool:
    return alive(verdict) and verdict.claim in SUPPORTING


def choose(verdicts: list[CopyVerdict]) -> list[CopyVerdict]:
    """Mark each judged candidate (`verdicts` in the order they were tried) offered, passed over or not fetched,
    with its reason; the result lists the offered copy first, then live copies that do not support the claim,
    then the rest in the order tried."""
    offered = next((v for v in verdicts if offerable(v)), None)
    marked = [dataclasses.replace(v, choice=_choice(v, offered), reason=_reason(v, offered)) for v in verdicts]
    ranked = sorted(enumerate(marked), key=lambda pair: (_group(pair[1]), pair[0]))
    return [dataclasses.replace(v, rank=rank) for rank, (_, v) in enumerate(ranked)]


def _choice(verdict: CopyVerdict, offered: CopyVerdict | None) -> str:
    if verdict is offered:
        return OFFERED
    return PASSED_OVER if verdict.state is not None else NOT_FETCHED


def _reason(verdict: CopyVerdict, offered: CopyVerdict | None) -> str:
    if verdict is offered:
        return ""
    if verdict.state is None:
        return verdict.reason or ("not fetched: a closer copy was valid" if offered else "not fetched")
    if alive(verdict):  # the claim check's own words say what it missed
        how = _CLAIM_WORDS.get(verdict.claim or "", f"the claim is {verdict.claim} by it")
        return f"alive, but {how}" + (f": {verdict.claim_reason}" if verdict.claim_reason else "")
    return verdict.detail or verdict.state or ""  # the state itself is the copy's own field: said once, not twice


_CLAIM_WORDS = {"unsupported": "it does not support the claim", "contradicted": "it contradicts the claim"}


def _group(verdict: CopyVerdict) -> int:
    if verdict.choice == OFFERED:
        return 0
    if alive(verdict):
        return 1
    return 2 if verdict.choice == PASSED_OVER else 3
