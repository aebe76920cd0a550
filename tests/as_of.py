"""Run linkvault as if its clock read a given moment: `python tests/as_of.py 2026-10-05T09:00:00Z fetch report.txt`.

The README's editor's routine spans a month (a fetch, then a daily timer's `recheck --due`, then the month's
`changes` and `report`); its walkthrough (tests/walkthroughs.py) runs each command on the day it tells of, this
process's clock moved there by time-machine and ticking on from it. Only this process's clock moves: the fake web,
the timestamp authority and TLS's certificate checks keep the machine's.
"""

from __future__ import annotations

import sys
from datetime import datetime

import time_machine

from linkvault.cli import main


def run(moment: str, argv: list[str]) -> None:
    sys.argv = ["linkvault", *argv]
    with time_machine.travel(datetime.fromisoformat(moment.replace("Z", "+00:00")), tick=True):
        main()


if __name__ == "__main__":
    run(sys.argv[1], sys.argv[2:])
