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


def dump_dom(page: Path, profile: Path, *, fragment: str = "", timeout: float = 15) -> str:
    """The page's DOM serialised after load (and after its scripts ran)."""
    return _run(["--dump-dom", page.resolve().as_uri() + fragment], profile, timeout)


def screenshot(page: Path, out: Path, profile: Path, *, size: tuple[int, int] = (1280, 900),
               timeout: float = 15) -> Path:
    _run([f"--screenshot={out}", f"--window-size={size[0]},{size[1]}", page.resolve().as_uri()], profile, timeout)
    return out
