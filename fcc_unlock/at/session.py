"""AtSession: one command at a time on an AT port, every wait bounded by the deadline.

The codec (codec.py) does the reading; this module does the I/O. Anything the modem
sends that is not AT (an overlong line, bytes that are not text, an endless reply)
is a ProtocolError; silence until the deadline a Timeout; the port's own failures
(unplug) come from the transport as DeviceError. There is nothing to close on the
protocol level (docs/at.md §1.6).
"""

from __future__ import annotations

import time

from fcc_unlock.at.codec import AtDecodeError, Exchange, LineSplitter, encode_command
from fcc_unlock.errors import ProtocolError, Timeout

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Literal, Optional, Protocol

    from fcc_unlock.at.catalog import AtCommand
    from fcc_unlock.at.codec import Reply

    Direction = Literal["->", "<-", "note"]
    Tracer = Optional[Callable[[Direction, object], None]]

    class Transport(Protocol):
        def write(self, data: bytes, deadline: float) -> None: ...

        def read(self, deadline: float) -> bytes: ...


DRAIN_SECONDS = 0.001  # how long entering waits for more stale input, each time
DRAIN_LIMIT = 0.05  # seconds spent draining at most, however much keeps coming
DRAIN_BYTES = 65536  # stale input read on entering at most


class AtSession:
    def __init__(
        self,
        port: Transport,
        deadline: float,
        cleanup_deadline: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        trace: Tracer = None,
    ) -> None:
        self.port = port
        self.deadline = deadline
        self.cleanup_deadline = cleanup_deadline if cleanup_deadline is not None else deadline
        self.clock = clock
        self.trace = trace
        self.unsolicited = 0  # unsolicited lines skipped, over the session
        self._splitter = LineSplitter()

    def __enter__(self) -> AtSession:
        self.drain()
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass  # AT has no session to end; the port is closed by its owner

    def drain(self) -> int:
        """Read and drop what is already waiting (a previous client's unread reply),
        briefly: a line left there could be taken for the answer to our first command."""
        dropped = 0
        limit = min(self.deadline, self.clock() + DRAIN_LIMIT)
        while dropped < DRAIN_BYTES:
            now = self.clock()
            if now >= limit:
                break
            data = self.port.read(min(limit, now + DRAIN_SECONDS))
            if not data:
                break
            dropped += len(data)
        if dropped:
            self.note(f"dropped {dropped} bytes of stale input")
        return dropped

    def time_left(self) -> float:
        return max(0.0, self.deadline - self.clock())

    def command(self, text: str, timeout: float | None = None, prefix: str | None = None) -> Reply:
        """Send ``text``, return its reply (OK or an error result code alike).

        ``prefix``: the answer line's prefix, kept even if it looks unsolicited.
        Raises Timeout, ProtocolError, DeviceError.
        """
        until = self.deadline if timeout is None else min(self.deadline, self.clock() + timeout)
        self._trace("->", f"-> AT {text}")
        self.port.write(encode_command(text), until)
        exchange = Exchange(text, prefix)
        try:
            while True:
                line = self._splitter.next_line()
                if line is None:
                    self._splitter.feed(self._read(until, text))
                    continue
                reply = exchange.take(line)
                if reply is not None:
                    self._traced(exchange, reply)
                    return reply
        except AtDecodeError as error:
            self._splitter = LineSplitter()  # what is left of the line is no use
            raise ProtocolError(f"reply to {text}: {error}") from None
        finally:
            self.unsolicited += exchange.unsolicited

    def run(self, command: AtCommand, argument: str | None = None, timeout: float | None = None) -> Reply:
        """``command`` from the catalogue, with its answer prefix."""
        return self.command(command.line(argument), timeout, command.prefix)

    def note(self, text: str) -> None:
        """A line for the ``-v`` trace (what a method found out, or decided)."""
        self._trace("note", text)

    def _read(self, until: float, text: str) -> bytes:
        data = self.port.read(until)
        if not data:
            pending = self._splitter.pending
            partial = f" ({pending} bytes of an unended line)" if pending else ""
            raise Timeout(f"no reply to {text} in time{partial}")
        return data

    def _traced(self, exchange: Exchange, reply: Reply) -> None:
        if self.trace is None:
            return
        for why, line in exchange.skipped:
            self._trace("note", f"skipped ({why}) {line!r}")
        for line in reply.lines:
            self._trace("<-", f"<- {line}")
        self._trace("<-", f"<- {reply.final}")

    def _trace(self, direction: Direction, item: object) -> None:
        if self.trace is not None:
            self.trace(direction, item)
