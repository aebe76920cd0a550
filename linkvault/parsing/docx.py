"""Word documents: real footnotes and endnotes, or a footnote list typed at the end.

Word numbers footnotes by the order their references appear, not by the ids in the XML, so
labels are given the same way, in the number format and from the start number the document
sets (Word's defaults otherwise: footnotes 1, 2, 3; endnotes i, ii, iii). A reference inside a
tracked deletion is gone for the reader, so it is neither counted nor numbered. A note's text is
what Word shows; its URLs are its links' targets, resolved through its own part's relationships
(`word/_rels/footnotes.xml.rels`), and the addresses typed in its text. There are no lines in a
.docx: a "line" here is the paragraph's number in the document body, and a note's line is the
paragraph that cites it.
"""

from __future__ import annotations

import bisect
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from copy import deepcopy
from dataclasses import replace
from io import BytesIO
from typing import IO

from lxml import etree

from linkvault.errors import InputError
from linkvault.model import Citation, Entry
from linkvault.parsing.archived import archived_entry, strip_groups
from linkvault.parsing.txt import REF_MARK, Line, parse_lines, ref_mark_spans
from linkvault.parsing.urls import find_urls

# All the XML read from one package, unpacked: more is a zip bomb, not a report. Counted from the headers
# before a part is opened and again while it is read, since headers can lie.
MAX_XML_BYTES = 50 * 1024 * 1024
# Elements read from all the parts: dense XML (40 empty runs a paragraph) packs 6 million into 43 MB, a
# minute and a half of reading; a long real report has a few hundred thousand.
MAX_XML_ELEMENTS = 2_000_000
# What a damaged package raises while being read: bad CRCs, broken deflate streams, odd methods.
_UNREADABLE = (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, OSError, EOFError, ValueError,
               etree.XMLSyntaxError)
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_DELETIONS = frozenset(f"{{{W}}}{tag}" for tag in ("del", "moveFrom"))  # tracked changes
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PR = "http://schemas.openxmlformats.org/package/2006/relationships"
_NOTE_KINDS = (("footnote", "word/footnotes.xml"), ("endnote", "word/endnotes.xml"))
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_TEXT_BOX = f"{{{W}}}txbxContent"


def _w(name: str) -> str:
    return f"{{{W}}}{name}"


# the tags read once per element of the body, named once
_HYPERLINK, _RUN, _TEXT = _w("hyperlink"), _w("r"), _w("t")
_RUN_TEXT = (_TEXT, _w("tab"), _w("br"))
_REFERENCES = (_w("footnoteReference"), _w("endnoteReference"))


def parse_docx(data: bytes, path: str) -> tuple[list[Citation], list[Entry]]:
    try:
        package = zipfile.ZipFile(BytesIO(data))
    except _UNREADABLE as exc:
        raise InputError(f"not a readable .docx file ({_why(exc)})", path=path) from exc
    budget = _Budget(path)
    if "word/document.xml" not in package.NameToInfo:
        raise InputError("not a readable .docx file (no word/document.xml inside)", path=path)
    links = _relationships(package, "word/document.xml", budget)
    citations: list[Citation] = []
    order: dict[str, list[tuple[str, int, str, str]]] = {"footnote": [], "endnote": []}
    lines: list[Line] = []
    last_section = None
    # The body is read one paragraph or table at a time and let go: a whole tree costs some 20 times its XML.
    for block in _blocks(package, "word/document.xml", budget, depth=3):
        for p in block.iter(_w("p")):
            lineno = len(lines) + 1
            text = _paragraph_text(p, links, marks=True)
            lines.append((lineno, text.replace(REF_MARK, "")))
            refs = [ref for ref in p.iter(*_REFERENCES)  # not a tracked deletion, nor a text box's (its own line)
                    if not (_deleted(ref) or _in_text_box(ref, p))]
            for ref, (context, paragraph) in zip(refs, ref_mark_spans(text)):
                kind = "footnote" if ref.tag == _w("footnoteReference") else "endnote"
                order[kind].append((ref.get(_w("id"), ""), lineno, context, paragraph))
        for section in block.iter(_w("sectPr")):
            last_section = deepcopy(section)
    notes = {kind: _read_notes(package, part, kind, budget) for kind, part in _NOTE_KINDS}
    if not order["footnote"] and not order["endnote"]:
        return parse_lines(lines)
    numbering = _numbering(package, last_section, budget)
    entries: list[Entry] = []
    for kind in ("footnote", "endnote"):
        fmt, start = numbering[kind]
        labels: dict[str, str] = {}
        for note_id, lineno, context, paragraph in order[kind]:
            if note_id not in labels:
                labels[note_id] = _label(fmt, start + len(labels))
                if note_id in notes[kind]:
                    entries.append(replace(notes[kind][note_id], label=labels[note_id], line=lineno))
            citations.append(Citation(labels[note_id], lineno, context, paragraph))
    return citations, entries


class _Budget:
    """What is left of MAX_XML_BYTES for one package's parts."""

    def __init__(self, path: str):
        self.path = path
        self.left = MAX_XML_BYTES
        self.elements_left = MAX_XML_ELEMENTS

    def element(self, name: str) -> None:
        self.elements_left -= 1
        if self.elements_left < 0:
            raise InputError(f"too many elements for a .docx report (over {MAX_XML_ELEMENTS:,}, the limit; "
                             f"reached in {name})", path=self.path)

    def take(self, name: str, size: int) -> None:
        if size > self.left:
            raise InputError(f"too large for a .docx report (its XML unpacks to over {MAX_XML_BYTES // (1024 * 1024)} "
                             f"MiB, the limit; reached in {name})", path=self.path)
        self.left -= size


class _Counted:
    """A part being unpacked, counted against the budget as it is read: a header's size may lie."""

    def __init__(self, raw: IO[bytes], budget: _Budget, name: str):
        self.raw, self.budget, self.name = raw, budget, name

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size if size is not None and size >= 0 else 1 << 20)
        self.budget.take(self.name, len(data))
        return data


def _open_part(package: zipfile.ZipFile, name: str, budget: _Budget) -> _Counted:
    info = package.getinfo(name)
    if info.file_size > budget.left:
        budget.take(name, info.file_size)
    return _Counted(package.open(info), budget, name)


def _blocks(package: zipfile.ZipFile, name: str, budget: _Budget, depth: int) -> Iterator[etree._Element]:
    """The part's elements at `depth` (the root is 1: the body's paragraphs and tables are 3, notes 2), one at a
    time, each freed
    once the caller is done with it; Word's VML copies of text boxes (mc:Fallback) are dropped first."""
    source = _open_part(package, name, budget)
    level = 0
    try:
        for event, el in etree.iterparse(source, events=("start", "end"), resolve_entities=False, no_network=True,
                                         huge_tree=False):
            if event == "start":
                level += 1
                budget.element(name)
                continue
            level -= 1
            if level != depth - 1:
                continue
            _drop_fallbacks(el)
            yield el
            el.clear()
            parent = el.getparent()
            while parent is not None and el.getprevious() is not None:
                del parent[0]
    except _UNREADABLE as exc:
        raise InputError(f"not a readable .docx file ({name}: {_why(exc)})", path=budget.path) from exc
    finally:
        source.raw.close()


def _why(exc: Exception) -> str:
    return " ".join(str(exc).split()) or exc.__class__.__name__


def _read_xml(package: zipfile.ZipFile, name: str, budget: _Budget) -> etree._Element | None:
    """A small part (relationships, settings) parsed whole, None when the package has no such part."""
    if name not in package.NameToInfo:
        return None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    source = _open_part(package, name, budget)
    try:
        root = etree.parse(source, parser).getroot()
    except _UNREADABLE as exc:
        raise InputError(f"not a readable .docx file ({name}: {_why(exc)})", path=budget.path) from exc
    finally:
        source.raw.close()
    _drop_fallbacks(root)
    return root


def _drop_fallbacks(root: etree._Element) -> None:
    # Word writes a text box twice: the shape (mc:Choice) and a VML copy for old readers (mc:Fallback).
    for fallback in list(root.iter(f"{{{MC}}}Fallback")):
        parent = fallback.getparent()
        if parent is not None:
            parent.remove(fallback)


def _deleted(el: etree._Element) -> bool:
    return any(a.tag in _DELETIONS for a in el.iterancestors())


def _relationships(package: zipfile.ZipFile, part: str, budget: _Budget) -> dict[str, str]:
    rels_name = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
    rels = _read_xml(package, rels_name, budget)
    if rels is None:
        return {}
    return {
        rel.get("Id", ""): rel.get("Target", "")
        for rel in rels.iter(f"{{{PR}}}Relationship")
        if rel.get("TargetMode") == "External"
    }


def _read_notes(package: zipfile.ZipFile, part: str, kind: str, budget: _Budget) -> dict[str, Entry]:
    if part not in package.NameToInfo:
        return {}
    links = _relationships(package, part, budget)
    notes = {}
    for note in _blocks(package, part, budget, depth=2):
        if note.tag != _w(kind):
            continue
        if note.get(_w("type")) in ("separator", "continuationSeparator", "continuationNotice"):
            continue
        text = " ".join(_paragraph_text(p, links, show_targets=False) for p in note.iter(_w("p")))
        text, copies = strip_groups(" ".join(text.split()))  # robustify's group: its links are copies
        urls: dict[str, None] = {}  # in order, each once
        for link in note.iter(_w("hyperlink")):
            target = _link_target(link, links)
            if target and not _deleted(link) and target not in copies:
                urls.setdefault(target)
        for url in _field_links(note):
            urls.setdefault(url)
        linked = sorted(_bare(u) for u in urls)  # sorted, the links an address in the text abbreviates are found by bisection
        typed: set[str] = set()
        for _, _, url in find_urls(text):
            bare = _bare(url)
            i = bisect.bisect_left(linked, bare)
            if not (i < len(linked) and linked[i].startswith(bare)) and bare not in typed:
                typed.add(bare)
                urls.setdefault(url)
        notes[note.get(_w("id"), "")] = archived_entry("", 0, text, list(urls), copies)
    return notes


def _link_target(link: etree._Element, links: dict[str, str]) -> str | None:
    """Where a w:hyperlink leads: its relationship's target with its `w:anchor` as the fragment, as
    pandoc and mammoth read it. An anchor without a target is a bookmark in the document itself."""
    target = links.get(link.get(f"{{{R}}}id", ""))
    anchor = link.get(_w("anchor"))
    if target and anchor:
        return target.split("#", 1)[0] + "#" + anchor
    return target


def _bare(url: str) -> str:
    """A link's visible text often drops the scheme or the final slash ("www.x.kz/a" for "http://www.x.kz/a/")."""
    return re.sub(r"(?i)^[a-z][a-z0-9+.-]*://", "", url).rstrip("/").lower()


# `HYPERLINK "url"`, but not `HYPERLINK \l "bookmark"`, a link inside the document.
_FIELD_LINK = re.compile(r'HYPERLINK\s+(\\l\s+)?"([^"]+)"')


def _field_links(el: etree._Element) -> list[str]:
    """Targets of old-style HYPERLINK field codes, complex (`w:instrText`) or simple (`w:fldSimple`)."""
    codes = ["".join(t.text or "" for t in el.iter(_w("instrText")) if not _deleted(t))]
    codes += [f.get(_w("instr"), "") for f in el.iter(_w("fldSimple"))]
    return [m.group(2).strip() for code in codes for m in _FIELD_LINK.finditer(code) if not m.group(1) and m.group(2).strip()]


def _paragraph_text(p: etree._Element, links: dict[str, str], show_targets: bool = True, marks: bool = False) -> str:
    """The paragraph's visible text; with `show_targets`, each link's target written after its text; with `marks`,
    REF_MARK where each note reference stands."""
    parts: list[str] = []

    def walk(el: etree._Element) -> None:
        for child in el:
            if child.tag == _HYPERLINK:
                visible = _runs_text(child, marks)
                target = _link_target(child, links)
                if show_targets and target:
                    # The target stands for any address the visible text shows ("www.x.kz").
                    kept, done = [], 0
                    for start, end, _ in find_urls(visible):
                        kept.append(visible[done:start])
                        done = end
                    visible = f"{''.join(kept)}{visible[done:]} {target} "
                parts.append(visible)
            elif child.tag == _RUN:
                parts.append(_runs_text(child, marks))
            elif child.tag not in _DELETIONS:
                walk(child)

    walk(p)
    text = "".join(parts)
    if show_targets:
        fields = _field_links(p)
        if fields:
            shown = {u for _, _, u in find_urls(text)} | set(text.split())  # a set: one scan, not one per field
            text += "".join(f" {url}" for url in dict.fromkeys(fields) if url not in shown)
    return text


def _runs_text(el: etree._Element, marks: bool = False) -> str:
    return "".join(
        (t.text or "") if t.tag == _TEXT else REF_MARK if t.tag in _REFERENCES else " "
        for t in el.iter(*_RUN_TEXT, *(_REFERENCES if marks else ()))
        if not _in_text_box(t, el)
    )


def _in_text_box(node: etree._Element, within: etree._Element) -> bool:
    """Whether `node` lies in a text box anchored inside `within`: that box's paragraphs are lines of their own."""
    for ancestor in node.iterancestors():
        if ancestor is within:
            return False
        if ancestor.tag == _TEXT_BOX:
            return True
    return False


def _numbering(package: zipfile.ZipFile, last_section: etree._Element | None, budget: _Budget) -> dict[str, tuple[str, int]]:
    """How Word numbers each kind of note: the document's settings, then its last section's own.

    Unset, footnotes count 1, 2, 3 and endnotes i, ii, iii (the defaults of Word and of the standard).
    """
    numbering = {"footnote": ("decimal", 1), "endnote": ("lowerRoman", 1)}
    settings = _read_xml(package, "word/settings.xml", budget)
    for scope in [settings, last_section]:
        if scope is None:
            continue
        for kind in numbering:
            props = scope.find(_w(f"{kind}Pr"))
            if props is None:
                continue
            fmt, start = numbering[kind]
            fmt_el, start_el = props.find(_w("numFmt")), props.find(_w("numStart"))
            fmt_val = fmt_el.get(_w("val")) if fmt_el is not None else None
            start_val = (start_el.get(_w("val")) if start_el is not None else None) or ""
            if fmt_val:
                fmt = fmt_val
            if start_val.isdigit():
                start = max(1, int(start_val))
            numbering[kind] = (fmt, start)
    return numbering


# Letters and symbols repeat (aa, ‡‡) and Roman numerals lengthen with the count: past these a label is
# written in digits, so a document with a million notes does not cost labels of a quarter million characters.
_MAX_REPEAT = 10
_MAX_ROMAN = 3999


def _label(fmt: str, n: int) -> str:
    """Note `n` as Word writes it in `fmt`; formats we do not draw fall back to digits, as do absurd counts."""
    if (fmt.endswith("Roman") and n > _MAX_ROMAN) or (fmt.endswith("Letter") and n > 26 * _MAX_REPEAT) \
            or (fmt == "chicago" and n > 4 * _MAX_REPEAT):
        return str(n)
    if fmt == "lowerRoman":
        return _roman(n)
    if fmt == "upperRoman":
        return _roman(n).upper()
    if fmt in ("lowerLetter", "upperLetter"):
        letter = "abcdefghijklmnopqrstuvwxyz"[(n - 1) % 26] * ((n - 1) // 26 + 1)  # a … z, aa … zz
        return letter if fmt == "lowerLetter" else letter.upper()
    if fmt == "chicago":
        return "*†‡§"[(n - 1) % 4] * ((n - 1) // 4 + 1)
    return str(n)


def _roman(n: int) -> str:
    numerals = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
                (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))
    out = ""
    for value, letters in numerals:
        while n >= value:
            out += letters
            n -= value
    return out
