"""A text report as it is on disk: decoded with its own line ends and byte-order mark kept, and encoded back, so
robustify changes the bytes it means to and no other."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from linkvault.parsing.decode import decode_bytes

_BOMS = {"utf-8": codecs.BOM_UTF8, "utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE,
         "utf-32-le": codecs.BOM_UTF32_LE, "utf-32-be": codecs.BOM_UTF32_BE}
_LINE_END = re.compile(r"(\r\n|\r|\n)")


@dataclass
class Source:
    """The report's lines (as the readers number them, from 1) with each one's own line end."""

    lines: list[str]
    ends: list[str]
    encoding: str
    bom: bytes

    @classmethod
    def read(cls, data: bytes, path: str = "<report>") -> Source:
        _, encoding = decode_bytes(data, path)  # the readers' decoding: the same checks, the same guess
        bom = _BOMS.get(encoding, b"")
        bom = bom if data.startswith(bom) else b""
        pieces = _LINE_END.split(data[len(bom):].decode(encoding))
        return cls(pieces[0::2], pieces[1::2] + [""], encoding, bom)

    @property
    def text(self) -> str:
        """The text as the readers see it: line ends folded to LF."""
        return "\n".join(self.lines)

    def encode(self) -> bytes:
        return self.bom + "".join(line + end for line, end in zip(self.lines, self.ends)).encode(self.encoding)
