"""The offline part of the claim check: the citing sentence's dates against what the URL says.

- `wrong-link` (error): the claim names a period and the URL's slug names another, sharing at most
  a day or two with it (a link to the wrong weekly review: adjacent weeks share their end day);
- `entry-date` (info): a chronicle entry dated D cites a period that ends after D;
- `source-date` (info): the page is filed (by its URL) well before or after the event it supports.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from linkvault.claims.urlfacts import url_dates
from linkvault.model import Finding, Report, Severity, label_number
from linkvault.parsing.dates import DateSpan, lead_date, period_in_text, report_year

SOURCE_DATE_DAYS = 14


def _day(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def url_claim_findings(report: Report, source_date_days: int = SOURCE_DATE_DAYS) -> Iterator[Finding]:
    year = report_year(report.year_sample(), report.date)
    seen: set[tuple[str, str]] = set()
    citing: dict[str, list] = {}  # label → its citations, once: a scan per note is quadratic in a long report
    for citation in report.citations:
        citing.setdefault(citation.label, []).append(citation)
    for note in report.footnotes:
        if not note.urls:
            continue
        number = label_number(note.label)
        num = note.label if number is None else number
        for citation in citing.get(note.label, ()):
            claim = period_in_text(citation.context, year)
            lead = lead_date(citation.paragraph, year)
            for url in note.urls:
                slug, filed = url_dates(url, year)
                for kind, finding in _judge(num, note.label, citation.line, claim, lead, slug, filed, source_date_days):
                    if (kind, note.label) not in seen:
                        seen.add((kind, note.label))
                        yield finding


def _judge(num: int | str, label: str, line: int, claim: DateSpan | None, lead: DateSpan | None, slug: DateSpan | None,
           filed: DateSpan | None, days: int) -> Iterator[tuple[str, Finding]]:
    if claim and slug and not claim.same_period(slug):
        yield "wrong-link", Finding(
            "wrong-link", Severity.ERROR, num, line,
            f"[{label}] cites {claim.human()}; the linked page covers {slug.human()} (its address reads '{slug.text}')")
    cited = claim or slug
    if lead and cited and cited.is_period and cited.end > lead.end:
        yield "entry-date", Finding(
            "entry-date", Severity.INFO, num, line,
            f"[{label}] is an entry of {_day(lead.start)} but cites a period ending {_day(cited.end)}")
    if lead and filed:
        gap = (filed.start - lead.start).days
        if abs(gap) > days:
            when = f"{gap} days after" if gap > 0 else f"{-gap} days before"
            yield "source-date", Finding(
                "source-date", Severity.INFO, num, line,
                f"[{label}] reports an event of {_day(lead.start)} from a page filed {_day(filed.start)}, {when} it")
