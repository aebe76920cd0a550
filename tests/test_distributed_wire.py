"""What a message read from Redis may name on disk: a WARC file in the vault's own folder, by its bare name. A
planted message naming `/home/…` or `../…` would otherwise have the vault read, pack and seal a file it never wrote."""

from __future__ import annotations

import pytest

from linkvault.archive.distributed.vault_ops import ops_from_wire
from linkvault.archive.distributed.wire import WireError, decode, encode
from linkvault.model import RecordLocation

WORKERS_FILE = "linkvault-20261130141500-worker-3.example.org-4242-00000.warc.gz"
PLANTED = ["/home/researcher/other.warc.gz", "../../elsewhere/linkvault-1-00000.warc.gz", "warc/../x.warc.gz",
           "notes.txt", "", ".hidden.warc.gz"]


def _screenshot_op(warc_file: str) -> dict:
    return {"op": "add_screenshot", "row": {
        "record_id": "<urn:uuid:6f1c4f0e-8d0b-4c36-9a53-0c2f1b8e9d11>", "response_id": "<urn:uuid:1>",
        "url": "https://kaztag.kz/ru/news/1", "taken_at": "2026-11-30T14:15:00Z", "warc_file": warc_file,
        "warc_offset": 0, "warc_length": 1200, "sha256": "sha256:AAAA", "width": 1280, "height": 2400, "size": 90_000}}


def test_a_record_in_a_workers_warc_file_reads_back_as_sent():
    where = RecordLocation(WORKERS_FILE, 512, 2048, "<urn:uuid:6f1c4f0e-8d0b-4c36-9a53-0c2f1b8e9d11>", "sha1:AAAA")
    assert decode(RecordLocation, encode(where)) == where
    [(name, (row,), _)] = ops_from_wire([_screenshot_op(WORKERS_FILE)], [], "shots.ops")
    assert (name, row["warc_file"]) == ("add_screenshot", WORKERS_FILE)


@pytest.mark.parametrize("planted", PLANTED)
def test_a_message_naming_a_file_outside_the_vaults_warc_folder_is_refused(planted):
    where = RecordLocation(planted, 0, 10, "<urn:uuid:1>", None)
    with pytest.raises(WireError, match="is not a WARC file's name in the vault"):
        decode(RecordLocation, encode(where), "store.captures[0].record")
    with pytest.raises(WireError, match="is not a WARC file's name in the vault"):
        ops_from_wire([_screenshot_op(planted)], [], "shots.ops")
