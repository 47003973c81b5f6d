"""Every XMM RPC call fcc-unlock makes, described once, as data (docs/xmmrpc.md §3, §5).

A ``Call`` has its id, a display name, the simulator's *kind* (what fault knobs and
transcripts call it), whether it is async (answered by an ack, then a ``...RspCb``
frame carrying its tid), its arguments (asn_int4 each, with defaults) and the names
of its reply's elements. ``build()`` makes the request frame, ``parse()`` names a
reply's elements, ``lookup()`` finds a request's entry (the simulator's side).
"""

from __future__ import annotations

from fcc_unlock.xmmrpc import codec

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fcc_unlock.xmmrpc.codec import Value


class Arg:
    __slots__ = ("name", "default")

    def __init__(self, name: str, default: int | None = None) -> None:
        self.name = name
        self.default = default


class Answer:
    """A frame the modem sends in answer (a RspCb or an indication): code and elements."""

    __slots__ = ("code", "name", "fields")

    def __init__(self, code: int, name: str, fields: tuple[str, ...]) -> None:
        self.code = code
        self.name = name
        self.fields = fields


class Call:
    __slots__ = ("code", "name", "kind", "asynchronous", "args", "reply", "indication")

    def __init__(
        self,
        code: int,
        name: str,
        kind: str,
        asynchronous: bool,
        args: tuple[Arg, ...],
        reply: Answer,
        indication: Answer | None = None,
    ) -> None:
        self.code = code
        self.name = name
        self.kind = kind
        self.asynchronous = asynchronous
        self.args = args
        # Async: the RspCb frame (its code checked); sync: the response (any code).
        self.reply = reply
        self.indication = indication  # an unsolicited frame that finishes the call

    def __repr__(self) -> str:
        return f"Call({self.name}, 0x{self.code:x})"


# docs/xmmrpc.md §3.1: body [x, state, mode]; locked iff mode != 0 and state == 0.
FCC_LOCK_QUERY = Call(
    0x18E,
    "CsiFccLockQueryReq",
    "fcc-lock-query",
    True,
    (Arg("zero", 0),),
    Answer(0x18F, "CsiFccLockQueryRspCb", ("first", "state", "mode")),
)
# docs/xmmrpc.md §3.2: body [x, challenge].
FCC_LOCK_GEN_CHALLENGE = Call(
    0x190,
    "CsiFccLockGenChallengeReq",
    "fcc-lock-gen-challenge",
    True,
    (Arg("zero", 0),),
    Answer(0x191, "CsiFccLockGenChallengeRspCb", ("first", "challenge")),
)
# docs/xmmrpc.md §3.3: the response as asn_int4; body [result], 1 = accepted.
FCC_LOCK_VER_CHALLENGE = Call(
    0x192,
    "CsiFccLockVerChallengeReq",
    "fcc-lock-ver-challenge",
    True,
    (Arg("response"),),
    Answer(0x193, "CsiFccLockVerChallengeRspCb", ("result",)),
)
# docs/xmmrpc.md §5: sync; arguments L(0) L(mode tid 15) L(mode); response [status],
# status 0 = taken; then UtaModeSetRspCb [mode] says the mode reached.
MODE_SET_TID = 15
UTA_MODE_SET = Call(
    0x12F,
    "UtaModeSetReq",
    "mode-set",
    False,
    (Arg("zero", 0), Arg("mode_tid", MODE_SET_TID), Arg("mode")),
    Answer(0x12F, "UtaModeSetReq response", ("status",)),
    indication=Answer(0x12D, "UtaModeSetRspCb", ("mode",)),
)

CALLS = (FCC_LOCK_QUERY, FCC_LOCK_GEN_CHALLENGE, FCC_LOCK_VER_CHALLENGE, UTA_MODE_SET)
KINDS = tuple(call.kind for call in CALLS)
UNLOCK_KIND = FCC_LOCK_VER_CHALLENGE.kind
_BY_CODE = {call.code: call for call in CALLS}

# Unsolicited frames named in traces (xmm7360-pci rpc_unsol_table.py; docs/xmmrpc.md §2).
UNSOLICITED_NAMES = {
    0x008: "UtaMsSimInitIndCb",
    0x06C: "UtaMsNetIsAttachAllowedIndCb",
    0x12D: "UtaModeSetRspCb",
    0x12E: "UtaModeStartupIndCb",
}


def build(call: Call, *values: int, tid: int | None = None) -> bytes:
    """The request frame: ``values`` for the arguments in order, defaults for the rest.

    ``tid``: the async tid (default codec.ASYNC_TID for an async call)."""
    if len(values) > len(call.args):
        raise ValueError(f"{call.name} takes {len(call.args)} arguments, not {len(values)}")
    arguments = list(values)
    for arg in call.args[len(values) :]:
        if arg.default is None:
            raise ValueError(f"{call.name}: {arg.name} has no default")
        arguments.append(arg.default)
    if call.asynchronous and tid is None:
        tid = codec.ASYNC_TID
    return codec.encode_frame(call.code, codec.encode_elements(arguments), tid if call.asynchronous else None)


def parse(answer: Answer, elements: list[Value]) -> dict[str, int]:
    """The named leading elements of a reply (integers); FrameError if they are not there."""
    if len(elements) < len(answer.fields):
        raise codec.FrameError(
            f"{answer.name}: {len(elements)} elements,"
            f" {len(answer.fields)} expected ({', '.join(answer.fields)})"
        )
    named: dict[str, int] = {}
    for name, value in zip(answer.fields, elements):
        if not isinstance(value, int):
            raise codec.FrameError(f"{answer.name}: {name} is not a number")
        named[name] = value
    return named


def lookup(code: int) -> Call | None:
    return _BY_CODE.get(code)


def describe_code(code: int) -> str:
    """A frame's code by name where the catalogue knows it."""
    call = _BY_CODE.get(code)
    if call is not None:
        return call.name
    for entry in CALLS:
        if entry.asynchronous and entry.reply.code == code:
            return entry.reply.name
    return UNSOLICITED_NAMES.get(code, f"0x{code:x}")
