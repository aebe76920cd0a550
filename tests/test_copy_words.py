"""The words `copies`, `show` and `report` say an archived copy in: archives by their names (never their hosts, a
user's --archive NAME as given), the date a source is cited as of in plain words, a passed-over copy's reason said
once, and a link with no copy saying both which archives answered without one and which could not be reached."""

from __future__ import annotations

from datetime import date

from linkvault.archive.webarchives.copies_run import copies_settings
from linkvault.archive.webarchives.lookups import DEFAULT_ARCHIVES, archive_name, service_name
from linkvault.model import Candidate, CopySearch, CopyVerdict, ReferenceDate, ServiceOutcome
from linkvault.model.copies import FOUND, NONE, PASSED_OVER, UNREACHED
from linkvault.render.copy_lines import copy_short, link_lines, reference_words

URL = "https://kaztag.kz/ru/news/x"
APRIL_4 = ReferenceDate(date(2024, 4, 4), "entry date")
LOC_DOWN = "the Library of Congress web archive could not be reached (webarchive.loc.gov dropped the connection)"


def _answered(*unreached: ServiceOutcome) -> list[ServiceOutcome]:
    return [ServiceOutcome("ia-cdx", NONE), ServiceOutcome("archive:arquivo.pt", NONE),
            ServiceOutcome("archive:archive.today", NONE), *unreached]


def test_archives_are_named_as_people_know_them_and_a_user_s_archive_by_its_name():
    assert [archive_name(h) for h in ("web.archive.org", "arquivo.pt", "archive.ph", "webarchive.loc.gov",
                                      "www.webarchive.org.uk", "wayback.archive-it.org")] == [
        "the Internet Archive", "Arquivo.pt", "archive.today", "the Library of Congress web archive",
        "the UK Web Archive", "Archive-It"]
    assert [service_name(s) for s in ("ia-cdx", "ia-memento", "archive:webarchive.loc.gov", "memgator")] == [
        "the Internet Archive", "the Internet Archive", "the Library of Congress web archive", "MemGator"]
    [mine] = [a for a in copies_settings([("Perma CC", "https://perma.example/timemap/")]).archives
              if a.key == "archive:perma cc"]
    assert (mine.name, mine.archive, archive_name(mine.archive)) == ("Perma CC", "Perma CC", "Perma CC")
    assert {a.archive for a in DEFAULT_ARCHIVES} == {"arquivo.pt", "archive.today", "webarchive.loc.gov",
                                                      "webarchive.org.uk", "archive-it.org"}  # what the vault keeps


def test_the_date_a_source_is_cited_as_of_reads_as_plain_words():
    assert reference_words(APRIL_4) == "cited as of 2024-04-04 (the entry's date)"
    assert reference_words(ReferenceDate(date(2024, 4, 30), "report date")) == "cited as of 2024-04-30 (the report's date)"
    assert reference_words(ReferenceDate(date(2024, 5, 1), "--as-of")) == "cited as of 2024-05-01 (--as-of)"
    assert reference_words(ReferenceDate(None)) == "cited with no date: the newest valid copy is offered"


def test_a_link_with_no_copy_while_an_archive_was_unreached_says_both_facts():
    search = CopySearch(URL, APRIL_4, _answered(ServiceOutcome("archive:webarchive.loc.gov", UNREACHED, detail=LOC_DOWN)))
    [(line, _)] = link_lines(search)
    assert line == ("no copy in the archives that answered (the Internet Archive, Arquivo.pt, archive.today); "
                    f"{LOC_DOWN} — a later run asks it again")
    assert copy_short(search) == ("copy: none in the archives that answered; the Library of Congress web archive "
                                  "could not be reached")
    nothing = CopySearch(URL, APRIL_4, [ServiceOutcome("ia-cdx", UNREACHED, detail="the Internet Archive could not be "
                                                                                   "reached (no network)")])
    assert link_lines(nothing)[0][0] == ("not known yet: the Internet Archive could not be reached (no network) — a "
                                         "later run asks it again")
    for said in (line, link_lines(nothing)[0][0], copy_short(nothing)):
        assert "none found" not in said and "no copy exists" not in said
    complete = CopySearch(URL, APRIL_4, _answered())
    assert link_lines(complete)[0][0] == ("none found: no copy in the archives asked (the Internet Archive, Arquivo.pt, "
                                          "archive.today)")


def test_a_passed_over_copy_says_its_reason_once_even_as_an_older_run_kept_it():
    candidate = Candidate(URL, "web.archive.org", f"https://web.archive.org/web/20240403081000/{URL}",
                          "2024-04-03T08:10:00Z", "cdx")
    kept = CopyVerdict(candidate, PASSED_OVER, "soft-404: the page answers 200 but says it is not found",
                       state="soft-404", category="dead", detail="the page answers 200 but says it is not found")
    search = CopySearch(URL, APRIL_4, [ServiceOutcome("ia-cdx", FOUND, 1)], [kept])
    assert link_lines(search)[0][0] == ("the Internet Archive 2024-04-03T08:10:00Z — passed over: the page answers 200 "
                                        "but says it is not found")
    assert link_lines(search)[-1][0] == "none found: no valid copy in the archives asked (the Internet Archive)"
