"""`audit` finds what was altered after collection, and names it."""

from __future__ import annotations

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
