"""Information-buffer helpers: OL pairs and UTF-16 strings (docs/protocol.md §1.1).

Variable-size members sit after the fixed part; the fixed part holds an
(offset, size) pair per member, offsets counted from the start of the information
buffer, data padded to 4 bytes (padding not counted in size).
"""

from __future__ import annotations

from fcc_unlock.mbim.messages import DecodeError


class VariableData:
    """Collects the variable part of an information buffer whose fixed part is
    ``fixed_size`` bytes, handing out the OL pair of each member added."""

    def __init__(self, fixed_size: int) -> None:
        self.fixed_size = fixed_size
        self.data = bytearray()

    def add(self, blob: bytes) -> dict[str, int]:
        if not blob:
            return {"offset": 0, "size": 0}
        offset = self.fixed_size + len(self.data)
        self.data += blob + b"\0" * (-len(blob) % 4)
        return {"offset": offset, "size": len(blob)}

    def add_string(self, text: str) -> dict[str, int]:
        return self.add(text.encode("utf-16-le"))


def slice_ol(buffer: bytes, offset: int, size: int, what: str) -> bytes:
    """The bytes an OL pair points at, checked against the buffer."""
    if size == 0:
        return b""
    if offset + size > len(buffer):
        raise DecodeError(f"{what}: offset {offset} + size {size} overruns {len(buffer)} bytes")
    return bytes(buffer[offset : offset + size])


def read_string(buffer: bytes, offset: int, size: int, what: str) -> str:
    raw = slice_ol(buffer, offset, size, what)
    if len(raw) % 2:
        raise DecodeError(f"{what}: odd UTF-16 length {len(raw)}")
    return raw.decode("utf-16-le", errors="replace").rstrip("\0")


def parse(layout: object, buffer: bytes, what: str) -> object:
    """Parse with a construct layout, turning construct's errors into DecodeError."""
    from construct import ConstructError

    try:
        return layout.parse(buffer)  # type: ignore[attr-defined]
    except ConstructError as error:
        raise DecodeError(f"{what}: {error}") from None
