"""What the distributed mode's verbs return: a worker's account of itself, and a queued run's progress per report."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class WorkerResult:
    captured: int = 0  # URLs this worker captured (pages screenshotted, for a --screenshots one) and sent to their run
    stopped_by: str = ""  # the signal (SIGTERM, SIGINT) or "idle"


@dataclass(frozen=True)
class ReportProgress:
    run: str
    report: str
    queued: int
    in_flight: int
    done: int  # archived (an answer below 400 in the WARC)
    failed: int  # not archived, as fetch counts its failed links (no answer, an error status)
    finished: bool  # the run has stored everything
