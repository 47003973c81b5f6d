"""Typed MBIM control messages and their wire encoding (docs/protocol.md §1.2-§1.8).

``decode(data)`` turns one whole, unfragmented message into one of the classes below
or raises ``DecodeError``; ``message.encode()`` is the inverse. Fragmenting and
reassembly live in ``stream.py``.
"""

from __future__ import annotations

from fcc_unlock.mbim import _structs as wire
from fcc_unlock.mbim.constants import (
    CommandType,
    MessageType,
    describe_error,
    describe_service,
    describe_status,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import ClassVar

HEADER_SIZE = wire.HEADER.size  # 12
FRAGMENT_PREFIX_SIZE = HEADER_SIZE + wire.FRAGMENT_HEADER.size  # 20
COMMAND_PREFIX_SIZE = wire.COMMAND_PREFIX.size  # 48
INDICATE_PREFIX_SIZE = wire.INDICATE_STATUS_PREFIX.size  # 44


class DecodeError(ValueError):
    """Bytes that are not a valid MBIM message."""


class Message:
    """Base of all MBIM messages: plain slotted value objects."""

    __slots__: tuple[str, ...] = ()
    message_type: ClassVar[MessageType]
    transaction_id: int

    def encode(self) -> bytes:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and all(
            getattr(self, name) == getattr(other, name) for name in self.__slots__
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"


class Open(Message):
    __slots__ = ("transaction_id", "max_control_transfer")
    message_type = MessageType.OPEN

    def __init__(self, transaction_id: int, max_control_transfer: int) -> None:
        self.transaction_id = transaction_id
        self.max_control_transfer = max_control_transfer

    @classmethod
    def from_wire(cls, data: bytes, tid: int) -> Open:
        return cls(tid, wire.OPEN.unpack_dict(data)["max_control_transfer"])  # type: ignore[arg-type]

    def encode(self) -> bytes:
        return wire.OPEN.pack(
            self.message_type, wire.OPEN.size, self.transaction_id, self.max_control_transfer
        )


class Close(Message):
    __slots__ = ("transaction_id",)
    message_type = MessageType.CLOSE

    def __init__(self, transaction_id: int) -> None:
        self.transaction_id = transaction_id

    @classmethod
    def from_wire(cls, data: bytes, tid: int) -> Close:
        return cls(tid)

    def encode(self) -> bytes:
        return wire.HEADER.pack(self.message_type, HEADER_SIZE, self.transaction_id)


class _Done(Message):
    __slots__ = ("transaction_id", "status")

    def __init__(self, transaction_id: int, status: int) -> None:
        self.transaction_id = transaction_id
        self.status = status

    def encode(self) -> bytes:
        return wire.DONE.pack(self.message_type, wire.DONE.size, self.transaction_id, self.status)

    @classmethod
    def from_wire(cls, data: bytes, tid: int) -> _Done:
        return cls(tid, wire.DONE.unpack_dict(data)["status"])  # type: ignore[arg-type]


class OpenDone(_Done):
    __slots__ = ()
    message_type = MessageType.OPEN_DONE


class CloseDone(_Done):
    __slots__ = ()
    message_type = MessageType.CLOSE_DONE


class _Error(Message):
    __slots__ = ("transaction_id", "error_code")

    def __init__(self, transaction_id: int, error_code: int) -> None:
        self.transaction_id = transaction_id
        self.error_code = error_code

    def encode(self) -> bytes:
        return wire.ERROR.pack(self.message_type, wire.ERROR.size, self.transaction_id, self.error_code)

    @classmethod
    def from_wire(cls, data: bytes, tid: int) -> _Error:
        return cls(tid, wire.ERROR.unpack_dict(data)["error_status_code"])  # type: ignore[arg-type]


class HostError(_Error):
    __slots__ = ()
    message_type = MessageType.HOST_ERROR


class FunctionError(_Error):
    __slots__ = ()
    message_type = MessageType.FUNCTION_ERROR


class Command(Message):
    __slots__ = ("transaction_id", "service_id", "cid", "command_type", "information_buffer")
    message_type = MessageType.COMMAND
    prefix = wire.COMMAND_PREFIX

    @classmethod
    def from_fields(cls, tid: int, fields: dict[str, object], buffer: bytes) -> Command:
        return cls(tid, fields["device_service_id"], fields["cid"], fields["command_type"], buffer)  # type: ignore[arg-type]

    def __init__(
        self,
        transaction_id: int,
        service_id: bytes,
        cid: int,
        command_type: int,
        information_buffer: bytes = b"",
    ) -> None:
        self.transaction_id = transaction_id
        self.service_id = service_id
        self.cid = cid
        self.command_type = command_type
        self.information_buffer = information_buffer

    def encode(self) -> bytes:
        body = self.information_buffer
        return (
            wire.COMMAND_PREFIX.pack(
                self.message_type,
                COMMAND_PREFIX_SIZE + len(body),
                self.transaction_id,
                1,
                0,
                self.service_id,
                self.cid,
                self.command_type,
                len(body),
            )
            + body
        )


class CommandDone(Message):
    __slots__ = ("transaction_id", "service_id", "cid", "status", "information_buffer")
    message_type = MessageType.COMMAND_DONE
    prefix = wire.COMMAND_DONE_PREFIX

    @classmethod
    def from_fields(cls, tid: int, fields: dict[str, object], buffer: bytes) -> CommandDone:
        return cls(tid, fields["device_service_id"], fields["cid"], fields["status"], buffer)  # type: ignore[arg-type]

    def __init__(
        self,
        transaction_id: int,
        service_id: bytes,
        cid: int,
        status: int,
        information_buffer: bytes = b"",
    ) -> None:
        self.transaction_id = transaction_id
        self.service_id = service_id
        self.cid = cid
        self.status = status
        self.information_buffer = information_buffer

    def encode(self) -> bytes:
        body = self.information_buffer
        return (
            wire.COMMAND_DONE_PREFIX.pack(
                self.message_type,
                COMMAND_PREFIX_SIZE + len(body),
                self.transaction_id,
                1,
                0,
                self.service_id,
                self.cid,
                self.status,
                len(body),
            )
            + body
        )


class IndicateStatus(Message):
    __slots__ = ("transaction_id", "service_id", "cid", "information_buffer")
    message_type = MessageType.INDICATE_STATUS
    prefix = wire.INDICATE_STATUS_PREFIX

    @classmethod
    def from_fields(cls, tid: int, fields: dict[str, object], buffer: bytes) -> IndicateStatus:
        return cls(tid, fields["device_service_id"], fields["cid"], buffer)  # type: ignore[arg-type]

    def __init__(
        self, transaction_id: int, service_id: bytes, cid: int, information_buffer: bytes = b""
    ) -> None:
        self.transaction_id = transaction_id
        self.service_id = service_id
        self.cid = cid
        self.information_buffer = information_buffer

    def encode(self) -> bytes:
        body = self.information_buffer
        return (
            wire.INDICATE_STATUS_PREFIX.pack(
                self.message_type,
                INDICATE_PREFIX_SIZE + len(body),
                self.transaction_id,
                1,
                0,
                self.service_id,
                self.cid,
                len(body),
            )
            + body
        )


# Message types that carry the fragment header (and may be split, docs/protocol.md §1.10).
FRAGMENTED_TYPES = frozenset({MessageType.COMMAND, MessageType.COMMAND_DONE, MessageType.INDICATE_STATUS})
# The smallest valid length of each type.
MIN_LENGTH = {
    MessageType.OPEN: wire.OPEN.size,
    MessageType.CLOSE: HEADER_SIZE,
    MessageType.COMMAND: FRAGMENT_PREFIX_SIZE,
    MessageType.HOST_ERROR: wire.ERROR.size,
    MessageType.OPEN_DONE: wire.DONE.size,
    MessageType.CLOSE_DONE: wire.DONE.size,
    MessageType.COMMAND_DONE: FRAGMENT_PREFIX_SIZE,
    MessageType.FUNCTION_ERROR: wire.ERROR.size,
    MessageType.INDICATE_STATUS: FRAGMENT_PREFIX_SIZE,
}


def peek_header(data: bytes) -> tuple[int, int, int]:
    """(message_type, message_length, transaction_id) of the first 12 bytes."""
    if len(data) < HEADER_SIZE:
        raise DecodeError(f"{len(data)} bytes is shorter than an MBIM header")
    return wire.HEADER.unpack_from(data)


def decode(data: bytes) -> Message:
    """Decode one whole (unfragmented or reassembled) message."""
    raw_type, length, tid = peek_header(data)
    if length != len(data):
        raise DecodeError(f"MessageLength {length} but {len(data)} bytes")
    try:
        message_type = MessageType(raw_type)
    except ValueError:
        raise DecodeError(f"unknown message type 0x{raw_type:08x}") from None
    if length < MIN_LENGTH[message_type]:
        raise DecodeError(f"{message_type.name} of {length} bytes is too short")

    fixed = FIXED.get(message_type)
    if fixed is not None:
        return fixed.from_wire(data, tid)

    total, current = wire.FRAGMENT_HEADER.unpack_from(data, HEADER_SIZE)
    if (total, current) != (1, 0):
        raise DecodeError(f"fragment {current} of {total} where a whole message was expected")
    carrier = CARRIERS[message_type]
    prefix = carrier.prefix
    if length < prefix.size:
        raise DecodeError(f"{message_type.name} of {length} bytes is too short")
    fields = prefix.unpack_dict(data)
    buffer_length: int = fields["information_buffer_length"]  # type: ignore[assignment]
    if prefix.size + buffer_length > length:
        raise DecodeError(
            f"{message_type.name} InformationBufferLength {buffer_length} overruns MessageLength {length}"
        )
    return carrier.from_fields(tid, fields, data[prefix.size : prefix.size + buffer_length])


# {MessageType: class}: which class a message type decodes into. Fixed-size types
# decode from their header alone; the rest carry a fragment header, a prefix naming
# service and CID, and an information buffer.
FIXED: dict[MessageType, type[Open | Close | _Done | _Error]] = {
    MessageType.OPEN: Open,
    MessageType.CLOSE: Close,
    MessageType.OPEN_DONE: OpenDone,
    MessageType.CLOSE_DONE: CloseDone,
    MessageType.HOST_ERROR: HostError,
    MessageType.FUNCTION_ERROR: FunctionError,
}
CARRIERS: dict[MessageType, type[Command | CommandDone | IndicateStatus]] = {
    MessageType.COMMAND: Command,
    MessageType.COMMAND_DONE: CommandDone,
    MessageType.INDICATE_STATUS: IndicateStatus,
}


def describe(message: Message) -> str:
    """One line for traces: type, tid and the fields that matter."""
    head = f"{message.message_type.name} tid={message.transaction_id}"
    if isinstance(message, Open):
        return f"{head} max_control_transfer={message.max_control_transfer}"
    if isinstance(message, _Done):
        return f"{head} status={describe_status(message.status)}"
    if isinstance(message, _Error):
        return f"{head} error={describe_error(message.error_code)}"
    if isinstance(message, Command):
        kind = _command_type_name(message.command_type)
        return (
            f"{head} {describe_service(message.service_id)}/{message.cid} {kind}"
            f" ({len(message.information_buffer)} bytes)"
        )
    if isinstance(message, CommandDone):
        return (
            f"{head} {describe_service(message.service_id)}/{message.cid}"
            f" status={describe_status(message.status)}"
            f" ({len(message.information_buffer)} bytes)"
        )
    if isinstance(message, IndicateStatus):
        return (
            f"{head} {describe_service(message.service_id)}/{message.cid}"
            f" ({len(message.information_buffer)} bytes)"
        )
    return head


def _command_type_name(value: int) -> str:
    try:
        return CommandType(value).name
    except ValueError:
        return f"type={value}"
