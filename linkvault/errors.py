"""linkvault's exceptions, and the one place they become messages and exit codes.

    LinkvaultError              exit 2 unless a subclass says otherwise
    ├── InputError              a report (or another input file) cannot be read as asked
    │   ├── EmptyReport         the file holds no text at all
    │   ├── BinaryInput         the file is not text in any encoding we know
    │   └── NoFootnotes         the report has neither citation markers nor a footnote list
    ├── UsageError              options that cannot work together
    ├── EnvironmentFailure      this machine, not linkvault or its input: a full disk, a read-only or
    │                           forbidden vault, a corrupt database, no memory left (`environment_failure`)
    └── IntegrityError          exit 1: archived evidence no longer matches its recorded digest

Library code raises these and never prints or exits; the shell (`linkvault.cli`) shows `message` on one line and
exits with `exit_code`. An outcome for one URL (dead, walled…) is a state, never an exception.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Iterator


class LinkvaultError(Exception):
    exit_code = 2

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None):
        super().__init__(message)
        self.path = path
        self.line = line

    @property
    def message(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        text = " ".join(str(self.args[0]).split())
        return f"{where}{text}"


class InputError(LinkvaultError):
    """A report cannot be read as asked."""


class EmptyReport(InputError):
    """The report file holds no text."""


class BinaryInput(InputError):
    """The report file is binary data, not text in any encoding we recognise."""


class NoFootnotes(InputError):
    """The report has neither citation markers nor a footnote list."""


class UsageError(LinkvaultError):
    """Options that cannot work together."""


class IntegrityError(LinkvaultError):
    """Archived evidence no longer matches the digest recorded when it was taken; refuse to hand it on."""

    exit_code = 1


class EnvironmentFailure(LinkvaultError):
    """What was asked cannot be done on this machine as it stands; nothing to report as a bug."""


_OS_FAILURES = {
    errno.ENOSPC: "no space left on the device (the disk is full): free some and run again",
    errno.EDQUOT: "the disk quota is used up: free some space and run again",
    errno.EFBIG: "the file has grown past this system's file size limit (ulimit -f)",
    errno.EROFS: "the file system is read-only: give a vault (--vault) or an output on a writable disk",
    errno.EACCES: "permission denied: this user may not read or write it; fix its permissions or use another place",
    errno.EPERM: "operation not permitted: this user may not change it; fix its permissions or use another place",
    errno.EIO: "input/output error: the disk may be failing",
}
# SQLite's result codes (sqlite_errorname, Python 3.11+) and, before 3.11, the words of its messages
_SQLITE_FAILURES = [
    (("SQLITE_NOTADB", "SQLITE_CORRUPT", "file is not a database", "malformed"),
     "not a linkvault database, or a damaged one ({reason}): restore it from a backup, or move it away to start afresh"),
    (("SQLITE_FULL", "database or disk is full"), "no space left on the device (the disk is full): free some and run again"),
    (("SQLITE_READONLY", "readonly database"),
     "read-only ({reason}): give a vault on a writable disk (--vault), or fix its permissions"),
    (("SQLITE_CANTOPEN", "unable to open database file"),
     "could not be opened ({reason}): check that its directory exists and this user may read and write it"),
    (("SQLITE_PERM", "SQLITE_AUTH"), "access denied ({reason}): fix its permissions"),
    (("SQLITE_IOERR", "disk I/O error"), "input/output error ({reason}): the disk may be full or failing"),
]


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and what it was raised from or during, nearest first (a write failure inside a worker is
    often re-raised as something else)."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen and len(seen) < 8:
        seen.add(id(cause))
        yield cause
        cause = cause.__cause__ or cause.__context__


def _disk_full(path: str) -> bool:
    try:
        stats = os.statvfs(os.path.dirname(path) or ".")
    except OSError:
        return False
    return stats.f_bavail * stats.f_frsize < 64 * 1024


def environment_failure(exc: BaseException, *, database: str | None = None) -> EnvironmentFailure | None:
    """The one-line failure of this machine or of the vault's files behind `exc`, or None when `exc` is
    not one (then it is a bug of ours). `database` names the vault's database, which sqlite's own
    exceptions do not."""
    for cause in _causes(exc):
        if isinstance(cause, MemoryError):
            return EnvironmentFailure("out of memory: the input may be too large for this machine, or other "
                                      "programs hold the memory; close them or try a smaller input")
        if isinstance(cause, OSError) and cause.errno in _OS_FAILURES:
            where = cause.filename2 or cause.filename
            return EnvironmentFailure(_OS_FAILURES[cause.errno], path=None if where is None else str(where))
        if isinstance(cause, sqlite3.DatabaseError):
            reason = str(cause) or cause.__class__.__name__
            name = getattr(cause, "sqlite_errorname", "") or ""
            for marks, message in _SQLITE_FAILURES:
                if any(mark in name if mark.startswith("SQLITE_") else mark in reason for mark in marks):
                    if "SQLITE_IOERR" in marks and database and _disk_full(database):  # sqlite says only "disk I/O error"
                        message = _OS_FAILURES[errno.ENOSPC] + " ({reason})"
                    return EnvironmentFailure(message.format(reason=reason), path=database or "the vault's database")
    return None


def named(exc: BaseException) -> str:
    """An unexpected exception as one line: its type and message."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:300]}" if text else type(exc).__name__
