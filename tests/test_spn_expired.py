"""A Save Page Now job the archive no longer knows (a run interrupted; its status is kept about an hour) is resolved
by looking its URL's capture up in the CDX index around the job's submission: found, it is witnessed as usual;
not found, the job is marked expired with why — never a crash, never an earlier witness lost. Through the CLI over
the fake Save Page Now 2 on real sockets."""

from __future__ import annotations

from dataclasses import replace

from fakeweb.sites import AZATTYQ_ARTICLE, VLAST_ARTICLE
from test_save_page_now import FAST, SECRET, custody, fetch, report, rows, spn_of, wayback  # noqa: F401 -- fixtures

import linkvault

KEYS = {"LINKVAULT_SPN_KEYS": f"AKIA-tester:{SECRET}"}


def _interrupted_run(fakeweb, vault, cited):
    """A first run that submits both live sources and stops before their jobs finish."""
    options = linkvault.save_page_now_options(None, "1d", ["ia-spn=6000/min", "ia-spn-status=6000/min"],
                                              environ=KEYS)
    first = linkvault.fetch([cited], vault, proxy=fakeweb.proxy_url, ca_bundle=fakeweb.ca_pem_path, tsa=(),
                            screenshots=False, save_page_now=replace(options, poll_cap=0.3))
    assert first.save_page_now is not None and first.save_page_now.pending == 2


def test_a_forgotten_job_is_found_in_the_index_and_witnessed_and_one_the_index_lacks_is_marked_expired(
        runner, fakeweb, wayback, report, tmp_path):  # noqa: F811 -- fixtures imported above
    spn = spn_of(fakeweb, wayback, polls_before_success=10_000)
    vault = tmp_path / "vault"
    _interrupted_run(fakeweb, vault, report)
    spn.polls_before_success = 0
    [captured] = [job_id for job_id, job in spn.jobs.items() if job.url == AZATTYQ_ARTICLE]
    spn.poll(captured)  # the archive captured this one while nobody was polling ...
    spn.jobs.clear()  # ... and then forgot both jobs
    again = fetch(runner, fakeweb, vault, report, "--save-page-now", *FAST, env=KEYS)
    assert again.exit_code == 0, again.output
    assert "witnessed: 1 same" in again.output
    assert "Save Page Now no longer knows job" in again.output and VLAST_ARTICLE in again.output
    assert sorted(rows(vault, "select url, status from spn_jobs")) == [(AZATTYQ_ARTICLE, "success"),
                                                                     (VLAST_ARTICLE, "expired")]
    [(message,)] = rows(vault, "select message from spn_jobs where status = 'expired'")
    assert "Job not found" in message and "lists no capture" in message
    events = custody(vault)
    [found] = [d for e, d in events if e == "spn-captured"]
    assert found["url"] == AZATTYQ_ARTICLE and "after Save Page Now forgot the job" in found["found"]
    assert [d["url"] for e, d in events if e == "spn-expired"] == [VLAST_ARTICLE]
    assert [d["verdict"] for e, d in events if e == "witnessed"] == ["same"]
    witnessed = rows(vault, "select * from witnesses")
    third = fetch(runner, fakeweb, vault, report, "--save-page-now", *FAST, env=KEYS)
    assert third.exit_code == 0, third.output
    assert "Save Page Now: 1 submitted, witnessed: 1 same." in third.output  # the expired one's source, anew
    assert set(witnessed) < set(rows(vault, "select * from witnesses"))  # the earlier witness stands
    assert ("expired",) in rows(vault, "select status from spn_jobs")
