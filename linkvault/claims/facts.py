"""Facts in a citing sentence: dates and periods, people, legal articles, amounts, places.

Reports are English with Latin transliterations of Kazakh and Russian names ("Adilbekov D.",
"B. Nasyrkhanov", "Ugubaeva Sauletai"); the rules here are small and only find candidates: the
matcher decides what a source confirms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from linkvault.parsing.dates import DateSpan, dates_in_text, lead_date, period_in_text

# Words that look like names in a chronicle but are not people.
_NOT_NAMES = {
    "article", "part", "code", "criminal", "administrative", "offences", "republic", "kazakhstan", "april", "march",
    "may", "june", "court", "region", "district", "city", "village", "ministry", "minister", "deputy", "department",
    "the", "on", "in", "of", "and", "institution", "foundation", "party", "rk", "npm", "ngo", "ngos", "telegram",
    "facebook", "instagram", "youtube", "tiktok", "astana", "almaty", "according", "january", "february", "july",
    "august", "september", "october", "november", "december", "head", "chief", "lawyer", "activist", "journalist",
    "state", "energy", "justice", "health", "culture", "information", "colony", "prosecutor", "police",
}
PLACES = {
    "astana": "астан", "almaty": "алмат", "kyzylorda": "кызылорд", "mangistau": "мангист", "mangystau": "мангист",
    "uralsk": "уральск", "oral": "орал", "kostanai": "костана", "kostanay": "костана", "petropavlovsk": "петропавловск",
    "shymkent": "шымкент", "karaganda": "караганд", "aktau": "актау", "aktobe": "актобе", "atyrau": "атырау",
    "pavlodar": "павлодар", "semey": "семе", "taraz": "тараз", "turkestan": "туркестан", "zhanaozen": "жанаозен",
    "ust-kamenogorsk": "усть-каменогорск", "satpayev": "сатпаев", "talgar": "талгар", "shortandy": "шортанд",
    "berlin": "берлин", "london": "лондон", "aksu": "аксу", "abay": "абай", "ulytau": "улытау",
}
# An initial is one capital or a digraph of the transliterations (Zh., Sh., Ye.): "No." and "St."
# are not initials, and a capital right after "U." is part of an abbreviation ("U.S. State").
_INITIAL = r"(?<![\w.])(?:Zh|Sh|Ch|Kh|Ts|Ye|Yu|Ya|Yo|[A-Z])\."
_SURNAME_INITIAL = re.compile(rf"\b([A-Z][a-z]{{2,}}(?:-[A-Z][a-z]+)?)\s+{_INITIAL}(?:\s+([A-Z][a-z]{{2,}}))?")
_INITIAL_SURNAME = re.compile(rf"{_INITIAL}\s+([A-Z][a-z]{{2,}}(?:-[A-Z][a-z]+)?)\b")
_FULL_NAME = re.compile(r"\b([A-Z][a-z]{3,})\s+([A-Z][a-z]{3,})\b(?!\s+[A-Z]\.)")
_ARTICLE = re.compile(r"(?i)\barticles?\s+((?:\d{1,4}(?:-\d{1,2})?)(?:\s*(?:,|and)\s*\d{1,4}(?:-\d{1,2})?)*)")
_AMOUNT = re.compile(r"(?i)\b(\d{1,3}(?:[ ,]\d{3})+|\d{4,})\s*(?:tenge|тенге|тг|kzt)")
_NAME_SUFFIX = re.compile(r"(ov|ova|ev|eva|in|ina|uly|kyzy|enko|sky|skiy|bek|bay|baev|baeva|yev|yeva|ayev)$", re.I)
_STRONG_SUFFIX = re.compile(r"(ov|ova|ev|eva|uly|kyzy|enko)$", re.I)  # "Alina Smakova": -ina is weaker


@dataclass(frozen=True)
class Fact:
    kind: str  # date | period | person | article | amount | place
    text: str  # as the claim writes it
    value: object  # DateSpan, surname, article number, digits, place stem
    soft: bool = False  # the entry's own date: found, it supports the claim; absent, it is not held against it


def claim_facts(context: str, paragraph: str, year: int) -> list[Fact]:
    """The checkable facts of one citation, key facts (people, periods) first."""
    text = paragraph if len(context) < 40 else context
    facts: list[Fact] = []
    for name in _people(text):
        facts.append(Fact("person", name, name))
    period = period_in_text(text, year)
    if period:
        facts.append(Fact("period", period.text, period))
    lead = lead_date(paragraph, year)
    seen_days = {period.start, period.end} if period else set()
    # The entry's date line places the event in the chronicle; a source of the day before (or a copy archived
    # then) need not repeat it, so it is a soft fact.
    for span in ([lead] if lead else []) + dates_in_text(text, year):
        if span and span.start not in seen_days:
            seen_days.add(span.start)
            facts.append(Fact("date", span.text, span, soft=span is lead))
    for m in _ARTICLE.finditer(text):
        for number in re.findall(r"\d{1,4}(?:-\d{1,2})?", m.group(1)):
            if not any(f.kind == "article" and f.value == number for f in facts):
                facts.append(Fact("article", f"Article {number}", number))
    for m in _AMOUNT.finditer(text):
        facts.append(Fact("amount", m.group(0), re.sub(r"\D", "", m.group(1))))
    lowered = text.lower()
    for place, stem in PLACES.items():
        if re.search(rf"\b{re.escape(place)}\b", lowered):
            facts.append(Fact("place", place.title(), stem))
    return facts


def _people(text: str) -> list[str]:
    names: list[str] = []

    def add(surname: str) -> None:
        if not _not_name(surname) and surname not in names:
            names.append(surname)

    for m in _SURNAME_INITIAL.finditer(text):
        word, after = m.group(1), m.group(2)
        # "Minister of Energy E. Akkenzhenov": the initial belongs to the surname after it.
        if after and not _not_name(after) and not _NAME_SUFFIX.search(word):
            continue
        add(word)
    for m in _INITIAL_SURNAME.finditer(text):
        add(m.group(1))
    for m in _FULL_NAME.finditer(text):
        first, second = m.group(1), m.group(2)
        if _not_name(first) or _not_name(second):
            continue
        if _STRONG_SUFFIX.search(second) and not _STRONG_SUFFIX.search(first):
            add(second)  # "Alina Smakova", "Makhabbat Tleuzhanova"
        elif _NAME_SUFFIX.search(first) or _NAME_SUFFIX.search(second):
            add(first if _NAME_SUFFIX.search(first) else second)
    return names


def _not_name(word: str) -> bool:
    return word.lower() in _NOT_NAMES or word.lower() in PLACES


__all__ = ["Fact", "PLACES", "claim_facts", "DateSpan"]
