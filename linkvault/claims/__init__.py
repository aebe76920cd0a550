"""The claim check: the sentence that cites a footnote, read beside the source it cites.

Offline and given everything it reads: `check` runs the URL part (dates and periods written in a
URL's path or transliterated slug), so a link to the wrong weekly review is caught with no network.
"""

from __future__ import annotations

from linkvault.claims.urlfacts import url_dates
from linkvault.parsing.dates import DateSpan, dates_in_text, lead_date, period_in_text, report_year

__all__ = ["DateSpan", "dates_in_text", "lead_date", "period_in_text", "report_year", "url_dates"]
