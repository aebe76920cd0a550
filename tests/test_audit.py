"""`audit` finds what was altered after collection, and names it."""

from __future__ import annotations

import re
import sqlite3

import pytest
from warcio.archiveiterator import ArchiveIterator

from linkvault.cli import cli

URLS = ["https://rus.azattyq.org/a/32887882.html", "https://vlast.kz/novosti/59904-zhurnalistov-ne-pustili-na-zasedanie-suda.html"]


@pytest.fixture
def vault(tmp_path, fakeweb, runner):
    report = tmp_path / "r.txt"
    report.write_text("A[1]. B[2].\n\n" + "".join(f"[{n}] {u}\n" for n, u in enumerate(URLS, 1)), encoding="utf-8")
    path = tmp_path / "vault"
    result = runner.invoke(cli, ["--vault", str(path), "fetch", str(report), "--proxy", fakeweb.proxy_url,
                                 "--ca-bundle", fakeweb.ca_pem_path, "--collector", "Tester"])
    assert result.exit_code == 0, result.output
    return path


def audit(runner, vault):
    return runner.invoke(cli, ["--vault", str(vault), "audit"])


def test_an_untouched_vault_holds(vault, runner):
    result = audit(runner, vault)
    assert result.exit_code == 0, result.output
    assert "everything holds" in result.output and "2 custody events" in result.output


def test_a_flipped_byte_in_a_warc_is_named_by_file_and_record(vault, runner):
    [warc] = list((vault / "warc").glob("*.warc.gz"))
    with open(warc, "rb") as fh:
        records = ArchiveIterator(fh)
        for record in records:
            if record.rec_type == "response" and record.rec_headers.get_header("WARC-Target-URI") == URLS[0]:
                record_id = record.rec_headers.get_header("WARC-Record-ID")
                records.read_to_end()
                start, length = records.get_record_offset(), records.get_record_length()
                break
    import gzip

    member = bytearray(gzip.decompress(warc.read_bytes()[start:start + length]))
    at = member.index("закупке".encode())  # a word of the archived article
    member[at] ^= 0x01
    data = warc.read_bytes()
    warc.write_bytes(data[:start] + gzip.compress(bytes(member)) + data[start + length:])
    result = audit(runner, vault)
    assert result.exit_code == 1
    assert f"{warc.name} record {record_id}" in result.output and "altered" in result.output


def test_an_edited_custody_event_is_named(vault, runner):
    db = sqlite3.connect(vault / "linkvault.db")
    db.execute("update custody set collector = 'Someone else' where id = 1")
    db.commit()
    result = audit(runner, vault)
    assert result.exit_code == 1 and "custody event 1" in result.output and "edited" in result.output


def test_a_deleted_custody_event_is_named(vault, runner):
    db = sqlite3.connect(vault / "linkvault.db")
    db.execute("delete from custody where id = 1")
    db.commit()
    result = audit(runner, vault)
    assert result.exit_code == 1 and "custody event 2" in result.output and "missing" in result.output


def test_a_capture_row_pointing_elsewhere_is_named(vault, runner):
    db = sqlite3.connect(vault / "linkvault.db")
    db.execute("update captures set warc_offset = warc_offset + 1 where url = ?", [URLS[1]])
    db.commit()
    result = audit(runner, vault)
    assert result.exit_code == 1 and URLS[1] in result.output


def test_audit_without_a_vault_is_a_one_line_error(tmp_path, runner):
    result = runner.invoke(cli, ["--vault", str(tmp_path / "none"), "audit"])
    assert result.exit_code == 2 and "no vault here" in result.output


def test_each_audit_of_a_vault_is_itself_a_custody_event(vault, runner):
    import json

    first = runner.invoke(cli, ["--vault", str(vault), "audit", "--collector", "Fact-checker"])
    assert first.exit_code == 0 and "2 custody events" in first.output
    db = sqlite3.connect(vault / "linkvault.db")
    db.execute("update custody set collector = 'Someone else' where id = 1")
    db.commit()
    second = audit(runner, vault)
    assert second.exit_code == 1 and "3 custody events" in second.output  # the first audit's event is in the chain
    rows = db.execute("select event, collector, details from custody where event = 're-checked' order by id").fetchall()
    assert [(event, who) for event, who, _ in rows] == [("re-checked", "Fact-checker"), ("re-checked", None)]
    found = [json.loads(details) for _, _, details in rows]
    assert found[0]["holds"] is True and found[0]["problems"] == []
    assert found[1]["holds"] is False and any("custody event 1" in p for p in found[1]["problems"])


def test_audit_as_json_says_what_holds_and_names_what_does_not(vault, runner):
    import json

    holds = runner.invoke(cli, ["--vault", str(vault), "audit", "--format", "json"])
    assert holds.exit_code == 0
    assert json.loads(holds.stdout) | {"audited": None} == {
        "audited": None, "holds": True, "warc_files": 1, "records": json.loads(holds.stdout)["records"],
        "custody_events": 2, "timestamps": 0, "unverified_signatures": 0,
        "untimed_captures": json.loads(holds.stdout)["untimed_captures"], "uncovered_captures": 0, "problems": []}
    db = sqlite3.connect(vault / "linkvault.db")
    db.execute("update custody set collector = 'Someone else' where id = 1")
    db.commit()
    broken = runner.invoke(cli, ["--vault", str(vault), "audit", "--format", "json"])
    found = json.loads(broken.stdout)
    assert broken.exit_code == 1 and found["holds"] is False
    assert [p["where"] for p in found["problems"]] == ["custody event 1"] and "edited" in found["problems"][0]["problem"]
    assert found["problems"][0]["kind"] == "altered"


# -- evidence deleted or rewritten where no digest alone shows it --------------------------------------------------

@pytest.fixture
def stamped_vault(tmp_path, fakeweb, runner, tsa):
    """A vault whose run's manifest a (local) authority timestamped: custody is captured, captured, timestamped."""
    report = tmp_path / "r.txt"
    report.write_text("A[1]. B[2].\n\n" + "".join(f"[{n}] {u}\n" for n, u in enumerate(URLS, 1)), encoding="utf-8")
    path = tmp_path / "vault"
    result = runner.invoke(cli, ["--vault", str(path), "fetch", str(report), "--proxy", fakeweb.proxy_url,
                                 "--ca-bundle", fakeweb.ca_pem_path, "--tsa", tsa.url])
    assert result.exit_code == 0, result.output
    return path


def _records(warc) -> list[tuple[str, str, str, int]]:
    """(type, target URI, record id, offset) of each record of a WARC file."""
    found = []
    with open(warc, "rb") as fh:
        records = ArchiveIterator(fh)
        for record in records:
            found.append((record.rec_type, record.rec_headers.get_header("WARC-Target-URI") or "",
                          record.rec_headers.get_header("WARC-Record-ID"), records.get_record_offset()))
    return found


def _cut_before(warc, uri_prefix: str) -> str:
    """Cut the WARC's tail at the first record whose URI starts with `uri_prefix` (a whole-record cut: the rest
    still reads); returns that record's id."""
    _, _, record_id, offset = next(r for r in _records(warc) if r[1].startswith(uri_prefix))
    with open(warc, "r+b") as fh:
        fh.truncate(offset)
    return record_id


def _sql(vault, *statements) -> None:
    db = sqlite3.connect(vault / "linkvault.db")
    for statement in statements:
        db.execute(statement)
    db.commit()
    db.close()


def test_an_emptied_custody_log_is_missing_evidence(vault, runner):
    _sql(vault, "delete from custody")
    result = audit(runner, vault)
    assert result.exit_code == 1, result.output
    assert re.search(r"MISSING   custody: is empty, yet the vault holds \d+ captures in its WARCs", result.output)
    assert result.output.strip().splitlines()[-1] == "exit 1: 1 piece of evidence missing (named above)"


def test_a_dropped_custody_table_is_missing_evidence(vault, runner):
    _sql(vault, "drop table custody")
    result = audit(runner, vault)
    assert result.exit_code == 1, result.output
    assert "custody: the table is gone" in result.output


def test_deleting_the_newest_custody_events_is_caught_by_the_manifest_anchor(stamped_vault, runner):
    _sql(stamped_vault, "delete from custody where id >= 2")  # the second capture and the timestamp: the chain's tail
    result = audit(runner, stamped_vault)
    assert result.exit_code == 1, result.output
    assert "anchors the custody chain at event 2, which is gone" in result.output
    assert "has no `captured` event for 1 capture" in result.output and "has no `timestamped` custody event" in result.output


def test_a_custody_chain_rewritten_with_fresh_hashes_is_caught_by_the_manifest_anchor(stamped_vault, runner):
    import json

    from linkvault.vault.custody import FIELDS, GENESIS, event_hash

    db = sqlite3.connect(stamped_vault / "linkvault.db")
    db.row_factory = sqlite3.Row
    rows = [dict(r) for r in db.execute("select * from custody order by id")]
    details = json.loads(rows[0]["details"])
    rows[0]["details"] = json.dumps({**details, "final_url": "https://elsewhere.example/"}, sort_keys=True)
    previous = GENESIS
    for row in rows:  # a forger who recomputes every hash after the edit: the chain itself holds again
        row["prev_hash"] = previous
        row["hash"] = previous = event_hash(row)
        db.execute(f"update custody set {', '.join(f'{f} = ?' for f in (*FIELDS, 'hash'))} where id = ?",
                   [*(row[f] for f in (*FIELDS, "hash")), row["id"]])
    db.commit()
    result = audit(runner, stamped_vault)
    assert result.exit_code == 1, result.output
    assert "custody event 2: is not the event manifest" in result.output and "rewritten" in result.output
    assert "custody event 1 recorded https://elsewhere.example/" in result.output


def test_a_warc_cut_before_its_timestamp_token_is_named(stamped_vault, runner):
    [warc] = list((stamped_vault / "warc").glob("*.warc.gz"))
    token_id = _cut_before(warc, "urn:evidence:rfc3161:")
    result = audit(runner, stamped_vault)
    assert result.exit_code == 1, result.output
    assert f"(record {token_id}), which is gone from the WARCs" in result.output


def test_a_removed_manifest_and_its_timestamp_events_leave_the_captures_uncovered(stamped_vault, runner):
    import json

    [warc] = list((stamped_vault / "warc").glob("*.warc.gz"))
    _cut_before(warc, "urn:evidence:manifest:")
    _sql(stamped_vault, "delete from custody where event = 'timestamped'")  # the tail, after the manifest's anchor
    result = audit(runner, stamped_vault)
    assert result.exit_code == 1, result.output
    assert "UNCOVERED timestamps: " in result.output and "covered by no timestamped manifest" in result.output
    found = json.loads(runner.invoke(cli, ["--vault", str(stamped_vault), "audit", "--format", "json"]).stdout)
    assert found["uncovered_captures"] >= 2 and [p["kind"] for p in found["problems"]] == ["uncovered"]


def test_captures_of_a_run_whose_every_authority_failed_hold_with_a_note(tmp_path, fakeweb, runner):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/tsr"
    report = tmp_path / "r.txt"
    report.write_text(f"A[1].\n\n[1] {URLS[0]}\n", encoding="utf-8")
    path = tmp_path / "vault"
    fetched = runner.invoke(cli, ["--vault", str(path), "fetch", str(report), "--proxy", fakeweb.proxy_url,
                                  "--ca-bundle", fakeweb.ca_pem_path, "--tsa", dead])
    assert fetched.exit_code == 0, fetched.output
    result = audit(runner, path)
    assert result.exit_code == 0, result.output
    assert "everything holds" in result.output and "no trusted timestamp" in result.output


@pytest.mark.parametrize("edit, named", [
    ("update captures set status = 404 where url = '{url}'", "says status 404, but its WARC record has 200"),
    ("update captures set final_url = 'https://elsewhere.example/' where url = '{url}'",
     "says final URL https://elsewhere.example/, but its WARC record has " + URLS[0]),
    ("update response_headers set value = 'text/plain' where lower(name) = 'content-type' and capture_id = "
     "(select id from captures where url = '{url}')", "its response headers are not the ones in its WARC record"),
    ("update texts set text = 'Nothing of the kind was said.' where capture_id = "
     "(select id from captures where url = '{url}')", "its extracted text is not the one custody event"),
    ("delete from texts where capture_id = (select id from captures where url = '{url}')", "its extracted text is gone"),
])
def test_an_edited_capture_row_no_manifest_covers_is_named(vault, runner, edit, named):
    _sql(vault, edit.format(url=URLS[0]))
    result = audit(runner, vault)
    assert result.exit_code == 1, result.output
    assert named in result.output and URLS[0] in result.output


def test_a_response_rewritten_with_recomputed_digests_and_rows_is_named(vault, runner):
    """A forger who rewrites a page's record with fresh digests, and the vault's rows to match: no digest and no
    row shows it, but the custody event recorded the payload digest at capture time."""
    import io

    from linkvault.archive.warc import _Sha256WARCWriter

    [warc] = list((vault / "warc").glob("*.warc.gz"))
    out = io.BytesIO()
    writer = _Sha256WARCWriter(out, gzip=True, warc_version="1.1")
    with open(warc, "rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type == "response" and record.rec_headers.get_header("WARC-Target-URI") == URLS[0]:
                body = record.content_stream().read().replace("закупке".encode(), "продаже".encode())
                record = writer.create_warc_record(
                    URLS[0], "response", payload=io.BytesIO(body), length=len(body), http_headers=record.http_headers,
                    warc_headers_dict={k: v for k, v in record.rec_headers.headers
                                       if k in ("WARC-Record-ID", "WARC-Date", "WARC-IP-Address")})
                forged = record.rec_headers.get_header("WARC-Record-ID"), record.rec_headers.get_header(
                    "WARC-Payload-Digest")
            writer.write_record(record)
    warc.write_bytes(out.getvalue())
    db = sqlite3.connect(vault / "linkvault.db")
    for _, _, record_id, offset in _records(warc):
        db.execute("update captures set warc_offset = ? where record_id = ?", [offset, record_id])
    db.execute("update captures set payload_digest = ? where record_id = ?", [forged[1], forged[0]])
    db.commit()
    result = audit(runner, vault)
    assert result.exit_code == 1, result.output
    [problem] = [line for line in result.output.splitlines() if line.startswith("ALTERED")]
    assert re.search(rf"record {re.escape(forged[0])}: is not the response custody event \d recorded "
                     r"\(rewritten: another payload digest\)$", problem), result.output


def test_a_fresh_vault_of_the_example_holds_through_a_refresh(tmp_path, fakeweb, runner, tsa):
    """Redirects, stubs, site adapters' companions, soft-404 probes, revisits on the second run: nothing
    in a vault as fetch leaves it reads as altered, missing or uncovered."""
    from conftest import EXAMPLE

    path = tmp_path / "vault"
    for extra in ((), ("--refresh",)):
        fetched = runner.invoke(cli, ["--vault", str(path), "fetch", str(EXAMPLE), "--proxy", fakeweb.proxy_url,
                                      "--ca-bundle", fakeweb.ca_pem_path, "--tsa", tsa.url, *extra])
        assert fetched.exit_code == 1, fetched.output  # the example's footnotes with no source
    revisits = sqlite3.connect(path / "linkvault.db").execute(
        "select count(*) from captures where revisit_of is not null").fetchone()[0]
    assert revisits > 0
    result = runner.invoke(cli, ["--vault", str(path), "audit", "--tsa-roots", str(tsa.directory / "root.pem")])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("2 timestamps checked: everything holds"), result.output
