"""Word reports robustified: in each footnote or endnote that cites a URL with versions, the words of the plain-text
group are added at the end of the note, each version a real hyperlink (a `w:hyperlink` whose relationship lives in
that part's own `.rels`, TargetMode External). Only the notes part, its `.rels` and, when that part is new and the
package has no default for `.rels`, `[Content_Types].xml` change; every other part is written back from its exact
bytes, in the original order, with its original zip entry (name, date, compression, attributes).
"""

from __future__ import annotations

import posixpath
import zipfile
from copy import deepcopy
from io import BytesIO

from lxml import etree

from linkvault.parsing.archived import group_at
from linkvault.parsing.docx import parse_docx
from linkvault.parsing.urls import find_urls
from linkvault.render.robust.versions import Versions, checked, group_items

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PR = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
HYPERLINK = f"{R}/hyperlink"
OUR_ID = "rIdLv"  # our relationships' ids: rIdLv1, rIdLv2 …
_PARTS = (("footnote", "word/footnotes.xml"), ("endnote", "word/endnotes.xml"))
_SEPARATORS = ("separator", "continuationSeparator", "continuationNotice")
# The order of a run's properties (CT_RPr), so the properties we add keep the document valid.
_RPR_ORDER = ("rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint noProof snapToGrid "
              "vanish webHidden color spacing w kern position sz szCs highlight u effect bdr shd fitText vertAlign rtl "
              "cs em lang eastAsianLayout specVanish oMath").split()
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=False)


def _w(name: str) -> str:
    return f"{{{W}}}{name}"


def robustify_docx(data: bytes, versions: Versions) -> bytes:
    """The .docx `data` with each note's cited URLs followed by their versions; every other part as it was."""
    found = checked(versions)
    parse_docx(data, "<report>")  # the reader's bounds first: a zip bomb is refused before anything is unpacked
    package = zipfile.ZipFile(BytesIO(data))
    parts = {info.filename: package.read(info) for info in package.infolist()}
    changed: dict[str, bytes] = {}
    for kind, name in _PARTS:
        if name in parts:
            changed.update(_notes_part(parts, kind, name, found))
    if not changed:
        return data
    if any(name not in parts for name in changed):
        changed.update(_content_types(parts))
    return _repack(package, parts, changed)


class _Rels:
    """A part's relationships: the existing ones read, ours added and dropped."""

    def __init__(self, xml: bytes | None):
        self.root = etree.fromstring(xml, _PARSER) if xml else etree.Element(f"{{{PR}}}Relationships", nsmap={None: PR})
        self.new = xml is None
        self.changed = False

    def targets(self) -> dict[str, str]:
        return {rel.get("Id", ""): rel.get("Target", "") for rel in self.root.iter(f"{{{PR}}}Relationship")
                if rel.get("TargetMode") == "External"}

    def add(self, uri: str) -> str:
        used = {rel.get("Id") for rel in self.root.iter(f"{{{PR}}}Relationship")}
        rid = next(f"{OUR_ID}{n}" for n in range(1, len(used) + 2) if f"{OUR_ID}{n}" not in used)
        etree.SubElement(self.root, f"{{{PR}}}Relationship",
                         {"Id": rid, "Type": HYPERLINK, "Target": uri, "TargetMode": "External"})
        self.changed = True
        return rid

    def drop(self, rids: set[str]) -> None:
        for rel in list(self.root.iter(f"{{{PR}}}Relationship")):
            if rel.get("Id") in rids and (rel.get("Id") or "").startswith(OUR_ID):
                self.root.remove(rel)
                self.changed = True


def _notes_part(parts: dict[str, bytes], kind: str, name: str, versions: Versions) -> dict[str, bytes]:
    """The notes part and its .rels rewritten, when a note in it cites a URL with versions or holds our group."""
    rels_name = posixpath.join(posixpath.dirname(name), "_rels", posixpath.basename(name) + ".rels")
    root = etree.fromstring(parts[name], _PARSER)
    rels = _Rels(parts.get(rels_name))
    hyperlink_style = b'w:styleId="Hyperlink"' in parts.get("word/styles.xml", b"")
    touched = False
    for note in root.iterchildren(_w(kind)):
        if note.get(_w("type")) in _SEPARATORS:
            continue
        cited = [url for url in _note_urls(note, rels.targets()) if url in versions]
        if not cited:
            continue  # a note we do not write into keeps what it holds
        removed: set[str] = set()
        for p in note.iter(_w("p")):
            removed |= _remove_groups(p)
        rels.drop(removed)
        paragraphs = list(note.iter(_w("p")))
        for url in cited:
            _add_group(paragraphs[-1], group_items(versions[url]), rels, hyperlink_style)
        touched = True
    if not touched:
        return {}
    out = {name: _serialise(root)}
    if rels.changed:
        out[rels_name] = _serialise(rels.root)
    return out


def _text(el: etree._Element) -> str:
    """The visible text of a run or hyperlink, as the reader reads it (a tab or break a space)."""
    return "".join((t.text or "") if t.tag == _w("t") else " " for t in el.iter(_w("t"), _w("tab"), _w("br")))


def _note_urls(note: etree._Element, targets: dict[str, str]) -> list[str]:
    """The note's URLs in order: its links' targets (with `w:anchor` as the fragment), then addresses typed in it."""
    urls: dict[str, None] = {}
    for link in note.iter(_w("hyperlink")):
        target = targets.get(link.get(f"{{{R}}}id", ""))
        anchor = link.get(_w("anchor"))
        if target:
            urls.setdefault(target.split("#", 1)[0] + "#" + anchor if anchor else target)
    text = " ".join("".join(_text(child) for child in p) for p in note.iter(_w("p")))
    for _, _, url in find_urls(text):
        urls.setdefault(url)
    return list(urls)


def _remove_groups(p: etree._Element) -> set[str]:
    """Take our earlier groups out of a paragraph (the runs and hyperlinks that hold exactly one); their r:ids."""
    spans, at = [], 0
    for child in p:
        text = _text(child) if child.tag in (_w("r"), _w("hyperlink")) else ""
        spans.append((child, at, at + len(text)))
        at += len(text)
    text = "".join(_text(child) for child, _, _ in spans if child.tag in (_w("r"), _w("hyperlink")))
    removed: set[str] = set()
    start = text.find(" (")
    while start >= 0:
        group = group_at(text, start + 1)
        inside = [child for child, a, b in spans if group and start <= a and b <= group[0] and b > a]
        if group and inside and any(a == start for _, a, _ in spans) and any(b == group[0] for _, _, b in spans):
            for child in inside:
                removed |= {rid for rid in [child.get(f"{{{R}}}id")] if rid}
                p.remove(child)
        start = text.find(" (", start + 1)
    return removed


def _add_group(p: etree._Element, items: list[tuple[str, str]], rels: _Rels, hyperlink_style: bool) -> None:
    """Append ` (archived 2024-04-05: ` URI-M `; Save Page Now …: ` URI `)`, each URI a hyperlink, to the paragraph."""
    base = _base_properties(p)
    for i, (words, uri) in enumerate(items):
        p.append(_run(("; " if i else " (") + words + ": ", base))
        link = etree.SubElement(p, _w("hyperlink"), nsmap={"w": W, "r": R})
        link.set(f"{{{R}}}id", rels.add(uri))
        link.set(_w("history"), "1")
        link.append(_run(uri, _link_properties(base, hyperlink_style)))
    p.append(_run(")", base))


def _run(text: str, properties: etree._Element | None) -> etree._Element:
    run = etree.Element(_w("r"), nsmap={"w": W})
    if properties is not None and len(properties):
        run.append(deepcopy(properties))
    t = etree.SubElement(run, _w("t"))
    t.text = text
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return run


def _base_properties(p: etree._Element) -> etree._Element | None:
    """The run properties of the note's own text (font, size), without a character style, colour or underline."""
    runs = [r for r in p.iter(_w("r")) if r.find(_w("t")) is not None and r.find(_w("footnoteRef")) is None
            and r.find(_w("endnoteRef")) is None]
    own = runs[-1].find(_w("rPr")) if runs else None
    if own is None:
        return None
    properties = deepcopy(own)
    for child in list(properties):
        if etree.QName(child).localname in ("rStyle", "color", "u", "vertAlign", "rPrChange"):
            properties.remove(child)
    return properties


def _link_properties(base: etree._Element | None, hyperlink_style: bool) -> etree._Element:
    """A hyperlink's run: Word's Hyperlink style where the document defines it, else blue and underlined, so
    styles.xml stays as it is."""
    properties = deepcopy(base) if base is not None else etree.Element(_w("rPr"), nsmap={"w": W})
    if hyperlink_style:
        etree.SubElement(properties, _w("rStyle")).set(_w("val"), "Hyperlink")
    else:
        etree.SubElement(properties, _w("color")).set(_w("val"), "0563C1")
        etree.SubElement(properties, _w("u")).set(_w("val"), "single")
    known = {name: i for i, name in enumerate(_RPR_ORDER)}
    properties[:] = sorted(properties, key=lambda el: known.get(etree.QName(el).localname, len(known)))
    return properties


def _serialise(root: etree._Element) -> bytes:
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8", standalone=True)


def _content_types(parts: dict[str, bytes]) -> dict[str, bytes]:
    """[Content_Types].xml with a default for .rels parts, only when it has none (a new .rels part needs one)."""
    root = etree.fromstring(parts["[Content_Types].xml"], _PARSER)
    if any((d.get("Extension") or "").lower() == "rels" for d in root.iter(f"{{{CT}}}Default")):
        return {}
    default = etree.Element(f"{{{CT}}}Default", {"Extension": "rels",
                            "ContentType": "application/vnd.openxmlformats-package.relationships+xml"})
    root.insert(0, default)
    return {"[Content_Types].xml": _serialise(root)}


def _repack(package: zipfile.ZipFile, parts: dict[str, bytes], changed: dict[str, bytes]) -> bytes:
    """The package entry by entry in its own order, each with its own zip entry; new parts at the end."""
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as new:
        for info in package.infolist():
            new.writestr(info, changed.get(info.filename, parts[info.filename]))
        for name in changed.keys() - parts.keys():
            new.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), changed[name],
                         compress_type=zipfile.ZIP_DEFLATED)
        new.comment = package.comment
    return out.getvalue()
