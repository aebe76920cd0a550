"""The records of the world's web archives (model/copies.py) as rows of version 8's tables and back: the one
place their columns are spelled in Python, as capture_rows is for captures.

A reference date is keyed by its day alone (YYYY-MM-DD, None for no date): its basis and what was read for it
belong to the footnote, not to the copies found for the URL at that day.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import date
from typing import Any

from linkvault.model import Candidate, CopyVerdict, ReferenceDate, ServiceOutcome, SpnJob, Witness
from linkvault.model.copies import ServiceAnswer

_CANDIDATE = [f.name for f in fields(Candidate) if f.name != "url"]
_VERDICT = ("choice", "reason", "capture_id", "state", "category", "claim", "claim_reason", "rank")


def _pick(row: dict, names) -> dict[str, Any]:
    """The columns `names` of `row`, as keyword arguments of a record."""
    return {name: row.get(name) for name in names}


def day_of(reference: ReferenceDate | date | None) -> str | None:
    """The key a reference date is stored under: its day in ISO form, or None."""
    day = reference.day if isinstance(reference, ReferenceDate) else reference
    return day.isoformat() if day else None


def reference_of(day: str | None, basis: str | None = None, detail: str | None = None) -> ReferenceDate:
    return ReferenceDate(date.fromisoformat(day) if day else None, basis, detail)


def copy_row(verdict: CopyVerdict, reference_day: str | None, judged_at: str) -> dict:
    """The `archived_copies` row of one judged (or not fetched) candidate."""
    candidate = verdict.candidate
    return {"url": candidate.url, "reference_date": reference_day, **{k: getattr(candidate, k) for k in _CANDIDATE},
            **{k: getattr(verdict, k) for k in _VERDICT}, "state_detail": verdict.detail, "judged_at": judged_at}


def verdict_of(row: dict) -> CopyVerdict:
    """The `CopyVerdict` (with its `Candidate`) an `archived_copies` row holds."""
    candidate = Candidate(url=row["url"], **_pick(row, _CANDIDATE))
    return CopyVerdict(candidate=candidate, detail=row.get("state_detail"),
                       **_pick(row, [k for k in _VERDICT if k != "rank"]), rank=row.get("rank") or 0)


def outcome_row(url: str, reference_day: str | None, outcome: ServiceOutcome, searched_at: str) -> dict:
    return {"url": url, "reference_date": reference_day, "service": outcome.service, "searched_at": searched_at,
            "outcome": outcome.outcome, "candidates": outcome.candidates, "detail": outcome.detail}


def outcome_of(row: dict) -> ServiceOutcome:
    return ServiceOutcome(service=row["service"], outcome=row["outcome"], candidates=row.get("candidates") or 0,
                          detail=row.get("detail"))


def answer_row(answer: ServiceAnswer, asked_at: str) -> dict:
    return {**asdict(answer), "asked_at": answer.asked_at or asked_at}


def answer_of(row: dict) -> ServiceAnswer:
    return ServiceAnswer(**_pick(row, [f.name for f in fields(ServiceAnswer)]))


def spn_row(job: SpnJob, polled_at: str | None) -> dict:
    return {**asdict(job), "polled_at": polled_at}


def spn_of(row: dict) -> SpnJob:
    return SpnJob(**_pick(row, [f.name for f in fields(SpnJob)]))


def witness_row(witness: Witness, compared_at: str, custody_id: int | None) -> dict:
    return {**asdict(witness), "compared_at": compared_at, "custody_id": custody_id}


def witness_of(row: dict) -> Witness:
    return Witness(**_pick(row, [f.name for f in fields(Witness)]))
