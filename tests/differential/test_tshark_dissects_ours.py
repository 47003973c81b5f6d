"""Wireshark's MBIM dissector reads every recorded conversation as we meant it.

Each flow of ``sim_loopback.FLOWS`` (both directions, in order, fragments as separate
transfers) goes into a pcap that tshark dissects as MBIM control messages. Every
header field, fragment header, service, CID, command type, status and buffer length
must equal ours, in the same byte positions; Wireshark's names for types, CIDs and
status codes must be ours; fragmented messages must reassemble to our bytes; and no
frame may carry expert info (tshark's "malformed packet" and friends).
"""

from __future__ import annotations

import struct

import pytest
import tshark_peer
from sim_loopback import FLOWS, TO_HOST, TO_MODEM, ModemState, whole_messages

from fcc_unlock.mbim import basic_connect
from fcc_unlock.mbim import constants as mbim
from fcc_unlock.mbim.messages import (
    CloseDone,
    Command,
    CommandDone,
    FunctionError,
    HostError,
    IndicateStatus,
    Open,
    OpenDone,
    decode,
)
from fcc_unlock.sim.model import SimModem
from fcc_unlock.sim.personalities import Sierra

FLOW_NAMES = [flow.name for flow in FLOWS]
FRAGMENTED = (mbim.MessageType.COMMAND, mbim.MessageType.COMMAND_DONE, mbim.MessageType.INDICATE_STATUS)
# Wireshark's names for the service UUIDs our flows use.
WIRESHARK_SERVICE = {mbim.BASIC_CONNECT: "UUID_BASIC_CONNECT", mbim.QMI: "UUID_QMI"}


def wireshark_name(found: tshark_peer.Field) -> str:
    """The name in a display name: 'Message Type: OPEN_MSG (0x00000001)' -> 'OPEN_MSG'."""
    return found.showname.split(": ", 1)[1].rsplit(" (", 1)[0]


def check_header(frame: tshark_peer.Frame, data: bytes) -> None:
    message_type, length, tid = struct.unpack_from("<III", data)
    assert frame.number("mbim.control.header.message_type") == message_type
    assert frame.number("mbim.control.header.message_length") == length == len(data)
    assert frame.number("mbim.control.header.transaction_id") == tid
    # Wireshark's type names are ours, host-to-modem ones with a _MSG suffix ("OPEN_MSG").
    assert wireshark_name(frame.one("mbim.control.header.message_type")).removesuffix("_MSG") == (
        mbim.MessageType(message_type).name
    )
    if message_type in FRAGMENTED:
        total, current = struct.unpack_from("<II", data, 12)
        assert frame.number("mbim.control.fragment.total") == total
        assert frame.number("mbim.control.fragment.current") == current


# Where each field sits in a message (docs/protocol.md §1.3-§1.8): Wireshark must find it there.
POSITIONS = {
    "mbim.control.header.message_type": 0,
    "mbim.control.header.message_length": 4,
    "mbim.control.header.transaction_id": 8,
    "mbim.control.max_control_transfer": 12,
    "mbim.control.error_status_code": 12,
    "mbim.control.fragment.total": 12,
    "mbim.control.fragment.current": 16,
    "mbim.control.device_service_id": 20,
    "mbim.control.cid": 36,
    "mbim.control.command_type": 40,
}


def check_positions(frame: tshark_peer.Frame, whole: bytes) -> None:
    """For an unfragmented message: every field at its offset, with our bytes there."""
    message = decode(whole)
    positions = dict(POSITIONS)
    if isinstance(message, IndicateStatus):
        positions["mbim.control.info_buffer_len"] = 40
    elif isinstance(message, (Command, CommandDone)):
        positions["mbim.control.info_buffer_len"] = 44
        positions["mbim.control.status"] = 40
    else:
        positions["mbim.control.status"] = 12
    checked = 0
    for name, offset in positions.items():
        for found in frame.all(name):
            assert (found.pos, found.value) == (offset, whole[offset : offset + found.size].hex()), name
            checked += 1
    assert checked >= 3


def check_contents(frame: tshark_peer.Frame, whole: bytes) -> None:
    """The message-type fields tshark found, against our decode of the whole message."""
    message = decode(whole)
    if isinstance(message, Open):
        assert frame.number("mbim.control.max_control_transfer") == message.max_control_transfer
    elif isinstance(message, (OpenDone, CloseDone)):
        assert frame.number("mbim.control.status") == message.status
    elif isinstance(message, (HostError, FunctionError)):
        code = frame.one("mbim.control.error_status_code")
        assert int(code.show) == message.error_code
        assert code.showname.startswith(
            f"Error Status Code: {mbim.ProtocolErrorCode(message.error_code).name}"
        )
    if not isinstance(message, (Command, CommandDone, IndicateStatus)):
        return
    service = frame.one("mbim.control.device_service_id")
    assert service.show == mbim.uuid_text(message.service_id)
    assert service.value == message.service_id.hex()  # printed order on the wire, no GUID swap
    assert f": {WIRESHARK_SERVICE[message.service_id]} (" in service.showname
    cid = frame.one("mbim.control.cid")
    assert int(cid.show) == message.cid
    if message.service_id == mbim.BASIC_CONNECT:
        assert cid.showname == f"CID: {mbim.BasicConnectCid(message.cid).name} ({message.cid})"
    assert frame.number("mbim.control.info_buffer_len") == len(message.information_buffer)
    if isinstance(message, Command):
        kind = frame.one("mbim.control.command_type")
        assert int(kind.show) == message.command_type
        assert kind.showname.lower().startswith(
            f"command type: {mbim.CommandType(message.command_type).name.lower()}"
        )
    if isinstance(message, CommandDone):
        status = frame.one("mbim.control.status")
        assert int(status.show) == message.status
        expected = "SUCCESS" if message.status == mbim.Status.NONE else mbim.Status(message.status).name
        assert status.showname == f"Status: {expected} ({message.status})"


def check_payload(frame: tshark_peer.Frame, whole: bytes, meant: ModemState, modem: SimModem) -> None:
    """Payloads Wireshark decodes field by field: what the simulated modem meant."""
    message = decode(whole)
    if not isinstance(message, (Command, CommandDone, IndicateStatus)) or not message.information_buffer:
        return
    if message.service_id == mbim.QMI:
        assert frame.one("mbim.control.qmi.buffer").value == message.information_buffer.hex()
        return
    if isinstance(message, Command):
        return
    if message.cid == mbim.BasicConnectCid.DEVICE_CAPS:
        caps = modem.personality.device_caps()
        assert frame.show("mbim.control.device_caps_info.device_id") == caps.device_id
        assert frame.show("mbim.control.device_caps_info.fw_info") == caps.firmware_info
        assert frame.show("mbim.control.device_caps_info.hw_info") == caps.hardware_info
        assert frame.number("mbim.control.device_caps_info.max_sessions") == caps.max_sessions
        assert frame.number("mbim.control.device_caps_info.data_class") == caps.data_class
    elif message.cid == mbim.BasicConnectCid.DEVICE_SERVICES:
        services = modem.services()
        assert frame.number("mbim.control.device_services_info.device_services_count") == len(services)
        ids = [f.show for f in frame.all("mbim.control.device_service_element.device_service_id")]
        assert ids == [mbim.uuid_text(s.service_id) for s in services]
        cids = [int(f.show) for f in frame.all("mbim.control.device_service_element.cid")]
        assert cids == [cid for s in services for cid in s.cids]
    elif message.cid == mbim.BasicConnectCid.RADIO_STATE:
        assert frame.number("mbim.control.radio_state.hw_radio_state") == meant.hardware_radio_on
        assert frame.number("mbim.control.radio_state.sw_radio_stat") == meant.software_radio_on  # sic


@pytest.mark.parametrize("flow", FLOW_NAMES)
def test_tshark_dissects_every_transfer_as_we_meant_it(tshark, flow_wires, flow, tmp_path):
    wire = flow_wires[flow]
    frames = tshark_peer.dissect(tshark, [data for _, data in wire.log], tmp_path)
    by_transfer = {id(data): frame for (_, data), frame in zip(wire.log, frames)}
    for frame in frames:
        assert frame.experts == [], frame.experts
    for direction in (TO_MODEM, TO_HOST):
        transfers = [data for d, data in wire.log if d == direction]
        for whole, pieces in whole_messages(transfers):
            for piece in pieces:
                check_header(by_transfer[id(piece)], piece)
            last = by_transfer[id(pieces[-1])]
            if len(pieces) > 1:
                # Wireshark joins the fragments itself and decodes the result in the last one.
                assert last.number("mbim.control.fragment_count") == len(pieces)
                assert last.number("mbim.control.reassembled_length") == len(whole) - 20
                assert last.one("mbim.control.reassembled_data").value == whole[20:].hex()
            else:
                check_positions(last, whole)
            check_contents(last, whole)
            if direction == TO_HOST:
                check_payload(last, whole, wire.state_when_sent(pieces[-1]), wire.modem)


def test_tshark_saw_fragments_from_both_sides(flow_wires):
    wire = flow_wires["fragmented"]
    for direction in (TO_MODEM, TO_HOST):
        transfers = [data for d, data in wire.log if d == direction]
        assert any(len(pieces) > 1 for _, pieces in whole_messages(transfers)), direction


def test_tshark_flags_a_malformed_message(tshark, tmp_path):
    """The oracle can say no: a DEVICE_CAPS whose DeviceId overruns the buffer."""
    caps = bytearray(basic_connect.device_caps(Sierra().device_caps()))
    struct.pack_into("<I", caps, 44, 500)
    done = CommandDone(3, mbim.BASIC_CONNECT, mbim.BasicConnectCid.DEVICE_CAPS, 0, bytes(caps)).encode()
    (frame,) = tshark_peer.dissect(tshark, [done], tmp_path)
    assert frame.experts
