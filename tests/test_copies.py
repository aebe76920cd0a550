"""`linkvault copies` (issue 14: find and prove) through the CLI, over fake archives on real sockets: a dead
footnote's archived copies fetched, judged by linkvault's own rules and by the claim check, the right one offered
and the others passed over with their reasons; answers kept, so a second run asks nothing; an archive out of reach
said as such, never as "no copy"."""

from __future__ import annotations

import json

import pytest
from fakeweb.archive_data import DEAD_ARTICLE, dead_article_captures, html_capture
from fakeweb.timemaps import FakeTimemapArchive
from fakeweb.wayback import FakeWayback, connection_reset
from jsonschema import Draft202012Validator
from warcio.archiveiterator import ArchiveIterator

from linkvault.cli import cli
from linkvault.render.records import schema_text
from linkvault.vault import Vault

REPORT = ("Chronicle of April 2024\n\n"
          "April 4, Astana, the court arrested journalist Марат Есенов for two months[1].\n\n"
          f"[1] {DEAD_ARTICLE}\n")
FAST = ["--rate", "ia-cdx=6000/min", "--rate", "ia-memento=6000/min", "--rate", "archive=6000/min"]


@pytest.fixture
def fetched(tmp_path, fakeweb, runner):
    """A vault where the report's one source was fetched and found dead (the fake web has no such page now)."""
    report = tmp_path / "r.txt"
    report.write_text(REPORT, encoding="utf-8")
    vault = tmp_path / "vault"
    result = runner.invoke(cli, ["--vault", str(vault), "fetch", str(report), *_egress(fakeweb)])
    assert result.exit_code == 1, result.output  # the link is dead
    return report, vault


def _egress(web) -> list[str]:
    return ["--proxy", web.proxy_url, "--ca-bundle", web.ca_pem_path]


def _copies(runner, web, report, vault, *extra: str):
    result = runner.invoke(cli, ["--vault", str(vault), "copies", str(report), *_egress(web), *FAST,
                                 "--format", "json", *extra])
    return result, json.loads(result.stdout) if result.stdout.strip().startswith("{") else None


def _metadata(vault) -> list[dict]:
    """Every provenance record of the vault's WARC files."""
    found = []
    for path in sorted((vault / "warc").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            found += [json.loads(r.content_stream().read()) for r in ArchiveIterator(fh) if r.rec_type == "metadata"]
    return found


def _archive_requests(web) -> list[str]:
    return [f"{r.host}{r.path}" for r in web.log.snapshot()
            if r.host in ("web.archive.org", "archive.org") or "timemap" in r.path]


def test_the_third_copy_the_article_is_offered_and_the_soft_404_and_front_page_redirect_are_passed_over(
        fetched, fakeweb, runner):
    FakeWayback(dead_article_captures()).install(fakeweb)
    report, vault = fetched
    result, out = _copies(runner, fakeweb, report, vault)
    assert result.exit_code == 0, result.output
    assert list(Draft202012Validator(json.loads(schema_text())).iter_errors(out)) == []  # the shipped schema
    [link] = out["links"]
    assert link["reference"] == {"date": "2024-04-04", "basis": "entry date", "detail": 'entry: "April 4"'}
    offered, *passed = link["copies"]
    assert offered["choice"] == "offered" and offered["memento_at"] == "2024-04-01T09:12:33Z"
    assert offered["state"] == "ok" and offered["claim"] not in (None, "not-checked")
    # the article of April 1 does not state the entry's date, April 4, and is not held to it
    assert offered["claim"] == "supported" and "the entry's date" in offered["claim_reason"]
    assert [(c["memento_at"], c["choice"], c["state"]) for c in passed] == [
        ("2024-04-03T08:10:00Z", "passed-over", "soft-404"),
        ("2024-04-02T10:15:00Z", "passed-over", "redirected-to-homepage")]
    assert "https://kaztag.kz/" in passed[1]["reason"]
    with Vault.open_existing(str(vault), read_only=True) as v:  # each memento a capture of its own, role memento
        rows = v.db.conn.execute("select url, memento_of from captures where role = 'memento'").fetchall()
    assert {memento_of for _, memento_of in rows} == {DEAD_ARTICLE}
    assert all("id_/" in url for url, _ in rows)
    provenance = [facts["memento"] for facts in _metadata(vault) if "memento" in facts]
    assert {(m["archive"], m["datetime"], m["raw"]) for m in provenance} == {
        ("web.archive.org", at, True) for at in ("2024-04-01T09:12:33Z", "2024-04-02T10:15:00Z", "2024-04-03T08:10:00Z")}
    with Vault.open_existing(str(vault), read_only=True) as v:  # the footnote's reference date, as report shows it
        assert v.reference_dates(str(report))["1"].day.isoformat() == "2024-04-04"
    table = runner.invoke(cli, ["--vault", str(vault), "copies", str(report), *_egress(fakeweb), *FAST])
    flat = " ".join(table.output.split())
    assert "the Internet Archive 2024-04-01T09:12:33Z — offered (ok, claim" in flat
    assert "the Internet Archive 2024-04-03T08:10:00Z — passed over: the page answers 200 but says it is not found" in flat


def test_a_second_run_asks_the_archives_nothing(fetched, fakeweb, runner):
    FakeWayback(dead_article_captures()).install(fakeweb)
    report, vault = fetched
    first, out = _copies(runner, fakeweb, report, vault)
    assert first.exit_code == 0 and _archive_requests(fakeweb)
    fakeweb.log.clear()
    again, out_again = _copies(runner, fakeweb, report, vault)
    assert again.exit_code == 0, again.output
    assert _archive_requests(fakeweb) == []
    assert out_again["links"][0]["copies"] == out["links"][0]["copies"]


def test_an_unreachable_internet_archive_is_said_so_and_a_later_run_fills_it_in(fetched, fakeweb, runner):
    wayback = FakeWayback(dead_article_captures()).install(fakeweb)
    wayback.script("cdx", *[connection_reset()] * 6)  # three tries in each of the next two runs
    report, vault = fetched
    result, out = _copies(runner, fakeweb, report, vault)
    assert result.exit_code == 1
    [link] = out["links"]
    assert link["copies"] == []
    assert any(u.startswith("the Internet Archive could not be reached (") for u in link["unreached"])
    table = runner.invoke(cli, ["--vault", str(vault), "copies", str(report), *_egress(fakeweb), *FAST])
    assert "could not be reached" in table.output and "none found" not in table.output
    later, out = _copies(runner, fakeweb, report, vault)
    assert later.exit_code == 0, later.output
    assert out["links"][0]["copies"][0]["memento_at"] == "2024-04-01T09:12:33Z"
    assert out["links"][0]["unreached"] == []


def test_a_timemap_archive_finds_a_copy_the_internet_archive_does_not_have(fetched, fakeweb, runner):
    FakeWayback([]).install(fakeweb)
    [article] = [c for c in dead_article_captures() if c.timestamp == "20240401091233"]
    arquivo = FakeTimemapArchive("arquivo.pt", style="pywb", captures=[article]).install(fakeweb)
    report, vault = fetched
    result, out = _copies(runner, fakeweb, report, vault, "--archive", f"arquivo.pt={arquivo.timemap_prefix}")
    assert result.exit_code == 0, result.output
    offered = out["links"][0]["copies"][0]
    assert (offered["choice"], offered["archive"], offered["found_by"]) == ("offered", "arquivo.pt", "timemap")
    services = {s["service"]: s["outcome"] for s in out["links"][0]["services"]}
    assert services["ia-cdx"] == "none" and services["archive:arquivo.pt"] == "found"


def test_an_archived_redirect_replayed_as_the_site_sent_it_is_followed_inside_the_archive_never_live(
        fetched, fakeweb, runner):
    """pywb in raw mode replays an archived Location unrewritten: following it would ask the live (dead) site."""
    FakeWayback([]).install(fakeweb)
    captures = [c for c in dead_article_captures() if c.timestamp.startswith("20240402")]  # redirect + front page
    arquivo = FakeTimemapArchive("arquivo.pt", style="pywb", captures=captures).install(fakeweb)
    report, vault = fetched
    fakeweb.log.clear()
    result, out = _copies(runner, fakeweb, report, vault, "--archive", f"arquivo.pt={arquivo.timemap_prefix}")
    assert result.exit_code == 1
    [copy] = out["links"][0]["copies"]
    assert (copy["choice"], copy["state"]) == ("passed-over", "redirected-to-homepage")
    assert [r.path for r in fakeweb.log.snapshot() if r.host == "kaztag.kz"] == []
    assert any(r.host == "arquivo.pt" and "id_/https://kaztag.kz/" in r.path for r in fakeweb.log.snapshot())


def test_a_memento_on_a_private_address_in_a_timemap_is_refused_and_never_requested(fetched, fakeweb, runner):
    FakeWayback([]).install(fakeweb)
    archive = FakeTimemapArchive("archive.example", style="pywb").install(fakeweb)
    private = f"http://10.1.2.3/wayback/20240401091233/{DEAD_ARTICLE}"
    timemap = (f'<{DEAD_ARTICLE}>; rel="original",\n'
               f'<{private}>; rel="memento"; datetime="Mon, 01 Apr 2024 09:12:33 GMT"')
    from fakeweb import Response

    fakeweb.route_url(archive.timemap_prefix + DEAD_ARTICLE,
                      Response(200, [("Content-Type", "application/link-format")], timemap.encode()))
    report, vault = fetched
    result, out = _copies(runner, fakeweb, report, vault, "--archive", f"archive.example={archive.timemap_prefix}")
    assert result.exit_code == 1
    [copy] = out["links"][0]["copies"]
    assert copy["choice"] == "not-fetched" and "private" in copy["reason"]
    assert not [r for r in fakeweb.log.snapshot() if r.host == "10.1.2.3"]


@pytest.mark.parametrize("bad", [["--archive", "arquivo.pt"], ["--rate", "ia-cdx=fast"], ["--as-of", "April"]])
def test_bad_options_are_one_line_errors_with_exit_2(fetched, fakeweb, runner, bad):
    report, vault = fetched
    result = runner.invoke(cli, ["--vault", str(vault), "copies", str(report), *bad])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert _archive_requests(fakeweb) == []


def test_a_vault_that_was_never_fetched_into_is_an_error_not_an_empty_search(tmp_path, runner):
    report = tmp_path / "r.txt"
    report.write_text(REPORT, encoding="utf-8")
    result = runner.invoke(cli, ["--vault", str(tmp_path / "none"), "copies", str(report)])
    assert result.exit_code == 2 and "vault" in result.output and "Traceback" not in result.output


def test_with_no_valid_copy_before_the_reference_date_the_closest_after_is_offered(fetched, fakeweb, runner):
    by_time = {c.timestamp: c for c in dead_article_captures()}
    soft_404, article = by_time["20240403081000"], by_time["20240401091233"]
    article.timestamp = "20240406120000"  # published two days after the entry: only the after phase finds it
    FakeWayback([soft_404, article]).install(fakeweb)
    report, vault = fetched
    result, out = _copies(runner, fakeweb, report, vault)
    assert result.exit_code == 0, result.output
    offered, passed = out["links"][0]["copies"]
    assert (offered["choice"], offered["memento_at"]) == ("offered", "2024-04-06T12:00:00Z")
    assert (passed["choice"], passed["state"]) == ("passed-over", "soft-404")
    asked = [r.path for r in fakeweb.log.snapshot() if r.path.startswith("/cdx/search/cdx")]
    assert any("to=20240404235959" in p for p in asked) and any("from=20240405000000" in p for p in asked)


def test_an_alive_link_is_not_looked_up_unless_all_is_given(tmp_path, fakeweb, runner):
    from fakeweb.sites import AZATTYQ_ARTICLE

    FakeWayback([]).install(fakeweb)
    report = tmp_path / "alive.txt"
    report.write_text(f"April 4, 2024, Astana, a court hearing[1].\n\n[1] {AZATTYQ_ARTICLE}\n", encoding="utf-8")
    vault = tmp_path / "vault"
    assert runner.invoke(cli, ["--vault", str(vault), "fetch", str(report), *_egress(fakeweb)]).exit_code == 0
    fakeweb.log.clear()
    result = runner.invoke(cli, ["--vault", str(vault), "copies", str(report), *_egress(fakeweb), *FAST])
    assert result.exit_code == 0 and "no link to look up" in result.output
    assert _archive_requests(fakeweb) == []
    every, out = _copies(runner, fakeweb, report, vault, "--all")
    assert every.exit_code == 1 and out["links"][0]["url"] == AZATTYQ_ARTICLE  # the fake archive holds no copy
    assert _archive_requests(fakeweb)


def test_a_search_made_again_for_an_unreached_archive_does_not_fetch_the_copies_it_judged_again(
        fetched, fakeweb, runner):
    FakeWayback(dead_article_captures()).install(fakeweb)
    fakeweb.route_host("arquivo.pt", connection_reset())  # out of reach in both runs
    report, vault = fetched
    first, out = _copies(runner, fakeweb, report, vault)
    assert first.exit_code == 1 and out["links"][0]["copies"][0]["choice"] == "offered"
    assert out["links"][0]["unreached"][0].startswith("Arquivo.pt could not be reached")
    with Vault.open_existing(str(vault), read_only=True) as v:
        mementos = v.db.conn.execute("select count(*) from captures where role = 'memento'").fetchone()[0]
    fakeweb.log.clear()
    again, out_again = _copies(runner, fakeweb, report, vault)
    assert again.exit_code == 1
    asked = _archive_requests(fakeweb) + [f"{r.host}{r.path}" for r in fakeweb.log.snapshot() if r.host == "arquivo.pt"]
    assert asked and all(a.startswith("arquivo.pt/") for a in asked)  # only the archive out of reach, asked again
    assert out_again["links"][0]["copies"] == out["links"][0]["copies"]
    with Vault.open_existing(str(vault), read_only=True) as v:
        assert v.db.conn.execute("select count(*) from captures where role = 'memento'").fetchone()[0] == mementos


def test_a_copy_is_judged_by_its_own_words_not_by_a_name_in_the_cited_url(tmp_path, fakeweb, runner):
    """The URL is every candidate's: a name in its slug is no sign that this copy tells the story cited."""
    url = "https://kaztag.kz/ru/news/administrativnoe-delo-v-otnoshenii-askhata-niyazova"
    FakeWayback([html_capture(url, "20240409100000", "Погода", "Синоптики обещают дожди по всей стране.")]
                ).install(fakeweb)
    report = tmp_path / "r.txt"
    report.write_text("Chronicle of April 2024\n\nApril 11, Astana, the ministry commented on the administrative case "
                      f"against journalist Niyazov A.[1]\n\n[1] {url}\n", encoding="utf-8")
    vault = tmp_path / "vault"
    assert runner.invoke(cli, ["--vault", str(vault), "fetch", str(report), *_egress(fakeweb)]).exit_code == 1
    result, out = _copies(runner, fakeweb, report, vault)
    assert result.exit_code == 1, result.output
    [copy] = out["links"][0]["copies"]
    assert (copy["choice"], copy["state"], copy["claim"]) == ("passed-over", "ok", "unsupported")
