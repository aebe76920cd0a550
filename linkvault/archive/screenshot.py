"""Full-page screenshots through headless Chromium (Debian's), driven over the DevTools pipe.

No browser download and no debugging port: Chromium reads NUL-terminated JSON on fd 3 and writes
on fd 4. The browser is untrusted too: every request it makes (sub-resources, redirects, scripts)
is paused with `Fetch.enable` and let through only if our address guard allows it, so a hostile
page cannot make it load 127.0.0.1 or 169.254.169.254.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from urllib.parse import urlsplit

from linkvault.archive.guard import Guard, Refused, is_blocked_ip

MAX_HEIGHT = 30_000
WIDTH = 1280
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-quic", "--no-first-run", "--hide-scrollbars", "--mute-audio",
         "--remote-debugging-pipe")


class BrowserMissing(Exception):
    """No Chromium on this machine."""


def chromium() -> str | None:
    return next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p), None)


class Browser:
    """One headless Chromium for a run."""

    def __init__(self, *, proxy: str | None = None, allow_private: bool = False, trust_any_certificate: bool = False):
        exe = chromium()
        if exe is None:
            raise BrowserMissing("chromium is not installed")
        self.guard = Guard(allow_private=allow_private)
        self.proxied = proxy is not None
        self.blocked: list[str] = []
        self._profile = tempfile.TemporaryDirectory()
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        a = fcntl.fcntl(to_child_r, fcntl.F_DUPFD_CLOEXEC, 10)
        b = fcntl.fcntl(from_child_w, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(to_child_r)
        os.close(from_child_w)
        flags = [*FLAGS, f"--user-data-dir={self._profile.name}"]
        if proxy:
            flags.append(f"--proxy-server={proxy}")
        if trust_any_certificate:  # only when the caller trusts a private CA (--ca-bundle)
            flags.append("--ignore-certificate-errors")
        # Popen's close_fds runs after preexec_fn, so the pipe ends are mapped to 3 and 4 by the shell.
        self._proc = subprocess.Popen(["bash", "-c", f'exec "$0" "$@" 3<&{a} 4>&{b} {a}<&- {b}>&-', exe, *flags],
                                      pass_fds=(a, b), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, start_new_session=True)
        os.close(a)
        os.close(b)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict] = []

    # -- the pipe -----------------------------------------------------------------------------

    def _send(self, method: str, params: dict | None = None, session: str | None = None) -> int:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        return self._next_id

    def _read(self, deadline: float) -> dict | None:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_child], [], [], left)[0]:
                return None
            chunk = os.read(self._from_child, 1 << 20)
            if not chunk:
                raise ConnectionError("chromium closed its pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message = json.loads(raw)
        if message.get("method") == "Fetch.requestPaused":
            self._gate(message)
            return self._read(deadline)
        return message

    def _call(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 20) -> dict:
        wanted = self._send(method, params, session)
        deadline = time.monotonic() + timeout
        while True:
            message = self._read(deadline)
            if message is None:
                raise TimeoutError(f"chromium did not answer {method}")
            if message.get("id") == wanted:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error'].get('message')}")
                return message.get("result", {})
            self._events.append(message)

    def _gate(self, message: dict) -> None:
        """Let a paused request go on only if the guard allows its address."""
        params, session = message["params"], message.get("sessionId")
        url = params["request"]["url"]
        if self.allowed(url):
            self._send("Fetch.continueRequest", {"requestId": params["requestId"]}, session)
        else:
            self.blocked.append(url)
            self._send("Fetch.failRequest", {"requestId": params["requestId"], "errorReason": "BlockedByClient"}, session)

    def allowed(self, url: str) -> bool:
        scheme = urlsplit(url).scheme.lower()
        if scheme in ("data", "blob", "about"):
            return True
        try:
            self.guard.check(url)
        except Refused:
            return False
        if self.guard.allow_private or self.proxied:
            return True
        host = urlsplit(url).hostname or ""
        try:
            addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
        except (OSError, UnicodeError):
            return True  # it will fail to load by itself; nothing private is reached
        return not any(is_blocked_ip(a) for a in addresses)

    # -- screenshots --------------------------------------------------------------------------

    def screenshot(self, url: str, timeout: float = 20) -> bytes:
        """A full-page PNG of `url`, 1280 px wide, as tall as the page (up to MAX_HEIGHT)."""
        target = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
        try:
            session = self._call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            self._call("Fetch.enable", {"patterns": [{"urlPattern": "*"}]}, session)
            self._call("Page.enable", {}, session)
            self._call("Emulation.setDeviceMetricsOverride",
                       {"width": WIDTH, "height": 800, "deviceScaleFactor": 1, "mobile": False}, session)
            self._call("Page.navigate", {"url": url}, session, timeout)
            deadline = time.monotonic() + timeout
            while not any(e.get("method") == "Page.loadEventFired" and e.get("sessionId") == session for e in self._events):
                message = self._read(deadline)
                if message is None:
                    break  # shoot what has loaded so far
                self._events.append(message)
            self._events = [e for e in self._events if e.get("sessionId") != session]
            size = self._call("Page.getLayoutMetrics", {}, session).get("cssContentSize", {})
            width = max(1, int(size.get("width", WIDTH)))
            height = max(1, min(int(size.get("height", 800)), MAX_HEIGHT))
            shot = self._call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                                         "clip": {"x": 0, "y": 0, "width": width, "height": height,
                                                                  "scale": 1}}, session, timeout)
            return base64.b64decode(shot["data"])
        finally:
            try:
                self._call("Target.closeTarget", {"targetId": target}, timeout=5)
            except Exception:  # a tab that will not close dies with the browser
                pass

    def close(self) -> None:
        try:
            self._send("Browser.close")
        except OSError:
            pass
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(self._proc.pid, signal.SIGKILL)
            self._proc.wait()
        for fd in (self._to_child, self._from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        self._profile.cleanup()
