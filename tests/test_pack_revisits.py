"""A pack made after a re-check: the newest capture of an unchanged page is a revisit record, whose payload lies in
the record of the first capture, in an earlier run's WARC file. The pack carries that file too, so the page
replays from the pack alone, and `audit` of a pack names a revisit whose payload the pack does not carry."""

from __future__ import annotations

import zipfile
from pathlib import Path

import httpx
from replay import pywb_pack

from linkvault.cli import cli

URL = "https://rus.azattyq.org/a/32887882.html"


def _fetch_recheck_pack(tmp_path, fakeweb, runner) -> tuple[Path, Path]:
    report = tmp_path / "chronicle.txt"
    report.write_text(f"A tender was cancelled[1].\n\n[1] {URL}\n", encoding="utf-8")
    vault = tmp_path / "vault"
    egress = ["--proxy", fakeweb.proxy_url, "--ca-bundle", fakeweb.ca_pem_path, "--no-screenshots"]
    assert runner.invoke(cli, ["--vault", str(vault), "fetch", str(report), *egress]).exit_code == 0
    result = runner.invoke(cli, ["--vault", str(vault), "recheck", str(report), *egress])
    assert result.exit_code == 0, result.output
    out = tmp_path / "chronicle.wacz"
    result = runner.invoke(cli, ["--vault", str(vault), "pack", str(report), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return vault, out


def test_a_pack_made_after_a_recheck_carries_the_revisited_payload_and_replays_the_page(tmp_path, fakeweb, runner):
    vault, out = _fetch_recheck_pack(tmp_path, fakeweb, runner)
    with zipfile.ZipFile(out) as z:
        carried = sorted(n.rsplit("/", 1)[-1] for n in z.namelist() if n.startswith("archive/"))
    runs = sorted(p.name for p in (vault / "warc").iterdir())
    assert len(runs) == 2 and set(runs) <= set(carried)  # the fetch's file and the recheck's
    with pywb_pack(out, tmp_path / "replay") as base:
        page = httpx.get(f"{base}/id_/{URL}", timeout=30)
    assert page.status_code == 200 and "закупке".encode() in page.content
    result = runner.invoke(cli, ["audit", str(out)])
    assert result.exit_code == 0, result.output


def test_audit_of_a_pack_names_a_revisit_whose_payload_the_pack_does_not_carry(tmp_path, fakeweb, runner):
    vault, out = _fetch_recheck_pack(tmp_path, fakeweb, runner)
    first = sorted(p.name for p in (vault / "warc").iterdir())[0]
    stripped = tmp_path / "stripped.wacz"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(stripped, "w") as dst:
        for item in src.infolist():
            if not item.filename.endswith(first):
                dst.writestr(item, src.read(item))
    result = runner.invoke(cli, ["audit", str(stripped)])
    assert result.exit_code == 1
    assert "revisit" in result.output and "payload" in result.output and "not carry" in result.output
