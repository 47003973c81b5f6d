"""MBIM byte vectors of docs/protocol.md (dumped from libmbim 1.28.2).

Each vector is encoded with our code and compared byte for byte, then decoded and
compared field by field.
"""

from __future__ import annotations

import pytest

from fcc_unlock.mbim import _structs as wire
from fcc_unlock.mbim import basic_connect
from fcc_unlock.mbim import constants as mbim
from fcc_unlock.mbim.constants import BasicConnectCid, CommandType, MessageType, ProtocolErrorCode
from fcc_unlock.mbim.messages import Close, Command, FunctionError, HostError, Open, decode
from fcc_unlock.qmi import catalog
from fcc_unlock.qmi import messages as qmi
from fcc_unlock.qmi.constants import Service


def hexbytes(text: str) -> bytes:
    return bytes.fromhex(" ".join(text.split()))


# docs/protocol.md §1.4
OPEN = hexbytes("01 00 00 00 10 00 00 00 01 00 00 00 00 10 00 00")
# docs/protocol.md §1.5
CLOSE = hexbytes("02 00 00 00 0c 00 00 00 07 00 00 00")
# docs/protocol.md §1.6: DEVICE_CAPS query, TID 2
DEVICE_CAPS_QUERY = hexbytes(
    """03 00 00 00 30 00 00 00 02 00 00 00 01 00 00 00 00 00 00 00
    a2 89 cc 33 bc bb 8b 4f b6 b0 13 3e c2 aa e6 df
    01 00 00 00 00 00 00 00 00 00 00 00"""
)
# docs/protocol.md §1.8
FUNCTION_ERROR_NOT_OPENED = hexbytes("04 00 00 80 10 00 00 00 09 00 00 00 05 00 00 00")
HOST_ERROR_TIMEOUT_FRAGMENT = hexbytes("04 00 00 00 10 00 00 00 09 00 00 00 01 00 00 00")
# docs/protocol.md §2.2: RADIO_STATE set ON, TID 4
RADIO_STATE_SET_ON = hexbytes(
    """03 00 00 00 34 00 00 00 04 00 00 00 01 00 00 00 00 00 00 00
    a2 89 cc 33 bc bb 8b 4f b6 b0 13 3e c2 aa e6 df
    03 00 00 00 01 00 00 00 04 00 00 00 01 00 00 00"""
)
# docs/protocol.md §2.4: DEVICE_SERVICE_SUBSCRIBE_LIST set {QMI: CID 1}, TID 12
SUBSCRIBE_QMI = hexbytes(
    """03 00 00 00 54 00 00 00 0c 00 00 00 01 00 00 00 00 00 00 00
    a2 89 cc 33 bc bb 8b 4f b6 b0 13 3e c2 aa e6 df 13 00 00 00 01 00 00 00 24 00 00 00
    01 00 00 00 0c 00 00 00 18 00 00 00
    d1 a3 0b c2 f9 7a 6e 43 bf 65 c7 e2 4f b0 f0 d3 01 00 00 00 01 00 00 00"""
)
# docs/protocol.md §3.1: CTL Allocate CID (DMS) inside MBIM, TID 10
QMI_ALLOCATE_DMS = hexbytes(
    """03 00 00 00 40 00 00 00 0a 00 00 00 01 00 00 00 00 00 00 00
    d1 a3 0b c2 f9 7a 6e 43 bf 65 c7 e2 4f b0 f0 d3
    01 00 00 00 01 00 00 00 10 00 00 00
    01 0f 00 00 00 00 00 01 22 00 04 00 01 01 00 02"""
)
# docs/protocol.md §3.1: DMS Set FCC Authentication inside MBIM, TID 11: 61 bytes, no padding
QMI_SET_FCC_AUTH = hexbytes(
    """03 00 00 00 3d 00 00 00 0b 00 00 00 01 00 00 00 00 00 00 00
    d1 a3 0b c2 f9 7a 6e 43 bf 65 c7 e2 4f b0 f0 d3
    01 00 00 00 01 00 00 00 0d 00 00 00
    01 0c 00 00 02 05 00 02 00 5f 55 00 00"""
)
# docs/protocol.md §5.1: Quectel RADIO_STATE set ON, TID 6
QUECTEL_RADIO_STATE_ON = hexbytes(
    """03 00 00 00 34 00 00 00 06 00 00 00 01 00 00 00 00 00 00 00
    11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff 11
    01 00 00 00 01 00 00 00 04 00 00 00 01 00 00 00"""
)


def test_open():
    assert Open(1, 4096).encode() == OPEN
    assert decode(OPEN) == Open(1, 4096)
    message = decode(OPEN)
    assert (message.message_type, message.transaction_id, message.max_control_transfer) == (
        MessageType.OPEN,
        1,
        4096,
    )


def test_close():
    assert Close(7).encode() == CLOSE
    message = decode(CLOSE)
    assert type(message) is Close
    assert message.transaction_id == 7


def test_device_caps_query():
    command = Command(2, mbim.BASIC_CONNECT, BasicConnectCid.DEVICE_CAPS, CommandType.QUERY)
    assert command.encode() == DEVICE_CAPS_QUERY
    message = decode(DEVICE_CAPS_QUERY)
    assert type(message) is Command
    assert message.transaction_id == 2
    assert message.service_id == mbim.BASIC_CONNECT
    assert message.cid == BasicConnectCid.DEVICE_CAPS
    assert message.command_type == CommandType.QUERY
    assert message.information_buffer == b""


def test_radio_state_set_on():
    command = Command(
        4,
        mbim.BASIC_CONNECT,
        BasicConnectCid.RADIO_STATE,
        CommandType.SET,
        basic_connect.radio_state_set(True),
    )
    assert command.encode() == RADIO_STATE_SET_ON
    message = decode(RADIO_STATE_SET_ON)
    assert (message.transaction_id, message.service_id, message.cid, message.command_type) == (
        4,
        mbim.BASIC_CONNECT,
        BasicConnectCid.RADIO_STATE,
        CommandType.SET,
    )
    assert basic_connect.parse_radio_state_set(message.information_buffer) == 1
    assert basic_connect.radio_state_set(False) == bytes(4)


def test_function_error_not_opened():
    assert FunctionError(9, ProtocolErrorCode.NOT_OPENED).encode() == FUNCTION_ERROR_NOT_OPENED
    message = decode(FUNCTION_ERROR_NOT_OPENED)
    assert type(message) is FunctionError
    assert (message.transaction_id, message.error_code) == (9, ProtocolErrorCode.NOT_OPENED)


def test_host_error_timeout_fragment():
    assert HostError(9, ProtocolErrorCode.TIMEOUT_FRAGMENT).encode() == HOST_ERROR_TIMEOUT_FRAGMENT
    message = decode(HOST_ERROR_TIMEOUT_FRAGMENT)
    assert type(message) is HostError
    assert (message.transaction_id, message.error_code) == (9, ProtocolErrorCode.TIMEOUT_FRAGMENT)


def test_device_service_subscribe_list_set():
    buffer = basic_connect.subscribe_list([(mbim.QMI, (mbim.QMI_MSG_CID,))])
    command = Command(
        12, mbim.BASIC_CONNECT, BasicConnectCid.DEVICE_SERVICE_SUBSCRIBE_LIST, CommandType.SET, buffer
    )
    assert command.encode() == SUBSCRIBE_QMI
    message = decode(SUBSCRIBE_QMI)
    assert (message.transaction_id, message.cid, message.command_type) == (12, 19, CommandType.SET)
    assert basic_connect.parse_subscribe_list(message.information_buffer) == [(mbim.QMI, (1,))]


def test_qmi_over_mbim_allocate_cid():
    qmux = catalog.allocate_cid(1, Service.DMS).encode()
    command = Command(10, mbim.QMI, mbim.QMI_MSG_CID, CommandType.SET, qmux)
    assert command.encode() == QMI_ALLOCATE_DMS
    message = decode(QMI_ALLOCATE_DMS)
    assert (message.transaction_id, message.service_id, message.cid, message.command_type) == (
        10,
        mbim.QMI,
        1,
        CommandType.SET,
    )
    request = qmi.decode(message.information_buffer)
    assert (request.service, request.client_id, request.transaction_id, request.message_id) == (
        Service.CTL,
        0,
        1,
        catalog.ALLOCATE_CID.message_id,
    )
    assert catalog.requested_service(request) == Service.DMS


def test_qmi_over_mbim_set_fcc_authentication_is_not_padded():
    qmux = catalog.build(catalog.SET_FCC_AUTHENTICATION, 5, 2).encode()
    command = Command(11, mbim.QMI, mbim.QMI_MSG_CID, CommandType.SET, qmux)
    assert command.encode() == QMI_SET_FCC_AUTH
    assert len(QMI_SET_FCC_AUTH) == 61
    message = decode(QMI_SET_FCC_AUTH)
    assert message.information_buffer == qmux
    request = qmi.decode(message.information_buffer)
    assert (request.service, request.client_id, request.transaction_id, request.message_id, request.tlvs) == (
        Service.DMS,
        5,
        2,
        catalog.SET_FCC_AUTHENTICATION.message_id,
        (),
    )


def test_quectel_radio_state_set_on():
    payload = wire.QUECTEL_RADIO_STATE.pack(mbim.QuectelRadioState.ON)
    command = Command(6, mbim.QUECTEL, mbim.QUECTEL_RADIO_STATE_CID, CommandType.SET, payload)
    assert command.encode() == QUECTEL_RADIO_STATE_ON
    message = decode(QUECTEL_RADIO_STATE_ON)
    assert (message.transaction_id, message.service_id, message.cid, message.command_type) == (
        6,
        mbim.QUECTEL,
        1,
        CommandType.SET,
    )
    assert wire.QUECTEL_RADIO_STATE.unpack(message.information_buffer) == (1,)


# docs/protocol.md §2.3: the synthetic DEVICE_SERVICES response libmbim decoded: count 2,
# (24, 40) -> Basic Connect with CIDs 1, 2, 3; (64, 32) -> QMI with CID 1.
DEVICE_SERVICES_RESPONSE = (
    hexbytes("02 00 00 00 00 00 00 00")  # count 2, MaxDssSessions 0
    + hexbytes("18 00 00 00 28 00 00 00 40 00 00 00 20 00 00 00")  # (24, 40), (64, 32)
    + mbim.BASIC_CONNECT
    + hexbytes("00 00 00 00 00 00 00 00 03 00 00 00 01 00 00 00 02 00 00 00 03 00 00 00")
    + mbim.QMI
    + hexbytes("00 00 00 00 00 00 00 00 01 00 00 00 01 00 00 00")
)


def test_device_services_response():
    services = [
        basic_connect.DeviceService(mbim.BASIC_CONNECT, (1, 2, 3)),
        basic_connect.DeviceService(mbim.QMI, (1,)),
    ]
    assert basic_connect.device_services(services) == DEVICE_SERVICES_RESPONSE
    parsed = basic_connect.parse_device_services(DEVICE_SERVICES_RESPONSE)
    assert [(s.service_id, s.cids, s.dss_payload, s.max_dss_instances) for s in parsed] == [
        (mbim.BASIC_CONNECT, (1, 2, 3), 0, 0),
        (mbim.QMI, (1,), 0, 0),
    ]


def test_device_services_elements_are_found_through_their_offsets():
    """Elements in another order than their OL pairs still parse (offsets rule)."""
    swapped = bytearray(DEVICE_SERVICES_RESPONSE)
    qmi_element = DEVICE_SERVICES_RESPONSE[64:96]
    bc_element = DEVICE_SERVICES_RESPONSE[24:64]
    swapped[24:] = qmi_element + bc_element
    swapped[8:24] = hexbytes("38 00 00 00 28 00 00 00 18 00 00 00 20 00 00 00")
    parsed = basic_connect.parse_device_services(bytes(swapped))
    assert [(s.service_id, s.cids) for s in parsed] == [(mbim.BASIC_CONNECT, (1, 2, 3)), (mbim.QMI, (1,))]


def test_device_caps_response_strings():
    """DEVICE_CAPS strings: UTF-16LE, offsets from the buffer start, padded to 4
    (docs/protocol.md §1.1, §2.1)."""
    caps = basic_connect.DeviceCaps(
        device_type=1, cellular_class=1, max_sessions=8, device_id="123456789012345", firmware_info="FW1"
    )
    buffer = basic_connect.device_caps(caps)
    # Fixed part is 64 bytes; empty strings are (0, 0); IMEI (30 bytes) at 64, padded to 32.
    assert buffer[32:40] == bytes(8)
    assert buffer[40:48] == (64).to_bytes(4, "little") + (30).to_bytes(4, "little")
    assert buffer[48:56] == (96).to_bytes(4, "little") + (6).to_bytes(4, "little")
    assert buffer[64:94] == "123456789012345".encode("utf-16-le")
    assert buffer[94:96] == b"\0\0"
    assert buffer[96:102] == "FW1".encode("utf-16-le")
    assert len(buffer) == 104
    parsed = basic_connect.parse_device_caps(buffer)
    assert (parsed.device_type, parsed.max_sessions, parsed.device_id, parsed.firmware_info) == (
        1,
        8,
        "123456789012345",
        "FW1",
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (OPEN[:11], "shorter than an MBIM header"),
        (OPEN[:12] + b"\0", "MessageLength 16 but 13 bytes"),
        (b"\x09\0\0\0\x10\0\0\0\x01\0\0\0\0\0\0\0", "unknown message type 0x00000009"),
        (hexbytes("01 00 00 00 0c 00 00 00 01 00 00 00"), "OPEN of 12 bytes is too short"),
        (DEVICE_CAPS_QUERY[:12] + hexbytes("02 00 00 00") + DEVICE_CAPS_QUERY[16:], "fragment 0 of 2"),
        (
            bytes.fromhex("030000002c000000") + DEVICE_CAPS_QUERY[8:44],
            "COMMAND of 44 bytes is too short",
        ),
        (
            DEVICE_CAPS_QUERY[:44] + b"\x01\0\0\0",
            "InformationBufferLength 1 overruns MessageLength 48",
        ),
    ],
    ids=["short", "length", "type", "open-short", "fragment", "command-short", "overrun"],
)
def test_decode_errors_say_why(data, reason):
    from fcc_unlock.mbim.messages import DecodeError

    with pytest.raises(DecodeError, match=reason):
        decode(data)
