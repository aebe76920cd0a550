"""HTML footnotes as exporters link them: a marker `<a href="#_ftn1">` pointing into a note, often with a
link back from the note to its marker (Word `_ftn`/`_edn`, WordPress, python-markdown and pandoc `fn:1`).

`linked_footnotes` finds the markers and their notes; the element helpers here are the ones `html` reads
every page with too.
"""

from __future__ import annotations

import re
from collections import Counter
from copy import deepcopy

from lxml import etree
from lxml.html import HtmlElement

from linkvault.model import Citation, Entry
from linkvault.parsing.archived import archived_entry, version_uris
from linkvault.parsing.txt import REF_MARK, ref_mark_spans
from linkvault.parsing.urls import find_urls

_LABEL = re.compile(r"^\s*[\[(]?\s*(\d{1,6}|[ivxlc]{1,8}|\*{1,3}|[a-z])\s*[\])]?\s*$", re.I)
# Note ids as exporters write them (_ftn1, _edn1, fn:1, fnref1, sdfootnote1sym, cite_note-5, ftnt1),
# but not words that merely contain them (#refugees, #keynote).
_NOTE_ID = re.compile(r"(?i)(?<![a-z])(?:sd)?(?:ftnt?|edn|fn|footnote|endnote|note|ref)(?:ref|anc|sym|back|backref)?(?![a-z])")
# Ids of the marker a note links back to: _ftnref1, fnref:1, ftnt_ref1, cite_ref-5, sdfootnote1anc, <uuid>-link.
_BACK_ID = re.compile(r"(?i)(?:ftnt?|edn|fn|cite)_?ref|\danc$|-link$")
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
BLOCKS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "dt", "dd", "dl", "blockquote",
          "section", "article", "aside", "header", "footer", "main", "pre", "tr", "table", "tbody", "thead",
          "tfoot", "caption", "ul", "ol", "body", "figure", "figcaption", "form", "fieldset", "center",
          "address", "details", "summary", "hgroup", "menu", "dir", "hr"}
SKIP_SCHEMES = ("mailto:", "tel:", "#")
# A note's own number written before its text: "[3]", "(3)", "3." — not the "12" of "12 April".
_LEADING_LABEL = re.compile(r"^(?:[\[(]\s*(\w+|\*{1,3})\s*[\])]|(\w+|\*{1,3})\s*[.:)](?=\s|$))\s*")


def link_target(link: HtmlElement) -> str:
    """The link's target as a browser reads it: exporters wrap long attributes over lines."""
    return re.sub(r"[\t\n\r]", "", link.get("href") or "").strip()


def ancestors_and_self(el: HtmlElement | None) -> list[HtmlElement]:
    out = []
    while el is not None:
        out.append(el)
        el = el.getparent()
    return out


def _anchors(root: HtmlElement) -> dict[str, HtmlElement]:
    index: dict[str, HtmlElement] = {}
    for el in root.iter(etree.Element):
        for attr in ("id", "name"):
            value = el.get(attr)
            if value and value not in index:
                index[value] = el
    return index


def _looks_like_marker(link: HtmlElement, target: HtmlElement | None) -> bool:
    """Numbered links are also tables of contents; a footnote marker shows it is one.

    A link to a heading, or to a block holding one, is a table of contents unless the link itself
    is dressed as a marker (a superscript, brackets, a note-reference id or role): a note may
    hold a heading of its own.
    """
    text = link.text_content().strip()
    in_sup = any(el.tag == "sup" for el in ancestors_and_self(link)[:3]) or link.find(".//sup") is not None
    own = " ".join(link.get(attr, "") for attr in ("id", "class", "name", "role"))
    dressed = text.startswith(("[", "(")) or in_sup or bool(_NOTE_ID.search(own)) or "noteref" in own
    if target is not None and next(target.iter(*_HEADINGS), None) is not None:
        return dressed and target.tag not in _HEADINGS
    hints = " ".join(v for el in (link.getparent(), target) if el is not None
                     for v in (el.get("id", ""), el.get("class", ""), el.get("name", "")))
    return dressed or bool(_NOTE_ID.search(hints + " " + link_target(link)))


def linked_footnotes(root: HtmlElement) -> tuple[list[Citation], list[Entry]] | None:
    index = _anchors(root)
    position = {el: i for i, el in enumerate(root.iter("a"))}
    candidates, dangling = [], []
    for link in position:
        href = link_target(link)
        marker = _LABEL.match(link.text_content() or "")
        if not href.startswith("#") or len(href) < 2 or not marker:
            continue
        target = index.get(href[1:])
        if target is None:
            # A marker whose note is gone is still a citation (of a missing footnote).
            if _NOTE_ID.search(href) and not _BACK_ID.search(href) and _looks_like_marker(link, None):
                dangling.append((link, marker.group(1)))
        elif _looks_like_marker(link, target):
            candidates.append((link, target, marker.group(1)))
    holds = Counter(el for target in {t for _, t, _ in candidates} for el in ancestors_and_self(target))
    candidates = [(link, _note_block(target, holds), label) for link, target, label in candidates]
    # A link that sits inside the note another link points to is that note's way back.
    pointed: dict[HtmlElement, HtmlElement] = {}
    for link, block, _ in candidates:
        pointed.setdefault(block, link)
    back_links = set()
    for link, _, _ in candidates:
        for el in ancestors_and_self(link)[1:]:
            if el in pointed and position[pointed[el]] < position[link]:
                back_links.add(link)
                break
    notes: dict[HtmlElement, str] = {}
    cited = []
    for link, block, label in candidates:
        if link not in back_links:
            cited.append((link, label))
            notes.setdefault(block, label)
    if not notes:
        return None
    notes.update(_uncited_notes(notes, {link for link, _ in cited}))
    cited += [(link, label) for link, label in dangling if not any(el in notes for el in ancestors_and_self(link))]
    cited.sort(key=lambda pair: position[pair[0]])
    for link in back_links:
        link.set("data-linkvault-backlink", "1")
    entries = [_note_entry(block, label) for block, label in notes.items()]
    entries.sort(key=lambda e: e.line)
    citing = _citing_texts([link for link, _ in cited])
    return [Citation(label, link.sourceline or 0, *citing.get(link, ("", ""))) for link, label in cited], entries


def _citing_texts(links: list[HtmlElement]) -> dict[HtmlElement, tuple[str, str]]:
    """(context, paragraph so far) of each marker link, read in the block that holds it as plain text records a
    `[N]` marker's: an entry's opening date dates the notes it cites."""
    markers, done = set(links), set()
    found: dict[HtmlElement, tuple[str, str]] = {}
    for link in links:
        block = next((el for el in ancestors_and_self(link)[1:] if el.tag in BLOCKS), None)
        if block is None or block in done:
            continue
        done.add(block)
        parts: list[str] = []
        order: list[HtmlElement] = []
        _marked_text(block, markers, parts, order)
        found.update(zip(order, ref_mark_spans(re.sub(r"\s+", " ", "".join(parts)))))
    return found


def _marked_text(el: HtmlElement, markers: set[HtmlElement], parts: list[str], order: list[HtmlElement]) -> None:
    """`el`'s text with REF_MARK for each marker link (its number left out), markers listed in `order`."""
    if el in markers:
        parts.append(REF_MARK)
        order.append(el)
        return
    parts.append(el.text or "")
    for child in el:
        if isinstance(child.tag, str):
            _marked_text(child, markers, parts, order)
        parts.append(child.tail or "")


def _note_block(target: HtmlElement, holds: Counter) -> HtmlElement:
    """The element that holds the whole note the anchor belongs to, and no other note.

    `holds` counts, for each element, the anchors of notes inside it.
    """
    chain = ancestors_and_self(target)
    for el in chain:
        if el.tag == "li":
            return el
    for el in chain:
        if el.tag in ("div", "aside", "section") and _NOTE_ID.search(el.get("id", "") + " " + el.get("class", "")):
            if holds[el] == 1:
                return el
    for el in chain:
        if el.tag in BLOCKS:
            return el
    return target


def _uncited_notes(notes: dict[HtmlElement, str], cited: set[HtmlElement]) -> dict[HtmlElement, str]:
    """Notes nothing links to: siblings shaped like the cited notes, in the same list."""
    found: dict[HtmlElement, str] = {}
    for parent, tag in {(parent, str(b.tag)) for b in notes if (parent := b.getparent()) is not None}:
        start = parent.get("start") or ""
        number = int(start) if start.isdigit() else 1
        for sibling in parent.iterchildren(tag):
            label = None
            if tag == "li":
                value = sibling.get("value")
                number = int(value) if value and value.isdigit() else number
                label = str(number) if parent.tag == "ol" else None
                number += 1
            if sibling not in notes:
                label = label or _leading_label(sibling, cited)
                if label:
                    found.setdefault(sibling, label)
    return found


def _leading_label(block: HtmlElement, cited: set[HtmlElement]) -> str | None:
    """The label of a note that opens with its own numbered link, as Word's `[3]` back-link."""
    first = next(block.iter("a"), None)
    if first is None or first in cited or not link_target(first).startswith("#"):
        return None
    label = _LABEL.match(first.text_content() or "")
    if not label or not block.text_content().strip().startswith(first.text_content().strip()):
        return None
    return label.group(1)


def _note_entry(block: HtmlElement, label: str) -> Entry:
    copy = deepcopy(block)
    for back in copy.xpath(".//*[@data-linkvault-backlink]"):
        back.drop_tree()
    urls: list[str] = []
    versions: list[str] = []  # a Robust Link's data-versionurl: copies of its href, never sources
    for a in copy.iter("a"):
        href = link_target(a)
        if href and not href.lower().startswith(SKIP_SCHEMES) and href not in urls:
            urls.append(href)
        versions += version_uris(a.get("data-versionurl") or "")
    text = " ".join(copy.text_content().split())
    lead = _LEADING_LABEL.match(text)
    if lead and label in lead.groups():
        text = text[lead.end():]
    text = text.replace("\u21a9\ufe0e", "").replace("\u21a9", "").strip()
    # An address written in the text counts too, unless it is a link's visible text (its href counts).
    loose = " ".join(copy.xpath(".//text()[not(ancestor::a[@href])]"))
    for _, _, url in find_urls(loose):
        if url not in urls:
            urls.append(url)
    return archived_entry(label, block.sourceline or 0, text, urls, [v for v in versions if v not in urls])
