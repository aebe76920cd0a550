"""Verdicts on real pages others captured (../shared/real-pages/labels.json), served by the fake web
with their recorded status, headers and redirect chains, and judged by a real `fetch`."""

from __future__ import annotations

import json

import pytest
from conftest import REAL_PAGES
from fakeweb import Response
from fakeweb.server import redirect

import linkvault
from linkvault.archive import FetchOptions

pytestmark = pytest.mark.skipif(not REAL_PAGES.is_dir(), reason="../shared/real-pages is not beside this checkout")

# Where a page stood, when its capture does not say (no .response.json with a Content-Location).
CITED_AT = {
    "cloudflare/cf_attention_required_recaptcha_2019-12-12.html": "https://www.example-news.kz/2019/12/12/story",
    "cloudflare/cf_bot_fight_mode_2021-01-07.html": "https://www.example-shop.kz/product/123",
    "cloudflare/cf_just_a_moment_js_challenge_2020-05-27.html": "https://www.example-forum.kz/thread/42",
    "login_walls/facebook_page_anonymous_login_bar_2017_de.html": "https://www.facebook.com/visitaustria",
    "login_walls/wsj_pro_paywall_snippet_2016.html": "https://www.wsj.com/articles/cybersecurity-pro-1466000000",
    "soft404_parked_youtube/youtube_watch_private_video_m8uHb5jIGN8_2021.html": "https://www.youtube.com/watch?v=m8uHb5jIGN8",
    "pangea/voanews_article_pangea_2024-04-28.html": "https://www.voanews.com/a/child-care-7589000.html",
    "telegram/tme_single_post_teslahunt_15513.html": "https://t.me/teslahunt/15513",
    "telegram/tme_embed1_widget_K1inUSA_3_2018.html": "https://t.me/K1inUSA/3",
    "telegram/tme_single_post_chollometro_28542.html": "https://t.me/chollometro/28542",
    "telegram/tme_channel_landing_DiaboxApp.html": "https://t.me/DiaboxApp/999",
    "telegram/tme_channel_landing_unlimitedhangout_2021.html": "https://t.me/unlimitedhangout/4242",
    "soft404_parked_youtube/animoto_dead_video_redirected_to_homepage_soft404.html": "https://animoto.com/play/Qx7bGzLBgyH1yJcS1rZsKQ",
}
# Telegram's channel card where a post was cited is a deleted post (SOURCES.md's note on them).
EXTRA_LABELS = {
    "telegram/tme_channel_landing_DiaboxApp.html": {"state": "deleted-post", "category": "dead"},
    "telegram/tme_channel_landing_unlimitedhangout_2021.html": {"state": "deleted-post", "category": "dead"},
}
SKIP_HEADERS = {"content-encoding", "content-length", "transfer-encoding", "location", "content-location"}


def _labelled():
    labels = json.loads((REAL_PAGES / "labels.json").read_text()) if REAL_PAGES.is_dir() else {}
    cases = []
    for name, label in labels.items():
        if name.startswith("_") or name.startswith(("word_", "ru_news/")) or name.endswith(".yml"):
            continue
        label = {**label, **EXTRA_LABELS.get(name, {})}
        if not ({"state", "category", "not"} & set(label)):
            continue
        statuses = [label["status"]] if label.get("status") else [200, 403]
        cases += [pytest.param(name, label, status, id=f"{name.split('/')[-1]}-{status}") for status in statuses]
    return cases


def _serve(web, name: str, status: int) -> str:
    """Route the page (and its redirect chain) and return the URL a report would cite."""
    body = (REAL_PAGES / name).read_bytes()
    meta_path = REAL_PAGES / name.replace(".html", ".response.json").replace(".htm", ".response.json")
    headers: list[tuple[str, str]] = [("Content-Type", "text/html; charset=utf-8")]
    chain: list[str] = []
    final = CITED_AT.get(name)
    if meta_path.exists() and meta_path != REAL_PAGES / name:
        raw = json.loads(meta_path.read_text())["headers"]
        headers = [(k, v[-1]) for k, v in raw.items() if k.lower() not in SKIP_HEADERS]
        final = raw.get("Content-Location", [final])[-1]
        chain = list(dict.fromkeys(raw.get("location", [])))
    if name in CITED_AT and final != CITED_AT[name]:
        chain = [CITED_AT[name]]
    if chain and chain[-1] != final:
        chain.append(final)
    for here, there in zip(chain, chain[1:]):
        web.route_url(here, redirect(there, 301))
    web.route_url(final, Response(status, headers, body))
    return chain[0] if len(chain) > 1 else final


@pytest.mark.parametrize("name,label,status", _labelled())
def test_real_page_gets_the_labelled_verdict(tmp_path, fakeweb, name, label, status):
    if "youtube_watch_private" in name:  # its oEmbed answers 403 for a private video (the .yml beside it)
        fakeweb.route("www.youtube.com", "/oembed", Response(403, [("Content-Type", "text/html")], b"Forbidden"))
    url = _serve(fakeweb, name, status)
    path = tmp_path / "r.txt"
    path.write_text(f"Claim[1].\n\n[1] {url}\n", encoding="utf-8")
    result = linkvault.fetch([path], tmp_path / "vault", FetchOptions(proxy=fakeweb.proxy_url, ca_bundle=fakeweb.ca_pem_path,
                                                                       retries=0, timeout=10),
                             rules=linkvault.HistoryRules(dead_after=1))  # the page's reading, its failure dead at once
    link = result.links[0]
    verdict = (link.category, link.state, link.detail)
    if "state" in label:
        assert link.state == label["state"], verdict
    if "category" in label:
        assert link.category == label["category"], verdict
    for wrong in label.get("not", []):
        assert link.category != wrong, verdict
