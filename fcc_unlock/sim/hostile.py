"""A hostile modem: the model's replies, mutated at random from a seed.

``Hostile(seed, rate).mutate(kind, request, actions)`` takes the actions the model
produced for one request and returns them mangled the way a broken or malicious modem
could: lengths that lie, fragment headers that lie, wrong message types, wrong
transaction ids, wrong service or CID, QMI TLV lengths that lie, truncation, floods of
indications or garbage, replies dropped, doubled, stalled or dripped one byte at a time
(past any deadline), or an unplug. The model's own state is untouched: it still
believes it answered correctly, which is what lets a test tell what the host could
have known.

Reproducible: the mutations of a reply depend only on the seed, the kind of request it
answers and how many requests of that kind came before, never on timing. A ``plan``
(kind -> mutation names, applied to every reply to that kind) replaces the dice, for a
targeted case.

Turned on with the ``hostile`` fault knob (``python -m fcc_unlock.sim --hostile SEED``).
"""

from __future__ import annotations

import random
from collections import Counter

from fcc_unlock.mbim import constants as mbim
from fcc_unlock.mbim.messages import (
    CommandDone,
    DecodeError,
    IndicateStatus,
    Message,
    decode,
)
from fcc_unlock.mbim.stream import MIN_CONTROL_TRANSFER
from fcc_unlock.qmi import messages as qmi
from fcc_unlock.qmi.constants import RESULT_TLV, Kind
from fcc_unlock.sim.actions import HangUp, Write
from fcc_unlock.sim.faults import KINDS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Union

    Action = Union[Write, HangUp]
    Actions = list[Action]
    Mutator = Callable[[random.Random, Message, Actions], Actions]

MAX_STACKED = 3  # mutations one reply can get at most
U32_EXTREMES = (0, 1, 0xFF, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF)
SERVICES = (mbim.BASIC_CONNECT, mbim.QMI, mbim.QUECTEL, mbim.PROXY_CONTROL)
FRAGMENTED = (mbim.MessageType.COMMAND_DONE, mbim.MessageType.INDICATE_STATUS, mbim.MessageType.COMMAND)
STALLS = (0.05, 0.3, 0.8, 1.5, 3.0, 6.0)  # seconds a reply can be held back
DRIP_STEPS = (0.002, 0.02, 0.1, 0.3)  # seconds between the bytes of a dripped reply


def _u32(data: bytes | bytearray, at: int) -> int:
    return int.from_bytes(data[at : at + 4], "little")


def _set_u32(data: bytearray, at: int, value: int) -> None:
    data[at : at + 4] = (value & 0xFFFFFFFF).to_bytes(4, "little")


def _lie(rng: random.Random, value: int) -> int:
    """A u32 near ``value``, or an extreme, or anything."""
    choice = rng.randrange(4)
    if choice == 0:
        return max(0, value + rng.choice((-4, -2, -1, 1, 2, 4)))
    if choice == 1:
        return value + rng.randrange(5, 5000)
    if choice == 2:
        return rng.choice(U32_EXTREMES)
    return rng.getrandbits(32)


def _junk(rng: random.Random, size: int) -> bytes:
    return bytes(rng.getrandbits(8) for _ in range(size))


def _target(rng: random.Random, actions: Actions) -> int | None:
    """Index of the Write to mutate: usually the last (the reply), else any."""
    writes = [i for i, action in enumerate(actions) if isinstance(action, Write)]
    if not writes:
        return None
    return writes[-1] if rng.random() < 0.7 else rng.choice(writes)


def _poke(change: Callable[[random.Random, bytearray], bool]) -> Mutator:
    """A mutator that edits the bytes of one Write in place (``change`` says if it could)."""

    def mutate(rng: random.Random, request: Message, actions: Actions) -> Actions:
        index = _target(rng, actions)
        if index is None:
            return actions
        write = actions[index]
        assert isinstance(write, Write)
        data = bytearray(write.data)
        if not change(rng, data):
            data = bytearray(_flip(rng, data))
        return [*actions[:index], Write(bytes(data), write.delay), *actions[index + 1 :]]

    return mutate


def _flip(rng: random.Random, data: bytearray, start: int = 0) -> bytearray:
    if len(data) > start:
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(start, len(data))] ^= rng.randint(1, 255)
    return data


# --- edits of one transfer --------------------------------------------------------------


def _lying_length(rng: random.Random, data: bytearray) -> bool:
    if len(data) < 8:
        return False
    _set_u32(data, 4, _lie(rng, _u32(data, 4)))
    return True


def _truncated(rng: random.Random, data: bytearray) -> bool:
    if len(data) < 2:
        return False
    del data[rng.randrange(1, len(data)) :]  # the header still claims the whole length
    return True


def _extended(rng: random.Random, data: bytearray) -> bool:
    data += _junk(rng, rng.randint(1, 64))
    if rng.random() < 0.5 and len(data) >= 8:
        _set_u32(data, 4, len(data))  # a longer message, junk inside
    return True


def _lying_fragments(rng: random.Random, data: bytearray) -> bool:
    if len(data) < 20 or _u32(data, 0) not in FRAGMENTED:
        return False
    total, current = rng.choice(
        ((0, 0), (1, 1), (2, 0), (2, 1), (3, 2), (5, 0), (rng.getrandbits(32), 0), (1, rng.getrandbits(32)))
    )
    _set_u32(data, 12, total)
    _set_u32(data, 16, current)
    return True


def _wrong_type(rng: random.Random, data: bytearray) -> bool:
    if len(data) < 4:
        return False
    choices = [int(t) for t in mbim.MessageType] + [0, 0x80000005, 0x80000006, rng.getrandbits(32)]
    _set_u32(data, 0, rng.choice(choices))
    return True


def _wrong_tid(rng: random.Random, data: bytearray) -> bool:
    if len(data) < 12:
        return False
    tid = _u32(data, 8)
    _set_u32(
        data, 8, rng.choice((tid + 1, tid - 1, 0, tid ^ 0x80000000, rng.randint(1, 16), rng.getrandbits(32)))
    )
    return True


def _wrong_service(rng: random.Random, data: bytearray) -> bool:
    """Another service UUID or CID in a COMMAND_DONE or INDICATE_STATUS."""
    if len(data) < 40 or _u32(data, 0) not in FRAGMENTED:
        return False
    if rng.random() < 0.5:
        data[20:36] = rng.choice((*SERVICES, _junk(rng, 16)))
    else:
        _set_u32(data, 36, rng.choice((0, 1, 2, 3, 16, 19, rng.getrandbits(32))))
    return True


def _wrong_status(rng: random.Random, data: bytearray) -> bool:
    """Another status (COMMAND_DONE, OPEN_DONE, CLOSE_DONE) or error code (FUNCTION_ERROR)."""
    message_type = _u32(data, 0) if len(data) >= 4 else 0
    at = 40 if message_type == mbim.MessageType.COMMAND_DONE else 12
    if len(data) < at + 4:
        return False
    _set_u32(data, at, rng.choice((1, 2, 5, 9, 14, 19, 33, 0x87430001, 0xFFFFFFFF, rng.getrandbits(32))))
    return True


def _lying_buffer(rng: random.Random, data: bytearray) -> bool:
    """InformationBufferLength that disagrees with the bytes (COMMAND_DONE, INDICATE_STATUS)."""
    message_type = _u32(data, 0) if len(data) >= 4 else 0
    at = {int(mbim.MessageType.COMMAND_DONE): 44, int(mbim.MessageType.INDICATE_STATUS): 40}.get(message_type)
    if at is None or len(data) < at + 4:
        return False
    _set_u32(data, at, _lie(rng, _u32(data, at)))
    return True


def _payload_flip(rng: random.Random, data: bytearray) -> bool:
    if len(data) <= 48:
        return False
    _flip(rng, data, 48)
    return True


# --- QMI inside a COMMAND_DONE -------------------------------------------------------------


def _qmi(rng: random.Random, request: Message, actions: Actions) -> Actions:
    """A QMUX frame that lies: its lengths, a TLV's length, its ids, its result, its TLVs."""
    for index in range(len(actions) - 1, -1, -1):
        action = actions[index]
        if not isinstance(action, Write):
            continue
        try:
            done = decode(action.data)
        except DecodeError:
            continue
        if isinstance(done, CommandDone) and done.service_id == mbim.QMI and done.information_buffer:
            frame = _qmi_frame(rng, done.information_buffer)
            lied = CommandDone(done.transaction_id, done.service_id, done.cid, done.status, frame)
            return [*actions[:index], Write(lied.encode(), action.delay), *actions[index + 1 :]]
    return _poke(_payload_flip)(rng, request, actions)


def _qmi_frame(rng: random.Random, frame: bytes) -> bytes:
    try:
        message = qmi.decode(frame)
    except qmi.DecodeError:
        message = None
    if message is not None and rng.random() < 0.5:
        return _qmi_fields(rng, message).encode()
    data = bytearray(frame)
    ctl = len(data) > 4 and data[4] == 0
    tlvs_at = 12 if ctl else 13  # QMUX header 6, then the SDU header (CTL 6, service 7)
    where = rng.choice(("qmux-length", "tlv-length", "first-tlv-length", "marker", "ids", "truncate", "flip"))
    if where == "qmux-length" and len(data) >= 3:
        data[1:3] = (_lie(rng, int.from_bytes(data[1:3], "little")) & 0xFFFF).to_bytes(2, "little")
    elif where == "tlv-length" and len(data) >= tlvs_at:
        at = tlvs_at - 2
        data[at : at + 2] = (_lie(rng, int.from_bytes(data[at : at + 2], "little")) & 0xFFFF).to_bytes(
            2, "little"
        )
    elif where == "first-tlv-length" and len(data) >= tlvs_at + 3:
        at = tlvs_at + 1
        data[at : at + 2] = (_lie(rng, int.from_bytes(data[at : at + 2], "little")) & 0xFFFF).to_bytes(
            2, "little"
        )
    elif where == "marker" and data:
        data[0] = rng.choice((0, 2, 0xFF))
    elif where == "ids" and len(data) > tlvs_at:
        at = rng.choice((3, 4, 5, 6, 7, 8))  # flags, service, client, SDU flags, tid, message id
        data[at] = rng.getrandbits(8)
    elif where == "truncate" and len(data) > 1:
        del data[rng.randrange(1, len(data)) :]
    else:
        _flip(rng, data)
    return bytes(data)


def _qmi_fields(rng: random.Random, message: qmi.QmiMessage) -> qmi.QmiMessage:
    """A well-formed QMUX frame that says the wrong thing."""
    service, client_id, tid, message_id = (
        message.service,
        message.client_id,
        message.transaction_id,
        message.message_id,
    )
    kind, tlvs = message.kind, list(message.tlvs)
    what = rng.choice(
        ("error", "no-result", "drop-tlv", "twin-tlv", "extra-tlv", "client-tlv", "short-tlv", "ids")
    )
    if what == "error":
        error = rng.choice((1, 3, 4, 5, 0x47, 0x1A, rng.getrandbits(16)))
        tlvs = [(t, v) for t, v in tlvs if t != RESULT_TLV]
        tlvs.insert(0, (RESULT_TLV, (1).to_bytes(2, "little") + error.to_bytes(2, "little")))
    elif what == "no-result":
        tlvs = [(t, v) for t, v in tlvs if t != RESULT_TLV]
    elif what == "drop-tlv" and tlvs:
        del tlvs[rng.randrange(len(tlvs))]
    elif what == "twin-tlv" and tlvs:
        tlv_type, _ = rng.choice(tlvs)
        tlvs.insert(rng.randrange(len(tlvs) + 1), (tlv_type, _junk(rng, rng.choice((0, 1, 2, 4, 40)))))
    elif what == "extra-tlv":
        tlvs.append((rng.getrandbits(8), _junk(rng, rng.randint(0, 300))))
    elif what == "client-tlv":
        tlvs = [(t, _junk(rng, len(v)) if t == 0x01 else v) for t, v in tlvs] or [(0x01, _junk(rng, 2))]
    elif what == "short-tlv" and tlvs:
        at = rng.randrange(len(tlvs))
        tlv_type, value = tlvs[at]
        tlvs[at] = (tlv_type, value[: rng.randrange(len(value))] if value else b"\xff" * 300)
    else:
        field = rng.randrange(5)
        if field == 0:
            service = rng.getrandbits(8)
        elif field == 1:
            client_id = rng.getrandbits(8)
        elif field == 2:
            tid = rng.getrandbits(8 if service == 0 else 16)
        elif field == 3:
            message_id = rng.getrandbits(16)
        else:
            kind = rng.choice(list(Kind))
    return qmi.QmiMessage(service, client_id, tid, message_id, kind, tuple(tlvs))


# --- what is written, and when ---------------------------------------------------------------


def _flood_indications(rng: random.Random, request: Message, actions: Actions) -> Actions:
    count = rng.choice((1, 3, 10, 50, 200))
    flood: Actions = []
    for _ in range(count):
        payload = _junk(rng, rng.choice((0, 4, 8, 64, 1000)))
        indication = IndicateStatus(rng.getrandbits(32), rng.choice(SERVICES), rng.randint(0, 30), payload)
        flood.append(Write(indication.encode()))
    return _before_reply(rng, actions, flood)


def _flood_garbage(rng: random.Random, request: Message, actions: Actions) -> Actions:
    junk = bytearray(_junk(rng, rng.choice((1, 7, 12, 100, 1000, 8000))))
    if rng.random() < 0.3 and len(junk) >= 12:
        # A plausible header whose length swallows what follows.
        _set_u32(junk, 0, rng.choice(FRAGMENTED))
        _set_u32(junk, 4, rng.choice((48, 200, 5000, 60000)))
    return _before_reply(rng, actions, [Write(bytes(junk))])


def _bad_fragment(rng: random.Random, request: Message, actions: Actions) -> Actions:
    """A fragment that cannot fit: out of sequence now, or the first of two that never ends."""
    total, current = rng.choice(((2, 1), (3, 2), (2, 0), (0, 0)))
    message_type = rng.choice((mbim.MessageType.COMMAND_DONE, mbim.MessageType.INDICATE_STATUS))
    tid = rng.choice((request.transaction_id, rng.getrandbits(32)))
    body = _junk(rng, rng.choice((0, 8, 40)))
    fragment = bytearray(20) + body
    _set_u32(fragment, 0, message_type)
    _set_u32(fragment, 4, len(fragment))
    _set_u32(fragment, 8, tid)
    _set_u32(fragment, 12, total)
    _set_u32(fragment, 16, current)
    return _before_reply(rng, actions, [Write(bytes(fragment))])


def _refragmented(rng: random.Random, request: Message, actions: Actions) -> Actions:
    """The reply cut in small fragments, one of them lost, doubled, swapped or late."""
    index = _target(rng, actions)
    if index is None:
        return actions
    write = actions[index]
    assert isinstance(write, Write)
    data = write.data
    if len(data) < 21 or _u32(data, 0) not in FRAGMENTED or _u32(data, 12) != 1:
        return _poke(_lying_fragments)(rng, request, actions)
    from fcc_unlock.mbim.stream import fragment

    size = rng.randint(MIN_CONTROL_TRANSFER, max(MIN_CONTROL_TRANSFER, min(len(data) - 1, 128)))
    pieces = fragment(data, size) if len(data) > size else [data[:21], data[21:]]
    how = rng.choice(("lose", "double", "swap", "late", "as-is"))
    at = rng.randrange(len(pieces))
    delays = [write.delay] * len(pieces)
    if how == "lose":
        del pieces[at], delays[at]
    elif how == "double":
        pieces.insert(at, pieces[at])
        delays.insert(at, write.delay)
    elif how == "swap" and len(pieces) > 1:
        other = (at + 1) % len(pieces)
        pieces[at], pieces[other] = pieces[other], pieces[at]
    elif how == "late":
        delays[at:] = [d + rng.choice((1.0, 1.5, 3.0)) for d in delays[at:]]  # past the fragment gap
    writes: Actions = [Write(piece, delay) for piece, delay in zip(pieces, delays)]
    return [*actions[:index], *writes, *actions[index + 1 :]]


def _duplicated(rng: random.Random, request: Message, actions: Actions) -> Actions:
    index = _target(rng, actions)
    if index is None:
        return actions
    return [*actions[: index + 1], actions[index], *actions[index + 1 :]]


def _dropped(rng: random.Random, request: Message, actions: Actions) -> Actions:
    index = _target(rng, actions)
    if index is None:
        return actions
    return [*actions[:index], *actions[index + 1 :]]


def _stalled(rng: random.Random, request: Message, actions: Actions) -> Actions:
    stall = rng.choice(STALLS)
    return [Write(a.data, a.delay + stall) if isinstance(a, Write) else a for a in actions]


def _dripped(rng: random.Random, request: Message, actions: Actions) -> Actions:
    """One byte at a time; at the slower steps that goes on past any deadline."""
    index = _target(rng, actions)
    if index is None:
        return actions
    write = actions[index]
    assert isinstance(write, Write)
    step = rng.choice(DRIP_STEPS)
    drip: Actions = [Write(write.data[i : i + 1], write.delay + step * i) for i in range(len(write.data))]
    later = [
        Write(a.data, a.delay + step * len(write.data)) if isinstance(a, Write) else a
        for a in actions[index + 1 :]
    ]
    return [*actions[:index], *drip, *later]


def _split(rng: random.Random, request: Message, actions: Actions) -> Actions:
    """The reply in a few pieces, apart in time (a transport that chunks)."""
    index = _target(rng, actions)
    if index is None:
        return actions
    write = actions[index]
    assert isinstance(write, Write)
    data = write.data
    cuts = (
        sorted(rng.sample(range(1, len(data)), min(len(data) - 1, rng.randint(1, 4))))
        if len(data) > 1
        else []
    )
    bounds = [0, *cuts, len(data)]
    pieces: Actions = [
        Write(data[a:b], write.delay + 0.005 * i) for i, (a, b) in enumerate(zip(bounds, bounds[1:]))
    ]
    return [*actions[:index], *pieces, *actions[index + 1 :]]


def _reordered(rng: random.Random, request: Message, actions: Actions) -> Actions:
    writes = [i for i, action in enumerate(actions) if isinstance(action, Write)]
    if len(writes) < 2:
        return _echo(rng, request, actions)
    a, b = rng.sample(writes, 2)
    swapped = list(actions)
    swapped[a], swapped[b] = swapped[b], swapped[a]
    return swapped


def _echo(rng: random.Random, request: Message, actions: Actions) -> Actions:
    """The host's own request sent back (a host-to-function message type)."""
    return _before_reply(rng, actions, [Write(request.encode())])


def _hung_up(rng: random.Random, request: Message, actions: Actions) -> Actions:
    at = rng.randrange(len(actions) + 1)
    return [*actions[:at], HangUp()]


def _silent(rng: random.Random, request: Message, actions: Actions) -> Actions:
    return [a for a in actions if not isinstance(a, Write)]


def _before_reply(rng: random.Random, actions: Actions, inserted: Actions) -> Actions:
    at = len(actions) if rng.random() < 0.3 else max(0, len(actions) - 1)
    return [*actions[:at], *inserted, *actions[at:]]


def _near_the_deadline(rng: random.Random, request: Message, actions: Actions) -> Actions:
    """Without a deadline to aim at (Hostile.deadline), a plain stall; Hostile aims it."""
    return _stalled(rng, request, actions)


# name -> (mutator, weight)
MUTATIONS: dict[str, tuple[Mutator, int]] = {
    "lying-length": (_poke(_lying_length), 4),
    "truncated": (_poke(_truncated), 3),
    "extended": (_poke(_extended), 2),
    "lying-fragments": (_poke(_lying_fragments), 3),
    "wrong-type": (_poke(_wrong_type), 3),
    "wrong-tid": (_poke(_wrong_tid), 3),
    "wrong-service": (_poke(_wrong_service), 3),
    "wrong-status": (_poke(_wrong_status), 3),
    "lying-buffer": (_poke(_lying_buffer), 3),
    "payload-flip": (_poke(_payload_flip), 3),
    "qmi": (_qmi, 6),
    "flood-indications": (_flood_indications, 2),
    "flood-garbage": (_flood_garbage, 2),
    "bad-fragment": (_bad_fragment, 2),
    "refragmented": (_refragmented, 3),
    "duplicated": (_duplicated, 2),
    "dropped": (_dropped, 2),
    "stalled": (_stalled, 2),
    "dripped": (_dripped, 2),
    "near-the-deadline": (_near_the_deadline, 3),
    "split": (_split, 2),
    "reordered": (_reordered, 1),
    "echo": (_echo, 1),
    "silent": (_silent, 1),
    "hung-up": (_hung_up, 1),
}
_NAMES = list(MUTATIONS)
_WEIGHTS = [weight for _, weight in MUTATIONS.values()]


class Hostile:
    """Mutates each reply with probability ``rate`` (again, up to MAX_STACKED times).

    ``deadline``: the host's timeout in seconds, if known; the ``near-the-deadline``
    mutation then holds a reply (or drips it) until just before or after that long
    since the first request, where a host's last decisions are made.
    """

    def __init__(
        self,
        seed: int,
        rate: float = 0.25,
        plan: dict[str, tuple[str, ...]] | None = None,
        deadline: float | None = None,
    ) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"hostile rate must be between 0 and 1, not {rate!r}")
        for kind, names in (plan or {}).items():
            if kind not in KINDS or kind == "unlock":
                raise ValueError(f"unknown message kind {kind!r}; one of: {', '.join(KINDS[:-1])}")
            for name in names:
                if name not in MUTATIONS:
                    raise ValueError(f"unknown mutation {name!r}; one of: {', '.join(MUTATIONS)}")
        self.seed = seed
        self.rate = rate
        self.deadline = deadline
        self._first: float | None = None  # when the first request arrived
        self.plan = None if plan is None else dict(plan)
        self.log: list[tuple[str, int, tuple[str, ...]]] = []  # (kind, occurrence, mutations)
        self._seen: Counter[str] = Counter()

    def mutate(self, kind: str, request: Message, actions: Actions, now: float = 0.0) -> Actions:
        if self._first is None:
            self._first = now
        occurrence = self._seen[kind]
        self._seen[kind] += 1
        rng = random.Random(f"{self.seed}:{kind}:{occurrence}")
        if self.plan is not None:
            names = self.plan.get(kind, ())
        else:
            names = ()
            while len(names) < MAX_STACKED and rng.random() < self.rate:
                names += (rng.choices(_NAMES, _WEIGHTS)[0],)
        for name in names:
            if name == "near-the-deadline" and self.deadline is not None:
                actions = self._near_the_deadline(rng, actions, now)
            else:
                actions = MUTATIONS[name][0](rng, request, actions)
        if names:
            self.log.append((kind, occurrence, names))
        return actions

    def _near_the_deadline(self, rng: random.Random, actions: Actions, now: float) -> Actions:
        assert self.deadline is not None and self._first is not None
        # A host's work deadline is often 3/4 of its timeout (a reserve for cleanup).
        due = self._first + self.deadline * rng.uniform(0.6, 1.1)
        hold = max(0.0, due - now)
        index = _target(rng, actions)
        if index is None:
            return actions
        write = actions[index]
        assert isinstance(write, Write)
        if rng.random() < 0.5 or len(write.data) < 2:
            pieces = [Write(write.data, write.delay + hold)]
        else:  # dripped, the last byte on time
            step = hold / (len(write.data) - 1)
            pieces = [Write(write.data[i : i + 1], write.delay + step * i) for i in range(len(write.data))]
        later = [Write(a.data, a.delay + hold) if isinstance(a, Write) else a for a in actions[index + 1 :]]
        return [*actions[:index], *pieces, *later]

    def __repr__(self) -> str:
        return f"Hostile(seed={self.seed}, rate={self.rate:g})"
