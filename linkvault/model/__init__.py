"""The records passed between stages, and the result types the verbs return: one place to look up a shape.

`records` holds a report's shapes (footnotes, findings) and a link's verdict vocabulary; later stages add theirs
beside it, each re-exported here so `from linkvault.model import X` is the one way in.
"""

from __future__ import annotations

from linkvault.model.changes import CHANGE_ASPECTS, Change, ChangesResult
from linkvault.model.copies import (
    Candidate,
    CopiesResult,
    CopiesRow,
    CopySearch,
    CopyVerdict,
    ReferenceDate,
    ServiceOutcome,
    SpnJob,
    VersionLink,
    Witness,
    WitnessRun,
)
from linkvault.model.history import HISTORY_STATUSES, Check, HistoryRules, HistoryVerdict
from linkvault.model.links import Account, Capture, Connection, Hop, Link, Page, RecordLocation, Retry
from linkvault.model.queue import ReportProgress, WorkerResult
from linkvault.model.records import (
    CATEGORIES,
    CATEGORY_OF,
    FAILING,
    LINK_CATEGORIES,
    MISSING,
    OWN_SIDE_FAILURES,
    CheckResult,
    Citation,
    Entry,
    Finding,
    Footnote,
    LinkState,
    Report,
    Severity,
    label_number,
)
from linkvault.model.results import (
    LINK_SEVERITY,
    NEEDS_A_COPY,
    VERDICTS,
    AuditResult,
    ClaimResult,
    ClaimVerdict,
    FactCheck,
    FootnoteArchive,
    PackResult,
    Problem,
    Review,
    RobustifyResult,
    RobustNote,
    SearchHit,
    Verification,
)
from linkvault.model.runs import FetchResult, RecheckResult

__all__ = [
    "Account", "AuditResult", "CATEGORIES", "CATEGORY_OF", "CHANGE_ASPECTS", "Candidate", "Capture", "Change",
    "ChangesResult", "Check", "CheckResult", "Citation",
    "ClaimResult",
    "ClaimVerdict", "Connection", "CopiesResult", "CopiesRow", "CopySearch", "CopyVerdict", "Entry", "FactCheck",
    "FAILING", "FetchResult", "Finding", "HISTORY_STATUSES", "HistoryRules", "HistoryVerdict",
    "Footnote", "FootnoteArchive", "Hop", "LINK_CATEGORIES", "LINK_SEVERITY", "Link", "LinkState", "MISSING",
    "NEEDS_A_COPY", "OWN_SIDE_FAILURES",
    "PackResult", "Page", "Problem", "RecheckResult", "RecordLocation", "ReferenceDate", "Report", "Retry", "Review",
    "ReportProgress", "RobustNote",
    "RobustifyResult", "SearchHit", "ServiceOutcome", "Severity", "SpnJob", "VERDICTS", "Verification", "VersionLink",
    "Witness", "WitnessRun", "WorkerResult", "label_number",
]
