"""linkvault: archive the sources a report cites, and check its footnotes before publishing.

The same verbs as the command line::

    import linkvault
    result = linkvault.check("report.txt")
    for finding in result.findings:
        print(finding.line, finding.kind, finding.message)
"""

from __future__ import annotations

import os

from linkvault._version import __version__
from linkvault.errors import InputError, LinkvaultError, NoFootnotes, UsageError
from linkvault.model import CheckResult, Citation, Entry, Finding, Footnote, Report, Severity
from linkvault.parsing import parse_report, parse_text, parse_urls


def check(path: str | os.PathLike | Report, input_format: str | None = None) -> CheckResult:
    """Parse the report at `path` (or take one parsed already) and return every finding about its footnotes. Offline."""
    from linkvault.findings import check_report

    return check_report(path if isinstance(path, Report) else parse_report(path, input_format))


def fetch(reports: list[str | os.PathLike | Report], vault: str | os.PathLike = "linkvault-vault", options=None,
          **kwargs):
    """Archive every source the reports cite into `vault` (WARC + text); see `linkvault.archive.fetch_reports`."""
    from linkvault.archive import fetch_reports

    return fetch_reports([r if isinstance(r, Report) else os.fspath(r) for r in reports], os.fspath(vault), options,
                         **kwargs)


def search(query: str, vault: str | os.PathLike = "linkvault-vault", report: str | None = None, limit: int = 50):
    """Full-text search over the texts archived in `vault`."""
    from linkvault.lookup import search as search_vault

    return search_vault(os.fspath(vault), query, report=report, limit=limit)


def review(report: str | os.PathLike | Report, vault: str | os.PathLike = "linkvault-vault",
           input_format: str | None = None):
    """The editor's report: every footnote of `report` with the verdict on its archived source."""
    from linkvault.reviewing import review as review_report

    return review_report(os.fspath(vault), report if isinstance(report, Report) else os.fspath(report), input_format)


def show(report: str | os.PathLike, number: int | str, vault: str | os.PathLike = "linkvault-vault"):
    """Everything archived for footnote `number` of `report`."""
    from linkvault.lookup import show as show_footnote

    return show_footnote(os.fspath(vault), os.fspath(report), str(number))


def verify(report: str | os.PathLike, vault: str | os.PathLike = "linkvault-vault", input_format: str | None = None):
    """Does each archived source say what its footnote claims? Verdicts per footnote (`linkvault verify`)."""
    from linkvault.reviewing import verify as verify_claims

    return verify_claims(os.fspath(vault), os.fspath(report), input_format)


def pack(report: str | os.PathLike, output: str | os.PathLike, vault: str | os.PathLike = "linkvault-vault", *,
         tsa: tuple[str, ...] = (), collector: str | None = None, input_format: str | None = None,
         proxy: str | None = None, ca_bundle: str | None = None):
    """One evidence pack (WACZ) for `report`; with `tsa`, timestamped as a whole (`linkvault pack`), reaching the
    authorities through `proxy` with `ca_bundle` (else the environment's), as `fetch` does."""
    from linkvault.evidence.pack import pack as make_pack
    from linkvault.render.evidence import render_evidence

    return make_pack(os.fspath(vault), os.fspath(report), os.fspath(output), input_format, collector=collector,
                     tsa=tuple(tsa), proxy=proxy, ca_bundle=ca_bundle, summarize=render_evidence)


def audit(vault: str | os.PathLike = "linkvault-vault", *, wacz: str | os.PathLike | None = None,
          tsa_roots: str | os.PathLike | None = None, collector: str | None = None):
    """Recompute every digest and check every token and the custody chain, of a vault or of a pack (`linkvault audit`)."""
    from linkvault.evidence.audit import audit_vault
    from linkvault.evidence.audit_pack import audit_wacz

    roots = os.fspath(tsa_roots) if tsa_roots is not None else None
    if wacz is not None:
        return audit_wacz(os.fspath(wacz), roots)
    return audit_vault(os.fspath(vault), roots, collector=collector)


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
    "audit",
    "check",
    "fetch",
    "pack",
    "parse_report",
    "parse_text",
    "parse_urls",
    "review",
    "search",
    "show",
    "verify",
]
