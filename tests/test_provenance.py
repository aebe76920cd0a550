"""Provenance written at collection time: a metadata record per exchange, and the same facts in the vault."""

from __future__ import annotations

import json
import re
import sqlite3

from warcio.archiveiterator import ArchiveIterator

from linkvault.cli import cli

URL = "https://rus.azattyq.org/a/32887882.html"


def _fetch(tmp_path, fakeweb, runner, *extra):
    report = tmp_path / "r.txt"
    report.write_text(f"Claim[1].\n\n[1] {URL}\n", encoding="utf-8")
    vault = tmp_path / "vault"
    result = runner.invoke(cli, ["--vault", str(vault), "fetch", str(report), "--proxy", fakeweb.proxy_url,
                                 "--ca-bundle", fakeweb.ca_pem_path, *extra])
    assert result.exit_code == 0, result.output
    records = []
    for warc in (vault / "warc").glob("*.warc.gz"):
        with open(warc, "rb") as fh:
            records += [(r.rec_type, r.rec_headers, r.content_stream().read()) for r in ArchiveIterator(fh)]
    return vault, records


def test_each_response_has_a_metadata_record_with_tls_chain_and_collector(tmp_path, fakeweb, runner):
    vault, records = _fetch(tmp_path, fakeweb, runner, "--collector", "Kazakhstan Bureau for Human Rights, A. Researcher")
    [response] = [h for kind, h, _ in records if kind == "response" and h.get_header("WARC-Target-URI") == URL]
    metadata = [(h, json.loads(body)) for kind, h, body in records if kind == "metadata"]
    [(header, facts)] = [(h, f) for h, f in metadata if h.get_header("WARC-Refers-To") == response.get_header("WARC-Record-ID")]
    assert header.get_header("WARC-Target-URI") is None  # it must not shadow the page on replay
    assert header.get_header("Content-Type") == "application/json"
    assert facts["url"] == URL and facts["status"] == 200
    assert facts["collector"] == "Kazakhstan Bureau for Human Rights, A. Researcher"
    assert facts["tls"]["version"].startswith("TLSv1")
    assert facts["tls"]["chain_pem"][0].startswith("-----BEGIN CERTIFICATE-----")
    assert facts["software"]["packages"]["warcio"] and facts["options"]["per_host"] == 2
    assert facts["ip"] is None  # through a proxy the address we saw is the proxy's, so none is claimed

    row = sqlite3.connect(vault / "linkvault.db").execute(
        "select tls_version, group_concat(pem, ''), collector, provenance_id from captures c "
        "join certificates on capture_id = c.id where url = ? and role = 'cited' group by c.id", [URL]).fetchone()
    assert row[0] == facts["tls"]["version"] and row[1] == "".join(facts["tls"]["chain_pem"])
    assert row[2] == "Kazakhstan Bureau for Human Rights, A. Researcher" and row[3] == header.get_header("WARC-Record-ID")


def test_collector_can_come_from_the_environment(tmp_path, fakeweb, runner, monkeypatch):
    monkeypatch.setenv("LINKVAULT_COLLECTOR", "Editor on duty")
    _, records = _fetch(tmp_path, fakeweb, runner)
    assert {json.loads(body)["collector"] for kind, _, body in records if kind == "metadata"} == {"Editor on duty"}


def test_direct_captures_record_the_address_and_port(tmp_path, fakeweb, runner):
    from fakeweb.server import html

    fakeweb.route("127.0.0.1", "/page", html("<html><head><title>Т</title></head><body><p>Текст.</p></body></html>"))
    report = tmp_path / "r.txt"
    report.write_text(f"Claim[1].\n\n[1] {fakeweb.http_url}/page\n", encoding="utf-8")
    runner.invoke(cli, ["--vault", str(tmp_path / "v"), "fetch", str(report), "--allow-private"])
    facts = []
    for warc in (tmp_path / "v" / "warc").glob("*.warc.gz"):
        with open(warc, "rb") as fh:
            facts += [json.loads(r.content_stream().read()) for r in ArchiveIterator(fh) if r.rec_type == "metadata"]
    first = next(f for f in facts if f["url"].endswith("/page"))
    assert first["ip"] == "127.0.0.1" and first["port"] == int(fakeweb.http_url.rsplit(":", 1)[1]) and first["tls"] is None


def test_show_says_where_from_over_what_and_by_whom(tmp_path, fakeweb, runner):
    vault, records = _fetch(tmp_path, fakeweb, runner, "--collector", "A. Researcher")
    [response] = [h for kind, h, _ in records if kind == "response" and h.get_header("WARC-Target-URI") == URL]
    [meta] = [h for kind, h, _ in records
              if kind == "metadata" and h.get_header("WARC-Refers-To") == response.get_header("WARC-Record-ID")]
    shown = runner.invoke(cli, ["--vault", str(vault), "show", str(tmp_path / "r.txt"), "1"])
    assert shown.exit_code == 0, shown.output
    text = " ".join(shown.stdout.split())  # one statement, wrapped between words at the width
    assert re.search(r"TLSv1\.\d \S+, collected by A\. Researcher, provenance "
                     + re.escape(meta.get_header("WARC-Record-ID")), text)
