"""Does a source support its claim? Facts matched across scripts and inflection, then a verdict.

Names are compared by a coarse Latin key on both sides: the source's Cyrillic goes through
unidecode, Kazakh letters and transliteration habits (й/ы/я as i, y or ya; қ as q or k) are folded
the same way for both, and a surname matches a source word that starts with its stem, so
Адилбеков, Адилбекова and Адилбекову all confirm "Adilbekov" (rapidfuzz forgives one slip).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date
from typing import cast
from urllib.parse import unquote, urlsplit

from rapidfuzz import fuzz
from unidecode import unidecode

from linkvault.claims.facts import Fact, claim_facts
from linkvault.claims.urlfacts import url_dates
from linkvault.model import Citation, ClaimVerdict, FactCheck
from linkvault.parsing.dates import DateSpan, dates_in_text, period_in_text

KEY_KINDS = ("person", "period", "article", "amount")
QUOTE = 200
_WORD = re.compile(r"[\w'-]+")
_NUM = r"\d{1,4}(?:-\d{1,2})?"
# Russian "статьи 488", "статьей 174", "по статьям 405 и 258", "ст. 488"; Kazakh puts the number first:
# "488-бабының 12-бөлігі", "174-бабы".
_SOURCE_ARTICLE = re.compile(rf"(?i)(?:\b(?:стать[а-яё]{{0,3}}|ст\.|articles?)\s*({_NUM}(?:\s*(?:,|и|and)\s*{_NUM})*)"
                             rf"|(?<![\d-])({_NUM})\s*-?\s*(?:бап|баб))")
# Kazakh letters unidecode drops or marks (Ә becomes "@"), folded to the Latin report spelling.
_KAZAKH = str.maketrans("ӘәҒғҚқҢңӨөҰұҮүҺһІі", "AaGgKkNnOoUuUuHhIi")


@dataclass(frozen=True)
class Source:
    url: str
    title: str = ""
    text: str = ""
    published: str | None = None
    unavailable: str | None = None  # why there is no text to check (dead, walled, not fetched…)


def key(word: str) -> str:
    """A coarse Latin spelling key shared by report transliterations and Cyrillic sources."""
    s = unidecode(word.translate(_KAZAKH)).lower()
    s = re.sub(r"[^a-z]", "", s)
    s = s.replace("q", "k").replace("j", "i").replace("y", "i").replace("w", "v").replace("kh", "h")
    s = re.sub(r"(?<=[aeou])ie", "e", s)  # Zhanabayev / Жанабаев, Sergeyev / Сергеев
    s = re.sub(r"(.)\1+", r"\1", s)  # Kassymov / Касымов, Akkenzhenov
    return s[1:] if s.startswith("ie") else s


def keys_match(want: str, k: str) -> bool:
    """Is a word with key `k` a form of the name with key `want`? Its stem starts it, or it is one slip off.

    Inflection only adds endings, so a key that starts with the name's stem (all but its last two
    letters) is a form of it: Адилбекова and Адилбекову both match "Adilbekov".
    """
    if len(want) < 4:
        return False
    stem = want[: max(4, len(want) - 2)]
    return k.startswith(stem[:4]) and (k.startswith(stem) or fuzz.ratio(k[: len(want)], want) >= 88)


class _Index:
    """Words of one source field with their keys and places, for quoting."""

    def __init__(self, text: str):
        self.text = text
        self.words = [(m.start(), m.end(), key(m.group(0))) for m in _WORD.finditer(text)]

    def find_name(self, surname: str) -> int | None:
        want = key(surname)
        for start, _, k in self.words:
            if keys_match(want, k):
                return start
        return None

    def quote(self, at: int) -> str:
        start = max(0, at - QUOTE // 2)
        return " ".join(self.text[start: start + QUOTE].split())


def claim_against(citation: Citation, source: Source, year: int) -> ClaimVerdict:
    """The claim of the sentence citing a footnote against one source: the one check `verify` runs on a link's
    archived text and `copies` on an archive's copy, so the two never judge a claim differently."""
    return check_claim(claim_facts(citation.context, citation.paragraph, year), source, year)


def check_claim(facts: list[Fact], source: Source, year: int) -> ClaimVerdict:
    if source.unavailable:
        return ClaimVerdict("not-checked", source.unavailable,
                            [FactCheck(f.kind, f.text, False, checked=False, soft=f.soft) for f in facts])
    if not facts:
        return ClaimVerdict("not-checked", "the citing sentence has no checkable facts")
    fields = {"title": _Index(source.title or ""), "text": _Index(source.text or ""),
              "url": _Index(_slug_words(source.url))}
    source_period = _source_period(source, year)
    source_articles = set(_articles(f"{source.title}\n{source.text}"))
    checks = [_check(f, fields, source, source_period, source_articles, year) for f in facts]
    checks = [dataclasses.replace(c, soft=True) if f.soft else c for f, c in zip(facts, checks)]
    return _verdict(checks, bool(source.text.strip()))


def _articles(text: str) -> dict[str, int]:
    """Article numbers a source cites, each with where it is first written."""
    found: dict[str, int] = {}
    for m in _SOURCE_ARTICLE.finditer(text):
        for number in re.findall(_NUM, m.group(1) or m.group(2)):
            found.setdefault(number, m.start())
    return found


def _slug_words(url: str) -> str:
    return re.sub(r"[-_/.]+", " ", unquote(urlsplit(url).path))


def _source_period(source: Source, year: int) -> tuple[DateSpan, str] | None:
    slug, _ = url_dates(source.url, year)
    if slug:
        return slug, "url"
    for where, text in (("title", source.title or ""), ("text", (source.text or "")[:600])):
        period = period_in_text(text, year)
        if period:
            return period, where
    return None


def _check(fact: Fact, fields: dict[str, _Index], source: Source, source_period: tuple[DateSpan, str] | None,
           source_articles: set[str], year: int) -> FactCheck:
    check = FactCheck(fact.kind, fact.text, False)
    if fact.kind == "person":
        for where in ("title", "text", "url"):
            at = fields[where].find_name(str(fact.value))
            if at is not None:
                return FactCheck(fact.kind, fact.text, True, where, fields[where].quote(at))
    elif fact.kind == "period" and source_period:
        period, where = source_period
        if period.same_period(cast(DateSpan, fact.value)):  # a period fact's value is its span
            return FactCheck(fact.kind, fact.text, True, where, period.text)
        return FactCheck(fact.kind, fact.text, False, where, period.text, contradicts=True)
    elif fact.kind == "date":
        return _check_date(fact, fields, source, year)
    elif fact.kind == "article":
        for where in ("title", "text"):
            at = _articles(fields[where].text).get(str(fact.value))
            if at is not None:
                return FactCheck(fact.kind, fact.text, True, where, fields[where].quote(at))
        if len(source_articles) == 1 and str(fact.value) not in source_articles:
            other = next(iter(source_articles))
            return FactCheck(fact.kind, fact.text, False, "text", f"the source cites Article {other}", contradicts=True)
    elif fact.kind == "amount":
        for where in ("title", "text"):
            digits = re.sub(r"(?<=\d)[\s\u00a0\u202f.,](?=\d{3}\b)", "", fields[where].text)
            m = re.search(rf"(?<!\d){fact.value}(?!\d)", digits)  # 73840 is not in 173840
            at = m.start() if m else -1
            if at >= 0:
                return FactCheck(fact.kind, fact.text, True, where, " ".join(digits[max(0, at - 80): at + 80].split()))
    elif fact.kind == "place":
        for where in ("title", "text"):
            at = fields[where].text.lower().find(str(fact.value))
            if at < 0:
                at_word = fields[where].find_name(fact.text)
                at = at_word if at_word is not None else -1
            if at >= 0:
                return FactCheck(fact.kind, fact.text, True, where, fields[where].quote(at))
    return check


def _check_date(fact: Fact, fields: dict[str, _Index], source: Source, year: int) -> FactCheck:
    day = cast(DateSpan, fact.value).start  # a date fact's value is its span
    if source.published and source.published[:10] in (day.isoformat(), _next(day)):
        return FactCheck(fact.kind, fact.text, True, "metadata", f"published {source.published[:10]}")
    for where in ("title", "text"):
        for span in dates_in_text(fields[where].text, day.year):
            if span.start == day:
                at = fields[where].text.find(span.text)
                return FactCheck(fact.kind, fact.text, True, where, fields[where].quote(max(at, 0)))
    return FactCheck(fact.kind, fact.text, False)


def _next(day: date) -> str:
    from datetime import timedelta

    return (day + timedelta(days=1)).isoformat()


def _verdict(all_checks: list[FactCheck], has_text: bool) -> ClaimVerdict:
    """The verdict, and a reason built from the same fact checks the output shows, so the two never disagree.
    The entry's own date counts when the source states it and is left out when it does not (a soft fact)."""
    checks = [c for c in all_checks if c.found or not c.soft]
    if not checks:  # nothing else to go by: the source states none of the claim, as before
        return _judged("unsupported", "the source does not state the claim's only fact, the entry's date", all_checks)
    if any(c.contradicts for c in checks):
        bad = next(c for c in checks if c.contradicts)
        return _judged("contradicted", f"the source disagrees on {bad.kind} {bad.text!r} ({bad.quote})", all_checks)
    key_checks = [c for c in checks if c.kind in KEY_KINDS] or checks
    found = [c for c in key_checks if c.found]
    people = [c for c in checks if c.kind == "person"]
    if not found and not any(c.found for c in checks):
        return _judged("unsupported", "none of the claim's facts appear in the source", all_checks)
    if people and all(c.found for c in people) and len(found) == len(key_checks):
        return _judged("supported", "the people and the key facts are in the source", all_checks)
    if not people and len(found) == len(key_checks):
        return _judged("supported", "the claim's key facts are in the source", all_checks)
    if not found:
        return _judged("unsupported", "only lesser facts are in the source, not the key ones (people, period, article, "
                       "amount)", all_checks)
    return _judged("partly-supported", "some of the claim's key facts are not in the source", all_checks)


def _judged(verdict: str, lead: str, checks: list[FactCheck]) -> ClaimVerdict:
    """`lead`, then what was found and what was not, read off the fact checks themselves."""
    found = [c.text for c in checks if c.found]
    absent = [c.text for c in checks if not c.found and not c.contradicts]
    if verdict != "unsupported" and any(c.soft and not c.found for c in checks):
        lead += " (the entry's date, not in the source, is not counted against it)"
    parts = [lead] + ([f"found: {', '.join(found)}"] if found else []) + (
        [f"not found: {', '.join(absent)}"] if absent else [])
    return ClaimVerdict(verdict, "; ".join(parts), checks)
