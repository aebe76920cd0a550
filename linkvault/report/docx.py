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

import posixpath
import re
import zipfile
import zlib
from io import BytesIO

from lxml import etree

from linkvault.errors import InputError
from linkvault.model import Citation, Entry
from linkvault.report.txt import Line, parse_lines
from linkvault.report.urls import find_urls

# Unpacked parts above this size are a zip bomb, not a report.
MAX_PART_BYTES = 200 * 1024 * 1024
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


def parse_docx(data: bytes, path: str) -> tuple[list[Citation], list[Entry]]:
    try:
        package = zipfile.ZipFile(BytesIO(data))
    except _UNREADABLE as exc:
        raise InputError(f"not a readable .docx file ({_why(exc)})", path=path) from exc
    document = _read_xml(package, "word/document.xml", path)
    if document is None:
        raise InputError("not a readable .docx file (no word/document.xml inside)", path=path)
    links = _relationships(package, "word/document.xml", path)
    paragraphs = [p for p in document.iter(_w("p"))]
    citations: list[Citation] = []
    order: dict[str, list[tuple[str, int]]] = {"footnote": [], "endnote": []}
    lines: list[Line] = []
    for lineno, p in enumerate(paragraphs, start=1):
        lines.append((lineno, _paragraph_text(p, links)))
        for ref in p.iter(_w("footnoteReference"), _w("endnoteReference")):
            if _deleted(ref) or _in_text_box(ref, p):  # a tracked deletion, or a text box's paragraph (its own line)
                continue
            kind = "footnote" if ref.tag == _w("footnoteReference") else "endnote"
            order[kind].append((ref.get(_w("id"), ""), lineno))
    notes = {kind: _read_notes(package, part, kind, path) for kind, part in _NOTE_KINDS}
    if not order["footnote"] and not order["endnote"]:
        return parse_lines(lines)
    numbering = _numbering(package, document, path)
    entries: list[Entry] = []
    for kind in ("footnote", "endnote"):
        fmt, start = numbering[kind]
        labels: dict[str, str] = {}
        for note_id, lineno in order[kind]:
            if note_id not in labels:
                labels[note_id] = _label(fmt, start + len(labels))
                if note_id in notes[kind]:
                    text, urls = notes[kind][note_id]
                    entries.append(Entry(label=labels[note_id], line=lineno, text=text, urls=urls))
            citations.append(Citation(labels[note_id], lineno))
    return citations, entries


def _why(exc: Exception) -> str:
    return " ".join(str(exc).split()) or exc.__class__.__name__


def _read_xml(package: zipfile.ZipFile, name: str, path: str) -> etree._Element | None:
    """The part parsed, None when the package has no such part; a damaged part is an InputError."""
    try:
        info = package.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_PART_BYTES:
        raise InputError(f"not a readable .docx file ({name} unpacks to {info.file_size // (1024 * 1024)} MiB)", path=path)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(package.read(info), parser)
    except _UNREADABLE as exc:
        raise InputError(f"not a readable .docx file ({name}: {_why(exc)})", path=path) from exc
    # Word writes a text box twice: the shape (mc:Choice) and a VML copy for old readers (mc:Fallback).
    for fallback in list(root.iter(f"{{{MC}}}Fallback")):
        fallback.getparent().remove(fallback)
    return root


def _deleted(el: etree._Element) -> bool:
    return any(a.tag in _DELETIONS for a in el.iterancestors())


def _relationships(package: zipfile.ZipFile, part: str, path: str) -> dict[str, str]:
    rels_name = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
    rels = _read_xml(package, rels_name, path)
    if rels is None:
        return {}
    return {
        rel.get("Id", ""): rel.get("Target", "")
        for rel in rels.iter(f"{{{PR}}}Relationship")
        if rel.get("TargetMode") == "External"
    }


def _read_notes(package: zipfile.ZipFile, part: str, kind: str, path: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    root = _read_xml(package, part, path)
    if root is None:
        return {}
    links = _relationships(package, part, path)
    notes = {}
    for note in root.iter(_w(kind)):
        if note.get(_w("type")) in ("separator", "continuationSeparator", "continuationNotice"):
            continue
        text = " ".join(_paragraph_text(p, links, show_targets=False) for p in note.iter(_w("p")))
        text = " ".join(text.split())
        urls: list[str] = []
        for link in note.iter(_w("hyperlink")):
            target = _link_target(link, links)
            if target and target not in urls and not _deleted(link):
                urls.append(target)
        for url in _field_links(note):
            if url not in urls:
                urls.append(url)
        for _, _, url in find_urls(text):
            if not any(_bare(u).startswith(_bare(url)) for u in urls):
                urls.append(url)
        notes[note.get(_w("id"), "")] = (text, tuple(urls))
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


def _paragraph_text(p: etree._Element, links: dict[str, str], show_targets: bool = True) -> str:
    """The paragraph's visible text; with `show_targets`, each link's target written after its text."""
    parts: list[str] = []

    def walk(el: etree._Element) -> None:
        for child in el:
            if child.tag == _w("hyperlink"):
                visible = _runs_text(child)
                target = _link_target(child, links)
                if show_targets and target:
                    # The target stands for any address the visible text shows ("www.x.kz").
                    for start, end, _ in reversed(find_urls(visible)):
                        visible = visible[:start] + visible[end:]
                    visible = f"{visible} {target} "
                parts.append(visible)
            elif child.tag == _w("r"):
                parts.append(_runs_text(child))
            elif child.tag not in _DELETIONS:
                walk(child)

    walk(p)
    text = "".join(parts)
    if show_targets:
        for url in _field_links(p):
            if url not in text:
                text += f" {url}"
    return text


def _runs_text(el: etree._Element) -> str:
    return "".join(
        (t.text or "") if t.tag == _w("t") else " "
        for t in el.iter(_w("t"), _w("tab"), _w("br"))
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


def _numbering(package: zipfile.ZipFile, document: etree._Element, path: str) -> dict[str, tuple[str, int]]:
    """How Word numbers each kind of note: the document's settings, then its last section's own.

    Unset, footnotes count 1, 2, 3 and endnotes i, ii, iii (the defaults of Word and of the standard).
    """
    numbering = {"footnote": ("decimal", 1), "endnote": ("lowerRoman", 1)}
    settings = _read_xml(package, "word/settings.xml", path)
    sections = document.findall(f".//{_w('sectPr')}")
    for scope in [settings, sections[-1] if sections else None]:
        if scope is None:
            continue
        for kind in numbering:
            props = scope.find(_w(f"{kind}Pr"))
            if props is None:
                continue
            fmt, start = numbering[kind]
            fmt_el, start_el = props.find(_w("numFmt")), props.find(_w("numStart"))
            if fmt_el is not None and fmt_el.get(_w("val")):
                fmt = fmt_el.get(_w("val"))
            if start_el is not None and (start_el.get(_w("val")) or "").isdigit():
                start = max(1, int(start_el.get(_w("val"))))
            numbering[kind] = (fmt, start)
    return numbering


def _label(fmt: str, n: int) -> str:
    """Note `n` as Word writes it in `fmt`; formats we do not draw fall back to digits."""
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
