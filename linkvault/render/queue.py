"""The distributed mode for people: `status`'s table (or JSON) of each queued report, and a worker's last line."""

from __future__ import annotations

import json

from linkvault.model import ReportProgress, WorkerResult
from linkvault.render.textsafe import terminal_safe

COLUMNS = ("queued", "in_flight", "done", "failed")


def render_status(progress: list[ReportProgress], fmt: str) -> str:
    """One row per report of each run on the queue, newest run first."""
    if fmt == "json":
        return json.dumps({"reports": [{"run": p.run, "report": p.report, "finished": p.finished,
                                        **{name: getattr(p, name) for name in COLUMNS}} for p in progress]},
                          ensure_ascii=False, indent=2)
    if not progress:
        return "no run is queued here"
    lines = [f"{'run':<20} {'report':<20} {'queued':>6} {'in flight':>9} {'done':>5} {'failed':>6} state"]
    for p in progress:  # 80 columns
        report = terminal_safe(p.report)
        report = report if len(report) <= 20 else "…" + report[-19:]
        state = "finished" if p.finished else "running"
        lines.append(f"{p.run[:20]:<20} {report:<20} {p.queued:>6} {p.in_flight:>9} {p.done:>5} {p.failed:>6} {state}")
    return "\n".join(lines)


def worker_line(result: WorkerResult) -> str:
    why = {"idle": "nothing left to do"}.get(result.stopped_by, result.stopped_by or "stopped")
    return f"worker stopped ({why}): {result.captured} URL{'s' if result.captured != 1 else ''} captured"
