"""Which archived copy a footnote is offered (issue 14's "done" case): the closest before the reference date that
is alive and supports the claim, the others listed with why they were passed over."""

from __future__ import annotations

from datetime import date

from linkvault.archive.webarchives.choice import choose, in_order
from linkvault.model import Candidate, CopyVerdict, ReferenceDate

URL = "https://kaztag.kz/ru/news/x"


def _candidate(when: str, archive: str = "web.archive.org") -> Candidate:
    stamp = when.replace("-", "").replace("T", "").replace(":", "").rstrip("Z")
    return Candidate(URL, archive, f"https://{archive}/web/{stamp}/{URL}", when, "cdx")


def _judged(candidate: Candidate, state: str | None, detail: str = "", claim: str | None = None) -> CopyVerdict:
    return CopyVerdict(candidate, state=state, detail=detail or None, claim=claim)


def test_the_done_case_offers_the_article_behind_a_soft_404_and_a_redirect_and_says_why():
    april_4 = ReferenceDate(date(2024, 4, 4), "entry date")
    ordered = in_order([_candidate("2024-04-01T09:12:33Z"), _candidate("2024-04-03T10:15:00Z"),
                        _candidate("2024-04-02T08:00:00Z"), _candidate("2024-04-06T00:00:00Z")], april_4)
    assert [c.memento_at[:10] for c in ordered] == ["2024-04-03", "2024-04-02", "2024-04-01", "2024-04-06"]
    verdicts = choose([
        _judged(ordered[0], "soft-404", 'the page answers 200 but says it is not found ("Страница не найдена")'),
        _judged(ordered[1], "redirected-to-homepage", "redirected to https://kaztag.kz/ (site front page)"),
        _judged(ordered[2], "ok", claim="supported"),
        CopyVerdict(ordered[3])])
    assert [(v.candidate.memento_at[:10], v.choice, v.rank) for v in verdicts] == [
        ("2024-04-01", "offered", 0), ("2024-04-03", "passed-over", 1), ("2024-04-02", "passed-over", 2),
        ("2024-04-06", "not-fetched", 3)]
    assert verdicts[1].reason == 'the page answers 200 but says it is not found ("Страница не найдена")'
    assert verdicts[2].reason == "redirected to https://kaztag.kz/ (site front page)"  # the state is its own field
    assert verdicts[3].reason == "not fetched: a closer copy was valid"


def test_a_live_copy_that_does_not_support_the_claim_is_listed_first_among_the_passed_over_but_never_offered():
    ordered = in_order([_candidate("2024-04-03T00:00:00Z"), _candidate("2024-04-01T00:00:00Z")],
                       ReferenceDate(date(2024, 4, 4), "entry date"))
    verdicts = choose([_judged(ordered[0], "ok", claim="unsupported"), _judged(ordered[1], "not-found", "HTTP 404")])
    assert [v.choice for v in verdicts] == ["passed-over", "passed-over"]
    assert verdicts[0].reason == "alive, but it does not support the claim"
    assert all(v.choice != "offered" for v in verdicts)


def test_a_copy_after_the_reference_date_is_offered_only_when_none_before_is_valid():
    ordered = in_order([_candidate("2024-04-05T00:00:00Z"), _candidate("2024-04-02T00:00:00Z")],
                       ReferenceDate(date(2024, 4, 4), "report date"))
    verdicts = choose([_judged(ordered[0], "parked-domain", "the domain shows a parking page"),
                       _judged(ordered[1], "ok", claim="not-checked")])
    assert [(v.candidate.memento_at[:10], v.choice) for v in verdicts] == [("2024-04-05", "offered"),
                                                                        ("2024-04-02", "passed-over")]


def test_without_a_reference_date_the_newest_copy_is_tried_first_and_a_uri_m_listed_twice_once():
    twice = _candidate("2024-04-02T00:00:00Z")
    ordered = in_order([_candidate("2023-01-01T00:00:00Z"), twice, twice], ReferenceDate(None))
    assert [c.memento_at[:4] for c in ordered] == ["2024", "2023"]
