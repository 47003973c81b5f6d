"""A simulated AT modem with an FCC lock: the FM350-GL, the Lenovo L860R+ and the
RW101R-GL, each as the sources describe it (docs/at.md §3), with fault knobs.

It reads commands with the client's own codec (at/codec.py), looks them up in the
client's catalogue (at/catalog.py) and answers in V.250's verbose form. The lock is
real: only the response made with the modem's key opens it. Served on a pty by
sim/pty.py (``PtyModem(AtModem(...))``).
"""

from __future__ import annotations

import random

from fcc_unlock.at import catalog
from fcc_unlock.at.codec import AtDecodeError, LineSplitter, reply_bytes
from fcc_unlock.at.fcclock import response
from fcc_unlock.sim.actions import HangUp, Write

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Union

    Action = Union[Write, HangUp]

    from fcc_unlock.sim.pty import PtyModem

LENOVO_KEY = bytes.fromhex("3df8c719")  # SHA-256("KHOIHGIUCCHHII")[0:4] (docs/keys.md §1)
DELL_DW5931E_KEY = bytes.fromhex("4909b5a4")  # SHA-256("DW5931EFCCLOCK")[0:4]
GARBAGE = b"\x00\xff\x1b[NOT-AT\xfe\r\n"
LONG_LINE = b"\r\n" + b"A" * 4096 + b"\r\n"
URC_BEFORE = "+CREG: 1"  # registration, before the answer
URC_AMONG = ("^MODE: 17,6", "RING")  # a vendor code and a ring, between answer and OK
OPERATION_NOT_ALLOWED = "+CME ERROR: 3"
KINDS = (*catalog.KINDS, "other")  # what knobs and transcripts name; "other" is anything unknown


class Variant:
    """What one model does: its identity, byte order, reply forms, the commands it has."""

    __slots__ = ("name", "model", "ids", "byteorder", "hex_response", "bare", "commands", "mode_unlock")

    def __init__(
        self,
        name: str,
        model: str,
        ids: str,
        byteorder: str,
        hex_response: bool,
        bare: bool,
        commands: tuple[catalog.AtCommand, ...],
        mode_unlock: bool,
    ) -> None:
        self.name = name
        self.model = model
        self.ids = ids
        self.byteorder = byteorder  # of the challenge-response arithmetic
        self.hex_response = hex_response  # at+gtfcclockver=0x<8 hex> rather than decimal
        self.bare = bare  # 0x<hex> and the VER and state numbers without their prefixes
        self.commands = commands  # what it answers; anything else is ERROR
        self.mode_unlock = mode_unlock  # VER 1 only arms at+gtfcclockmodeunlock, which opens


_COMMON = (catalog.ECHO_OFF, catalog.RADIO_ON, catalog.FCC_LOCK_GEN, catalog.FCC_LOCK_VER)
VARIANTS = {
    "fm350-at": Variant(
        "fm350-at",
        "Fibocom FM350-GL",
        "14c3:4d75",
        "big",
        hex_response=False,
        bare=False,
        commands=(*_COMMON, catalog.FCC_EFF_STATUS, catalog.FCC_LOCK_MODE_SET),
        mode_unlock=False,
    ),
    "l860-at": Variant(
        "l860-at",
        "Fibocom L860R+ (Lenovo)",
        "8086:7560",
        "little",
        hex_response=False,
        bare=True,
        commands=(*_COMMON, catalog.FCC_MODE_UNLOCK, catalog.FCC_LOCK_STATE),
        mode_unlock=True,
    ),
    "rw101-at": Variant(
        "rw101-at",
        "Rolling RW101R-GL",
        "33f8:01a4",
        "big",
        hex_response=True,
        bare=False,
        commands=(*_COMMON, catalog.FCC_EFF_STATUS, catalog.FCC_LOCK_MODE_SET),
        mode_unlock=False,
    ),
}


class AtFaults:
    """What the simulated AT modem does wrong, or differently. Each knob is independent.

    Kinds (at/catalog.py ``KINDS`` and "other") name the commands a knob applies to.
    """

    def __init__(
        self,
        latency: float = 0.0,
        chunk_size: int = 0,
        echo: bool = True,
        unsolicited: bool = False,
        bare: bool | None = None,
        never_answer: tuple[str, ...] = (),
        garbage_instead: tuple[str, ...] = (),
        error_on: tuple[str, ...] = (),
        long_line_on: tuple[str, ...] = (),
        slow: dict[str, float] | None = None,
        hang_up_on: str | None = None,
        drop_unread: bool = True,
        stale: bool = False,
        serial: bool = False,
    ) -> None:
        self.latency = latency  # seconds before each reply (sim/pty.py applies it)
        self.serial = serial  # one command at a time (sim/pty.py; Faults.serial)
        self.chunk_size = chunk_size  # write each reply in pieces of this size
        self.echo = echo  # ATE1, a real modem's default: the command comes back first
        self.unsolicited = unsolicited  # URCs before and inside every reply
        self.bare = bare  # None: the variant's reply forms; True/False: bare or prefixed
        self.never_answer = frozenset(never_answer)  # kinds that get no reply at all
        self.garbage_instead = frozenset(garbage_instead)  # bytes that are not AT, no reply
        self.error_on = frozenset(error_on)  # kinds answered ERROR
        self.long_line_on = frozenset(long_line_on)  # kinds answered by an endless line
        self.slow = dict(slow or {})  # kind -> seconds the reply is held back
        self.hang_up_on = hang_up_on  # kind on whose arrival the modem is unplugged
        # A wwan port drops what a client left unread when it closes; a pty keeps it.
        # sim/pty.py watches for the close and drops it (False: a pty's behaviour).
        self.drop_unread = drop_unread
        self.stale = stale  # a previous client's unread "OK" waits on the port at the start
        for kind in (
            *self.never_answer,
            *self.garbage_instead,
            *self.error_on,
            *self.long_line_on,
            *self.slow,
            *((hang_up_on,) if hang_up_on else ()),
        ):
            if kind not in KINDS:
                raise ValueError(f"unknown AT command kind {kind!r}; one of: {', '.join(KINDS)}")


class AtReceived:
    """One command line the modem received: its kind, text, argument and when."""

    __slots__ = ("kind", "line", "argument", "at")

    def __init__(self, kind: str, line: str, argument: str | None, at: float) -> None:
        self.kind = kind
        self.line = line
        self.argument = argument
        self.at = at

    def __repr__(self) -> str:
        return f"AtReceived({self.kind}, {self.line!r})"

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "line": self.line}


class AtModem:
    """The modem's side of the AT port: bytes in, actions out (no I/O).

    ``key``: the 4 bytes this modem's lock expects (Lenovo's by default; another key
    makes a modem that a Lenovo response does not open). ``mode``: the lock mode
    (0 none, 1 one-time, 2 power-up). ``challenges``: a seed, so runs repeat.
    """

    def __init__(
        self,
        variant: str | Variant = "fm350-at",
        faults: AtFaults | None = None,
        key: bytes = LENOVO_KEY,
        mode: int = 2,
        challenges: int = 1,
    ) -> None:
        self.variant = VARIANTS[variant] if isinstance(variant, str) else variant
        self.faults = faults or AtFaults()
        self.key = key
        self.mode = mode
        self.unlocked = False
        self.radio = False
        self.echo = self.faults.echo
        self.challenge: int | None = None  # the one handed out and not yet answered
        self.armed = False  # L860R+: VER accepted, at+gtfcclockmodeunlock opens the lock
        self.transcript: list[AtReceived] = []
        self.hung_up = False
        self._random = random.Random(challenges)
        self._splitter = LineSplitter()
        self._stale = self.faults.stale

    @property
    def model(self) -> str:
        return self.variant.model

    @property
    def ids(self) -> str:
        return self.variant.ids

    @property
    def locked(self) -> bool:
        return self.mode != 0 and not self.unlocked

    @locked.setter
    def locked(self, value: bool) -> None:
        self.unlocked = not value

    def power_cycle(self) -> None:
        """Power lost and back: a power-up lock (mode 2) closes again, a one-time lock
        once opened stays open (docs/at.md §3.1); echo and radio as at power-up."""
        if self.mode == 2:
            self.unlocked = False
        self.radio = False
        self.echo = self.faults.echo
        self.challenge, self.armed = None, False

    def expected_response(self, challenge: int) -> int:
        return response(challenge, self.key, "little" if self.variant.byteorder == "little" else "big")

    # --- bytes in, actions out ----------------------------------------------------

    def start(self) -> list[Action]:
        """What waits on the port before the first command (the ``stale`` knob)."""
        if self._stale:
            self._stale = False
            return [Write(reply_bytes(["+GTFCCLOCKVER: 0"], "OK"))]
        return []

    def receive_data(self, data: bytes, now: float = 0.0) -> list[Action]:
        return [action for answer in self.receive_requests(data, now) for action in answer]

    def receive_requests(self, data: bytes, now: float = 0.0) -> list[list[Action]]:
        """receive_data()'s actions, one list for each command line they answer."""
        if self.hung_up:
            return []
        self._splitter.feed(data)
        answers: list[list[Action]] = []
        while True:
            try:
                line = self._splitter.next_line()
            except AtDecodeError:
                answers.append([Write(reply_bytes([], "ERROR"))])  # not a command line
                continue
            if line is None:
                return answers
            answers.append(self.handle(line, now))
            if self.hung_up:
                return answers

    def handle(self, line: str, now: float = 0.0) -> list[Action]:
        found = catalog.lookup(line)
        command, argument = found if found is not None else (None, None)
        kind = command.kind if command is not None else "other"
        self.transcript.append(AtReceived(kind, line, argument, now))
        faults = self.faults
        actions: list[Action] = []
        if kind == faults.hang_up_on:
            self.hung_up = True
            return [*actions, HangUp()]
        echo = (line + "\r").encode("ascii") if self.echo else b""
        if kind in faults.never_answer:
            return [*actions, Write(echo)] if echo else actions
        if kind in faults.garbage_instead:
            return [*actions, Write(echo + GARBAGE)]
        if kind in faults.long_line_on:
            return [*actions, Write(echo + LONG_LINE)]
        if kind in faults.error_on or command is None or command not in self.variant.commands:
            lines: list[str] = []
            final = "ERROR"
        else:
            lines, final = self.answer(command, argument)
        if faults.unsolicited:
            lines = [URC_BEFORE, *lines, *URC_AMONG]
        actions.append(Write(echo + reply_bytes(lines, final), delay=faults.slow.get(kind, 0.0)))
        return actions

    # --- the commands -------------------------------------------------------------

    def _bare(self) -> bool:
        return self.variant.bare if self.faults.bare is None else self.faults.bare

    def answer(self, command: catalog.AtCommand, argument: str | None) -> tuple[list[str], str]:
        """(intermediate lines, final result code) for a command this variant has."""
        if command is catalog.ECHO_OFF:
            self.echo = False
            return [], "OK"
        if command is catalog.RADIO_ON:
            if self.locked:
                return [], OPERATION_NOT_ALLOWED
            self.radio = True
            return [], "OK"
        if command is catalog.FCC_EFF_STATUS:
            return [command.answer_line((self.mode, 0 if self.locked else 1))], "OK"
        if command is catalog.FCC_LOCK_STATE:
            return [command.answer_line(0 if self.locked else 1, self._bare())], "OK"
        if command is catalog.FCC_LOCK_GEN:
            self.challenge = self._random.getrandbits(32)
            self.armed = False
            return [command.answer_line(self.challenge, self._bare())], "OK"
        if command is catalog.FCC_LOCK_VER:
            return self._verify(command, argument or "")
        if command is catalog.FCC_MODE_UNLOCK:
            if not self.armed:
                return [], "ERROR"
            self.unlocked, self.armed = True, False
            return [], "OK"
        if command is catalog.FCC_LOCK_MODE_SET:
            # The NVM write fcc-unlock never sends; a test reads the transcript for it.
            if argument not in ("0", "1", "2"):
                return [], "ERROR"
            self.mode = int(argument)
            return [], "OK"
        return [], "ERROR"

    def _verify(self, command: catalog.AtCommand, argument: str) -> tuple[list[str], str]:
        value = _parse_response(argument, self.variant.hex_response)
        if value is None:
            return [], "ERROR"  # the other variant's form, or not a number
        challenge, self.challenge = self.challenge, None
        right = challenge is not None and value == self.expected_response(challenge)
        if right:
            if self.variant.mode_unlock:
                self.armed = True
            else:
                self.unlocked = True
        return [command.answer_line(1 if right else 0, self._bare())], "OK"


def _parse_response(argument: str, hex_form: bool) -> int | None:
    text = argument.strip()
    if hex_form:
        digits = text[2:] if text[:2].lower() == "0x" else ""
        if len(digits) != 8 or any(c not in "0123456789abcdefABCDEF" for c in digits):
            return None
        return int(digits, 16)
    if not text.isdigit() or not text.isascii() or len(text) > 10:
        return None
    return int(text)


def pty_modem(
    variant: str = "fm350-at",
    unlocked: bool = False,
    key: bytes = LENOVO_KEY,
    mode: int = 2,
    link: str | None = None,
    challenges: int = 1,
    **knobs: object,
) -> PtyModem:
    """An AtModem on a pty, not started yet: ``with pty_modem("l860-at") as sim:``
    serves it at ``sim.path`` (the model is ``sim.modem``). ``knobs`` are AtFaults'."""
    from fcc_unlock.sim.pty import PtyModem

    modem = AtModem(variant, AtFaults(**knobs), key=key, mode=mode, challenges=challenges)  # type: ignore[arg-type]
    modem.unlocked = unlocked
    return PtyModem(modem, link)
