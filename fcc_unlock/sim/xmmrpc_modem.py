"""A simulated Intel XMM7360 on its XMM RPC port: sans-I/O, the client's codec reversed.

``XmmRpcModem.receive_data(bytes, now)`` returns what the modem does (sim/actions.py),
so ``sim.pty.PtyModem`` serves it as it serves the MBIM model:
``PtyModem(XmmRpcModem())`` has ``.path`` and is a context manager.

The lock is real (docs/xmmrpc.md §3): mode 2 state 0 until VerChallenge brings the
response to the last challenge under the modem's key. Challenges cycle through the
three real-modem challenges of docs/xmmrpc.md §4.2. Every async call gets an
async-ack, then its RspCb (docs/xmmrpc.md §2); UtaModeSet gets its sync response and,
after it, UtaModeSetRspCb with the mode reached (0 while locked) and UtaMsSimInitIndCb.
"""

from __future__ import annotations

from fcc_unlock.sim.actions import HangUp, Write
from fcc_unlock.xmmrpc import catalog, codec

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fcc_unlock.xmmrpc.codec import Value

LENOVO_KEY = bytes.fromhex("3df8c719")  # nvm fix_cat_fcclock.fcclock_hash (docs/xmmrpc.md §4)
OTHER_KEY = bytes.fromhex("bb23be7f")  # a key the host's Lenovo key is not (the wrong_key knob)
CHALLENGES = (0xC588BFD2, 0xBCC119B8, 0x7AAB3134)  # seen from real modems (docs/xmmrpc.md §4.2)
ASYNC_ACK_CODE = 2000  # only ">= 2000" is known (docs/xmmrpc.md §2)
ATTACH_ALLOWED = 0x06C  # UtaMsNetIsAttachAllowedIndCb, an unsolicited frame to interleave
SIM_INIT = 0x008  # UtaMsSimInitIndCb
GARBAGE = b"\xde\xad\xbe\xef" * 4  # its length prefix is far over any bound
KINDS = (*catalog.KINDS, "other", "unlock")  # "unlock": VerChallenge


class RpcFaults:
    """What the simulated XMM RPC modem does wrong; each knob independent, all off.

    ``latency`` before every reply and ``chunk_size`` pieces are applied by the pty
    front-end. Kinds (``KINDS``) name calls: ``never_answer`` gets nothing,
    ``ack_only`` an async-ack and no response, ``garbage_instead`` junk bytes,
    ``malformed`` a well-framed response with an undecodable body, ``hang_up_on`` an
    unplug. ``unsolicited`` interleaves unsolicited frames before the ack and before
    the response; ``joined`` writes all frames of one answer in one transfer;
    ``wrong_key``: the modem's key is not the Lenovo one; ``stays_locked``: the modem
    accepts the right response (result 1) but its lock stays closed.
    """

    def __init__(
        self,
        latency: float = 0.0,
        chunk_size: int = 0,
        never_answer: tuple[str, ...] = (),
        ack_only: tuple[str, ...] = (),
        garbage_instead: tuple[str, ...] = (),
        malformed: tuple[str, ...] = (),
        hang_up_on: str | None = None,
        unsolicited: bool = False,
        joined: bool = False,
        wrong_key: bool = False,
        stays_locked: bool = False,
        serial: bool = False,
    ) -> None:
        named = (
            *never_answer,
            *ack_only,
            *garbage_instead,
            *malformed,
            *((hang_up_on,) if hang_up_on else ()),
        )
        for kind in named:
            if kind not in KINDS:
                raise ValueError(f"unknown kind {kind!r}; one of: {', '.join(KINDS)}")
        self.latency = latency
        self.chunk_size = chunk_size
        self.serial = serial  # one call at a time (sim/pty.py; Faults.serial)
        self.never_answer = frozenset(never_answer)
        self.ack_only = frozenset(ack_only)
        self.garbage_instead = frozenset(garbage_instead)
        self.malformed = frozenset(malformed)
        self.hang_up_on = hang_up_on
        self.unsolicited = unsolicited
        self.joined = joined
        self.wrong_key = wrong_key
        self.stays_locked = stays_locked


class RpcReceived:
    """One call the modem received: its kind, name, tid word and arguments."""

    __slots__ = ("kind", "name", "code", "tid_word", "arguments", "at")

    def __init__(
        self, kind: str, name: str, code: int, tid_word: int, arguments: list[Value], at: float
    ) -> None:
        self.kind = kind
        self.name = name
        self.code = code
        self.tid_word = tid_word
        self.arguments = arguments
        self.at = at

    def __repr__(self) -> str:
        return f"RpcReceived({self.kind}, {self.arguments})"

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "name": self.name,
            "code": self.code,
            "tid_word": self.tid_word,
            "arguments": [v if isinstance(v, int) else v.hex() for v in self.arguments],
            "at": round(self.at, 6),
        }


class XmmRpcModem:
    model = "Intel XMM7360 / Fibocom L850-GL (Lenovo)"
    ids = "8086:7360"

    def __init__(
        self,
        faults: RpcFaults | None = None,
        locked: bool = True,
        lock_mode: int = 2,
        key: bytes | None = None,
    ) -> None:
        self.faults = faults or RpcFaults()
        self.fcc_mode = lock_mode  # 0: the lock is not enabled at all
        self.fcc_state = 0 if locked else 1  # 0: closed, 1: open
        self.key = key or (OTHER_KEY if self.faults.wrong_key else LENOVO_KEY)
        self.radio_mode = 0  # what UtaModeSet reached; 1 is on
        self.transcript: list[RpcReceived] = []
        self.errors: list[str] = []  # what the modem could not read, for tests
        self._reader = codec.FrameReader()
        self._challenges = 0
        self._challenge: int | None = None

    @property
    def locked(self) -> bool:
        """Whether the lock holds the radio: enabled (mode != 0) and closed (state 0)."""
        return self.fcc_mode != 0 and self.fcc_state == 0

    @locked.setter
    def locked(self, value: bool) -> None:
        self.fcc_state = 0 if value else 1

    # --- the host's bytes -------------------------------------------------------------

    def receive_data(self, data: bytes, now: float = 0.0) -> list[Write | HangUp]:
        return [action for answer in self.receive_requests(data, now) for action in answer]

    def receive_requests(self, data: bytes, now: float = 0.0) -> list[list[Write | HangUp]]:
        """receive_data()'s actions, one list for each frame they answer."""
        try:
            frames = self._reader.feed(data)
        except codec.FrameError as error:
            self.errors.append(str(error))
            return []
        return [self.handle(frame, now) for frame in frames]

    def handle(self, data: bytes, now: float = 0.0) -> list[Write | HangUp]:
        try:
            frame = codec.decode_frame(data)
            request = codec.classify(frame)  # a request has the shape of a reply to it
            arguments = request.elements()
        except codec.FrameError as error:
            self.errors.append(str(error))
            return []
        call = catalog.lookup(frame.code)
        kind = call.kind if call else "other"
        name = call.name if call else f"0x{frame.code:x}"
        self.transcript.append(RpcReceived(kind, name, frame.code, frame.tid_word, arguments, now))
        faults = self.faults
        matches = {kind, "unlock"} if kind == catalog.UNLOCK_KIND else {kind}
        if faults.hang_up_on in matches:
            return [HangUp()]
        if matches & faults.never_answer or call is None:
            return []
        if matches & faults.garbage_instead:
            return [Write(GARBAGE)]
        frames = self._answer(call, frame.tid_word, arguments, bool(matches & faults.ack_only))
        if matches & faults.malformed and frames:
            frames[-1] = self._malformed(call, frame.tid_word)
        if faults.joined:
            return [Write(b"".join(frames))]
        return [Write(f) for f in frames]

    # --- answers ----------------------------------------------------------------------

    def _answer(
        self, call: catalog.Call, tid_word: int, arguments: list[Value], ack_only: bool
    ) -> list[bytes]:
        numbers = [v for v in arguments if isinstance(v, int)]
        frames: list[bytes] = []
        if call.asynchronous:
            frames += self._interleaved()
            frames.append(codec.encode_raw_frame(ASYNC_ACK_CODE, tid_word, codec.encode_int(0)))
            if ack_only:
                return frames
            frames += self._interleaved()
            body = codec.encode_int(tid_word) + self._async_body(call, numbers)
            frames.append(codec.encode_raw_frame(call.reply.code, tid_word, body))
            return frames
        if ack_only:
            return frames
        frames += self._interleaved()
        return frames + self._mode_set(numbers)

    def _async_body(self, call: catalog.Call, numbers: list[int]) -> bytes:
        if call is catalog.FCC_LOCK_QUERY:
            # The real reply: 02 01 00, then state and mode as asn_int4 (docs/xmmrpc.md §3.1).
            return codec.encode_int(0, 1) + codec.encode_elements([self.fcc_state, self.fcc_mode])
        if call is catalog.FCC_LOCK_GEN_CHALLENGE:
            self._challenge = CHALLENGES[self._challenges % len(CHALLENGES)]
            self._challenges += 1
            return codec.encode_int(0, 1) + codec.encode_int(self._challenge)
        # VerChallenge: a challenge answers once; without one nothing is accepted.
        expected = None if self._challenge is None else codec.challenge_response(self._challenge, self.key)
        self._challenge = None
        accepted = bool(numbers) and numbers[0] == expected
        if accepted and not self.faults.stays_locked:
            self.fcc_state = 1
        return codec.encode_int(1 if accepted else 0)

    def _mode_set(self, numbers: list[int]) -> list[bytes]:
        """UtaModeSet(0, mode tid, mode): status 0, then UtaModeSetRspCb with the mode
        reached, carrying the mode tid as its tid word (docs/xmmrpc.md §5)."""
        if len(numbers) != 3:
            return [codec.encode_frame(catalog.UTA_MODE_SET.code, codec.encode_int(1))]
        _, mode_tid, mode = numbers
        if not self.locked:
            self.radio_mode = mode
        indication = catalog.UTA_MODE_SET.indication
        assert indication is not None
        frames = [
            codec.encode_frame(catalog.UTA_MODE_SET.code, codec.encode_int(0)),
            *self._interleaved(),
            codec.encode_raw_frame(indication.code, mode_tid, codec.encode_int(self.radio_mode)),
        ]
        if self.radio_mode == 1:
            frames.append(codec.encode_raw_frame(SIM_INIT, 0, codec.encode_elements([0, 0])))
        return frames

    def _interleaved(self) -> list[bytes]:
        if not self.faults.unsolicited:
            return []
        return [codec.encode_raw_frame(ATTACH_ALLOWED, 0, codec.encode_elements([0, 0, 1]))]

    @staticmethod
    def _malformed(call: catalog.Call, tid_word: int) -> bytes:
        body = b"\x99\x01\x00"  # no element has type 0x99
        if call.asynchronous:
            return codec.encode_raw_frame(call.reply.code, tid_word, codec.encode_int(tid_word) + body)
        return codec.encode_frame(call.code, body)
