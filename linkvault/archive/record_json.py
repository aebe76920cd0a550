"""A metadata record's JSON as `json.dumps(facts, ensure_ascii=False, indent=1)` writes it, a run's records faster.

Indented JSON is encoded in pure Python, and most of a provenance record is what every record of a run repeats (the
same objects: the run's options, the software): those are rendered once, and the record's text is the same.
"""

from __future__ import annotations

import json


class RecordJson:
    """Renders records' facts, keeping the text of the dict values (of four items or more) seen before: a dict once
    rendered is taken as unchanged while it lives (the options and software are made once a run)."""

    def __init__(self, keep: int = 64):
        self._keep = keep
        self._seen: dict[int, tuple[object, str]] = {}  # id → the object (kept, so its id is not reused) and its text

    def __call__(self, facts: dict) -> str:
        if not all(isinstance(key, str) for key in facts):
            return json.dumps(facts, ensure_ascii=False, indent=1)
        items = [f" {_FLAT.encode(key)}: {self._value(value)}" for key, value in facts.items()]
        return "{\n" + ",\n".join(items) + "\n}" if items else "{}"

    def _value(self, value: object) -> str:
        if not isinstance(value, dict) or len(value) < 4:
            return _nested(value)
        seen = self._seen.get(id(value))
        if seen is None or seen[0] is not value:
            if len(self._seen) >= self._keep:
                self._seen.clear()
            seen = self._seen[id(value)] = (value, _nested(value))
        return seen[1]


_FLAT = json.JSONEncoder(ensure_ascii=False)  # C-encoded; built once (each indented dumps builds its encoder anew)
_INDENTED = json.JSONEncoder(ensure_ascii=False, indent=1)


def _nested(value: object) -> str:
    """`value` as `json.dumps(..., indent=1)` writes it one level down, as the value of a top-level key: a value with
    no items (a string, a number, an empty list) is written alike without indent, by the C encoder."""
    if not value or not isinstance(value, (dict, list, tuple)):
        return _FLAT.encode(value)
    return _INDENTED.encode(value).replace("\n", "\n ")
