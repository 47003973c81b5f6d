"""Every new vendor message, checked by libmbim and libqmi themselves (ctypes).

Requests we send: byte-equal to what libmbim builds where it can build them (Quectel
and Basic Connect RADIO_STATE, QMI-over-MBIM wrapping); QMI requests parsed by libqmi
and read back with its own TLV readers (its request builders are private).
Replies the simulator sends: parsed by libmbim's response parsers and libqmi's TLV
readers, so the simulator behind the CLI tests speaks what the real clients expect.
"""

import pytest
from _vendor_glib import Glib, Mbim, Qmi

from fcc_unlock.mbim import basic_connect, quectel
from fcc_unlock.mbim import constants as mbim
from fcc_unlock.mbim.messages import Command
from fcc_unlock.mbim.messages import decode as decode_mbim
from fcc_unlock.methods.foxconn import magic_string
from fcc_unlock.qmi import catalog
from fcc_unlock.qmi.constants import FirmwareVersionType, OperatingMode, Service
from fcc_unlock.qmi.messages import decode as decode_qmi
from fcc_unlock.sim.faults import Faults
from fcc_unlock.sim.model import SimModem, Write
from fcc_unlock.sim.personalities import PERSONALITIES

MAGIC = "salt1f325d68c16d5cb455784554cb3e9500"
# libqmi tells apart messages sharing an id by a "vendor" in its message context
# (not on the wire): 0x0489 for Foxconn 0x555E and v1, 0x0490 for v2.
FOXCONN = 0x0489
FOXCONN_V2 = 0x0490


def translated(printable: str) -> dict[str, str]:
    """libqmi's own decoding of each TLV: {type name: translated value}."""
    found, name = {}, None
    for line in printable.splitlines():
        line = line.strip()
        if line.startswith("type ") and '"' in line:
            name = line.split('"')[1]
        elif line.startswith("translated") and name:
            found[name] = line.split("=", 1)[1].strip()
    return found


def message_name(printable: str) -> str:
    line = next(line for line in printable.splitlines() if line.strip().startswith("message"))
    return line.split('"')[1] if '"' in line else ""


@pytest.fixture(scope="module")
def glib():
    return Glib()


@pytest.fixture(scope="module")
def libmbim(glib):
    return Mbim(glib)


@pytest.fixture(scope="module")
def libqmi(glib):
    return Qmi(glib)


def modem_reply(modem, request: Command) -> bytes:
    """The simulated modem's whole reply to one of our requests (OPENed first)."""
    writes = modem.receive_data(request.encode())
    assert writes and all(isinstance(w, Write) for w in writes)
    return b"".join(w.data for w in writes)


def opened(vendor, **knobs):
    modem = SimModem(PERSONALITIES[vendor](), Faults(**knobs))
    modem.is_open = True
    return modem


# --- MBIM: Quectel RADIO_STATE and Basic Connect RADIO_STATE ------------------------


def test_quectel_query_is_what_libmbim_builds(libmbim):
    ours = Command(7, mbim.QUECTEL, mbim.QUECTEL_RADIO_STATE_CID, mbim.CommandType.QUERY).encode()
    assert ours == libmbim.quectel_radio_state_query(7)


def test_quectel_set_on_is_what_libmbim_builds(libmbim):
    ours = Command(
        8, mbim.QUECTEL, mbim.QUECTEL_RADIO_STATE_CID, mbim.CommandType.SET, quectel.radio_state(1)
    ).encode()
    assert ours == libmbim.quectel_radio_state_set(1, 8)


@pytest.mark.parametrize(
    ("locked", "radio_on", "state"), [(True, False, 4), (False, False, 0), (False, True, 1)]
)
def test_simulated_quectel_state_as_libmbim_reads_it(libmbim, locked, radio_on, state):
    modem = opened("quectel")
    modem.locked = locked
    modem.software_radio_on = radio_on
    reply = modem_reply(modem, Command(3, mbim.QUECTEL, 1, mbim.CommandType.QUERY))
    assert libmbim.quectel_radio_state_response(reply) == state
    assert f"'{quectel.describe_radio_state(state).split(' ')[0]}'" in libmbim.printable(reply)


def test_simulated_quectel_set_reply_is_a_bodiless_success(libmbim):
    modem = opened("quectel")
    reply = modem_reply(modem, Command(4, mbim.QUECTEL, 1, mbim.CommandType.SET, quectel.radio_state(1)))
    assert libmbim.command_done_ok(reply)
    assert len(reply) == 48
    assert not modem.locked


def test_our_decoder_reads_what_libmbim_builds(libmbim):
    for state in (0, 1, 4):
        message = decode_mbim(libmbim.quectel_radio_state_set(state, 12))
        assert (message.service_id, message.cid, message.command_type) == (
            mbim.QUECTEL,
            1,
            mbim.CommandType.SET,
        )
        assert quectel.parse_radio_state(message.information_buffer) == state
    radio = decode_mbim(libmbim.radio_state_set(1, 13))
    assert basic_connect.parse_radio_state_set(radio.information_buffer) == 1


def test_radio_state_requests_are_what_libmbim_builds(libmbim):
    query = Command(5, mbim.BASIC_CONNECT, mbim.BasicConnectCid.RADIO_STATE, mbim.CommandType.QUERY)
    assert query.encode() == libmbim.radio_state_query(5)
    on = Command(
        6,
        mbim.BASIC_CONNECT,
        mbim.BasicConnectCid.RADIO_STATE,
        mbim.CommandType.SET,
        basic_connect.radio_state_set(True),
    )
    assert on.encode() == libmbim.radio_state_set(1, 6)


@pytest.mark.parametrize(("hardware_off", "radio_on"), [(False, False), (True, False), (False, True)])
def test_simulated_radio_state_as_libmbim_reads_it(libmbim, hardware_off, radio_on):
    modem = opened("sierra", hardware_switch_off=hardware_off)
    modem.locked = False
    modem.software_radio_on = radio_on
    reply = modem_reply(modem, Command(9, mbim.BASIC_CONNECT, 3, mbim.CommandType.QUERY))
    assert libmbim.radio_state_response(reply) == (int(not hardware_off), int(radio_on))
    assert basic_connect.parse_radio_state(reply[48:]) == (int(not hardware_off), int(radio_on))


def test_radio_on_refused_while_locked_as_libmbim_reads_it(libmbim):
    modem = opened("foxconn")
    reply = modem_reply(
        modem, Command(10, mbim.BASIC_CONNECT, 3, mbim.CommandType.SET, basic_connect.radio_state_set(True))
    )
    assert not libmbim.command_done_ok(reply)
    assert int.from_bytes(reply[40:44], "little") == mbim.Status.OPERATION_NOT_ALLOWED


# --- QMI requests, as libqmi parses them ---------------------------------------------

REQUESTS = {
    "firmware-mcfg": catalog.build(
        catalog.FOXCONN_GET_FIRMWARE_VERSION, 5, 1, version_type=FirmwareVersionType.FIRMWARE_MCFG
    ),
    "apps": catalog.build(catalog.FOXCONN_GET_FIRMWARE_VERSION, 5, 2, version_type=FirmwareVersionType.APPS),
    "fox-firmware-mcfg": catalog.build(
        catalog.FOXCONN_GET_FIRMWARE_VERSION, 6, 1, version_type=0, on_service=Service.FOX
    ),
    "get-ids": catalog.build(catalog.GET_IDS, 5, 3),
    "v2": catalog.build(catalog.FOXCONN_SET_FCC_AUTHENTICATION_V2, 5, 4, magic_string=MAGIC, magic_number=48),
    "fox-v2": catalog.build(
        catalog.FOXCONN_SET_FCC_AUTHENTICATION_V2,
        6,
        2,
        magic_string=MAGIC,
        magic_number=48,
        on_service=Service.FOX,
    ),
    "v1": catalog.build(catalog.FOXCONN_SET_FCC_AUTHENTICATION, 5, 5, magic=0),
    "get-operating-mode": catalog.build(catalog.GET_OPERATING_MODE, 5, 6),
    "allocate-fox": catalog.allocate_cid(3, Service.FOX),
    "release-fox": catalog.release_cid(4, Service.FOX, 6),
}


@pytest.mark.parametrize("name", REQUESTS)
def test_request_header_as_libqmi_reads_it(libqmi, name):
    request = REQUESTS[name]
    with libqmi.parse(request.encode()) as frame:
        assert frame.is_request
        assert (frame.service, frame.client_id, frame.transaction_id, frame.message_id) == (
            request.service,
            request.client_id,
            request.transaction_id,
            request.message_id,
        )
        assert frame.tlv_types() == [t for t, _ in request.tlvs]


@pytest.mark.parametrize("name", ["v2", "fox-v2"])
def test_v2_fields_as_libqmi_reads_them(libqmi, name):
    with libqmi.parse(REQUESTS[name].encode()) as frame:
        assert frame.tlv_types() == [0x01, 0x02]  # the order the firmware insists on
        assert frame.string(0x01) == MAGIC
        assert frame.u8(0x02) == 48


@pytest.mark.parametrize(
    ("name", "vendor", "message", "fields"),
    [
        (
            "v2",
            FOXCONN_V2,
            "Foxconn Set FCC Authentication v2",
            {"Magic String": MAGIC, "Magic Number": "48"},
        ),
        ("v1", FOXCONN, "Foxconn Set FCC Authentication", {"Value": "0"}),
        ("firmware-mcfg", FOXCONN, "Foxconn Get Firmware Version", {"Version Type": "firmware-mcfg"}),
        ("apps", FOXCONN, "Foxconn Get Firmware Version", {"Version Type": "apps"}),
        ("fox-firmware-mcfg", 0, "Get Firmware Version", {"Version Type": "firmware-mcfg"}),
        ("get-ids", 0, "Get IDs", {}),
        ("get-operating-mode", 0, "Get Operating Mode", {}),
    ],
)
def test_request_as_libqmi_translates_it(libqmi, name, vendor, message, fields):
    with libqmi.parse(REQUESTS[name].encode()) as frame:
        printable = frame.printable(vendor)
    assert message_name(printable) == message
    assert translated(printable) == fields


def test_v1_and_version_type_as_libqmi_reads_them(libqmi):
    with libqmi.parse(REQUESTS["v1"].encode()) as frame:
        assert frame.u8(0x01) == 0
    for name, version_type in (("firmware-mcfg", 0), ("apps", 2), ("fox-firmware-mcfg", 0)):
        with libqmi.parse(REQUESTS[name].encode()) as frame:
            assert frame.u8(0x01) == version_type


def test_fox_client_tlvs_as_libqmi_reads_them(libqmi):
    with libqmi.parse(REQUESTS["allocate-fox"].encode()) as frame:
        assert frame.u8(0x01) == 0xE3
    with libqmi.parse(REQUESTS["release-fox"].encode()) as frame:
        assert (frame.u8(0x01, 0), frame.u8(0x01, 1)) == (0xE3, 6)


@pytest.mark.parametrize("name", ["firmware-mcfg", "v2", "get-ids"])
def test_qmi_over_mbim_wrapping_is_what_libmbim_builds(libmbim, name):
    frame = REQUESTS[name].encode()
    ours = Command(11, mbim.QMI, mbim.QMI_MSG_CID, mbim.CommandType.SET, frame).encode()
    assert ours == libmbim.qmi_msg_set(frame, 11)


def test_libqmi_built_v2_decodes_in_order(libqmi):
    raw = libqmi.build(2, 5, 4, 0x5571, [(0x01, MAGIC.encode()), (0x02, b"\x30")])
    assert decode_qmi(raw) == REQUESTS["v2"]


# --- QMI replies of the simulated Foxconn, as libqmi reads them -----------------------


def foxconn_reply(libmbim, modem, request, tid=20):
    reply = modem_reply(modem, Command(tid, mbim.QMI, 1, mbim.CommandType.SET, request.encode()))
    assert libmbim.command_done_ok(reply)
    return libmbim.qmi_msg_response(reply)


@pytest.fixture
def foxconn(libmbim):
    """A locked simulated Foxconn with DMS client 1 (and FOX client 2) allocated."""
    modem = opened("foxconn", fox_service="auth")
    assert decode_qmi(foxconn_reply(libmbim, modem, catalog.allocate_cid(1, Service.DMS)))
    assert decode_qmi(foxconn_reply(libmbim, modem, catalog.allocate_cid(2, Service.FOX)))
    assert modem.clients == {1: Service.DMS, 2: Service.FOX}
    return modem


@pytest.mark.parametrize(
    ("version_type", "expected"),
    [(0, "T99W175.F0.1.0.0.9.GC.004.013"), (2, "T99W175.F0.0.0.9.1.GC.004")],
)
def test_firmware_version_reply(libmbim, libqmi, foxconn, version_type, expected):
    frame_bytes = foxconn_reply(
        libmbim, foxconn, catalog.build(catalog.FOXCONN_GET_FIRMWARE_VERSION, 1, 7, version_type=version_type)
    )
    with libqmi.parse(frame_bytes) as frame:
        assert frame.is_response and (frame.client_id, frame.transaction_id) == (1, 7)
        assert frame.message_id == catalog.FOXCONN_GET_FIRMWARE_VERSION.message_id
        assert frame.result() == (0, 0)
        assert frame.string(0x01) == expected
        assert translated(frame.printable(FOXCONN)) == {"Result": "SUCCESS", "Version": expected}
    assert catalog.parse(catalog.FOXCONN_GET_FIRMWARE_VERSION, decode_qmi(frame_bytes))["version"] == expected


def test_fox_service_firmware_version_reply(libmbim, libqmi, foxconn):
    frame_bytes = foxconn_reply(
        libmbim,
        foxconn,
        catalog.build(catalog.FOXCONN_GET_FIRMWARE_VERSION, 2, 1, version_type=2, on_service=Service.FOX),
    )
    with libqmi.parse(frame_bytes) as frame:
        assert (frame.service, frame.client_id) == (Service.FOX, 2)
        assert frame.string(0x01) == "T99W175.F0.0.0.9.1.GC.004"


def test_get_ids_reply(libmbim, libqmi, foxconn):
    frame_bytes = foxconn_reply(libmbim, foxconn, catalog.build(catalog.GET_IDS, 1, 8))
    with libqmi.parse(frame_bytes) as frame:
        assert frame.result() == (0, 0)
        assert frame.string(0x11) == "123456789012345"
        assert message_name(frame.printable()) == "Get IDs"  # libqmi hides the IMEI it prints
    assert catalog.parse(catalog.GET_IDS, decode_qmi(frame_bytes))["imei"] == "123456789012345"


def test_operating_mode_reply(libmbim, libqmi, foxconn):
    frame_bytes = foxconn_reply(libmbim, foxconn, catalog.build(catalog.GET_OPERATING_MODE, 1, 9))
    with libqmi.parse(frame_bytes) as frame:
        assert frame.result() == (0, 0)
        assert frame.u8(0x01) == OperatingMode.LOW_POWER
        assert frame.u8(0x11) == 0
        assert translated(frame.printable()) == {
            "Result": "SUCCESS",
            "Mode": "low-power",
            "Hardware Restricted Mode": "no",
        }


def test_auth_replies(libmbim, libqmi, foxconn):
    wrong = foxconn_reply(
        libmbim,
        foxconn,
        catalog.build(
            catalog.FOXCONN_SET_FCC_AUTHENTICATION_V2,
            2,
            2,
            magic_string="salt" + "0" * 32,
            magic_number=48,
            on_service=Service.FOX,
        ),
    )
    with libqmi.parse(wrong) as frame:
        assert frame.result() == (1, 34)
    on_dms_v1 = foxconn_reply(
        libmbim, foxconn, catalog.build(catalog.FOXCONN_SET_FCC_AUTHENTICATION, 1, 11, magic=0)
    )
    with libqmi.parse(on_dms_v1) as frame:
        assert translated(frame.printable(FOXCONN))["Result"] == "FAILURE: InvalidQmiCommand"
    on_dms = foxconn_reply(
        libmbim,
        foxconn,
        catalog.build(catalog.FOXCONN_SET_FCC_AUTHENTICATION_V2, 1, 10, magic_string=MAGIC, magic_number=48),
    )
    with libqmi.parse(on_dms) as frame:
        assert frame.result() == (1, 71)  # the fox_service knob: DMS does not know it
    assert foxconn.locked
    right = foxconn_reply(
        libmbim,
        foxconn,
        catalog.build(
            catalog.FOXCONN_SET_FCC_AUTHENTICATION_V2,
            2,
            3,
            magic_string=MAGIC,
            magic_number=48,
            on_service=Service.FOX,
        ),
    )
    with libqmi.parse(right) as frame:
        assert frame.result() == (0, 0)
        assert frame.message_id == 0x5571 and frame.service == Service.FOX
    assert not foxconn.locked


def test_the_magic_the_simulator_accepts_is_ours():
    personality = PERSONALITIES["foxconn"]()
    modem = opened("foxconn")
    assert personality.expected_magic(modem) == magic_string(
        personality.firmware_mcfg, personality.firmware_apps, personality.imei
    )
