"""HTML reports: Word's "Save as Web Page", WordPress and Markdown renderers, or hand-typed lists.

First the linked footnotes that every exporter writes: a marker `<a href="#_ftn1">` pointing into
a note, often with a back-link from the note to the marker (Word `_ftn`/`_edn`, WordPress
`wp-block-footnotes`, python-markdown and pandoc `fn:1`/`fn1`). A note's URLs are its links'
targets, whatever their visible text. When a document has no such links, it is rendered to
numbered lines (`<sup>3</sup>` as `[3]`, `<ol>` items as `N.`, links as their targets) and read
like plain text. Page chrome (navigation, scripts, share buttons) is dropped first.
"""

from __future__ import annotations

import re
from copy import deepcopy

import lxml.html
from lxml import etree

from linkvault.errors import InputError
from linkvault.model import Citation, Entry
from linkvault.report.txt import NOTES_HEADING, Line, parse_lines
from linkvault.report.urls import find_urls

_CHROME_TAGS = ("script", "style", "noscript", "template", "nav", "button", "form", "svg", "iframe", "select")
_CHROME_CLASS = re.compile(r"(?i)(^|[\s_-])(share|sharing|social|skip-link|skip|screen-reader-text|breadcrumbs?|cookie|navbar|menu)([\s_-]|$)")
_LABEL = re.compile(r"^\s*[\[(]?\s*(\d{1,6}|[ivxlc]{1,8}|\*{1,3}|[a-z])\s*[\])]?\s*$", re.I)
_NOTE_ID = re.compile(r"(?i)(ftn|edn|fn|note|footnote|endnote|ref)")
_BLOCKS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "dt", "dd", "blockquote",
           "section", "article", "aside", "header", "footer", "main", "pre", "tr", "table", "ul", "ol", "body", "figcaption"}
_SKIP_SCHEMES = ("mailto:", "tel:", "#")


def parse_html(text: str, path: str) -> tuple[list[Citation], list[Entry]]:
    root = _parse(text, path)
    _drop_chrome(root)
    linked = _linked_footnotes(root)
    if linked is not None:
        return linked
    return parse_lines(_render_lines(root))


def _parse(text: str, path: str) -> etree._Element:
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise InputError(f"not readable as HTML ({exc})", path=path) from exc
    return root


def _drop_chrome(root: etree._Element) -> None:
    doomed = []
    for el in root.iter(etree.Element):
        if not isinstance(el.tag, str):
            doomed.append(el)
        elif el.tag in _CHROME_TAGS:
            doomed.append(el)
        elif _CHROME_CLASS.search(" ".join((el.get("class", ""), el.get("id", ""), el.get("role", "")))):
            if el.tag not in ("body", "html", "main", "article"):
                doomed.append(el)
        elif el.tag in ("header", "footer") and not el.xpath(".//*[@id or @name]"):
            doomed.append(el)
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()
    for comment in root.xpath("//comment()"):
        if comment.getparent() is not None:
            comment.drop_tree()


# -- linked footnotes ------------------------------------------------------------------------


def _anchors(root: etree._Element) -> dict[str, etree._Element]:
    index: dict[str, etree._Element] = {}
    for el in root.iter(etree.Element):
        for attr in ("id", "name"):
            value = el.get(attr)
            if value and value not in index:
                index[value] = el
    return index


def _looks_like_marker(link: etree._Element, target: etree._Element) -> bool:
    """Numbered links are also tables of contents; a footnote marker shows it is one."""
    text = link.text_content().strip()
    hints = " ".join(v for el in (link, link.getparent(), target) if el is not None for v in (el.get("id", ""), el.get("class", ""), el.get("name", "")))
    in_sup = any(el.tag == "sup" for el in _ancestors_and_self(link)[:3])
    return text.startswith(("[", "(")) or in_sup or bool(_NOTE_ID.search(hints + " " + (link.get("href") or "")))


def _linked_footnotes(root: etree._Element) -> tuple[list[Citation], list[Entry]] | None:
    index = _anchors(root)
    candidates = []
    for link in root.iter("a"):
        href = (link.get("href") or "").strip()
        if not href.startswith("#") or len(href) < 2:
            continue
        target = index.get(href[1:])
        label = _LABEL.match(link.text_content() or "")
        if target is None or not label or not _looks_like_marker(link, target):
            continue
        candidates.append((link, _note_block(target), label.group(1)))
    # A link that sits inside the note another link points to is that note's way back.
    pointed: dict[etree._Element, etree._Element] = {}
    for link, block, _ in candidates:
        pointed.setdefault(block, link)
    position = {el: i for i, el in enumerate(root.iter("a"))}
    back_links = set()
    for link, _, _ in candidates:
        for el in _ancestors_and_self(link)[1:]:
            if el in pointed and position[pointed[el]] < position[link]:
                back_links.add(link)
                break
    notes: dict[etree._Element, str] = {}
    citations = []
    for link, block, label in candidates:
        if link in back_links:
            continue
        citations.append(Citation(label, link.sourceline or 0))
        notes.setdefault(block, label)
    if not notes:
        return None
    for link in back_links:
        link.set("data-linkvault-backlink", "1")
    entries = [_note_entry(block, label) for block, label in notes.items()]
    entries.sort(key=lambda e: e.line)
    return citations, entries


def _ancestors_and_self(el: etree._Element) -> list[etree._Element]:
    out = []
    while el is not None:
        out.append(el)
        el = el.getparent()
    return out


def _note_block(target: etree._Element) -> etree._Element:
    """The element that holds the whole note the anchor belongs to."""
    chain = _ancestors_and_self(target)
    for el in chain:
        if el.tag == "li":
            return el
    for el in chain:
        if el.tag in ("div", "aside", "section") and _NOTE_ID.search(el.get("id", "") + " " + el.get("class", "")):
            if len([a for a in el.iter("a") if (a.get("href") or "").startswith("#")]) <= 2:
                return el
    for el in chain:
        if el.tag in _BLOCKS:
            return el
    return target


def _note_entry(block: etree._Element, label: str) -> Entry:
    urls: list[str] = []
    for a in block.iter("a"):
        href = (a.get("href") or "").strip()
        if href and not href.lower().startswith(_SKIP_SCHEMES) and href not in urls:
            urls.append(href)
    copy = deepcopy(block)
    for back in copy.xpath(".//*[@data-linkvault-backlink]"):
        back.drop_tree()
    text = " ".join(copy.text_content().split())
    text = re.sub(r"^[\[(]?\s*" + re.escape(label) + r"\s*[\])]?\s*[.:]?\s*", "", text)
    text = text.replace("\u21a9\ufe0e", "").replace("\u21a9", "").strip()
    for _, _, url in find_urls(text):
        if url not in urls:
            urls.append(url)
    return Entry(label=label, line=block.sourceline or 0, text=text, urls=tuple(urls))


# -- rendering to lines ----------------------------------------------------------------------


def _render_lines(root: etree._Element) -> list[Line]:
    """The document as (source line, text) pairs, one per block, for the plain-text reader."""
    body = root.find("body")
    lines: list[Line] = []
    _render_block(body if body is not None else root, lines)
    return lines


def _render_block(block: etree._Element, lines: list[Line], number: str | None = None) -> None:
    buf: list[str] = [f"{number}. "] if number else []
    line = block.sourceline or 0

    def flush() -> None:
        text = " ".join("".join(buf).split())
        if text:
            lines.append((line, text))
            if NOTES_HEADING.match(text):
                lines.append((line, ""))
        buf.clear()

    if block.text:
        buf.append(block.text)
    counter = int(block.get("start", "1")) if block.tag == "ol" and (block.get("start") or "1").isdigit() else 1
    for child in block:
        if not isinstance(child.tag, str):
            if child.tail:
                buf.append(child.tail)
            continue
        if child.tag in _BLOCKS:
            flush()
            item = None
            if block.tag == "ol" and child.tag == "li":
                value = child.get("value")
                counter = int(value) if value and value.isdigit() else counter
                item = str(counter)
                counter += 1
            _render_block(child, lines, item)
            line = (child.sourceline or line)
            lines.append((line, ""))
        elif child.tag == "br":
            flush()
        else:
            buf.append(_inline_text(child))
        if child.tail:
            buf.append(child.tail)
    flush()


def _inline_text(el: etree._Element) -> str:
    if el.tag == "sup":
        inner = el.text_content().strip()
        if re.fullmatch(r"\d{1,6}(\s*[,–—-]\s*\d{1,6})*", inner):
            return f"[{inner}]"
    if el.tag == "a":
        text = el.text_content()
        href = (el.get("href") or "").strip()
        if href and not href.lower().startswith(_SKIP_SCHEMES) and href not in text:
            return f"{text} {href} "
        return text
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str):
            parts.append(_inline_text(child) if child.tag not in _BLOCKS else " " + child.text_content() + " ")
        if child.tail:
            parts.append(child.tail)
    return "".join(parts)
