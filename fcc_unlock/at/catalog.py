"""Every AT command we send (and the simulator answers), described once, as data.

Each ``AtCommand`` has its kind (the name transcripts and fault knobs use), its text
(``{}`` marks the argument), the prefix of its answer line, and the type of the value
in the answer. ``bare``: the answer may come without its prefix (the L860R+ answers
``0x<hex>`` alone, docs/at.md §3.2). Parsing and the simulator's answers both read
this table (docs/at.md §2).
"""

from __future__ import annotations

from fcc_unlock.at.codec import AtDecodeError, Reply

U32_HEX_DIGITS = 8
MAX_DECIMAL_DIGITS = 10  # a u32 in decimal


class Value:
    """How an answer's value is written: parse() reads it, render() writes it."""

    name = "value"

    def parse(self, text: str) -> object:
        raise NotImplementedError

    def render(self, value: object) -> str:
        raise NotImplementedError


def _decimal(text: str) -> int:
    text = text.strip()
    if not text or not text.isdigit() or not text.isascii() or len(text) > MAX_DECIMAL_DIGITS:
        raise AtDecodeError(f"not a decimal number: {text[:40]!r}")
    return int(text)


class Hex32(Value):
    """A u32 as ``0x`` and hex digits: the first such token in the text (as MM's
    script reads the challenge, docs/at.md §3.1)."""

    name = "hex32"

    def parse(self, text: str) -> int:
        for token in text.replace(",", " ").split():
            if token[:2].lower() == "0x":
                digits = token[2:]
                if not digits or len(digits) > U32_HEX_DIGITS or not _is_hex(digits):
                    raise AtDecodeError(f"not a 32-bit hex number: {token[:40]!r}")
                return int(digits, 16)
        raise AtDecodeError(f"no 0x number in {text[:40]!r}")

    def render(self, value: object) -> str:
        return f"0x{int(value):08x}"  # type: ignore[call-overload]


class Number(Value):
    name = "number"

    def parse(self, text: str) -> int:
        return _decimal(text)

    def render(self, value: object) -> str:
        return str(int(value))  # type: ignore[call-overload]


class Pair(Value):
    """``<a>,<b>``: two decimal numbers."""

    name = "pair"

    def parse(self, text: str) -> tuple[int, int]:
        first, comma, second = text.partition(",")
        if not comma:
            raise AtDecodeError(f"not two numbers: {text[:40]!r}")
        return _decimal(first), _decimal(second)

    def render(self, value: object) -> str:
        pair: tuple[int, int] = value  # type: ignore[assignment]
        return f"{int(pair[0])},{int(pair[1])}"


def _is_hex(digits: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in digits)


HEX32, NUMBER, PAIR = Hex32(), Number(), Pair()


class AtCommand:
    __slots__ = ("kind", "text", "prefix", "value", "bare")

    def __init__(
        self, kind: str, text: str, prefix: str | None = None, value: Value | None = None, bare: bool = False
    ) -> None:
        self.kind = kind
        self.text = text
        self.prefix = prefix
        self.value = value
        self.bare = bare

    @property
    def takes_argument(self) -> bool:
        return "{}" in self.text

    def line(self, argument: str | None = None) -> str:
        """The command line to send (its argument, if it has one, already written)."""
        if self.takes_argument:
            if argument is None:
                raise ValueError(f"{self.kind} needs an argument")
            return self.text.format(argument)
        return self.text

    def answer(self, reply: Reply) -> object:
        """The value in ``reply``: the first line with the prefix, else (``bare``) the
        first line that is the value alone. Other lines are noise the codec did not know.
        Raises AtDecodeError when there is none or it does not parse."""
        if self.value is None:
            raise ValueError(f"{self.kind} has no answer value")
        upper_prefix = self.prefix.upper() if self.prefix else None
        for line in reply.lines:
            if upper_prefix is not None and line.upper().startswith(upper_prefix):
                return self.value.parse(line[len(upper_prefix) :])
        if self.bare:
            for line in reply.lines:
                if len(line.split()) != 1:
                    continue  # a bare answer is one token, not a sentence with a number in it
                try:
                    return self.value.parse(line)
                except AtDecodeError:
                    continue
        raise AtDecodeError(f"no {self.prefix or self.value.name} answer to {reply.command}")

    def answer_line(self, value: object, bare: bool = False) -> str:
        """The simulator's answer line."""
        if self.value is None:
            raise ValueError(f"{self.kind} has no answer value")
        text = self.value.render(value)
        return text if bare or not self.prefix else f"{self.prefix} {text}"


# --- the commands (docs/at.md §3) --------------------------------------------------

ECHO_OFF = AtCommand("echo-off", "ATE0")
RADIO_ON = AtCommand("radio-on", "AT+CFUN=1")
FCC_EFF_STATUS = AtCommand("fcc-eff-status", "AT+GTFCCEFFSTATUS?", "+GTFCCEFFSTATUS:", PAIR)
FCC_LOCK_GEN = AtCommand("fcc-lock-gen", "AT+GTFCCLOCKGEN", "+GTFCCLOCKGEN:", HEX32, bare=True)
FCC_LOCK_VER = AtCommand("fcc-lock-ver", "AT+GTFCCLOCKVER={}", "+GTFCCLOCKVER:", NUMBER, bare=True)
FCC_MODE_UNLOCK = AtCommand("fcc-mode-unlock", "AT+GTFCCLOCKMODEUNLOCK")
FCC_LOCK_STATE = AtCommand("fcc-lock-state", "AT+GTFCCLOCKSTATE", "+GTFCCLOCKSTATE:", NUMBER, bare=True)
# Known so the simulator can record it; fcc-unlock never sends it: "=0" removes the
# power-up lock for good, an NVM write with regulatory weight (docs/at.md §5).
FCC_LOCK_MODE_SET = AtCommand("fcc-lock-mode-set", "AT+GTFCCLOCKMODE={}")

COMMANDS = (
    ECHO_OFF,
    RADIO_ON,
    FCC_EFF_STATUS,
    FCC_LOCK_GEN,
    FCC_LOCK_VER,
    FCC_MODE_UNLOCK,
    FCC_LOCK_STATE,
    FCC_LOCK_MODE_SET,
)
KINDS = tuple(command.kind for command in COMMANDS)


def lookup(line: str) -> tuple[AtCommand, str | None] | None:
    """The command a received line is, and its argument (the simulator's side).

    Commands are case-insensitive (ITU-T V.250); an exact text wins over a template,
    so ``AT+GTFCCLOCKMODEUNLOCK`` is not ``AT+GTFCCLOCKMODE=`` with an argument.
    """
    upper = line.strip().upper()
    for command in COMMANDS:
        if not command.takes_argument and upper == command.text.upper():
            return command, None
    for command in COMMANDS:
        if command.takes_argument:
            stem = command.text.split("{}")[0].upper()
            if upper.startswith(stem) and len(upper) > len(stem):
                return command, line.strip()[len(stem) :]
    return None
