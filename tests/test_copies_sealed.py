"""`linkvault copies` seals what it archives (issue 14): the mementos it fetched go into a run manifest timestamped
as fetch's is (`--tsa`/`--no-timestamp`, through the same proxy and CA), with what earlier runs left unsealed; an
authority out of reach is said so and undoes no copy, and the next run seals what that one could not. Through the
CLI, over the fake archives and a local RFC 3161 authority on real sockets."""

from __future__ import annotations

import json
import socket
import sqlite3

import lxml.html
from fakeweb.archive_data import DEAD_ARTICLE, dead_article_captures
from fakeweb.wayback import FakeWayback
from test_pack_copies import _summary  # the pack's evidence summary, read out of the WACZ
from tsa import LocalTSA, behind_a_name
from warcio.archiveiterator import ArchiveIterator

from linkvault.cli import cli

REPORT = ("Chronicle of April 2024\n\n"
          "April 4, Astana, the court arrested journalist Марат Есенов for two months[1].\n\n"
          f"[1] {DEAD_ARTICLE}\n")
FAST = ["--rate", "ia-cdx=6000/min", "--rate", "ia-memento=6000/min", "--rate", "archive=6000/min"]
TSA_HOST = "tsa.evidence-example.org"  # a public name, reached only through the fake web's proxy


def _egress(web) -> list[str]:
    return ["--proxy", web.proxy_url, "--ca-bundle", web.ca_pem_path]


def _dead(tmp_path, fakeweb, runner):
    """A report whose one source a fetch without timestamps found dead, and the fake Wayback holding its copies."""
    FakeWayback(dead_article_captures()).install(fakeweb)
    report = tmp_path / "r.txt"
    report.write_text(REPORT, encoding="utf-8")
    vault = tmp_path / "vault"
    fetched = runner.invoke(cli, ["--vault", str(vault), "fetch", str(report), *_egress(fakeweb), "--no-screenshots",
                                  "--no-timestamp"])
    assert fetched.exit_code == 1, fetched.output  # the link is dead
    return report, vault


def _manifests(vault) -> list[dict]:
    """Every run manifest in the vault's WARC files."""
    found = []
    for path in sorted((vault / "warc").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            found += [json.loads(r.content_stream().read()) for r in ArchiveIterator(fh)
                      if (r.rec_headers.get_header("WARC-Target-URI") or "").startswith("urn:evidence:manifest:")]
    return found


def _memento_records(vault) -> set[str]:
    with sqlite3.connect(vault / "linkvault.db") as db:
        return {rid for (rid,) in db.execute("select record_id from captures where role = 'memento'")}


def test_a_copies_run_timestamps_its_mementos_through_the_proxy_and_the_pack_shows_the_offered_copy_timestamped(
        tmp_path, fakeweb, runner):
    report, vault = _dead(tmp_path, fakeweb, runner)
    authority = LocalTSA(tmp_path / "tsa")
    fakeweb.route(TSA_HOST, "/tsr", behind_a_name(authority))
    try:
        found = runner.invoke(cli, ["--vault", str(vault), "copies", str(report), *_egress(fakeweb), *FAST,
                                    "--tsa", f"http://{TSA_HOST}/tsr"])
    finally:
        authority.close()
    assert found.exit_code == 0, found.output
    said = " ".join(found.output.split())
    assert f"Timestamped by http://{TSA_HOST}/tsr:" in said
    assert "1 of them left unstamped by an earlier run" in said  # the fetch's capture of the dead page
    assert any(r.host == TSA_HOST and r.path == "/tsr" for r in fakeweb.log.snapshot())  # by the run's proxy
    [manifest] = _manifests(vault)
    listed = {r["id"] for r in manifest["records"]}
    assert _memento_records(vault) <= listed and str(report.name) in " ".join(manifest["reports"])

    out = tmp_path / "r.wacz"
    packed = runner.invoke(cli, ["--vault", str(vault), "pack", str(report), "-o", str(out)])
    assert packed.exit_code == 0, packed.output
    page = lxml.html.fromstring(_summary(out))
    [copies] = [t for t in page.cssselect("table") if "archived copy and its verdict" in t.text_content()]
    [offered] = [" ".join(tr.text_content().split()) for tr in copies.cssselect("tbody tr")
                 if "offered:" in tr.text_content()]
    assert "not timestamped" not in offered and TSA_HOST in offered
    audited = runner.invoke(cli, ["audit", str(out)])
    assert audited.exit_code == 0 and "everything holds" in audited.output, audited.output


def test_an_authority_out_of_reach_is_said_so_keeps_every_copy_and_the_next_run_seals_them(tmp_path, fakeweb, runner):
    report, vault = _dead(tmp_path, fakeweb, runner)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}/tsr"
    first = runner.invoke(cli, ["--vault", str(vault), "copies", str(report), *_egress(fakeweb), *FAST,
                                "--tsa", closed, "--format", "json"])
    assert first.exit_code == 0, first.output  # the copy is offered all the same
    data = json.loads(first.stdout)
    assert data["timestamp"]["stamped"] is False and data["timestamp"]["authorities"][0]["tsa"] == closed
    assert [c["choice"] for c in data["links"][0]["copies"]].count("offered") == 1
    assert "no trusted timestamp: every authority failed" in " ".join(first.stderr.split())
    mementos = _memento_records(vault)
    assert mementos

    authority = LocalTSA(tmp_path / "tsa")
    try:
        again = runner.invoke(cli, ["--vault", str(vault), "copies", str(report), *_egress(fakeweb), *FAST,
                                    "--tsa", authority.url])
    finally:
        authority.close()
    assert again.exit_code == 0, again.output
    said = " ".join(again.output.split())
    assert f"Timestamped by {authority.url}:" in said and "left unstamped by an earlier run" in said
    stamped = _manifests(vault)[-1]
    assert mementos <= {r["id"] for r in stamped["records"]}
    assert _memento_records(vault) == mementos  # the search was kept: nothing fetched again


def test_no_timestamp_seals_nothing_and_the_json_says_so(tmp_path, fakeweb, runner):
    report, vault = _dead(tmp_path, fakeweb, runner)
    found = runner.invoke(cli, ["--vault", str(vault), "copies", str(report), *_egress(fakeweb), *FAST,
                                "--no-timestamp", "--format", "json"])
    assert found.exit_code == 0, found.output
    assert json.loads(found.stdout)["timestamp"] is None and _manifests(vault) == []
