"""Quectel vendor MBIM service: RADIO_STATE (CID 1), the Quectel FCC lock (docs/protocol.md §5.1).

Service 11223344-5566-7788-99aa-bbccddeeff11. SET carries a u32 radio state (1 = ON
is the unlock); a QUERY answers the same u32, where 4 means FCC-locked. The SET reply
has no body (mbimcli does not expect one). Both directions, no I/O.
"""

from __future__ import annotations

from fcc_unlock.mbim import _structs as wire
from fcc_unlock.mbim.constants import QuectelRadioState
from fcc_unlock.mbim.messages import DecodeError


def radio_state(state: int) -> bytes:
    """The information buffer of a SET request, or of a QUERY response."""
    return wire.QUECTEL_RADIO_STATE.pack(state)


def parse_radio_state(buffer: bytes) -> int:
    """The u32 radio state of a QUERY response or SET request (0 off, 1 on, 4 FCC-locked)."""
    if len(buffer) < wire.QUECTEL_RADIO_STATE.size:
        raise DecodeError(f"Quectel RADIO_STATE of {len(buffer)} bytes is too short")
    state: int = wire.QUECTEL_RADIO_STATE.unpack_from(buffer)[0]
    return state


def describe_radio_state(state: int) -> str:
    """``4`` -> ``fcc-locked (4)``, in libmbim's words."""
    try:
        name = QuectelRadioState(state).name.lower().replace("_", "-")
    except ValueError:
        return f"unknown ({state})"
    return f"{name} ({state})"
