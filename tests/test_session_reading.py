"""The logged-in flow as a newcomer reads it at 80 columns: a table whose every source was reached as one account
names it once, under the table (a report fetched partly anonymously names it on each row instead); a session
the sites no longer accept is said once, with its remedy, in fetch's exit line, and the login pages it brought
back are never read by the claim check (they judged nothing, so they support or contradict nothing)."""

from __future__ import annotations

import json

from fakeweb.members import MEMBERS, cookies_txt, members_page
from fakeweb.social import FB_DELETED_POST, FB_GROUP_POST, IG_POST, write_cookies_txt

from linkvault.cli import cli

ACCOUNT = "KIBHR research account"
CHRONICLE = f"""Chronicle of freedom of expression in Kazakhstan, April 2024

April 5, Astana, the Yesil district court sentenced blogger Yerlan Kasenov to two years of restricted freedom[1].

April 10, Almaty, police detained three participants of a picket at the akimat[2].

April 3, Astana, a court monitor reported that the hearing was postponed[3].

[1] {FB_GROUP_POST.url}
[2] {IG_POST.url}
[3] {FB_DELETED_POST}
"""


def fetch(runner, tmp_path, web, cookies, *extra: str):
    report = tmp_path / "chronicle.txt"
    report.write_text(CHRONICLE, encoding="utf-8")
    return runner.invoke(cli, ["--vault", str(tmp_path / "vault"), "fetch", str(report), "--proxy", web.proxy_url,
                               "--ca-bundle", web.ca_pem_path, "--no-timestamp", "--no-screenshots",
                               "--cookies", str(cookies), "--as", ACCOUNT, *extra], env={"COLUMNS": "80"})


def test_a_table_reached_all_as_one_account_names_it_once_under_the_table(runner, tmp_path, fakeweb):
    result = fetch(runner, tmp_path, fakeweb, write_cookies_txt(tmp_path / "cookies.txt"))
    assert result.exit_code == 0, result.output  # the deleted post is archived, as it now is
    flat = " ".join(result.stdout.split())
    assert flat.count(ACCOUNT) == 1 and "(logged in as" not in flat
    assert f"All sources captured logged in as {ACCOUNT}: they show what that account could see." in flat
    reported = runner.invoke(cli, ["--vault", str(tmp_path / "vault"), "report", str(tmp_path / "chronicle.txt")],
                             env={"COLUMNS": "80"})
    assert " ".join(reported.stdout.split()).count(ACCOUNT) == 1


def test_a_report_fetched_partly_anonymously_names_the_account_on_its_rows(runner, tmp_path, fakeweb):
    fakeweb.route_url(MEMBERS, members_page)
    report = tmp_path / "r.txt"
    report.write_text(f"Суд отклонил ходатайство[1], пикет у акимата[2].\n\n[1] {MEMBERS}\n[2] {IG_POST.url}\n",
                      encoding="utf-8")
    result = runner.invoke(cli, ["--vault", str(tmp_path / "vault"), "fetch", str(report), "--proxy", fakeweb.proxy_url,
                                 "--ca-bundle", fakeweb.ca_pem_path, "--no-timestamp", "--no-screenshots",
                                 "--cookies", cookies_txt(tmp_path), "--as", ACCOUNT], env={"COLUMNS": "80"})
    flat = " ".join(result.stdout.split())
    assert f"(logged in as {ACCOUNT})" in flat and "All sources captured" not in flat  # Instagram's was anonymous


def test_a_refused_session_is_said_once_with_its_remedy_and_its_login_pages_are_not_read_as_sources(
        runner, tmp_path, fakeweb):
    result = fetch(runner, tmp_path, fakeweb, write_cookies_txt(tmp_path / "stale.txt", stale=True))
    assert result.exit_code == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last == "exit 1: 3 links not checked: the sites did not accept the session (export the cookies again)"
    assert "wrong-link" not in result.stdout and "weak-support" not in result.stdout, result.stdout
    verified = runner.invoke(cli, ["--vault", str(tmp_path / "vault"), "verify", str(tmp_path / "chronicle.txt"),
                                   "--format", "json"])
    claims = [row["claim"] for row in json.loads(verified.stdout)["footnotes"]]
    assert [c["verdict"] for c in claims] == ["not-checked"] * 3, claims
    assert all("session was not accepted" in json.dumps(c) for c in claims), claims
