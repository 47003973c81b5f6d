"""Where a run's words go: the result line, and the ``-v`` trace.

On a terminal, or when stderr really is systemd's journal stream (a unit), lines go
to stderr. Elsewhere (udev RUN and ModemManager's dispatcher both throw output away)
they go to syslog as well, which the journal collects. ``--log syslog`` sends only
to syslog (stderr only if no syslog socket answers); ``--log stderr`` only to stderr.

Syslog is spoken directly (one datagram per line to /dev/log, as glibc does), so the
socket can be pointed elsewhere with ``FCC_UNLOCK_SYSLOG_SOCKET`` (tests).
"""

from __future__ import annotations

import os
import sys
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

IDENT = "fcc-unlock"
SYSLOG_SOCKET = "/dev/log"
SYSLOG_VARIABLE = "FCC_UNLOCK_SYSLOG_SOCKET"
LOG_DAEMON = 3 << 3
LOG_ERR, LOG_INFO = 3, 6


def on_journal_stream(stream: TextIO) -> bool:
    """True if ``stream`` is the journal stream systemd set up (JOURNAL_STREAM names
    its device and inode; a child whose stderr was redirected inherits the variable)."""
    expected = os.environ.get("JOURNAL_STREAM")
    if not expected:
        return False
    try:
        info = os.fstat(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return False
    return expected == f"{info.st_dev}:{info.st_ino}"


def wants_syslog(destination: str, stream: TextIO) -> bool:
    if destination == "syslog":
        return True
    if destination == "stderr":
        return False
    interactive = hasattr(stream, "isatty") and stream.isatty()
    return not interactive and not on_journal_stream(stream)


def syslog_line(priority: int, text: str, now: float | None = None, pid: int | None = None) -> bytes:
    """One RFC 3164 message as glibc writes it: ``<30>Nov  5 10:00:00 fcc-unlock[42]: ...``."""
    stamp = time.strftime("%b %d %H:%M:%S", time.localtime(now))
    if stamp[4] == "0":
        stamp = stamp[:4] + " " + stamp[5:]  # day of month space-padded, as %e
    text = text.replace("\n", " ")
    pid = os.getpid() if pid is None else pid
    return f"<{LOG_DAEMON | priority}>{stamp} {IDENT}[{pid}]: {text}".encode("utf-8", "replace")


def send_syslog(priority: int, text: str) -> bool:
    """Send one line to the syslog socket; False if nobody listens (never raises)."""
    import _socket  # the C half of ``socket``, without the imports a hotplug run would pay for
    import errno

    path = os.environ.get(SYSLOG_VARIABLE) or SYSLOG_SOCKET
    message = syslog_line(priority, text)
    for kind in (_socket.SOCK_DGRAM, _socket.SOCK_STREAM):
        sock = _socket.socket(_socket.AF_UNIX, kind | _socket.SOCK_CLOEXEC)
        try:
            sock.settimeout(1.0)
            sock.connect(path)
            sock.sendall(message if kind == _socket.SOCK_DGRAM else message + b"\n")
            return True
        except OSError as error:
            if error.errno != errno.EPROTOTYPE:  # a stream-only syslog socket: try that
                return False
        finally:
            sock.close()
    return False


class Log:
    def __init__(
        self, destination: str = "auto", verbose: bool = False, stream: TextIO | None = None
    ) -> None:
        self.stream: TextIO | None = sys.stderr if stream is None else stream
        self.verbose = verbose
        self.to_stream = destination != "syslog"
        self.to_syslog = wants_syslog(destination, self.stream)

    def result(self, line: str, ok: bool) -> None:
        """The one line a run leaves behind."""
        sent = self.to_syslog and send_syslog(LOG_INFO if ok else LOG_ERR, line)
        if self.to_stream or not sent:
            self._write(f"{IDENT}: {line}")

    def trace(self, direction: str, item: object) -> None:
        """One traced message or note (``-v``); to the stream only."""
        if not self.verbose:
            return
        from fcc_unlock.trace import format_event

        for line in format_event(direction, item):
            self._write(line)

    def _write(self, line: str) -> None:
        # Words must never stop the work: a trace line failing in the middle of a
        # session (stderr a closed pipe: `fcc-unlock -v ... | head`) would skip the
        # release and the CLOSE. Once the stream fails, it is left alone.
        if self.stream is None:
            return
        try:
            print(line, file=self.stream, flush=True)
        except (OSError, ValueError):
            self.stream = None
