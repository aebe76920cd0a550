"""A subscribers' page on the fake web, for tests of `fetch --cookies`: the article to a reader logged in with the
research account's session cookie (with a cookie of the server's own, as sites set them), a login form to anyone
else; and that account's cookies.txt, as a browser extension exports it."""

from __future__ import annotations

import os
import time
from pathlib import Path

from .server import RequestInfo, Response, html

SECRET = "xs-5ecret-0f-the-research-account"  # the session cookie's value: it must never reach the evidence
MEMBERS = "https://members.vlast.kz/investigations/2024/04/court-files"
OPEN_PAGE = "https://rus.azattyq.org/a/32887882.html"  # a page of the example's fake web, for no account
SERVER_SET = "sb=server-said-this-1234; Domain=.vlast.kz; Path=/; Secure"
ARTICLE_TITLE = "Материалы суда"
ARTICLE = (f"<html><head><title>{ARTICLE_TITLE} по делу журналиста</title></head><body><article><h1>{ARTICLE_TITLE}</h1>"
           + "<p>Судья отклонил ходатайство защиты о переносе заседания на другую дату.</p>" * 8 + "</article></body></html>")
WALL = "<html><head><title>Log in</title></head><body><form action='/login'><input name='pass'></form></body></html>"


def members_page(request: RequestInfo) -> Response:
    """The article with the session cookie, the login form without."""
    cookie = request.header("Cookie") or ""
    if f"xs={SECRET}" in [part.strip() for part in cookie.split(";")]:
        return html(ARTICLE, headers=[("Set-Cookie", SERVER_SET)])
    return html(WALL)


def cookies_txt(directory: Path, *, mode: int = 0o600) -> str:
    """The research account's cookies.txt for members.vlast.kz (one HttpOnly), with these permissions."""
    future = int(time.time()) + 86400 * 30
    path = directory / "research-account.txt"
    path.write_text("# Netscape HTTP Cookie File\n"
                    f".vlast.kz\tTRUE\t/\tTRUE\t{future}\tc_user\t100077\n"
                    f"#HttpOnly_.vlast.kz\tTRUE\t/\tTRUE\t{future}\txs\t{SECRET}\n", encoding="utf-8")
    os.chmod(path, mode)
    return str(path)
