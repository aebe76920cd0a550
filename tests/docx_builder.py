"""Small but valid .docx files for tests, written with zipfile.

A paragraph is a string or a list of runs; a run is one of:

    "plain text"                 a text run
    Link("Example", "https://…") a w:hyperlink whose target lives in the part's .rels (External);
                                 anchor="frag" adds a w:anchor, Link("see", None, anchor="b") a bookmark jump
    FieldLink("text", "https://…")  an old-style HYPERLINK field code (bookmark=True: `\\l "name"`)
    FootnoteRef(5) / EndnoteRef(2)  a reference to the note with that XML id
    Deleted(run)                 the run inside a tracked deletion (w:del)
    TextBox([paragraph, …])      a floating text box, written as Word does: the DrawingML shape
                                 (mc:Choice) and a VML copy for old readers (mc:Fallback)

    build_docx(path,
               paragraphs=["Intro.", ["Claim", FootnoteRef(1), "."]],
               footnotes={1: ["Azattyq, ", Link("article", "https://rus.azattyq.org/a/1.html")]})

`footnotes` / `endnotes` map an id to one paragraph of runs; None (the default) leaves the part
out of the package, a dict (even empty) writes it with Word's separator and continuation notes.
Each note starts with Word's own `w:footnoteRef` mark, as Word writes it.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WML = "application/vnd.openxmlformats-officedocument.wordprocessingml"


@dataclass(frozen=True)
class Link:
    text: str
    url: str | None  # None with an anchor: a jump to a bookmark inside the document
    anchor: str | None = None  # w:anchor, the fragment Word keeps apart from the target


@dataclass(frozen=True)
class FieldLink:
    text: str
    url: str
    bookmark: bool = False  # `HYPERLINK \l "name"`: a jump inside the document, `url` is the bookmark


@dataclass(frozen=True)
class FootnoteRef:
    id: int


@dataclass(frozen=True)
class EndnoteRef:
    id: int


@dataclass(frozen=True)
class TextBox:
    paragraphs: tuple


_TEXTBOX = (
    '<w:r><mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:v="urn:schemas-microsoft-com:vml">'
    '<mc:Choice Requires="wps"><w:drawing><wp:anchor><a:graphic>'
    '<a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
    '<wps:wsp><wps:txbx><w:txbxContent>{inner}</w:txbxContent></wps:txbx></wps:wsp>'
    '</a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>'
    '<mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>{inner}</w:txbxContent></v:textbox></v:shape>'
    '</w:pict></mc:Fallback></mc:AlternateContent></w:r>'
)


@dataclass(frozen=True)
class Deleted:
    run: object


class _Part:
    """One XML part being written, with the external hyperlinks it needs in its .rels."""

    def __init__(self) -> None:
        self.links: list[str] = []

    def rel_id(self, url: str) -> str:
        self.links.append(url)
        return f"rIdLink{len(self.links)}"

    def rels_xml(self, internal: list[tuple[str, str, str]] = ()) -> str:
        rels = [
            f'<Relationship Id="{rid}" Type="{REL_TYPE}/{kind}" Target="{target}"/>'
            for rid, kind, target in internal
        ]
        rels += [
            f'<Relationship Id="rIdLink{i}" Type="{REL_TYPE}/hyperlink" Target={quoteattr(url)} TargetMode="External"/>'
            for i, url in enumerate(self.links, start=1)
        ]
        return _xml(f'<Relationships xmlns="{PKG_RELS_NS}">{"".join(rels)}</Relationships>')

    def run(self, item) -> str:
        if isinstance(item, str):
            return f'<w:r><w:t xml:space="preserve">{escape(item)}</w:t></w:r>'
        if isinstance(item, Link):
            rid = f' r:id="{self.rel_id(item.url)}"' if item.url is not None else ""
            anchor = f" w:anchor={quoteattr(item.anchor)}" if item.anchor is not None else ""
            return f'<w:hyperlink{rid}{anchor} w:history="1">' \
                   f'<w:r><w:rPr><w:rStyle w:val="Hyperlink"/></w:rPr><w:t xml:space="preserve">{escape(item.text)}</w:t></w:r></w:hyperlink>'
        if isinstance(item, FieldLink):
            switch = "\\l " if item.bookmark else ""
            code = escape(f' HYPERLINK {switch}"{item.url}" ')
            return ('<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
                    f'<w:r><w:instrText xml:space="preserve">{code}</w:instrText></w:r>'
                    '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
                    f'<w:r><w:t xml:space="preserve">{escape(item.text)}</w:t></w:r>'
                    '<w:r><w:fldChar w:fldCharType="end"/></w:r>')
        if isinstance(item, FootnoteRef):
            return f'<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteReference w:id="{item.id}"/></w:r>'
        if isinstance(item, EndnoteRef):
            return f'<w:r><w:rPr><w:rStyle w:val="EndnoteReference"/></w:rPr><w:endnoteReference w:id="{item.id}"/></w:r>'
        if isinstance(item, TextBox):
            return _TEXTBOX.format(inner="".join(self.paragraph(p) for p in item.paragraphs))
        if isinstance(item, Deleted):
            inner = self.run(item.run).replace("<w:t ", "<w:delText ").replace("</w:t>", "</w:delText>")
            return f'<w:del w:id="900" w:author="Editor" w:date="2024-04-12T00:00:00Z">{inner}</w:del>'
        raise TypeError(f"not a run: {item!r}")

    def paragraph(self, runs, style: str | None = None, first: str = "") -> str:
        runs = [runs] if isinstance(runs, str) else list(runs)
        ppr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
        return f"<w:p>{ppr}{first}{''.join(self.run(r) for r in runs)}</w:p>"


def _xml(body: str) -> str:
    return '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + body


def _notes_xml(part: _Part, kind: str, notes: dict) -> str:
    """footnotes.xml / endnotes.xml: Word's separator (-1) and continuation separator (0), then the notes."""
    tag = f"w:{kind}"
    items = [
        f'<{tag} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></{tag}>',
        f'<{tag} w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></{tag}>',
    ]
    style = "FootnoteText" if kind == "footnote" else "EndnoteText"
    mark = f'<w:r><w:rPr><w:rStyle w:val="{kind.capitalize()}Reference"/></w:rPr><w:{kind}Ref/></w:r>'
    for note_id, runs in notes.items():
        items.append(f'<{tag} w:id="{note_id}">{part.paragraph(runs, style, first=mark)}</{tag}>')
    return _xml(f'<w:{kind}s xmlns:w="{W_NS}" xmlns:r="{R_NS}">{"".join(items)}</w:{kind}s>')


def build_docx(path, paragraphs=(), footnotes: dict | None = None, endnotes: dict | None = None,
               compression: int = zipfile.ZIP_DEFLATED, settings: str | None = None, section: str = "",
               core: dict | None = None) -> Path:
    """Write a .docx at `path` (see the module docstring) and return its Path.

    `compression=zipfile.ZIP_STORED` keeps each part's bytes readable in the file, for tests
    that damage one part on purpose. `settings` is the inside of word/settings.xml (such as
    `<w:endnotePr><w:numFmt w:val="decimal"/></w:endnotePr>`), `section` extra XML for the body's
    last w:sectPr, where Word writes a section's own note numbering. `core` maps docProps/core.xml's
    elements to their text (`{"dcterms:modified": "2024-05-03T09:12:00Z", "dc:title": "…"}`), as Word
    writes the part and points to it from _rels/.rels; a str is written as the part's whole text.
    """
    path = Path(path)
    parts: dict[str, str] = {}
    overrides = [("/word/document.xml", f"{WML}.document.main+xml")]
    internal: list[tuple[str, str, str]] = []
    for kind, notes in (("footnote", footnotes), ("endnote", endnotes)):
        if notes is None:
            continue
        note_part = _Part()
        parts[f"word/{kind}s.xml"] = _notes_xml(note_part, kind, notes)
        if note_part.links:
            parts[f"word/_rels/{kind}s.xml.rels"] = note_part.rels_xml()
        overrides.append((f"/word/{kind}s.xml", f"{WML}.{kind}s+xml"))
        internal.append((f"rId{kind}s", f"{kind}s", f"{kind}s.xml"))
    body = _Part()
    paras = "".join(body.paragraph(p) for p in paragraphs)
    parts["word/document.xml"] = _xml(
        f'<w:document xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:body>{paras}'
        f'<w:sectPr>{section}<w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>'
    )
    if settings is not None:
        parts["word/settings.xml"] = _xml(f'<w:settings xmlns:w="{W_NS}">{settings}</w:settings>')
        overrides.append(("/word/settings.xml", f"{WML}.settings+xml"))
        internal.append(("rIdSettings", "settings", "settings.xml"))
    parts["word/_rels/document.xml.rels"] = body.rels_xml(internal)
    package_rels = f'<Relationship Id="rId1" Type="{REL_TYPE}/officeDocument" Target="word/document.xml"/>'
    if core is not None:
        parts["docProps/core.xml"] = core if isinstance(core, str) else _core_xml(core)
        overrides.append(("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"))
        package_rels += (f'<Relationship Id="rId2" Type="{PKG_RELS_NS}/metadata/core-properties" '
                         'Target="docProps/core.xml"/>')
    parts["_rels/.rels"] = _xml(f'<Relationships xmlns="{PKG_RELS_NS}">{package_rels}</Relationships>')
    parts["[Content_Types].xml"] = _content_types(overrides)
    with zipfile.ZipFile(path, "w", compression) as package:
        for name in ["[Content_Types].xml", "_rels/.rels"] + sorted(n for n in parts if n.startswith(("word/", "docProps/"))):
            package.writestr(name, parts[name])
    return path


def _core_xml(properties: dict) -> str:
    """docProps/core.xml as Word writes it: W3CDTF dates typed xsi:type="dcterms:W3CDTF"."""
    typed = ' xsi:type="dcterms:W3CDTF"'
    items = "".join(f'<{name}{typed if name.startswith("dcterms:") else ""}>{escape(value)}</{name}>'
                    for name, value in properties.items())
    return _xml(
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"{items}</cp:coreProperties>"
    )


def _content_types(overrides: list[tuple[str, str]]) -> str:
    items = "".join(f'<Override PartName="{name}" ContentType="{ctype}"/>' for name, ctype in overrides)
    return _xml(
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f"{items}</Types>"
    )
