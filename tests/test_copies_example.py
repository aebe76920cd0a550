"""Issue 14's Done case on the example report: with a realistic share of its sources dead on the fake web (404, 410
Gone, a soft-404, a redirect to the front page, deleted Telegram posts) and the fake archives holding valid copies
of some, archived soft-404s and front-page redirects of others, a copy only after the reference date of one and
nothing of the rest, while one archive (the Library of Congress) cannot be reached, `copies` gives every dead link
its validated copy, read back from the JSON and the vault, or a plain statement that none was found or that an
archive could not be reached. A re-run asks no archive that answered; once the lost archive is back a run asks it
alone, and the run after that makes no archive request at all.

One fetch and four `copies` runs, made once for the module; the tests read what they left.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from fakeweb import Response
from fakeweb.archive_data import ArchivedCapture, html_capture, redirect_capture
from fakeweb.server import html, not_found, redirect, url_key
from fakeweb.sites import EXAMPLE_REPORT, telegram_channel_page, telegram_message
from fakeweb.timemaps import FakeTimemapArchive
from fakeweb.wayback import FakeWayback, connection_reset
from jsonschema import Draft202012Validator
from test_fetch import warcio_check
from test_first_hour import assert_words_whole, columns
from warcio.archiveiterator import ArchiveIterator

from linkvault.cli import cli
from linkvault.parsing import parse_report
from linkvault.render.records import schema_text
from linkvault.vault import Vault

FAST = ["--rate", "ia-cdx=6000/min", "--rate", "ia-memento=6000/min", "--rate", "archive=6000/min"]
LOC = "webarchive.loc.gov"  # the archive out of reach in the first two runs
SOFT_404 = ("Страница не найдена", "Страница не найдена. Возможно, она была удалена. Вернуться на главную.")


CITED = {c.label: c.context for c in parse_report(str(EXAMPLE_REPORT)).citations}


def _article(number: int, url: str, timestamp: str) -> ArchivedCapture:
    """The article as an archive kept it: the story the report's entry retells (kaztag.kz in Windows-1251, as it
    serves its pages)."""
    charset = "windows-1251" if "kaztag.kz" in url else "utf-8"
    text = CITED[str(number)].split(":")[0] + ".\nПодробности — в материале редакции."
    return html_capture(url, timestamp, f"Новость {number}", text, charset=charset)


def _telegram_post(number: int, url: str, timestamp: str) -> ArchivedCapture:
    """An archive's copy of a Telegram post as rendered (archive.today keeps the DOM): the post in its widget."""
    channel, post = url.rsplit("/", 2)[-2:]
    when = f"{timestamp[:4]}-{timestamp[4:6]}-{timestamp[6:8]}T08:00:00+00:00"
    page = telegram_channel_page(channel, channel, [telegram_message(channel, int(post), CITED[str(number)], when)])
    return ArchivedCapture(url, timestamp, body=page.body, headers=page.headers)


@dataclass(frozen=True)
class Dead:
    """One dead footnote of the example: what its site answers now, and what the fake archives hold of it."""

    number: int
    url: str
    now: str  # how it died, for the reader
    wayback: tuple[ArchivedCapture, ...] = ()
    arquivo: tuple[ArchivedCapture, ...] = ()
    today: tuple[ArchivedCapture, ...] = ()
    offered: tuple[str, str] | None = None  # (archive, memento datetime) of the copy that must be offered
    passed_over: tuple[str, ...] = ()  # states of the copies passed over, closest first


KAZTAG_1 = "https://kaztag.kz/ru/news/politsiya-podtverdila-arest-zhurnalista-daniyara-adilbekova-po-ugolovnomu-delu"
BUREAU_8 = "https://bureau.kz/novosti/novyj-vitok/"
MEDIAZONA_24 = "https://mediazona.ca/news/2024/04/10/tansari"
KAZTAG_29 = "https://kaztag.kz/ru/news/administrativnoe-delo-v-otnoshenii-askhata-niyazova-prokommentirovali-v-mininforme"
VLAST_51 = ("https://vlast.kz/novosti/59812-deateli-profsouzov-neftanogo-sektora-rasskazali-o-davlenii-so-storony-"
            "rabotodatelej-i-uvolneniah.html")
ORDA_60 = "https://orda.kz/s-zhurnalista-danijara-adilbekova-snjali-obvinenie-v-lozhnom-donose-385377/"
KURSIV_62 = "https://kz.kursiv.media/2024-04-21/zhurnalistam-i-dronam-zapretili-rabotat-v-zonah-zatopleniya-v-zko/"
TME_16 = "https://t.me/protenge_kz/2717"
TME_92 = "https://t.me/negemedia/5407"
FRONT = "https://vlast.kz/"

DEAD = (
    # reference 2024-04-01: the Wayback's copy of that morning, the day's own
    Dead(1, KAZTAG_1, "404", wayback=(_article(1, KAZTAG_1, "20240401061500"),),
         offered=("web.archive.org", "2024-04-01T06:15:00Z")),
    # reference 2024-04-04: the closest capture is the site's not-found page; the article before it
    Dead(8, BUREAU_8, "410 Gone",
         wayback=(_article(8, BUREAU_8, "20240402113000"), html_capture(BUREAU_8, "20240403220000", *SOFT_404)),
         offered=("web.archive.org", "2024-04-02T11:30:00Z"), passed_over=("soft-404",)),
    # reference 2024-04-10: a soft-404 now; the only valid copy was made two days later
    Dead(24, MEDIAZONA_24, "soft-404", wayback=(_article(24, MEDIAZONA_24, "20240412080000"),),
         offered=("web.archive.org", "2024-04-12T08:00:00Z")),
    # reference 2024-04-11: redirected to the front page now; the one copy before tells another story (the site
    # served another article at that address that day): alive, but it does not support the claim
    Dead(29, KAZTAG_29, "redirect to the front page",
         wayback=(html_capture(KAZTAG_29, "20240409100000", "Погода", "Синоптики обещают дожди по всей стране."),),
         passed_over=("ok",)),
    # reference 2024-04-17: the archives hold only its soft-404 and a redirect to the front page
    Dead(51, VLAST_51, "404",
         wayback=(html_capture(VLAST_51, "20240416090000", *SOFT_404), redirect_capture(VLAST_51, "20240415070000", FRONT),
                  html_capture(FRONT, "20240415070002", "Власть", "Главные новости Казахстана")),
         passed_over=("soft-404", "redirected-to-homepage")),
    # reference 2024-04-19: only Arquivo.pt (a TimeMap archive) kept it
    Dead(60, ORDA_60, "404", arquivo=(_article(60, ORDA_60, "20240418153000"),),
         offered=("arquivo.pt", "2024-04-18T15:30:00Z")),
    # reference 2024-04-21: gone; the Wayback has it, and Arquivo.pt a later copy (the closest before wins)
    Dead(62, KURSIV_62, "410 Gone", wayback=(_article(62, KURSIV_62, "20240421120000"),),
         arquivo=(_article(62, KURSIV_62, "20240423100000"),), offered=("web.archive.org", "2024-04-21T12:00:00Z")),
    # reference 2024-04-08: a deleted Telegram post no archive kept
    Dead(16, TME_16, "deleted Telegram post"),
    # reference 2024-04-29: a deleted Telegram post; archive.today kept its page
    Dead(92, TME_92, "deleted Telegram post", today=(_telegram_post(92, TME_92, "20240429101010"),),
         offered=("archive.today", "2024-04-29T10:10:10Z")),
)


def _telegram_deleted(web, url: str) -> None:
    """t.me as it answers for a deleted post: the channel card, "Post not found" in the embed, a preview without it."""
    channel, post = url.rsplit("/", 2)[-2:]
    web.route("t.me", f"/{channel}/{post}", html(
        f"<html><head><title>Telegram: Contact @{channel}</title><meta property='og:title' content='{channel}'>"
        f"</head><body><div class='tgme_page'><div class='tgme_page_title'>{channel}</div>"
        "<div class='tgme_page_extra'>12 345 subscribers</div></div></body></html>"))
    web.route("t.me", f"/{channel}/{post}?embed=1", html(
        "<html><body><div class='tgme_widget_message_error'>Post not found</div></body></html>"))
    web.route("t.me", f"/s/{channel}/{post}", telegram_channel_page(channel, channel, [
        telegram_message(channel, int(post) + 1, "Другое сообщение.", "2024-04-30T08:00:00+00:00")]))


def _kill(web, dead: Dead) -> None:
    host, path = url_key(dead.url)
    if dead.now == "404":
        web.route(host, path, not_found(host, path))
    elif dead.now == "410 Gone":
        web.route(host, path, html("<html><head><title>410 Gone</title></head><body><h1>Gone</h1></body></html>",
                                   status=410))
    elif dead.now == "soft-404":
        web.route(host, path, html(f"<html><head><title>{SOFT_404[0]}</title></head><body><h1>{SOFT_404[0]}</h1>"
                                   f"<p>{SOFT_404[1]}</p></body></html>"))
    elif dead.now == "redirect to the front page":
        web.route(host, path, redirect(f"https://{host}/", 301))
        web.route(host, "/", html("<html><head><title>КазТАГ</title></head><body><h1>КазТАГ</h1>"
                                  "<p>Новости Казахстана</p></body></html>"))
    else:
        _telegram_deleted(web, dead.url)


def _archive_requests(web) -> list[str]:
    return [f"{r.host}{r.path}" for r in web.log.snapshot()
            if r.host in ("web.archive.org", "archive.org", "arquivo.pt", "archive.today", LOC,
                          "www.webarchive.org.uk", "wayback.archive-it.org")]


@dataclass
class Runs:
    vault: Path
    fetched: dict
    first: dict  # JSON, the Library of Congress out of reach
    first_exit: int
    table: str  # the table of the second run, still out of reach
    second_asked: list[str]
    back: dict  # JSON, the Library of Congress back
    back_asked: list[str]
    last: dict
    last_exit: int
    last_asked: list[str]


@pytest.fixture(scope="module")
def runs(fakeweb_session, tmp_path_factory) -> Runs:
    vault = tmp_path_factory.mktemp("example-copies") / "vault"
    runner = CliRunner()
    with fakeweb_session.isolated() as web:
        for dead in DEAD:
            _kill(web, dead)
        FakeWayback([c for d in DEAD for c in d.wayback]).install(web)
        FakeTimemapArchive("arquivo.pt", style="pywb", captures=[c for d in DEAD for c in d.arquivo]).install(web)
        FakeTimemapArchive("archive.today", style="archive.today",
                           captures=[c for d in DEAD for c in d.today]).install(web)
        web.route_host(LOC, connection_reset())
        egress = ["--proxy", web.proxy_url, "--ca-bundle", web.ca_pem_path]
        fetched = runner.invoke(cli, ["--vault", str(vault), "fetch", str(EXAMPLE_REPORT), *egress, "--no-timestamp",
                                      "--no-screenshots", "--format", "json"])
        assert fetched.exit_code == 1, fetched.output

        def copies(*more: str):
            web.log.clear()
            result = runner.invoke(cli, ["--vault", str(vault), "copies", str(EXAMPLE_REPORT), *egress, *FAST,
                                         "--no-timestamp", *more],
                                   env={"COLUMNS": "80"})
            assert result.exit_code in (0, 1) and "Traceback" not in result.output, result.output
            return result, _archive_requests(web)

        first, _ = copies("--format", "json")
        table, second_asked = copies()
        web.route_host(LOC, Response(404, [("Content-Type", "text/plain")], b""))  # back, holding nothing of these
        back, back_asked = copies("--format", "json")
        last, last_asked = copies("--format", "json")
    return Runs(vault, json.loads(fetched.stdout), json.loads(first.stdout), first.exit_code, table.output,
                second_asked, json.loads(back.stdout), back_asked, json.loads(last.stdout), last.exit_code, last_asked)


def _links(out: dict) -> dict[int, dict]:
    return {link["number"]: link for link in out["links"]}


def test_fetch_finds_exactly_the_sources_the_fake_web_killed_dead(runs):
    footnotes = runs.fetched["reports"][0]["footnotes"]
    dead = {f["number"]: f["state"] for f in footnotes if f["url"] and f["category"] == "failing"}  # seen failing once
    assert dead == {1: "not-found", 8: "gone", 24: "soft-404", 29: "redirected-to-homepage", 51: "not-found",
                    60: "not-found", 62: "gone", 16: "deleted-post", 92: "deleted-post"}
    assert sum(1 for f in footnotes if f["url"] and f["category"] == "alive") == 76


def test_every_dead_link_is_looked_up_and_none_alive_is(runs):
    out = runs.first
    assert list(Draft202012Validator(json.loads(schema_text())).iter_errors(out)) == []
    assert sorted(_links(out)) == sorted(d.number for d in DEAD)
    assert out["not_looked_up"] == 76
    assert runs.first_exit == 1  # an archive could not be reached, and some links have no copy


@pytest.mark.parametrize("dead", DEAD, ids=[f"{d.number}-{d.now}" for d in DEAD])
def test_each_dead_link_gets_its_validated_copy_or_a_plain_statement(runs, dead):
    for out in (runs.first, runs.back):
        link = _links(out)[dead.number]
        assert link["url"] == dead.url and link["reference"]["basis"] == "entry date"
        offered = [c for c in link["copies"] if c["choice"] == "offered"]
        passed = [c["state"] for c in link["copies"] if c["choice"] == "passed-over"]
        assert passed == list(dead.passed_over)
        if dead.offered is None:
            assert offered == []
        else:
            [copy] = offered
            assert (copy["archive"], copy["memento_at"]) == dead.offered
            assert copy["state"] == "ok" and copy["category"] == "alive" and copy["capture_id"]
            assert copy["claim"] is not None and copy["claim"] != "not-checked"
    [unreached] = _links(runs.first)[dead.number]["unreached"]
    assert unreached.startswith("the Library of Congress web archive could not be reached (")
    assert _links(runs.back)[dead.number]["unreached"] == []


def test_the_offered_copies_are_in_the_vault_and_the_warc_as_the_archives_hold_them(runs):
    bodies = {(d.number, c.timestamp): c.body for d in DEAD for c in (*d.wayback, *d.arquivo, *d.today)}
    offered = {n: next(c for c in link["copies"] if c["choice"] == "offered")
               for n, link in _links(runs.back).items() if any(c["choice"] == "offered" for c in link["copies"])}
    assert sorted(offered) == sorted(d.number for d in DEAD if d.offered)
    with Vault.open_existing(str(runs.vault), read_only=True) as vault:
        for number, copy in offered.items():
            dead = next(d for d in DEAD if d.number == number)
            row = vault.db.conn.execute("select role, memento_of, warc_file, warc_offset from captures where id = ?",
                                        (copy["capture_id"],)).fetchone()
            assert row is not None
            role, memento_of, warc_file, offset = row
            assert (role, memento_of) == ("memento", dead.url)
            with open(runs.vault / "warc" / warc_file, "rb") as fh:
                fh.seek(offset)
                record = next(iter(ArchiveIterator(fh)))
                payload = record.content_stream().read()
            stamp = copy["memento_at"].replace("-", "").replace(":", "").replace("T", "").rstrip("Z")
            if copy["archive"] == "archive.today":  # no raw mode: its rendered page, holding the post
                assert CITED[str(number)].encode() in payload
            else:  # raw mode: the bytes the archive holds
                assert payload == bodies[(number, stamp)]
    warcio_check(sorted((runs.vault / "warc").glob("*.warc.gz")))


def test_the_table_says_each_link_s_copy_or_why_none_in_80_columns(runs):
    assert columns(runs.table) <= 80
    assert_words_whole(runs.table, [c["reason"] or "" for link in runs.first["links"] for c in link["copies"]]
                       + [u for link in runs.first["links"] for u in link["unreached"]])
    for dead in DEAD:
        assert f"[{dead.number}]" in runs.table
    assert runs.table.count("offered") == sum(1 for d in DEAD if d.offered)
    assert "could not be reached" in runs.table and "none found" not in runs.table


def test_the_table_names_the_report_once_and_each_archive_by_its_name_and_says_plainly_why_a_link_has_no_copy(runs):
    """What an editor reads: the report's path once above its links; archives by their names, not their hosts; the
    date each source is cited as of in words; a copy passed over with its reason said once; and a link with no
    copy while an archive was out of reach says both: none in those that answered, that one not reached."""
    flat = " ".join(runs.table.split())
    assert runs.table.count(str(EXAMPLE_REPORT)) == 1 and runs.table.startswith(f"Archived copies for {EXAMPLE_REPORT}")
    assert "[16] https://t.me/protenge_kz/2717 deleted-post; cited as of 2024-04-08 (the entry's date)" in flat
    assert ("no copy in the archives that answered (the Internet Archive, Arquivo.pt, archive.today, the UK Web "
            "Archive, Archive-It); the Library of Congress web archive could not be reached (") in flat
    assert "— a later run asks it again" in flat and "no copy exists" not in flat
    assert "no valid copy in the archives that answered (the Internet Archive," in flat  # [29], [51]: passed over
    assert "the Internet Archive 2024-04-01T06:15:00Z — offered (ok, claim supported)" in flat
    assert "Arquivo.pt 2024-04-18T15:30:00Z — offered" in flat and "archive.today 2024-04-29T10:10:10Z — offered" in flat
    assert ("the Internet Archive 2024-04-03T22:00:00Z — passed over: the page answers 200 but says it is not found"
            in flat)
    assert "the Internet Archive 2024-04-15T07:00:00Z — passed over: redirected to https://vlast.kz/" in flat
    for host_said in ("webarchive.loc.gov could not", "  web.archive.org  ", "soft-404: ", "why:", "reference 2024",
                      "(entry date)"):
        assert host_said not in runs.table


def test_a_second_run_asks_no_archive_that_answered_and_a_run_after_the_lost_one_is_back_asks_none(runs):
    assert runs.second_asked and all(r.startswith(LOC) for r in runs.second_asked)  # only the one out of reach
    assert runs.back_asked and all(r.startswith(LOC) for r in runs.back_asked)
    assert runs.last_asked == []
    assert runs.last == runs.back
    assert runs.last_exit == 1  # links with no valid copy


def test_once_every_archive_answered_a_link_with_no_copy_says_none_was_found(runs):
    links = _links(runs.back)
    for dead in DEAD:
        if dead.offered is None:
            services = {s["service"]: s["outcome"] for s in links[dead.number]["services"]}
            assert set(services.values()) <= {"none", "found"} and services[f"archive:{LOC}"] == "none"

