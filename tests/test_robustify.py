"""robustify's writers (render/robust): a report written back with each footnote's archived versions, in its own
format, every other byte as it was; and the readers, which take those versions as copies of the source, so that
`check` on the robustified report says what it said on the original. Issue 14."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date

import lxml.html
import pytest
from docx_builder import EndnoteRef, FootnoteRef, Link, build_docx

from linkvault.cli import cli
from linkvault.errors import InputError
from linkvault.model import VersionLink
from linkvault.parsing import parse_report, parse_text
from linkvault.parsing.urls import memento_parts
from linkvault.render.robust import robustify_bytes

AZATTYQ = "https://rus.azattyq.org/a/32890123.html"
KAZTAG = "https://kaztag.kz/ru/news/адилбеков-арестован"  # a non-ASCII original, as reports cite it
KAZTAG_URI = "https://kaztag.kz/ru/news/" + "%D0%B0%D0%B4%D0%B8%D0%BB%D0%B1%D0%B5%D0%BA%D0%BE%D0%B2-" \
    "%D0%B0%D1%80%D0%B5%D1%81%D1%82%D0%BE%D0%B2%D0%B0%D0%BD"
VLAST = "https://vlast.kz/novosti/60123-sud.html?utm_source=tg"
# An archive's answer is untrusted: quotes and angle brackets in a memento's URI must come out as one address.
HOSTILE = 'https://web.archive.org/web/20240405101500/https://rus.azattyq.org/a/32890123.html"><script>alert(1)</script>'
HOSTILE_SAFE = ("https://web.archive.org/web/20240405101500/https://rus.azattyq.org/a/32890123.html"
                "%22%3E%3Cscript%3Ealert(1)%3C/script%3E")
KAZTAG_M = f"https://web.archive.org/web/20240403081200/{KAZTAG}"
KAZTAG_M_SAFE = f"https://web.archive.org/web/20240403081200/{KAZTAG_URI}"
PACK = "https://evidence.example/replay/?source=https%3A%2F%2Fevidence.example%2Fkz.wacz#view=replay&ts=20261130"
VERSIONS = {
    AZATTYQ: [VersionLink(HOSTILE, date(2024, 4, 5)),
              VersionLink("https://web.archive.org/web/20261130015012/" + AZATTYQ, date(2026, 11, 30), "Save Page Now"),
              VersionLink(PACK, date(2026, 11, 30), "evidence pack")],
    KAZTAG: [VersionLink(KAZTAG_M, date(2024, 4, 3))],
    VLAST: [VersionLink("https://archive.ph/20240406120000/" + VLAST, date(2024, 4, 6))],
}

TXT = (
    "Chronicle of April 2024\r\n\r\n"
    "April 4, Almaty. Activist Adilbekov was detained [1] and sentenced to 15 days [2].\r\n"
    "April 6, Astana. The court upheld it [3].\r\n\r\n"
    "Sources\r\n"
    f"[1] Azattyq, {AZATTYQ}, 4 April 2024.\r\n"
    f"[2] {KAZTAG}\r\n"
    f"[3] Vlast: {VLAST}\r\n"
)
MD = f"""# Chronicle of April 2024

April 4, Almaty. Activist Adilbekov was detained.[^1] He was sentenced to 15 days.[^2]
April 6, Astana. The court upheld it.[^3] A witness spoke.^[Interview with the author; see also <{VLAST}>.]

[^1]: Azattyq, {AZATTYQ}, 4 April 2024.
[^2]: [KazTAG]({KAZTAG}) and
    the court's page https://sud.gov.kz/rus/news/123
[^3]: Vlast: {VLAST}
"""
HTML = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><base href="https://rus.azattyq.org/"><title>Chronicle</title></head>
<body>
<p>April 4, Almaty. Activist <a href="/a/32890123.html">Adilbekov</a> was detained<sup><a href="#fn1" id="fnref1">1</a></sup>
and sentenced<sup><a href="#fn2" id="fnref2">2</a></sup>.</p>
<!-- <a href="/a/32890123.html">draft</a> -->
<p>April 6, Astana. The court upheld it<sup><a href="#fn3" id="fnref3">3</a></sup>.</p>
<ol class="footnotes">
<li id="fn1"><a href="/a/32890123.html" class=source data-versionurl="https://old.example/stale">Azattyq</a>, 4 April 2024 <a href="#fnref1">↩</a></li>
<li id="fn2"><a
   href="{KAZTAG}"
   >KazTAG</a> <a href="#fnref2">↩</a></li>
<li id="fn3">Vlast: <a href="{VLAST.replace('&', '&amp;')}"/>{VLAST} <a href="#fnref3">↩</a></li>
</ol>
</body></html>
"""


def _docx(path):
    return build_docx(
        path,
        paragraphs=["Chronicle of April 2024", ["April 4, Almaty. Adilbekov was detained", FootnoteRef(1),
                                                " and sentenced", FootnoteRef(2), "."],
                    ["April 6, Astana. The court upheld it", EndnoteRef(1), "."]],
        footnotes={1: ["Azattyq, ", Link("4 April 2024", AZATTYQ)], 2: [f"KazTAG: {KAZTAG}"]},
        endnotes={1: ["Vlast, ", Link("the ruling", VLAST)]},
    )


def _report(tmp_path, fmt: str):
    """A small realistic report of each format on disk."""
    if fmt == "docx":
        return _docx(tmp_path / "report.docx")
    path = tmp_path / f"report.{fmt}"
    path.write_bytes({"txt": TXT, "md": MD, "html": HTML}[fmt].encode("utf-8"))
    return path


def _check(runner, path) -> dict:
    result = runner.invoke(cli, ["check", str(path), "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    data = json.loads(result.stdout)
    data.pop("report")
    return data


@pytest.mark.parametrize("fmt,plain", [("txt", False), ("md", False), ("md", True), ("html", False), ("docx", False)])
def test_check_reads_a_robustified_report_as_it_read_the_original(tmp_path, runner, fmt, plain):
    original = _report(tmp_path, fmt)
    robust = tmp_path / f"robust.{fmt}"
    robust.write_bytes(robustify_bytes(original, fmt, VERSIONS, plain=plain))
    assert robust.read_bytes() != original.read_bytes()
    before, after = _check(runner, original), _check(runner, robust)
    assert after == before
    assert len(after["footnotes"]) == len(before["footnotes"]) >= 3
    entries = {e.label: e for e in parse_report(robust).entries}
    every = {uri for e in entries.values() for uri in e.archived}
    assert HOSTILE_SAFE in every and KAZTAG_M_SAFE in every  # the versions are read back, as copies
    assert not any(uri in e.urls for e in entries.values() for uri in every)


@pytest.mark.parametrize("fmt,plain", [("txt", False), ("md", False), ("md", True), ("html", False), ("docx", False)])
def test_robustifying_a_robustified_report_replaces_its_versions_instead_of_adding_more(tmp_path, fmt, plain):
    once = robustify_bytes(_report(tmp_path, fmt), fmt, VERSIONS, plain=plain)
    assert robustify_bytes(once, fmt, VERSIONS, plain=plain) == once
    newer = {url: [VersionLink("https://arquivo.pt/wayback/20240404000000/" + url, date(2024, 4, 4))]
             for url in VERSIONS}
    again = robustify_bytes(once, fmt, newer, plain=plain)
    assert robustify_bytes(_report(tmp_path, fmt), fmt, newer, plain=plain) == again
    assert b"20240405101500" not in again


def test_plain_text_gets_the_group_after_the_cited_url_and_keeps_every_other_byte(tmp_path):
    out = robustify_bytes(_report(tmp_path, "txt"), "txt", VERSIONS)
    lines, original = out.split(b"\r\n"), TXT.encode().split(b"\r\n")
    assert len(lines) == len(original)
    changed = [i for i, (a, b) in enumerate(zip(lines, original)) if a != b]
    assert changed == [6, 7, 8]  # the three entries, nothing else; CRLF kept
    assert lines[6].decode() == (
        f"[1] Azattyq, {AZATTYQ} (archived 2024-04-05: {HOSTILE_SAFE}; Save Page Now 2026-11-30: "
        f"https://web.archive.org/web/20261130015012/{AZATTYQ}; evidence pack: {PACK}), 4 April 2024.")
    assert lines[7].decode() == f"[2] {KAZTAG} (archived 2024-04-03: {KAZTAG_M_SAFE})"


def test_a_legacy_code_page_report_stays_in_its_code_page(tmp_path):
    text = "Хроника за апрель 2024\n\nАктивист задержан [1].\n\nИсточники\n[1] Азаттык: " + AZATTYQ + "\n"
    path = tmp_path / "report.txt"
    path.write_bytes(text.encode("cp1251"))
    out = robustify_bytes(path, None, VERSIONS)
    assert out.startswith("Хроника за апрель 2024\n".encode("cp1251"))
    assert out.decode("cp1251").endswith(f"{AZATTYQ} (archived 2024-04-05: {HOSTILE_SAFE}; Save Page Now 2026-11-30: "
                                         f"https://web.archive.org/web/20261130015012/{AZATTYQ}; "
                                         f"evidence pack: {PACK})\n")


def test_markdown_gets_the_robust_links_element_inline_or_the_plain_group(tmp_path):
    inline = robustify_bytes(_report(tmp_path, "md"), "md", VERSIONS).decode()
    assert (f'[^2]: <a href="{KAZTAG}" data-originalurl="{KAZTAG_URI}" data-versiondate="2024-04-03" '
            f'data-versionurl="{KAZTAG_M_SAFE}">KazTAG</a> and\n') in inline
    assert (f'[^1]: Azattyq, <a href="{AZATTYQ}" data-originalurl="{AZATTYQ}" data-versiondate="2024-04-05" '
            f'data-versionurl="{HOSTILE_SAFE.replace("&", "&amp;")} https://web.archive.org/web/20261130015012/'
            f'{AZATTYQ} {PACK.replace("&", "&amp;")}">{AZATTYQ}</a>, 4 April 2024.') in inline
    # an autolink cannot hold the element: the group follows it; the inline note keeps its brackets whole
    assert f"see also <{VLAST}> (archived 2024-04-06: https://archive.ph/20240406120000/{VLAST}).]" in inline
    plain = robustify_bytes(_report(tmp_path, "md"), "md", VERSIONS, plain=True).decode()
    assert f"[^2]: [KazTAG]({KAZTAG}) (archived 2024-04-03: {KAZTAG_M_SAFE}) and\n" in plain
    assert "<a " not in plain
    assert "<script>" not in inline + plain


def test_html_changes_only_the_start_tags_of_links_to_a_cited_url_and_escapes_every_value(tmp_path):
    out = robustify_bytes(_report(tmp_path, "html"), "html", VERSIONS).decode()
    ours = re.compile(r' data-(?:originalurl|versiondate|versionurl)="[^"]*"')
    assert ours.sub("", out) == ours.sub("", HTML)  # every byte outside our attributes as it was
    assert "<!-- <a href=\"/a/32890123.html\">draft</a> -->" in out  # a comment is no link
    assert "<script>" not in out and "https://old.example/stale" not in out
    root = lxml.html.document_fromstring(out)
    tagged = {a.get("href"): a for a in root.iter("a") if a.get("data-originalurl")}
    assert set(tagged) == {"/a/32890123.html", KAZTAG, VLAST}
    note = root.get_element_by_id("fn1").find("a")
    assert note.get("data-originalurl") == AZATTYQ  # resolved against <base href>, as the reader resolves it
    assert note.get("data-versiondate") == "2024-04-05"
    assert note.get("data-versionurl").split() == [HOSTILE_SAFE, f"https://web.archive.org/web/20261130015012/{AZATTYQ}",
                                                   PACK]
    assert out.count("data-versionurl") == 4  # the body's link to the source too, each once
    assert root.get_element_by_id("fn2").find("a").get("data-originalurl") == KAZTAG_URI


def _parts(data: bytes) -> tuple[list[zipfile.ZipInfo], dict[str, bytes]]:
    package = zipfile.ZipFile(io.BytesIO(data))
    return package.infolist(), {info.filename: package.read(info) for info in package.infolist()}


def test_docx_adds_the_versions_as_hyperlinks_inside_the_same_note_and_leaves_every_other_part_alone(tmp_path):
    original = _report(tmp_path, "docx")
    infos, before = _parts(original.read_bytes())
    out_infos, after = _parts(robustify_bytes(original, "docx", VERSIONS))
    touched = {"word/footnotes.xml", "word/_rels/footnotes.xml.rels", "word/endnotes.xml", "word/_rels/endnotes.xml.rels"}
    assert [i.filename for i in out_infos][:len(infos)] == [i.filename for i in infos]
    assert {n for n in after if n not in before} == {"word/_rels/footnotes.xml.rels"} - set(before)
    for name in before.keys() - touched:
        assert after[name] == before[name], name
    for old, new in zip(infos, out_infos):
        assert (old.date_time, old.compress_type, old.external_attr) == (new.date_time, new.compress_type,
                                                                         new.external_attr)
    rels = after["word/_rels/footnotes.xml.rels"].decode()
    assert re.search(r'<Relationship Id="(rIdLv\d)" Type="[^"]+/hyperlink" Target="'
                     + re.escape(HOSTILE_SAFE.replace("&", "&amp;")) + '" TargetMode="External"/>', rels)
    rid = re.search(r'Id="(rIdLv\d)"[^>]*Target="' + re.escape(KAZTAG_M_SAFE), rels).group(1)
    notes = after["word/footnotes.xml"].decode()
    assert f'<w:hyperlink r:id="{rid}" w:history="1">' in notes
    assert "<script>" not in notes + rels
    robust = tmp_path / "robust.docx"
    robust.write_bytes(robustify_bytes(original, "docx", VERSIONS))
    text = {e.label: e.text for e in parse_report(robust).entries}
    assert text == {e.label: e.text for e in parse_report(original).entries}
    endnote = next(e for e in parse_report(robust).entries if e.label == "i")
    assert endnote.archived == (f"https://archive.ph/20240406120000/{VLAST}",)


def test_docx_without_a_rels_part_for_its_notes_gets_one_and_the_content_type_it_needs(tmp_path):
    path = build_docx(tmp_path / "typed.docx", paragraphs=[["Claim", FootnoteRef(1), "."]],
                      footnotes={1: [f"KazTAG: {KAZTAG}"]})
    with zipfile.ZipFile(path) as package:  # a package that gives .rels parts no default content type
        parts = {info.filename: package.read(info) for info in package.infolist()}
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>', b"")
    path.unlink()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)
    _, after = _parts(robustify_bytes(path, "docx", VERSIONS))
    assert b'TargetMode="External"' in after["word/_rels/footnotes.xml.rels"]
    assert b'Extension="rels"' in after["[Content_Types].xml"]
    assert parse_report(path).entries[0].urls == (KAZTAG,)


def test_memento_parts_reads_wayback_and_archive_today_uris():
    assert memento_parts("https://web.archive.org/web/20240405101500id_/https://kaztag.kz/a?b=1") == (
        "web.archive.org", "20240405101500", "id_", "https://kaztag.kz/a?b=1")
    assert memento_parts("https://arquivo.pt/wayback/20240405101500/http:/kaztag.kz/a") == (
        "arquivo.pt", "20240405101500", "", "http://kaztag.kz/a")
    assert memento_parts("https://archive.ph/2024.04.05-101500/https://kaztag.kz/a") == (
        "archive.ph", "20240405101500", "", "https://kaztag.kz/a")
    assert memento_parts("https://kaztag.kz/ru/news/20240405101500") is None
    assert memento_parts("https://archive.ph/Xa1bC") is None


def test_a_memento_beside_its_original_is_a_copy_and_a_memento_alone_is_the_source():
    report = parse_text(
        "Detained [1], sentenced [2].\n\n"
        f"[1] {AZATTYQ} (copy: https://web.archive.org/web/20240405101500/{AZATTYQ.replace('https', 'http')})\n"
        f"[2] https://web.archive.org/web/20240403081200/{KAZTAG}\n")
    first, second = report.entries
    assert first.urls == (AZATTYQ,)
    assert first.archived == (f"https://web.archive.org/web/20240405101500/{AZATTYQ.replace('https', 'http')}",)
    assert second.urls == (f"https://web.archive.org/web/20240403081200/{KAZTAG}",) and second.archived == ()


def test_markdown_reads_an_inline_link_element_by_its_href_alone():
    report = parse_text('Claim.[^1]\n\n[^1]: <a href="https://vlast.kz/a/1" title="see https://t.example/x">Vlast</a>\n',
                        "md")
    assert report.entries[0].urls == ("https://vlast.kz/a/1",)


def test_html_reads_a_robust_link_by_its_href_and_its_versions_as_copies():
    report = parse_text('<p>Claim<sup><a href="#fn1" id="r1">1</a></sup>.</p><ol><li id="fn1">'
                        '<a href="https://vlast.kz/a/1" data-originalurl="https://vlast.kz/a/1" '
                        'data-versionurl="https://archive.ph/20240101000000/https://vlast.kz/a/1 2024-01-01">Vlast</a>'
                        ' <a href="#r1">↩</a></li></ol>', "html")
    assert report.entries[0].urls == ("https://vlast.kz/a/1",)
    assert report.entries[0].archived == ("https://archive.ph/20240101000000/https://vlast.kz/a/1",)


def test_a_version_that_is_no_web_address_is_refused_before_anything_is_written(tmp_path):
    bad = {AZATTYQ: [VersionLink("javascript:alert(1)", date(2024, 4, 5))]}
    for fmt in ("txt", "md", "html", "docx"):
        with pytest.raises(ValueError, match="not an absolute http"):
            robustify_bytes(_report(tmp_path, fmt), fmt, bad)
    with pytest.raises(InputError, match="no footnotes"):
        robustify_bytes(f"{AZATTYQ}\n{VLAST}\n".encode(), None, VERSIONS)
