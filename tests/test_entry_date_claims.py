"""The chronicle entry's own date ("April 4, Astana, …") places the event in the report; it is not a fact the
source must state. The claim check counts it when the source states it and never holds it against the claim when
it does not, in `verify` and in `copies` alike (both run claims.match.claim_against)."""

from __future__ import annotations

import json

from review_rows import review_row
from test_render_review import AT, WARC

from linkvault.claims.facts import claim_facts
from linkvault.claims.match import Source, check_claim
from linkvault.findings import check_report
from linkvault.parsing import parse_text
from linkvault.render.claims import render_claims
from linkvault.reviewing import Review, judge_claims
from linkvault.vault import Vault

ARTICLE = "https://kaztag.kz/ru/news/sud-astany-arestoval-zhurnalista"
# An article of April 1 (the arrest); the entry of April 4 (the appeal announced) cites it.
TITLE, TEXT = "Суд Астаны арестовал журналиста", "Суд Астаны арестовал журналиста на два месяца, сообщили в суде."
ENTRY = "April 4, Astana, the defence said it would appeal against the two-month arrest"


def _verified(tmp_path, entry: str):
    report = f"Chronicle of April 2024\n\n{entry}[1].\n\n[1] {ARTICLE}\n"
    check = check_report(parse_text(report, path="chronicle.txt"))
    row = review_row(1, "1", 3, ARTICLE, "kaztag.kz", "alive", "ok", "archived", 200, ARTICLE, TITLE, AT, WARC, 900)
    with Vault(str(tmp_path / "vault")) as vault:
        vault.add_url(ARTICLE)
        row.capture.id = vault.add_capture(
            {"url": ARTICLE, "fetched_at": AT, "final_url": ARTICLE, "status": 200, "role": "cited", "state": "ok",
             "category": "alive", "state_detail": "archived", "warc_file": WARC, "warc_offset": 900},
            {"title": TITLE, "text": TEXT, "published": "2024-04-01"})
    return judge_claims(Review("chronicle.txt", check, [row]), str(tmp_path / "vault"))


def test_verify_does_not_hold_the_entry_s_date_against_a_source_that_does_not_state_it(tmp_path):
    verification = _verified(tmp_path, ENTRY)
    [claim] = verification.claims
    assert claim.result.verdict == "supported", claim.result.reason
    assert "the entry's date, not in the source, is not counted against it" in claim.result.reason
    [date] = [f for f in claim.result.facts if f.kind == "date"]
    assert (date.text, date.status, date.soft) == ("April 4", "not-found", True)
    out = json.loads(render_claims(verification, "json"))
    [fact] = [f for f in out["footnotes"][0]["claim"]["facts"] if f["kind"] == "date"]
    assert fact["soft"] is True and fact["status"] == "not-found"
    assert "-April 4 (the entry's date, not counted)" in render_claims(verification, "markdown").replace("\\", "")


def test_the_entry_s_date_stated_by_the_source_still_counts_as_support():
    entry = "April 1, the court arrested a journalist for two months"  # nothing else to check but the date
    facts = claim_facts(entry, entry, 2024)
    assert [(f.kind, f.soft) for f in facts] == [("date", True)]
    stated = check_claim(facts, Source(ARTICLE, TITLE, TEXT, published="2024-04-01"), 2024)
    assert stated.verdict == "supported" and stated.facts[0].found
    silent = check_claim(facts, Source(ARTICLE, TITLE, TEXT, published="2024-03-20"), 2024)
    assert silent.verdict == "unsupported"  # with no other fact the source still states none of the claim


def test_a_date_written_in_the_claim_itself_is_a_fact_the_source_must_state():
    entry = "April 4, Astana, the defence said the court had arrested the journalist on April 2"
    facts = {f.text: f.soft for f in claim_facts(entry, entry, 2024)}
    assert facts["April 4"] is True and facts["April 2"] is False
    verdict = check_claim(claim_facts(entry, entry, 2024), Source(ARTICLE, TITLE, TEXT, published="2024-04-01"), 2024)
    assert verdict.verdict == "partly-supported"  # April 2 is not in the article: that one counts
