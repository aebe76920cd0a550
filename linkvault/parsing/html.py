"""HTML reports: Word's "Save as Web Page", WordPress and Markdown renderers, or hand-typed lists.

First the linked footnotes that every exporter writes (read in `html_notes`): a marker `<a href="#_ftn1">`
pointing into a note, often with a back-link from the note to the marker (Word `_ftn`/`_edn`, WordPress
`wp-block-footnotes`, python-markdown and pandoc `fn:1`/`fn1`). A note's URLs are its links'
targets, whatever their visible text. A marker whose note is gone still cites it, and a note
beside the cited ones that nothing links to is still an entry, so `check` reports both; a numbered
link to a heading is a table of contents, not a marker. When a document has no such links, it is
rendered to numbered lines (`<sup>3</sup>` as `[3]`, `<ol>` items as `N.`, table rows as one line,
links as their targets) and read like plain text. Page chrome (navigation, scripts, share buttons)
is dropped first, but never an element that still holds the report's paragraphs or lists.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Set as AbstractSet
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

from linkvault.errors import InputError
from linkvault.model import Citation, Entry
from linkvault.parsing.html_notes import BLOCKS, SKIP_SCHEMES, ancestors_and_self, link_target, linked_footnotes
from linkvault.parsing.txt import NOTES_HEADING, Line, parse_lines
from linkvault.parsing.urls import find_urls

_CHROME_TAGS = ("script", "style", "noscript", "template", "nav", "button", "svg", "iframe", "select")
_CHROME_CLASS = re.compile(
    r"(?i)(^|[\s_-])(share|sharing|social|skip-link|skip|screen-reader-text|breadcrumbs?|cookie|navbar|menu)([\s_-]|$)"
)
# A "share"/"menu" class or a header/footer/form tag on an element holding prose or a list marks a
# wrapper of the whole page (WordPress "sharing-enabled", ASP.NET's <form>), not chrome.
_HOLDS_CONTENT = "boolean(.//ol) or count(.//p) > 1"
# Where a list without markers says it holds the notes, or says it cannot.
_NOTES_HINT = re.compile(r"(?i)footnote|endnote|(?<![a-z])(?:notes?|sources?)(?![a-z])|reference|citation|bibliograph")
_NOT_NOTES_HINT = re.compile(r"(?i)comment|(?<![a-z])(?:toc|steps?|menu|nav)(?![a-z])")
# The size bound instead of a depth bound: a report page is far smaller; a larger one is not a report.
MAX_HTML_CHARS = 50_000_000
# Tags, counted before parsing: a tree costs some 200 bytes a node, and libxml2's XPath fails outright on a
# set of over 10 million nodes ("internal error"); 2 million tags keep every query and the memory well within.
MAX_HTML_TAGS = 2_000_000
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def parse_html(text: str, path: str) -> tuple[list[Citation], list[Entry]]:
    root = _parse(text, path)
    if root is None:
        return [], []
    # The readers below recurse once or twice per level of nesting, and legacy pages nest up to 2048 deep.
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 4 * _depth(root) + 1000))
    try:
        return _read(root)
    finally:
        sys.setrecursionlimit(limit)


def _depth(root: HtmlElement) -> int:
    depth: dict[HtmlElement | None, int] = {root: 0}
    for el in root.iterdescendants():
        depth[el] = depth[el.getparent()] + 1
    return max(depth.values())


def _read(root: HtmlElement) -> tuple[list[Citation], list[Entry]]:
    _resolve_relative_links(root)
    _drop_chrome(root)
    linked = linked_footnotes(root)
    if linked is not None:
        return linked
    citations, entries = parse_lines(_render_lines(root))
    if citations or not entries:
        return citations, entries
    # Nothing cites: only a list that looks like notes is the footnote list, not a comment thread or steps.
    plain = [ol for ol in root.iter("ol") if not _plausible_notes(ol)]
    return parse_lines(_render_lines(root, set(plain))) if plain else (citations, entries)


def _parse(text: str, path: str) -> HtmlElement | None:
    """The document tree, or None when it holds nothing but white space and comments."""
    # lxml refuses str input with an XML declaration, and text with control characters (Word's
    # vertical tab) once the tree is edited; drop both but keep every line break, so sourceline
    # still counts lines of the file.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", lambda m: "\n" * m.group(0).count("\n"), text)
    text = _NOT_XML.sub(" ", text)
    if len(text) > MAX_HTML_CHARS:
        raise InputError(f"too large for an HTML report ({len(text) // 1_000_000} million characters; "
                         f"the limit is {MAX_HTML_CHARS // 1_000_000} million)", path=path)
    tags = text.count("<")
    if tags > MAX_HTML_TAGS:
        raise InputError(f"too many elements for an HTML report ({tags:,} tags; the limit is {MAX_HTML_TAGS:,})",
                         path=path)
    try:
        # Legacy pages nest deeper than libxml2's default limit of 255 (unclosed <font> tags); without
        # huge_tree the rest of the page, footnotes and all, would be dropped without a word.
        parser = lxml.html.HTMLParser(huge_tree=True)
        root = lxml.html.document_fromstring(text, parser=parser)
    except etree.ParserError:
        return None
    except ValueError as exc:
        raise InputError(f"not readable as HTML ({exc})", path=path) from exc
    deep = next((e for e in parser.error_log if e.type_name == "ERR_RESOURCE_LIMIT"), None)
    if deep is not None:  # even huge_tree stops at 2048 levels: refuse rather than read half a page
        raise InputError(f"nested too deeply to be read whole (from line {deep.line}: {deep.message.split(',')[0]})",
                         path=path)
    return root


def _resolve_relative_links(root: HtmlElement) -> None:
    """Links as a browser would follow them: against the page's `<base href>`, and `//host/…` over https.

    A page saved from a site keeps its relative links; without a `<base>` there is no site to
    resolve them against, and the check says so.
    """
    bases = [b.get("href").strip() for b in root.xpath("//base[@href]")]
    base = next((b for b in bases if _scheme(b) in ("http", "https")), None)
    for link in root.xpath("//a[@href]"):
        href = link_target(link)
        if not href or href.lower().startswith(SKIP_SCHEMES) or _scheme(href) != "":
            continue
        if base:
            link.set("href", urljoin(base, href))
        elif href.startswith("//"):
            link.set("href", "https:" + href)


def _scheme(url: str) -> str | None:
    """The scheme, lower-cased ("" for a relative link), or None when `url` cannot be parsed at all."""
    try:
        return urlsplit(url).scheme.lower()
    except ValueError:
        return None


def _drop_chrome(root: HtmlElement) -> None:
    doomed = [el for el in root.iter(etree.Element) if not isinstance(el.tag, str) or _is_chrome(el)]
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()
    for comment in root.xpath("//comment()"):
        if comment.getparent() is not None:
            comment.drop_tree()


def _is_chrome(el: HtmlElement) -> bool:
    """Navigation, scripts, share and cookie widgets; never a wrapper that holds the report itself."""
    if el.tag in _CHROME_TAGS:
        return True
    if el.tag in ("header", "footer", "form"):
        return not (el.xpath(_HOLDS_CONTENT) or el.xpath(".//*[@id or @name]"))
    if el.tag in ("body", "html", "main", "article"):
        return False
    hints = " ".join((el.get("class", ""), el.get("id", ""), el.get("role", "")))
    return bool(_CHROME_CLASS.search(hints)) and not el.xpath(_HOLDS_CONTENT)


# -- rendering to lines ----------------------------------------------------------------------


def _plausible_notes(ol: HtmlElement) -> bool:
    """Whether a numbered list could be the notes of a document that has no markers.

    It could when it says so (a notes class or id, a notes heading just before it) or when most
    of its items are short and cite an address. A list nested in another, or a comment thread, is
    never the notes.
    """
    chain = ancestors_and_self(ol)
    if any(el.tag == "li" for el in chain[1:]):
        return False
    # The page's own <body> classes ("comments-open") say nothing about one list.
    hints = [" ".join((el.get("class", ""), el.get("id", ""), el.get("role", ""))) for el in chain
             if el.tag not in ("body", "html")]
    if any(_NOT_NOTES_HINT.search(h) for h in hints):
        return False
    if any(_NOTES_HINT.search(h) for h in hints) or _after_notes_heading(ol):
        return True
    items = ol.findall("li")
    citing = [li for li in items if len(li.text_content()) < 600 and (
        any(_scheme(link_target(a)) in ("http", "https") for a in li.iter("a")) or find_urls(li.text_content()))]
    return bool(items) and 2 * len(citing) >= len(items)


def _after_notes_heading(el: HtmlElement | None) -> bool:
    """Whether the element just before `el` (or before the block that opens with it) names the notes."""
    while el is not None and el.tag != "body":
        previous = el.getprevious()
        while previous is not None and not isinstance(previous.tag, str):
            previous = previous.getprevious()
        if previous is not None:
            return bool(NOTES_HEADING.match(" ".join(previous.text_content().split())))
        el = el.getparent()
    return False


def _render_lines(root: HtmlElement, plain: AbstractSet[HtmlElement] = frozenset()) -> list[Line]:
    """The document as (source line, text) pairs, one per block, for the plain-text reader."""
    body = root.find("body")
    lines: list[Line] = []
    _render_block(body if body is not None else root, lines, plain=plain, holders=_holding_blocks(root))
    return lines


def _holding_blocks(root: HtmlElement) -> set[HtmlElement]:
    """Inline elements that hold blocks: a legacy page's unclosed <font> wraps the rest of the page."""
    holders: set[HtmlElement] = set()
    for block in root.iter(*BLOCKS):
        for el in block.iterancestors():
            if el in holders:
                break
            if el.tag not in BLOCKS:
                holders.add(el)
    return holders


def _render_block(block: HtmlElement, lines: list[Line], number: str | None = None,
                  plain: AbstractSet[HtmlElement] = frozenset(), holders: AbstractSet[HtmlElement] = frozenset()) -> None:
    """Append `block`'s lines; items of a list in `plain` are written without their numbers."""
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
        if child.tag in BLOCKS:
            flush()
            item = None
            if block.tag == "ol" and child.tag == "li" and block not in plain:
                value = child.get("value")
                counter = int(value) if value and value.isdigit() else counter
                item = str(counter)
                counter += 1
            line = (child.sourceline or line)
            if child.tag == "tr":  # a table row is one line: "[3] | Source | https://…"
                lines.append((line, " ".join(_inline_text(child).split())))
            else:
                _render_block(child, lines, item, plain, holders)
            lines.append((line, ""))
        elif child.tag == "br":
            flush()
        elif child in holders:
            flush()
            _render_block(child, lines, None, plain, holders)
        else:
            buf.append(_inline_text(child))
        if child.tail:
            buf.append(child.tail)
    flush()


def _inline_text(el: HtmlElement) -> str:
    if el.tag == "sup":
        inner = el.text_content().strip()
        if re.fullmatch(r"\d{1,6}(\s*[,–—-]\s*\d{1,6})*", inner):
            return f"[{inner}]"
    if el.tag == "a":
        text = el.text_content()
        href = link_target(el)
        if not href or href.lower().startswith(SKIP_SCHEMES):
            return text
        # The target stands for any address the visible text shows ("www.x.kz" → "http://www.x.kz").
        for start, end, _ in reversed(find_urls(text)):
            text = text[:start] + text[end:]
        return f"{text} {href} "
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str):
            parts.append(_inline_text(child) if child.tag not in BLOCKS else " " + _inline_text(child) + " ")
        if child.tail:
            parts.append(child.tail)
    return "".join(parts)
