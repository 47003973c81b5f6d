"""The Quectel RADIO_STATE payload (docs/protocol.md §5.1), against the reference bytes."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fcc_unlock.mbim import constants as mbim
from fcc_unlock.mbim import quectel
from fcc_unlock.mbim.messages import Command, DecodeError, decode

# docs/protocol.md §5.1, verified with libmbim: Quectel RADIO_STATE SET ON, TID 6.
SET_ON = bytes.fromhex(
    "03000000340000000600000001000000 00000000"
    "112233445566778899aabbccddeeff11"
    "01000000 01000000 04000000 01000000".replace(" ", "")
)


def test_set_on_matches_the_reference_bytes():
    message = Command(
        6, mbim.QUECTEL, mbim.QUECTEL_RADIO_STATE_CID, mbim.CommandType.SET, quectel.radio_state(1)
    )
    assert message.encode() == SET_ON
    assert quectel.parse_radio_state(decode(SET_ON).information_buffer) == 1


@given(st.integers(0, 0xFFFFFFFF))
def test_round_trip(state):
    assert quectel.parse_radio_state(quectel.radio_state(state)) == state


@given(st.binary(max_size=3))
def test_short_buffers_are_decode_errors(buffer):
    with pytest.raises(DecodeError):
        quectel.parse_radio_state(buffer)


@pytest.mark.parametrize(
    ("state", "text"), [(0, "off (0)"), (1, "on (1)"), (4, "fcc-locked (4)"), (9, "unknown (9)")]
)
def test_describe(state, text):
    assert quectel.describe_radio_state(state) == text
