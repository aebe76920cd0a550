"""The distributed mode: a queue in front of capture, capture itself unchanged.

`fetch --queue redis://…` plans a run as always, then enqueues each URL to fetch on a Dramatiq queue (a shard of
registrable domains) instead of fetching it, and becomes the run's single vault writer: the workers
(`linkvault worker`) capture and judge each URL with the same functions a single run uses, into WARC files of
their own, and send the rows they would have stored back on the vault's queue; the run stores them, seals
and reports as a single run does (and a run interrupted leaves them there for the next).
"""
