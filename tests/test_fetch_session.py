"""`fetch --cookies FILE --as NAME`: a logged-in account's cookies go to the sites they name and nowhere else, over
real sockets through the fake web's proxy; the captures say which account made them."""

from __future__ import annotations

import gzip
import json
import time

from fakeweb import RequestInfo, Response
from fakeweb.members import ARTICLE_TITLE, MEMBERS, OPEN_PAGE, SECRET, cookies_txt, members_page
from warcio.archiveiterator import ArchiveIterator

from linkvault.cli import cli


def fetch(runner, tmp_path, fakeweb, *extra: str):
    report = tmp_path / "r.txt"
    report.write_text(f"Суд отклонил ходатайство[1], министерство прокомментировало[2].\n\n[1] {MEMBERS}\n[2] {OPEN_PAGE}\n",
                      encoding="utf-8")
    return runner.invoke(cli, ["--vault", str(tmp_path / "vault"), "fetch", str(report), "--proxy", fakeweb.proxy_url,
                               "--ca-bundle", fakeweb.ca_pem_path, "--format", "json", *extra])


def records(vault) -> list:
    found = []
    for warc in sorted((vault / "warc").glob("*.warc.gz")):
        with open(warc, "rb") as fh:
            found += [(r.rec_type, r.rec_headers, r.http_headers, r.content_stream().read()) for r in ArchiveIterator(fh)]
    return found


def test_the_session_cookie_reaches_the_site_it_names_and_no_other_host(runner, tmp_path, fakeweb):
    fakeweb.route_url(MEMBERS, members_page)
    result = fetch(runner, tmp_path, fakeweb, "--cookies", cookies_txt(tmp_path), "--as", "KIBHR research account")
    assert result.exit_code == 0, result.output
    members = [r for r in fakeweb.requests if r.host == "members.vlast.kz"]
    assert members and all(f"xs={SECRET}" in (r.header("Cookie") or "") for r in members)
    others = [r for r in fakeweb.requests if r.host != "members.vlast.kz"]
    assert others and all(SECRET not in repr(r.headers) and r.header("Cookie") is None for r in others)
    [members_item, open_item] = json.loads(result.stdout)["reports"][0]["footnotes"]
    assert members_item["title"] == ARTICLE_TITLE  # the article, not the login form


def test_without_cookies_the_same_page_is_captured_as_anonymous_visitors_see_it(runner, tmp_path, fakeweb):
    fakeweb.route_url(MEMBERS, members_page)
    result = fetch(runner, tmp_path, fakeweb)
    assert result.exit_code == 0, result.output
    assert all(r.header("Cookie") is None for r in fakeweb.requests)
    members_item = json.loads(result.stdout)["reports"][0]["footnotes"][0]
    assert members_item["title"] != ARTICLE_TITLE


def test_the_provenance_names_the_account_and_its_cookie_names_never_their_values(runner, tmp_path, fakeweb):
    fakeweb.route_url(MEMBERS, members_page)
    result = fetch(runner, tmp_path, fakeweb, "--cookies", cookies_txt(tmp_path), "--as", "KIBHR research account")
    assert result.exit_code == 0, result.output
    found = records(tmp_path / "vault")
    ids = {h.get_header("WARC-Target-URI"): h.get_header("WARC-Record-ID") for kind, h, _, _ in found if kind == "response"}
    facts = {h.get_header("WARC-Refers-To"): json.loads(body) for kind, h, _, body in found if kind == "metadata"}
    account = facts[ids[MEMBERS]]["account"]
    assert account["label"] == "KIBHR research account" and account["cookie_names"] == ["c_user", "xs"]
    assert "reflects what that account could see" in account["statement"]
    assert "account" not in facts[ids[OPEN_PAGE]]  # no cookie went there: an anonymous capture, as before


def test_a_malformed_cookies_file_is_one_line_naming_file_and_line_exit_2(runner, tmp_path, fakeweb):
    bad = tmp_path / "cookies.txt"
    bad.write_text(f"# Netscape HTTP Cookie File\n.vlast.kz TRUE / TRUE 0 xs {SECRET}\n", encoding="utf-8")
    result = fetch(runner, tmp_path, fakeweb, "--cookies", str(bad))
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"linkvault: error: {bad}:2: not a cookies.txt line: 7 tab-separated fields "
                                     "expected, found 1")
    assert fakeweb.requests == [] and not (tmp_path / "vault").exists()


def test_a_cookies_file_others_can_read_is_warned_about_once(runner, tmp_path, fakeweb):
    fakeweb.route_url(MEMBERS, members_page)
    result = fetch(runner, tmp_path, fakeweb, "--cookies", cookies_txt(tmp_path, mode=0o644))
    assert result.exit_code == 0, result.output
    assert result.stderr.count("other users of this machine can read these session cookies") == 1


def test_as_without_cookies_is_a_usage_error(runner, tmp_path, fakeweb):
    result = fetch(runner, tmp_path, fakeweb, "--as", "KIBHR research account")
    assert result.exit_code == 2 and "--as names the account of --cookies FILE" in result.stderr


def test_the_site_adapters_companions_carry_the_session_too(runner, tmp_path, fakeweb):
    from fakeweb.sites import FACEBOOK_POST

    future = int(time.time()) + 86400 * 30
    cookies = tmp_path / "fb.txt"
    cookies.write_text(f".facebook.com\tTRUE\t/\tTRUE\t{future}\txs\t{SECRET}\n", encoding="utf-8")
    report = tmp_path / "r.txt"
    report.write_text(f"Пост в группе[1], министерство[2].\n\n[1] {FACEBOOK_POST}\n[2] {OPEN_PAGE}\n", encoding="utf-8")
    result = runner.invoke(cli, ["--vault", str(tmp_path / "vault"), "fetch", str(report), "--proxy", fakeweb.proxy_url,
                                 "--ca-bundle", fakeweb.ca_pem_path, "--cookies", str(cookies)])
    assert result.exit_code in (0, 1), result.output
    hosts = {r.host for r in fakeweb.requests if f"xs={SECRET}" in (r.header("Cookie") or "")}
    assert hosts == {"www.facebook.com", "m.facebook.com"}  # the post and its mobile companion, nothing else
    assert all(r.header("Cookie") is None for r in fakeweb.requests if r.host == "rus.azattyq.org")


def test_a_page_captured_anonymously_before_is_fetched_again_with_the_session_and_then_reused(runner, tmp_path, fakeweb):
    fakeweb.route_url(MEMBERS, members_page)
    assert fetch(runner, tmp_path, fakeweb).exit_code == 0  # yesterday: the login form, anonymously
    cookies = cookies_txt(tmp_path)
    fakeweb.reset_log()
    result = fetch(runner, tmp_path, fakeweb, "--cookies", cookies, "--as", "KIBHR research account")
    members_item, open_item = json.loads(result.stdout)["reports"][0]["footnotes"]
    assert members_item["title"] == ARTICLE_TITLE and not members_item["reused"]
    assert open_item["reused"]  # no cookie of the file reaches it: the earlier capture stands
    again = fetch(runner, tmp_path, fakeweb, "--cookies", cookies, "--as", "KIBHR research account")
    assert all(item["reused"] for item in json.loads(again.stdout)["reports"][0]["footnotes"])


def test_the_timestamp_authority_never_gets_the_cookies_even_where_the_file_names_its_site(runner, tmp_path, fakeweb):
    from tsa import LocalTSA, behind_a_name

    fakeweb.route_url(MEMBERS, members_page)
    cookies = cookies_txt(tmp_path)
    with open(cookies, "a", encoding="utf-8") as fh:  # a whole browser's export names every site it knows
        fh.write(f"evidence-example.org\tTRUE\t/\tFALSE\t0\tsid\t{SECRET}\n")
    authority = LocalTSA(tmp_path / "tsa")
    try:
        fakeweb.route("tsa.evidence-example.org", "/tsr", behind_a_name(authority))
        result = fetch(runner, tmp_path, fakeweb, "--cookies", cookies, "--tsa", "http://tsa.evidence-example.org/tsr")
    finally:
        authority.close()
    assert result.exit_code == 0, result.output
    asked = [r for r in fakeweb.requests if r.host == "tsa.evidence-example.org"]
    assert asked and all(r.header("Cookie") is None for r in asked)
    assert any(SECRET in (r.header("Cookie") or "") for r in fakeweb.requests if r.host == "members.vlast.kz")


def test_a_site_setting_the_sessions_own_cookie_again_is_said_once_with_the_remedy(runner, tmp_path, fakeweb):
    def refreshing(request: RequestInfo) -> Response:
        answer = members_page(request)
        return Response(answer.status, [*answer.headers, ("Set-Cookie", "xs=refreshed-value; Path=/; Secure")], answer.body)

    fakeweb.route_url(MEMBERS, refreshing)
    (tmp_path / "kept").mkdir()
    (tmp_path / "withheld").mkdir()
    kept = fetch(runner, tmp_path / "kept", fakeweb, "--cookies", cookies_txt(tmp_path))
    assert kept.exit_code == 0, kept.output
    assert kept.stderr.count("sites set the session's own cookies again (xs (members.vlast.kz))") == 1
    assert "--redact-set-cookie to withhold them" in kept.stderr
    withheld = fetch(runner, tmp_path / "withheld", fakeweb, "--cookies", cookies_txt(tmp_path), "--redact-set-cookie")
    assert withheld.exit_code == 0 and "own cookies again" not in withheld.stderr


def test_a_recheck_with_the_session_sees_what_the_account_sees_and_keeps_the_secret_out(runner, tmp_path, fakeweb):
    """`recheck --cookies FILE --as NAME`: the members' page, first captured as anonymous visitors see it (the login
    form), is checked again as the account: the report's verdict capture is the article, named for the account, the
    cookie went to that site alone, and its value is in no file of the vault."""
    fakeweb.route_url(MEMBERS, members_page)
    assert fetch(runner, tmp_path, fakeweb).exit_code == 0
    vault, report = tmp_path / "vault", tmp_path / "r.txt"
    fakeweb.reset_log()
    again = runner.invoke(cli, ["--vault", str(vault), "recheck", "--proxy", fakeweb.proxy_url, "--ca-bundle",
                                fakeweb.ca_pem_path, "--cookies", cookies_txt(tmp_path), "--as", "KIBHR research account",
                                "--format", "json"])
    assert again.exit_code == 0, again.output
    assert [r for r in fakeweb.requests if r.host == "members.vlast.kz"]
    assert all((f"xs={SECRET}" in (r.header("Cookie") or "")) == (r.host == "members.vlast.kz") for r in fakeweb.requests)
    shown = json.loads(runner.invoke(cli, ["--vault", str(vault), "report", str(report), "--format", "json"]).stdout)
    members = next(f for f in shown["footnotes"] if f["url"] == MEMBERS)
    assert members["title"] == ARTICLE_TITLE and members["account"]["label"] == "KIBHR research account"
    files = [p for p in vault.rglob("*") if p.is_file()]
    readable = [gzip.decompress(p.read_bytes()) if p.name.endswith(".warc.gz") else p.read_bytes() for p in files]
    assert files and not [p for p, data in zip(files, readable) if SECRET.encode() in data]
