"""Reference dates: the day each footnote's source is read at (its chronicle entry's date, else the report's own
date, else --as-of), and the report's own date as each format states it. Never today's clock (issue 14)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from docx_builder import FootnoteRef, Link, build_docx

from linkvault import parse_report, parse_text
from linkvault.claims.refdate import reference_dates
from linkvault.model import ReferenceDate
from linkvault.model.copies import AS_OF, ENTRY_DATE, REPORT_DATE

ROOT = Path(__file__).resolve().parents[1]
WORD_FILES = ROOT.parent / "shared" / "real-pages" / "word_footnotes"

# A chronicle's paragraphs as the example report writes them, with the year nowhere but in the sources' URLs.
ENTRIES_EN = (
    "April 4, Almaty, Kazakh political scientist Syroezhkin K. has been granted conditional release from prison[1].\n\n"
    "On April 13, the police detained two activists near the akimat of Uralsk[2].\n\n"
    "Astana, April 22, the possibility of blocking TikTok has been considered by the Ministry of Culture[3].\n\n"
    "The court upheld the fine imposed on Alina Smakova for participation in an unregistered party[4].\n\n"
    "Notes\n"
    "[1] https://kaztag.kz/ru/news/syroezhkin-2024\n"
    "[2] https://www.azattyq.org/a/uralsk-2024-04-13/32900001.html\n"
    "[3] https://informburo.kz/novosti/tiktok-2024\n"
    "[4] https://rus.azattyq.org/a/smakova-2024/32900002.html\n"
)
ENTRIES_RU = (
    "4 апреля, Алматы, политолог Сыроежкин К., осуждённый в 2019 году, освобождён условно-досрочно[1].\n\n"
    "Астана, 22 апреля, Министерство культуры и информации рассматривает блокировку TikTok[2].\n\n"
    "Примечания\n"
    "[1] https://kaztag.kz/ru/news/syroezhkin\n"
    "[2] https://informburo.kz/novosti/tiktok\n"
)
NO_YEAR = (
    "April 4, Almaty, activists gathered near the akimat[1].\n\n"
    "Notes\n"
    "[1] https://kaztag.kz/ru/news/akimat\n"
)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _html(head: str, body: str) -> str:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'>{head}</head><body>{body}"
            "<p>April 4, Almaty, activists gathered near the akimat<sup><a href='#fn1' id='r1'>1</a></sup>.</p>"
            "<ol><li id='fn1'><a href='https://kaztag.kz/ru/news/akimat'>KazTAG</a> <a href='#r1'>↩</a></li></ol>"
            "</body></html>")


# -- the report's own date, per format ---------------------------------------------------------------------------


def test_html_published_time_is_the_report_date_before_updated_time_and_the_header(tmp_path):
    head = ("<meta property='og:updated_time' content='2024-06-01T10:00:00+05:00'>"
            "<meta property='article:published_time' content='2024-05-03T08:00:00+05:00'>")
    body = "<header><h1>Chronicle</h1><time datetime='2024-05-02'>2 May 2024</time></header>"
    report = parse_report(_write(tmp_path, "chronicle.html", _html(head, body)))
    assert (report.date, report.date_detail) == (date(2024, 5, 3), "meta article:published_time")


@pytest.mark.parametrize("head, body, day, detail", [
    ("<meta property='og:updated_time' content='2024-06-01T10:00:00Z'>", "", date(2024, 6, 1), "meta og:updated_time"),
    ("<meta name='DCTERMS.date' content='2024-05-06'>", "", date(2024, 5, 6), "meta dcterms.date"),
    ("<meta name='date' content='May 7, 2024'>", "", date(2024, 5, 7), "meta date"),
    ("", "<header><p>By Adil Soz</p><time datetime='2024-05-02T09:00'>2 May</time></header>",
     date(2024, 5, 2), "<time datetime> in <header>"),
])
def test_html_metadata_an_author_states_dates_the_report(tmp_path, head, body, day, detail):
    report = parse_report(_write(tmp_path, "chronicle.html", _html(head, body)))
    assert (report.date, report.date_detail) == (day, detail)


def test_a_word_html_export_is_dated_by_its_title_before_its_last_saved_stamp(tmp_path):
    word = ("<!--[if gte mso 9]><xml><o:DocumentProperties><o:Author>Editor</o:Author>"
            "<o:Created>2024-05-02T06:00:00Z</o:Created><o:LastSaved>2026-11-02T09:12:00Z</o:LastSaved>"
            "</o:DocumentProperties></xml><![endif]-->")
    titled = parse_report(_write(tmp_path, "export.htm", _html(f"<title>Хроника нарушений, апрель 2024</title>{word}", "")))
    assert (titled.date, titled.date_detail) == (date(2024, 4, 30), 'title "Хроника нарушений, апрель 2024"')
    untitled = parse_report(_write(tmp_path, "export2.htm", _html(word, "")))
    assert (untitled.date, untitled.date_detail) == (date(2026, 11, 2), "Word's o:LastSaved")


def test_markdown_front_matter_date_is_the_report_date(tmp_path):
    text = "---\ntitle: \"Chronicle, April 2024\"\ndate: 2024-05-05\nlang: en\n---\n\n" + \
        "April 4, Almaty, activists gathered near the akimat[^1].\n\n[^1]: https://kaztag.kz/ru/news/akimat\n"
    report = parse_report(_write(tmp_path, "chronicle.md", text))
    assert (report.date, report.date_detail) == (date(2024, 5, 5), "front matter date")
    worded = parse_report(_write(tmp_path, "worded.md", text.replace("2024-05-05", "'May 6, 2024'")))
    assert worded.date == date(2024, 5, 6)


def test_a_markdown_heading_naming_a_month_gives_its_last_day(tmp_path):
    text = "# Chronicle of violations, April 2024\n\n" + \
        "April 4, Almaty, activists gathered near the akimat[^1].\n\n[^1]: https://kaztag.kz/ru/news/akimat\n"
    report = parse_report(_write(tmp_path, "chronicle.md", text))
    assert (report.date, report.date_detail) == (date(2024, 4, 30), 'opening line "Chronicle of violations, April 2024"')


def _docx(tmp_path: Path, name: str = "report.docx", opening: tuple = (), core=None) -> Path:
    return build_docx(
        tmp_path / name,
        paragraphs=[*opening, ["April 4, Almaty, activists gathered near the akimat.", FootnoteRef(1)]],
        footnotes={1: ["KazTAG, ", Link("article", "https://kaztag.kz/ru/news/akimat")]},
        core=core,
    )


def test_docx_core_properties_date_the_report_modified_before_created(tmp_path):
    both = _docx(tmp_path, "both.docx", core={"dc:creator": "Editor", "dcterms:created": "2024-04-01T08:00:00Z",
                                             "dcterms:modified": "2024-05-03T17:40:00Z"})
    assert (parse_report(both).date, parse_report(both).date_detail) == \
        (date(2024, 5, 3), "docProps/core.xml dcterms:modified")
    created = _docx(tmp_path, "created.docx", core={"dcterms:created": "2024-05-01T08:00:00Z"})
    assert (parse_report(created).date, parse_report(created).date_detail) == \
        (date(2024, 5, 1), "docProps/core.xml dcterms:created")


def test_docx_dateline_and_title_come_before_the_stamps_every_save_moves(tmp_path):
    stamps = {"dcterms:created": "2024-04-01T08:00:00Z", "dcterms:modified": "2026-11-02T09:00:00Z"}
    dateline = _docx(tmp_path, "dateline.docx", opening=("Chronicle of violations", "as of 05.05.2024"), core=stamps)
    assert (parse_report(dateline).date, parse_report(dateline).date_detail) == \
        (date(2024, 5, 5), 'opening line "as of 05.05.2024"')
    titled = _docx(tmp_path, "titled.docx", core={**stamps, "dc:title": "Хроника за апрель 2024 года"})
    assert (parse_report(titled).date, parse_report(titled).date_detail) == \
        (date(2024, 4, 30), 'title "Хроника за апрель 2024 года"')


def test_a_docx_with_a_broken_core_part_is_read_as_before_and_dated_by_what_else_it_says(tmp_path):
    broken = "<cp:coreProperties><dcterms:modified>2024-05-03"
    report = parse_report(_docx(tmp_path, core=broken))
    assert [e.urls for e in report.entries] == [("https://kaztag.kz/ru/news/akimat",)]
    assert report.date is None
    dateline = parse_report(_docx(tmp_path, "dateline.docx", opening=("5 May 2024",), core=broken))
    assert (dateline.date, dateline.date_detail) == (date(2024, 5, 5), 'opening line "5 May 2024"')


def test_a_docx_core_part_of_megabytes_is_not_read_for_a_date(tmp_path):
    padded = {"dc:description": "x" * (2 << 20), "dcterms:modified": "2024-05-03T17:40:00Z"}
    report = parse_report(_docx(tmp_path, core=padded))
    assert report.date is None and len(report.entries) == 1


@pytest.mark.skipif(not WORD_FILES.is_dir(), reason=f"real Word files not present ({WORD_FILES})")
def test_real_word_files_are_dated_by_their_core_properties():
    report = parse_report(WORD_FILES / "mammoth_footnotes.docx")
    assert (report.date, report.date_detail) == (date(2014, 6, 10), "docProps/core.xml dcterms:modified")


@pytest.mark.parametrize("opening, day", [
    ("5 May 2024", date(2024, 5, 5)),
    ("Situation as of 05.05.2024", date(2024, 5, 5)),
    ("по состоянию на 5 мая 2024 г.", date(2024, 5, 5)),
    ("2024 жылғы 6 мамыр", date(2024, 5, 6)),
    ("Weekly review: from March 28 to April 4, 2024", date(2024, 4, 4)),
    ("Қазақстандағы адам құқықтары, 2024 жылғы сәуір", date(2024, 4, 30)),
])
def test_a_dated_opening_line_of_a_text_report_is_its_date(tmp_path, opening, day):
    report = parse_report(_write(tmp_path, "report.txt", f"Human rights chronicle\n\n{opening}\n\n{NO_YEAR}"))
    assert report.date == day and report.date_detail.startswith("opening line")


def test_a_date_inside_the_reports_body_is_an_event_not_the_reports_date(tmp_path):
    text = "On March 28, 2024, I was unlawfully detained by police officers, the activist said[1].\n\n" + \
        "Notes\n[1] https://kaztag.kz/ru/news/detained\n"
    assert parse_report(_write(tmp_path, "report.txt", text)).date is None


def test_a_dated_sentence_citing_a_note_in_html_is_an_event_not_the_reports_date(tmp_path):
    body = "<h1>Chronicle</h1><p>On 2 May 2024 police detained two activists<sup><a href='#fn1'>1</a></sup>.</p>"
    assert parse_report(_write(tmp_path, "chronicle.html", _html("", body))).date is None
    bracketed = "<h1>[Draft] Chronicle</h1><p>as of 5 May 2024</p>"  # a bracketed word is no marker
    assert parse_report(_write(tmp_path, "draft.html", _html("", bracketed))).date == date(2024, 5, 5)


@pytest.mark.parametrize("name, day", [
    ("kz-chronicle-2024-04.txt", date(2024, 4, 30)),
    ("review_2024-04-05.txt", date(2024, 4, 5)),
    ("chronicle-february-2024.txt", date(2024, 2, 29)),
    ("chronicle.txt", None),
])
def test_a_file_name_naming_a_month_or_day_dates_the_report(tmp_path, name, day):
    report = parse_report(_write(tmp_path, name, NO_YEAR))
    assert report.date == day
    assert (report.date_detail == f'file name "{name}"') if day else report.date_detail is None


def test_the_example_report_is_dated_by_its_file_name():
    report = parse_report(ROOT / "examples" / "kz-chronicle-2024-04.txt")
    assert (report.date, report.date_detail) == (date(2024, 4, 30), 'file name "kz-chronicle-2024-04.txt"')


# -- reference dates -----------------------------------------------------------------------------------------------


def test_each_footnote_is_read_at_its_entrys_date_else_the_reports(tmp_path):
    dates = reference_dates(parse_report(_write(tmp_path, "kz-chronicle-2024-04.txt", ENTRIES_EN)))
    assert dates == {
        "1": ReferenceDate(date(2024, 4, 4), ENTRY_DATE, 'entry: "April 4"'),
        "2": ReferenceDate(date(2024, 4, 13), ENTRY_DATE, 'entry: "On April 13"'),
        "3": ReferenceDate(date(2024, 4, 22), ENTRY_DATE, 'entry: "April 22"'),  # the place before the date
        "4": ReferenceDate(date(2024, 4, 30), REPORT_DATE, 'file name "kz-chronicle-2024-04.txt"'),
    }


def test_russian_entries_are_dated_with_the_year_the_report_writes():
    dates = reference_dates(parse_text(ENTRIES_RU))
    assert dates["1"] == ReferenceDate(date(2019, 4, 4), ENTRY_DATE, 'entry: "4 апреля"')  # 2019: the only year written
    assert dates["2"].day == date(2019, 4, 22)
    with_year = reference_dates(parse_text(ENTRIES_RU.replace("kaztag.kz/ru/news/syroezhkin",
                                                              "kaztag.kz/ru/news/2024/syroezhkin-2024")))
    assert with_year["1"].day == date(2024, 4, 4)
    kazakh = reference_dates(parse_text("4 сәуір, Алматы, белсенділер әкімдік алдына жиналды[1].\n\n"
                                        "[1] https://kaztag.kz/kz/news/2024/akimat\n"))
    assert kazakh == {"1": ReferenceDate(date(2024, 4, 4), ENTRY_DATE, 'entry: "4 сәуір"')}


def test_the_example_reports_footnotes_are_read_at_their_entries_dates():
    dates = reference_dates(parse_report(ROOT / "examples" / "kz-chronicle-2024-04.txt"))
    assert len(dates) == 100
    assert dates["1"] == ReferenceDate(date(2024, 4, 1), ENTRY_DATE, 'entry: "April 1"')
    assert dates["6"].day == dates["7"].day == date(2024, 4, 4)
    assert dates["12"] == ReferenceDate(date(2024, 4, 7), ENTRY_DATE, 'entry: "7 April"')
    assert dates["68"].day == date(2024, 4, 22)  # "Astana, April 22, …"
    assert dates["83"] == ReferenceDate(date(2024, 4, 30), REPORT_DATE, 'file name "kz-chronicle-2024-04.txt"')
    assert {d.basis for d in dates.values()} == {ENTRY_DATE, REPORT_DATE}
    assert all(date(2024, 4, 1) <= d.day <= date(2024, 4, 30) for d in dates.values())


def test_a_report_without_any_year_or_date_has_no_reference_date_whatever_today_is():
    """The claim check's report_year guesses this year; a reference date must never come from the clock."""
    report = parse_text(NO_YEAR)
    assert report.date is None
    assert reference_dates(report) == {"1": ReferenceDate(None)}


def test_as_of_is_the_last_resort(tmp_path):
    as_of = date(2024, 5, 10)
    assert reference_dates(parse_text(NO_YEAR), as_of) == {"1": ReferenceDate(as_of, AS_OF, "--as-of 2024-05-10")}
    entries = reference_dates(parse_text(ENTRIES_EN), as_of)  # years written (in the URLs), no report date
    assert entries["1"].basis == ENTRY_DATE and entries["4"] == ReferenceDate(as_of, AS_OF, "--as-of 2024-05-10")
    dated = reference_dates(parse_report(_write(tmp_path, "kz-chronicle-2024-04.txt", ENTRIES_EN)), as_of)
    assert dated["4"].basis == REPORT_DATE


def test_an_entry_without_a_year_takes_the_reports_dates_year(tmp_path):
    text = "Weekly review\n\n5 January 2025\n\nDecember 28, Almaty, activists gathered[1].\n\n" + \
        "January 3, Astana, a journalist was detained[2].\n\n" + \
        "Notes\n[1] https://kaztag.kz/ru/news/akimat\n[2] https://kaztag.kz/ru/news/detained\n"
    dates = reference_dates(parse_report(_write(tmp_path, "weekly.txt", text)))
    assert dates["2"] == ReferenceDate(date(2025, 1, 3), ENTRY_DATE, 'entry: "January 3"')
    assert dates["1"].day == date(2024, 12, 28)  # a report of 5 January tells of last December


def test_an_entry_dated_after_the_report_is_a_typo_and_passed_over(tmp_path):
    text = "Chronicle of violations\nas of 30 April 2024\n\nMay 4, Almaty, activists gathered near the akimat[1].\n\n" + \
        "April 4, Astana, a journalist was detained[2].\n\n" + \
        "Notes\n[1] https://kaztag.kz/ru/news/akimat-2024\n[2] https://kaztag.kz/ru/news/detained-2024\n"
    dates = reference_dates(parse_report(_write(tmp_path, "chronicle.txt", text)))
    assert dates["1"] == ReferenceDate(date(2024, 4, 30), REPORT_DATE,
                                       'opening line "as of 30 April 2024"; the entry\'s "May 4" is later, passed over')
    assert dates["2"] == ReferenceDate(date(2024, 4, 4), ENTRY_DATE, 'entry: "April 4"')


def test_html_and_docx_footnotes_are_read_at_their_entrys_date_like_plain_text(tmp_path):
    """Linked HTML notes and Word's footnotes record their citing paragraph as plain text does (they once kept
    none and were read at the report's own date): an entry's date stands before the document's."""
    html = parse_report(_write(tmp_path, "chronicle.html", _html(
        "<meta property='article:published_time' content='2024-05-03T08:00:00Z'>", "")))
    docx = parse_report(_docx(tmp_path, core={"dcterms:modified": "2024-05-03T17:40:00Z"}))
    assert reference_dates(html) == reference_dates(docx) == {
        "1": ReferenceDate(date(2024, 4, 4), ENTRY_DATE, 'entry: "April 4"')}  # its year: the report's date's
    undated = parse_report(_write(tmp_path, "undated.html", _html(
        "<meta property='article:published_time' content='2024-05-03T08:00:00Z'>", "").replace("April 4, ", "")))
    assert reference_dates(undated) == {"1": ReferenceDate(date(2024, 5, 3), REPORT_DATE, "meta article:published_time")}


# The same chronicle in three formats: dated entries, the year written only in the sources' addresses (which a
# Word note keeps out of its text), a weekly review cited by an earlier entry, a page filed a month after the
# event, a review of the wrong week.
CHRONICLE_TITLE = "Chronicle of violations of freedom of speech"
CHRONICLE = [
    ("April 1, Almaty, the weekly monitoring reported new detentions of journalists", [1]),
    ("On April 13, the police detained two activists near the akimat of Uralsk", [2, 3]),
    ("Astana, April 22, the review of Adil Soz for 4–11 April counted twelve violations", [4]),
    ("The court upheld the fine imposed on Alina Smakova", [5]),
]
CHRONICLE_URLS = {
    1: "https://adilsoz.kz/weekly-monitoring/narusheniya-svobody-slova-v-kazahstane-s-4-po-11-aprelya-2024-g-.html",
    2: "https://www.azattyq.org/a/uralsk-2024-04-13/32900001.html",
    3: "https://mediazona.ca/news/2024/05/14/uralsk",
    4: "https://adilsoz.kz/weekly-monitoring/narusheniya-svobody-slova-v-kazahstane-s-11-po-18-aprelya-2024-g-.html",
    5: "https://rus.azattyq.org/a/smakova-2024/32900002.html",
}


def _chronicle(tmp_path: Path) -> dict[str, Path]:
    def body(mark) -> list[str]:
        return [text + "".join(mark(n) for n in notes) + "." for text, notes in CHRONICLE]

    txt = "\n\n".join([CHRONICLE_TITLE, *body(lambda n: f"[{n}]"), "Notes"]) + "\n" + "".join(
        f"[{n}] {u}\n" for n, u in CHRONICLE_URLS.items())
    md = "\n\n".join([f"# {CHRONICLE_TITLE}", *body(lambda n: f"[^{n}]")]) + "\n\n" + "".join(
        f"[^{n}]: {u}\n" for n, u in CHRONICLE_URLS.items())
    docx = build_docx(tmp_path / "chronicle-2024-04.docx",
                      paragraphs=[CHRONICLE_TITLE, *([text, *(FootnoteRef(n) for n in notes), "."]
                                                     for text, notes in CHRONICLE)],
                      footnotes={n: ["Source: ", Link("the page", u)] for n, u in CHRONICLE_URLS.items()})
    return {"txt": _write(tmp_path, "chronicle-2024-04.txt", txt), "md": _write(tmp_path, "chronicle-2024-04.md", md),
            "docx": docx}


def test_a_markdown_and_a_word_chronicle_get_the_reference_dates_and_date_findings_of_the_same_text(tmp_path):
    import linkvault

    reports = _chronicle(tmp_path)
    dates = {fmt: reference_dates(parse_report(path)) for fmt, path in reports.items()}
    assert dates["txt"] == {
        "1": ReferenceDate(date(2024, 4, 1), ENTRY_DATE, 'entry: "April 1"'),
        "2": ReferenceDate(date(2024, 4, 13), ENTRY_DATE, 'entry: "On April 13"'),
        "3": ReferenceDate(date(2024, 4, 13), ENTRY_DATE, 'entry: "On April 13"'),
        "4": ReferenceDate(date(2024, 4, 22), ENTRY_DATE, 'entry: "April 22"'),
        "5": ReferenceDate(date(2024, 4, 30), REPORT_DATE, 'file name "chronicle-2024-04.txt"')}
    days = {fmt: {label: (d.day, d.basis) for label, d in of.items()} for fmt, of in dates.items()}
    assert days["md"] == days["docx"] == days["txt"]  # the details differ only in the file name read
    findings = {fmt: sorted((f.kind, f.number, f.message) for f in linkvault.check(path).findings
                            if f.kind in ("wrong-link", "entry-date", "source-date"))
                for fmt, path in reports.items()}
    assert findings["txt"] == [
        ("entry-date", 1, "[1] is an entry of 1 April 2024 but cites a period ending 11 April 2024"),
        ("source-date", 3, "[3] reports an event of 13 April 2024 from a page filed 14 May 2024, 31 days after it"),
        ("wrong-link", 4, "[4] cites 4–11 April 2024; the linked page covers 11–18 April 2024 (its address reads "
                          "'s-11-po-18-aprelya-2024')")]
    assert findings["md"] == findings["docx"] == findings["txt"]
