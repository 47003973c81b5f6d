"""Where a run's words go: the result line, and the ``-v`` trace.

On a terminal, or when stderr really is systemd's journal stream (a unit), lines go
to stderr. Elsewhere (udev RUN and ModemManager's dispatcher both throw output away)
they go to syslog as well, which the journal collects. ``--log syslog`` sends only
to syslog (stderr only if no syslog socket answers); ``--log stderr`` only to stderr.

Syslog is spoken directly (one datagram per line to /dev/log, as glibc does), so the
socket can be pointed elsewhere with ``FCC_UNLOCK_SYSLOG_SOCKET`` (tests).

Every human-readable line passes through ``printable()``: device and port names come
from the command line (any bytes), error texts and firmware strings from the modem,
and a newline or an escape sequence in them must not fake a line or drive the
terminal. ``open_streams()`` and ``close_streams()`` bracket a run so that output going
nowhere (a closed descriptor, a pipe nobody reads, a full disk) never becomes a
traceback, Python's exit status 120, or a port landing on descriptor 1 or 2.
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
LOST_OUTPUT: set[int] = set()  # the descriptors whose writes failed in this run


def printable(text: str) -> str:
    """``text`` with every character a terminal or a log reader could misread escaped.

    Control characters (newline, tab, ESC, DEL, the C1 range), other invisible ones
    (bidirectional overrides, separators) and lone surrogates become Python escapes
    (``\\n``, ``\\x1b``, ``\\u202e``). A byte of a file name that is not UTF-8 reaches
    Python as a surrogate (surrogateescape) and is shown as that byte, ``\\xff``.
    Printable characters, non-ASCII ones too, stay; a stream that cannot encode them
    writes them backslash-escaped (open_streams()).
    """
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escape(char) for char in text)


def _escape(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape's stand-in for an undecodable byte
        return f"\\x{code - 0xDC00:02x}"
    return repr(char)[1:-1]


def write_line(stream: TextIO | None, line: str, end: str = "\n") -> bool:
    """Write one line to ``stream`` and flush it; False, never an exception, if it
    cannot be written (the stream is then pointed at /dev/null, see discard())."""
    if stream is None:
        return True  # no stream at all: as if to /dev/null
    try:
        stream.write(line + end)
        stream.flush()
    except (OSError, ValueError):
        discard(stream)
        return False
    return True


def say(line: str) -> bool:
    """A message on stderr (a usage error, an internal error), escaped."""
    return write_line(sys.stderr, f"{IDENT}: {printable(line)}")


def print_document(text: str) -> bool:
    """What a command prints on stdout: the table, a report, JSON. The caller escapes
    human-readable lines; JSON is ASCII as json.dumps() writes it."""
    return write_line(sys.stdout, text)


def discard(stream: TextIO) -> None:
    """Point ``stream``'s descriptor at /dev/null once a write to it failed.

    What a failed write left in the buffer is written again when Python flushes
    the stream at exit; on a closed pipe or a full disk that fails again, prints
    "Exception ignored" and makes the exit status 120. Into /dev/null it succeeds.
    """
    try:
        fd = stream.fileno()
    except (OSError, ValueError):
        return  # not a file (a test's StringIO): nothing is flushed at exit
    LOST_OUTPUT.add(fd)
    try:
        null = os.open(os.devnull, os.O_WRONLY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        os.dup2(null, fd)
    except OSError:
        pass
    finally:
        os.close(null)


def open_streams() -> None:
    """Prepare stdin, stdout and stderr for a run; call first thing.

    A descriptor 0, 1 or 2 that is not open (``fcc-unlock >&-``) gets /dev/null, so
    the modem's port or the lock file, opened later, can never become the program's
    stdout or stderr and receive its words. stdout escapes what it cannot encode
    (``PYTHONIOENCODING=ascii:strict``, a non-UTF-8 locale) as stderr always does.
    """
    LOST_OUTPUT.clear()
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            _reopen_null(fd)
    # Where Python found the descriptor closed at start-up it left None; a stream to
    # /dev/null of its own (never whatever descriptor 1 or 2 is now) for the whole run.
    if sys.stdout is None:
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="backslashreplace")


def _reopen_null(fd: int) -> None:
    try:
        null = os.open(os.devnull, os.O_RDWR)
    except OSError:
        return
    if null != fd:
        os.dup2(null, fd)
        os.close(null)


def close_streams() -> bool:
    """Flush stdout and stderr at the end of a run: True if stdout's output was lost.

    A run must not leave anything for Python's exit-time flush to fail on; a stream
    whose flush fails now is discarded (discard()).
    """
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            try:
                stream.flush()
            except (OSError, ValueError):
                discard(stream)
    return 1 in LOST_OUTPUT


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
    text = printable(text)
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
        if self.stream is not None and not write_line(self.stream, printable(line)):
            self.stream = None
