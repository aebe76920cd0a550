"""A provenance record's JSON (archive/record_json.py) is the text `json.dumps(facts, ensure_ascii=False, indent=1)`
writes, whatever the facts, though the parts every record of a run repeats are rendered once."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from linkvault.archive.fetcher import FetchOptions
from linkvault.archive.provenance import software
from linkvault.archive.record_json import RecordJson

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=6),
                    max_leaves=30)
OPTIONS, SOFTWARE = FetchOptions(proxy="http://user:secret@proxy.example:3128").as_record(), software()
RENDER = RecordJson(keep=4)  # one renderer for every example, as a run has one: its kept texts are used and cleared


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.text(), JSON, max_size=8), st.booleans())
def test_a_record_s_json_is_what_json_dumps_writes(facts, shared):
    if shared:  # the run's options and software, the same objects record after record
        facts = {"url": "https://vlast.kz/novosti/1", **facts, "options": OPTIONS, "software": SOFTWARE}
    assert RENDER(facts) == json.dumps(facts, ensure_ascii=False, indent=1)


def test_a_dict_seen_before_is_rendered_once_and_an_equal_new_one_again():
    render, calls = RecordJson(), []
    options = dict(OPTIONS)
    for _ in range(3):
        calls.append(render({"options": options}))
    assert len(set(calls)) == 1 and len(render._seen) == 1
    other = {**options, "concurrency": 99}  # another object: rendered as it is, never taken for the first
    assert json.loads(render({"options": other}))["options"]["concurrency"] == 99
