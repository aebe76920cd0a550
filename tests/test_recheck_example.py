"""Issue 16's Done case on the example report: three `recheck` runs with the clock moved forward give each link the
history its answers earn (one source fails twice then recovers, one fails three times across a week, one is
behind a login wall the whole time), every re-capture is in the WARC with its custody event, and `audit` holds."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from conftest import EXAMPLE
from fakeweb.server import html

import linkvault
from linkvault.archive import FetchOptions
from linkvault.archive.warc import IdsAndClock
from linkvault.vault import Vault

GONE = html("<html><head><title>Страница не найдена</title></head><body><h1>404</h1></body></html>", status=404)
WALL = html("<html><head><title>Войти</title></head><body><h1>Войдите, чтобы продолжить</h1></body></html>",
            status=401)


def test_three_rechecks_of_the_example_report_give_each_link_its_history_and_the_audit_holds(fakeweb, tmp_path):
    now = [datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)]
    options = FetchOptions(proxy=fakeweb.proxy_url, ca_bundle=fakeweb.ca_pem_path, retries=0, timeout=10,
                           ids_and_clock=IdsAndClock(now=lambda: now[0]))
    vault = tmp_path / "vault"
    news = [url for note in linkvault.parse_report(EXAMPLE).footnotes for url in note.urls
            if url.startswith(("https://kaztag.kz/", "https://rus.azattyq.org/"))]
    recovers, dies, walled = news[:3]
    first = linkvault.fetch([EXAMPLE], vault, options)
    assert {link.category for link in first.links} == {"alive"}
    live = fakeweb.router.snapshot()
    for days, failing in ((1, (recovers, dies)), (3, (recovers, dies)), (4, (dies,))):  # days 1, 4 and 8
        now[0] += timedelta(days=days)
        fakeweb.router.restore(live)
        fakeweb.route_url(walled, WALL)
        for url in failing:
            fakeweb.route_url(url, GONE)
        result = linkvault.recheck([str(EXAMPLE)], vault, options, clock=lambda: now[0])
        assert len(result.rechecked) == len({link.url for link in result.links})
    histories = result.histories
    assert histories[recovers].describe() == "alive (since 2026-11-10)"
    assert histories[dies].describe() == "dead (since 2026-11-03)" and histories[dies].failures == 3
    assert (histories[walled].status, histories[walled].failures) == ("restricted", 0)
    others = {url: h for url, h in histories.items() if url not in (recovers, dies, walled)}
    assert {h.describe() for h in others.values()} == {"alive (since 2026-11-02)"}
    assert {h.count for h in histories.values()} == {4}
    with Vault(str(vault), read_only=True) as store:
        logged = {e["subject"] for e in store.custody_chain() if e["event"] == "captured"}
        rechecks = [e for e in store.custody_chain() if e["event"] == "recheck"]
        recaptured = [c for checks in store.checks_of(list(histories)).values() for c in checks[1:]]
    assert len(rechecks) == 3 and len(recaptured) == 3 * len(histories)
    assert all(c.record and c.record.record_id in logged for c in recaptured)
    assert sum(1 for c in recaptured if c.record.revisit_of) >= len(others)  # unchanged pages: revisit records
    audit = linkvault.audit(vault=vault)
    assert audit.holds, [(p.where, p.problem) for p in audit.problems]
