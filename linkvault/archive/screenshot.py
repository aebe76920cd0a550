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
import struct
import subprocess
import tempfile
import threading
import time
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from linkvault._version import __version__
from linkvault.archive.browser_profile import copy_profile
from linkvault.archive.egress import Egress
from linkvault.archive.egress_policy import EgressPolicy
from linkvault.archive.guard import Guard, Refused, is_blocked_ip
from linkvault.errors import InputError
from linkvault.vault import now_iso

MAX_HEIGHT = 30_000
WIDTH = 1280
VIEWPORT_HEIGHT = 800
QUIET = 0.4  # seconds without a new request that count as "the page has settled"
SETTLE_LIMIT = 3.0  # the longest we wait for it
GONE = "chromium exited or crashed (its DevTools pipe closed)"
TABS = 3  # on 2 cores, a third tab keeps the renderer busy while two wait on the network
# Quiet the browser's own traffic (updates, pings, sync, crash reports, translation, media routing, hints);
# what Debian's Chromium still sends (update.googleapis.com, accounts.google.com) the egress keeps in.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-quic", "--no-first-run", "--hide-scrollbars", "--mute-audio", "--no-pings",
         "--disable-domain-reliability", "--disable-client-side-phishing-detection", "--disable-default-apps",
         "--disable-extensions", "--no-default-browser-check", "--disable-breakpad", "--allow-browser-signin=false",
         "--disable-features=OptimizationHints,Translate,MediaRouter,DialMediaRouteProvider,AutofillServerCommunication,"
         "CertificateTransparencyComponentUpdater,NetworkTimeServiceQuerying",
         "--remote-debugging-pipe")
START = "about:blank"  # the first tab, instead of the home page (Debian's is start.duckduckgo.com)
# A renderer process started for each site costs about a quarter of Chromium's CPU per page. Without a researcher's
# profile the browser holds no one's session, so pages may share a few renderers (site isolation off): what one page
# could read of another's memory is another public page of the run, and with --no-sandbox a renderer is no wall
# anyway. With a profile (logged-in sessions) every site keeps a process of its own, as in a browser a person uses.
RENDERERS = 2  # processes the pages share without a profile: both cores, one page's main thread each
SHARED_RENDERERS = ("--disable-site-isolation-trials", f"--renderer-process-limit={RENDERERS}")


class BrowserMissing(Exception):
    """No Chromium on this machine (or none it can start as asked)."""


@dataclass
class Shot:
    url: str
    png: bytes
    taken_at: str  # when the image was rendered (UTC, ISO 8601)
    blocked: list[str] = field(default_factory=list)  # requests the guard refused while the page loaded
    dialogs: list[str] = field(default_factory=list)  # alert/confirm/prompt texts, dismissed unanswered


def _is_png(data: bytes) -> bool:
    """The PNG signature, then IHDR as the first chunk, as the format requires."""
    return data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"


def label_png(png: bytes, url: str, taken_at: str) -> bytes:
    """The PNG with its page and time written into it (iTXt chunks after IHDR), so an exported copy
    still says what it shows and when; the SHA-256 recorded is of these bytes."""
    if not _is_png(png):
        return png
    chunks = b"".join(_itxt(key, text) for key, text in (
        ("Title", url), ("Creation Time", taken_at), ("Software", f"linkvault {__version__} via headless Chromium")))
    end_of_ihdr = 8 + 12 + struct.unpack(">I", png[8:12])[0]
    return png[:end_of_ihdr] + chunks + png[end_of_ihdr:]


def _itxt(key: str, text: str) -> bytes:
    data = key.encode("latin-1") + b"\0\0\0\0\0" + text.encode("utf-8")  # uncompressed, no language tag
    return struct.pack(">I", len(data)) + b"iTXt" + data + struct.pack(">I", zlib.crc32(b"iTXt" + data))


def png_text(png: bytes) -> dict[str, str]:
    """The iTXt keywords and texts of a PNG (what `label_png` wrote)."""
    found, at = {}, 8
    while at + 8 <= len(png):
        length, kind = struct.unpack(">I", png[at:at + 4])[0], png[at + 4:at + 8]
        if kind == b"iTXt":
            key, _, rest = png[at + 8:at + 8 + length].partition(b"\0")
            found[key.decode("latin-1")] = rest[2:].split(b"\0", 2)[-1].decode("utf-8", "replace")  # past lang, key
        if kind == b"IDAT":
            break
        at += 12 + length
    return found


def png_size(png: bytes) -> tuple[int | None, int | None]:
    """Width and height from a PNG's IHDR chunk (None, None when it is not a PNG)."""
    if not _is_png(png):
        return None, None
    return struct.unpack(">II", png[16:24])


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
        # Every connection the browser opens (WebSockets and service workers too, which Fetch.enable never sees)
        # leaves through the guard; "<-loopback>" stops Chromium's default of going to 127.0.0.1 and localhost directly.
        self.egress = Egress(allow_private=allow_private, policy=egress, only_asked=True)
        flags = [*FLAGS, *(() if profile else SHARED_RENDERERS), f"--user-data-dir={user_data}",
                 f"--proxy-server={self.egress.url}", "--proxy-bypass-list=<-loopback>",
                 "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
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
        self._tabs: dict[str, queue.Queue] = {}
        self._blocked: dict[str, list[str]] = {}
        self._dialogs: dict[str, list[str]] = {}
        self._last_request: dict[str, float] = {}  # per tab: when it last asked for anything
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
            self._last_request[message.get("sessionId", "")] = time.monotonic()
            self._gates.submit(self._gate, message)
        elif message.get("method") == "Page.javascriptDialogOpening":
            # An open alert() stalls the page, and every later call on its tab, until someone answers it.
            session = message.get("sessionId", "")
            self._dialogs.setdefault(session, []).append(message["params"].get("message", ""))
            self._send("Page.handleJavaScriptDialog", {"accept": False}, session)
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

    def _gate(self, message: dict) -> None:
        """Let a paused request go on only if the guard allows its address."""
        params, session = message["params"], message.get("sessionId")
        url = params["request"]["url"]
        try:
            if self.allowed(url):
                self.egress.expect(url)  # before the request goes on, so its connection may leave
                self._send("Fetch.continueRequest", {"requestId": params["requestId"]}, session)
            else:
                self._blocked.setdefault(session or "", []).append(url)
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
        """A full-page PNG of `url`, 1280 px wide, as tall as the page (up to MAX_HEIGHT), in a tab of its own. Not a
        kept one: it would need blanking between pages (a page's pagehide and unload requests come after the next
        page has committed, and would go on its record), and blanking costs Chromium as much as a new tab."""
        target = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = ""
        try:
            session = self._call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            events: queue.Queue = queue.Queue()
            self._tabs[session] = events
            for reply in [self._send(method, params, session) for method, params in (  # one round trip, not three
                    ("Fetch.enable", {"patterns": [{"urlPattern": "*"}]}), ("Page.enable", {}),
                    ("Emulation.setDeviceMetricsOverride",
                     {"width": WIDTH, "height": VIEWPORT_HEIGHT, "deviceScaleFactor": 1, "mobile": False}))]:
                self._answer(reply, "a new tab", timeout)
            navigated = self._call("Page.navigate", {"url": url}, session, timeout)
            if navigated.get("errorText"):  # Chromium would show its own error page: that is no evidence
                raise RuntimeError(f"the browser could not load it ({navigated['errorText']})")
            deadline = time.monotonic() + timeout
            while (left := deadline - time.monotonic()) > 0:
                try:
                    if events.get(timeout=left).get("method") == "Page.loadEventFired":
                        break
                except queue.Empty:
                    break  # shoot what has loaded so far
            shot = self._capture(session, deadline, timeout)
            taken_at = now_iso()
            return Shot(url, label_png(shot, url, taken_at), taken_at,
                        list(self._blocked.get(session, [])), list(self._dialogs.get(session, [])))
        finally:
            self._tabs.pop(session, None)
            self._blocked.pop(session, None)
            self._dialogs.pop(session, None)
            self._last_request.pop(session, None)
            try:
                self._call("Target.closeTarget", {"targetId": target}, timeout=5)
            except Exception:  # a tab that will not close dies with the browser
                pass

    def _capture(self, session: str, deadline: float, timeout: float) -> bytes:
        """The loaded page whole, as a PNG."""
        size = self._call("Page.getLayoutMetrics", {}, session).get("cssContentSize", {})
        viewport = VIEWPORT_HEIGHT
        if size.get("height", 0) > VIEWPORT_HEIGHT:
            # The whole page in view, as a reader scrolling down would have it: lazy images and
            # scroll-triggered content load, instead of leaving placeholders in the capture.
            viewport = min(int(size["height"]), MAX_HEIGHT)
            self._call("Emulation.setDeviceMetricsOverride",
                       {"width": WIDTH, "height": viewport, "deviceScaleFactor": 1, "mobile": False}, session)
            self._settle(session, deadline)
            size = self._call("Page.getLayoutMetrics", {}, session).get("cssContentSize", {})
        width = max(1, int(size.get("width", WIDTH)))
        height = max(1, min(int(size.get("height", VIEWPORT_HEIGHT)), MAX_HEIGHT))
        # Only a page that grew past the viewport (or is wider) needs Chromium to lay it out again beyond it.
        beyond = width > WIDTH or height > viewport
        shot = self._call("Page.captureScreenshot", {
            "format": "png", "optimizeForSpeed": True, "captureBeyondViewport": beyond,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}}, session, timeout)
        return base64.b64decode(shot["data"])

    def _settle(self, session: str, deadline: float) -> None:
        """Wait until the tab has asked for nothing new for QUIET seconds (at most SETTLE_LIMIT)."""
        start = time.monotonic()
        self._last_request[session] = max(self._last_request.get(session, 0.0), start)
        limit = min(start + SETTLE_LIMIT, deadline)
        while (now := time.monotonic()) < limit and now - self._last_request.get(session, 0.0) < QUIET:
            time.sleep(0.05)

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
