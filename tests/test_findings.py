"""One test per finding kind: what triggers it, and its severity, number and line."""

from __future__ import annotations

import pytest

import linkvault


def findings(write, text, name="r.txt"):
    return linkvault.check(write(name, text)).findings


def only(found, kind):
    return [f for f in found if f.kind == kind]


def test_cited_footnote_without_entry_is_missing(write):
    found = findings(write, "Claim[1]. Claim[2].\n\n[1] https://a.kz/1\n")
    [f] = only(found, "missing-footnote")
    assert (f.severity.value, f.number, f.line) == ("error", 2, 1)


def test_entry_with_nothing_in_it_is_missing(write):
    found = findings(write, "Claim[1]. Claim[2].\n\n[1] https://a.kz/1\n[2]\n")
    [f] = only(found, "missing-footnote")
    assert (f.number, f.line) == (2, 4)
    assert "empty" in f.message


def test_two_entries_with_one_number_are_duplicates(write):
    found = findings(write, "Claim[1].\n\n[1] https://a.kz/1\n[1] https://a.kz/2\n")
    [f] = only(found, "duplicate-footnote")
    assert (f.severity.value, f.number, f.line) == ("error", 1, 4)
    assert "line 3" in f.message


@pytest.mark.parametrize(
    "url",
    ["htps://rus.azattyq.org/a/1.html", "https//kaztag.kz/x", "http://", "https://exa_mple..kz/x",
     "file:///C:/Users/editor/Desktop/source.pdf", "http://kaztag.kz:99999/x", "https://kaztag/x"],
)
def test_url_that_cannot_be_a_web_address_is_invalid(write, url):
    found = findings(write, f"Claim[1].\n\n[1] {url}\n")
    [f] = only(found, "invalid-url")
    assert (f.severity.value, f.number, f.line) == ("error", 1, 3)


@pytest.mark.parametrize("url", ["https://rus.azattyq.org/a/1.html", "http://127.0.0.1:8000/x", "https://xn--80ak6aa92e.com/",
                                 "https://пример.рф/новости", "https://[2001:db8::1]/x"])
def test_real_web_addresses_are_not_invalid(write, url):
    assert not only(findings(write, f"Claim[1].\n\n[1] {url}\n"), "invalid-url")


def test_entry_never_cited_is_uncited(write):
    found = findings(write, "Claim[1].\n\n[1] https://a.kz/1\n[2] https://a.kz/2\n")
    [f] = only(found, "uncited-footnote")
    assert (f.severity.value, f.number, f.line) == ("warning", 2, 4)


def test_markers_out_of_ascending_order_are_flagged(write):
    found = findings(write, "A[1]. B[3].\nC[2].\n\n[1] https://a.kz/1\n[2] https://a.kz/2\n[3] https://a.kz/3\n")
    [f] = only(found, "out-of-order")
    assert (f.severity.value, f.number, f.line) == ("warning", 2, 2)


def test_skipped_numbers_are_flagged_once_as_a_range(write):
    found = findings(write, "A[1]. B[5].\n\n[1] https://a.kz/1\n[5] https://a.kz/5\n")
    [f] = only(found, "out-of-order")
    assert f.number == 2 and "[2]–[4]" in f.message


def test_reusing_an_earlier_footnote_is_not_out_of_order(write):
    found = findings(write, "A[1]. B[2]. Again A[1].\n\n[1] https://a.kz/1\n[2] https://a.kz/2\n")
    assert not found


def test_entry_with_text_but_no_url_is_flagged(write):
    found = findings(write, "A[1].\n\n[1] Interview with the author, Almaty, 12 April 2024\n")
    [f] = only(found, "no-url")
    assert (f.severity.value, f.number) == ("warning", 1)
    assert "Interview with the author" in f.message


@pytest.mark.parametrize(
    "url",
    ["https://tirek.info/v-astane/?preview=true", "https://news.kz/?p=123&preview_id=123&preview_nonce=abc",
     "https://news.kz/wp-admin/post.php?post=5&action=edit", "http://localhost:8080/article",
     "http://192.168.1.10/report.html", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.5/x",
     "http://[::1]/x", "https://intranet.local/doc"],
)
def test_preview_admin_and_private_links_are_drafts(write, url):
    [f] = only(findings(write, f"A[1].\n\n[1] {url}\n"), "draft-url")
    assert (f.severity.value, f.number) == ("warning", 1)


def test_published_links_are_not_drafts(write):
    text = "A[1]. B[2].\n\n[1] https://rus.azattyq.org/a/32887882.html\n[2] https://vlast.kz/novosti/59686-preview-of-the-law.html\n"
    assert not only(findings(write, text), "draft-url")


def test_same_source_under_two_numbers_is_a_duplicate_url(write):
    text = ("A[1]. B[2]. C[3]. D[4].\n\n"
            "[1] https://www.facebook.com/groups/ActivistsNotExtremists/posts/3777964042522851/\n"
            "[2] https://web.facebook.com/groups/ActivistsNotExtremists/posts/3777964042522851/?_rdc=1&_rdr\n"
            "[3] https://rus.azattyq.org/a/32901623.html?fbclid=IwAR325\n"
            "[4] http://m.rus.azattyq.org/a/32901623.html#comments\n")
    dupes = only(findings(write, text), "duplicate-url")
    assert [(f.number, f.line) for f in dupes] == [(2, 4), (4, 6)]
    assert "[1]" in dupes[0].message and "[3]" in dupes[1].message


def test_different_pages_of_one_site_are_not_duplicates(write):
    text = ("A[1]. B[2]. C[3].\n\n[1] https://rus.azattyq.org/a/1.html\n[2] https://rus.azattyq.org/a/2.html\n"
            "[3] https://www.youtube.com/watch?v=KFkxzasYVmg&si=abc\n")
    assert not only(findings(write, text), "duplicate-url")


def test_same_url_twice_in_one_entry_is_not_a_duplicate(write):
    text = "A[1].\n\n[1] https://a.kz/1 (mirror: https://www.a.kz/1)\n"
    assert not only(findings(write, text), "duplicate-url")


def test_tracking_parameters_are_info_and_the_url_is_kept(write):
    url = "https://www.instagram.com/reel/C5i-WgqNq4J/?igsh=MWE1c29hZzdrOWhyNg%3D%3D&utm_source=ig_web"
    result = linkvault.check(write("r.txt", f"A[1].\n\n[1] {url}\n"))
    [f] = only(result.findings, "tracking-parameters")
    assert f.severity.value == "info" and "igsh" in f.message and "utm_source" in f.message
    assert result.report.footnotes[0].urls == (url,)


def test_meaningful_parameters_are_not_tracking(write):
    text = "A[1]. B[2].\n\n[1] https://www.youtube.com/watch?v=eLastwK8RNs\n[2] https://kaztag.kz/search?ref=123&source=rss\n"
    assert not only(findings(write, text), "tracking-parameters")


def test_clean_report_has_no_findings_and_exits_0(write, runner):
    from linkvault.cli import cli

    path = write("r.txt", "A[1]. B[2].\n\n[1] https://a.kz/1\n[2] https://b.kz/2\n")
    result = runner.invoke(cli, ["check", str(path)])
    assert result.exit_code == 0
    assert f"{path}: 2 citations, 2 sources, no problems found" in " ".join(result.output.split())  # wraps as wide as the path
