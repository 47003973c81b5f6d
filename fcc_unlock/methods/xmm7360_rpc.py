"""Intel XMM7360 / Fibocom L850-GL (8086:7360) over its XMM RPC port (/dev/wwanNxmmrpc0).

The sequence of docs/xmmrpc.md §3-§4: CsiFccLockQuery (locked iff mode != 0 and
state == 0); GenChallenge; the response SHA-256(challenge LE || key)[0:4] as a
little-endian number; VerChallenge (result 1 accepted); the query again to see the
lock open. A refused response is tried again, up to ATTEMPTS times with a pause, as
ModemManager's dispatcher does, while the deadline leaves room for another round.
``switch_radio_on`` is UtaModeSet(1) and its UtaModeSetRspCb (docs/xmmrpc.md §5): what
ModemManager does itself after its dispatcher, and a standalone run must do.
"""

from __future__ import annotations

from fcc_unlock import lockstate
from fcc_unlock.errors import Refused
from fcc_unlock.xmmrpc import catalog
from fcc_unlock.xmmrpc.codec import challenge_response

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fcc_unlock.host.keys import Key
    from fcc_unlock.xmmrpc.session import RpcSession

PORT_TYPE = "XMMRPC"
KEYED = True

SIGNAL = "xmm-fcc-lock"  # the evidence's name in --status and --json
ATTEMPTS = 3  # ModemManager's 8086:7360 script: three rounds, 0.5 s apart
RETRY_PAUSE = 0.5
RADIO_ON_MODE = 1


def lock_evidence(state: int, mode: int) -> lockstate.Evidence:
    """What CsiFccLockQuery's state and mode prove (docs/xmmrpc.md §3.1)."""
    value = f"mode {mode}, state {state}"
    if mode == 0:
        return lockstate.Evidence(SIGNAL, value, lockstate.UNLOCKED, "the FCC lock is not enabled (mode 0)")
    if state == 0:
        return lockstate.Evidence(SIGNAL, value, lockstate.LOCKED, "the modem reports its FCC lock closed")
    return lockstate.Evidence(SIGNAL, value, lockstate.UNLOCKED, "the modem reports its FCC lock open")


def status(session: RpcSession) -> lockstate.Verdict:
    """CsiFccLockQuery: the modem's own answer; changes nothing."""
    reply = session.call(catalog.FCC_LOCK_QUERY)
    verdict = lockstate.decide([lock_evidence(reply["state"], reply["mode"])])
    session.note(f"lock check: {verdict}")
    return verdict


def unlock(session: RpcSession, key: Key) -> str:
    before = status(session)
    if before.state != lockstate.LOCKED:
        return lockstate.ALREADY_UNLOCKED
    session.note(f"key {key}")
    refusals: list[str] = []
    for attempt in range(1, ATTEMPTS + 1):
        started = session.clock()
        result = _challenge(session, key.value)
        if result == 1:
            break
        refusals.append(f"result {result}")
        took = session.clock() - started
        if attempt == ATTEMPTS or session.time_left() < RETRY_PAUSE + 2 * took:
            raise Refused(
                f"the modem refused the challenge response ({', '.join(refusals)}): wrong key {key.hex}?"
            )
        session.note(f"attempt {attempt} refused (result {result}): trying again")
        session.pause(RETRY_PAUSE)
    after = status(session)
    if after.state == lockstate.LOCKED:
        raise Refused(f"the modem accepted the response but still reports its FCC lock ({after})")
    return lockstate.unlocked(before, f"attempt {attempt}" if attempt > 1 else "")


def _challenge(session: RpcSession, key: bytes) -> int:
    """One GenChallenge / VerChallenge round; VerChallenge's result (1: accepted)."""
    challenge = session.call(catalog.FCC_LOCK_GEN_CHALLENGE)["challenge"]
    response = challenge_response(challenge, key)
    session.note(f"challenge 0x{challenge:08x} -> response 0x{response:08x}")
    return session.call(catalog.FCC_LOCK_VER_CHALLENGE, response)["result"]


def switch_radio_on(session: RpcSession) -> str:
    """UtaModeSet(1), then its UtaModeSetRspCb must report mode 1 (docs/xmmrpc.md §5)."""
    status_code = session.call(catalog.UTA_MODE_SET, 0, catalog.MODE_SET_TID, RADIO_ON_MODE)["status"]
    if status_code != 0:
        raise Refused(f"the modem refused UtaModeSet({RADIO_ON_MODE}) (status {status_code})")
    assert catalog.UTA_MODE_SET.indication is not None
    mode = session.wait_for(catalog.UTA_MODE_SET.indication)["mode"]
    if mode != RADIO_ON_MODE:
        raise Refused(f"the radio did not come on (UtaModeSetRspCb reports mode {mode}): still FCC-locked?")
    return "radio on"
