"""linkvault: archive the sources a report cites, and check its footnotes before publishing.

The same verbs as the command line::

    import linkvault
    result = linkvault.check("report.txt")
    for finding in result.findings:
        print(finding.line, finding.kind, finding.message)
"""

from __future__ import annotations

import os

from linkvault.errors import InputError, LinkvaultError, NoFootnotes, UsageError
from linkvault.model import CheckResult, Citation, Entry, Finding, Footnote, Report, Severity
from linkvault.report import parse_report, parse_text

__version__ = "0.1.0"


def check(path: str | os.PathLike, input_format: str | None = None) -> CheckResult:
    """Parse the report at `path` and return every finding about its footnotes. Offline."""
    from linkvault.report.findings import check_report

    return check_report(parse_report(path, input_format))


__all__ = [
    "CheckResult",
    "Citation",
    "Entry",
    "Finding",
    "Footnote",
    "InputError",
    "LinkvaultError",
    "NoFootnotes",
    "Report",
    "Severity",
    "UsageError",
    "__version__",
    "check",
    "parse_report",
    "parse_text",
]
