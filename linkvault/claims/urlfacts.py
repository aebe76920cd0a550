"""What a URL says about its page before anyone fetches it: a date in the path, or a period in a
slug transliterated from Russian (`s-7-po-14-marta-2024-g-` is "from 7 to 14 March 2024")."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from linkvault.parsing.dates import DateSpan, _day, _span

TRANSLIT_MONTHS = {
    "yanvarya": 1, "fevralya": 2, "marta": 3, "aprelya": 4, "maya": 5, "iyunya": 6, "iyulya": 7,
    "avgusta": 8, "sentyabrya": 9, "oktyabrya": 10, "noyabrya": 11, "dekabrya": 12,
    # other transliteration schemes in use
    "janvarja": 1, "fevralja": 2, "aprelja": 4, "maja": 5, "ijunja": 6, "ijulja": 7, "sentjabrja": 9,
    "oktjabrja": 10, "nojabrja": 11, "dekabrja": 12, "iyunia": 6, "iyulia": 7,
}
_TM = "(" + "|".join(sorted(TRANSLIT_MONTHS, key=len, reverse=True)) + ")"
# s-7-po-14-marta-2024, s-28-marta-po-4-aprelya-2024
_SLUG_PERIOD = re.compile(rf"(?:^|[-_/])s-(\d{{1,2}})(?:-{_TM})?-po-(\d{{1,2}})-{_TM}(?:-(\d{{4}}))?")
_PATH_DATE = re.compile(r"(?:^|/)(20\d\d)[/-](\d\d)[/-](\d\d)(?:/|-|$)")


def url_dates(url: str, year: int) -> tuple[DateSpan | None, DateSpan | None]:
    """(period named in the slug, date the path is filed under), each None when absent."""
    try:
        path = unquote(urlsplit(url).path).lower()
    except ValueError:  # "A0://[": no address, so no dates in it (check reports it as an invalid URL)
        return None, None
    period = None
    m = _SLUG_PERIOD.search(path)
    if m:
        y = int(m.group(5)) if m.group(5) else year
        end_month = TRANSLIT_MONTHS[m.group(4)]
        start_month = TRANSLIT_MONTHS[m.group(2)] if m.group(2) else end_month
        start_year = y - 1 if start_month > end_month else y  # "s-28-dekabrya-po-4-yanvarya-2024"
        period = _span(_day(start_year, start_month, int(m.group(1))), _day(y, end_month, int(m.group(3))),
                       m.group(0).strip("-/_"))
    filed = None
    m = _PATH_DATE.search(path)
    if m:
        d = _day(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        filed = DateSpan(d, d, m.group(0).strip("/-")) if d else None
    return period, filed
