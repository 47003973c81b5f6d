"""Every QMI message fcc-unlock or its simulated modem uses, declared once, as data.

libqmi describes each message once (``data/qmi-service-*.json``) and generates its
code from that; this table is our equivalent, read at run time. Each entry gives the
message's service(s), id, display name, the simulator's name for it (its *kind*:
what fault knobs and transcripts call it), and its request and response TLVs in
wire order, each with a name and a value type. Builders (``build``), parsers
(``parse``), message names and the ``-v`` trace (``describe``) all read it.

Adding a message means adding one ``Message(...)`` here (and, for the simulator, a
handler keyed by its kind). Facts and sources: docs/protocol.md §3-§4, §4.10.
"""

from __future__ import annotations

from fcc_unlock.qmi import _structs as wire
from fcc_unlock.qmi.constants import MESSAGE_NAMES, RESULT_TLV, Kind, Service, service_name
from fcc_unlock.qmi.messages import DecodeError, QmiMessage, check_result, string_value

TYPE_CHECKING = False
if TYPE_CHECKING:
    from struct import Struct
    from typing import Any, Callable

    Values = dict[str, Any]  # TLV values by name, as build() takes and parse() gives them

# --- value types: how a TLV's bytes read and write --------------------------------------

U8, U16, STRING, CLIENT, RESULT, SERVICE_VERSIONS, BYTES = (
    "u8",
    "u16",
    "string",
    "client",
    "result",
    "service-versions",
    "bytes",
)


def _fixed(layout: Struct) -> tuple[Callable[[Any], bytes], Callable[[bytes], Any]]:
    size = layout.size

    def encode(value: Any) -> bytes:
        values = value if isinstance(value, tuple) else (value,)
        return layout.pack(*values)

    def decode(raw: bytes) -> Any:
        if len(raw) != size:
            raise DecodeError(f"{len(raw)} bytes where {size} were expected")
        values = layout.unpack(raw)
        return values[0] if len(values) == 1 else values

    return encode, decode


def _service_versions(raw: bytes) -> list[tuple[int, int, int]]:
    """CTL Get Version Info TLV 0x01: a count, then {service u8, major u16, minor u16}."""
    if not raw or len(raw) != 1 + raw[0] * 5:
        raise DecodeError("malformed service version list")
    return [
        (raw[i], int.from_bytes(raw[i + 1 : i + 3], "little"), int.from_bytes(raw[i + 3 : i + 5], "little"))
        for i in range(1, len(raw), 5)
    ]


def _encode_service_versions(value: Any) -> bytes:
    entries = list(value)
    return bytes([len(entries)]) + b"".join(
        bytes([service]) + major.to_bytes(2, "little") + minor.to_bytes(2, "little")
        for service, major, minor in entries
    )


def _encode_string(value: Any) -> bytes:
    return value.encode("ascii") if isinstance(value, str) else bytes(value)


CODECS: dict[str, tuple[Callable[[Any], bytes], Callable[[bytes], Any]]] = {
    U8: _fixed(wire.U8),
    U16: _fixed(wire.U16),
    CLIENT: _fixed(wire.CLIENT_ID),  # (service, client id)
    RESULT: _fixed(wire.RESULT),  # (status, error)
    STRING: (_encode_string, string_value),  # the whole TLV, no length prefix
    SERVICE_VERSIONS: (_encode_service_versions, _service_versions),
    BYTES: (bytes, bytes),
}


class Tlv:
    """One TLV of a message: its type byte, a name, a value type, whether it must be there."""

    __slots__ = ("type", "name", "value_type", "mandatory")

    def __init__(self, tlv_type: int, name: str, value_type: str, mandatory: bool = False) -> None:
        if value_type not in CODECS:
            raise ValueError(f"unknown TLV value type {value_type!r}")
        self.type = tlv_type
        self.name = name
        self.value_type = value_type
        self.mandatory = mandatory

    def encode(self, value: Any) -> bytes:
        return CODECS[self.value_type][0](value)

    def decode(self, raw: bytes) -> Any:
        try:
            return CODECS[self.value_type][1](raw)
        except DecodeError as error:
            raise DecodeError(f"TLV 0x{self.type:02x} ({self.name}): {error}") from None

    def __repr__(self) -> str:
        return f"Tlv(0x{self.type:02x} {self.name}: {self.value_type})"


RESULT_FIELD = Tlv(RESULT_TLV, "result", RESULT, mandatory=True)  # in every response


class Message:
    """One QMI message: where it lives, what it is called, and its TLVs in wire order.

    ``services``: the services that carry it (Foxconn's messages exist on DMS and on
    its own service 0xE3 with one layout). ``kind``: the simulator's name for it.
    """

    __slots__ = ("services", "message_id", "name", "kind", "request", "response", "strict_order")

    def __init__(
        self,
        services: tuple[int, ...],
        message_id: int,
        name: str,
        kind: str,
        request: tuple[Tlv, ...] = (),
        response: tuple[Tlv, ...] = (),
        strict_order: bool = False,
    ) -> None:
        self.services, self.message_id, self.name, self.kind = services, message_id, name, kind
        self.request, self.response = request, (RESULT_FIELD, *response)
        self.strict_order = strict_order  # the modem refuses the request's TLVs in another order

    @property
    def service(self) -> int:
        """The service the message is sent on unless the caller names another."""
        return self.services[0]

    def fields(self, kind: Kind) -> tuple[Tlv, ...]:
        return self.request if kind is Kind.REQUEST else self.response

    def __repr__(self) -> str:
        return f"Message({self.name}, 0x{self.message_id:04x})"


# --- the catalogue --------------------------------------------------------------------

CTL_SERVICE, DMS_SERVICE, FOXCONN_SERVICES = (Service.CTL,), (Service.DMS,), (Service.DMS, Service.FOX)

GET_VERSION_INFO = Message(
    CTL_SERVICE,
    0x0021,
    "Get Version Info",
    "qmi-version-info",
    response=(Tlv(0x01, "services", SERVICE_VERSIONS, mandatory=True),),
)
ALLOCATE_CID = Message(
    CTL_SERVICE,
    0x0022,
    "Allocate CID",
    "qmi-allocate",
    request=(Tlv(0x01, "service", U8, mandatory=True),),
    response=(Tlv(0x01, "allocation_info", CLIENT, mandatory=True),),
)
RELEASE_CID = Message(
    CTL_SERVICE,
    0x0023,
    "Release CID",
    "qmi-release",
    request=(Tlv(0x01, "release_info", CLIENT, mandatory=True),),
    response=(Tlv(0x01, "release_info", CLIENT, mandatory=True),),
)
# Declared so the simulator and the trace can name it; never sent by us: it releases
# every client id on the modem, ModemManager's included (docs/protocol.md §3.4).
SYNC = Message(CTL_SERVICE, 0x0027, "Sync", "qmi-sync")

GET_IDS = Message(
    DMS_SERVICE,
    0x0025,
    "Get IDs",
    "get-ids",
    response=(
        Tlv(0x10, "esn", STRING),
        Tlv(0x11, "imei", STRING),
        Tlv(0x12, "meid", STRING),
    ),
)
GET_OPERATING_MODE = Message(
    DMS_SERVICE,
    0x002D,
    "Get Operating Mode",
    "get-operating-mode",
    response=(
        Tlv(0x01, "mode", U8, mandatory=True),
        Tlv(0x10, "offline_reason", U16),
        Tlv(0x11, "hardware_restricted", U8),
    ),
)
SET_OPERATING_MODE = Message(
    DMS_SERVICE,
    0x002E,
    "Set Operating Mode",
    "set-operating-mode",
    request=(Tlv(0x01, "mode", U8, mandatory=True),),
)
FOXCONN_GET_FIRMWARE_VERSION = Message(
    FOXCONN_SERVICES,
    0x555E,
    "Foxconn Get Firmware Version",
    "foxconn-version",
    request=(Tlv(0x01, "version_type", U8, mandatory=True),),
    response=(Tlv(0x01, "version", STRING, mandatory=True),),
)
SET_FCC_AUTHENTICATION = Message(DMS_SERVICE, 0x555F, "Set FCC Authentication", "fcc-auth")  # Sierra
# One message id, two layouts (docs/protocol.md §4.8): v1 carries one byte; v2 a
# string and then a byte, in that order (firmware rejects the other one).
FOXCONN_SET_FCC_AUTHENTICATION = Message(
    FOXCONN_SERVICES,
    0x5571,
    "Foxconn Set FCC Authentication",
    "foxconn-auth",
    request=(Tlv(0x01, "magic", U8, mandatory=True),),
)
FOXCONN_SET_FCC_AUTHENTICATION_V2 = Message(
    FOXCONN_SERVICES,
    0x5571,
    "Foxconn Set FCC Authentication v2",
    "foxconn-auth",
    request=(
        Tlv(0x01, "magic_string", STRING, mandatory=True),
        Tlv(0x02, "magic_number", U8, mandatory=True),
    ),
    strict_order=True,
)
# Foxconn T99W696: the same id on a service of its own, 0xE4 ("FOXAP"); TLV 0x02 is the
# character '0' (unlock; '1' locks), the byte v2's magic number 48 also is
# (docs/protocol.md §4.10).
FOXAP_SET_FCC_AUTHENTICATION = Message(
    (Service.FOXAP,),
    0x5571,
    "Set FCC Authentication",
    "foxap-auth",
    request=(
        Tlv(0x01, "magic_string", STRING, mandatory=True),
        Tlv(0x02, "action", STRING, mandatory=True),
    ),
)

MESSAGES: tuple[Message, ...] = (
    GET_VERSION_INFO,
    ALLOCATE_CID,
    RELEASE_CID,
    SYNC,
    GET_IDS,
    GET_OPERATING_MODE,
    SET_OPERATING_MODE,
    FOXCONN_GET_FIRMWARE_VERSION,
    SET_FCC_AUTHENTICATION,
    FOXCONN_SET_FCC_AUTHENTICATION,
    FOXCONN_SET_FCC_AUTHENTICATION_V2,
    FOXAP_SET_FCC_AUTHENTICATION,
)

# (service, message id) -> the messages with that id there (the Foxconn unlock has two).
BY_ID: dict[tuple[int, int], tuple[Message, ...]] = {}
for _message in MESSAGES:
    for _service in _message.services:
        BY_ID[(_service, _message.message_id)] = (*BY_ID.get((_service, _message.message_id), ()), _message)
del _message, _service
MESSAGE_NAMES.update({key: found[0].name for key, found in BY_ID.items()})

KINDS: tuple[str, ...] = tuple(dict.fromkeys(m.kind for m in MESSAGES))


def lookup(frame: QmiMessage) -> Message | None:
    """The catalogue entry a frame is an instance of, or None for a message we do not use.

    Where one id has several layouts, the one whose TLV types the frame carries wins
    (a response carries only the result, so it names the first).
    """
    found = BY_ID.get((frame.service, frame.message_id))
    if not found:
        return None
    if len(found) > 1 and frame.kind is Kind.REQUEST:
        present = {tlv_type for tlv_type, _ in frame.tlvs}
        for candidate in reversed(found):
            if {t.type for t in candidate.request} == present:
                return candidate
    return found[0]


def name_of(service: int, message_id: int) -> str | None:
    """The display name of a message, as the trace and errors print it."""
    found = BY_ID.get((service, message_id))
    return found[0].name if found else None


# --- build and parse ------------------------------------------------------------------


def build(
    message: Message,
    client_id: int,
    transaction_id: int,
    kind: Kind = Kind.REQUEST,
    on_service: int | None = None,
    **values: Any,
) -> QmiMessage:
    """A frame of ``message`` with its TLVs from ``values`` by name, in catalogue order.

    A mandatory TLV without a value, or a value no TLV has, is a ValueError (a bug of
    the caller). A response gets its result TLV from ``result`` (default success).
    ``on_service`` sends it on another of its services (Foxconn's 0xE3).
    """
    fields = message.fields(kind)
    if kind is not Kind.REQUEST:
        values.setdefault("result", (0, 0))
    unknown = set(values) - {f.name for f in fields}
    if unknown:
        raise ValueError(f"{message.name} has no TLV named {', '.join(sorted(unknown))}")
    failed = kind is not Kind.REQUEST and values["result"][0] != 0  # an error carries only the result
    tlvs = []
    for field in fields:
        if field.name in values:
            tlvs.append((field.type, field.encode(values[field.name])))
        elif field.mandatory and not failed:
            raise ValueError(f"{message.name} needs TLV {field.name}")
    return QmiMessage(
        message.service if on_service is None else on_service,
        client_id,
        transaction_id,
        message.message_id,
        kind,
        tuple(tlvs),
    )


def parse(message: Message, frame: QmiMessage, kind: Kind | None = None) -> Values:
    """The TLVs of ``frame`` by name, decoded; DecodeError if a mandatory one is missing
    or a value has the wrong size. TLVs the catalogue does not name are left out.

    ``kind`` reads the frame as that kind's layout whatever its flags say (a caller
    who knows it asked for a request or a response)."""
    fields = message.fields(frame.kind if kind is None else kind)
    values: Values = {}
    for field in fields:
        raw = frame.tlv(field.type)
        if raw is None:
            if field.mandatory and field is not RESULT_FIELD:
                raise DecodeError(f"{message.name} without its {field.name} TLV (0x{field.type:02x})")
            continue
        values[field.name] = field.decode(raw)
    return values


def in_order(message: Message, frame: QmiMessage) -> bool:
    """Whether the frame's TLVs come in the order the catalogue declares (where it matters)."""
    declared = [f.type for f in message.fields(frame.kind)]
    found = [tlv_type for tlv_type, _ in frame.tlvs if tlv_type in declared]
    return found == sorted(found, key=declared.index)


def respond(message: Message, request: QmiMessage, error: int = 0, **values: Any) -> QmiMessage:
    """The response to ``request`` (the modem's side): an error alone, or success with
    the response TLVs ``values`` by name."""
    if error:
        return build(
            message,
            request.client_id,
            request.transaction_id,
            Kind.RESPONSE,
            request.service,
            result=(1, error),
        )
    return build(message, request.client_id, request.transaction_id, Kind.RESPONSE, request.service, **values)


def describe_tlvs(frame: QmiMessage) -> list[str]:
    """``name=value`` for each TLV of ``frame`` (``0xNN=hex`` for those not in the catalogue)."""
    message = lookup(frame)
    fields = {} if message is None else {f.type: f for f in message.fields(frame.kind)}
    parts = []
    for tlv_type, raw in frame.tlvs:
        field = fields.get(tlv_type)
        if field is None:
            parts.append(f"0x{tlv_type:02x}={_raw(raw)}")
            continue
        try:
            value = field.decode(raw)
        except DecodeError:
            parts.append(f"{field.name}=(malformed: {_raw(raw)})")
            continue
        parts.append(f"{field.name}={_shown(field, value)}")
    return parts


def _shown(field: Tlv, value: Any) -> str:
    if field.value_type == RESULT:
        status, error = value
        if status == 0 and error == 0:
            return "success"
        from fcc_unlock.qmi.errors import describe

        return f"failure {describe(error)}"
    if field.value_type == CLIENT:
        service, client_id = value
        return f"{{service={service_name(service)}, client_id={client_id}}}"
    if field.value_type == STRING:
        return repr(value)
    if field.value_type == BYTES:
        return _raw(value)
    return str(value)


def _raw(value: bytes) -> str:
    return value.hex() or "''"


# --- CTL: allocating and releasing client ids (docs/protocol.md §3.4) ---------------
# What a caller must check beyond the layout (the id granted is for the service
# asked). CTL Sync is never built here: it frees every client id on the modem,
# ModemManager's included.


def allocate_cid(transaction_id: int, service: int) -> QmiMessage:
    return build(ALLOCATE_CID, 0, transaction_id, service=service)


def release_cid(transaction_id: int, service: int, client_id: int) -> QmiMessage:
    return build(RELEASE_CID, 0, transaction_id, release_info=(service, client_id))


def allocated_client_id(response: QmiMessage, service: int) -> int:
    """The client id granted by an Allocate CID response for ``service``."""
    check_result(response)
    try:
        granted_service, client_id = parse(ALLOCATE_CID, response, Kind.RESPONSE)["allocation_info"]
    except DecodeError as error:
        raise DecodeError(f"Allocate CID response without a client id: {error}") from None
    if granted_service != service:
        raise DecodeError(f"Allocate CID answered for service 0x{granted_service:02x}, asked 0x{service:02x}")
    return int(client_id)


def requested_service(request: QmiMessage) -> int:
    """The service of an Allocate CID request (the modem's side)."""
    return int(parse(ALLOCATE_CID, request, Kind.REQUEST)["service"])


def released_client(message: QmiMessage) -> tuple[int, int]:
    """(service, client id) of a Release CID request or response."""
    service, client_id = parse(RELEASE_CID, message)["release_info"]
    return service, client_id


def client_tlv(service: int, client_id: int) -> tuple[int, bytes]:
    """TLV 0x01 {service, client id}, as Allocate and Release CID responses carry it."""
    field = ALLOCATE_CID.fields(Kind.RESPONSE)[1]
    return (field.type, field.encode((service, client_id)))
