"""Drift per claim: is what a footnote relies on still on its page? A footnote's first capture's text read beside a
later capture's, and the claim that cites it.

States (`DRIFT_STATES`), the first that holds:
- `page-replaced`: a different page now answers at the address: the two texts' lexical cosine similarity (term
  counts) is below 0.10 and the later text has at least 85% fewer words (AlNoamany et al. 2016's rule);
- `passage-gone`: the supporting passage is no longer there, or its facts now differ. The passage is what the claim
  check (`claim_against`, the one `verify` runs) found first: the paragraphs of the first capture in which it found
  the claim's facts; a fact found first and not found now (or now contradicted) is a fact lost. A post its site
  says was deleted (a Telegram post's channel card) is this, never `page-replaced`, whatever its length;
- `unchanged`: the same title and text (whitespace aside);
- `changed`: the page changed, the passage and its facts did not (a sidebar, a correction elsewhere).

A claim whose facts the first capture did not hold has no passage: its page can be unchanged, changed or replaced.
`passage-gone` and `page-replaced` are error findings (`drift_findings`), as is a source its verdict calls dead or failing.

Pure: given texts, never a vault. The recheck run calls `linkvault.vault.drifts.drift_for(vault, report, label,
capture_id)` after each re-capture: it reads the footnote's first capture and `capture_id`, judges them here, and
stores the `drifts` row (None when there is nothing to compare; see there).
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping

from rapidfuzz import fuzz

from linkvault.claims.facts import claim_facts
from linkvault.claims.match import KEY_KINDS, Source, check_claim
from linkvault.model import Citation, Finding, Report, Severity, label_number
from linkvault.model.drift import ATTENTION, CHANGED, DRIFT_STATES, PAGE_REPLACED, PASSAGE_GONE, UNCHANGED, Drift
from linkvault.parsing.dates import report_year

REPLACED_SIMILARITY = 0.10  # AlNoamany et al. 2016: cosine below this …
REPLACED_DROP = 0.85  # … and a word count down by at least this much
KEPT_RATIO = 85  # a passage paragraph is still there when a later one is this alike (rapidfuzz ratio, 0-100)
SHOWN_RATIO = 60  # a later paragraph this alike is what remains of it, shown beside it
_WORD = re.compile(r"\w+")
__all__ = ["ATTENTION", "CHANGED", "DRIFT_STATES", "Drift", "PAGE_REPLACED", "PASSAGE_GONE", "UNCHANGED", "claim_of", "claims_of",
           "cosine", "drift_findings", "judge_drift", "replaced", "word_diff", "words"]


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def cosine(a: list[str], b: list[str]) -> float:
    """Cosine similarity of two texts' term counts (0 when either has no words). Words of one or two letters are
    left out: mostly prepositions and conjunctions (в, на, и, of, in), which two unrelated pages share."""
    ca, cb = Counter(w for w in a if len(w) > 2), Counter(w for w in b if len(w) > 2)
    dot = sum(n * cb[w] for w, n in ca.items() if w in cb)
    norm = math.sqrt(sum(n * n for n in ca.values())) * math.sqrt(sum(n * n for n in cb.values()))
    return dot / norm if norm else 0.0


def replaced(similarity: float, words_then: int, words_now: int) -> bool:
    """AlNoamany's rule: another page answers (similarity below 0.10 and 85% or more of the words gone)."""
    return words_then > 0 and similarity < REPLACED_SIMILARITY and words_now <= words_then * (1 - REPLACED_DROP)


def claim_of(report: Report, label: str) -> tuple[Citation | None, int]:
    """The first sentence citing footnote `label` (what its claim is checked by), and the year the report is read in."""
    citations, year = claims_of(report)
    return citations.get(label), year


def claims_of(report: Report) -> tuple[dict[str, Citation], int]:
    """Each footnote's first citing sentence, by label, and the year the report is read in: read once per report."""
    first: dict[str, Citation] = {}
    for citation in report.citations:
        first.setdefault(citation.label, citation)
    return first, report_year(report.year_sample(), report.date)


def judge_drift(citation: Citation, year: int, then: Source, now: Source, deleted: bool = False) -> Drift:
    """The drift of the claim `citation` makes between the source as first archived (`then`) and later (`now`).
    `deleted`: the site says the post itself was deleted (what answers is its "not found" card): the passage went
    with it, however few words the card has (a long post's card would otherwise pass for another page)."""
    facts = claim_facts(citation.context, citation.paragraph, year)
    first = check_claim(facts, then, year) if facts else None
    found = [i for i, c in enumerate(first.facts) if c.found] if first else []
    passage = _passage(facts, found, then, year)
    before, after = words(_whole(then)), words(_whole(now))
    similarity = round(cosine(before, after), 4)
    then_passage = "\n".join(passage)
    if not deleted and replaced(similarity, len(before), len(after)):
        return Drift(PAGE_REPLACED, f"another page answers: its text is {int(similarity * 100)}% alike and "
                     f"{_drop(len(before), len(after))}% shorter", similarity, len(before), len(after), then_passage)
    later = check_claim(facts, now, year).facts if found else []
    lost = tuple(facts[i].text for i in found if not later[i].found or later[i].contradicts)
    counterparts = [_counterpart(p, now.text) for p in passage]
    now_passage = "\n".join(c for c, score in counterparts if score >= SHOWN_RATIO)
    if deleted or lost or any(score < KEPT_RATIO for _, score in counterparts):
        why = (f"{', '.join(lost)} {'is' if len(lost) == 1 else 'are'} no longer on the page" if lost
               else "the site says the post was deleted" if deleted else "its wording is no longer on the page")
        state, detail = PASSAGE_GONE, f"the passage the claim relied on is gone: {why}"
    elif _plain(_whole(then)) == _plain(_whole(now)):
        state, detail = UNCHANGED, "the page reads as it did"
    else:
        kept = "the passage the claim relies on is intact" if passage else "the claim's facts were not on it first"
        state, detail = CHANGED, f"the page changed ({int(similarity * 100)}% alike); {kept}"
    return Drift(state, detail, similarity, len(before), len(after), then_passage, now_passage, lost)


def _passage(facts: list, found: list[int], then: Source, year: int) -> list[str]:
    """The paragraphs of the first text in which the claim check finds, paragraph by paragraph, a key fact (person,
    period, article, amount; else any fact) it found in the text as a whole: where the claim's support was read.
    The headline the text opens with is the page's title, not a passage."""
    key = [facts[i] for i in found if facts[i].kind in KEY_KINDS] or [facts[i] for i in found]
    title = _plain(then.title or "")
    held = []
    for paragraph in (_plain(p) for p in (then.text or "").split("\n") if p.strip()):
        if title and title.startswith(paragraph):
            continue
        checks = check_claim(key, Source(then.url, text=paragraph), year).facts
        if any(c.found and c.where == "text" for c in checks):
            held.append(paragraph)
    return held


def _counterpart(paragraph: str, text: str) -> tuple[str, float]:
    """The later paragraph most like `paragraph` (verbatim when it still holds it) and how alike (rapidfuzz, 0-100)."""
    best, score = "", 0.0
    for candidate in (_plain(p) for p in text.split("\n") if p.strip()):
        if paragraph in candidate:
            return candidate, 100.0
        ratio = fuzz.ratio(paragraph, candidate)
        if ratio > score:
            best, score = candidate, ratio
    return best, score


def _whole(source: Source) -> str:
    """The page's title and text, the title once (the extracted text often opens with it)."""
    title, text = source.title or "", source.text or ""
    return text if title in text else f"{title}\n{text}"


def _plain(text: str) -> str:
    return " ".join(text.split())


def _drop(before: int, after: int) -> int:
    return int(100 * (before - after) / before) if before else 0


def word_diff(then: str, now: str) -> list[tuple[str, str]]:
    """(`kept` | `removed` | `added`, words) runs from `then` to `now`: what was removed next to what remains."""
    a, b = then.split(), now.split()
    runs: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            runs.append(("kept", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            runs.append(("removed", " ".join(a[i1:i2])))
        if j2 > j1:
            runs.append(("added", " ".join(b[j1:j2])))
    return runs


def drift_findings(drifts: Iterable[Drift], died: Mapping[str, tuple[int | None, str]] | None = None,
                   failing: Mapping[str, tuple[int | None, str]] | None = None) -> Iterator[Finding]:
    """Error findings for what an editor must look at: a passage gone, a page replaced, a source that died
    (`died`: label → (the citing line, why), from whichever verdict the caller trusts to call a link dead) and one
    failing (`failing`, alike: failed since, its history not yet confirming it dead; a reader meets the failure)."""
    for d in drifts:
        if d.state == PASSAGE_GONE:
            yield Finding("passage-gone", Severity.ERROR, _num(d.label), d.line,
                          f"[{d.label}] {d.detail} (since the capture of {_day(d.now_at)})")
        elif d.state == PAGE_REPLACED:
            yield Finding("page-replaced", Severity.ERROR, _num(d.label), d.line,
                          f"[{d.label}] {d.url} {d.detail} (since the capture of {_day(d.now_at)})")
    for label, (line, why) in (died or {}).items():
        yield Finding("source-died", Severity.ERROR, _num(label), line,
                      f"[{label}] the source the claim relied on died: {why}")
    for label, (line, why) in (failing or {}).items():
        yield Finding("source-failing", Severity.ERROR, _num(label), line,
                      f"[{label}] the source the claim relied on is failing: {why}")


def _num(label: str) -> int | str:
    number = label_number(label)
    return label if number is None else number


def _day(at: str | None) -> str:
    return (at or "?")[:10]
