"""Drift per claim on the fake web: each source fetched, changed, fetched again (`fetch --refresh`), and judged by
`drift_for` as the recheck run calls it after a re-capture."""

from __future__ import annotations

import pytest
from drift_site import EDITED, NUMBERS, REPLACED, REPORT, SIDEBAR, TELEGRAM, first_routes, later_routes

import linkvault
from linkvault.archive import FetchOptions
from linkvault.claims.drift import (
    CHANGED,
    PAGE_REPLACED,
    PASSAGE_GONE,
    UNCHANGED,
    Drift,
    drift_findings,
    judge_drift,
    replaced,
)
from linkvault.claims.match import Source
from linkvault.model import Citation, Severity
from linkvault.parsing import parse_report
from linkvault.vault import Vault
from linkvault.vault.drifts import drift_for


def fetch_twice(web, tmp, later: dict | None) -> tuple[str, str]:
    """(vault, report): REPORT fetched as its sources first stood, then (with `later`'s routes) fetched again as
    `fetch --refresh` does; with `later` None, only the first time."""
    report = tmp / "chronicle.txt"
    report.write_text(REPORT, encoding="utf-8")
    with web.isolated():
        opts = FetchOptions(proxy=web.proxy_url, ca_bundle=web.ca_pem_path, retries=0, timeout=5.0)
        web.add_routes(first_routes())
        linkvault.fetch([report], tmp / "vault", opts)
        if later is not None:
            web.add_routes(later)
            linkvault.fetch([report], tmp / "vault", opts, refresh=True)
    return str(tmp / "vault"), str(report)


@pytest.fixture(scope="module")
def refetched(fakeweb_session, tmp_path_factory):
    """(vault, report): the report fetched as its sources first stood, then again after they changed."""
    return fetch_twice(fakeweb_session, tmp_path_factory.mktemp("drift"), later_routes())


@pytest.fixture(scope="module")
def drifts(refetched) -> dict[str, Drift]:
    """Each footnote's drift at its newest capture, as the recheck run gets it (and stores it)."""
    vault_dir, report_path = refetched
    report = parse_report(report_path)
    found = {}
    with Vault(vault_dir) as vault:
        for note in report.footnotes:
            newest = vault.capture_ids_of(note.urls[0])[-1]
            drift = drift_for(vault, report, note.label, newest)
            assert drift is not None, note.label
            found[note.label] = drift
    return found


def test_each_source_was_captured_twice_and_the_pages_did_change(refetched):
    vault_dir, _ = refetched
    with Vault(vault_dir, read_only=True) as vault:
        for url in (EDITED, SIDEBAR, REPLACED, TELEGRAM, NUMBERS):
            first, later = (vault.capture(i) for i in vault.capture_ids_of(url))
            assert first["payload_digest"] != later["payload_digest"], url  # even the sidebar's page differs


def test_an_article_whose_supporting_paragraph_is_edited_away_has_lost_its_passage(drifts):
    drift = drifts["1"]
    assert drift.state == PASSAGE_GONE, drift
    assert drift.facts_lost == ("Article 274",)
    assert "по статье 274 УК РК" in drift.passage_then and drift.passage_now == ""
    assert drift.url == EDITED and drift.first_capture < drift.capture and drift.line == 3


def test_a_changed_related_links_box_is_no_drift_in_what_the_claim_relies_on(drifts):
    drift = drifts["2"]
    assert drift.state in (UNCHANGED, CHANGED), drift
    assert "Динаре Мурзахметовой" in drift.passage_then and drift.passage_now == drift.passage_then
    assert drift.facts_lost == ()


def test_an_article_answered_by_the_sites_front_page_is_a_page_replaced(drifts):
    drift = drifts["3"]
    assert drift.state == PAGE_REPLACED, drift
    assert drift.similarity < 0.10 and drift.words_now <= 0.15 * drift.words_then
    assert "Жумагалиева" in drift.passage_then


def test_a_telegram_post_deleted_between_the_captures_has_lost_its_passage(drifts, refetched):
    drift = drifts["4"]
    assert drift.state == PASSAGE_GONE, drift
    assert "Tilegenov" in drift.facts_lost and "Тілегеновті" in drift.passage_then
    with Vault(refetched[0], read_only=True) as vault:
        assert vault.capture(drift.capture)["state"] == "deleted-post"


def test_numbers_changed_in_the_passage_are_facts_that_now_differ(drifts):
    drift = drifts["5"]
    assert drift.state == PASSAGE_GONE, drift
    assert set(drift.facts_lost) == {"184600 tenge", "Article 489"}
    assert "184 600 тенге" in drift.passage_then and "92 300 тенге" in drift.passage_now  # what remains, shown


def test_drifts_are_stored_once_per_footnote_and_capture_and_read_back(drifts, refetched):
    vault_dir, report_path = refetched
    report = parse_report(report_path)
    with Vault(vault_dir) as vault:
        drift_for(vault, report, "1", drifts["1"].capture)  # judged again: the row replaced, not doubled
        stored = vault.drifts_of(report_path)
    assert [(d.label, d.state) for d in stored] == [(label, d.state) for label, d in drifts.items()]
    assert stored[0].facts_lost == ("Article 274",) and stored[0].first_at and stored[0].now_at
    assert stored == list(drifts.values())


def test_no_drift_without_a_later_capture_of_the_page(refetched):
    vault_dir, report_path = refetched
    report = parse_report(report_path)
    with Vault(vault_dir, read_only=True) as vault:
        first = vault.capture_ids_of(EDITED)[0]
        assert drift_for(vault, report, "1", first) is None  # nothing before the first capture
        assert drift_for(vault, report, "2", vault.capture_ids_of(EDITED)[-1]) is None  # another footnote's URL


def test_a_login_wall_on_the_later_capture_is_no_drift(fakeweb_session, tmp_path):
    """A wall is not the page changing: nothing is judged, so no later run degrades what was judged before."""
    from fakeweb.server import url_key
    from fakeweb.sites import facebook_login_wall

    vault_dir, report = fetch_twice(fakeweb_session, tmp_path, {url_key(SIDEBAR): facebook_login_wall()})
    with Vault(vault_dir) as vault:
        later = vault.capture_ids_of(SIDEBAR)[-1]
        assert vault.capture(later)["category"] == "restricted"
        assert drift_for(vault, parse_report(report), "2", later) is None
        assert vault.drifts_of(report) == []


def test_passage_gone_and_page_replaced_are_errors_and_an_intact_passage_is_none(drifts):
    findings = list(drift_findings(drifts.values()))
    assert {(f.number, f.kind) for f in findings} == {
        (1, "passage-gone"), (3, "page-replaced"), (4, "passage-gone"), (5, "passage-gone")}
    assert all(f.severity == Severity.ERROR for f in findings)
    died = list(drift_findings([], {"4": (9, "deleted-post since 2026-11-30")}))
    assert [(f.kind, f.number, f.line, f.severity) for f in died] == [("source-died", 4, 9, Severity.ERROR)]


# -- the judge alone, on small texts -----------------------------------------------------------------

CLAIM = Citation("1", 3, "April 3, Kyzylorda, activist Kassymov Zh. was fined 184600 tenge under Article 488",
                 "April 3, Kyzylorda, activist Kassymov Zh. was fined 184600 tenge under Article 488")
PASSAGE = "Суд оштрафовал активиста Жандоса Касымова на 184 600 тенге по статье 488 КоАП."
OTHER = ["Активист не согласен с решением суда и намерен его обжаловать в областном суде.",
         "В полиции от комментариев отказались, сославшись на тайну следствия."]


def _source(*paragraphs: str) -> Source:
    return Source("https://www.azattyq.org/a/1.html", title="Активиста оштрафовали", text="\n".join(paragraphs))


def test_a_correction_elsewhere_on_the_page_is_changed_with_the_passage_intact():
    drift = judge_drift(CLAIM, 2024, _source(PASSAGE, *OTHER), _source(PASSAGE, OTHER[0], "Материал дополнен."))
    assert drift.state == CHANGED and drift.passage_now == PASSAGE and "intact" in drift.detail


def test_the_same_text_is_unchanged():
    drift = judge_drift(CLAIM, 2024, _source(PASSAGE, *OTHER), _source(PASSAGE, *OTHER))
    assert (drift.state, drift.similarity) == (UNCHANGED, 1.0)


def test_alnoamanys_rule_needs_both_a_low_similarity_and_a_drop_of_85_percent():
    assert replaced(0.09, 100, 15) and not replaced(0.09, 100, 16) and not replaced(0.10, 100, 5)
    assert not replaced(0.0, 0, 0)  # nothing to compare is no replacement


def test_the_html_fragment_shows_what_was_removed_beside_what_remains_and_escapes_the_pages(drifts):
    from linkvault.render.drift import drift_html, drift_line, drift_object

    page = drift_html(drifts["5"])
    assert "<del>184 600</del>" in page and "<ins>92 300</ins>" in page
    hostile = "<script>alert(1)</script><img src=x onerror=alert(1)>"
    evil = Drift(PASSAGE_GONE, f"gone {hostile} \x1b[2J", 0.5, 10, 5, f"Было {hostile}", f"Стало {hostile}",
                 (hostile,), "1", "https://example.kz/a")
    fragment = drift_html(evil)
    assert "<script" not in fragment and "<img" not in fragment and "&lt;script&gt;" in fragment
    assert "\x1b" not in drift_line(evil) and "\\e[2J" in drift_line(evil)
    assert drift_object(drifts["1"])["facts_lost"] == ["Article 274"]


# -- verify shows the drift of every source captured more than once -----------------------------------


def test_verify_shows_each_drift_in_every_format_and_fails_on_the_passages_gone(refetched, runner):
    import csv
    import io
    import json

    from test_output_schema import errors

    from linkvault.cli import cli

    vault_dir, report_path = refetched
    base = ["--vault", vault_dir, "verify", report_path, "--format"]
    out = {fmt: runner.invoke(cli, [*base, fmt]) for fmt in ("json", "table", "csv", "markdown", "html")}
    assert {fmt: r.exit_code for fmt, r in out.items()} == dict.fromkeys(out, 1)  # passage-gone is an error
    data = json.loads(out["json"].stdout)
    assert errors(data, "verify") == []
    drifts = {f["number"]: f["claim"]["drift"] for f in data["footnotes"]}
    assert {n: d["state"] for n, d in drifts.items()} == {
        1: "passage-gone", 2: "unchanged", 3: "page-replaced", 4: "passage-gone", 5: "passage-gone"}
    assert drifts[5]["facts_lost"] and "92 300" in drifts[5]["passage_now"]
    assert {(f["number"], f["kind"]) for f in data["findings"] if f["kind"] in ("passage-gone", "page-replaced")} == {
        (1, "passage-gone"), (3, "page-replaced"), (4, "passage-gone"), (5, "passage-gone")}
    table = out["table"].output
    assert "Drift since each source was first archived:" in table and "![3] page-replaced" in table
    assert "passage-gone" in table.split("Drift since")[1]
    rows = {r["number"]: r for r in csv.DictReader(io.StringIO(out["csv"].output))}
    assert rows["2"]["drift"] == "unchanged" and rows["1"]["drift"] == "passage-gone" and rows["1"]["drift_detail"]
    assert "**Drift since each source was first archived:**" in out["markdown"].output
    page = out["html"].output
    assert 'class="drift drift-passage-gone"' in page and "<del>" in page and "<ins>92 300</ins>" in page


def test_verify_of_sources_captured_once_shows_no_drift(fakeweb_session, tmp_path):
    vault_dir, report = fetch_twice(fakeweb_session, tmp_path, None)
    verified = linkvault.verify(report, vault_dir)
    assert verified.claims and all(c.drift is None for c in verified.claims)
    assert not any(f.kind in ("passage-gone", "page-replaced") for f in verified.findings)


def test_verify_calls_a_source_first_archived_alive_and_now_dead_a_source_that_died(fakeweb_session, tmp_path):
    from fakeweb.server import not_found, url_key

    vault_dir, report = fetch_twice(fakeweb_session, tmp_path, {url_key(EDITED): not_found(*url_key(EDITED))})
    # dead at once: this pins the died finding (a 404 seen once is failing: tests/test_failing_verdict.py)
    verified = linkvault.verify(report, vault_dir, rules=linkvault.HistoryRules(dead_after=1))
    claim = next(c for c in verified.claims if c.label == "1")
    assert claim.drift is None  # a 404 shows nothing of the page: no drift, its verdict speaks
    [died] = [f for f in verified.findings if f.kind == "source-died"]
    assert (died.number, died.line, died.severity) == (1, 3, Severity.ERROR) and "not-found" in died.message
    assert not any(f.kind == "source-died" and f.number != 1 for f in verified.findings)


def test_a_page_fetched_again_unchanged_is_a_revisit_and_reads_unchanged(fakeweb_session, tmp_path):
    """A re-check of a page that did not change stores a revisit record; its drift is `unchanged`, never a passage
    gone for want of a payload."""
    vault_dir, report_path = fetch_twice(fakeweb_session, tmp_path, {})
    report = parse_report(report_path)
    with Vault(vault_dir) as vault:
        states = {}
        for note in report.footnotes:
            newest = vault.capture_ids_of(note.urls[0])[-1]
            states[note.label] = drift_for(vault, report, note.label, newest).state
        assert vault.capture(vault.capture_ids_of(EDITED)[-1])["revisit_of"]
    assert states == dict.fromkeys(("1", "2", "3", "4", "5"), UNCHANGED)


def test_a_long_post_its_site_says_was_deleted_is_passage_gone_not_page_replaced():
    """Telegram answers a deleted post with the channel card: a few words, nothing like the post. By the word count
    alone that is another page; but the site says the post was deleted, so the passage went with it."""
    post = _source(PASSAGE, *OTHER, *OTHER)
    card = Source("https://www.azattyq.org/a/1.html", title="Telegram: Contact @azattyq", text="azattyq 4 210 subscribers")
    assert judge_drift(CLAIM, 2024, post, card).state == PAGE_REPLACED
    drift = judge_drift(CLAIM, 2024, post, card, deleted=True)
    assert drift.state == PASSAGE_GONE and "Article 488" in drift.facts_lost and drift.passage_now == ""
