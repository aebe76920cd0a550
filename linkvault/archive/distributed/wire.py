"""What travels through Redis, as JSON: each typed record in one shape (its dataclass fields by name), read back
strictly, never executed.

Whoever can write to the queue's Redis can put anything there, so every message is untrusted input: a payload is a
JSON object `{"v": VERSION, "kind": …}` whose every key and value is checked against the record types it names
(`read`); anything else (garbage, a pickle, another version, a key or type we never send) is a `WireError`, which
the consumer refuses (it goes to Dramatiq's dead-letter queue) and says in one line. No pickle is read anywhere.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import functools
import re
import types
import typing
from collections.abc import Mapping

from linkvault.archive.cookies import Cookie, Session
from linkvault.archive.fetcher import FetchOptions
from linkvault.archive.vantage import Vantage, VantageOptions
from linkvault.model import Account, Candidate, Capture, Connection, Hop, LinkState, RecordLocation

VERSION = 1  # of the payloads' shapes: a message of another version is refused, never guessed at
RECORDS = {cls.__name__: cls for cls in (Capture, Hop, RecordLocation, Connection, Account, LinkState, Candidate,
                                         Session, Cookie, VantageOptions, Vantage)}
VAULT_QUEUE = re.compile(r"^linkvault\.vault\.[0-9a-f]{32}$")
# A WARC file a worker names is one in the vault's warc/ folder, by its bare name: a path (`/home/…`, `../…`) would
# have the vault read, pack and seal a file it never wrote
WARC_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\.warc(\.gz)?$")
# The run's settings a worker fetches with: everything but what the run itself does (screenshots, timestamps) and
# what is too secret for every message (a session's cookies, the vantage points' proxies: the run's plan, `plan`).
SENT_SETTINGS = ("concurrency", "per_host", "timeout", "deadline", "max_size", "max_decoded", "max_redirects",
                 "retries", "backoff", "retry_after_cap", "retry_statuses", "proxy", "ca_bundle", "allow_private",
                 "user_agent", "collector", "redact_set_cookie", "tabs")
# The rows a worker's calls carry to the vault: their columns, exactly (a key is a column name in SQL)
TEXT_ROW = {key: str | None for key in ("title", "author", "published", "language", "sitename", "text")}
SCREENSHOT_ROW = {"record_id": str, "response_id": str, "url": str, "taken_at": str, "warc_file": str,
                  "warc_offset": int, "warc_length": int, "sha256": str, "width": int | None,
                  "height": int | None, "size": int}


class WireError(ValueError):
    """A message (or plan) that is not what linkvault sends: refused, never run."""


def encode(value: object) -> object:
    """A record (or a structure of them) as JSON values: a dataclass by its fields, bytes as base64."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, (list, tuple)):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        return {key: encode(item) for key, item in value.items()}
    return value


def decode(hint: object, value: object, where: str = "message") -> typing.Any:
    """`value` read as type `hint` (a record type, or str, int, list[…], tuple[…], X | None …); a WireError naming
    where it is for anything else."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        [hint] = [arg for arg in args if arg is not type(None)]
        return decode(hint, value, where)
    if isinstance(hint, type) and hint.__name__ in RECORDS and RECORDS[hint.__name__] is hint:
        return _record(hint, value, where)
    if origin in (list, tuple):
        items = _kind(value, list, where)
        if origin is list or args[-1:] == (Ellipsis,):
            return (list if origin is list else tuple)(decode(args[0], item, f"{where}[{n}]")
                                                       for n, item in enumerate(items))
        if len(items) != len(args):
            raise WireError(f"{where}: {len(items)} items, not {len(args)}")
        return tuple(decode(arg, item, f"{where}[{n}]") for n, (arg, item) in enumerate(zip(args, items)))
    if origin is dict or hint is dict:
        return {_kind(key, str, where): decode(args[1], item, f"{where}.{key}") if args else item
                for key, item in _kind(value, dict, where).items()}
    if hint is bytes:
        try:
            return base64.b64decode(_kind(value, str, where), validate=True)
        except binascii.Error:
            raise WireError(f"{where}: not base64") from None
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint in (str, int, float, bool, type(None)):
        return _kind(value, typing.cast(type, hint), where)
    raise WireError(f"{where}: no such field is sent ({hint})")


def _kind(value: object, kind: type, where: str) -> typing.Any:
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise WireError(f"{where}: {type(value).__name__}, not {kind.__name__}")
    return value


@functools.lru_cache(maxsize=None)
def _hints(cls: type) -> dict[str, object]:
    return typing.get_type_hints(cls)


def _record(cls: type, value: object, where: str) -> typing.Any:
    fields = {f.name for f in dataclasses.fields(cls)}
    given = _kind(value, dict, where)
    if set(given) != fields:
        raise WireError(f"{where}: not a {cls.__name__} (keys {sorted(set(given) ^ fields)} differ)")
    hints = _hints(cls)
    record = cls(**{name: decode(hints[name], given[name], f"{where}.{name}") for name in fields})
    if cls is RecordLocation:
        warc_name(record.file, f"{where}.file")
    return record


def warc_name(name: str, where: str) -> str:
    """`name` if it is a bare WARC file name, else a WireError."""
    if not WARC_NAME.match(name) or ".." in name:
        raise WireError(f"{where}: {name!r} is not a WARC file's name in the vault")
    return name


def read_object(value: object, shape: Mapping[str, object], where: str, *, partial: bool = False) -> dict:
    """An object with exactly the keys of `shape` (with `partial`, some of them), each of its type."""
    given = _kind(value, dict, where)
    if not set(given) <= set(shape) or not (partial or set(given) == set(shape)):
        raise WireError(f"{where}: keys {sorted(set(given) ^ set(shape))} are not what linkvault sends")
    return {key: decode(shape[key], item, f"{where}.{key}") for key, item in given.items()}


def payload(kind: str, **fields: object) -> dict:
    """A message's one argument: its kind, the wire's version and its fields as JSON."""
    return {"v": VERSION, "kind": kind, **{key: encode(value) for key, value in fields.items()}}


def read(args: object, kind: str, shape: Mapping[str, object]) -> dict:
    """A message's arguments, which must be one payload of `kind` in this version, of `shape`."""
    if not isinstance(args, (list, tuple)) or len(args) != 1 or not isinstance(args[0], dict):
        raise WireError("not a linkvault message (its arguments are not one JSON object)")
    given = dict(args[0])
    if given.pop("v", None) != VERSION:
        raise WireError(f"not this linkvault's message (version {args[0].get('v')!r}, not {VERSION})")
    if given.pop("kind", None) != kind:
        raise WireError(f"a {args[0].get('kind')!r} message where {kind!r} ones are sent")
    read_payload = read_object(given, shape, kind)
    if "into" in read_payload and not VAULT_QUEUE.match(read_payload["into"]):
        raise WireError(f"{kind}.into: {read_payload['into']!r} is no vault's queue")
    return read_payload


def settings_of(options: FetchOptions) -> dict:
    """The run's options as a message carries them (JSON)."""
    return {name: encode(getattr(options, name)) for name in SENT_SETTINGS}


def options_of(settings: dict) -> FetchOptions:
    """The options a message's settings give, each checked against FetchOptions' own type for it."""
    hints = _hints(FetchOptions)
    shape = {name: hints[name] for name in SENT_SETTINGS}
    return dataclasses.replace(FetchOptions(), **read_object(settings, shape, "settings", partial=True))


WRITTEN = list[tuple[str, str | None]]  # WARC records a worker wrote: (record id, block digest), for the manifest
# Each message's payload: a URL to capture (a shard's queue), pages to screenshot (the screenshot queue), and what
# the workers send the run on the vault's queue: finished URLs' calls, and a screenshot batch's
CAPTURE = {"run": str, "url": str, "settings": dict, "plan": bool, "reports": list[str], "into": str,
           "known": dict[str, tuple[str, str]]}
SHOOT = {"run": str, "pages": list[Capture], "settings": dict, "reports": list[str], "into": str}
# `down`: each vantage point that could not look, and why; `echoed`: (host, name) of each session cookie a site set
STORE = {"run": str, "captures": list[Capture], "batch": list[dict], "written": WRITTEN, "down": dict[str, str],
         "echoed": list[tuple[str, str]]}
SHOTS = {"run": str, "captures": list[Capture], "ops": list[dict], "written": WRITTEN, "shot": list[str],
         "notes": list[str], "count": int}
