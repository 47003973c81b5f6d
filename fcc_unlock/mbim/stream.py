"""From a byte stream to whole MBIM messages, and back (docs/protocol.md §1.10, §1.14, §8).

``MessageSplitter`` cuts any chunking of bytes into messages by MessageLength, with a
bounded buffer, resynchronising past garbage. ``FragmentAssembler`` joins fragments of
COMMAND, COMMAND_DONE and INDICATE_STATUS in order; the caller supplies the clock.
``fragment()`` splits an outgoing message to MaxControlTransfer.
"""

from __future__ import annotations

from fcc_unlock.mbim import _structs as wire
from fcc_unlock.mbim.constants import MessageType, ProtocolErrorCode
from fcc_unlock.mbim.messages import (
    FRAGMENT_PREFIX_SIZE,
    FRAGMENTED_TYPES,
    HEADER_SIZE,
    MIN_LENGTH,
    DecodeError,
)

DEFAULT_MAX_MESSAGE = 64 * 1024  # no control message we handle comes close
GAP_TIMEOUT = 1.25  # seconds between fragments, as libmbim
MIN_CONTROL_TRANSFER = 64  # the smallest MaxControlTransfer MBIM allows

_KNOWN_TYPES = frozenset(int(t) for t in MessageType)


class MessageSplitter:
    """Bytes in any chunking -> whole MBIM messages (or single fragments).

    A header that cannot start a message (unknown type, impossible length) is garbage:
    the splitter drops bytes up to the next plausible header and counts them in
    ``discarded``, the way libmbim drops its buffer, so one bad transfer does not
    poison the replies that follow it.
    """

    def __init__(self, max_message_length: int = DEFAULT_MAX_MESSAGE) -> None:
        self.max_message_length = max_message_length
        self.discarded = 0
        self._buffer = bytearray()

    def feed(self, data: bytes) -> None:
        self._buffer += data

    @property
    def pending(self) -> int:
        return len(self._buffer)

    def next_message(self) -> bytes | None:
        buffer = self._buffer
        while len(buffer) >= HEADER_SIZE:
            message_type, length, _ = wire.HEADER.unpack_from(buffer)
            if not self._plausible(message_type, length):
                self._resync()
                continue
            if len(buffer) < length:
                return None
            message = bytes(buffer[:length])
            del buffer[:length]
            return message
        return None

    def _plausible(self, message_type: int, length: int) -> bool:
        if message_type not in _KNOWN_TYPES:
            return False
        return MIN_LENGTH[MessageType(message_type)] <= length <= self.max_message_length

    def _resync(self) -> None:
        buffer = self._buffer
        for start in range(1, len(buffer) - HEADER_SIZE + 1):
            message_type, length, _ = wire.HEADER.unpack_from(buffer, start)
            if self._plausible(message_type, length):
                break
        else:
            # Keep a tail that may still become the start of a header.
            start = max(1, len(buffer) - HEADER_SIZE + 1)
        self.discarded += start
        del buffer[:start]


class FragmentError(DecodeError):
    """A fragment out of order, too late, or malformed; ``code`` is for HOST_ERROR."""

    def __init__(self, transaction_id: int, code: ProtocolErrorCode, reason: str) -> None:
        super().__init__(reason)
        self.transaction_id = transaction_id
        self.code = code


class _Partial:
    __slots__ = ("data", "total", "next_fragment", "last_seen")

    def __init__(self, data: bytearray, total: int, now: float) -> None:
        self.data = data
        self.total = total
        self.next_fragment = 1
        self.last_seen = now


class FragmentAssembler:
    """Fragments in order -> whole messages, rewritten as Total=1, Current=0."""

    def __init__(
        self, gap_timeout: float = GAP_TIMEOUT, max_message_length: int = DEFAULT_MAX_MESSAGE
    ) -> None:
        self.gap_timeout = gap_timeout
        self.max_message_length = max_message_length
        self._partials: dict[tuple[int, int], _Partial] = {}

    def add(self, data: bytes, now: float) -> bytes | None:
        """One message or fragment in; a whole message out when one is complete.

        Messages without a fragment header pass through. Raises FragmentError.
        """
        message_type, length, tid = wire.HEADER.unpack_from(data)
        if message_type not in FRAGMENTED_TYPES:
            return data
        if length < FRAGMENT_PREFIX_SIZE:
            raise FragmentError(tid, ProtocolErrorCode.LENGTH_MISMATCH, "fragment too short")
        total, current = wire.FRAGMENT_HEADER.unpack_from(data, HEADER_SIZE)
        key = (message_type, tid)
        if total == 0 or current >= total:
            self._partials.pop(key, None)
            raise FragmentError(
                tid,
                ProtocolErrorCode.FRAGMENT_OUT_OF_SEQUENCE,
                f"fragment {current} of {total} is impossible",
            )
        if total == 1:
            return data
        if current == 0:
            self._partials[key] = _Partial(bytearray(data), total, now)
            return None
        partial = self._partials.get(key)
        if partial is None or current != partial.next_fragment:
            self._partials.pop(key, None)
            expected = 0 if partial is None else partial.next_fragment
            raise FragmentError(
                tid,
                ProtocolErrorCode.FRAGMENT_OUT_OF_SEQUENCE,
                f"fragment {current} of {total} arrived, expected {expected}",
            )
        if total != partial.total:
            del self._partials[key]
            raise FragmentError(
                tid,
                ProtocolErrorCode.FRAGMENT_OUT_OF_SEQUENCE,
                f"fragment count changed from {partial.total} to {total}",
            )
        partial.data += data[FRAGMENT_PREFIX_SIZE:]
        if len(partial.data) > self.max_message_length:
            del self._partials[key]
            raise FragmentError(tid, ProtocolErrorCode.MAX_TRANSFER, "reassembled message too large")
        partial.next_fragment += 1
        partial.last_seen = now
        if partial.next_fragment < total:
            return None
        del self._partials[key]
        whole = partial.data
        wire.HEADER.pack_into(whole, 0, message_type, len(whole), tid)
        wire.FRAGMENT_HEADER.pack_into(whole, HEADER_SIZE, 1, 0)
        return bytes(whole)

    def next_expiry(self) -> float | None:
        """When the oldest incomplete message times out, or None."""
        if not self._partials:
            return None
        return min(p.last_seen for p in self._partials.values()) + self.gap_timeout

    def expire(self, now: float) -> list[FragmentError]:
        """Drop incomplete messages whose next fragment is overdue."""
        errors = []
        for key, partial in list(self._partials.items()):
            # The same sum as next_expiry(): a clock that wakes exactly then must expire.
            if now >= partial.last_seen + self.gap_timeout:
                del self._partials[key]
                errors.append(
                    FragmentError(
                        key[1],
                        ProtocolErrorCode.TIMEOUT_FRAGMENT,
                        f"fragment {partial.next_fragment} of {partial.total} did not arrive",
                    )
                )
        return errors


def fragment(message: bytes, max_control_transfer: int) -> list[bytes]:
    """Split an encoded message so each piece fits one control transfer.

    Pieces after the first carry only the 20-byte prefix and the next chunk of
    everything that followed it in the whole message (docs/protocol.md §1.10).
    """
    if len(message) <= max_control_transfer:
        return [message]
    message_type, _, tid = wire.HEADER.unpack_from(message)
    if message_type not in FRAGMENTED_TYPES:
        raise ValueError(f"{MessageType(message_type).name} cannot be fragmented")
    if max_control_transfer < MIN_CONTROL_TRANSFER:
        raise ValueError(f"MaxControlTransfer {max_control_transfer} is below {MIN_CONTROL_TRANSFER}")
    payload = message[FRAGMENT_PREFIX_SIZE:]
    chunk = max_control_transfer - FRAGMENT_PREFIX_SIZE
    total = -(-len(payload) // chunk)
    pieces = []
    for index in range(total):
        body = payload[index * chunk : (index + 1) * chunk]
        pieces.append(
            wire.HEADER.pack(message_type, FRAGMENT_PREFIX_SIZE + len(body), tid)
            + wire.FRAGMENT_HEADER.pack(total, index)
            + body
        )
    return pieces
