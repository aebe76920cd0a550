"""pywb as a subprocess: replays WARC files the way any web-archive user would.

pywb patches the whole process with gevent when its app is imported (library-notes), so it
never runs inside pytest's process.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def pywb(warcs: list[Path], workdir: Path, collection: str = "c"):
    """Yield the base URL of a pywb collection holding `warcs` (or one already set up in `workdir`)."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    if warcs:
        subprocess.run([str(BIN / "wb-manager"), "init", collection], cwd=workdir, check=True, capture_output=True, env=env)
        subprocess.run([str(BIN / "wb-manager"), "add", collection, *map(str, warcs)], cwd=workdir, check=True,
                       capture_output=True, env=env)
    port = _free_port()
    proc = subprocess.Popen([str(BIN / "wayback"), "-d", str(workdir), "-p", str(port), "-b", "127.0.0.1"],
                            cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            if proc.poll() is not None:
                raise RuntimeError(f"wayback exited: {proc.stderr.read().decode(errors='replace')}")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/{collection}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stderr.close()


@contextlib.contextmanager
def pywb_pack(pack: Path, workdir: Path):
    """Yield the base URL of a pywb collection made of an evidence pack (a WACZ) alone, as a third party replays it."""
    workdir.mkdir(exist_ok=True)
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    subprocess.run([str(BIN / "wb-manager"), "init", "packed"], cwd=workdir, check=True, capture_output=True, env=env)
    subprocess.run([str(BIN / "wb-manager"), "add", "--unpack-wacz", "packed", str(pack)], cwd=workdir, check=True,
                   capture_output=True, env=env)
    with pywb([], workdir, collection="packed") as base:
        yield base
