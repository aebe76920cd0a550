"""A researcher's logged-in session: a Netscape `cookies.txt` read once, and which of its cookies go to which URL.

The format browser extensions export and curl, wget and yt-dlp read: one cookie a line, seven tab-separated fields
(domain, include-subdomains flag, path, secure flag, expiry as Unix seconds or 0 for a session cookie, name, value);
`#` starts a comment, except `#HttpOnly_` before a domain, which marks an HttpOnly cookie. Our own parser, not
http.cookiejar's MozillaCookieJar: that one refuses a file without its magic first line (curl does not), names no
line, and repeats the malformed line in its error (so the cookie's value would land on the terminal and in logs).

Matching follows RFC 6265 as curl applies a cookies.txt: the domain exactly, or also its subdomains when the flag
says so; the path by path-match; a secure cookie only over HTTPS; an expired cookie never. A cookie's value is sent
and never shown: errors, warnings and the account on record carry names only.
"""

from __future__ import annotations

import ipaddress
import os
import stat
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from linkvault.errors import InputError
from linkvault.model import Account

HTTPONLY_PREFIX = "#HttpOnly_"
FLAGS = {"TRUE": True, "FALSE": False}


@dataclass(frozen=True)
class Cookie:
    domain: str  # lower case, without a leading dot
    subdomains: bool  # also sent to every subdomain of `domain`
    path: str
    secure: bool  # only over HTTPS
    expires: int  # Unix seconds; 0: a session cookie
    name: str
    value: str
    http_only: bool = False

    def matches(self, host: str, path: str, https: bool) -> bool:
        host = host.lower().rstrip(".")
        if host != self.domain and not (self.subdomains and host.endswith("." + self.domain)):
            return False
        return (https or not self.secure) and path_match(path or "/", self.path)


def path_match(request_path: str, cookie_path: str) -> bool:
    """RFC 6265 5.1.4: the same path, or below it (`/a` matches `/a/b`, never `/ab`)."""
    if request_path == cookie_path:
        return True
    return request_path.startswith(cookie_path) and (cookie_path.endswith("/") or request_path[len(cookie_path)] == "/")


@dataclass(frozen=True)
class Session:
    """The cookies of one file, labelled as the account they log in (`--as NAME`)."""

    label: str
    cookies: tuple[Cookie, ...]
    warnings: tuple[str, ...] = ()  # said once to the researcher (a file others can read)

    @property
    def domains(self) -> tuple[str, ...]:
        return tuple(sorted({c.domain for c in self.cookies}))

    def cookies_for(self, url: str) -> list[Cookie]:
        """The cookies a browser would send to `url`: longer paths first, as RFC 6265 orders them."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return []
        found = [c for c in self.cookies if c.matches(parts.hostname, parts.path, parts.scheme == "https")]
        return sorted(found, key=lambda c: -len(c.path))

    def account(self, names: tuple[str, ...]) -> Account:
        return Account(self.label, names)


def load_session(path: str, label: str | None = None, *, now: float | None = None) -> Session:
    """Read `path` once (it is never copied anywhere); a malformed line is an InputError naming the file and line."""
    try:
        with open(path, "rb") as fh:
            mode = os.fstat(fh.fileno()).st_mode
            data = fh.read(16 * 1024 * 1024 + 1)
    except OSError as exc:
        raise InputError(f"cannot read the cookies file: {exc.strerror or exc}", path=path) from None
    if len(data) > 16 * 1024 * 1024:
        raise InputError("not a cookies.txt: larger than 16 MiB", path=path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("not a cookies.txt: not UTF-8 text", path=path) from None
    cookies = parse_cookies(text, path, time.time() if now is None else now)
    readable = bool(mode & (stat.S_IRGRP | stat.S_IROTH))
    warnings = (f"{path}: other users of this machine can read these session cookies (chmod 600 {path})",) * readable
    return Session(label or f"authenticated session from {os.path.basename(path)}", cookies, warnings)


def parse_cookies(text: str, path: str, now: float) -> tuple[Cookie, ...]:
    """The file's unexpired cookies, the last of a (domain, path, name) winning as in a browser's export."""
    kept: dict[tuple[str, str, str], Cookie] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        cookie = _cookie_of(line, path, number)
        if cookie is None:
            continue
        key = (cookie.domain, cookie.path, cookie.name)
        kept.pop(key, None)
        if not cookie.expires or cookie.expires > now:
            kept[key] = cookie
    if not kept:
        raise InputError("no unexpired cookie in it (export the cookies again after logging in)", path=path)
    return tuple(kept.values())


def _cookie_of(line: str, path: str, number: int) -> Cookie | None:
    """One line's cookie, None for a blank or comment line. Errors never repeat the line: it may hold a secret."""
    http_only = line.startswith(HTTPONLY_PREFIX)
    if http_only:
        line = line[len(HTTPONLY_PREFIX):]
    elif not line.strip() or line.lstrip().startswith("#"):
        return None
    fields = line.rstrip("\r\n").split("\t")
    if len(fields) != 7:
        raise InputError(f"not a cookies.txt line: 7 tab-separated fields expected, found {len(fields)}",
                         path=path, line=number)
    domain, subdomains, cookie_path, secure, expires, name, value = fields
    if subdomains.upper() not in FLAGS or secure.upper() not in FLAGS:
        raise InputError("not a cookies.txt line: the 2nd and 4th fields must be TRUE or FALSE", path=path, line=number)
    if not expires.strip().lstrip("-").isdigit():
        raise InputError("not a cookies.txt line: the 5th field (expiry) must be a number of seconds",
                         path=path, line=number)
    host = domain.strip().lower().lstrip(".").rstrip(".")
    if not _cookie_domain(host, FLAGS[subdomains.upper()]):
        raise InputError(f"not a cookies.txt line: {host or 'an empty domain'!r} is no site's domain",
                         path=path, line=number)
    if not name.strip() or not cookie_path.startswith("/"):
        raise InputError("not a cookies.txt line: a cookie needs a name and a path starting with /",
                         path=path, line=number)
    return Cookie(host, FLAGS[subdomains.upper()], cookie_path, FLAGS[secure.upper()], max(0, int(expires)),
                  name.strip(), value, http_only)


def _cookie_domain(host: str, subdomains: bool) -> bool:
    """A host name (or an address, for itself alone); never a whole top-level domain shared by every site in it."""
    if not host or any(ch.isspace() or ch in "/:@" for ch in host):
        try:
            ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            return False
        return not subdomains
    return "." in host or (host == "localhost" and not subdomains)


def cookie_header(cookies: list[Cookie]) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in cookies)
