"""Who may use a vault, and when: is there one at all, and its one writer at a time (a lock on DIR/.lock)."""

from __future__ import annotations

import fcntl
import os
import time
from typing import TextIO

from linkvault.errors import InputError

DATABASE = "linkvault.db"


def vault_exists(directory: str) -> bool:
    return os.path.exists(os.path.join(directory, DATABASE))


def require_vault(directory: str) -> None:
    """Raise the one-line error naming the directory when there is no vault there."""
    if not vault_exists(directory):
        raise InputError("no vault here: no linkvault.db in this directory (run `linkvault fetch` first, or name "
                         "another vault with --vault)", path=directory)


def lock_wait() -> float:
    """Seconds audit, pack and show --screenshot wait for a run holding the vault (LINKVAULT_LOCK_WAIT, default 10)."""
    try:
        return max(float(os.environ.get("LINKVAULT_LOCK_WAIT") or 10.0), 0.0)
    except ValueError:
        return 10.0


class VaultLock:
    """The vault's one writer at a time (flock on DIR/.lock). A fetch holds it throughout; audit, pack and show
    --screenshot hold it while they read and log custody, so they never judge a run's half-written files nor
    interleave their events with its. `wait` seconds are waited for a holder before refusing in one line.

    On a vault nobody may write (a write-protected evidence copy) there is nothing to lock against: `held`
    is then False, and the caller must not write."""

    def __init__(self, directory: str, *, wait: float = 0.0, create: bool = True):
        if create:
            os.makedirs(directory, exist_ok=True)
        path = os.path.join(directory, ".lock")
        try:
            self._fh: TextIO | None = open(path, "a")
        except OSError:  # read-only: an existing lock file can still be locked (a run may hold it), else none
            self._fh = open(path) if not create and os.path.exists(path) else None
            if self._fh is None and create:
                raise
        db = os.path.join(directory, DATABASE)
        self.held = (self._fh is not None and os.access(path, os.W_OK) and os.access(directory, os.W_OK)
                     and (not os.path.exists(db) or os.access(db, os.W_OK)))
        deadline = time.monotonic() + wait
        while self._fh is not None:
            try:
                fcntl.flock(self._fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError as exc:
                if time.monotonic() >= deadline:
                    self._fh.close()
                    waited = f" (waited {wait:g} s for it to finish; run this again when it has)" if wait else ""
                    raise InputError(f"another linkvault run is using this vault{waited}", path=directory) from exc
                time.sleep(0.05)

    def release(self) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None

    def __enter__(self) -> VaultLock:
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def custody_lock(directory: str, doing: str) -> VaultLock:
    """The lock show --screenshot holds while it hands a screenshot on, waiting `lock_wait()` for a run; on a
    vault that cannot be written it refuses in one line, naming what it would have logged."""
    require_vault(directory)
    lock = VaultLock(directory, wait=lock_wait(), create=False)
    if not lock.held:
        lock.release()
        raise InputError(f"this vault is read-only, and {doing} is logged in its custody chain: run this on a "
                         "writable copy", path=directory)
    return lock
