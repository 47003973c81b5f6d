"""QMUX byte vectors of docs/protocol.md §3.4-§4 (dumped from libqmi 1.32.2),
header layouts, TLV order, results and the value extractors."""

from __future__ import annotations

import re
import struct

import pytest
from conftest import ROOT

from fcc_unlock.qmi import catalog
from fcc_unlock.qmi import messages as qmi
from fcc_unlock.qmi.constants import FirmwareVersionType, Kind, OperatingMode, Service
from fcc_unlock.qmi.messages import DecodeError, QmiMessage, ResultError, check_result, response_to


def hexbytes(text: str) -> bytes:
    return bytes.fromhex(" ".join(text.split()))


ALLOCATE_DMS = hexbytes("01 0f 00 00 00 00 00 01 22 00 04 00 01 01 00 02")
ALLOCATE_RESPONSE = hexbytes("01 12 00 80 00 00 01 01 22 00 07 00 02 04 00 00 00 00 00")
RELEASE_DMS_5 = hexbytes("01 10 00 00 00 00 00 02 23 00 05 00 01 02 00 02 05")
SYNC = hexbytes("01 0b 00 00 00 00 00 03 27 00 00 00")
SET_FCC_AUTH = hexbytes("01 0c 00 00 02 05 00 02 00 5f 55 00 00")
SET_FCC_AUTH_RESPONSE = hexbytes("01 13 00 80 02 05 02 02 00 5f 55 07 00 02 04 00 00 00 00 00")
FOXCONN_V2 = hexbytes(
    """01 37 00 00 02 05 00 01 00 71 55 2b 00
    01 24 00 73 61 6c 74 30 31 32 33 34 35 36 37 38 39 61 62 63 64 65 66
             30 31 32 33 34 35 36 37 38 39 61 62 63 64 65 66
    02 01 00 30"""
)
FOXCONN_FW_VERSION_MCFG = hexbytes("01 10 00 00 02 05 00 05 00 5e 55 04 00 01 01 00 00")
SET_OPERATING_MODE_ONLINE = hexbytes("01 10 00 00 02 05 00 07 00 2e 00 04 00 01 01 00 00")


def fields(message: QmiMessage) -> tuple:
    return (
        message.service,
        message.client_id,
        message.transaction_id,
        message.message_id,
        message.kind,
        message.tlvs,
    )


# --- vectors --------------------------------------------------------------------------


def test_ctl_allocate_cid():
    assert catalog.allocate_cid(1, Service.DMS).encode() == ALLOCATE_DMS
    request = qmi.decode(ALLOCATE_DMS)
    assert fields(request) == (
        Service.CTL,
        0,
        1,
        catalog.ALLOCATE_CID.message_id,
        Kind.REQUEST,
        ((1, b"\x02"),),
    )
    assert catalog.requested_service(request) == Service.DMS


def test_ctl_allocate_cid_response():
    request = catalog.allocate_cid(1, Service.DMS)
    assert response_to(request).encode() == ALLOCATE_RESPONSE
    response = qmi.decode(ALLOCATE_RESPONSE)
    assert fields(response) == (
        Service.CTL,
        0,
        1,
        catalog.ALLOCATE_CID.message_id,
        Kind.RESPONSE,
        ((2, bytes(4)),),
    )
    assert response.result() == (0, 0)
    # The reference dump omits TLV 0x01 that real replies carry: no client id in it.
    with pytest.raises(DecodeError, match="without a client id"):
        catalog.allocated_client_id(response, Service.DMS)
    full = response_to(request, (catalog.client_tlv(Service.DMS, 5),))
    assert catalog.allocated_client_id(qmi.decode(full.encode()), Service.DMS) == 5


def test_ctl_allocate_cid_for_another_service_is_rejected():
    response = response_to(catalog.allocate_cid(1, Service.DMS), (catalog.client_tlv(Service.NAS, 5),))
    with pytest.raises(DecodeError, match="answered for service 0x03, asked 0x02"):
        catalog.allocated_client_id(response, Service.DMS)


def test_ctl_release_cid():
    assert catalog.release_cid(2, Service.DMS, 5).encode() == RELEASE_DMS_5
    request = qmi.decode(RELEASE_DMS_5)
    assert fields(request) == (
        Service.CTL,
        0,
        2,
        catalog.RELEASE_CID.message_id,
        Kind.REQUEST,
        ((1, b"\x02\x05"),),
    )
    assert catalog.released_client(request) == (Service.DMS, 5)


def test_ctl_sync_decodes_but_has_no_builder():
    """We can recognise Sync (the simulator must) but never build one to send."""
    assert QmiMessage(Service.CTL, 0, 3, catalog.SYNC.message_id).encode() == SYNC
    assert fields(qmi.decode(SYNC)) == (Service.CTL, 0, 3, catalog.SYNC.message_id, Kind.REQUEST, ())
    # Declared (the simulator and the trace name it), but no function builds it, and
    # nothing on the client side mentions it.
    assert not [n for n in dir(catalog) if "sync" in n.lower() and callable(getattr(catalog, n))]
    client_side = [
        p for p in (ROOT / "fcc_unlock").rglob("*.py") if "sim" not in p.parts and p.name != "catalog.py"
    ]
    assert not [p for p in client_side if re.search(r"\bSYNC\b", p.read_text())]


def test_dms_set_fcc_authentication():
    assert catalog.build(catalog.SET_FCC_AUTHENTICATION, 5, 2).encode() == SET_FCC_AUTH
    request = qmi.decode(SET_FCC_AUTH)
    assert fields(request) == (Service.DMS, 5, 2, catalog.SET_FCC_AUTHENTICATION.message_id, Kind.REQUEST, ())


def test_dms_set_fcc_authentication_response():
    assert response_to(catalog.build(catalog.SET_FCC_AUTHENTICATION, 5, 2)).encode() == SET_FCC_AUTH_RESPONSE
    response = qmi.decode(SET_FCC_AUTH_RESPONSE)
    assert fields(response) == (
        Service.DMS,
        5,
        2,
        catalog.SET_FCC_AUTHENTICATION.message_id,
        Kind.RESPONSE,
        ((2, bytes(4)),),
    )
    assert check_result(response) is response


def test_dms_foxconn_v2_keeps_tlv_order():
    magic = "salt0123456789abcdef0123456789abcdef"
    request = catalog.build(
        catalog.FOXCONN_SET_FCC_AUTHENTICATION_V2, 5, 1, magic_string=magic, magic_number=48
    )
    assert request.encode() == FOXCONN_V2
    decoded = qmi.decode(FOXCONN_V2)
    assert fields(decoded) == (
        Service.DMS,
        5,
        1,
        catalog.FOXCONN_SET_FCC_AUTHENTICATION.message_id,
        Kind.REQUEST,
        ((0x01, magic.encode()), (0x02, b"\x30")),
    )
    assert catalog.parse(catalog.FOXCONN_SET_FCC_AUTHENTICATION_V2, decoded)["magic_number"] == 48


def test_dms_foxconn_v1():
    request = catalog.build(catalog.FOXCONN_SET_FCC_AUTHENTICATION, 5, 3, magic=0)
    assert request.encode() == hexbytes("01 10 00 00 02 05 00 03 00 71 55 04 00 01 01 00 00")
    fox = catalog.build(catalog.FOXCONN_SET_FCC_AUTHENTICATION, 5, 3, magic=0, on_service=Service.FOX)
    assert qmi.decode(fox.encode()).service == Service.FOX


def test_dms_foxconn_get_firmware_version():
    request = catalog.build(
        catalog.FOXCONN_GET_FIRMWARE_VERSION, 5, 5, version_type=FirmwareVersionType.FIRMWARE_MCFG
    )
    assert request.encode() == FOXCONN_FW_VERSION_MCFG
    decoded = qmi.decode(FOXCONN_FW_VERSION_MCFG)
    assert fields(decoded) == (
        Service.DMS,
        5,
        5,
        catalog.FOXCONN_GET_FIRMWARE_VERSION.message_id,
        Kind.REQUEST,
        ((0x01, b"\x00"),),
    )
    response = response_to(request, ((0x01, b"T99W175.F0.1.0.0.9.GC.004.013"),))
    version = catalog.parse(catalog.FOXCONN_GET_FIRMWARE_VERSION, qmi.decode(response.encode()))["version"]
    assert version == "T99W175.F0.1.0.0.9.GC.004.013"


def test_dms_set_operating_mode_online():
    assert (
        catalog.build(catalog.SET_OPERATING_MODE, 5, 7, mode=OperatingMode.ONLINE).encode()
        == SET_OPERATING_MODE_ONLINE
    )
    decoded = qmi.decode(SET_OPERATING_MODE_ONLINE)
    assert fields(decoded) == (
        Service.DMS,
        5,
        7,
        catalog.SET_OPERATING_MODE.message_id,
        Kind.REQUEST,
        ((0x01, b"\x00"),),
    )


def imei(response):
    return catalog.parse(catalog.GET_IDS, response)["imei"]


def test_dms_get_ids_imei_and_operating_mode():
    get_ids = catalog.build(catalog.GET_IDS, 5, 8)
    ids = response_to(get_ids, ((0x10, b"ESN"), (0x11, b"353000000000001"), (0x13, b"01")))
    assert imei(qmi.decode(ids.encode())) == "353000000000001"
    # Trailing NULs some firmware may add are stripped (docs/protocol.md §3.3).
    assert imei(response_to(get_ids, ((0x11, b"353000000000001\0\0"),))) == "353000000000001"
    mode = response_to(catalog.build(catalog.GET_OPERATING_MODE, 5, 9), ((0x01, b"\x06"), (0x11, b"\x00")))
    values = catalog.parse(catalog.GET_OPERATING_MODE, qmi.decode(mode.encode()))
    assert values["mode"] == OperatingMode.PERSISTENT_LOW_POWER
    assert values["hardware_restricted"] == 0


def test_an_optional_tlv_that_is_missing_is_absent_not_an_error():
    # Get IDs declares every TLV optional (libqmi does too): no IMEI is no value, and
    # the Foxconn method says so ("firmware version or IMEI empty").
    assert "imei" not in catalog.parse(catalog.GET_IDS, response_to(catalog.build(catalog.GET_IDS, 5, 1)))


@pytest.mark.parametrize(
    ("extract", "response"),
    [
        (
            catalog.FOXCONN_GET_FIRMWARE_VERSION,
            response_to(catalog.build(catalog.FOXCONN_GET_FIRMWARE_VERSION, 5, 1, version_type=0)),
        ),
        (catalog.GET_OPERATING_MODE, response_to(catalog.build(catalog.GET_OPERATING_MODE, 5, 1))),
        (
            catalog.GET_OPERATING_MODE,
            response_to(catalog.build(catalog.GET_OPERATING_MODE, 5, 1), ((0x01, b"\x00\x00"),)),
        ),
    ],
    ids=["firmware", "mode-missing", "mode-two-bytes"],
)
def test_extractors_raise_decode_error_for_missing_values(extract, response):
    with pytest.raises(DecodeError):
        catalog.parse(extract, response)


# --- header layouts ---------------------------------------------------------------------


def test_ctl_header_has_an_8_bit_transaction_id():
    data = QmiMessage(Service.CTL, 0, 0xAB, 0x1234, Kind.RESPONSE, ((7, b"x"),)).encode()
    # marker, length, qmux flags, service, client | flags, tid(u8), msg id, tlv length | TLV
    assert data == hexbytes("01 0f 00 80 00 00 01 ab 34 12 04 00 07 01 00 78")
    with pytest.raises(struct.error):  # CTL transaction ids are 8-bit
        QmiMessage(Service.CTL, 0, 0x100, 0x22).encode()


def test_service_header_has_a_16_bit_transaction_id():
    data = QmiMessage(Service.DMS, 9, 0xABCD, 0x1234, Kind.RESPONSE, ((7, b"x"),)).encode()
    assert data == hexbytes("01 10 00 80 02 09 02 cd ab 34 12 04 00 07 01 00 78")


@pytest.mark.parametrize(
    ("service", "flags", "kind"),
    [
        (Service.CTL, 0x00, Kind.REQUEST),
        (Service.CTL, 0x01, Kind.RESPONSE),
        (Service.CTL, 0x02, Kind.INDICATION),
        (Service.DMS, 0x00, Kind.REQUEST),
        (Service.DMS, 0x01, Kind.REQUEST),  # compound bit alone
        (Service.DMS, 0x02, Kind.RESPONSE),
        (Service.DMS, 0x03, Kind.RESPONSE),
        (Service.DMS, 0x04, Kind.INDICATION),
    ],
)
def test_flags_to_kind(service, flags, kind):
    message = QmiMessage(service, 1, 1, 1, Kind.REQUEST).encode()
    data = bytearray(message)
    data[6] = flags
    assert qmi.decode(bytes(data)).kind == kind


def test_tlv_order_and_duplicates_are_preserved():
    tlvs = ((0x10, b"b"), (0x01, b"a"), (0x10, b"c"), (0x02, b""))
    message = QmiMessage(Service.DMS, 1, 1, 1, Kind.REQUEST, tlvs)
    assert qmi.decode(message.encode()).tlvs == tlvs
    assert message.tlv(0x10) == b"b"  # the first one wins
    assert message.tlv(0x33) is None


# --- results ------------------------------------------------------------------------------


def test_check_result_failure_names_the_error():
    response = response_to(catalog.build(catalog.SET_OPERATING_MODE, 5, 1, mode=0), error=60)
    assert response.result() == (1, 60)
    with pytest.raises(
        ResultError, match=r"DMS Set Operating Mode failed: InvalidTransition \(60\)"
    ) as raised:
        check_result(response)
    assert raised.value.error == 60
    assert raised.value.message is response


def test_check_result_unknown_error_code():
    with pytest.raises(ResultError, match=r"unknown QMI error \(9999\)"):
        check_result(response_to(catalog.build(catalog.GET_IDS, 5, 1), error=9999))


def test_check_result_status_failure_with_error_zero_is_a_failure():
    response = QmiMessage(Service.DMS, 5, 1, 0x25, Kind.RESPONSE, ((2, hexbytes("01 00 00 00")),))
    with pytest.raises(ResultError):
        check_result(response)


@pytest.mark.parametrize("value", [None, b"", b"\x00\x00\x00"], ids=["missing", "empty", "short"])
def test_result_without_a_valid_tlv_is_a_decode_error(value):
    tlvs = () if value is None else ((2, value),)
    response = QmiMessage(Service.DMS, 5, 1, 0x25, Kind.RESPONSE, tlvs)
    with pytest.raises(DecodeError, match="without a valid result TLV"):
        check_result(response)


# --- decode errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (SET_FCC_AUTH[:5], "shorter than a QMUX header"),
        (b"\x02" + SET_FCC_AUTH[1:], "QMUX marker 0x02"),
        (SET_FCC_AUTH + b"\0", "QMUX length 12 but the frame has 13 bytes"),
        (hexbytes("01 08 00 00 02 05 00 02 00"), "shorter than a QMI header"),
        (hexbytes("01 0c 00 00 02 05 00 02 00 5f 55 01 00"), "TLV length 1 but 0 bytes"),
        (hexbytes("01 0d 00 00 00 00 00 01 22 00 02 00 01 01"), "truncated TLV header"),
        (hexbytes("01 0f 00 00 00 00 00 01 22 00 04 00 01 02 00 02"), "TLV 0x01 of 2 bytes overruns"),
    ],
    ids=["short", "marker", "length", "header", "tlv-length", "tlv-header", "tlv-overrun"],
)
def test_decode_errors_say_why(data, reason):
    with pytest.raises(DecodeError, match=reason):
        qmi.decode(data)


def test_encode_refuses_oversized_frames():
    with pytest.raises(ValueError, match="too long"):
        QmiMessage(Service.DMS, 1, 1, 1, Kind.REQUEST, ((1, bytes(0xFFFF - 12)),)).encode()


# --- the catalogue ---------------------------------------------------------------------


def test_every_message_is_declared_once_and_named():
    seen = {}
    for message in catalog.MESSAGES:
        for service in message.services:
            key = (service, message.message_id, tuple(t.type for t in message.request))
            assert key not in seen, f"{message} declared twice"
            seen[key] = message
        assert message.name and message.kind
    # Foxconn's unlock: one id, two layouts, told apart by the TLVs a request carries.
    v1 = catalog.build(catalog.FOXCONN_SET_FCC_AUTHENTICATION, 1, 1, magic=0)
    v2 = catalog.build(catalog.FOXCONN_SET_FCC_AUTHENTICATION_V2, 1, 2, magic_string="salt", magic_number=48)
    assert catalog.lookup(v1) is catalog.FOXCONN_SET_FCC_AUTHENTICATION
    assert catalog.lookup(v2) is catalog.FOXCONN_SET_FCC_AUTHENTICATION_V2


def test_build_checks_names_and_mandatory_tlvs():
    with pytest.raises(ValueError, match="no TLV named colour"):
        catalog.build(catalog.GET_IDS, 1, 1, colour="red")
    with pytest.raises(ValueError, match="needs TLV mode"):
        catalog.build(catalog.SET_OPERATING_MODE, 1, 1)


def test_v2_order_is_a_rule_of_the_catalogue():
    request = catalog.build(
        catalog.FOXCONN_SET_FCC_AUTHENTICATION_V2, 1, 1, magic_string="s", magic_number=48
    )
    assert catalog.in_order(catalog.FOXCONN_SET_FCC_AUTHENTICATION_V2, request)
    swapped = QmiMessage(
        request.service, 1, 1, request.message_id, Kind.REQUEST, tuple(reversed(request.tlvs))
    )
    assert not catalog.in_order(catalog.FOXCONN_SET_FCC_AUTHENTICATION_V2, swapped)
    assert catalog.FOXCONN_SET_FCC_AUTHENTICATION_V2.strict_order


def test_describe_names_tlvs_and_values():
    response = catalog.respond(
        catalog.GET_OPERATING_MODE,
        catalog.build(catalog.GET_OPERATING_MODE, 3, 4),
        mode=1,
        hardware_restricted=0,
    )
    assert catalog.describe_tlvs(response) == ["result=success", "mode=1", "hardware_restricted=0"]
    ids = response_to(catalog.build(catalog.GET_IDS, 3, 5), ((0x11, b"35"), (0x99, b"\x01")))
    assert catalog.describe_tlvs(ids) == ["result=success", "imei='35'", "0x99=01"]
    failed = catalog.respond(catalog.GET_IDS, catalog.build(catalog.GET_IDS, 3, 6), 71)
    assert catalog.describe_tlvs(failed) == ["result=failure InvalidQmiCommand (71)"]


def test_ctl_helpers_read_the_layout_they_name_whatever_the_flags_say():
    # Found by the property tests: a frame flagged as a response, carrying a request's
    # TLV 0x01, asked for its requested service, raised KeyError instead of answering
    # or raising DecodeError.
    frame = QmiMessage(Service.CTL, 0, 0, catalog.ALLOCATE_CID.message_id, Kind.RESPONSE, ((1, b"\x02"),))
    assert catalog.requested_service(frame) == Service.DMS
    short = QmiMessage(Service.CTL, 0, 0, catalog.ALLOCATE_CID.message_id, Kind.RESPONSE, ((1, b"\x00\x00"),))
    with pytest.raises(DecodeError):
        catalog.requested_service(short)
