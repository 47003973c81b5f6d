"""QMUX frames as typed messages (docs/protocol.md §3.3).

A ``QmiMessage`` is the service, client id, transaction id, message id, kind and an
ordered tuple of TLVs ``(type, value)``; order is kept because some firmware cares
(Foxconn v2, docs/protocol.md §4.3). ``decode()`` checks every length libqmi checks.
"""

from __future__ import annotations

from fcc_unlock.qmi import _structs as wire
from fcc_unlock.qmi.constants import (
    CTL_FLAGS,
    QMUX_FLAG_FROM_SERVICE,
    QMUX_MARKER,
    RESULT_TLV,
    SERVICE_FLAGS,
    Kind,
    Service,
    message_name,
    service_name,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    Tlvs = tuple[tuple[int, bytes], ...]

MAX_QMUX_LENGTH = 0xFFFF


class DecodeError(ValueError):
    """Bytes that are not a valid QMUX frame."""


class QmiMessage:
    __slots__ = ("service", "client_id", "transaction_id", "message_id", "kind", "tlvs")

    def __init__(
        self,
        service: int,
        client_id: int,
        transaction_id: int,
        message_id: int,
        kind: Kind = Kind.REQUEST,
        tlvs: Tlvs = (),
    ) -> None:
        self.service = service
        self.client_id = client_id
        self.transaction_id = transaction_id
        self.message_id = message_id
        self.kind = kind
        self.tlvs = tlvs

    def tlv(self, tlv_type: int) -> bytes | None:
        """The value of the first TLV of this type, or None."""
        for found_type, value in self.tlvs:
            if found_type == tlv_type:
                return value
        return None

    def result(self) -> tuple[int, int]:
        """(status, error) of the result TLV every response carries."""
        value = self.tlv(RESULT_TLV)
        if value is None or len(value) < wire.RESULT.size:
            raise DecodeError(f"{self.name} response without a valid result TLV")
        return wire.RESULT.unpack_from(value)

    @property
    def name(self) -> str:
        return f"{service_name(self.service)} {message_name(self.service, self.message_id)}"

    def encode(self) -> bytes:
        body = b"".join(wire.TLV_HEADER.pack(t, len(v)) + v for t, v in self.tlvs)
        if self.service == Service.CTL:
            header = wire.CTL_HEADER.pack(
                CTL_FLAGS[self.kind], self.transaction_id, self.message_id, len(body)
            )
        else:
            header = wire.SERVICE_HEADER.pack(
                SERVICE_FLAGS[self.kind], self.transaction_id, self.message_id, len(body)
            )
        length = wire.QMUX_HEADER.size - 1 + len(header) + len(body)
        if length > MAX_QMUX_LENGTH:
            raise ValueError(f"QMUX frame of {length} bytes is too long")
        qmux_flags = 0 if self.kind is Kind.REQUEST else QMUX_FLAG_FROM_SERVICE
        return (
            wire.QMUX_HEADER.pack(QMUX_MARKER, length, qmux_flags, self.service, self.client_id)
            + header
            + body
        )

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and all(
            getattr(self, name) == getattr(other, name) for name in self.__slots__
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"QmiMessage({self.name}, {self.kind.name.lower()}, client={self.client_id},"
            f" tid={self.transaction_id}, tlvs={list(self.tlvs)!r})"
        )


def decode(data: bytes) -> QmiMessage:
    """Decode one QMUX frame (marker byte included), checking every length."""
    qmux = wire.QMUX_HEADER
    if len(data) < qmux.size:
        raise DecodeError(f"{len(data)} bytes is shorter than a QMUX header")
    marker, length, _qmux_flags, service, client_id = qmux.unpack_from(data)
    if marker != QMUX_MARKER:
        raise DecodeError(f"QMUX marker 0x{marker:02x}, expected 0x01")
    if length != len(data) - 1:
        raise DecodeError(f"QMUX length {length} but the frame has {len(data) - 1} bytes after the marker")

    header = wire.CTL_HEADER if service == Service.CTL else wire.SERVICE_HEADER
    start = qmux.size + header.size
    if len(data) < start:
        raise DecodeError(f"{len(data)} bytes is shorter than a QMI header")
    flags, tid, message_id, tlv_length = header.unpack_from(data, qmux.size)
    if start + tlv_length != len(data):
        raise DecodeError(f"TLV length {tlv_length} but {len(data) - start} bytes follow the header")
    kind = _kind(flags, CTL_FLAGS if service == Service.CTL else SERVICE_FLAGS)
    return QmiMessage(service, client_id, tid, message_id, kind, _decode_tlvs(data, start))


def _kind(flags: int, table: dict[Kind, int]) -> Kind:
    # A response or indication bit wins; the compound bit (0x01 on services) is ignored.
    for kind in (Kind.INDICATION, Kind.RESPONSE):
        if flags & table[kind]:
            return kind
    return Kind.REQUEST


def _decode_tlvs(data: bytes, offset: int) -> Tlvs:
    tlvs = []
    end = len(data)
    header = wire.TLV_HEADER
    while offset < end:
        if offset + header.size > end:
            raise DecodeError("truncated TLV header")
        tlv_type, length = header.unpack_from(data, offset)
        offset += header.size
        if offset + length > end:
            raise DecodeError(f"TLV 0x{tlv_type:02x} of {length} bytes overruns the frame")
        tlvs.append((tlv_type, bytes(data[offset : offset + length])))
        offset += length
    return tuple(tlvs)


class ResultError(Exception):
    """A response whose result TLV says FAILURE; ``error`` is the QMI error code."""

    def __init__(self, message: QmiMessage, error: int) -> None:
        from fcc_unlock.qmi.errors import describe

        super().__init__(f"{message.name} failed: {describe(error)}")
        self.message = message
        self.error = error


def check_result(response: QmiMessage) -> QmiMessage:
    """Return ``response`` if its result TLV says SUCCESS, else raise ResultError."""
    status, error = response.result()
    if status != 0 or error != 0:
        raise ResultError(response, error)
    return response


def response_to(request: QmiMessage, tlvs: Tlvs = (), error: int = 0) -> QmiMessage:
    """A response to ``request`` with a result TLV first (the modem's side)."""
    result = (RESULT_TLV, wire.RESULT.pack(1 if error else 0, error))
    return QmiMessage(
        request.service,
        request.client_id,
        request.transaction_id,
        request.message_id,
        Kind.RESPONSE,
        (result, *tlvs),
    )


def string_value(value: bytes) -> str:
    """A whole-TLV string: no length prefix, no terminator (strip NULs defensively)."""
    return value.rstrip(b"\0").decode("utf-8", errors="replace")
