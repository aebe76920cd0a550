"""`fetch --save-page-now`: the Internet Archive captures each live source as an independent witness, and its
capture's digest is compared with ours (design §1.5, §5.4), through the CLI over the fake Save Page Now 2."""

from __future__ import annotations

import gzip
import json
import sqlite3

import pytest
from fakeweb.sites import AZATTYQ_ARTICLE, VLAST_ARTICLE
from fakeweb.spn import FakeSavePageNow
from fakeweb.wayback import FakeWayback

import linkvault
from linkvault.cli import cli

SECRET = "Zq9-very-secret-s3-key"
FAST = ["--rate", "ia-spn=6000/min", "--rate", "ia-spn-status=6000/min", "--rate", "ia-cdx=6000/min"]


@pytest.fixture
def report(tmp_path):
    path = tmp_path / "r.txt"
    path.write_text(f"The court arrested him[1]. Journalists were kept out[2].\n\n[1] {AZATTYQ_ARTICLE}\n"
                    f"[2] {VLAST_ARTICLE}\n", encoding="utf-8")
    return path


@pytest.fixture
def keys(tmp_path):
    path = tmp_path / "ia.ini"
    path.write_text(f"[s3]\naccess = AKIA-tester\nsecret = {SECRET}\n", encoding="utf-8")
    return path


@pytest.fixture
def wayback(fakeweb):
    return FakeWayback().install(fakeweb)


def spn_of(fakeweb, wayback, **kw) -> FakeSavePageNow:
    return FakeSavePageNow(wayback, fakeweb, keys=("AKIA-tester", SECRET), **kw)


def fetch(runner, fakeweb, vault, report, *extra: str, env=None):
    return runner.invoke(cli, ["--vault", str(vault), "fetch", str(report), "--proxy", fakeweb.proxy_url,
                               "--ca-bundle", fakeweb.ca_pem_path, "--no-screenshots", "--no-timestamp",
                               "--collector", "Tester", *extra], env=env)


def rows(vault, sql: str) -> list[tuple]:
    with sqlite3.connect(vault / "linkvault.db") as db:
        return db.execute(sql).fetchall()


def custody(vault) -> list[tuple[str, dict]]:
    return [(event, json.loads(details)) for event, details in rows(vault, "select event, details from custody order by id")]


def requests(fakeweb, path: str, method: str = "POST") -> list:
    return [r for r in fakeweb.log.snapshot()
            if r.host == "web.archive.org" and r.method == method and r.path.split("?")[0] == path]


def every_byte_of(directory) -> bytes:
    """The vault's files as stored, with every gzip member (the WARCs) opened too."""
    found = b""
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        data = path.read_bytes()
        found += data
        if path.name.endswith(".gz"):
            found += gzip.decompress(data)
    return found


def test_jobs_pending_twice_then_captured_are_witnessed_the_same_and_the_secret_is_nowhere(
        runner, fakeweb, wayback, report, keys, tmp_path):
    spn = spn_of(fakeweb, wayback, polls_before_success=2)
    vault = tmp_path / "vault"
    result = fetch(runner, fakeweb, vault, report, "--save-page-now", "--spn-keys", str(keys), *FAST)
    assert result.exit_code == 0, result.output
    assert "Save Page Now: 2 submitted, witnessed: 2 same" in result.output
    assert "the Internet Archive's capture at" in result.output and "holds the same payload as ours" in result.output
    assert {job.options["skip_first_archive"] for job in spn.jobs.values()} == {"1"}
    assert {job.options["if_not_archived_within"] for job in spn.jobs.values()} == {"1d"}
    polls = requests(fakeweb, "/save/status")
    assert len(polls) == 3 and all(b"job_ids=" in p.body for p in polls)  # both jobs in each poll
    assert sorted(v for (v,) in rows(vault, "select verdict from witnesses")) == ["same", "same"]
    assert sorted(s for (s,) in rows(vault, "select status from spn_jobs")) == ["success", "success"]
    events = [event for event, _ in custody(vault)]
    assert events.count("spn-submitted") == events.count("spn-captured") == events.count("witnessed") == 2
    witnessed = [d for e, d in custody(vault) if e == "witnessed"]
    assert {d["verdict"] for d in witnessed} == {"same"} and all(d["uri_m"].startswith("https://web.archive.org/web/")
                                                                 for d in witnessed)
    ids = [i for (i,) in rows(vault, "select id from custody where event = 'witnessed'")]
    assert sorted(c for (c,) in rows(vault, "select custody_id from witnesses")) == ids
    assert all(r.header("authorization") == f"LOW AKIA-tester:{SECRET}" for r in requests(fakeweb, "/save"))
    shown = runner.invoke(cli, ["--vault", str(vault), "show", str(report), "1"])
    assert "witness: the Internet Archive's capture at" in shown.output
    assert SECRET.encode() not in every_byte_of(vault)
    assert SECRET not in result.output + shown.output


def test_a_different_payload_is_witnessed_as_differing_in_custody_and_in_show(
        runner, fakeweb, wayback, report, keys, tmp_path):
    spn = spn_of(fakeweb, wayback, polls_before_success=0)
    spn.payloads[AZATTYQ_ARTICLE] = b"<html><body>Another edition of the article</body></html>"
    vault = tmp_path / "vault"
    result = fetch(runner, fakeweb, vault, report, "--save-page-now", "--spn-keys", str(keys), *FAST)
    assert result.exit_code == 0, result.output
    assert "witnessed: 1 same, 1 differs" in result.output
    [differs] = [d for e, d in custody(vault) if e == "witnessed" and d["url"] == AZATTYQ_ARTICLE]
    assert differs["verdict"] == "differs" and "differs from ours" in differs["sentence"]
    assert differs["archive_digest"] != differs["our_sha1"]
    shown = runner.invoke(cli, ["--vault", str(vault), "show", str(report), "1"])
    assert shown.exit_code == 0, shown.output
    assert "holds a payload that differs from ours" in shown.output
    audited = runner.invoke(cli, ["--vault", str(vault), "audit"])  # the new custody events keep the chain whole
    assert audited.exit_code == 0 and "everything holds" in audited.output, audited.output


def test_a_session_limit_is_submitted_again_later(runner, fakeweb, wayback, report, keys, tmp_path):
    spn = spn_of(fakeweb, wayback, polls_before_success=1)
    spn.script_submit("error:user-session-limit")
    vault = tmp_path / "vault"
    result = fetch(runner, fakeweb, vault, report, "--save-page-now", "--spn-keys", str(keys), *FAST)
    assert result.exit_code == 0, result.output
    assert "Save Page Now: 2 submitted, witnessed: 2 same." in result.output
    assert len(requests(fakeweb, "/save")) == 3  # the refused one, then each URL once
    assert sorted(job.url for job in spn.jobs.values()) == sorted([AZATTYQ_ARTICLE, VLAST_ARTICLE])


def test_never_more_jobs_in_flight_than_the_account_has_sessions(runner, fakeweb, wayback, report, keys, tmp_path):
    spn = spn_of(fakeweb, wayback, sessions=1, polls_before_success=1)
    result = fetch(runner, fakeweb, tmp_path / "vault", report, "--save-page-now", "--spn-keys", str(keys), *FAST)
    assert result.exit_code == 0, result.output
    assert "Save Page Now: 2 submitted, witnessed: 2 same." in result.output
    assert len(requests(fakeweb, "/save")) == 2 and len(spn.jobs) == 2  # one at a time: never refused


def test_an_exhausted_daily_quota_submits_nothing_and_says_so(runner, fakeweb, wayback, report, keys, tmp_path):
    spn_of(fakeweb, wayback, daily_limit=100, daily_captures=100)
    vault = tmp_path / "vault"
    result = fetch(runner, fakeweb, vault, report, "--save-page-now", "--spn-keys", str(keys), *FAST)
    assert result.exit_code == 0, result.output
    assert "the account's daily captures ran out: 2 live sources were not submitted" in result.output.lower()
    assert requests(fakeweb, "/save") == [] and rows(vault, "select * from spn_jobs") == []


def test_a_quota_with_one_capture_left_submits_one(runner, fakeweb, wayback, report, keys, tmp_path):
    spn_of(fakeweb, wayback, daily_limit=100, daily_captures=99, polls_before_success=0)
    result = fetch(runner, fakeweb, tmp_path / "vault", report, "--save-page-now", "--spn-keys", str(keys), *FAST)
    assert "Save Page Now: 1 submitted, witnessed: 1 same, not submitted 1." in result.output
    assert "daily captures ran out: 1 live sources were not submitted" in result.output


@pytest.mark.parametrize("content", ["just-one-word\n", "a:b\nc:d\n", "[s3]\naccess = x\n", ":secret\n"])
def test_malformed_keys_are_a_one_line_usage_error_before_anything_runs(runner, fakeweb, report, tmp_path, content):
    bad = tmp_path / "keys.txt"
    bad.write_text(content, encoding="utf-8")
    vault = tmp_path / "vault"
    result = fetch(runner, fakeweb, vault, report, "--save-page-now", "--spn-keys", str(bad))
    assert result.exit_code == 2, result.output
    assert len(result.output.strip().splitlines()) == 1 and str(bad) in result.output
    assert not vault.exists() and fakeweb.log.snapshot() == []
    assert "secret" not in result.output.replace("ACCESS:SECRET", "").replace("[s3] access and secret", "")


def test_spn_options_without_save_page_now_are_a_usage_error(runner, fakeweb, report, keys, tmp_path):
    result = fetch(runner, fakeweb, tmp_path / "vault", report, "--spn-keys", str(keys))
    assert result.exit_code == 2 and "--save-page-now" in result.output and fakeweb.log.snapshot() == []


def test_no_keys_at_all_is_a_usage_error(runner, fakeweb, report, tmp_path):
    result = fetch(runner, fakeweb, tmp_path / "vault", report, "--save-page-now", env={"LINKVAULT_SPN_KEYS": ""})
    assert result.exit_code == 2 and "LINKVAULT_SPN_KEYS" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_keys_the_archive_refuses_are_said_in_one_line_and_the_capture_stands(
        runner, fakeweb, wayback, report, tmp_path):
    spn_of(fakeweb, wayback)
    vault = tmp_path / "vault"
    result = fetch(runner, fakeweb, vault, report, "--save-page-now", *FAST,
                   env={"LINKVAULT_SPN_KEYS": "AKIA-tester:not-the-secret"})
    assert result.exit_code == 0, result.output
    [line] = [line for line in result.output.splitlines() if "refused the account's keys" in line]
    assert "HTTP 401" in line and "2 live sources were not submitted" in line
    assert "not-the-secret" not in result.output
    assert requests(fakeweb, "/save") == []
    assert rows(vault, "select * from spn_jobs") == [] and "2 alive" in result.output  # our verdicts stand


def test_json_says_what_was_witnessed_with_keys_from_the_environment(runner, fakeweb, wayback, report, tmp_path):
    spn_of(fakeweb, wayback, polls_before_success=0)
    vault = tmp_path / "vault"
    result = fetch(runner, fakeweb, vault, report, "--save-page-now", "--format", "json", *FAST,
                   env={"LINKVAULT_SPN_KEYS": f"AKIA-tester:{SECRET}"})
    assert result.exit_code == 0, result.output
    spn = json.loads(result.stdout)["summary"]["save_page_now"]
    assert (spn["submitted"], spn["same"], spn["differs"], spn["pending"]) == (2, 2, 0, 0)
    assert {w["verdict"] for w in spn["witnesses"]} == {"same"}
    assert SECRET not in result.output and SECRET.encode() not in every_byte_of(vault)


def test_jobs_left_pending_are_finished_by_the_next_run(runner, fakeweb, wayback, report, tmp_path):
    spn = spn_of(fakeweb, wayback, polls_before_success=10_000)
    vault = tmp_path / "vault"
    options = linkvault.save_page_now_options(None, "1d", ["ia-spn=6000/min", "ia-spn-status=6000/min"],
                                              environ={"LINKVAULT_SPN_KEYS": f"AKIA-tester:{SECRET}"})
    from dataclasses import replace

    first = linkvault.fetch([report], vault, proxy=fakeweb.proxy_url, ca_bundle=fakeweb.ca_pem_path, tsa=(),
                            screenshots=False, save_page_now=replace(options, poll_cap=0.3))
    assert first.save_page_now is not None and (first.save_page_now.submitted, first.save_page_now.pending) == (2, 2)
    assert sorted(s for (s,) in rows(vault, "select status from spn_jobs")) == ["pending", "pending"]
    spn.polls_before_success = 0
    again = fetch(runner, fakeweb, vault, report, "--save-page-now", *FAST,
                  env={"LINKVAULT_SPN_KEYS": f"AKIA-tester:{SECRET}"})
    assert again.exit_code == 0, again.output
    assert "Save Page Now: 0 submitted, witnessed: 2 same." in again.output
    assert len(requests(fakeweb, "/save")) == 2  # the pending jobs were polled, not submitted again
    assert sorted(s for (s,) in rows(vault, "select status from spn_jobs")) == ["success", "success"]
