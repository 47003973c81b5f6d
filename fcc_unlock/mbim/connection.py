"""The host side of an MBIM control channel as a state machine without I/O.

The h11 pattern: feed received bytes with ``receive_data()``, pull typed events with
``next_event(now)``, and get the bytes to write from ``send(message)``. The caller owns
the transport and the clock; this object owns transaction ids, framing, fragments.
"""

from __future__ import annotations

from fcc_unlock.mbim.messages import DecodeError, Message, decode, peek_header
from fcc_unlock.mbim.stream import (
    DEFAULT_MAX_MESSAGE,
    GAP_TIMEOUT,
    FragmentAssembler,
    FragmentError,
    MessageSplitter,
    fragment,
)

TYPE_CHECKING = False
# deque from the C module collections is built on: importing collections itself costs
# the hotplug path more than a round trip to the modem (docs/architecture.md §5).
if TYPE_CHECKING:
    from collections import deque
    from typing import Union

    Event = Union[Message, "Discarded", "Malformed", FragmentError]
else:
    from _collections import deque

MAX_TRANSACTION_ID = 0xFFFFFFFF


class Discarded:
    """Bytes dropped while looking for the next message header (garbage)."""

    __slots__ = ("count",)

    def __init__(self, count: int) -> None:
        self.count = count

    def __repr__(self) -> str:
        return f"Discarded({self.count})"


class Malformed:
    """A complete message that does not decode. ``transaction_id`` from its header."""

    __slots__ = ("transaction_id", "reason", "data")

    def __init__(self, transaction_id: int, reason: str, data: bytes) -> None:
        self.transaction_id = transaction_id
        self.reason = reason
        self.data = data

    def __repr__(self) -> str:
        return f"Malformed(tid={self.transaction_id}, {self.reason!r})"


class Connection:
    def __init__(
        self,
        max_control_transfer: int = 4096,
        gap_timeout: float = GAP_TIMEOUT,
        max_message_length: int = DEFAULT_MAX_MESSAGE,
    ) -> None:
        self.max_control_transfer = max_control_transfer
        self._splitter = MessageSplitter(max_message_length)
        self._assembler = FragmentAssembler(gap_timeout, max_message_length)
        self._events: deque[Event] = deque()
        self._last_tid = 0

    def next_transaction_id(self) -> int:
        """1, 2, ... 0xFFFFFFFF, then 1 again: the host never uses 0."""
        self._last_tid = self._last_tid % MAX_TRANSACTION_ID + 1
        return self._last_tid

    def send(self, message: Message) -> list[bytes]:
        """The writes that carry ``message``: one control transfer each."""
        return fragment(message.encode(), self.max_control_transfer)

    def receive_data(self, data: bytes) -> None:
        self._splitter.feed(data)

    def next_expiry(self) -> float | None:
        """When a partially received message will time out, if one is pending."""
        return self._assembler.next_expiry()

    def next_event(self, now: float) -> Event | None:
        events = self._events
        if not events:
            events.extend(self._assembler.expire(now))
        while not events:
            discarded = self._splitter.discarded
            raw = self._splitter.next_message()
            if self._splitter.discarded != discarded:
                events.append(Discarded(self._splitter.discarded - discarded))
            if raw is None:
                break
            try:
                whole = self._assembler.add(raw, now)
            except FragmentError as error:
                events.append(error)
                continue
            if whole is None:
                continue
            try:
                events.append(decode(whole))
            except DecodeError as error:
                events.append(Malformed(peek_header(whole)[2], str(error), whole))
        return events.popleft() if events else None
