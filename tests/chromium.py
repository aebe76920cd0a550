"""Debian's headless Chromium on a local file: the DOM after its scripts ran, or a screenshot.

Every host name resolves to nothing, so a page that tried to load anything from outside would fail, not leak.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

CHROMIUM = shutil.which("chromium")
SKIP_REASON = "Debian's chromium is not installed (apt-get install -y --no-install-recommends chromium)"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--disable-quic", "--no-first-run", "--disable-extensions", "--mute-audio",
    "--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=2000",
]


def _run(args: list[str], profile: Path, timeout: float) -> str:
    """Run Chromium in its own process group, so a hung page is killed with all its helpers."""
    profile.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise AssertionError(f"chromium did not finish in {timeout} s (a blocking dialog from injected script?)") from exc
    if proc.returncode:
        raise AssertionError(f"chromium exited with {proc.returncode}: {err[-2000:]}")
    return out


def dump_dom(page: Path, profile: Path, *, fragment: str = "", timeout: float = 15,
             size: tuple[int, int] | None = None) -> str:
    """The page's DOM serialised after load (and after its scripts ran)."""
    window = [f"--window-size={size[0]},{size[1]}"] if size else []
    return _run([*window, "--dump-dom", page.resolve().as_uri() + fragment], profile, timeout)


# Marks every element the selector matches with how many lines its text takes (data-lines) and its height in
# px (data-height), next to the height of one line of the same text in the same cell (data-line-height).
_MEASURE = """<script>(function(){var cells=document.querySelectorAll(%s);
for(var i=0;i<cells.length;i++){var c=cells[i],r=document.createRange();r.selectNodeContents(c);
var tops={};[].forEach.call(r.getClientRects(),function(x){if(x.width>0)tops[Math.round(x.top)]=1;});
var probe=document.createElement('span');probe.textContent='0';probe.style.whiteSpace='nowrap';c.appendChild(probe);
var one=probe.getBoundingClientRect().height;c.removeChild(probe);
c.setAttribute('data-lines',Object.keys(tops).length);c.setAttribute('data-line-height',Math.round(one));
c.setAttribute('data-height',Math.round(r.getBoundingClientRect().height));}})();</script>"""


def measure_lines(page: Path, selector: str, profile: Path, *, size: tuple[int, int]) -> str:
    """The DOM of `page` laid out at `size`, every element matching `selector` marked with data-lines,
    data-height and data-line-height."""
    import json

    return probe(page, _MEASURE % json.dumps(selector), profile, size=size)


def probe(page: Path, script: str, profile: Path, *, size: tuple[int, int] = (1280, 900)) -> str:
    """The DOM of a copy of `page` with a test's own `<script>` run after the page's: the copy drops the page's
    Content-Security-Policy so that script may run (the page's own script still runs first)."""
    import re

    html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page.read_text(encoding="utf-8"))
    copy = page.with_name("probed-" + page.name)
    copy.write_text(html.replace("</body>", script + "</body>"), encoding="utf-8")
    return dump_dom(copy, profile, size=size)


def screenshot(page: Path, out: Path, profile: Path, *, size: tuple[int, int] = (1280, 900),
               timeout: float = 15) -> Path:
    _run([f"--screenshot={out}", f"--window-size={size[0]},{size[1]}", page.resolve().as_uri()], profile, timeout)
    return out
