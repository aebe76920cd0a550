"""Dates and periods as reports write them, in English, Russian and Kazakh, resolved to calendar days.

Chronicles drop the year ("April 4") and often the month ("from 7 to 14 March"): the year comes
from the report's context, the month from the other end of the period. Reading a report, its
own date and the claim check all read dates this way, so it lives in the parse stage.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10,
    "nov": 11, "dec": 12,
    # Russian, nominative and genitive
    "январь": 1, "января": 1, "февраль": 2, "февраля": 2, "март": 3, "марта": 3, "апрель": 4, "апреля": 4,
    "май": 5, "мая": 5, "июнь": 6, "июня": 6, "июль": 7, "июля": 7, "август": 8, "августа": 8,
    "сентябрь": 9, "сентября": 9, "октябрь": 10, "октября": 10, "ноябрь": 11, "ноября": 11,
    "декабрь": 12, "декабря": 12,
    # Kazakh
    "қаңтар": 1, "ақпан": 2, "наурыз": 3, "сәуір": 4, "мамыр": 5, "маусым": 6, "шілде": 7, "тамыз": 8,
    "қыркүйек": 9, "қазан": 10, "қараша": 11, "желтоқсан": 12,
}
_MONTH = "(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s*(\d{4}))?"
# "from March 28 to April 4, 2024", "March 28 – April 4", "from 28 March to 4 April 2024"
_TO_MARKS = ("to", "till", "until", "through", "–", "—", "-", "по")
_TO = r"\s*(?:" + "|".join(_TO_MARKS) + r")\s*"
_PERIOD_MD = re.compile(rf"(?i)(?:from\s+|с\s+)?{_MONTH}\s+{_DAY}{_YEAR}{_TO}{_MONTH}\s+{_DAY}{_YEAR}")
_PERIOD_DM = re.compile(rf"(?i)(?:from\s+|с\s+)?{_DAY}\s+{_MONTH}{_YEAR}{_TO}{_DAY}\s+{_MONTH}{_YEAR}")
# "7–14 March 2024", "from 7 to 14 March", "с 7 по 14 марта 2024"
_PERIOD_SAME = re.compile(rf"(?i)(?:from\s+|с\s+)?{_DAY}{_TO}{_DAY}\s+{_MONTH}{_YEAR}")
_SINGLE_MD = re.compile(rf"(?i)\b{_MONTH}\s+{_DAY}\b{_YEAR}")
_SINGLE_DM = re.compile(rf"(?i)\b{_DAY}\s+{_MONTH}{_YEAR}")
_NUMERIC = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})\b")
_LEAD = re.compile(rf"(?i)^\s*(?:on\s+)?(?:{_MONTH}\s+{_DAY}|{_DAY}\s+{_MONTH})\b")


@dataclass(frozen=True)
class DateSpan:
    """A day or a period; `text` is how it was written."""

    start: date
    end: date
    text: str

    @property
    def is_period(self) -> bool:
        return self.start != self.end

    def same_period(self, other: DateSpan) -> bool:
        """Overlapping by at least half of the shorter span: weekly reviews share their end days
        ("4–11 April" then "11–18 April"), so one common day does not make them the same week."""
        common = (min(self.end, other.end) - max(self.start, other.start)).days + 1
        shorter = min((self.end - self.start).days, (other.end - other.start).days) + 1
        return common > 0 and 2 * common >= shorter

    def human(self) -> str:
        if not self.is_period:
            return f"{self.start.day} {self.start:%B %Y}"
        if (self.start.year, self.start.month) == (self.end.year, self.end.month):
            return f"{self.start.day}–{self.end.day} {self.end:%B %Y}"
        return f"{self.start.day} {self.start:%B} – {self.end.day} {self.end:%B %Y}"


def _month(word: str) -> int:
    return MONTHS[word.lower().rstrip(".")]


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _span(start: date | None, end: date | None, text: str) -> DateSpan | None:
    if start is None or end is None:
        return None
    if end < start and end.month < start.month:  # "December 28 to January 4": the end is next year
        end = _day(end.year + 1, end.month, end.day) or end
    return DateSpan(start, end, text) if start <= end else None


def _years(first: str | None, last: str | None, m1: int, m2: int, default: int) -> tuple[int, int]:
    """Years of a period's ends; a year written once belongs to the end ("December 28 to January 4, 2024")."""
    y2 = int(last) if last else (int(first) + (m2 < m1) if first else default)
    y1 = int(first) if first else y2 - (m1 > m2)
    return y1, y2


def period_in_text(text: str, year: int) -> DateSpan | None:
    """The first period written in `text`, or None."""
    lowered = text.lower()
    if not any(mark in lowered for mark in _TO_MARKS):  # every period has one; most sentences have none
        return None
    for pattern in (_PERIOD_MD, _PERIOD_DM, _PERIOD_SAME):
        m = pattern.search(text)
        if not m:
            continue
        g = m.groups()
        if pattern is _PERIOD_MD:
            m1, d1, m2, d2 = _month(g[0]), int(g[1]), _month(g[3]), int(g[4])
            y1, y2 = _years(g[2], g[5], m1, m2, year)
            return _span(_day(y1, m1, d1), _day(y2, m2, d2), m.group(0))
        if pattern is _PERIOD_DM:
            d1, m1, d2, m2 = int(g[0]), _month(g[1]), int(g[3]), _month(g[4])
            y1, y2 = _years(g[2], g[5], m1, m2, year)
            return _span(_day(y1, m1, d1), _day(y2, m2, d2), m.group(0))
        y = int(g[3]) if g[3] else year
        month = _month(g[2])
        return _span(_day(y, month, int(g[0])), _day(y, month, int(g[1])), m.group(0))
    return None


def dates_in_text(text: str, year: int) -> list[DateSpan]:
    """Every single day written in `text` (periods aside), in order."""
    found: list[tuple[int, DateSpan]] = []
    for m in _SINGLE_MD.finditer(text):
        d = _day(int(m.group(3)) if m.group(3) else year, _month(m.group(1)), int(m.group(2)))
        if d:
            found.append((m.start(), DateSpan(d, d, m.group(0))))
    for m in _SINGLE_DM.finditer(text):
        d = _day(int(m.group(3)) if m.group(3) else year, _month(m.group(2)), int(m.group(1)))
        if d:
            found.append((m.start(), DateSpan(d, d, m.group(0))))
    for m in _NUMERIC.finditer(text):
        y = int(m.group(3))
        d = _day(y + 2000 if y < 100 else y, int(m.group(2)), int(m.group(1)))
        if d:
            found.append((m.start(), DateSpan(d, d, m.group(0))))
    return [span for _, span in sorted(found, key=lambda item: item[0])]


def lead_date(paragraph: str, year: int) -> DateSpan | None:
    """The date a chronicle entry opens with ("April 18, Almaty, …", "On April 13, …")."""
    m = _LEAD.match(paragraph)
    if not m:
        return None
    month, day = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
    d = _day(year, _month(month), int(day))
    return DateSpan(d, d, m.group(0).strip()) if d else None


# report_year reads this much of the texts it is given at most: a year's majority shows long before, and the
# citing texts of a report with a million markers would take half a minute more to scan.
YEAR_SAMPLE_CHARS = 5_000_000
# The word boundary before a year is checked by hand (`_years_written`): a pattern opening with `\b` has no literal
# prefix, and re then tries it at every character instead of searching for "20" (25 times slower on a long report).
_YEAR_WRITTEN = re.compile(r"20[0-4]\d\b")
_WORD_CHAR = re.compile(r"\w")


def report_year(texts: list[str], dated: date | None = None) -> int:
    """The year a report is about: the most common plausible year written in it (in its first texts), else the
    year of its own date, else this year — a guess the claim check may make, never a date anything is recorded at
    (see `written_year`)."""
    return written_year(texts) or (dated.year if dated else date.today().year)


def written_year(texts: list[str]) -> int | None:
    """The most common plausible year written in `texts` (in their first YEAR_SAMPLE_CHARS), None when none is."""
    years: Counter[int] = Counter()
    left = YEAR_SAMPLE_CHARS
    for t in texts:
        if left <= 0:
            break
        left -= len(t)
        years.update(_years_written(t))
    return years.most_common(1)[0][0] if years else None


def _years_written(text: str) -> list[int]:
    """Each year 2000-2049 written in `text` as a word of its own, in order."""
    return [int(m.group()) for m in _YEAR_WRITTEN.finditer(text)
            if not (m.start() and _WORD_CHAR.match(text, m.start() - 1))]


# Year 1 stands for "no year written": no report is dated then, so a span in it lacks a year of its own.
_NO_YEAR = 1
_ISO_DAY = re.compile(r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?!\d)")
# Kazakh writes the year first: "2024 жылғы 5 мамыр", "2024 ж. сәуір"
_KZ_YEAR = r"(\d{4})\s*(?:жылғы|жылы|ж\.)\s*"
_KZ_DAY = re.compile(rf"(?i){_KZ_YEAR}{_DAY}\s+{_MONTH}")
_MONTH_YEAR = re.compile(rf"(?i)(?<![\w.])(?:{_MONTH}\s+(\d{{4}})|{_KZ_YEAR}{_MONTH})(?!\d)")


def dated(text: str) -> DateSpan | None:
    """The first day written in `text` with its year ("5 May 2024", "05.05.2024", "2024-05-05", "2024 жылғы
    5 мамыр"); a day without a year ("April 4") is no date of its own here."""
    written = [(m.start(), _day(int(m.group(1)), int(m.group(2)), int(m.group(3))), m.group(0))
               for m in _ISO_DAY.finditer(text)]
    written += [(m.start(), _day(int(m.group(1)), _month(m.group(3)), int(m.group(2))), m.group(0))
                for m in _KZ_DAY.finditer(text)]
    found = [(at, DateSpan(d, d, words)) for at, d, words in written if d]
    found += [(text.find(span.text), span) for span in dates_in_text(text, _NO_YEAR) if span.start.year != _NO_YEAR]
    return min(found, key=lambda item: item[0])[1] if found else None


def written_period(text: str) -> DateSpan | None:
    """The first period written in `text` with its year ("28 March – 4 April 2024")."""
    period = period_in_text(text, _NO_YEAR)
    return period if period and period.start.year != _NO_YEAR else None


def written_month(text: str) -> DateSpan | None:
    """The first month written with its year ("April 2024", "апрель 2024 года", "2024 жылғы сәуір") as the period
    of its days; the month of a day ("5 May 2024") is that day's, not a month named."""
    for m in _MONTH_YEAR.finditer(text):
        if re.search(r"\d(?:st|nd|rd|th)?\s*$", text[:m.start()]):
            continue
        year, month = (int(m.group(2)), _month(m.group(1))) if m.group(1) else (int(m.group(3)), _month(m.group(4)))
        if 1900 <= year <= 2999:
            return month_span(year, month, m.group(0))
    return None


def month_span(year: int, month: int, text: str) -> DateSpan:
    """The period of a month's days."""
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return DateSpan(date(year, month, 1), last, text)
