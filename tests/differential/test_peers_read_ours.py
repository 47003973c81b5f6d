"""What our client sends, and what the simulated modem answers, read by the real libraries.

Every transfer of the flows in ``sim_loopback.FLOWS`` (our real session, QMI client and
Sierra method against the simulator) goes through libmbim: ``mbim_message_validate``,
its header getters, its printable field decoders and, for replies, the typed response
parsers mbimcli uses. Every QMUX frame inside goes through libqmi:
``qmi_message_new_from_raw``, its TLV reader and printable. What they read must be what
we meant.
"""

from __future__ import annotations

import struct

import glib_peers
import pytest
from sim_loopback import FLOWS, ModemState, whole_messages

from fcc_unlock.mbim import basic_connect
from fcc_unlock.mbim import constants as mbim
from fcc_unlock.mbim.messages import (
    CloseDone,
    Command,
    CommandDone,
    FunctionError,
    HostError,
    IndicateStatus,
    Message,
    Open,
    OpenDone,
    decode,
    peek_header,
)
from fcc_unlock.qmi import catalog
from fcc_unlock.qmi import messages as qmi
from fcc_unlock.qmi.constants import Kind, OperatingMode, Service, message_name
from fcc_unlock.sim.model import SimModem, Write
from fcc_unlock.sim.personalities import Sierra

FLOW_NAMES = [flow.name for flow in FLOWS]


def qmi_vendor(message: qmi.QmiMessage) -> int:
    """The vendor context libqmi needs to print a vendor message (same id, other meaning)."""
    if message.service != Service.DMS:
        return 0
    if message.message_id == catalog.FOXCONN_GET_FIRMWARE_VERSION.message_id:
        return glib_peers.VENDOR_FOXCONN
    if message.message_id == catalog.FOXCONN_SET_FCC_AUTHENTICATION.message_id:
        v2 = message.tlv(0x02) is not None
        return glib_peers.VENDOR_FOXCONN_V2 if v2 else glib_peers.VENDOR_FOXCONN
    return 0


# --- comparing what libmbim / libqmi read with what we meant ----------------------------


def check_fragment(data: bytes) -> glib_peers.MbimView:
    """One transfer: libmbim accepts it and reads the same header."""
    view = glib_peers.mbim_decode(data)
    message_type, length, tid = peek_header(data)
    assert (view.message_type, view.message_length, view.transaction_id) == (message_type, length, tid)
    assert view.message_length == len(data), "MessageLength must be the transfer's exact length"
    return view


def check_message(whole: bytes) -> tuple[glib_peers.MbimView, Message]:
    """One whole message: every field libmbim reads equals ours, and its typed field
    decoder (the "Fields:" part of its printable) runs without an error."""
    view = check_fragment(whole)
    ours = decode(whole)
    assert view.message_type == ours.message_type
    assert view.transaction_id == ours.transaction_id
    if isinstance(ours, Open):
        assert view.max_control_transfer == ours.max_control_transfer
    elif isinstance(ours, (OpenDone, CloseDone)):
        assert view.status == ours.status
    elif isinstance(ours, (HostError, FunctionError)):
        assert view.error_code == ours.error_code
    elif isinstance(ours, (Command, CommandDone, IndicateStatus)):
        assert view.service_id == ours.service_id
        assert view.cid == ours.cid
        assert view.information_buffer == ours.information_buffer
        if isinstance(ours, Command):
            assert view.command_type == ours.command_type
        if isinstance(ours, CommandDone):
            assert view.status == ours.status
        assert view.service_name == glib_peers.mbim_service_name(ours.service_id)
        if ours.service_id == mbim.BASIC_CONNECT:
            # Our CID names are libmbim's: DEVICE_CAPS is "device-caps".
            assert view.cid_name == mbim.BasicConnectCid(ours.cid).name.lower().replace("_", "-")
    assert view.fields_failed is None, view.printable
    return view, ours


def check_qmi(frame: bytes, direction: Kind) -> tuple[glib_peers.QmiView, qmi.QmiMessage]:
    """One QMUX frame: libqmi takes exactly its bytes and reads our fields and TLVs."""
    ours = qmi.decode(frame)
    view = glib_peers.qmi_decode(frame, qmi_vendor(ours))
    assert view.consumed == len(frame)
    assert (view.service, view.client_id, view.transaction_id, view.message_id) == (
        ours.service,
        ours.client_id,
        ours.transaction_id,
        ours.message_id,
    )
    assert view.kind == ours.kind.name.lower() == direction.name.lower()
    assert view.tlvs == list(ours.tlvs)
    # libqmi names the message as we do ("... v2" for Foxconn's second variant), and
    # decodes every TLV it knows without complaint.
    assert f'message     = "{message_name(ours.service, ours.message_id)}' in view.printable, view.printable
    assert view.tlv_problems == [], view.printable
    if direction is Kind.RESPONSE:
        assert view.result == ours.result()
    return view, ours


# --- what our client sends -----------------------------------------------------------


@pytest.mark.parametrize("flow", FLOW_NAMES)
def test_libmbim_and_libqmi_read_what_we_send(peers, flow_wires, flow):
    wire = flow_wires[flow]
    for whole, fragments in whole_messages(wire.to_modem):
        for piece in fragments:
            check_fragment(piece)
        view, ours = check_message(whole)
        if isinstance(ours, Command) and ours.service_id == mbim.QMI:
            check_qmi(view.information_buffer, Kind.REQUEST)
        elif isinstance(ours, Command) and ours.cid == mbim.BasicConnectCid.RADIO_STATE and ours.command_type:
            state = "on" if basic_connect.parse_radio_state_set(ours.information_buffer) else "off"
            assert f"RadioState = '{state}'" in view.printable


def test_the_flows_send_every_message_our_client_can_send(flow_wires):
    """The differential is only as good as its coverage: every kind of message the
    client code can put on the wire appears in some flow."""
    sent = set()
    for wire in flow_wires.values():
        for whole, _ in whole_messages(wire.to_modem):
            message = decode(whole)
            if isinstance(message, Command) and message.service_id == mbim.QMI:
                frame = qmi.decode(message.information_buffer)
                sent.add(("qmi", frame.service, frame.message_id, len(frame.tlvs)))
            elif isinstance(message, Command):
                sent.add(
                    ("mbim", mbim.describe_service(message.service_id), message.cid, message.command_type)
                )
            else:
                sent.add((message.message_type.name,))
    query, set_ = mbim.CommandType.QUERY, mbim.CommandType.SET
    expected = {
        ("OPEN",),
        ("CLOSE",),
        ("HOST_ERROR",),
        ("mbim", "BasicConnect", mbim.BasicConnectCid.DEVICE_CAPS, query),
        ("mbim", "BasicConnect", mbim.BasicConnectCid.DEVICE_SERVICES, query),
        ("mbim", "BasicConnect", mbim.BasicConnectCid.RADIO_STATE, query),
        ("mbim", "BasicConnect", mbim.BasicConnectCid.RADIO_STATE, set_),
        ("qmi", Service.CTL, catalog.ALLOCATE_CID.message_id, 1),
        ("qmi", Service.CTL, catalog.RELEASE_CID.message_id, 1),
        ("qmi", Service.DMS, catalog.SET_FCC_AUTHENTICATION.message_id, 0),
        ("qmi", Service.DMS, catalog.FOXCONN_SET_FCC_AUTHENTICATION.message_id, 1),  # v1
        ("qmi", Service.DMS, catalog.FOXCONN_SET_FCC_AUTHENTICATION.message_id, 2),  # v2
        ("qmi", Service.DMS, catalog.FOXCONN_GET_FIRMWARE_VERSION.message_id, 1),
        ("qmi", Service.DMS, catalog.GET_IDS.message_id, 0),
        ("qmi", Service.DMS, catalog.GET_OPERATING_MODE.message_id, 0),
        ("qmi", Service.DMS, catalog.SET_OPERATING_MODE.message_id, 1),
    }
    assert expected <= sent, f"never sent: {sorted(map(str, expected - sent))}"
    assert ("qmi", Service.CTL, catalog.SYNC.message_id, 0) not in sent


def test_foxconn_v2_is_printed_by_libqmi_as_foxconn_v2(peers, flow_wires):
    """The v2 request shares its id with v1; libqmi tells them apart only by vendor
    context, and then decodes our magic string and number field by field."""
    commands = [decode(whole) for whole, _ in whole_messages(flow_wires["dms-requests"].to_modem)]
    (frame,) = [
        command.information_buffer
        for command in commands
        if isinstance(command, Command)
        and command.service_id == mbim.QMI
        and qmi.decode(command.information_buffer).message_id
        == catalog.FOXCONN_SET_FCC_AUTHENTICATION.message_id
        and len(qmi.decode(command.information_buffer).tlvs) == 2
    ]
    view = glib_peers.qmi_decode(frame, glib_peers.VENDOR_FOXCONN_V2)
    assert '"Foxconn Set FCC Authentication v2"' in view.printable
    assert view.tlv_problems == []
    magic = qmi.decode(frame).tlv(0x01)
    assert glib_peers.qmi_read_tlv(frame, 0x01, "s") == [magic.decode()]
    assert glib_peers.qmi_read_tlv(frame, 0x02, "B") == [48]
    # TLV order matters to the firmware (docs/protocol.md §8.15): the string comes first.
    assert [t for t, _ in view.tlvs] == [0x01, 0x02]


def test_fragments_we_send_are_accepted_by_libmbim_one_by_one(peers, flow_wires):
    wire = flow_wires["fragmented"]
    split = [pieces for _, pieces in whole_messages(wire.to_modem) if len(pieces) > 1]
    assert split, "the fragmented flow should make the client split a request"
    for pieces in split:
        assert all(len(piece) <= wire.max_control_transfer for piece in pieces)
        for index, piece in enumerate(pieces):
            view = check_fragment(piece)
            assert f"total   = {len(pieces)}" in view.printable
            assert f"current = {index}" in view.printable


# --- what the simulated modem answers ----------------------------------------------------


def check_reply(
    view: glib_peers.MbimView, ours: Message, whole: bytes, meant: ModemState, modem: SimModem
) -> None:
    """The typed parsers mbimcli and libqmi use read what the simulated modem meant."""
    radio = (int(meant.hardware_radio_on), int(meant.software_radio_on))
    if isinstance(ours, IndicateStatus):
        assert ours.transaction_id == 0, "notifications carry TID 0 (MBIM compliance CM_09)"
        assert (ours.service_id, ours.cid) == (mbim.BASIC_CONNECT, mbim.BasicConnectCid.RADIO_STATE)
        assert glib_peers.mbim_parse_radio_state(whole, notification=True) == radio
        return
    if not isinstance(ours, CommandDone) or ours.status != mbim.Status.NONE:
        return
    if ours.service_id == mbim.BASIC_CONNECT:
        cid = mbim.BasicConnectCid(ours.cid)
        if cid is mbim.BasicConnectCid.DEVICE_CAPS:
            caps = modem.personality.device_caps()
            parsed = glib_peers.mbim_parse_device_caps(whole)
            assert vars(parsed) == {name: getattr(caps, name) for name in basic_connect.DeviceCaps.__slots__}
        elif cid is mbim.BasicConnectCid.DEVICE_SERVICES:
            max_dss, services = glib_peers.mbim_parse_device_services(whole)
            assert max_dss == 0
            assert [(s.service_id, s.cids, s.dss_payload, s.max_dss_instances) for s in services] == [
                (s.service_id, s.cids, s.dss_payload, s.max_dss_instances) for s in modem.services()
            ]
        elif cid is mbim.BasicConnectCid.RADIO_STATE:
            assert glib_peers.mbim_parse_radio_state(whole) == radio
    elif ours.service_id == mbim.QMI:
        frame = glib_peers.mbim_parse_qmi_msg(whole)
        assert frame == ours.information_buffer
        _, response = check_qmi(frame, Kind.RESPONSE)
        check_qmi_response(frame, response, meant, modem)


def check_qmi_response(frame: bytes, response: qmi.QmiMessage, meant: ModemState, modem: SimModem) -> None:
    """Values read with libqmi's TLV reader equal what the simulator put in."""
    status, error = response.result()
    assert glib_peers.qmi_read_tlv(frame, qmi.RESULT_TLV, "HH") == [status, error]
    if status:
        return
    key = (response.service, response.message_id)
    if key in ((Service.CTL, catalog.ALLOCATE_CID.message_id), (Service.CTL, catalog.RELEASE_CID.message_id)):
        assert glib_peers.qmi_read_tlv(frame, 0x01, "BB") == list(catalog.released_client(response))
        assert catalog.released_client(response)[0] in modem.personality.qmi_services
    elif key == (Service.DMS, catalog.GET_IDS.message_id):
        assert glib_peers.qmi_read_tlv(frame, 0x11, "s") == [modem.personality.imei]
    elif key == (Service.DMS, catalog.GET_OPERATING_MODE.message_id):
        mode = OperatingMode.ONLINE if meant.software_radio_on else OperatingMode.LOW_POWER
        assert glib_peers.qmi_read_tlv(frame, 0x01, "B") == [mode]


@pytest.mark.parametrize("flow", FLOW_NAMES)
def test_libmbim_and_libqmi_read_what_the_simulator_answers(peers, flow_wires, flow):
    wire = flow_wires[flow]
    for whole, fragments in whole_messages(wire.to_host):
        for piece in fragments:
            check_fragment(piece)
        view, ours = check_message(whole)
        check_reply(view, ours, whole, wire.state_when_sent(fragments[-1]), wire.modem)


def test_the_flows_receive_every_reply_the_simulator_gives(flow_wires):
    received = set()
    for wire in flow_wires.values():
        for whole, pieces in whole_messages(wire.to_host):
            message = decode(whole)
            received.add(message.message_type.name)
            if len(pieces) > 1:
                received.add("fragmented")
            if isinstance(message, CommandDone) and message.service_id == mbim.BASIC_CONNECT:
                received.add(mbim.BasicConnectCid(message.cid).name)
            if (
                isinstance(message, CommandDone)
                and message.service_id == mbim.QMI
                and message.information_buffer
            ):
                response = qmi.decode(message.information_buffer)
                received.add(message_name(response.service, response.message_id))
    assert {
        "OPEN_DONE",
        "CLOSE_DONE",
        "COMMAND_DONE",
        "FUNCTION_ERROR",
        "INDICATE_STATUS",
        "fragmented",
        "DEVICE_CAPS",
        "DEVICE_SERVICES",
        "RADIO_STATE",
        "Allocate CID",
        "Release CID",
        "Set FCC Authentication",
        "Get IDs",
        "Get Operating Mode",
        "Set Operating Mode",
    } <= received


def test_the_subscribe_list_echo_is_read_by_libmbim(peers):
    """qmicli subscribes to QMI indications first; the simulator must echo the list in a
    form libmbim's response parser accepts."""

    modem = SimModem(Sierra())
    entries = [(mbim.QMI, (mbim.QMI_MSG_CID,)), (mbim.BASIC_CONNECT, (1, 3, 16))]
    actions = modem.receive_data(glib_peers.mbim_build_simple("open", 1, 4096))
    actions += modem.receive_data(glib_peers.mbim_build_subscribe_list(2, entries))
    replies = [action.data for action in actions if isinstance(action, Write)]
    _, done = check_message(replies[-1])
    assert isinstance(done, CommandDone) and done.status == mbim.Status.NONE
    assert glib_peers.mbim_parse_subscribe_list(replies[-1]) == entries
    assert modem.subscriptions == entries


@pytest.mark.parametrize("state", list(mbim.QuectelRadioState))
def test_quectel_radio_state_replies_are_read_by_libmbim(peers, state):
    """The vendor reply a Quectel modem gives (4: FCC locked), in our layout."""
    from fcc_unlock.mbim import _structs as wire

    payload = wire.QUECTEL_RADIO_STATE.pack(state)
    done = CommandDone(9, mbim.QUECTEL, mbim.QUECTEL_RADIO_STATE_CID, 0, payload).encode()
    view, _ = check_message(done)
    assert (view.service_name, view.cid_name) == ("quectel", "radio-state")
    assert glib_peers.mbim_parse_quectel_radio_state(done) == state


# --- tables: our names are theirs ----------------------------------------------------------


def test_our_service_uuids_are_libmbims(peers):
    for service_id, ours in mbim.SERVICE_NAMES.items():
        theirs = glib_peers.mbim_service_name(service_id)
        if theirs is None:
            assert service_id == mbim.INTEL_MUTUAL_AUTHENTICATION, f"libmbim 1.28 does not know {ours}"
            continue
        assert theirs.replace("-", "") == ours.lower(), (ours, theirs)


# Where a library's printed nick is not its own C name, we keep the C name (the spec's).
MBIM_NICK_TYPOS = {
    mbim.Status.AUTH_INCORRECT_AUTN: "AuthIncorrectAuth"
}  # MBIM_STATUS_ERROR_AUTH_INCORRECT_AUTN
QMI_NICK_TYPOS = {105: "Pin1Restriction"}  # QMI_PROTOCOL_ERROR_PIN2_RESTRICTION


def test_our_status_and_error_names_are_libmbims(peers):
    unknown_to_libmbim = []
    for status in mbim.Status:
        theirs = glib_peers.mbim_status_name(status)
        if theirs is None:
            unknown_to_libmbim.append(status)  # MBIMEx-era codes newer than libmbim 1.28
            continue
        if status in MBIM_NICK_TYPOS:
            assert theirs == MBIM_NICK_TYPOS[status]
            assert mbim.describe_status(status) == f"{mbim.camel(status.name)} ({int(status)})"
            continue
        expected = "Success" if status == mbim.Status.NONE else theirs
        assert mbim.describe_status(status) == f"{expected} ({int(status)})"
    assert all(status >= 0x87430000 for status in unknown_to_libmbim)
    for code in mbim.ProtocolErrorCode:
        assert mbim.describe_error(code) == f"{glib_peers.mbim_protocol_error_name(code)} ({int(code)})"
    for message_type in mbim.MessageType:
        assert glib_peers.mbim_message_type_name(message_type) == message_type.name.lower().replace("_", "-")


def test_our_qmi_error_names_are_libqmis(peers):
    from fcc_unlock.qmi.errors import QmiError, describe

    for error in QmiError:
        theirs = glib_peers.qmi_error_name(error)
        if error == QmiError.NONE:
            continue
        if error in QMI_NICK_TYPOS:
            assert theirs == QMI_NICK_TYPOS[error] and error.name == "PIN2_RESTRICTION"
            continue
        assert describe(error) == f"{theirs} ({int(error)})"
    for service in Service:
        theirs = glib_peers.qmi_service_name(service)
        if service == Service.FOXAP:  # T99W696's 0xE4: no libqmi release names it (docs/protocol.md §4.10)
            assert theirs in (None, "foxap")
            continue
        assert theirs == service.name.lower()


# --- the oracles can say no -----------------------------------------------------------------


def test_libmbim_rejects_a_truncated_message(peers):
    data = Command(7, mbim.BASIC_CONNECT, 1, 0, b"\0" * 8).encode()
    with pytest.raises(glib_peers.PeerRejected, match="incomplete"):
        glib_peers.mbim_decode(data[:-4])
    lying = bytearray(data)
    struct.pack_into("<I", lying, 44, 64)  # InformationBufferLength beyond the message
    with pytest.raises(glib_peers.PeerRejected, match="information buffer"):
        glib_peers.mbim_decode(bytes(lying))


def test_libmbim_parsers_reject_an_overrunning_string(peers):

    caps = bytearray(basic_connect.device_caps(Sierra().device_caps()))
    struct.pack_into("<I", caps, 44, 500)  # DeviceId size far beyond the buffer
    done = CommandDone(3, mbim.BASIC_CONNECT, mbim.BasicConnectCid.DEVICE_CAPS, 0, bytes(caps)).encode()
    with pytest.raises(glib_peers.PeerRejected):
        glib_peers.mbim_parse_device_caps(done)
    assert glib_peers.mbim_decode(done).fields_failed


def test_libqmi_rejects_inconsistent_lengths(peers):
    frame = bytearray(catalog.build(catalog.GET_IDS, 1, 1).encode())
    frame[1] += 1  # QMUX length one too long
    with pytest.raises(glib_peers.PeerRejected):
        glib_peers.qmi_decode(bytes(frame) + b"\0")
    short_tlv = qmi.response_to(catalog.build(catalog.GET_OPERATING_MODE, 1, 2), ((0x01, b""),)).encode()
    assert glib_peers.qmi_decode(short_tlv).tlv_problems
