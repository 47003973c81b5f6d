"""XMM RPC frames and body elements: bytes <-> values, no I/O, no clock.

A frame (docs/xmmrpc.md §1.1) is a little-endian u32 length, then big-endian
ASN.1-like integers: ``asn_int4(length)``, ``asn_int4(code)``, a raw u32 tid word,
for an async call ``asn_int4(tid)``, and the body: a list of elements (docs/xmmrpc.md §1.3).
Replies are sorted into four kinds by their tid word and code (docs/xmmrpc.md §2).
``FrameReader`` cuts a byte stream into frames however the reads split or join them.
"""

from __future__ import annotations

from fcc_unlock import sha256
from fcc_unlock.errors import ProtocolError
from fcc_unlock.xmmrpc._structs import HEADER, INT1, INT2, INT4, PREFIX

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Union

    Value = Union[int, bytes]

PREFIX_BYTES = PREFIX.size  # 4
HEADER_BYTES = HEADER.size  # 16: what a frame has after the prefix before its body
INT4_TAG = b"\x02\x04"
SYNC_TID_WORD = 0x11000100  # docs/xmmrpc.md §1.2
ASYNC_TID = 0x11000101  # the one tid both ModemManager and xmm7360-pci send
TID_WORD_MASK = 0xFFFFFF00
ASYNC_ACK_MIN_CODE = 2000  # docs/xmmrpc.md §2: acks carry a code >= 2000
# One frame at most: xmm7360-pci reads 128 KiB at a time; the FCC calls' replies are
# a few dozen bytes, so anything larger is a framing error, not a message.
MAX_FRAME_BYTES = 131072

INT_TAG = 0x02
INT_LAYOUTS = {1: INT1, 2: INT2, 4: INT4}
STRING_TAGS = {0x55: 1, 0x56: 2, 0x57: 4}  # tag -> bytes per element (docs/xmmrpc.md §1.4)
ELEMENT_SIZE_TAGS = {size: tag for tag, size in STRING_TAGS.items()}
MAX_COUNT_BYTES = 4  # a long-form element count longer than this is not a count

# Reply kinds (docs/xmmrpc.md §2).
RESPONSE = "response"
ASYNC_ACK = "async-ack"
ASYNC_RESPONSE = "async-response"
UNSOLICITED = "unsolicited"


class FrameError(ProtocolError):
    """Bytes that are not an XMM RPC frame or element list."""


# --- elements ---------------------------------------------------------------------------


def encode_int(value: int, size: int = 4) -> bytes:
    """``02 <size> <value big-endian>``; size 1, 2 or 4."""
    layout = INT_LAYOUTS.get(size)
    if layout is None:
        raise ValueError(f"integer elements are 1, 2 or 4 bytes, not {size}")
    if not 0 <= value < 1 << (8 * size):
        raise ValueError(f"{value} does not fit in {size} bytes")
    return bytes((INT_TAG, size)) + layout.pack(value)


def encode_string(data: bytes, element_size: int = 1, capacity: int | None = None) -> bytes:
    """A string element: tag, element count, asn_int4(bytes with padding),
    asn_int4(padding bytes), data, zero padding (docs/xmmrpc.md §1.4).

    ``capacity`` is the field's size in elements (at least the data's; default: no padding).
    """
    tag = ELEMENT_SIZE_TAGS.get(element_size)
    if tag is None or len(data) % element_size:
        raise ValueError(f"{len(data)} bytes are not a whole number of {element_size}-byte elements")
    valid = len(data) // element_size
    capacity = valid if capacity is None else capacity
    if capacity < valid:
        raise ValueError(f"{valid} elements do not fit a field of {capacity}")
    padding = (capacity - valid) * element_size
    if valid < 0x80:
        count = bytes((valid,))
    else:
        digits = valid.to_bytes((valid.bit_length() + 7) // 8, "big")
        count = bytes((0x80 | len(digits),)) + digits
    return (
        bytes((tag,))
        + count
        + encode_int(capacity * element_size)
        + encode_int(padding)
        + data
        + bytes(padding)
    )


def encode_elements(values: Iterable[int]) -> bytes:
    """Integers as asn_int4 elements, the form every FCC call's arguments take."""
    return b"".join(encode_int(value) for value in values)


def decode_elements(body: bytes) -> list[Value]:
    """Integers (int) and strings (bytes, padding dropped); FrameError for anything else."""
    values: list[Value] = []
    index = 0
    while index < len(body):
        tag = body[index]
        if tag == INT_TAG:
            number, index = _take_int(body, index)
            values.append(number)
        elif tag in STRING_TAGS:
            text, index = _take_string(body, index)
            values.append(text)
        else:
            raise FrameError(f"unknown element type 0x{tag:02x} at byte {index}")
    return values


def _take_int(body: bytes, index: int) -> tuple[int, int]:
    """(value, index after it) of the integer element at ``index``."""
    if index + 2 > len(body):
        raise FrameError(f"integer element cut short at byte {index}")
    size = body[index + 1]
    layout = INT_LAYOUTS.get(size)
    if layout is None:
        raise FrameError(f"integer element of {size} bytes at byte {index} (1, 2 or 4 expected)")
    end = index + 2 + size
    if end > len(body):
        raise FrameError(f"integer element cut short at byte {index}")
    (value,) = layout.unpack_from(body, index + 2)
    return int(value), end


def _take_string(body: bytes, index: int) -> tuple[bytes, int]:
    element_size = STRING_TAGS[body[index]]
    if index + 2 > len(body):
        raise FrameError(f"string element cut short at byte {index}")
    count, position = body[index + 1], index + 2
    if count & 0x80:
        # Long form, big-endian as the encoders write it (docs/xmmrpc.md §6.3).
        digits = count & 0x7F
        if not 1 <= digits <= MAX_COUNT_BYTES or position + digits > len(body):
            raise FrameError(f"string element with a bad element count at byte {index}")
        count = int.from_bytes(body[position : position + digits], "big")
        position += digits
    valid = count * element_size
    capacity, position = _take_int(body, position)
    padding, position = _take_int(body, position)
    if capacity and capacity != valid + padding:
        raise FrameError(
            f"string element at byte {index}: {capacity} bytes declared, {valid} + {padding} padding"
        )
    end = position + valid + padding
    if end > len(body):
        raise FrameError(f"string element at byte {index} runs past the body")
    return body[position : position + valid], end


# --- frames -----------------------------------------------------------------------------


class Frame:
    """One frame: its code, tid word and body (after the header; tid not stripped)."""

    __slots__ = ("code", "tid_word", "body", "inner_length")

    def __init__(self, code: int, tid_word: int, body: bytes, inner_length: int | None = None) -> None:
        self.code = code
        self.tid_word = tid_word
        self.body = body
        # The length repeated inside the frame; None when it agrees with the prefix.
        self.inner_length = inner_length

    def __repr__(self) -> str:
        return f"Frame(0x{self.code:x}, tid 0x{self.tid_word:08x}, {self.body.hex()})"


def encode_frame(code: int, body: bytes, tid: int | None = None) -> bytes:
    """A call (or, for the simulator, a reply) with ``code``; ``tid``: async, else sync."""
    tid_word = SYNC_TID_WORD if tid is None else SYNC_TID_WORD | tid
    inner = body if tid is None else encode_int(tid) + body
    length = HEADER_BYTES + len(inner)
    return PREFIX.pack(length) + HEADER.pack(INT4_TAG, length, INT4_TAG, code, tid_word) + inner


def encode_raw_frame(code: int, tid_word: int, body: bytes) -> bytes:
    """A frame with any tid word and no tid element: acks, unsolicited frames (simulator)."""
    length = HEADER_BYTES + len(body)
    return PREFIX.pack(length) + HEADER.pack(INT4_TAG, length, INT4_TAG, code, tid_word) + body


def frame_length(data: bytes, max_frame: int = MAX_FRAME_BYTES) -> int | None:
    """Total bytes of the frame ``data`` starts with, None until the prefix is complete."""
    if len(data) < PREFIX_BYTES:
        return None
    (length,) = PREFIX.unpack_from(data)
    if length < HEADER_BYTES:
        raise FrameError(f"frame length {length} is shorter than a header")
    if length > max_frame:
        raise FrameError(f"frame length {length} is over the {max_frame}-byte bound")
    return PREFIX_BYTES + int(length)


def decode_frame(data: bytes, max_frame: int = MAX_FRAME_BYTES) -> Frame:
    """Exactly one frame; FrameError for anything else."""
    total = frame_length(data, max_frame)
    if total is None or len(data) < total:
        raise FrameError(f"frame cut short ({len(data)} bytes)")
    if len(data) > total:
        raise FrameError(f"{len(data) - total} bytes after the frame")
    fields = HEADER.unpack_dict(data, PREFIX_BYTES)
    if fields["length_tag"] != INT4_TAG or fields["code_tag"] != INT4_TAG:
        raise FrameError("frame header is not two asn_int4 fields")
    inner = int(fields["length"])  # type: ignore[call-overload]
    return Frame(
        int(fields["code"]),  # type: ignore[call-overload]
        int(fields["tid_word"]),  # type: ignore[call-overload]
        data[PREFIX_BYTES + HEADER_BYTES :],
        None if inner == total - PREFIX_BYTES else inner,
    )


class Reply:
    """A frame from the modem, classified (docs/xmmrpc.md §2).

    ``body`` has an async response's tid element stripped; ``tid`` is that tid
    (None for the other kinds). Elements are decoded on demand: a skipped frame's
    body is never read.
    """

    __slots__ = ("kind", "code", "tid_word", "tid", "body")

    def __init__(self, kind: str, code: int, tid_word: int, body: bytes, tid: int | None = None) -> None:
        self.kind = kind
        self.code = code
        self.tid_word = tid_word
        self.body = body
        self.tid = tid

    def elements(self) -> list[Value]:
        return decode_elements(self.body)

    def __repr__(self) -> str:
        return f"Reply({self.kind}, 0x{self.code:x}, tid 0x{self.tid_word:08x}, {self.body.hex()})"


def classify(frame: Frame) -> Reply:
    """Sync response, async-ack, async response (tid stripped) or unsolicited."""
    if frame.tid_word == SYNC_TID_WORD:
        return Reply(RESPONSE, frame.code, frame.tid_word, frame.body)
    if frame.tid_word & TID_WORD_MASK != SYNC_TID_WORD:
        return Reply(UNSOLICITED, frame.code, frame.tid_word, frame.body)
    if frame.code >= ASYNC_ACK_MIN_CODE:
        return Reply(ASYNC_ACK, frame.code, frame.tid_word, frame.body)
    body = frame.body
    if body[:2] != INT4_TAG or len(body) < 6:
        raise FrameError(f"async response 0x{frame.code:x} does not start with its transaction id")
    (tid,) = INT4.unpack_from(body, 2)
    if tid != frame.tid_word:
        raise FrameError(
            f"async response 0x{frame.code:x}: tid 0x{tid:08x} in the body,"
            f" 0x{frame.tid_word:08x} in the header"
        )
    return Reply(ASYNC_RESPONSE, frame.code, frame.tid_word, body[6:], int(tid))


def decode_reply(data: bytes) -> Reply:
    return classify(decode_frame(data))


class FrameReader:
    """Cuts a byte stream into whole frames: reads may split a frame or join several.

    A length outside the bounds raises FrameError and drops what was buffered: after a
    framing error no later byte can be trusted to start a frame.
    """

    __slots__ = ("max_frame", "_buffer")

    def __init__(self, max_frame: int = MAX_FRAME_BYTES) -> None:
        self.max_frame = max_frame
        self._buffer = b""

    @property
    def pending(self) -> int:
        """Bytes of an unfinished frame held back."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        frames: list[bytes] = []
        while True:
            try:
                total = frame_length(self._buffer, self.max_frame)
            except FrameError:
                self._buffer = b""
                raise
            if total is None or len(self._buffer) < total:
                return frames
            frames.append(self._buffer[:total])
            self._buffer = self._buffer[total:]


# --- the challenge response ------------------------------------------------------------


def challenge_response(challenge: int, key: bytes) -> int:
    """SHA-256(challenge as 4 bytes little-endian || key)[0:4] read little-endian
    (docs/xmmrpc.md §4); the caller sends it big-endian, as every asn_int4."""
    digest = sha256(challenge.to_bytes(4, "little") + key)
    return int.from_bytes(digest[:4], "little")
