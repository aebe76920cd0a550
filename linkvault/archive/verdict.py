"""The verdict on one fetched page: decoded, its text extracted, judged by the generic rules and its site's adapter.

This is the CPU half of a look, run in a judging worker process (or a thread, in a small run). It imports only what
judging needs (no httpx, SQLite nor WARC code), so the forkserver the workers are forked from starts light.
"""

from __future__ import annotations

import codecs
import copy
import dataclasses
import encodings.aliases

from linkvault.archive.extract import ExtractedText
from linkvault.archive.pages import page_of
from linkvault.errors import named
from linkvault.model import Capture, LinkState, Page
from linkvault.sites import ADAPTERS, SiteText
from linkvault.states import classify


def assess(capture: Capture, companions: list[Capture], probe: Page | None, adapter_name: str | None,
           limit: int) -> tuple[LinkState, dict | None, bool, str | None]:
    """The verdict on a capture, the text row to index, whether its body inflated past `limit`, and
    what failed, if anything.
    Runs in a worker process or thread. A stage that fails on this page makes it `unknown`, naming
    the stage and the exception: never the run's end."""
    stage = "reading the page"
    try:
        adapter = next((a for a in ADAPTERS if a.name == adapter_name), None)
        page, text = page_of(capture, limit)
        companion_pages = {c.url: page_of(c, limit)[0] for c in companions}
        stage = "judging it with the site's rules"
        adapter_state = adapter.judge(page, companion_pages) if adapter else None
        stage = "judging it"
        state = classify(page, probe, adapter_state)
        stage = "reading its text with the site's rules"
        site_text = adapter.extract(page, companion_pages) if adapter else None
        return state, text_row(text, site_text), capture.truncated, None
    except Exception as exc:
        verdict = fault(capture, stage, exc)
        return verdict, None, capture.truncated, verdict.detail


def for_worker(capture: Capture, companions: list[Capture], probe: Page | None
               ) -> tuple[Capture, list[Capture], Page | None]:
    """What of a look `assess` is given in a worker process (pickled there, so the less the better): the captures
    without their TLS chain, record location and provenance, which judging never reads; the probe only when it
    answered 2xx, the one case `states.looks_like` compares a page with it."""
    if probe is not None and (probe.status is None or probe.status >= 300):
        probe = None
    elif probe is not None:
        probe = dataclasses.replace(probe, capture=_light(probe.capture))
    return _light(capture), [_light(c) for c in companions], probe


def _light(capture: Capture) -> Capture:
    light = copy.copy(capture)
    light.connection = light.record = light.provenance_id = None
    return light

def fault(capture: Capture, stage: str, exc: BaseException) -> LinkState:
    """Mark `capture` as failed by our `stage` (see `judging.failed`), and give its verdict."""
    detail = f"linkvault failed {stage}: {named(exc)}"
    capture.error, capture.error_detail = "internal-error", detail
    capture.state = LinkState("unknown", detail, capture.status, capture.final_url)
    return capture.state

def text_row(text: ExtractedText | None, site: SiteText | None) -> dict | None:
    """The text to index: the adapter's (a Telegram message, a video's title) over the generic one."""
    if site is None:
        return dict(text.__dict__) if text else None
    row: dict = dict(text.__dict__) if text else {"language": None, "sitename": None}
    row.update({"title": site.title or row.get("title"), "author": site.author or row.get("author"),
                "published": site.published or row.get("published"), "text": site.text})
    if site.images:  # fetched and archived beside the page, not indexed (capture_and_judge takes them out)
        row["images"] = list(site.images)
    return row



# Pages that take extraction down each path that loads something at its first use: htmldate's search of the text for a
# date (a title with digits and no year: dateparser's month names in every locale, a tenth of a second), a date in
# its JSON-LD (strptime's module), and a page naming no charset that is not UTF-8 (trafilatura's guess tries dozens of
# codecs: `warm` loads them all).
_SAMPLES = (
    ("text/html; charset=utf-8", "<!DOCTYPE html><html lang=\"ru\"><head><meta charset=\"utf-8\"><title>Выпуск 12 — №34"
     "</title></head><body><article><h1>Пример</h1><p>Текст без даты, с номером №12-3: поиск даты идёт до конца.</p>"
     "</article></body></html>"),
    ("text/html", "<html><head><title>Sample</title><script type=\"application/ld+json\">{\"datePublished\": "
     "\"2024-04-28\"}</script></head><body><article><p>A page with a date in its data.</p></article></body></html>"),
    ("text/html", "<html><head><title>Страница</title></head><body><p>Текст в кодировке windows-1251, без её имени."
     "</p></body></html>"),
)


def warm() -> None:
    """Judge a few small pages once, so what extraction loads at its first use is loaded here: in the forkserver,
    once for every worker forked from it (each loaded it again, a worker's first pages costing a fifth of a second)."""
    for n, (content_type, page) in enumerate(_SAMPLES):
        url = f"https://example.org/news/{n}"
        body = page.encode("utf-8" if "utf-8" in content_type or page.isascii() else "cp1251")
        page_of(Capture(url=url, fetched_at="", final_url=url, status=200, headers=[("Content-Type", content_type)],
                        body_head=body))
    for codec in set(encodings.aliases.aliases.values()):  # the charset guess tries those its page may be in
        try:
            codecs.lookup(codec)
        except LookupError:
            continue
