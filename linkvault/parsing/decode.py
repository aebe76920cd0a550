"""Report bytes → text.

A byte-order mark decides first; then strict UTF-8 (most reports); only then a guess by
charset-normalizer, which knows Windows-1251, KOI8-R, CP866 and the other legacy code pages
that Russian and Kazakh documents still arrive in. Line endings are folded to LF so line
numbers match what an editor's text editor shows.
"""

from __future__ import annotations

import codecs

from linkvault.errors import BinaryInput, EmptyReport

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode_bytes(data: bytes, path: str) -> tuple[str, str]:
    """Return (text, encoding) or raise an InputError naming `path`."""
    if not data:
        raise EmptyReport("the file is empty", path=path)
    text, encoding = _decode(data, path)
    if "\x00" in text or _control_ratio(text) > 0.05:
        raise BinaryInput("binary data, not a text report", path=path)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise EmptyReport("the file holds only white space", path=path)
    return text, encoding


def _decode(data: bytes, path: str) -> tuple[str, str]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise BinaryInput(f"starts with a {encoding} byte-order mark but is not {encoding} text", path=path) from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        raise BinaryInput("binary data, not a text report", path=path)
    import charset_normalizer

    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise BinaryInput("binary data, not a text report (no known text encoding fits)", path=path)
    return str(best), best.encoding


def _control_ratio(text: str) -> float:
    sample = text[:20000]
    if not sample:
        return 0.0
    bad = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f\v")
    return bad / len(sample)
