"""ReplayWeb.page, the viewer a third party is most likely to open a WACZ in, run for real.

`make replayweb` unpacks its npm package (the static app: ui.js and the service worker sw.js)
into .venv. Here it is served with a pack from 127.0.0.1, a secure context for service workers,
and opened in Debian's headless Chromium, driven over the DevTools pipe by linkvault's own
Browser (its private call method: the product has no use for a general-purpose driver).
"""

from __future__ import annotations

import contextlib
import functools
import glob
import http.server
import shutil
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = next((p for p in sorted(glob.glob(str(ROOT / ".venv" / "replaywebpage-*" / "package")))
                if all((Path(p) / name).is_file() for name in ("index.html", "ui.js", "sw.js"))), None)
SKIP_REASON = "ReplayWeb.page is not unpacked (make replayweb fetches it from npm)"

# The embedding page its documentation describes: the viewer element alone, replay only.
EMBED = """<!doctype html><html><head><meta charset="utf-8"><script src="./ui.js"></script></head><body>
<replay-web-page source="{source}" url="{url}" embed="replayonly" style="display:block;width:1200px;height:800px">
</replay-web-page></body></html>"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


@contextlib.contextmanager
def serve(pack: Path, workdir: Path, *, url: str = ""):
    """Yield the base URL of ReplayWeb.page serving `pack`, with `embed.html` replaying `url`.

    Each call is a new port, so a new origin with no service worker left from an earlier test.
    """
    site = workdir / "site"
    (site / "replay").mkdir(parents=True)
    for name in ("index.html", "ui.js", "sw.js"):
        shutil.copy(Path(PACKAGE) / name, site / name)
    shutil.copy(Path(PACKAGE) / "sw.js", site / "replay" / "sw.js")  # the embed's service worker lives under replay/
    shutil.copy(pack, site / pack.name)
    (site / "embed.html").write_text(EMBED.format(source=pack.name, url=url), encoding="utf-8")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


class Tab:
    """One tab of a headless Chromium, for reading what a page shows (shadow roots and frames included)."""

    def __init__(self, browser, url: str):
        self.browser = browser
        self.target = browser._call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser._call("Target.attachToTarget", {"targetId": self.target, "flatten": True})["sessionId"]
        browser._call("Page.enable", {}, self.session)
        browser.egress.expect(url)  # no Fetch gate here to let the viewer's origin out of the browser's egress
        browser._call("Page.navigate", {"url": url}, self.session)

    def __enter__(self) -> Tab:
        return self

    def __exit__(self, *_) -> None:
        """A tab left open would keep its viewer (and service worker) busy beside the next test's."""
        self.browser._call("Target.closeTarget", {"targetId": self.target})

    def frame_texts(self) -> dict[str, str]:
        """Each frame's URL and the text it shows."""
        tree = self.browser._call("Page.getFrameTree", {}, self.session)["frameTree"]
        frames, out = [tree], {}
        while frames:
            node = frames.pop()
            frames.extend(node.get("childFrames", []))
            try:
                world = self.browser._call("Page.createIsolatedWorld", {"frameId": node["frame"]["id"]}, self.session)
                value = self.browser._call("Runtime.evaluate", {
                    "expression": "document.body ? document.body.innerText : ''", "returnByValue": True,
                    "contextId": world["executionContextId"]}, self.session)["result"].get("value", "")
            except RuntimeError:  # the frame navigated away meanwhile; the next look will see it
                continue
            out[node["frame"]["url"]] = value
        return out

    def shown_texts(self) -> list[str]:
        """Every text node of the page, through shadow roots, as the app renders it."""
        root = self.browser._call("DOM.getDocument", {"depth": -1, "pierce": True}, self.session)["root"]
        nodes, out = [root], []
        while nodes:
            node = nodes.pop()
            if node.get("nodeType") == 3 and node.get("nodeValue", "").strip():
                out.append(node["nodeValue"].strip())
            nodes.extend(node.get("children", []) + node.get("shadowRoots", []))
            if "contentDocument" in node:
                nodes.append(node["contentDocument"])
        return out

    def reload(self) -> None:
        self.browser._call("Page.reload", {"ignoreCache": False}, self.session)

    def evaluate(self, expression: str):
        return self.browser._call("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                                       "returnByValue": True}, self.session)["result"].get("value")


def wait_for(probe, done, timeout: float = 90, every: float = 1.0):
    """Call `probe` until `done(result)` or the timeout; return the last result either way."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if done(result) or time.monotonic() > deadline:
            return result
        time.sleep(every)
