"""`render_review` in every format, and its HTML in a real headless Chromium: hostile page data stays text."""

from __future__ import annotations

import csv
import io
import json
import re
import struct
from html.parser import HTMLParser

import pytest
from chromium import CHROMIUM, SKIP_REASON, dump_dom, screenshot
from review_rows import review_row

from linkvault.findings import check_report
from linkvault.parsing import parse_text
from linkvault.render.review import render_review, summary_line
from linkvault.reviewing import Review

REPORT = "reports/kz-chronicle-2024-04.txt"
TEXT = """Police confirmed the arrest[1]. The activist posted on Facebook[2]. The channel reported it[3].
The site published an overview[4]. The deputies were criticised[5].

[1] https://rus.azattyq.org/a/32885631.html
[2] https://www.facebook.com/permalink.php?story_fbid=pfbid02abc&id=100064
[3] https://t.me/orda_kz/12345
[4] https://adilet.zan.kz/rus/news/2024-04-04?utm_source=telegram
"""
WARC = "linkvault-20240420091500-4242-00000.warc.gz"
AT = "2024-04-20T09:15:02.123456Z"
HOSTILE_TITLE = ("</title><script>document.title='PWNED'</script>"
                 """<img src=x onerror="document.body.setAttribute('data-pwned','1')">""")
HOSTILE_REPORT = 'reports/"><script>document.title="PWNED"</script>.txt'
HOSTILE_URL = """https://evil.example.kz/x?a=1&b="><svg onload=document.body.setAttribute('data-pwned','3')>"""


def _rows() -> list:
    return [
        review_row(1, "1", 4, "https://rus.azattyq.org/a/32885631.html", "rus.azattyq.org", "alive", "ok", "HTTP 200",
                  200, "https://rus.azattyq.org/a/32885631.html", "В Астане задержан журналист Адильбеков", AT,
                  WARC, 0, 1),
        review_row(2, "2", 5, "https://www.facebook.com/permalink.php?story_fbid=pfbid02abc&id=100064",
                  "www.facebook.com", "restricted", "login-wall",
                  "redirected to a login page (https://www.facebook.com/login/)", 200,
                  "https://www.facebook.com/login/", "Log in to Facebook", AT, WARC, 18734, 2),
        review_row(3, "3", 6, "https://t.me/orda_kz/12345", "t.me", "dead", "deleted-post",
                  "Telegram says post 12345 of @orda_kz was not found", 200, "https://t.me/orda_kz/12345",
                  "Telegram: Contact @orda_kz", AT, WARC, 40211, 3),
        review_row(4, "4", 7, "https://adilet.zan.kz/rus/news/2024-04-04?utm_source=telegram", "adilet.zan.kz", "dead",
                  "soft-404", 'the page answers 200 but says it is not found ("Страница не найдена | Adilet")', 200,
                  "https://adilet.zan.kz/rus/news/2024-04-04?utm_source=telegram", "Страница не найдена | Adilet", AT,
                  WARC, 63020, 4),
        review_row(5, "5", 2, None, None, "missing", "missing-footnote",
                  "cited in the text but the footnote list has no entry for it"),
    ]


def make_review() -> Review:
    return Review(REPORT, check_report(parse_text(TEXT, path=REPORT)), _rows())


def hostile_review() -> Review:
    text = TEXT.replace("[5].", "[5] [6] [7] [8].") + (
        "[6] javascript:alert(1)\n[7] https://evil.example.kz/x\n[8] <img src=x onerror=document.title='PWNED'>\n")
    rows = _rows() + [
        review_row(6, "6", 8, "javascript:alert(1)", None, "refused", "unsupported-scheme",
                  "<b>bold</b> claim: only http and https links are archived"),
        review_row(7, "7", 9, HOSTILE_URL, "evil.example.kz", "alive", "ok", "HTTP 200\n| injected | cells |", 200,
                  "javascript:void(0)", HOSTILE_TITLE, AT, WARC + '"><b>', 90000, 7),
        review_row(8, "8", 10, None, None, "missing", "no-url",
                  "the entry has no URL: <img src=x onerror=document.title='PWNED'>"),
    ]
    return Review(HOSTILE_REPORT, check_report(parse_text(text, path=HOSTILE_REPORT)), rows)


def test_summary_line_counts_categories_and_missing_sources():
    assert summary_line(make_review()) == "5 footnotes: 1 alive, 2 dead, 1 restricted; 1 cited with no source"


def test_json_is_one_object_with_every_footnote():
    review = make_review()
    data = json.loads(render_review(review, "json"))
    assert list(data) == ["report", "format", "summary", "findings", "footnotes"]
    assert data["report"] == REPORT
    assert data["summary"] == {"footnotes": 5, "links": 4, "missing": 1,
                               "by_category": {"alive": 1, "failing": 0, "dead": 2, "restricted": 1, "refused": 0,
                                               "unknown": 0},
                               "by_state": {"deleted-post": 1, "login-wall": 1, "ok": 1, "soft-404": 1}}
    assert [(f["severity"], f["kind"], f["number"]) for f in data["findings"]] == [
        ("error", "missing-footnote", 5), ("info", "tracking-parameters", 4)]
    assert data["footnotes"][0] == {
        "number": 1, "label": "1", "line": 4, "url": "https://rus.azattyq.org/a/32885631.html",
        "host": "rus.azattyq.org", "category": "alive", "state": "ok", "detail": "HTTP 200", "http_status": 200,
        "final_url": "https://rus.azattyq.org/a/32885631.html", "title": "В Астане задержан журналист Адильбеков",
        "archived_at": AT, "warc": {"file": WARC, "offset": 0}, "claim": None}
    assert [(x["number"], x["category"], x["state"], x["warc"] and x["warc"]["offset"]) for x in data["footnotes"]] == [
        (1, "alive", "ok", 0), (2, "restricted", "login-wall", 18734), (3, "dead", "deleted-post", 40211),
        (4, "dead", "soft-404", 63020), (5, "missing", "missing-footnote", None)]
    assert data["footnotes"][4] == {"number": 5, "label": "5", "line": 2, "url": None, "host": None,
                                    "category": "missing", "state": "missing-footnote",
                                    "detail": "cited in the text but the footnote list has no entry for it",
                                    "http_status": None, "final_url": None, "title": None, "archived_at": None,
                                    "warc": None, "claim": None}


def test_csv_has_a_row_per_footnote():
    rows = list(csv.reader(io.StringIO(render_review(make_review(), "csv"))))
    assert rows[0] == ["number", "url", "host", "category", "state", "detail", "http_status", "final_url", "title",
                       "archived_at", "warc_file", "warc_offset"]
    assert rows[3] == ["3", "https://t.me/orda_kz/12345", "t.me", "dead", "deleted-post",
                       "Telegram says post 12345 of @orda_kz was not found", "200", "https://t.me/orda_kz/12345",
                       "Telegram: Contact @orda_kz", AT, WARC, "40211"]
    assert rows[5] == ["5", "", "", "missing", "missing-footnote", "cited in the text but the footnote list has no entry for it",
                       "", "", "", "", "", ""]
    assert len(rows) == 6


def test_csv_defuses_spreadsheet_formulas_from_page_titles():
    review = make_review()
    review.rows[0].capture.title = '=HYPERLINK("http://evil.example.kz","click")'
    rows = list(csv.reader(io.StringIO(render_review(review, "csv"))))
    assert rows[1][8] == "'" + review.rows[0].title


def test_markdown_escapes_pipes_newlines_and_html():
    text = render_review(hostile_review(), "markdown")
    lines = text.split("\n")
    assert "**Summary:** 8 footnotes: 2 alive, 2 dead, 1 restricted, 1 refused; 2 cited with no source" in lines
    table = [line for line in lines if line.startswith("| ")]
    assert len(table) == 1 + 8  # header + one row per footnote
    assert all(len(re.findall(r"(?<!\\)\|", line)) == 8 for line in table)  # 7 columns, no cell escaped its own
    row4 = next(line for line in table if line.startswith("| 4 |"))
    assert "Страница не найдена \\| Adilet" in row4 and "2024-04-20 |" in row4
    row7 = next(line for line in table if line.startswith("| 7 |"))
    assert "HTTP 200 \\| injected \\| cells \\|" in row7 and "\\</title>\\<script>" in row7
    assert "| 5 |  | missing |" in text
    assert "- **error** [5] line 2: missing-footnote:" in text and "tracking-parameters" not in text


def test_table_lists_rows_summary_and_serious_findings():
    text = render_review(make_review(), "table", width=220)
    for needle in ("[1]", "rus.azattyq.org", "В Астане задержан журналист Адильбеков", "2024-04-20", "login-wall",
                   "Log in to Facebook", "deleted-post", "soft-404", "missing",
                   "cited in the text but the footnote list has no entry for it",
                   "5 footnotes: 1 alive, 2 dead, 1 restricted; 1 cited with no source", "Errors (1)",
                   "missing-footnote"):
        assert needle in text
    assert "tracking-parameters" not in text  # info findings are not for the editor here
    order = [text.index(f"[{n}]") for n in range(1, 6)]
    assert order == sorted(order)
    assert "\x1b" not in text


def test_table_colours_categories_only_when_asked():
    text = render_review(make_review(), "table", color=True, width=220)
    assert re.search(r"\x1b\[32m\s*alive", text) and re.search(r"\x1b\[31m\s*dead", text)
    assert re.search(r"\x1b\[33m\s*restricted", text)


def test_html_escapes_everything_from_data_and_loads_nothing_external():
    review = hostile_review()
    page = render_review(review, "html")
    assert HOSTILE_TITLE not in page and "<b>bold</b>" not in page and "<svg" not in page
    assert "&lt;/title&gt;&lt;script&gt;document.title=&#x27;PWNED&#x27;&lt;/script&gt;" in page
    assert page.count("<script") == 1 and page.count("<title>") == 1
    [csp] = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    directives = dict(d.strip().partition(" ")[::2] for d in csp.split(";"))
    assert directives["default-src"] == "'none'" and directives["img-src"] == "data:"
    assert directives["style-src"] == "'unsafe-inline'"
    assert directives["script-src"].startswith("'unsafe-inline' 'sha256-")
    tags = _Tags()
    tags.feed(page)
    web = {u for r in review.rows for u in (r.url, r.final_url) if u and u.startswith(("http://", "https://"))}
    for tag, attrs in tags.tags:
        assert not any(name.startswith("on") or name in ("src", "srcset", "style", "action") for name, _ in attrs), tag
        if tag == "a":
            assert attrs["href"] in web and attrs["rel"] == "noopener noreferrer" and attrs["target"] == "_blank"
        else:
            assert "href" not in attrs
    assert not re.search(r"url\(|@import", page)
    assert "javascript:alert(1)" in page and 'href="javascript' not in page


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: dict[str, list[str]] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, _Attrs(attrs)))
        self._open.append(tag)

    def handle_endtag(self, tag):
        if tag in self._open:
            del self._open[len(self._open) - 1 - self._open[::-1].index(tag):]

    def handle_data(self, data):
        if self._open:
            self.text.setdefault(self._open[-1], []).append(data)


class _Attrs(dict):
    """Attributes as a dict that also iterates as (name, value) pairs."""

    def __init__(self, pairs):
        super().__init__(pairs)
        self.pairs = pairs

    def __iter__(self):
        return iter(self.pairs)


chromium = pytest.mark.skipif(CHROMIUM is None, reason=SKIP_REASON)


@pytest.fixture
def page(tmp_path):
    path = tmp_path / "review.html"
    path.write_text(render_review(hostile_review(), "html"), encoding="utf-8")
    return path


@chromium
def test_html_in_chromium_runs_its_script_and_nothing_injected(page, tmp_path):
    dom = dump_dom(page, tmp_path / "profile")
    tags = _Tags()
    tags.feed(dom)
    body = dict(next(attrs for tag, attrs in tags.tags if tag == "body"))
    assert body.get("data-ready") == "1", "the filter script did not run"
    assert not [attrs for _, attrs in tags.tags if "data-pwned" in attrs], "an injected handler ran"
    assert "".join(tags.text["title"]) == f"linkvault review: {HOSTILE_REPORT}", "an injected script ran"
    assert not [attrs for tag, attrs in tags.tags if tag in ("img", "svg", "iframe", "object", "embed")]
    assert [tag for tag, _ in tags.tags].count("script") == 1
    assert "bold" not in tags.text.get("b", [])  # <b> in a detail stayed text
    rows = [dict(attrs) for tag, attrs in tags.tags if tag == "tr" and "data-cat" in attrs]
    assert [r["data-cat"] for r in rows] == ["alive", "restricted", "dead", "dead", "missing", "refused", "alive",
                                             "missing"]
    assert not any("hidden" in r for r in rows)
    text = "".join(chunk for chunks in tags.text.values() for chunk in chunks)
    for needle in (HOSTILE_TITLE, "<b>bold</b> claim", "javascript:alert(1)", HOSTILE_REPORT, "Log in to Facebook",
                   "Страница не найдена | Adilet", "8 of 8 rows shown", f"{WARC} @ 40211"):
        assert needle in text, needle
    links = [dict(attrs)["href"] for tag, attrs in tags.tags if tag == "a"]
    assert "https://t.me/orda_kz/12345" in links and HOSTILE_URL in links
    assert not [h for h in links if not h.startswith("https://")]


@chromium
def test_html_in_chromium_filters_rows_by_category_from_the_fragment(page, tmp_path):
    dom = dump_dom(page, tmp_path / "profile", fragment="#category=dead,missing")
    tags = _Tags()
    tags.feed(dom)
    rows = [dict(attrs) for tag, attrs in tags.tags if tag == "tr" and "data-cat" in attrs]
    assert [(r["data-cat"], "hidden" in r) for r in rows] == [
        ("alive", True), ("restricted", True), ("dead", False), ("dead", False), ("missing", False),
        ("refused", True), ("alive", True), ("missing", False)]
    assert "4 of 8 rows shown" in dom


@chromium
def test_html_in_chromium_renders_a_screenshot(page, tmp_path):
    out = screenshot(page, tmp_path / "out.png", tmp_path / "profile")
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1280, 900)
    assert len(data) > 20_000, f"screenshot is only {len(data)} bytes: a blank page?"


@chromium
def test_html_csp_alone_stops_injected_scripts(tmp_path, monkeypatch):
    """Defence in depth: even with escaping broken, only the page's own (hashed) script may run."""
    import linkvault.render.review as module

    monkeypatch.setattr(module, "_e", lambda value: "" if value is None else str(value))
    page = tmp_path / "broken.html"
    page.write_text(render_review(hostile_review(), "html"), encoding="utf-8")
    tags = _Tags()
    tags.feed(dump_dom(page, tmp_path / "profile"))
    body = dict(next(attrs for tag, attrs in tags.tags if tag == "body"))
    assert body.get("data-ready") == "1" and "data-pwned" not in body
    assert "".join(tags.text["title"]).startswith("linkvault review: ")  # no injected script set it to PWNED


def long_review() -> Review:
    """Twelve footnotes with long URLs, details and titles: the table is squeezed, the number column first."""
    long = "очень-длинный-заголовок-статьи-" * 6
    rows = [review_row(n, str(n), n, f"https://rus.azattyq.org/a/{long}{n}.html", "rus.azattyq.org", "dead",
                      "redirected-to-homepage", f"redirected to https://rus.azattyq.org/ (site front page) {long}", 200,
                      "https://rus.azattyq.org/", f"Азаттык: {long}", AT, WARC, n * 1000, n)
            for n in range(1, 13)]
    text = "".join(f"Claim {n}[{n}].\n" for n in range(1, 13)) + "\n" + "".join(f"[{r.number}] {r.url}\n" for r in rows)
    return Review(REPORT, check_report(parse_text(text, path=REPORT)), rows)


@chromium
@pytest.mark.parametrize("width", [1280, 640])
def test_html_footnote_numbers_never_wrap_in_chromium(tmp_path, width):
    from chromium import measure_lines

    page = tmp_path / "review.html"
    page.write_text(render_review(long_review(), "html"), encoding="utf-8")
    tags = _Tags()
    tags.feed(measure_lines(page, "#links tbody td:first-child", tmp_path / "profile", size=(width, 900)))
    cells = [dict(attrs) for tag, attrs in tags.tags if tag == "td" and "data-lines" in attrs]
    assert len(cells) == 12
    for number, cell in enumerate(cells, 1):
        assert cell["data-lines"] == "1", (number, cell)
        assert int(cell["data-height"]) <= 1.5 * int(cell["data-line-height"]), (number, cell)


# Marks every table cell with the words of its text (outside links, where a URL may fold anywhere) that the
# layout split across two lines: data-split="word|word".
_SPLIT_WORDS = """<script>(function(){var cells=document.querySelectorAll('#links tbody td');
for(var i=0;i<cells.length;i++){var split=[],walk=document.createTreeWalker(cells[i],NodeFilter.SHOW_TEXT),n;
while((n=walk.nextNode())){if(n.parentElement.closest('a'))continue;var re=/[^\\s-]+-?/g,m;
while((m=re.exec(n.data))){var r=document.createRange();r.setStart(n,m.index);r.setEnd(n,m.index+m[0].length);
var tops={};[].forEach.call(r.getClientRects(),function(x){if(x.width>0)tops[Math.round(x.top)]=1;});
if(Object.keys(tops).length>1)split.push(m[0]);}}cells[i].setAttribute('data-split',split.join('|'));}})();</script>"""


def editors_review() -> Review:
    """Rows as the example's fetch gives them: Russian titles, a Telegram detail, HTTP codes, a missing footnote."""
    titles = ("Суд назначил штраф за призыв к несанкционированному митингу", "Правозащитники потребовали освободить "
              "политического заключённого", "Депутаты предложили поправки в закон «О масс-медиа»")
    slug = "politsiya-podtverdila-arest-zhurnalista-daniyara-adilbekova-po-ugolovnomu-delu"
    rows = [review_row(n, str(n), 200 + n, f"https://kaztag.kz/ru/news/{slug}-{n}", "kaztag.kz", "alive",
                      "ok", "archived", 200, None, f"{titles[n % 3]} ({n})", AT, WARC, n * 1000, n)
            for n in range(1, 10)]
    rows.append(review_row(11, "11", 211, "https://vlast.kz/novosti/59686-ugolovnuu-otvetstvennost-za-propagandu-lgbt-"
                          "predlagaut-vvesti-deputaty-ot-pravasej-partii.html", "vlast.kz", "alive", "ok", "archived",
                          200, None, "На пресс-конференции представили законопроект о национальном превентивном "
                          "механизме (11)", AT, WARC, 274216, 11))
    rows.append(review_row(10, "10", None, None, None, None, "missing-footnote",
                          "cited in the text but the footnote list has no entry for it", None, None, None, None, None,
                          None, None))
    rows.append(review_row(16, "16", 216, "https://t.me/protenge_kz/2717", "t.me", "alive", "ok",
                          "Telegram post protenge_kz/2717 archived with its text", 200, None, "protenge_kz", AT, WARC,
                          271838, 16))
    rows.append(review_row(8, "8", 208, "https://bureau.kz/novosti/novyj-vitok/", "bureau.kz", "dead",
                          "redirected-to-homepage", "redirected to https://bureau.kz/ (site front page)", 200,
                          "https://bureau.kz/", "Казахстанское бюро по правам человека", AT, WARC, 277277, 8))
    text = "".join(f"Claim {r.number}[{r.number}].\n" for r in rows) + "\n" + "".join(
        f"[{r.number}] {r.url}\n" for r in rows if r.url)
    return Review(REPORT, check_report(parse_text(text, path=REPORT)), rows)


@chromium
@pytest.mark.parametrize("width", [1280, 1000, 600])
def test_html_cells_break_lines_between_words_never_inside_one_in_chromium(tmp_path, width):
    """The example's page at 1280 px read 'missing-/footnot/e' and cut a Telegram post's number; at 600 px every
    title was cut every few letters. A word may only break after its hyphen (a link's URL anywhere)."""
    from chromium import probe

    page = tmp_path / "review.html"
    page.write_text(render_review(editors_review(), "html"), encoding="utf-8")
    tags = _Tags()
    tags.feed(probe(page, _SPLIT_WORDS, tmp_path / "profile", size=(width, 1600)))
    cells = [dict(attrs) for tag, attrs in tags.tags if tag == "td" and "data-split" in attrs]
    assert len(cells) == 13 * 7
    assert [c["data-split"] for c in cells if c["data-split"]] == []
