"""Killing a fetch mid-run, as a power cut or kill -9 would: once it has stored some captures."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time


def kill_after_captures(proc: subprocess.Popen, db, at_least: int, within: float = 30) -> int:
    """SIGKILL `proc` once the vault database `db` holds `at_least` cited captures; returns how many it held."""
    deadline = time.monotonic() + within
    done = 0
    while time.monotonic() < deadline and done < at_least:
        time.sleep(0.1)
        if db.exists():
            try:
                done = sqlite3.connect(db).execute("select count(*) from captures where role = 'cited'").fetchone()[0]
            except sqlite3.OperationalError:
                pass
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return done
