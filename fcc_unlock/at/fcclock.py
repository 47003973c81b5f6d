"""The FCC lock's challenge-response arithmetic, shared by the AT methods (and usable
by any transport that carries the same challenge). Pure: numbers in, numbers out.

response = SHA-256(challenge as 4 bytes || key)[0:4] read as a u32, where the challenge
is written and the digest read in one byte order: big-endian on the FM350 and the
RW101R-GL, little-endian on the Lenovo L860R+ (docs/at.md §4).
"""

from __future__ import annotations

from fcc_unlock import sha256

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Literal

    ByteOrder = Literal["big", "little"]

U32_MAX = 0xFFFFFFFF
KEY_BYTES = 4


def response(challenge: int, key: bytes, byteorder: ByteOrder) -> int:
    """The u32 the modem expects for ``challenge`` with the 4-byte ``key``."""
    if not 0 <= challenge <= U32_MAX:
        raise ValueError(f"a challenge is a u32, not {challenge}")
    if len(key) != KEY_BYTES:
        raise ValueError(f"a key is {KEY_BYTES} bytes, not {len(key)}")
    digest = sha256(challenge.to_bytes(4, byteorder) + key)
    return int.from_bytes(digest[:4], byteorder)


def as_decimal(value: int) -> str:
    """FM350 and L860R+: ``at+gtfcclockver=1787294009``."""
    return str(value)


def as_hex(value: int) -> str:
    """RW101R-GL: ``at+gtfcclockver=0x6a87f139`` (eight digits, lower case)."""
    return f"0x{value:08x}"
