"""Full-page screenshots through headless Chromium (Debian's), driven over the DevTools pipe.

No browser download and no debugging port: Chromium reads NUL-terminated JSON on fd 3 and writes
on fd 4. One reader thread owns fd 4 and hands replies to their callers and events to their tab,
so several tabs load and render at once. The browser is untrusted too: every request a page makes
(sub-resources, redirects, scripts) is paused with `Fetch.enable` and let through only if our
address guard allows it, which also records what each page tried; and every connection the
browser opens at all leaves through `egress`, the guard as a proxy, so neither a WebSocket nor a
service worker can reach 127.0.0.1 or 169.254.169.254 either.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from linkvault.archive.browser_profile import copy_profile
from linkvault.archive.egress import Egress
from linkvault.archive.egress_policy import EgressPolicy
from linkvault.archive.guard import Guard, Refused, is_blocked_ip
from linkvault.archive.png import label_png, png_size, png_text  # noqa: F401 (the last two are read from here too)
from linkvault.errors import InputError
from linkvault.vault import now_iso

MAX_HEIGHT = 30_000
WIDTH = 1280
VIEWPORT_HEIGHT = 800
QUIET = 0.4  # seconds without a new request that count as "the page has settled"
SETTLE_LIMIT = 3.0  # the longest we wait for it
GONE = "chromium exited or crashed (its DevTools pipe closed)"
# Quiet the browser's own traffic (updates, pings, sync, crash reports, translation, media routing, hints);
# what Debian's Chromium still sends (update.googleapis.com, accounts.google.com) the egress keeps in.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-quic", "--no-first-run", "--hide-scrollbars", "--mute-audio", "--no-pings",
         "--disable-domain-reliability", "--disable-client-side-phishing-detection", "--disable-default-apps",
         "--disable-extensions", "--no-default-browser-check", "--disable-breakpad", "--allow-browser-signin=false",
         "--disable-features=OptimizationHints,Translate,MediaRouter,DialMediaRouteProvider,AutofillServerCommunication,"
         "CertificateTransparencyComponentUpdater,NetworkTimeServiceQuerying,BackForwardCache",
         "--remote-debugging-pipe")
START = "about:blank"  # the first tab, instead of the home page (Debian's is start.duckduckgo.com)


class BrowserMissing(Exception):
    """No Chromium on this machine (or none it can start as asked)."""


@dataclass
class Shot:
    url: str
    png: bytes
    taken_at: str  # when the image was rendered (UTC, ISO 8601)
    blocked: list[str] = field(default_factory=list)  # requests the guard refused while the page loaded
    dialogs: list[str] = field(default_factory=list)  # alert/confirm/prompt texts, dismissed unanswered


@dataclass
class _Tab:
    """A browser tab of ours: its target, its DevTools session, its events, its viewport's height."""
    target: str
    session: str
    events: queue.Queue
    height: int = VIEWPORT_HEIGHT


@dataclass
class _Visit:
    """What one page did while it was loaded: the requests the guard refused, its dialogs, when it last asked."""
    blocked: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    last_request: float = 0.0


def chromium() -> str | None:
    return next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p), None)


def _user_data(scratch: tempfile.TemporaryDirectory, profile: str | None) -> str:
    """The browser's user-data directory: `scratch` itself, or a copy of `profile` inside it."""
    if profile is None:
        return scratch.name
    try:
        return copy_profile(profile, scratch.name)
    except (OSError, InputError) as exc:  # unreadable, or gone since the run began
        scratch.cleanup()
        raise BrowserMissing(f"the browser profile {profile} could not be copied ({exc})") from exc


class Browser:
    """One headless Chromium for a run; `screenshot` may be called from several threads at once. With `profile` (a
    Chromium user-data directory the researcher logged in with) it renders in a copy of it (browser_profile.py)."""

    def __init__(self, *, egress: EgressPolicy | None = None, allow_private: bool = False, profile: str | None = None):
        exe = chromium()
        if exe is None:
            raise BrowserMissing("chromium is not installed")
        self.guard = Guard(allow_private=allow_private)
        egress = egress or EgressPolicy()
        self._profile = tempfile.TemporaryDirectory()
        user_data = _user_data(self._profile, profile)
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        a = fcntl.fcntl(to_child_r, fcntl.F_DUPFD_CLOEXEC, 10)
        b = fcntl.fcntl(from_child_w, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(to_child_r)
        os.close(from_child_w)
        # Every connection the browser opens (WebSockets and service workers too, which Fetch.enable
        # never sees) leaves through the guard; "<-loopback>" stops Chromium's default of going to
        # 127.0.0.1 and localhost directly.
        self.egress = Egress(allow_private=allow_private, policy=egress, only_asked=True)
        flags = [*FLAGS, f"--user-data-dir={user_data}", f"--proxy-server={self.egress.url}",
                 "--proxy-bypass-list=<-loopback>", "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
                 "--webrtc-ip-handling-policy=disable_non_proxied_udp"]
        if self.egress.tls:  # the user's own roots (a TLS-intercepting proxy's CA) are checked in the egress,
            flags.append(f"--ignore-certificate-errors-spki-list={self.egress.tls.spki}")  # which shows its own
        # Popen's close_fds runs after preexec_fn, so the pipe ends are mapped to 3 and 4 by the shell.
        try:
            self._proc = subprocess.Popen(["bash", "-c", f'exec "$0" "$@" 3<&{a} 4>&{b} {a}<&- {b}>&-', exe, *flags, START],
                                          pass_fds=(a, b), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL, start_new_session=True)
        except OSError as exc:
            self.egress.close()
            for fd in (self._to_child, self._from_child):
                os.close(fd)
            self._profile.cleanup()
            raise BrowserMissing(f"chromium could not be started ({exc})") from exc
        finally:
            os.close(a)
            os.close(b)
        self._write_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._next_id = 0
        self._pending: dict[int, Future] = {}
        self._tabs: dict[str, queue.Queue] = {}  # session → its tab's events
        self._visits: dict[str, _Visit] = {}  # session → the page it shows now
        self._idle: list[_Tab] = []  # tabs kept for the next page
        self._closed: Exception | None = None
        # Address checks may wait on DNS; they must not hold up the replies other tabs wait for.
        self._gates = ThreadPoolExecutor(4, thread_name_prefix="linkvault-gate")
        self._reader = threading.Thread(target=self._read_forever, name="linkvault-chromium", daemon=True)
        self._reader.start()

    @property
    def gone(self) -> Exception | None:
        """Why the browser can no longer be used (it exited, or its pipe broke), or None."""
        return self._closed

    # -- the pipe -----------------------------------------------------------------------------

    def _send(self, method: str, params: dict | None = None, session: str | None = None) -> Future:
        reply: Future = Future()
        with self._state_lock:
            if self._closed:
                raise ConnectionError(str(self._closed))
            self._next_id += 1
            message = {"id": self._next_id, "method": method, "params": params or {}}
            self._pending[self._next_id] = reply
        if session:
            message["sessionId"] = session
        try:
            with self._write_lock:
                os.write(self._to_child, json.dumps(message).encode() + b"\0")
        except OSError as exc:  # it died before the reader saw the pipe close: the same news, said the same way
            raise ConnectionError(GONE) from exc
        return reply

    def _read_forever(self) -> None:
        pieces: list[bytes] = []  # of the message being read: a screenshot arrives as megabytes in 64 KiB reads
        try:
            while True:
                chunk = os.read(self._from_child, 1 << 20)
                if not chunk:
                    raise ConnectionError(GONE)
                if b"\0" not in chunk:
                    pieces.append(chunk)
                    continue
                *ends, rest = chunk.split(b"\0")
                for n, end in enumerate(ends):
                    self._dispatch(json.loads(b"".join([*pieces, end]) if n == 0 else end))
                    pieces = []
                pieces = [rest] if rest else []
        except (OSError, ValueError, ConnectionError) as exc:
            with self._state_lock:
                self._closed = exc if isinstance(exc, ConnectionError) else ConnectionError(f"chromium pipe: {exc}")
                pending, self._pending = self._pending, {}
            for reply in pending.values():
                reply.set_exception(self._closed)

    def _dispatch(self, message: dict) -> None:
        if "id" in message:
            with self._state_lock:
                reply = self._pending.pop(message["id"], None)
            if reply is not None:
                reply.set_result(message)
        elif message.get("method") == "Fetch.requestPaused":
            # Read here, in the pipe's order: a request is the page's that was loaded when it was asked.
            visit = self._visits.get(message.get("sessionId", ""))
            if visit is not None:
                visit.last_request = time.monotonic()
            self._gates.submit(self._gate, message, visit)
        elif message.get("method") == "Page.javascriptDialogOpening":
            # An open alert() stalls the page, and every later call on its tab, until someone answers it;
            # a "leave this page?" is answered yes, so the tab can go on to the next page.
            session, params = message.get("sessionId", ""), message["params"]
            if (visit := self._visits.get(session)) is not None:
                visit.dialogs.append(params.get("message", ""))
            self._send("Page.handleJavaScriptDialog", {"accept": params.get("type") == "beforeunload"}, session)
        elif (tab := self._tabs.get(message.get("sessionId", ""))) is not None:
            tab.put(message)

    def _call(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 20) -> dict:
        return self._answer(self._send(method, params, session), method, timeout)

    @staticmethod
    def _answer(reply: Future, method: str, timeout: float) -> dict:
        try:
            message = reply.result(timeout)
        except FutureTimeout:
            raise TimeoutError(f"chromium did not answer {method}") from None
        if "error" in message:
            raise RuntimeError(f"{method}: {message['error'].get('message')}")
        return message.get("result", {})

    def _gate(self, message: dict, visit: _Visit | None) -> None:
        """Let a paused request go on only if the guard allows its address (a refusal goes on `visit`'s record)."""
        params, session = message["params"], message.get("sessionId")
        url = params["request"]["url"]
        try:
            if self.allowed(url):
                self.egress.expect(url)  # before the request goes on, so its connection may leave
                self._send("Fetch.continueRequest", {"requestId": params["requestId"]}, session)
            else:
                if visit is not None:
                    visit.blocked.append(url)
                self._send("Fetch.failRequest", {"requestId": params["requestId"], "errorReason": "BlockedByClient"},
                           session)
        except (OSError, ConnectionError):
            pass  # the browser is gone; its requests with it

    def allowed(self, url: str) -> bool:
        scheme = urlsplit(url).scheme.lower()
        if scheme in ("data", "blob", "about"):
            return True
        try:
            self.guard.check(url)
        except Refused:
            return False
        if self.guard.allow_private or self.egress.policy.proxy_for(url):
            return True  # names a proxy resolves are the proxy's to judge, as for the fetcher
        host = urlsplit(url).hostname or ""
        try:
            addresses = {str(info[4][0]) for info in socket.getaddrinfo(host, None)}
        except (OSError, UnicodeError):
            return True  # it will fail to load by itself; nothing private is reached
        return not any(is_blocked_ip(a) for a in addresses)

    # -- screenshots --------------------------------------------------------------------------

    def screenshot(self, url: str, timeout: float = 20) -> Shot:
        """A full-page PNG of `url`, 1280 px wide, as tall as the page (up to MAX_HEIGHT), in a tab no other caller
        is using; the tab is kept for the next page (a new one costs more than a small page), or closed if it failed."""
        tab = self._take_tab()
        visit = self._visits[tab.session] = _Visit()
        try:
            shot = self._shoot(tab, visit, url, timeout)
        except BaseException:
            self._close_tab(tab)
            raise
        self._put_back(tab)
        return shot

    def _shoot(self, tab: _Tab, visit: _Visit, url: str, timeout: float) -> Shot:
        deadline = time.monotonic() + timeout
        while not tab.events.empty():  # what the blank page said while the tab waited
            tab.events.get_nowait()
        navigated = self._call("Page.navigate", {"url": url}, tab.session, timeout)
        if navigated.get("errorText"):  # Chromium would show its own error page: that is no evidence
            raise RuntimeError(f"the browser could not load it ({navigated['errorText']})")
        self._wait_for_load(tab, navigated.get("frameId"), navigated.get("loaderId"), deadline)
        size = self._call("Page.getLayoutMetrics", {}, tab.session).get("cssContentSize", {})
        if size.get("height", 0) > VIEWPORT_HEIGHT:
            # The whole page in view, as a reader scrolling down would have it: lazy images and
            # scroll-triggered content load, instead of leaving placeholders in the capture.
            self._viewport(tab, min(int(size["height"]), MAX_HEIGHT))
            self._settle(visit, deadline)
            size = self._call("Page.getLayoutMetrics", {}, tab.session).get("cssContentSize", {})
        width = max(1, int(size.get("width", WIDTH)))
        height = max(1, min(int(size.get("height", VIEWPORT_HEIGHT)), MAX_HEIGHT))
        beyond = width > WIDTH or height > tab.height  # else all is in view: no second layout and paint to pay
        shot = self._call("Page.captureScreenshot", {
            "format": "png", "optimizeForSpeed": True, "captureBeyondViewport": beyond,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}}, tab.session, timeout)
        taken_at = now_iso()
        return Shot(url, label_png(base64.b64decode(shot["data"]), url, taken_at), taken_at,
                    list(visit.blocked), list(visit.dialogs))

    def _wait_for_load(self, tab: _Tab, frame: str | None, loader: str | None, deadline: float) -> None:
        """Until this navigation's document has fired its load event, or the deadline (then what has loaded is shot)."""
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = tab.events.get(timeout=left)
            except queue.Empty:
                return
            params = event.get("params", {})
            if (event.get("method") == "Page.lifecycleEvent" and params.get("name") == "load"
                    and params.get("frameId") == frame and loader in (None, params.get("loaderId"))):
                return

    def _viewport(self, tab: _Tab, height: int) -> None:
        self._call("Emulation.setDeviceMetricsOverride",
                   {"width": WIDTH, "height": height, "deviceScaleFactor": 1, "mobile": False}, tab.session)
        tab.height = height

    def _settle(self, visit: _Visit, deadline: float) -> None:
        """Wait until the page has asked for nothing new for QUIET seconds (at most SETTLE_LIMIT)."""
        start = time.monotonic()
        visit.last_request = max(visit.last_request, start)
        limit = min(start + SETTLE_LIMIT, deadline)
        while (now := time.monotonic()) < limit and now - visit.last_request < QUIET:
            time.sleep(0.05)

    # -- tabs ---------------------------------------------------------------------------------

    def _take_tab(self) -> _Tab:
        with self._state_lock:
            if self._idle:
                return self._idle.pop()
        target = self._call("Target.createTarget", {"url": START})["targetId"]
        tab = _Tab(target, "", queue.Queue())
        try:
            tab.session = self._call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            self._tabs[tab.session] = tab.events
            replies = [self._send(method, params, tab.session) for method, params in (
                ("Fetch.enable", {"patterns": [{"urlPattern": "*"}]}), ("Page.enable", {}),
                ("Page.setLifecycleEventsEnabled", {"enabled": True}),
                ("Emulation.setDeviceMetricsOverride",
                 {"width": WIDTH, "height": VIEWPORT_HEIGHT, "deviceScaleFactor": 1, "mobile": False}))]
            for reply in replies:  # sent at once, answered in order: one round trip, not four
                self._answer(reply, "a new tab", 20)
        except BaseException:
            self._close_tab(tab)
            raise
        return tab

    def _put_back(self, tab: _Tab) -> None:
        """Blank the tab, so no late request or dialog of its page is counted against the next, and keep it."""
        try:
            self._call("Page.navigate", {"url": START}, tab.session, 5)
            if tab.height != VIEWPORT_HEIGHT:
                self._viewport(tab, VIEWPORT_HEIGHT)
        except Exception:
            self._close_tab(tab)
            return
        self._visits.pop(tab.session, None)
        with self._state_lock:
            self._idle.append(tab)

    def _close_tab(self, tab: _Tab) -> None:
        self._tabs.pop(tab.session, None)
        self._visits.pop(tab.session, None)
        try:
            self._call("Target.closeTarget", {"targetId": tab.target}, timeout=5)
        except Exception:  # a tab that will not close dies with the browser
            pass

    def close(self) -> None:
        try:
            self._send("Browser.close")
        except (OSError, ConnectionError):
            pass
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(self._proc.pid, signal.SIGKILL)
            self._proc.wait()
        self._gates.shutdown(wait=True, cancel_futures=True)
        try:
            os.close(self._to_child)
        except OSError:
            pass
        self._reader.join(timeout=5)  # it sees end-of-file once chromium has exited
        try:
            os.close(self._from_child)
        except OSError:
            pass
        self.egress.close()
        self._profile.cleanup()
