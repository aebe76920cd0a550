"""`verify` on a realistic chronicle: Russian and Kazakh sources fetched from the fake web, verdicts labelled by hand."""

from __future__ import annotations

import json

import pytest
from claims_site import CLAIM_ERRORS, EXPECTED, REPORT, WRONG_LINKS, routes

import linkvault
from linkvault.archive import FetchOptions
from linkvault.reviewing import verify


@pytest.fixture(scope="module")
def fetched(fakeweb_session, tmp_path_factory):
    """(vault, report): the report fetched once into a vault; the routes are dropped afterwards."""
    tmp = tmp_path_factory.mktemp("claims")
    report = tmp / "chronicle.txt"
    report.write_text(REPORT, encoding="utf-8")
    with fakeweb_session.isolated() as web:
        web.add_routes(routes())
        opts = FetchOptions(proxy=web.proxy_url, ca_bundle=web.ca_pem_path, retries=0, timeout=5.0)
        linkvault.fetch([report], tmp / "vault", opts)
        yield str(tmp / "vault"), str(report)


@pytest.fixture(scope="module")
def verified(fetched):
    return verify(*fetched)


def _verdicts(verified) -> dict[int, str]:
    return {c.number: c.result.verdict for c in verified.claims}


def test_every_footnote_is_checked_once(verified):
    assert sorted(_verdicts(verified)) == sorted(EXPECTED)


@pytest.mark.parametrize("number", sorted(EXPECTED))
def test_verdict(verified, number):
    claim = next(c for c in verified.claims if c.number == number)
    want = EXPECTED[number]
    facts = [(f.kind, f.text, f.found, f.where) for f in claim.result.facts]
    assert claim.result.verdict in (want if isinstance(want, set) else {want}), (claim.result.reason, facts)


def test_wrong_link_precision_and_recall(verified):
    flagged = {f.number for f in verified.findings if f.kind == "wrong-link"}
    hits = flagged & WRONG_LINKS
    precision = len(hits) / len(flagged) if flagged else 1.0
    recall = len(hits) / len(WRONG_LINKS)
    # Counting a contradicted claim whose link is right (a typo in the report) as a fair alarm.
    lenient = len(flagged & (WRONG_LINKS | CLAIM_ERRORS)) / len(flagged) if flagged else 1.0
    print(f"\nwrong-link: flagged {sorted(flagged)}; precision {precision:.2f} (with claim errors {lenient:.2f}), "
          f"recall {recall:.2f} of {sorted(WRONG_LINKS)}")
    # Floors: every flag must point at a real problem (a wrong link or a sentence its source
    # contradicts), and only wrong link [20] may be missed: its sentence has a single checkable
    # fact, and one fact is too little to call a link wrong. The typo [12] is knowingly counted
    # against strict precision: verify cannot tell a wrong article number in the report from a
    # link to another case, so strict precision is 7/8 at best on this set.
    assert lenient == 1.0
    assert precision >= 0.85
    assert recall >= 6 / 7
    assert 20 not in flagged and any(f.kind == "weak-support" and f.number == 20 for f in verified.findings)


def test_the_found_facts_quote_the_source(verified):
    claims = {c.number: c for c in verified.claims}
    amount = next(f for f in claims[5].result.facts if f.kind == "amount")
    assert amount.found and "258440" in amount.quote
    person = next(f for f in claims[2].result.facts if f.kind == "person")
    assert person.found and "Қасымов" in person.quote
    assert {f.text for f in claims[24].result.facts if f.kind == "person"} == {"Akkenzhenov", "Adilbekov"}


def test_a_late_source_is_noted_by_the_offline_check(verified):
    [note] = [f for f in verified.findings if f.kind == "source-date"]
    assert note.number == 14 and "28 days after" in note.message


def test_cli_verify_json(fetched, runner):
    from linkvault.cli import cli

    vault, report = fetched
    result = runner.invoke(cli, ["--vault", vault, "verify", report, "--format", "json"])
    assert result.exit_code == 1, result.output  # wrong links are errors
    data = json.loads(result.stdout)
    assert data["report"] == report
    assert sum(data["summary"]["by_verdict"].values()) == len(EXPECTED)
    assert {f["number"] for f in data["findings"] if f["kind"] == "wrong-link"} >= WRONG_LINKS - {20}
    claims = {c["number"]: c["claim"] for c in data["footnotes"] if c["claim"]}
    assert set(claims) == set(EXPECTED)
    for claim in claims.values():
        assert claim["text"] and claim["verdict"] and claim["reason"]
        assert all(set(f) >= {"kind", "text", "status", "found", "where", "quote"} for f in claim["facts"])
    amount = next(f for f in claims[5]["facts"] if f["kind"] == "amount")
    assert amount["found"] and amount["status"] == "found" and amount["where"] == "text" and "258440" in amount["quote"]
    assert claims[15]["verdict"] == "not-checked" and claims[8]["verdict"] == "contradicted"
    assert {f["status"] for f in claims[15]["facts"]} == {"not-checked"}  # no text to look in: not "not found"


def test_verify_html_escapes_the_report_and_the_pages_and_runs_nothing(tmp_path):
    """Claims come from the report and quotes from fetched pages: both hostile, both shown as text."""
    from chromium import CHROMIUM, dump_dom

    from linkvault.claims.match import ClaimVerdict, FactCheck
    from linkvault.model import CheckResult, Report
    from linkvault.render.claims import render_claims
    from linkvault.reviewing import ClaimResult, Verification

    hostile = "</title><script>document.title='PWNED'</script><img src=x onerror=\"document.title='PWNED'\">"
    result = ClaimVerdict("contradicted", f"the page says {hostile}",
                          [FactCheck("person", f"Иванов {hostile}", True, "text", quote=f"… {hostile} …")])
    report = Report(path=str(tmp_path / "r.txt"), format="txt", citations=[], entries=[])
    verification = Verification(report=hostile, check=CheckResult(report, []),
                                claims=[ClaimResult(1, "1", 3, f"Claim {hostile}", "https://example.kz/a", result)])
    page = render_claims(verification, "html")
    assert page.count("<script") == 1 and "<img" not in page and "onerror=\"" not in page  # only its own filter
    # title, path, claim, fact, quote, reason, and the wrong-link finding quoting the reason: all shown, none run
    assert page.count("&lt;script&gt;") == 7
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    out = tmp_path / "verify.html"
    out.write_text(page, encoding="utf-8")
    dom = dump_dom(out, tmp_path / "profile")
    assert dom.split("<title>", 1)[1].startswith("linkvault verify: ")  # a script that ran would have set 'PWNED'
    assert "<img" not in dom and "&lt;script&gt;document.title" in dom
