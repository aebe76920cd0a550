"""A footnote's drift: what became of its source between its first capture and a later one (judged by
`linkvault.claims.drift`, stored by `linkvault.vault.drifts`, shown by `linkvault.render.drift`)."""

from __future__ import annotations

from dataclasses import dataclass

UNCHANGED, CHANGED, PASSAGE_GONE, PAGE_REPLACED = "unchanged", "changed", "passage-gone", "page-replaced"
DRIFT_STATES = (UNCHANGED, CHANGED, PASSAGE_GONE, PAGE_REPLACED)
ATTENTION = (PASSAGE_GONE, PAGE_REPLACED)  # an editor must look: error findings


@dataclass(frozen=True)
class Drift:
    """What became of a footnote's source between its first capture and a later one."""

    state: str
    detail: str
    similarity: float  # lexical cosine of the two texts, 0 to 1
    words_then: int
    words_now: int
    passage_then: str = ""  # the paragraphs the claim check found the claim's facts in first ("" when none)
    passage_now: str = ""  # what remains of them in the later text ("" when nothing does)
    facts_lost: tuple[str, ...] = ()  # facts found first, not found now (or now contradicted)
    label: str = ""
    url: str = ""
    line: int | None = None
    first_capture: int | None = None
    capture: int | None = None
    first_at: str | None = None
    now_at: str | None = None

    @property
    def needs_attention(self) -> bool:
        return self.state in ATTENTION
