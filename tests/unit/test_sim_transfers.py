"""The simulated modem's USB transfer interface: one transfer, one message or fragment.

cdc-wdm cuts a write at wMaxCommand and libmbim does not notice (docs/protocol.md §7.4),
so behind the GadgetFS front-end a 292-byte DEVICE_SERVICE_SUBSCRIBE_LIST from
mbim-proxy arrives as 256 bytes. These pin what SimModem.receive_transfer() makes of
that and of the other transfers a host's driver can get wrong.
"""

from __future__ import annotations

import pytest

from fcc_unlock.mbim import basic_connect
from fcc_unlock.mbim.constants import (
    BASIC_CONNECT,
    QMI,
    BasicConnectCid,
    CommandType,
    ProtocolErrorCode,
    Status,
    uuid_bytes,
)
from fcc_unlock.mbim.messages import Command, CommandDone, FunctionError, Message, Open, OpenDone, decode
from fcc_unlock.mbim.stream import FragmentAssembler, fragment
from fcc_unlock.sim import gadget
from fcc_unlock.sim.actions import Write
from fcc_unlock.sim.faults import Faults
from fcc_unlock.sim.model import GARBAGE, SimModem
from fcc_unlock.sim.personalities import PERSONALITIES

SMS = uuid_bytes("533fbeeb-14fe-4467-9f90-33a223e56c3f")
USSD = uuid_bytes("e550a0c8-5e82-479e-82f7-10abf4c3351f")
PHONEBOOK = uuid_bytes("4bf38476-1e6a-41db-b1d8-bed289c25bdb")
STK = uuid_bytes("d8f20131-fcb5-4e17-8602-d6ed3816164c")
# mbim-proxy's standard list (libmbim mbim-proxy-helpers.c) and the QMI entry a client adds.
PROXY_LIST = [
    (BASIC_CONNECT, (2, 3, 7, 9, 10, 11, 12, 13, 15, 22, 24)),
    (SMS, (1, 2, 5)),
    (USSD, (1,)),
    (PHONEBOOK, (1,)),
    (STK, (1,)),
    (QMI, (1,)),
]
WMAX_COMMAND = 256  # what the gadget advertises, and where cdc-wdm cuts a write


def subscribe(tid: int, entries: list[tuple[bytes, tuple[int, ...]]] = PROXY_LIST) -> bytes:
    buffer = basic_connect.subscribe_list(entries)
    return Command(
        tid, BASIC_CONNECT, BasicConnectCid.DEVICE_SERVICE_SUBSCRIBE_LIST, CommandType.SET, buffer
    ).encode()


def caps_query(tid: int) -> bytes:
    return Command(tid, BASIC_CONNECT, BasicConnectCid.DEVICE_CAPS, CommandType.QUERY).encode()


def opened(faults: Faults | None = None) -> SimModem:
    modem = SimModem(PERSONALITIES["sierra"](), faults)
    assert replies(modem.receive_transfer(Open(1, 4096).encode())) == [OpenDone(1, 0)]
    return modem


def replies(actions: list[object]) -> list[Message]:
    assembler = FragmentAssembler()
    found = []
    for action in actions:
        assert isinstance(action, Write)
        whole = assembler.add(action.data, 0.0)
        if whole is not None:
            found.append(decode(whole))
    return found


def test_the_proxys_subscribe_list_is_292_bytes():
    assert len(subscribe(14)) == 292  # what the study saw mbim-proxy send (MessageLength 292)


def test_a_cut_subscribe_list_and_the_request_after_it_are_both_answered():
    modem = opened()
    first = replies(modem.receive_transfer(subscribe(14)[:WMAX_COMMAND]))
    second = replies(modem.receive_transfer(caps_query(15)))
    assert [(type(r), r.transaction_id) for r in first + second] == [(CommandDone, 14), (CommandDone, 15)]
    done, caps = first[0], second[0]
    assert isinstance(done, CommandDone) and isinstance(caps, CommandDone)
    assert (done.cid, done.status) == (BasicConnectCid.DEVICE_SERVICE_SUBSCRIBE_LIST, Status.NONE)
    # The entries that arrived whole (their data ends by byte 208 of the buffer) are
    # kept; STK's was cut and QMI's never came.
    kept = PROXY_LIST[:4]
    assert modem.subscriptions == kept
    assert basic_connect.parse_subscribe_list(done.information_buffer) == kept
    assert (caps.cid, caps.status) == (BasicConnectCid.DEVICE_CAPS, Status.NONE)
    assert basic_connect.parse_device_caps(caps.information_buffer).device_id == modem.personality.imei
    assert modem.truncated_transfers == 1
    assert (modem.overlong_transfers, modem.headerless_transfers) == (0, 0)
    entries = [r.as_dict() for r in modem.transcript]
    assert [e["kind"] for e in entries] == ["open", "subscribe-list", "device-caps"]
    assert entries[1]["cut"] == [292, 256]
    assert entries[1]["information_buffer_length"] == 256 - 48
    assert "cut" not in entries[2]


def test_the_byte_stream_interface_loses_both_which_is_why_usb_has_its_own():
    """The pty's stream model takes the missing 36 bytes from the next request."""
    modem = SimModem(PERSONALITIES["sierra"]())
    modem.receive_data(Open(1, 4096).encode())
    answered = replies(modem.receive_data(subscribe(14)[:WMAX_COMMAND]) + modem.receive_data(caps_query(15)))
    assert [(r.transaction_id, getattr(r, "status", None)) for r in answered] == [
        (14, Status.INVALID_PARAMETERS)
    ]


def test_strict_answers_the_cut_message_length_mismatch_and_goes_on():
    modem = opened(Faults(strict_transfer_length=True))
    first = replies(modem.receive_transfer(subscribe(14)[:WMAX_COMMAND]))
    assert first == [FunctionError(14, ProtocolErrorCode.LENGTH_MISMATCH)]
    assert modem.subscriptions == []  # not handled
    second = replies(modem.receive_transfer(caps_query(15)))
    assert [(type(r), r.transaction_id, getattr(r, "status", None)) for r in second] == [
        (CommandDone, 15, Status.NONE)
    ]
    assert modem.truncated_transfers == 1
    cut = modem.transcript[1].as_dict()
    assert (cut["kind"], cut["cut"], cut["reply"]) == ("subscribe-list", [292, 256], "FUNCTION_ERROR")
    assert cut["function_error"] == "LengthMismatch (3)"


def test_a_whole_but_malformed_subscribe_list_is_still_refused():
    """Leniency is for what was cut, not for a list that lies about itself."""
    whole = bytearray(subscribe(14))
    whole[48:52] = (7).to_bytes(4, "little")  # seven entries claimed, six pairs follow
    modem = opened()
    (done,) = replies(modem.receive_transfer(bytes(whole)))
    assert isinstance(done, CommandDone) and done.status == Status.INVALID_PARAMETERS
    assert modem.truncated_transfers == 0


def test_a_cut_subscribe_list_whose_whole_entries_do_not_parse_is_refused():
    broken = bytearray(subscribe(14))
    broken[48 + 52 + 16 : 48 + 52 + 20] = (1000).to_bytes(4, "little")  # Basic Connect: 1000 CIDs
    modem = opened()
    (done,) = replies(modem.receive_transfer(bytes(broken[:WMAX_COMMAND])))
    assert isinstance(done, CommandDone) and done.status == Status.INVALID_PARAMETERS
    assert modem.truncated_transfers == 1


def test_other_cut_commands_get_what_their_parser_makes_of_what_arrived():
    modem = opened()
    modem.locked = False
    on = Command(
        20, BASIC_CONNECT, BasicConnectCid.RADIO_STATE, CommandType.SET, basic_connect.radio_state_set(True)
    )
    (done,) = replies(modem.receive_transfer(on.encode()[:50]))  # 2 of the 4 buffer bytes
    assert isinstance(done, CommandDone) and done.status == Status.INVALID_PARAMETERS
    assert not modem.software_radio_on
    (done,) = replies(modem.receive_transfer(on.encode()))
    assert isinstance(done, CommandDone) and done.status == Status.NONE and modem.software_radio_on
    assert modem.truncated_transfers == 1


def test_a_command_cut_before_its_service_and_cid_gets_length_mismatch():
    modem = opened()
    assert replies(modem.receive_transfer(caps_query(21)[:40])) == [
        FunctionError(21, ProtocolErrorCode.LENGTH_MISMATCH)
    ]
    assert modem.truncated_transfers == 1
    assert [r.kind for r in modem.transcript] == ["open"]  # nothing decodable to record


def test_a_host_message_over_several_transfers_is_still_assembled():
    modem = opened()
    pieces = fragment(subscribe(30), 64)
    assert len(pieces) > 4
    answered = [replies(modem.receive_transfer(piece)) for piece in pieces]
    assert answered[:-1] == [[]] * (len(pieces) - 1)
    (done,) = answered[-1]
    assert isinstance(done, CommandDone) and (done.transaction_id, done.status) == (30, Status.NONE)
    assert modem.subscriptions == PROXY_LIST
    assert modem.truncated_transfers == 0
    assert "cut" not in modem.transcript[-1].as_dict()


def test_a_cut_last_fragment_makes_the_joined_message_a_cut_one():
    modem = opened()
    pieces = fragment(subscribe(31), 128)
    assert len(pieces) == 3
    cut = [*pieces[:-1], pieces[-1][:-20]]  # 20 of the QMI entry's 24 bytes lost
    answered = [r for piece in cut for r in replies(modem.receive_transfer(piece))]
    assert [(r.transaction_id, getattr(r, "status", None)) for r in answered] == [(31, Status.NONE)]
    assert modem.subscriptions == PROXY_LIST[:5]
    assert modem.truncated_transfers == 1
    assert modem.transcript[-1].as_dict()["cut"] == [len(pieces[-1]), len(pieces[-1]) - 20]


def test_a_fragment_cut_under_the_strict_knob_fails_at_once():
    modem = opened(Faults(strict_transfer_length=True))
    pieces = fragment(subscribe(32), 128)
    assert replies(modem.receive_transfer(pieces[0][:100])) == [
        FunctionError(32, ProtocolErrorCode.LENGTH_MISMATCH)
    ]


def test_nothing_after_the_message_in_a_transfer_becomes_a_message():
    modem = opened()
    two = caps_query(40) + caps_query(41)
    assert [r.transaction_id for r in replies(modem.receive_transfer(two))] == [40]
    assert modem.overlong_transfers == 1
    assert [r.transaction_id for r in replies(modem.receive_transfer(caps_query(42)))] == [42]
    assert modem.truncated_transfers == 0

    strict = opened(Faults(strict_transfer_length=True))
    assert replies(strict.receive_transfer(caps_query(43) + b"\0" * 4)) == [
        FunctionError(43, ProtocolErrorCode.LENGTH_MISMATCH)
    ]
    assert strict.overlong_transfers == 1
    assert strict.transcript[-1].as_dict()["function_error"] == "LengthMismatch (3)"


def test_a_transfer_shorter_than_a_header_is_dropped_and_counted():
    modem = opened()
    assert modem.receive_transfer(caps_query(50)[:11]) == []
    assert modem.headerless_transfers == 1
    assert [r.transaction_id for r in replies(modem.receive_transfer(caps_query(51)))] == [51]
    assert (modem.truncated_transfers, modem.overlong_transfers) == (0, 0)


def test_transfers_that_are_not_mbim_are_ignored_and_not_counted_as_cut():
    modem = opened()
    assert modem.receive_transfer(GARBAGE) == []
    lying = bytearray(caps_query(52))
    lying[4:8] = (10**9).to_bytes(4, "little")  # no message is that long
    assert modem.receive_transfer(bytes(lying)) == []
    assert (modem.truncated_transfers, modem.overlong_transfers, modem.headerless_transfers) == (0, 0, 0)
    assert [r.kind for r in modem.transcript] == ["open"]


def test_the_knob_takes_a_boolean_only():
    assert Faults().strict_transfer_length is False
    assert Faults(**gadget.fault_knobs(["strict_transfer_length=true"])).strict_transfer_length is True  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="strict_transfer_length"):
        Faults(**gadget.fault_knobs(["strict_transfer_length=yes"]))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="strict_transfer_length"):
        Faults(strict_transfer_length=1)  # type: ignore[arg-type]
