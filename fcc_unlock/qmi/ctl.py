"""QMI CTL (service 0): allocate and release client ids (docs/protocol.md §3.4).

The messages are declared in catalog.py; these helpers add what a caller must check
beyond the layout (the id granted is for the service asked). CTL Sync is never built
here: it frees every client id on the modem, ModemManager's included.
"""

from __future__ import annotations

from fcc_unlock.qmi import catalog
from fcc_unlock.qmi.constants import Kind
from fcc_unlock.qmi.messages import DecodeError, QmiMessage, check_result


def allocate_cid(transaction_id: int, service: int) -> QmiMessage:
    return catalog.build(catalog.ALLOCATE_CID, 0, transaction_id, service=service)


def release_cid(transaction_id: int, service: int, client_id: int) -> QmiMessage:
    return catalog.build(catalog.RELEASE_CID, 0, transaction_id, release_info=(service, client_id))


def allocated_client_id(response: QmiMessage, service: int) -> int:
    """The client id granted by an Allocate CID response for ``service``."""
    check_result(response)
    try:
        granted_service, client_id = catalog.parse(catalog.ALLOCATE_CID, response)["allocation_info"]
    except DecodeError as error:
        raise DecodeError(f"Allocate CID response without a client id: {error}") from None
    if granted_service != service:
        raise DecodeError(f"Allocate CID answered for service 0x{granted_service:02x}, asked 0x{service:02x}")
    return int(client_id)


def requested_service(request: QmiMessage) -> int:
    """The service of an Allocate CID request (the modem's side)."""
    return int(catalog.parse(catalog.ALLOCATE_CID, request)["service"])


def released_client(message: QmiMessage) -> tuple[int, int]:
    """(service, client id) of a Release CID request or response."""
    service, client_id = catalog.parse(catalog.RELEASE_CID, message)["release_info"]
    return service, client_id


def client_tlv(service: int, client_id: int) -> tuple[int, bytes]:
    """TLV 0x01 {service, client id}, as Allocate and Release CID responses carry it."""
    field = catalog.ALLOCATE_CID.fields(Kind.RESPONSE)[1]
    return (field.type, field.encode((service, client_id)))
