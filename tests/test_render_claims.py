"""`verify`'s HTML page in a real headless Chromium: the review page's links, summary and filters, "not checked"
told apart from "not found" in words and in looks, and hostile report and page text shown, never run."""

from __future__ import annotations

import re

import pytest
from chromium import CHROMIUM, SKIP_REASON, dump_dom, probe
from review_rows import review_row
from test_render_review import AT, WARC, _Tags

from linkvault.claims.facts import claim_facts
from linkvault.claims.match import Source, check_claim
from linkvault.findings import check_report
from linkvault.model import Link
from linkvault.parsing import parse_text
from linkvault.render.claims import render_claims
from linkvault.reviewing import Review, judge_claims
from linkvault.vault import Vault

HOSTILE = "</title><script>document.title='PWNED'</script><img src=x onerror=\"document.title='PWNED'\">"
HOSTILE_REPORT = 'reports/"><script>document.title="PWNED"</script>.txt'
ADILBEKOV = "https://kaztag.kz/ru/news/zhurnalista-daniyara-adilbekova-doprosili"
DEAD = "https://kaztag.kz/ru/news/udalennaya-novost"
ROADS = "https://orda.kz/v-almaty-nachalsya-remont-dorog-392305/"
KASYMOV = "https://vlast.kz/novosti/60112-sud.html"
TEXT = f"""On April 13, Adilbekov D., a journalist, was detained in Astana[1].
April 15, Almaty, the court fined activist Nurkenov B. 258,440 tenge[2].
April 16, Shymkent, blogger Abdikov E. was summoned to the police[3].
April 18, Astana, Kasymov A. said {HOSTILE}[4]. April 19[5].

[1] {ADILBEKOV}
[2] {DEAD}
[3] {ROADS}
[4] {KASYMOV}
"""
# What each source's archived text says (the dead link has none).
SOURCES = {
    ADILBEKOV: ("Журналиста Адилбекова допросили", "Журналиста Данияра Адилбекова задержали в Астане 20 апреля."),
    ROADS: ("В Алматы начался ремонт дорог", "Ремонт дорог на проспекте аль-Фараби продлится до осени."),
    KASYMOV: (f"Касымов {HOSTILE}", f"Активист Асхат Касымов заявил: {HOSTILE}"),
}


def _row(n: int, url: str | None) -> Link:
    if url is None:
        return review_row(n, str(n), 4, None, None, "missing", "missing-footnote",
                         "cited in the text but the footnote list has no entry for it")
    if url == DEAD:
        return review_row(n, str(n), 6 + n, url, "kaztag.kz", "dead", "not-found", "the page does not exist (HTTP 404)",
                         404, url, None, AT, WARC, 900 * n)
    return review_row(n, str(n), 6 + n, url, url.split("/")[2], "alive", "ok", "archived", 200, url, SOURCES[url][0],
                     AT, WARC, 900 * n)


def make_verification(tmp_path, path: str = "reports/chronicle.txt"):
    """The claims judged for real: facts from the sentences, looked up in the texts archived in a vault."""
    check = check_report(parse_text(TEXT, path=path))
    rows = [_row(1, ADILBEKOV), _row(2, DEAD), _row(3, ROADS), _row(4, KASYMOV), _row(5, None)]
    vault = Vault(str(tmp_path / "vault"))
    for row in rows[:4]:
        vault.add_url(row.url)
        title, text = SOURCES.get(row.url, (None, None))
        row.capture.id = vault.add_capture(
            {"url": row.url, "fetched_at": AT, "final_url": row.url, "status": row.http_status, "role": "cited",
             "state": row.state, "category": row.category, "state_detail": row.detail, "warc_file": WARC,
             "warc_offset": row.warc_offset},
            {"title": title, "text": text, "published": "2024-04-20"} if text else None)
    vault.close()
    return judge_claims(Review(path, check, rows), str(tmp_path / "vault"))


def test_claims_are_judged_as_the_page_will_show_them(tmp_path):
    verdicts = {c.number: c.result.verdict for c in make_verification(tmp_path).claims}
    assert verdicts == {1: "supported", 2: "not-checked", 3: "unsupported", 4: "supported"}


def test_a_reason_never_contradicts_the_facts_shown_with_it():
    """Adilbekov is named, 13 April is not: the verdict stands on the key fact, the reason must not say all agree."""
    sentence = "On April 13, Adilbekov D., a journalist, was detained in Astana"
    verdict = check_claim(claim_facts(sentence, sentence, 2024),
                          Source(ADILBEKOV, *SOURCES[ADILBEKOV], published="2024-04-20"), 2024)
    facts = {f.text: f.status for f in verdict.facts}
    assert verdict.verdict == "supported" and facts["On April 13"] == "not-found"
    assert "agree" not in verdict.reason
    assert verdict.reason.endswith("not found: On April 13")


def test_every_reason_lists_what_was_and_was_not_found_as_the_facts_say(tmp_path):
    for claim in make_verification(tmp_path).claims:
        reason, facts = claim.result.reason, claim.result.facts
        if claim.result.verdict == "not-checked":
            assert reason.startswith("not checked") and {f.status for f in facts} <= {"not-checked"}
            continue
        found = re.search(r"found: ([^;]*)", reason.replace("not found:", "NOT:"))
        absent = re.search(r"not found: ([^;]*)$", reason)
        assert (found.group(1).split(", ") if found else []) == [f.text for f in facts if f.status == "found"]
        assert (absent.group(1).split(", ") if absent else []) == [f.text for f in facts if f.status == "not-found"]


def test_html_escapes_the_report_and_the_pages_and_has_only_its_own_script(tmp_path):
    page = render_claims(make_verification(tmp_path, HOSTILE_REPORT), "html")
    assert page.count("<script") == 1 and "<img" not in page and "onerror=\"" not in page
    assert "&lt;script&gt;document.title=&#x27;PWNED&#x27;&lt;/script&gt;" in page
    assert 'href="javascript' not in page


chromium = pytest.mark.skipif(CHROMIUM is None, reason=SKIP_REASON)


@pytest.fixture
def page(tmp_path):
    path = tmp_path / "verify.html"
    path.write_text(render_claims(make_verification(tmp_path, HOSTILE_REPORT), "html"), encoding="utf-8")
    return path


def _parsed(dom: str) -> _Tags:
    tags = _Tags()
    tags.feed(dom)
    return tags


@chromium
def test_html_in_chromium_has_the_review_pages_links_summary_and_filters_and_runs_nothing_injected(page, tmp_path):
    tags = _parsed(dump_dom(page, tmp_path / "profile"))
    body = dict(next(attrs for tag, attrs in tags.tags if tag == "body"))
    assert body.get("data-ready") == "1", "the filter script did not run"
    assert "".join(tags.text["title"]) == f"linkvault verify: {HOSTILE_REPORT}", "an injected script ran"
    assert not [tag for tag, _ in tags.tags if tag in ("img", "svg", "iframe")]
    rows = [dict(attrs)["data-cat"] for tag, attrs in tags.tags if tag == "tr" and "data-cat" in attrs]
    assert rows == ["supported", "not-checked", "unsupported", "supported", "missing"]
    links = [dict(attrs)["href"] for tag, attrs in tags.tags if tag == "a"]
    assert links == [ADILBEKOV, DEAD, ROADS, KASYMOV]
    boxes = [dict(attrs)["data-cat"] for tag, attrs in tags.tags if tag == "input" and "data-cat" in attrs]
    assert boxes == ["supported", "partly-supported", "unsupported", "contradicted", "not-checked", "missing"]
    text = "".join(chunk for chunks in tags.text.values() for chunk in chunks)
    for needle in ("5 footnotes: 3 alive, 1 dead; 1 cited with no source", "4 claims: 2 supported, 1 unsupported, "
                   "1 not-checked", "5 of 5 rows shown", f"{WARC} @ 900", HOSTILE, "the page does not exist (HTTP 404)"):
        assert needle in text, needle


@chromium
def test_html_in_chromium_filters_claims_by_verdict_from_the_fragment(page, tmp_path):
    dom = dump_dom(page, tmp_path / "profile", fragment="#category=not-checked,unsupported")
    rows = [(dict(a)["data-cat"], "hidden" in dict(a)) for t, a in _parsed(dom).tags if t == "tr" and "data-cat" in a]
    assert rows == [("supported", True), ("not-checked", False), ("unsupported", False), ("supported", True),
                    ("missing", True)]
    assert "2 of 5 rows shown" in dom


# Records, on every fact and claim row, what the reader sees: its words and its computed colours.
_LOOKS = """<script>(function(){var els=document.querySelectorAll('li.fact, tr[data-cat]');
for(var i=0;i<els.length;i++){var e=els[i],s=getComputedStyle(e),mark=e.querySelector('.status');
e.setAttribute('data-color',s.color);e.setAttribute('data-bg',s.backgroundColor);e.setAttribute('data-style',s.fontStyle);
if(mark){e.setAttribute('data-mark',mark.textContent);e.setAttribute('data-mark-color',getComputedStyle(mark).color);}}
})();</script>"""


@chromium
def test_html_in_chromium_shows_an_unchecked_fact_unlike_a_fact_not_found(page, tmp_path):
    tags = _parsed(probe(page, _LOOKS, tmp_path / "profile"))
    facts = [dict(attrs) for tag, attrs in tags.tags if tag == "li" and "data-mark" in attrs]
    rows = {dict(attrs)["data-cat"]: dict(attrs) for tag, attrs in tags.tags if tag == "tr" and "data-bg" in attrs}
    unchecked = [f for f in facts if "not-checked" in f["class"]]
    absent = [f for f in facts if "not-found" in f["class"]]
    assert unchecked and absent
    assert {f["data-mark"] for f in unchecked} == {"not checked"}
    assert {f["data-mark"] for f in absent} == {"not found"}
    looks = lambda f: (f["data-color"], f["data-mark-color"], f["data-style"])  # noqa: E731
    assert not {looks(f) for f in unchecked} & {looks(f) for f in absent}
    assert {f["data-style"] for f in unchecked} == {"italic"}
    assert rows["not-checked"]["data-bg"] not in (rows["unsupported"]["data-bg"], rows["contradicted"]["data-bg"]
                                                  if "contradicted" in rows else None)
    assert rows["not-checked"]["data-bg"] != rows["unsupported"]["data-bg"]


def test_text_formats_mark_an_unchecked_fact_apart_from_one_not_found(tmp_path):
    page = render_claims(make_verification(tmp_path), "markdown")
    assert "| 2 | not-checked | ?Nurkenov; ?April 15; ?258,440 tenge; ?Almaty |" in page
    assert "| 3 | unsupported | -Abdikov; -April 16 (the entry's date, not counted); -Shymkent |" in page.replace("\\", "")
    assert "? not checked" in page


def test_an_unsupported_reason_that_lists_a_found_fact_never_says_none_appear():
    """The example's [2]: only the day it was filed matched (the page's date), none of the people, article or place.
    "none of the key facts appear; found: April 1" read as a contradiction."""
    sentence = ("April 1, Kyzylorda, activist Bekmaganbetov Y. said the officer Bedelbaev A. made a report against "
                "him under Article 488")
    source = Source("https://www.facebook.com/groups/x/posts/3777964042522851/", "Правозащитники потребовали",
                    "Правозащитники потребовали освободить политического заключённого.", published="2024-04-01")
    verdict = check_claim(claim_facts(sentence, sentence, 2024), source, 2024)
    assert verdict.verdict == "unsupported"
    assert [f.text for f in verdict.facts if f.status == "found"] == ["April 1"]
    lead = verdict.reason.split("; found:")[0]
    assert "none" not in lead and "only" in lead, verdict.reason
