"""-v decodes the radio-state payloads the lock checks exchange."""

from fcc_unlock.mbim import basic_connect, quectel
from fcc_unlock.mbim import constants as mbim
from fcc_unlock.mbim.messages import Command, CommandDone
from fcc_unlock.trace import format_event


def test_quectel_radio_state_in_words():
    done = CommandDone(2, mbim.QUECTEL, 1, 0, quectel.radio_state(4))
    assert format_event("<-", done)[1].strip() == "Quectel radio state = fcc-locked (4)"


def test_basic_connect_radio_state_in_words():
    done = CommandDone(3, mbim.BASIC_CONNECT, 3, 0, basic_connect.radio_state(False, True))
    assert format_event("<-", done)[1].strip() == "hardware radio = off, software radio = on"
    request = Command(4, mbim.BASIC_CONNECT, 3, 1, basic_connect.radio_state_set(True))
    assert format_event("->", request)[1].strip() == "radio state = on"


def test_short_payload_is_reported_not_raised():
    done = CommandDone(5, mbim.QUECTEL, 1, 0, b"\x04")
    assert "undecodable" in format_event("<-", done)[1]


def test_empty_and_other_payloads_add_no_line():
    assert len(format_event("<-", CommandDone(6, mbim.QUECTEL, 1, 0))) == 1
    assert len(format_event("<-", CommandDone(7, mbim.BASIC_CONNECT, 1, 0, b"\0" * 8))) == 1
