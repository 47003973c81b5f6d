"""An XMM RPC session over a transport: one call at a time, every wait with a deadline.

The port has no OPEN or CLOSE; a session is the calls made while it is open.
``call()`` writes a request and reads frames until its answer: for a sync call the
sync response, for an async one the ``...RspCb`` frame with its tid, skipping the
async-ack and any unsolicited frame (docs/xmmrpc.md §2). ``wait_for()`` waits for an
unsolicited frame that finishes a call (UtaModeSetRspCb, docs/xmmrpc.md §5).

Nothing the modem sends raises anything but FccUnlockError: garbage is a
ProtocolError, silence a Timeout, an unplug the transport's DeviceError.
"""

from __future__ import annotations

import time

from fcc_unlock.errors import Timeout
from fcc_unlock.xmmrpc import catalog, codec

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Optional, Protocol

    from fcc_unlock.xmmrpc.catalog import Answer, Call

    class Transport(Protocol):
        name: str

        def write(self, data: bytes, deadline: float) -> None: ...

        def read(self, deadline: float) -> bytes: ...

    Tracer = Optional[Callable[[str, object], None]]

MAX_SKIPPED = 64  # frames skipped while waiting for one answer: a flood is not an answer


class RpcSession:
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
        # Nothing needs cleaning up on this port; kept for the sessions' common shape.
        self.cleanup_deadline = deadline if cleanup_deadline is None else cleanup_deadline
        self.clock = clock
        self._trace_to = trace
        self._reader = codec.FrameReader()
        self._frames: list[bytes] = []

    def __enter__(self) -> RpcSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._reader.pending:
            self.note(f"{self._reader.pending} bytes of an unfinished frame left unread")

    # --- time -------------------------------------------------------------------------

    def time_left(self) -> float:
        return max(0.0, self.deadline - self.clock())

    def pause(self, seconds: float) -> None:
        """Sleep ``seconds``, but never past the deadline."""
        time.sleep(max(0.0, min(seconds, self.time_left())))

    def _deadline_for(self, timeout: float | None) -> float:
        if timeout is None:
            return self.deadline
        return min(self.deadline, self.clock() + timeout)

    # --- calls ------------------------------------------------------------------------

    def call(self, entry: Call, *args: int, timeout: float | None = None) -> dict[str, int]:
        """Make ``entry`` with ``args`` and return its reply's named elements."""
        deadline = self._deadline_for(timeout)
        frame = catalog.build(entry, *args)
        self._trace("->", f"-> XMM RPC {entry.name} {_arguments(frame)}")
        self.port.write(frame, deadline)
        for _ in range(MAX_SKIPPED):
            reply = self._next_reply(deadline, entry.name)
            if entry.asynchronous and reply.kind == codec.ASYNC_RESPONSE:
                if reply.code == entry.reply.code:
                    return self._parse(entry.reply, reply)
            elif not entry.asynchronous and reply.kind == codec.RESPONSE:
                return self._parse(entry.reply, reply)
            self._skip(reply)
        raise codec.FrameError(f"{MAX_SKIPPED} frames and none of them answers {entry.name}")

    def wait_for(self, answer: Answer, timeout: float | None = None) -> dict[str, int]:
        """The next unsolicited frame with ``answer``'s code, its elements named."""
        deadline = self._deadline_for(timeout)
        for _ in range(MAX_SKIPPED):
            reply = self._next_reply(deadline, answer.name)
            if reply.kind == codec.UNSOLICITED and reply.code == answer.code:
                return self._parse(answer, reply)
            self._skip(reply)
        raise codec.FrameError(f"{MAX_SKIPPED} frames and no {answer.name}")

    def note(self, text: str) -> None:
        self._trace("note", text)

    # --- reading ----------------------------------------------------------------------

    def _next_reply(self, deadline: float, awaited: str) -> codec.Reply:
        while not self._frames:
            data = self.port.read(deadline)
            if not data:
                if self.clock() >= deadline:
                    raise Timeout(f"no answer to {awaited} in time")
                continue
            self._frames.extend(self._reader.feed(data))
        frame = codec.decode_frame(self._frames.pop(0))
        if frame.inner_length is not None:
            self.note(f"frame 0x{frame.code:x}: inner length {frame.inner_length} disagrees with its prefix")
        return codec.classify(frame)

    def _parse(self, answer: Answer, reply: codec.Reply) -> dict[str, int]:
        fields = catalog.parse(answer, reply.elements())
        shown = " ".join(f"{name}={value}" for name, value in fields.items())
        self._trace("<-", f"<- XMM RPC {answer.name} ({reply.kind}) {shown}")
        return fields

    def _skip(self, reply: codec.Reply) -> None:
        self._trace(
            "<-",
            f"<- XMM RPC {catalog.describe_code(reply.code)} ({reply.kind}, tid 0x{reply.tid_word:08x}):"
            f" skipped, {len(reply.body)} body bytes",
        )

    def _trace(self, direction: str, text: str) -> None:
        if self._trace_to is not None:
            self._trace_to(direction, text)


def _arguments(frame: bytes) -> str:
    """A request's arguments for the trace, as the codec reads them back."""
    try:
        reply = codec.decode_reply(frame)
        return "[" + ", ".join(hex(v) if isinstance(v, int) else repr(v) for v in reply.elements()) + "]"
    except codec.FrameError:
        return f"({len(frame)} bytes)"
