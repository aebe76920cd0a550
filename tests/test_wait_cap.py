"""`--wait-cap DURATION` on `copies` and `fetch --save-page-now`: a service that asks (Retry-After on a 429) to
wait longer than the cap is given up for the run with a sentence naming the wait and the cap, never slept on;
a cap that is not a duration is a one-line usage error. Over the fake archives on real sockets."""

from __future__ import annotations

import pytest
from fakeweb.archive_data import dead_article_captures
from fakeweb.wayback import FakeWayback, too_many_requests
from test_copies import _archive_requests, _copies, _egress, fetched  # noqa: F401 -- the fixture, too
from test_save_page_now import fetch, keys, report, spn_of, wayback  # noqa: F401 -- the fixtures, too

from linkvault.cli import cli


def test_copies_gives_the_internet_archive_up_when_it_asks_to_wait_longer_than_the_cap(fetched, fakeweb, runner):  # noqa: F811,E501
    archive = FakeWayback(dead_article_captures()).install(fakeweb)
    archive.script("cdx", too_many_requests("120"))  # two minutes: under the default cap, over this run's
    cited, vault = fetched
    result, out = _copies(runner, fakeweb, cited, vault, "--wait-cap", "1m")
    assert result.exit_code == 1, result.output
    [link] = out["links"]
    assert "the Internet Archive asked to wait 2 min; given up for this run (--wait-cap 1m)" in link["unreached"]
    assert len([p for p in _archive_requests(fakeweb) if p.startswith("web.archive.org/cdx/")]) == 1  # asked once


def test_save_page_now_gives_up_for_the_run_when_the_archive_asks_to_wait_hours(
        runner, fakeweb, wayback, report, keys, tmp_path):  # noqa: F811 -- fixtures imported above
    spn_of(fakeweb, wayback)
    wayback.script("spn-status", too_many_requests("7200"))  # the quota read answers: come back in two hours
    result = fetch(runner, fakeweb, tmp_path / "vault", report, "--save-page-now", "--spn-keys", str(keys),
                   "--format", "json")
    assert "Save Page Now asked to wait 2 h; given up for this run (--wait-cap 10m)" in result.output
    assert [r for r in fakeweb.log.snapshot() if r.path.startswith("/save") and r.method == "POST"] == []


@pytest.mark.parametrize("command", ["copies", "fetch"])
@pytest.mark.parametrize("cap", ["soon", "0", "-5m", "10 parsecs"])
def test_a_wait_cap_that_is_not_a_duration_is_a_one_line_error_with_exit_2(
        fetched, fakeweb, runner, keys, command, cap):  # noqa: F811 -- fixtures imported above
    cited, vault = fetched
    extra = ["--save-page-now", "--spn-keys", str(keys)] if command == "fetch" else []
    result = runner.invoke(cli, ["--vault", str(vault), command, str(cited), *_egress(fakeweb), *extra,
                                 "--wait-cap", cap])
    assert result.exit_code == 2, result.output
    assert "--wait-cap" in result.output and "duration" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1 or "Usage:" in result.output
    assert _archive_requests(fakeweb) == []


def test_a_memento_answered_429_beyond_the_cap_gives_the_archive_up_and_is_not_called_no_capture(
        fetched, fakeweb, runner):  # noqa: F811 -- fixtures imported above
    archive = FakeWayback(dead_article_captures()).install(fakeweb)
    archive.script("memento", too_many_requests("7200"))  # the replay, not the CDX, says: come back in two hours
    cited, vault = fetched
    result, out = _copies(runner, fakeweb, cited, vault)
    assert result.exit_code == 1, result.output
    [link] = out["links"]
    sentence = "the Internet Archive asked to wait 2 h; given up for this run (--wait-cap 10m)"
    assert sentence in link["unreached"]
    assert {c["choice"] for c in link["copies"]} == {"not-fetched"}
    assert all(c["reason"] == f"not fetched: {sentence}" for c in link["copies"])
    assert len([p for p in _archive_requests(fakeweb) if p.startswith("web.archive.org/web/")]) == 1  # asked once


def test_a_memento_answered_429_within_the_cap_is_waited_for_and_fetched(fetched, fakeweb, runner):  # noqa: F811
    archive = FakeWayback(dead_article_captures()).install(fakeweb)
    archive.script("memento", too_many_requests("1"))
    cited, vault = fetched
    result, out = _copies(runner, fakeweb, cited, vault)
    assert result.exit_code == 0, result.output
    assert out["links"][0]["copies"][0]["choice"] == "offered"
    mementos = [r for r in fakeweb.log.snapshot() if r.host == "web.archive.org" and r.path.startswith("/web/")]
    assert [r.status for r in mementos[:2]] == [429, 200] and mementos[1].time - mementos[0].time >= 0.9
