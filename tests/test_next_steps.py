"""`fetch` that found a source dead, restricted or refused names the next step, the command that looks for its copy
in the web archives (found writing the README's editor walkthrough: the output stopped at "1 dead")."""

from __future__ import annotations

from fakeweb.archive_data import DEAD_ARTICLE
from fakeweb.sites import AZATTYQ_ARTICLE, FACEBOOK_POST

from linkvault.cli import cli


def _fetch(runner, fakeweb, tmp_path, name: str, *urls: str) -> str:
    report = tmp_path / name
    report.write_text("".join(f"Said [{n}]. " for n in range(1, len(urls) + 1)) + "\n\n"
                      + "".join(f"[{n}] {url}\n" for n, url in enumerate(urls, start=1)), encoding="utf-8")
    result = runner.invoke(cli, ["--vault", str(tmp_path / "vault"), "fetch", str(report), "--no-timestamp", "--proxy",
                                 fakeweb.proxy_url, "--ca-bundle", fakeweb.ca_pem_path], env={"COLUMNS": "1000"})
    return result.stdout


def test_a_dead_and_a_walled_source_lead_to_copies_named_with_the_report(runner, fakeweb, tmp_path):
    said = _fetch(runner, fakeweb, tmp_path, "april chronicle.txt", AZATTYQ_ARTICLE, DEAD_ARTICLE, FACEBOOK_POST)
    assert (f"linkvault copies '{tmp_path / 'april chronicle.txt'}' looks for copies of the 2 failing or restricted "
            "sources in the web archives.") in said.splitlines()  # a source gone at one fetch: failing, not dead yet


def test_one_dead_source_is_one_copy_to_look_for(runner, fakeweb, tmp_path):
    said = _fetch(runner, fakeweb, tmp_path, "r.txt", AZATTYQ_ARTICLE, DEAD_ARTICLE)
    assert f"linkvault copies {tmp_path / 'r.txt'} looks for a copy of the failing source in the web archives." in said


def test_when_every_source_is_alive_there_is_nothing_to_look_for(runner, fakeweb, tmp_path):
    said = _fetch(runner, fakeweb, tmp_path, "r.txt", AZATTYQ_ARTICLE)
    assert "1 alive" in said and "linkvault copies" not in said
