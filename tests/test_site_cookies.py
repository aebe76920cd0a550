"""A cookie a site sets during a run goes back to it with the run's later requests, as a browser's would (a consent
wall that sets one and redirects), though the client's jar reads only the responses that set one."""

from __future__ import annotations

from fakeweb import Response
from test_fetch import fetch


def test_a_cookie_the_site_set_goes_with_the_next_request_to_it(tmp_path, fakeweb):
    fakeweb.route("cookies.example", "/consent", Response(302, [("Location", "/story"), ("Cache-Control", "no-store"),
                                                              ("Set-Cookie", "consent=yes; Path=/")], b""))
    fakeweb.route("cookies.example", "/story", Response(200, [("Content-Type", "text/html; charset=utf-8")], (
        "<html><head><title>Суд</title></head><body><p>Суд оставил штраф в силе.</p></body></html>").encode()))
    result = fetch(tmp_path, fakeweb, ["https://cookies.example/consent"])
    assert [link.capture.status for link in result.links] == [200]
    sent = {r.path: {k.lower(): v for k, v in r.headers} for r in fakeweb.requests if r.host == "cookies.example"}
    assert "cookie" not in sent["/consent"]
    assert sent["/story"]["cookie"] == "consent=yes"
