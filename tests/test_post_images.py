"""A logged-in post's images are part of the post's capture, not sources the report cites: they never join the
footnote list (fetch's and report's JSON and tables), the vault links each to its post (captures.part_of, role
image), `show` and the pack's summary say how many were archived under the post, and the pack carries their records. Real sockets:
`fetch --cookies` on the fake web's Facebook group post (two photos) and Instagram post (one)."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile

import pytest
from fakeweb.social import FB_GROUP_POST, IG_POST, write_cookies_txt
from warcio.archiveiterator import ArchiveIterator

from linkvault.cli import cli

REPORT = f"""Приговор блогеру огласили в Есильском районном суде[1]; родители вышли на пикет у акимата[2].

[1] {FB_GROUP_POST.url}
[2] {IG_POST.url}
"""
IMAGES = (*FB_GROUP_POST.images, *IG_POST.images)


@pytest.fixture
def fetched(runner, tmp_path, fakeweb):
    report = tmp_path / "chronicle.txt"
    report.write_text(REPORT, encoding="utf-8")
    vault = tmp_path / "vault"
    common = ["--vault", str(vault)]
    result = runner.invoke(cli, [*common, "fetch", str(report), "--proxy", fakeweb.proxy_url, "--ca-bundle",
                                 fakeweb.ca_pem_path, "--no-timestamp", "--no-screenshots", "--format", "json",
                                 "--cookies", str(write_cookies_txt(tmp_path / "cookies.txt")), "--as", "research"])
    assert result.exit_code == 0, result.output
    assert {f"{r.scheme}://{r.host}{r.path}" for r in fakeweb.requests} >= set(IMAGES)  # the pictures were fetched
    return report, vault, common, result


def test_a_posts_images_are_not_footnote_items_of_fetch_or_report(runner, fetched):
    report, vault, common, result = fetched
    items = json.loads(result.stdout)["reports"][0]["footnotes"]
    assert [(i["number"], i["url"]) for i in items] == [(1, FB_GROUP_POST.url), (2, IG_POST.url)]
    reviewed = runner.invoke(cli, [*common, "report", str(report), "--format", "json"])
    assert [i["url"] for i in json.loads(reviewed.stdout)["footnotes"]] == [FB_GROUP_POST.url, IG_POST.url]
    table = runner.invoke(cli, [*common, "report", str(report)], env={"COLUMNS": "200"})
    assert "scontent" not in table.stdout and "2 footnotes: 2 alive" in table.stdout, table.stdout


def test_each_image_is_linked_to_its_posts_capture_in_the_vault(fetched):
    _, vault, _, _ = fetched
    db = sqlite3.connect(vault / "linkvault.db")
    posts = dict(db.execute("select url, id from captures where role = 'cited'"))
    images = db.execute("select url, part_of, status from captures where role = 'image'").fetchall()
    assert sorted(images) == sorted([(u, posts[FB_GROUP_POST.url], 200) for u in FB_GROUP_POST.images]
                                    + [(u, posts[IG_POST.url], 200) for u in IG_POST.images])
    assert not db.execute("select 1 from footnotes where url like '%scontent%'").fetchall()
    metadata = json.loads((vault / "metadata.json").read_text(encoding="utf-8"))
    assert "post" in metadata["databases"]["linkvault"]["tables"]["captures"]["columns"]["part_of"]


def test_show_lists_the_posts_images_under_its_capture(runner, fetched):
    report, _, common, _ = fetched
    shown = runner.invoke(cli, [*common, "show", str(report), "1"], env={"COLUMNS": "80"})
    assert shown.exit_code == 0, shown.output
    assert "images: 2 archived with the post" in shown.stdout
    assert "scontent" not in shown.stdout  # named by count, not as sources
    one = runner.invoke(cli, [*common, "show", str(report), "2"], env={"COLUMNS": "80"})
    assert "images: 1 archived with the post" in one.stdout


def test_the_pack_carries_the_posts_images(runner, fetched, tmp_path):
    report, _, common, _ = fetched
    packed = runner.invoke(cli, [*common, "pack", str(report), "-o", str(tmp_path / "p.wacz")])
    assert packed.exit_code == 0, packed.output
    found, summary = set(), b""
    with zipfile.ZipFile(tmp_path / "p.wacz") as z:
        for name in z.namelist():
            if name.endswith(".warc.gz"):
                for record in ArchiveIterator(io.BytesIO(z.read(name))):
                    if record.rec_type in ("response", "revisit"):
                        found.add(record.rec_headers.get_header("WARC-Target-URI"))
                    elif record.rec_type == "resource":
                        summary += record.content_stream().read()
    assert set(IMAGES) <= found
    assert b"<h1>Evidence summary</h1>" in summary
    assert "images: 2 archived with the post".encode() in summary and b"images: 1 archived with the post" in summary
