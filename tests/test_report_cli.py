"""`linkvault report` end to end: fetch a report on the fake web, then read the verdicts back."""

from __future__ import annotations

import json

from fakeweb.server import html, redirect
from fakeweb.sites import facebook_login_wall

from linkvault.cli import cli

REPORT = """April 1, Astana, a journalist was arrested[1]. April 2, an activist was fined[2].
April 3, the group posted about it[3]. April 4, the outlet moved the story[4]. April 5[5].

[1] https://rus.azattyq.org/a/32887882.html
[2] https://kaztag.kz/ru/news/udalennaya-novost
[3] https://www.facebook.com/groups/ActivistsNotExtremists/posts/1/
[4] https://vlast.kz/novosti/12345-story.html
"""


def _setup(tmp_path, web):
    web.route("kaztag.kz", "/ru/news/udalennaya-novost", html("<html><body><h1>404</h1></body></html>", status=404))
    web.route_url("https://www.facebook.com/groups/ActivistsNotExtremists/posts/1/", facebook_login_wall())
    web.route_url("https://m.facebook.com/groups/ActivistsNotExtremists/posts/1/", facebook_login_wall())
    web.route("vlast.kz", "/novosti/12345-story.html", redirect("https://vlast.kz/", 301))
    web.route("vlast.kz", "/", html("<html><head><title>Vlast.kz</title></head><body><p>Главная</p></body></html>"))
    path = tmp_path / "report.txt"
    path.write_text(REPORT, encoding="utf-8")
    return path


def test_report_gives_one_row_per_footnote_with_its_state(tmp_path, fakeweb, runner):
    path = _setup(tmp_path, fakeweb)
    vault = str(tmp_path / "vault")
    fetched = runner.invoke(cli, ["--vault", vault, "fetch", str(path), "--proxy", fakeweb.proxy_url,
                                  "--ca-bundle", fakeweb.ca_pem_path, "--retries", "0"])
    assert fetched.exit_code == 1
    assert "deleted" not in fetched.output and "login-wall" in fetched.output  # fetch ends with the same table

    result = runner.invoke(cli, ["--vault", vault, "report", str(path), "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    states = {link["number"]: (link["category"], link["state"]) for link in data["footnotes"]}
    # fetched once: the 404 and the redirect to the front page are failing until their histories confirm them
    assert states == {1: ("alive", "ok"), 2: ("failing", "not-found"), 3: ("restricted", "login-wall"),
                      4: ("failing", "redirected-to-homepage"), 5: ("missing", "missing-footnote")}
    assert data["summary"]["by_category"]["failing"] == 2 and data["summary"]["missing"] == 1
    assert [f["kind"] for f in data["findings"] if f["severity"] == "error"] == ["missing-footnote"]
    ok = next(link for link in data["footnotes"] if link["number"] == 1)
    assert ok["warc"]["file"].endswith(".warc.gz") and ok["title"]
    claims = {link["number"]: link["claim"] and link["claim"]["verdict"] for link in data["footnotes"]}
    assert claims[2] == claims[3] == claims[4] == "not-checked"  # dead or walled: nothing to read
    assert claims[1] in ("supported", "partly-supported", "unsupported") and claims[5] is None


def test_report_writes_a_self_contained_html_file(tmp_path, fakeweb, runner):
    path = _setup(tmp_path, fakeweb)
    vault = str(tmp_path / "vault")
    runner.invoke(cli, ["--vault", vault, "fetch", str(path), "--proxy", fakeweb.proxy_url,
                        "--ca-bundle", fakeweb.ca_pem_path, "--retries", "0"])
    out = tmp_path / "report.html"
    result = runner.invoke(cli, ["--vault", vault, "report", str(path), "--format", "html", "-o", str(out)])
    assert result.exit_code == 1
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "login-wall" in page and "redirected-to-homepage" in page
    assert "Content-Security-Policy" in page


def test_report_before_any_fetch_says_not_fetched_and_warns(tmp_path, runner, monkeypatch):
    path = tmp_path / "report.txt"
    path.write_text("Claim[1].\n\n[1] https://rus.azattyq.org/a/1.html\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # the default vault, not made yet (a vault named with --vault must exist)
    monkeypatch.delenv("LINKVAULT_VAULT", raising=False)
    args = ["report", str(path)]
    assert runner.invoke(cli, args).exit_code == 0
    result = runner.invoke(cli, args + ["--fail-on", "warning", "--format", "csv"])
    assert result.exit_code == 1
    assert "not fetched yet" in result.output
