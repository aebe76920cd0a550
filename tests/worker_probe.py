"""Run inside a judging worker process (tests/test_worker_start.py): what that process has loaded, and what judging
a page made it load. Imports nothing beyond what a worker has loaded already."""

from __future__ import annotations

import sys

from linkvault.archive.verdict import assess
from linkvault.model import Capture


def loaded() -> list[str]:
    return sorted(sys.modules)


def loaded_by_judging(capture: Capture) -> list[str]:
    """The modules judging `capture` imported, in this process."""
    before = set(sys.modules)
    assess(capture, [], None, None, 16 * 1024 * 1024)
    return sorted(set(sys.modules) - before)
