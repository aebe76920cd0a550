"""What a worker would have written into the vault, kept as a list of calls for the run's single writer.

A worker captures and judges with the very functions a single run uses (`capture_and_judge`, `Probes`); they store
into a vault. A worker gets a `VaultOps` instead: it records each call, and the run replays them on the real vault
in order, so SQLite keeps one writer and a row is written exactly as a single run writes it.
"""

from __future__ import annotations

from linkvault.model import Candidate, Capture
from linkvault.vault import Vault

Op = tuple[str, tuple, dict]


class VaultOps:
    """The writing half of `Vault` that capturing uses, kept as calls; capture ids are local (negative) until
    replayed, and a `part_of` naming one is mapped to the id the vault gives it."""

    def __init__(self) -> None:
        self.ops: list[Op] = []

    def add_url(self, url: str) -> None:
        self.ops.append(("add_url", (url,), {}))

    def store_capture(self, capture: Capture, *, role: str, text: dict | None = None,
                      memento: Candidate | None = None, part_of: int | None = None) -> int:
        capture.id = -(len(self.ops) + 1)
        self.ops.append(("store_capture", (capture, capture.id),
                         {"role": role, "text": text, "memento": memento, "part_of": part_of}))
        return capture.id

    def log_event(self, event: str, subject: str, *, collector: str | None, details: dict | None = None) -> None:
        self.ops.append(("log_event", (event, subject), {"collector": collector, "details": details}))

    def add_screenshot(self, row: dict) -> None:
        self.ops.append(("add_screenshot", (row,), {}))


def replay(vault: Vault, ops: list[Op]) -> None:
    """Write a worker's calls into the vault, in order, its local capture ids mapped to the vault's."""
    ids: dict[int, int] = {}
    for name, args, kwargs in ops:
        if name == "store_capture":
            capture, local = args
            part_of = kwargs["part_of"]
            ids[local] = vault.store_capture(capture, role=kwargs["role"], text=kwargs["text"],
                                             memento=kwargs["memento"],
                                             part_of=ids.get(part_of, part_of) if part_of is not None else None)
        elif name == "add_url":
            vault.add_url(*args)
        elif name == "log_event":
            vault.log_event(*args, **kwargs)
        elif name == "add_screenshot":
            vault.add_screenshot(*args)
