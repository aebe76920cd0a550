"""Every request `copies` makes inside an archive waits its turn at that archive's gate: not only a memento's first
request but each archived redirect followed inside the archive (design §5.1: "every hop of a memento fetch passes
the archive's gate"). Real sockets, real time: the fake web's log says when each request arrived."""

from __future__ import annotations

from fakeweb.archive_data import DEAD_ARTICLE, DEAD_ARTICLE_TEXT, html_capture, redirect_capture
from fakeweb.wayback import FakeWayback
from test_copies import _copies, fetched  # noqa: F401 -- the fixture, too

RATE = 60  # requests a minute to the Internet Archive's replay: one a second


def test_each_archived_redirect_hop_waits_its_turn_at_the_archive_gate(fetched, fakeweb, runner):  # noqa: F811
    hops = [DEAD_ARTICLE, DEAD_ARTICLE + "-1", DEAD_ARTICLE + "-2", DEAD_ARTICLE + "-3"]
    captures = [redirect_capture(url, f"2024040109{12 + i}33", target) for i, (url, target) in
                enumerate(zip(hops, hops[1:]))]
    captures.append(html_capture(hops[-1], "20240401091533", "Суд Астаны арестовал журналиста", DEAD_ARTICLE_TEXT))
    FakeWayback(captures).install(fakeweb)
    cited, vault = fetched
    fakeweb.log.clear()
    result, out = _copies(runner, fakeweb, cited, vault, "--rate", f"ia-memento={RATE}/min")
    [copy] = out["links"][0]["copies"]
    assert copy["state"] is not None, result.output  # fetched to its end, inside the archive
    arrivals = [r.time for r in fakeweb.log.snapshot() if r.host == "web.archive.org" and r.path.startswith("/web/")]
    assert len(arrivals) >= len(hops)  # the memento and each archived redirect after it
    gaps = [later - earlier for earlier, later in zip(arrivals, arrivals[1:])]
    # Spaced by the gate, never a burst; the fake web logs an arrival when its thread gets to it, so on a busy
    # machine one late log makes the next gap look shorter: half the interval still tells a gate from a burst.
    assert min(gaps) >= 0.5 * 60 / RATE, gaps
