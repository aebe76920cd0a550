"""The PNG screenshots' own metadata: their size, and the page and time written into them (iTXt chunks)."""

from __future__ import annotations

import struct
import zlib

from linkvault._version import __version__


def _is_png(data: bytes) -> bool:
    """The PNG signature, then IHDR as the first chunk, as the format requires."""
    return data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"


def label_png(png: bytes, url: str, taken_at: str) -> bytes:
    """The PNG with its page and time written into it (iTXt chunks after IHDR), so an exported copy
    still says what it shows and when; the SHA-256 recorded is of these bytes."""
    if not _is_png(png):
        return png
    chunks = b"".join(_itxt(key, text) for key, text in (
        ("Title", url), ("Creation Time", taken_at), ("Software", f"linkvault {__version__} via headless Chromium")))
    end_of_ihdr = 8 + 12 + struct.unpack(">I", png[8:12])[0]
    return png[:end_of_ihdr] + chunks + png[end_of_ihdr:]


def _itxt(key: str, text: str) -> bytes:
    data = key.encode("latin-1") + b"\0\0\0\0\0" + text.encode("utf-8")  # uncompressed, no language tag
    return struct.pack(">I", len(data)) + b"iTXt" + data + struct.pack(">I", zlib.crc32(b"iTXt" + data))


def png_text(png: bytes) -> dict[str, str]:
    """The iTXt keywords and texts of a PNG (what `label_png` wrote)."""
    found, at = {}, 8
    while at + 8 <= len(png):
        length, kind = struct.unpack(">I", png[at:at + 4])[0], png[at + 4:at + 8]
        if kind == b"iTXt":
            key, _, rest = png[at + 8:at + 8 + length].partition(b"\0")
            found[key.decode("latin-1")] = rest[2:].split(b"\0", 2)[-1].decode("utf-8", "replace")  # past lang, key
        if kind == b"IDAT":
            break
        at += 12 + length
    return found


def png_size(png: bytes) -> tuple[int | None, int | None]:
    """Width and height from a PNG's IHDR chunk (None, None when it is not a PNG)."""
    if not _is_png(png):
        return None, None
    return struct.unpack(">II", png[16:24])
