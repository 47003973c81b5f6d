"""Serve a SimModem on a pseudo-terminal, so real clients can open it like a cdc-wdm.

Any model with ``receive_data(bytes, now) -> actions`` and ``faults.latency`` /
``faults.chunk_size`` can be served: the MBIM SimModem, the XMM RPC XmmRpcModem.

The pty is put in raw mode (no echo, no newline translation): bytes pass unchanged.
We keep a slave fd open ourselves so clients can come and go; closing the master is
an unplug (the client then sees POLLHUP and EIO, as with a vanished cdc-wdm).
Per-reply latency, one request at a time (``serial``) and chunked writes (fault knobs)
are applied here. The model is a SimModem (MBIM) or an at_modem.AtModem: anything with
``receive_data()``, ``receive_requests()`` and ``faults``.
"""

from __future__ import annotations

import os
import select
import threading
import time
import tty
from collections import deque

from fcc_unlock.sim.actions import HangUp, Write

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Protocol

    class Knobs(Protocol):
        latency: float
        chunk_size: int
        serial: bool  # needs the model's receive_requests()

    class Model(Protocol):
        """What PtyModem serves: bytes in, actions out."""

        @property
        def faults(self) -> Knobs: ...

        def receive_data(self, data: bytes, now: float = 0.0) -> Sequence[Write | HangUp]: ...

        def receive_requests(self, data: bytes, now: float = 0.0) -> Sequence[Sequence[Write | HangUp]]:
            """receive_data()'s actions, grouped by request (for the ``serial`` knob)."""
            ...


CHUNK_PAUSE = 0.001  # between the pieces of a chunked reply, so they arrive apart


class PtyModem:
    def __init__(self, modem: Model, link: str | None = None) -> None:
        self.modem = modem
        self.link = link
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        # Non-blocking: a reply bigger than the pty holds, for a client that stopped
        # reading, must not keep stop() waiting.
        os.set_blocking(self._master, False)
        self.path = os.ttyname(self._slave)
        if link:
            if os.path.lexists(link):
                os.unlink(link)
            os.symlink(self.path, link)
        self._stop_r, self._stop_w = os.pipe()
        self._thread: threading.Thread | None = None
        self._busy_until = 0.0  # the serial knob: when the modem is done with what it has
        self._opened = False  # the model's opening writes are done
        self.lock = threading.Lock()  # held while the model changes; tests may take it

    @property
    def device(self) -> str:
        return self.link or self.path

    # --- running ------------------------------------------------------------------

    def start(self) -> PtyModem:
        # What waits on the port before any command is there when start() returns, as it
        # is on a real port before a client opens it: written from the thread, a client
        # on a busy machine could drain the port before it came, then read it as a reply.
        self._write_opening()
        self._thread = threading.Thread(target=self.serve, name="sim-modem", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._stop_w < 0:
            return  # stopped already
        os.write(self._stop_w, b"x")
        if self._thread is not None:
            self._thread.join(5)
        self._close()
        # The stop pipe too: a test run starts hundreds of modems, and select() cannot
        # watch a descriptor numbered 1024 or more.
        for fd in (self._stop_r, self._stop_w):
            os.close(fd)
        self._stop_r = self._stop_w = -1

    def __enter__(self) -> PtyModem:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def serve(self) -> None:
        """Read host bytes, feed the model, write its replies when they are due.

        A reply is due ``latency`` (plus its own ``delay``) after the request that caused
        it arrived, however many other requests are in flight: a modem working on several
        commands at once. With the ``serial`` knob the modem works one request at a time:
        a request's replies are due ``latency`` (plus ``delay``) after it arrived or after
        the previous request's last reply was due, whichever is later. Transfers go out in
        order, so one held back holds back the rest. Reading goes on meanwhile. An unplug
        happens the moment its request arrives.
        """
        due: deque[tuple[float, Write]] = deque()  # in order: every reply waits the same latency
        self._write_opening()  # served without start(): done here, before reading
        closes = -1
        if getattr(self.modem.faults, "drop_unread", False):
            closes = watch_closes(self.path)
        try:
            self._serve(due, closes)
        finally:
            if closes >= 0:
                os.close(closes)

    def _serve(self, due: deque[tuple[float, Write]], closes: int) -> None:
        watched = [self._master, self._stop_r, *([closes] if closes >= 0 else [])]
        while self._master >= 0:
            # select() rather than poll(): microseconds, not whole milliseconds, so a
            # 10 ms latency is 10 ms and not up to 11.
            wait = None if not due else max(0.0, due[0][0] - time.monotonic())
            readable, _, _ = select.select(watched, [], [], wait)
            if closes in readable:  # first: the close came before any later command
                self._drop_unread(closes)
            for fd in readable:
                if fd == self._stop_r:
                    return
                if fd == closes:
                    continue
                try:
                    data = os.read(self._master, 65536)
                except BlockingIOError:
                    continue
                except OSError:
                    return
                now = time.monotonic()
                if not self._schedule(data, now, due):
                    return
            while due and due[0][0] <= time.monotonic():
                if not self._write(due.popleft()[1]):
                    return

    def _schedule(self, data: bytes, now: float, due: deque[tuple[float, Write]]) -> bool:
        """Feed ``data`` to the model and queue its replies when due; False: unplugged."""
        faults = self.modem.faults
        serial = getattr(faults, "serial", False)
        answers: Sequence[Sequence[Write | HangUp]]
        with self.lock:
            if serial:  # one list per request, so each can wait for the one before it
                answers = self.modem.receive_requests(data, now)
            else:
                answers = [self.modem.receive_data(data, now)]
        for answer in answers:
            start = max(now, self._busy_until) if serial else now
            for action in answer:
                if isinstance(action, HangUp):
                    self._close()
                    return False
                at = start + faults.latency + action.delay
                due.append((at, action))
                self._busy_until = max(self._busy_until, at)
        return True

    def _write_opening(self) -> None:
        """Write what the model has waiting on the port before the first command (at_modem's
        ``stale`` knob), once."""
        if self._opened:
            return
        self._opened = True
        opening = getattr(self.modem, "start", None)
        for action in opening() if opening is not None else ():
            self._write(action)

    def _drop_unread(self, closes: int) -> None:
        """A client closed the port: drop what it left unread, as a wwan port does (a
        pty keeps it for the next client). Reading our own end of the pty does it."""
        try:
            while os.read(closes, 4096):
                pass  # the events themselves say nothing more
        except BlockingIOError:
            pass
        os.set_blocking(self._slave, False)
        try:
            for _ in range(64):
                if not os.read(self._slave, 65536):
                    break
        except (BlockingIOError, OSError):
            pass

    def _write(self, action: Write) -> bool:
        """Write one transfer (in chunks, with the chunk_size knob); False: told to stop."""
        size = self.modem.faults.chunk_size or len(action.data)
        for start in range(0, len(action.data), size):
            if start:
                time.sleep(CHUNK_PAUSE)
            if not self._write_all(action.data[start : start + size]):
                return False
        return True

    def _write_all(self, data: bytes) -> bool:
        """All of ``data``, waiting while the pty is full; False if stop() came first."""
        while data:
            stop, _, _ = select.select([self._stop_r], [self._master], [])
            if stop:
                return False
            try:
                data = data[os.write(self._master, data) :]
            except BlockingIOError:
                continue
        return True

    def _close(self) -> None:
        for name in ("_master", "_slave"):
            fd = getattr(self, name)
            if fd >= 0:
                setattr(self, name, -1)
                os.close(fd)
        if self.link and os.path.islink(self.link):
            os.unlink(self.link)


IN_CLOSE = 0x08 | 0x10  # IN_CLOSE_WRITE | IN_CLOSE_NOWRITE (inotify(7))


def watch_closes(path: str) -> int:
    """An inotify descriptor that becomes readable when a client closes ``path``; -1
    where inotify is not to be had. devpts reports closes like any file system."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fd = int(libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC))
    except (OSError, AttributeError):
        return -1
    if fd < 0:
        return -1
    if libc.inotify_add_watch(fd, os.fsencode(path), IN_CLOSE) < 0:
        os.close(fd)
        return -1
    return fd
