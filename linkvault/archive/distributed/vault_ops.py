"""What a worker would have written into the vault, kept as a list of calls for the run's single writer.

A worker captures and judges with the very functions a single run uses (`capture_and_judge`, `Probes`); they store
into a vault. A worker gets a `VaultOps` instead: it records each call, and the run replays them on the real vault
in order, so SQLite keeps one writer and a row is written exactly as a single run writes it. On the queue the
calls are JSON (`ops_to_wire`), each read back against the one shape it may have (`ops_from_wire`).
"""

from __future__ import annotations

from linkvault.archive.distributed.wire import (
    SCREENSHOT_ROW,
    TEXT_ROW,
    WireError,
    decode,
    encode,
    read_object,
    warc_name,
)
from linkvault.model import Candidate, Capture
from linkvault.vault import Vault
from linkvault.vault.capture_rows import ROLES

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
    """Write a worker's calls into the vault, in order, its local capture ids mapped to the vault's; a row the vault
    holds already (its capture, by URL, time and WARC record; its screenshot, by record id) is skipped with the
    custody events about it: a message delivered again (a run killed after storing it, before acking it) is
    stored once."""
    ids: dict[int, int] = {}
    held: set[str] = set()  # the WARC records of rows skipped: their custody events are in the vault too
    for name, args, kwargs in ops:
        if name == "store_capture":
            capture, local = args
            ids[local] = _store_capture(vault, capture, kwargs, ids, held)
        elif name == "add_url":
            vault.add_url(*args)
        elif name == "log_event":
            if args[1] not in held:
                vault.log_event(*args, **kwargs)
        elif name == "add_screenshot":
            if vault.screenshot_held(args[0]["record_id"]):
                held.add(args[0]["record_id"])
            else:
                vault.add_screenshot(*args)


def _store_capture(vault: Vault, capture: Capture, kwargs: dict, ids: dict[int, int], held: set[str]) -> int:
    """The vault's id of a worker's capture: stored now, or the one it holds already."""
    if (known := vault.capture_held(capture)) is not None:
        capture.id = known
        if capture.record is not None:
            held.add(capture.record.record_id)
        return known
    part_of = kwargs["part_of"]
    return vault.store_capture(capture, role=kwargs["role"], text=kwargs["text"], memento=kwargs["memento"],
                               part_of=ids.get(part_of, part_of) if part_of is not None else None)


class CaptureTable:
    """The captures one message carries, each once by its index: a call storing a capture and the URL done with it
    share one object, so the id the vault gives it on replay reaches both, as in the worker."""

    def __init__(self) -> None:
        self.captures: list[Capture] = []
        self._index: dict[int, int] = {}

    def ref(self, capture: Capture) -> int:
        if id(capture) not in self._index:
            self._index[id(capture)] = len(self.captures)
            self.captures.append(capture)
        return self._index[id(capture)]


def ops_to_wire(ops: list[Op], table: CaptureTable) -> list[dict]:
    """A worker's calls as JSON objects, their captures by index into `table`."""
    sent = []
    for name, args, kwargs in ops:
        if name == "store_capture":
            capture, local = args
            sent.append({"op": name, "capture": table.ref(capture), "id": local, **kwargs})
        elif name == "add_url":
            sent.append({"op": name, "url": args[0]})
        elif name == "log_event":
            sent.append({"op": name, "event": args[0], "subject": args[1], **kwargs})
        else:
            sent.append({"op": name, "row": args[0]})
    return [{key: encode(value) for key, value in op.items()} for op in sent]


OP_SHAPES: dict[str, dict[str, object]] = {
    "add_url": {"url": str},
    "store_capture": {"capture": int, "id": int, "role": str, "text": dict | None, "memento": Candidate | None,
                      "part_of": int | None},
    "log_event": {"event": str, "subject": str, "collector": str | None, "details": dict | None},
    "add_screenshot": {"row": dict},
}


def ops_from_wire(sent: object, captures: list[Capture], where: str) -> list[Op]:
    """The calls a message carries, each checked (a capture's role, a row's columns); a WireError for any other."""
    ops: list[Op] = []
    for n, item in enumerate(decode(list[dict], sent, where)):
        at = f"{where}[{n}]"
        name = item.pop("op", None)
        if name not in OP_SHAPES:
            raise WireError(f"{at}: no call {name!r} is sent")
        op = read_object(item, OP_SHAPES[name], at)
        if name == "store_capture":
            if not 0 <= op["capture"] < len(captures) or op["role"] not in ROLES:
                raise WireError(f"{at}: capture {op['capture']} in role {op['role']!r} is not one sent")
            text = None if op["text"] is None else read_object(op["text"], TEXT_ROW, f"{at}.text", partial=True)
            ops.append((name, (captures[op["capture"]], op["id"]),
                        {"role": op["role"], "text": text, "memento": op["memento"], "part_of": op["part_of"]}))
        elif name == "add_url":
            ops.append((name, (op["url"],), {}))
        elif name == "log_event":
            ops.append((name, (op["event"], op["subject"]), {"collector": op["collector"], "details": op["details"]}))
        else:
            row = read_object(op["row"], SCREENSHOT_ROW, f"{at}.row")
            warc_name(row["warc_file"], f"{at}.row.warc_file")
            ops.append((name, (row,), {}))
    return ops
