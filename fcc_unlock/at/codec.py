"""The AT codec: bytes in -> lines -> one reply per command; command out. No I/O.

The rules (docs/at.md §1): a command is its text and ``\\r``; a reply is lines ended
by ``\\r``, ``\\n`` or ``\\r\\n`` (blank lines ignored), the echo of our own command,
intermediate lines and one final result code (``OK``, ``ERROR``, ``+CME ERROR: n``,
``+CMS ERROR: n``). Unsolicited result codes that are not the answer are skipped.
Lines are bounded in length and a reply in lines, so a modem cannot make us grow.
"""

from __future__ import annotations

MAX_LINE = 1024  # bytes in one line; the longest answer we read is a few dozen
MAX_INFO_LINES = 32  # intermediate lines kept for one reply
TERMINATOR = "\r"  # V.250's S3 default

FINAL_OK = "OK"
FINAL_ERROR = "ERROR"
ERROR_PREFIXES = ("+CME ERROR:", "+CMS ERROR:")
# Unsolicited result codes a modem may put anywhere (docs/at.md §1.4): network
# registration, ring, message and call indications, and vendor codes (^, %, *, #).
URC_PREFIXES = (
    "RING",
    "NO CARRIER",
    "+CREG:",
    "+CGREG:",
    "+CEREG:",
    "+C5GREG:",
    "+CRING:",
    "+CLIP:",
    "+CMTI:",
    "+CMT:",
    "+CDS:",
    "+CBM:",
    "+CUSD:",
    "+CGEV:",
    "+CIEV:",
    "+CTZV:",
    "+CTZE:",
    "+PBREADY",
    "+STKPCI:",
    "^",
    "%",
    "*",
    "#",
)


class AtDecodeError(ValueError):
    """Bytes that are not AT: a line too long, too many lines, or not printable text."""


def encode_command(text: str) -> bytes:
    """One command line as written to the port."""
    if not text or any(not (" " <= c <= "~") for c in text):
        raise ValueError(f"not a printable AT command: {text!r}")
    return (text + TERMINATOR).encode("ascii")


class LineSplitter:
    """Bytes in, whole non-blank lines out; ``\r``, ``\n`` and ``\r\n`` all end a line.

    ``feed()`` keeps the bytes, ``next_line()`` hands out one line at a time, so lines
    after a reply's final result code wait for the next command. A line that is not
    text, or grows past ``max_line``, raises AtDecodeError as soon as it is seen, ended
    or not (and is dropped).
    """

    def __init__(self, max_line: int = MAX_LINE) -> None:
        self.max_line = max_line
        self._buffer = bytearray()

    def feed(self, data: bytes) -> None:
        self._buffer += data

    def next_line(self) -> str | None:
        buffer = self._buffer
        while True:
            ends = [i for i in (buffer.find(b"\r"), buffer.find(b"\n")) if i >= 0]
            if not ends:
                self._check(bytes(buffer), len(buffer), drop=len(buffer))
                return None
            end = min(ends)
            raw = bytes(buffer[:end])
            del buffer[: end + 1]
            self._check(raw, len(raw), drop=0)
            if raw.strip():
                return raw.decode("ascii").strip()

    @property
    def pending(self) -> int:
        """Bytes not yet handed out as lines."""
        return len(self._buffer)

    def _check(self, raw: bytes, size: int, drop: int) -> None:
        problem = None
        if size > self.max_line:
            problem = f"a line longer than {self.max_line} bytes ({size} so far)"
        else:
            for byte in raw:
                if not (0x20 <= byte <= 0x7E or byte == 0x09):
                    problem = f"not AT text (byte 0x{byte:02x}): {raw[:32]!r}"
                    break
        if problem is not None:
            del self._buffer[:drop]
            raise AtDecodeError(problem)


def is_final(line: str) -> bool:
    upper = line.upper()
    return upper in (FINAL_OK, FINAL_ERROR) or upper.startswith(ERROR_PREFIXES)


def is_unsolicited(line: str) -> bool:
    return line.upper().startswith(URC_PREFIXES)


class Reply:
    """What a command got: its intermediate lines and the final result code."""

    __slots__ = ("command", "lines", "final")

    def __init__(self, command: str, lines: tuple[str, ...], final: str) -> None:
        self.command = command
        self.lines = lines
        self.final = final

    @property
    def ok(self) -> bool:
        return self.final.upper() == FINAL_OK

    def __repr__(self) -> str:
        return f"Reply({self.command!r}, {self.lines!r}, {self.final!r})"


class Exchange:
    """The lines of one command's reply, as they come; ``take()`` returns the Reply
    once the final result code arrives.

    ``prefix`` is the answer's prefix (``+GTFCCEFFSTATUS:``): a line with it is the
    answer even where it looks unsolicited. Skipped lines (echo, URCs) are kept in
    ``skipped`` for the trace, at most MAX_INFO_LINES of them.
    """

    def __init__(self, command: str, prefix: str | None = None, max_lines: int = MAX_INFO_LINES) -> None:
        self.command = command
        self.prefix = prefix.upper() if prefix else None
        self.max_lines = max_lines
        self.info: list[str] = []
        self.skipped: list[tuple[str, str]] = []  # (why, line)
        self.unsolicited = 0
        self._echo_seen = False

    def take(self, line: str) -> Reply | None:
        upper = line.upper()
        if not self._echo_seen and upper == self.command.upper():
            self._echo_seen = True
            self._skip("echo", line)
            return None
        if self.prefix is not None and upper.startswith(self.prefix):
            self._keep(line)
            return None
        if is_final(line):
            return Reply(self.command, tuple(self.info), line)
        if is_unsolicited(line):
            self.unsolicited += 1
            self._skip("unsolicited", line)
            return None
        self._keep(line)
        return None

    def _keep(self, line: str) -> None:
        if len(self.info) >= self.max_lines:
            raise AtDecodeError(f"more than {self.max_lines} lines in the reply to {self.command}")
        self.info.append(line)

    def _skip(self, why: str, line: str) -> None:
        if len(self.skipped) < self.max_lines:
            self.skipped.append((why, line))


def reply_bytes(lines: list[str] | tuple[str, ...], final: str) -> bytes:
    """The modem's side (the simulator): V.250 verbose form, each line in ``\\r\\n``."""
    return "".join(f"\r\n{line}\r\n" for line in (*lines, final)).encode("ascii")
