"""The date each footnote's source is read at: the day the report cites it on.

A chronicle entry dates itself ("April 4, Almaty, …[6]"), so its sources are read as they stood that day; a
footnote without such an entry is read at the report's own date, else at the date the user gives (--as-of).
An archived copy is looked for closest before that day. Nothing here reads today's clock: a report that
says no year and no date of its own has no reference date, and the newest valid copy is offered instead.
"""

from __future__ import annotations

import re
from datetime import date

from linkvault.model import Report
from linkvault.model.copies import AS_OF, ENTRY_DATE, REPORT_DATE, ReferenceDate
from linkvault.parsing.dates import DateSpan, lead_date, written_year

# "Astana, April 22, …": a place before the date, a few words without digits
_PLACE_FIRST = re.compile(r"^\s*([^\W\d][^\d,;:.!?]{0,40}),\s+")
_PLACE_WORDS = 4


def reference_dates(report: Report, as_of: date | None = None) -> dict[str, ReferenceDate]:
    """Every footnote's reference date, by label: its entry's date, else the report's, else `as_of`, else none.

    An entry's day takes its year from the years written in the report, else from the report's date. An entry
    dated after the report's own date is a typo (a report cannot tell of a later day) and is passed over.
    """
    leads = _entry_dates(report)
    fallback = _fallback(report, as_of)
    dates = {}
    for note in report.footnotes:
        lead = leads.get(note.label)
        if lead is None:
            dates[note.label] = fallback
        elif report.date is not None and lead.start > report.date:
            dates[note.label] = ReferenceDate(fallback.day, fallback.basis,
                                              f'{fallback.detail}; the entry\'s "{lead.text}" is later, passed over')
        else:
            dates[note.label] = ReferenceDate(lead.start, ENTRY_DATE, f'entry: "{lead.text}"')
    return dates


def _entry_dates(report: Report) -> dict[str, DateSpan]:
    """Each label's entry date: the opening of the first citing paragraph that opens with a date."""
    year = written_year(report.year_sample())
    from_report = year is None
    if year is None:
        if report.date is None:
            return {}  # no year anywhere: a day without one is no date (never this year's, by the clock)
        year = report.date.year
    leads: dict[str, DateSpan] = {}
    for citation in report.citations:
        if citation.label in leads or not citation.paragraph:
            continue
        lead = entry_lead(citation.paragraph, year)
        if lead and from_report and report.date and lead.start > report.date:
            # the year came from the report's date: "December 28" in a report of 5 January is last year's
            lead = entry_lead(citation.paragraph, year - 1) or lead
        if lead:
            leads[citation.label] = lead
    return leads


def entry_lead(paragraph: str, year: int) -> DateSpan | None:
    """The date a chronicle entry opens with: "April 4, Almaty, …", "On April 13, …", or after its place,
    "Astana, April 22, …" (check's date rules read the first two only, and keep doing so)."""
    lead = lead_date(paragraph, year)
    if lead is None:
        m = _PLACE_FIRST.match(paragraph)
        if m and len(m.group(1).split()) <= _PLACE_WORDS:
            lead = lead_date(paragraph[m.end():], year)
    return lead


def _fallback(report: Report, as_of: date | None) -> ReferenceDate:
    if report.date is not None:
        return ReferenceDate(report.date, REPORT_DATE, report.date_detail)
    if as_of is not None:
        return ReferenceDate(as_of, AS_OF, f"--as-of {as_of.isoformat()}")
    return ReferenceDate(None)
