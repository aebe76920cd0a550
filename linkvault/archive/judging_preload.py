"""What the judging workers' forkserver imports before it forks them (`judging.workers`): judging's code, loaded and
warmed once there, so that each worker starts with it instead of loading it again. What it loaded is then frozen out
of the garbage collector's sight: a worker's full collections need not walk trafilatura's and lxml's objects again
and again (nor touch their pages, which stay shared with the forkserver)."""

import gc

import linkvault.archive.verdict_batches  # noqa: F401 -- what a worker runs first (die_with) and each task (call_each)
from linkvault.archive.verdict import warm

warm()
gc.freeze()
