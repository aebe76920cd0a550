"""Recovering a WARC whose writing was cut off: a killed process's `.open` file, or the file of a run that failed.

Each record is one gzip member flushed before the vault points at it, so everything up to the last whole record
is sound: the file is cut there and renamed, and the vault's pointers all land on whole records.
"""

from __future__ import annotations

import fcntl
import os

from warcio.archiveiterator import ArchiveIterator

OPEN_SUFFIX = ".open"  # a WARC being written is NAME.warc.gz.open until it is closed


class RecordingFailed(OSError):
    """A WARC record could not be written (a full disk, a failing one): the run's own trouble, never one URL's, so
    the run stops; the file takes no record after a torn one."""


def recover_open_files(directory: str) -> list[str]:
    """Cut each interrupted `.open` WARC back to its last whole record and close it. A file another process is
    writing (a queued run's worker: it holds a lock on it) is left alone."""
    recovered: list[str] = []
    if not os.path.isdir(directory):
        return recovered
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if name.endswith(OPEN_SUFFIX) and not _being_written(path) and (closed := recover_file(path)):
            recovered.append(closed)
    return recovered


def _being_written(path: str) -> bool:
    """Whether a live process holds the file's lock (the kernel drops a killed one's)."""
    try:
        with open(path, "rb") as fh:
            fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    return False


def recover_file(path: str) -> str | None:
    """Cut one `.open` WARC back to its last whole record and rename it without the suffix; None (and the file
    removed) when not even its first record is whole."""
    good_end = _last_whole_record_end(path)
    if good_end == 0:
        os.remove(path)
        return None
    with open(path, "r+b") as fh:
        fh.truncate(good_end)
    os.replace(path, path[: -len(OPEN_SUFFIX)])
    return path[: -len(OPEN_SUFFIX)]


def _last_whole_record_end(path: str) -> int:
    """Offset just past the last record whose whole block (Content-Length bytes) is present."""
    end = 0
    try:
        with open(path, "rb") as fh:
            records = ArchiveIterator(fh, no_record_parse=True)
            for record in records:
                expected = int(record.rec_headers.get_header("Content-Length") or -1)
                got = len(record.raw_stream.read())
                records.read_to_end()
                if got != expected:
                    break
                end = records.get_record_offset() + records.get_record_length()
    except Exception:  # a torn gzip member or header: everything before it is whole
        pass
    return end
