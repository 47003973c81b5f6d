"""QMI DMS (service 2) messages used to check and perform FCC unlocks (docs/protocol.md §4).

Requests are built for a client id and transaction id the caller allocated. The same
message ids exist on the Foxconn service (0xE3), so builders take the service.
"""

from __future__ import annotations

from fcc_unlock.qmi import _structs as wire
from fcc_unlock.qmi.constants import DmsMessage, Kind, Service
from fcc_unlock.qmi.messages import DecodeError, QmiMessage, string_value

IMEI_TLV = 0x11
MODE_TLV = 0x01
HARDWARE_RESTRICTED_TLV = 0x11  # Get Operating Mode response: u8 bool
VERSION_TLV = 0x01
MAGIC_STRING_TLV = 0x01
MAGIC_NUMBER_TLV = 0x02


def set_fcc_authentication(client_id: int, transaction_id: int) -> QmiMessage:
    """Sierra 0x555F: no TLVs; the modem answers with a result TLV only."""
    return QmiMessage(Service.DMS, client_id, transaction_id, DmsMessage.SET_FCC_AUTHENTICATION, Kind.REQUEST)


def foxconn_set_fcc_authentication_v1(
    client_id: int, transaction_id: int, magic: int = 0, service: int = Service.DMS
) -> QmiMessage:
    return QmiMessage(
        service,
        client_id,
        transaction_id,
        DmsMessage.FOXCONN_SET_FCC_AUTHENTICATION,
        Kind.REQUEST,
        ((MAGIC_STRING_TLV, wire.U8.pack(magic)),),
    )


def foxconn_set_fcc_authentication_v2(
    client_id: int,
    transaction_id: int,
    magic_string: str,
    magic_number: int = 48,
    service: int = Service.DMS,
) -> QmiMessage:
    # TLV 0x01 must precede 0x02: firmware rejects the other order (libqmi d63110fa).
    return QmiMessage(
        service,
        client_id,
        transaction_id,
        DmsMessage.FOXCONN_SET_FCC_AUTHENTICATION,
        Kind.REQUEST,
        (
            (MAGIC_STRING_TLV, magic_string.encode("ascii")),
            (MAGIC_NUMBER_TLV, wire.U8.pack(magic_number)),
        ),
    )


def foxconn_get_firmware_version(
    client_id: int, transaction_id: int, version_type: int, service: int = Service.DMS
) -> QmiMessage:
    return QmiMessage(
        service,
        client_id,
        transaction_id,
        DmsMessage.FOXCONN_GET_FIRMWARE_VERSION,
        Kind.REQUEST,
        ((VERSION_TLV, wire.U8.pack(version_type)),),
    )


def firmware_version(response: QmiMessage) -> str:
    value = response.tlv(VERSION_TLV)
    if value is None:
        raise DecodeError("Get Firmware Version response without a version TLV")
    return string_value(value)


def get_ids(client_id: int, transaction_id: int) -> QmiMessage:
    return QmiMessage(Service.DMS, client_id, transaction_id, DmsMessage.GET_IDS, Kind.REQUEST)


def imei(response: QmiMessage) -> str:
    value = response.tlv(IMEI_TLV)
    if value is None:
        raise DecodeError("Get IDs response without an IMEI TLV")
    return string_value(value)


def get_operating_mode(client_id: int, transaction_id: int) -> QmiMessage:
    return QmiMessage(Service.DMS, client_id, transaction_id, DmsMessage.GET_OPERATING_MODE, Kind.REQUEST)


def set_operating_mode(client_id: int, transaction_id: int, mode: int) -> QmiMessage:
    return QmiMessage(
        Service.DMS,
        client_id,
        transaction_id,
        DmsMessage.SET_OPERATING_MODE,
        Kind.REQUEST,
        ((MODE_TLV, wire.U8.pack(mode)),),
    )


def u8_value(message: QmiMessage, tlv_type: int) -> int:
    """A one-byte TLV (operating mode, version type, v1 magic, v2 magic number)."""
    value = message.tlv(tlv_type)
    if value is None or len(value) != wire.U8.size:
        raise DecodeError(f"{message.name} without a valid TLV 0x{tlv_type:02x}")
    return wire.U8.unpack(value)[0]


def operating_mode(response: QmiMessage) -> int:
    return u8_value(response, MODE_TLV)


def hardware_restricted(response: QmiMessage) -> bool | None:
    """Get Operating Mode TLV 0x11: is the mode forced by hardware (None: not reported)?"""
    if response.tlv(HARDWARE_RESTRICTED_TLV) is None:
        return None
    return bool(u8_value(response, HARDWARE_RESTRICTED_TLV))
