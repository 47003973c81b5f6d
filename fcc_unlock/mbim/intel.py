"""Intel Mutual Authentication MBIM service: FCC_LOCK (CID 1), docs/protocol.md §5.5.

Service f85d46ef-ab26-4081-9868-4d183c0a3aec. Every buffer is two u32s, meaning three
things: a QUERY's reply is (lock mode, lock state); a SET carries (response present,
response) and is answered with (challenge present, challenge). Both directions, no I/O.
"""

from __future__ import annotations

from fcc_unlock.mbim import _structs as wire
from fcc_unlock.mbim.messages import DecodeError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fcc_unlock import Layout

# What the vendor tools read of each u32: its first byte (docs/protocol.md §5.5).
LOW_BYTE = 0xFF


def lock_state(mode: int, state: int) -> bytes:
    """A QUERY's reply (the modem's side)."""
    return wire.INTEL_FCC_LOCK_STATE.pack(mode, state)


def parse_lock_state(buffer: bytes) -> tuple[int, int]:
    """(lock mode, lock state) of a QUERY's reply."""
    return _pair(wire.INTEL_FCC_LOCK_STATE, buffer, "FCC_LOCK query reply")


def fcc_lock_set(response_present: int, response: int) -> bytes:
    """A SET request: (0, 0) asks for a challenge; (1, response) answers one."""
    return wire.INTEL_FCC_LOCK_SET.pack(response_present, response)


def parse_fcc_lock_set(buffer: bytes) -> tuple[int, int]:
    """(response present, response) of a SET request (the modem's side)."""
    return _pair(wire.INTEL_FCC_LOCK_SET, buffer, "FCC_LOCK set")


def challenge(challenge_present: int, value: int) -> bytes:
    """A SET's reply (the modem's side)."""
    return wire.INTEL_FCC_LOCK_CHALLENGE.pack(challenge_present, value)


def parse_challenge(buffer: bytes) -> tuple[int, int]:
    """(challenge present, challenge) of a SET's reply."""
    return _pair(wire.INTEL_FCC_LOCK_CHALLENGE, buffer, "FCC_LOCK set reply")


def describe_reply(pair: tuple[int, int]) -> str:
    """The ``-v`` line of a reply, which alone does not say whether it answers a QUERY or a SET."""
    first, second = pair
    return (
        f"FCC_LOCK reply {first}, 0x{second:08x}"
        " (query: lock mode, lock state; set: challenge present, challenge)"
    )


def _pair(layout: Layout, buffer: bytes, what: str) -> tuple[int, int]:
    if len(buffer) < layout.size:
        raise DecodeError(f"{what} of {len(buffer)} bytes is too short")
    first, second = layout.unpack_from(buffer)
    return int(first), int(second)
