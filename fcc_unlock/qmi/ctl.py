"""QMI CTL (service 0): allocate and release client ids (docs/protocol.md §3.4).

CTL Sync (0x0027) is deliberately absent: it frees every client id on the modem,
ModemManager's included.
"""

from __future__ import annotations

from fcc_unlock.qmi import _structs as wire
from fcc_unlock.qmi.constants import CtlMessage, Kind, Service
from fcc_unlock.qmi.messages import DecodeError, QmiMessage, check_result

CLIENT_TLV = 0x01


def allocate_cid(transaction_id: int, service: int) -> QmiMessage:
    return QmiMessage(
        Service.CTL,
        0,
        transaction_id,
        CtlMessage.ALLOCATE_CID,
        Kind.REQUEST,
        ((CLIENT_TLV, wire.U8.pack(service)),),
    )


def release_cid(transaction_id: int, service: int, client_id: int) -> QmiMessage:
    return QmiMessage(
        Service.CTL,
        0,
        transaction_id,
        CtlMessage.RELEASE_CID,
        Kind.REQUEST,
        ((CLIENT_TLV, wire.CLIENT_ID.pack(service, client_id)),),
    )


def allocated_client_id(response: QmiMessage, service: int) -> int:
    """The client id granted by an Allocate CID response for ``service``."""
    check_result(response)
    value = response.tlv(CLIENT_TLV)
    if value is None or len(value) != wire.CLIENT_ID.size:
        raise DecodeError("Allocate CID response without a client id TLV")
    granted_service, client_id = wire.CLIENT_ID.unpack(value)
    if granted_service != service:
        raise DecodeError(f"Allocate CID answered for service 0x{granted_service:02x}, asked 0x{service:02x}")
    return client_id


def requested_service(request: QmiMessage) -> int:
    """The service of an Allocate CID request (the modem's side)."""
    value = request.tlv(CLIENT_TLV)
    if value is None or len(value) != wire.U8.size:
        raise DecodeError("Allocate CID request without a service TLV")
    return wire.U8.unpack(value)[0]


def released_client(request: QmiMessage) -> tuple[int, int]:
    """(service, client id) of a Release CID request or response."""
    value = request.tlv(CLIENT_TLV)
    if value is None or len(value) != wire.CLIENT_ID.size:
        raise DecodeError("Release CID without a client TLV")
    return wire.CLIENT_ID.unpack(value)


def client_tlv(service: int, client_id: int) -> tuple[int, bytes]:
    """TLV 0x01 {service, client id}, as Allocate and Release CID responses carry it."""
    return (CLIENT_TLV, wire.CLIENT_ID.pack(service, client_id))
