"""The one table `make bench` ends with: each benchmark files its headline figures here (`headline`), and the
terminal summary (conftest.py) prints them together after the run, beside issue 17's figures before its work
and its targets, so every figure of one run is read in one place. Figures only: nothing here is asserted."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Headline:
    figure: str  # what is measured
    value: str  # this run's figure
    target: str = ""  # issue 17's goal for it
    before: str = ""  # issue 17's table: main before the work
    note: str = ""  # what else the same run says of it (a baseline, what binds)


HEADLINES: list[Headline] = []


def headline(figure: str, value: str, *, target: str = "", before: str = "", note: str = "") -> None:
    """File one figure of this run for the closing table."""
    HEADLINES.append(Headline(figure, value, target, before, note))


def table(headlines: list[Headline]) -> str:
    """The figures as one plain-text table, with the machine's load (other work on it takes from every figure)."""
    columns = [("figure", [h.figure for h in headlines]), ("this run", [h.value for h in headlines]),
               ("target", [h.target for h in headlines]), ("before (issue 17)", [h.before for h in headlines]),
               ("same run", [h.note for h in headlines])]
    widths = [max(len(title), *(len(v) for v in values)) for title, values in columns]
    rows = [[title for title, _ in columns], *zip(*(values for _, values in columns))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return "\n".join([f"== make bench: headline figures of this run (load average now {load} on {os.cpu_count()} "
                      "cores; ratios are within this run) ==", *lines])
