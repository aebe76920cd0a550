"""The offline claim check: dates in the citing sentence against dates the URL carries."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import linkvault
from linkvault.claims import dates_in_text, lead_date, period_in_text, url_dates


@pytest.mark.parametrize("text,start,end", [
    ("from March 28 to April 4, 2024", date(2024, 3, 28), date(2024, 4, 4)),
    ("from April 4 to April 11", date(2024, 4, 4), date(2024, 4, 11)),
    ("7–14 March 2024", date(2024, 3, 7), date(2024, 3, 14)),
    ("from 28 March to 4 April 2024", date(2024, 3, 28), date(2024, 4, 4)),
    ("с 7 по 14 марта 2024 года", date(2024, 3, 7), date(2024, 3, 14)),
    ("from December 28, 2023 to January 4, 2024", date(2023, 12, 28), date(2024, 1, 4)),
])
def test_periods_are_read_as_reports_write_them(text, start, end):
    span = period_in_text(text, 2024)
    assert (span.start, span.end) == (start, end)


@pytest.mark.parametrize("paragraph,day", [
    ("April 4, Almaty, overview", date(2024, 4, 4)), ("7 April, Kostanai, Musabaev K.", date(2024, 4, 7)),
    ("On April 13, Adilbekov D., journalist", date(2024, 4, 13)), ("29 April, Astana", date(2024, 4, 29)),
])
def test_a_chronicle_entry_is_dated_by_its_opening(paragraph, day):
    assert lead_date(paragraph, 2024).start == day


def test_single_dates_in_every_written_form():
    found = [d.start for d in dates_in_text("on March 14, 2024; as of 08.04.24; 28.03.2024; 17 мая 2023", 2024)]
    assert found == [date(2024, 3, 14), date(2024, 4, 8), date(2024, 3, 28), date(2023, 5, 17)]


@pytest.mark.parametrize("url,period,filed", [
    ("https://adilsoz.kz/weekly-monitoring/narusheniya-svobody-slova-v-kazahstane-s-7-po-14-marta-2024-g-.html",
     (date(2024, 3, 7), date(2024, 3, 14)), None),
    ("https://adilsoz.kz/x/s-28-marta-po-4-aprelya-2024", (date(2024, 3, 28), date(2024, 4, 4)), None),
    ("https://mediazona.ca/news/2024/05/04/adilbekov", None, date(2024, 5, 4)),
    ("https://kz.kursiv.media/2024-04-10/tksh-lgbt-zakon-yurist/", None, date(2024, 4, 10)),
    ("https://rus.azattyq.org/a/32887882.html", None, None),
])
def test_urls_tell_their_period_or_filing_date(url, period, filed):
    slug, day = url_dates(url, 2024)
    assert ((slug.start, slug.end) if slug else None) == period
    assert (day.start if day else None) == filed


def check(write, text):
    return linkvault.check(write("r.txt", text)).findings


def test_a_link_to_another_weeks_review_is_a_wrong_link(write):
    found = check(write, "April 4, Almaty, overview of the week from March 28 to April 4, 2024[1]\n\n"
                         "[1] https://adilsoz.kz/weekly-monitoring/narusheniya-s-7-po-14-marta-2024-g-.html\n")
    [wrong] = [f for f in found if f.kind == "wrong-link"]
    assert wrong.severity.value == "error" and "28 March – 4 April 2024" in wrong.message and "7–14 March 2024" in wrong.message


def test_the_right_weeks_review_is_not_a_wrong_link(write):
    found = check(write, "April 4, Almaty, overview from March 28 to April 4, 2024[1]\n\n"
                         "[1] https://adilsoz.kz/weekly-monitoring/narusheniya-s-28-marta-po-4-aprelya-2024-g-.html\n")
    assert not [f for f in found if f.kind in ("wrong-link", "entry-date", "source-date")]


def test_a_source_filed_weeks_after_the_event_is_noted(write):
    found = check(write, "On April 13, the journalist complained of pressure[1].\n\n[1] https://mediazona.ca/news/2024/05/04/adilbekov\n")
    [note] = [f for f in found if f.kind == "source-date"]
    assert note.severity.value == "info" and "21 days after" in note.message


def test_an_entry_citing_a_period_that_ends_later_is_noted(write):
    found = check(write, "April 18, Almaty, overview from April 18 to April 25, 2024[1]\n\n[1] https://adilsoz.kz/a\n")
    [note] = [f for f in found if f.kind == "entry-date"]
    assert "25 April 2024" in note.message


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_date_extraction_never_crashes(text):
    period_in_text(text, 2024)
    dates_in_text(text, 2024)
    lead_date(text, 2024)
    url_dates("https://example.kz/" + text, 2024)


@settings(max_examples=100, deadline=None)
@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 1)), st.integers(min_value=1, max_value=20))
def test_a_claim_against_its_own_period_is_never_contradicted(start, length):
    from datetime import timedelta

    end = start + timedelta(days=length)
    months = ["yanvarya", "fevralya", "marta", "aprelya", "maya", "iyunya", "iyulya", "avgusta", "sentyabrya",
              "oktyabrya", "noyabrya", "dekabrya"]
    slug = f"s-{start.day}-{months[start.month - 1]}-po-{end.day}-{months[end.month - 1]}-{end.year}"
    claim = f"{end:%B} {end.day}, overview from {start:%B} {start.day}, {start.year} to {end:%B} {end.day}, {end.year}[1]"
    report = linkvault.parse_text(f"{claim}\n\n[1] https://adilsoz.kz/weekly-monitoring/{slug}\n")
    from linkvault.findings import check_report

    assert not [f for f in check_report(report).findings if f.kind == "wrong-link"]


def test_the_adjacent_weeks_review_is_a_wrong_link_too(write):
    found = check(write, "April 11, Almaty, overview from April 4 to April 11, 2024[1]\n\n"
                         "[1] https://adilsoz.kz/weekly-monitoring/narusheniya-s-11-po-18-aprelya-2024-g-.html\n")
    assert [f.kind for f in found if f.kind == "wrong-link"] == ["wrong-link"]


chronicle_words = st.sampled_from([
    "April 4,", "Astana,", "Almaty,", "Adilbekov D.", "B. Nasyrkhanov", "Ugubaeva Sauletai", "Article 488, Part 7",
    "Articles 405, 258", "258440 tenge", "73,840 tenge", "from March 28 to April 4, 2024", "7–14 March 2024",
    "28.03.2024", "the court", "fined", "journalist", "of the Code of Administrative Offences of the RK", " ", ".",
])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(chronicle_words, st.text(max_size=12)), max_size=30).map(" ".join))
def test_a_claim_checked_against_its_own_text_is_never_contradicted(claim):
    from linkvault.claims.facts import claim_facts
    from linkvault.claims.match import Source, check_claim

    facts = claim_facts(claim, claim, 2024)
    verdict = check_claim(facts, Source("https://example.kz/a", title="", text=claim), 2024)
    assert verdict.verdict != "contradicted", verdict
