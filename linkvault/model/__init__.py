"""The records passed between stages, and the result types the verbs return: one place to look up a shape.

`records` holds a report's shapes (footnotes, findings) and a link's verdict vocabulary; later stages add theirs
beside it, each re-exported here so `from linkvault.model import X` is the one way in.
"""

from __future__ import annotations

from linkvault.model.records import (
    CATEGORIES,
    CATEGORY_OF,
    MISSING,
    OWN_SIDE_FAILURES,
    CheckResult,
    Citation,
    Entry,
    Finding,
    Footnote,
    LinkState,
    Page,
    Report,
    Severity,
    label_number,
)
from linkvault.model.results import (
    LINK_SEVERITY,
    VERDICTS,
    AuditResult,
    ClaimResult,
    ClaimVerdict,
    FactCheck,
    FootnoteArchive,
    PackResult,
    Problem,
    Review,
    SearchHit,
    Verification,
)

__all__ = ["CATEGORIES", "CATEGORY_OF", "LINK_SEVERITY", "MISSING", "OWN_SIDE_FAILURES", "VERDICTS", "AuditResult",
           "CheckResult", "Citation", "ClaimResult", "ClaimVerdict", "Entry", "FactCheck", "Finding", "Footnote",
           "FootnoteArchive", "LinkState", "PackResult", "Page", "Problem", "Report", "Review", "SearchHit", "Severity",
           "Verification", "label_number"]
