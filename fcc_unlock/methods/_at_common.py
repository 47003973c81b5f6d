"""What the AT methods (fm350_at, l860_at, rw101_at) share: the lock questions, the
challenge-response round with its bounded retries, and switching the radio on.

Not a method itself (no entry in METHODS). docs/at.md §3 has the dialogues.
"""

from __future__ import annotations

from fcc_unlock import lockstate
from fcc_unlock.at import catalog
from fcc_unlock.at.codec import AtDecodeError
from fcc_unlock.at.fcclock import response
from fcc_unlock.errors import DeviceError, FccUnlockError, ProtocolError, Refused

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable

    from fcc_unlock.at.codec import Reply
    from fcc_unlock.at.fcclock import ByteOrder
    from fcc_unlock.at.session import AtSession
    from fcc_unlock.host.keys import Key

EFF_STATUS = "at-fcc-eff-status"  # signal names, as --status and --json show them
LOCK_STATE = "at-fcc-lock-state"
SIGNAL_SECONDS = 2.0  # a lock question's longest wait
OPTIONAL_SHARE = 0.5  # ... and at most this share of the time left (the unlock needs the rest)
TRIES = 3  # challenge-response rounds at most (ModemManager's 9 do not fit its own 5 s)
VERIFIED = 1  # +GTFCCLOCKVER: 1


def optional_timeout(session: AtSession) -> float:
    return min(SIGNAL_SECONDS, session.time_left() * OPTIONAL_SHARE)


def answer(reply: Reply, command: catalog.AtCommand) -> object:
    """The value in ``reply`` (docs/at.md §1.5); a reply without it is a ProtocolError."""
    try:
        return command.answer(reply)
    except AtDecodeError as error:
        raise ProtocolError(str(error)) from None


# --- the lock questions ------------------------------------------------------------

MODES = {0: "no lock", 1: "one-time lock", 2: "power-up lock"}


def eff_status_evidence(mode: int, status: int) -> lockstate.Evidence:
    """``+GTFCCEFFSTATUS: <mode>,<status>`` (docs/at.md §3.1)."""
    value = f"{mode},{status} ({MODES.get(mode, 'unknown mode')}, status {status})"
    if mode == 0:
        return lockstate.Evidence(EFF_STATUS, value, lockstate.UNLOCKED, "the modem has no FCC lock")
    if status == 1:
        return lockstate.Evidence(EFF_STATUS, value, lockstate.UNLOCKED, "the FCC lock is open")
    if mode in MODES and status == 0:
        return lockstate.Evidence(EFF_STATUS, value, lockstate.LOCKED, "the modem reports its FCC lock")
    return lockstate.Evidence(EFF_STATUS, value, None, "values no source defines")


def lock_state_evidence(state: int) -> lockstate.Evidence:
    """``at+gtfcclockstate`` on the L860R+: non-zero is unlocked (docs/at.md §3.2)."""
    if state:
        return lockstate.Evidence(LOCK_STATE, str(state), lockstate.UNLOCKED, "the FCC lock is open")
    return lockstate.Evidence(LOCK_STATE, "0", lockstate.LOCKED, "the modem reports its FCC lock")


def _ask(
    session: AtSession,
    command: catalog.AtCommand,
    signal: str,
    evidence: Callable[[object], lockstate.Evidence],
    timeout: float | None,
) -> lockstate.Evidence:
    try:
        reply = session.run(command, timeout=optional_timeout(session) if timeout is None else timeout)
        if not reply.ok:
            return lockstate.unavailable(signal, f"the modem answered {reply.final}")
        return evidence(answer(reply, command))
    except DeviceError:
        raise  # unplugged: nothing more to ask
    except FccUnlockError as error:
        return lockstate.unavailable(signal, str(error))


def read_eff_status(session: AtSession, timeout: float | None = None) -> lockstate.Evidence:
    return _ask(
        session,
        catalog.FCC_EFF_STATUS,
        EFF_STATUS,
        lambda value: eff_status_evidence(*value),  # type: ignore[misc]
        timeout,
    )


def read_lock_state(session: AtSession, timeout: float | None = None) -> lockstate.Evidence:
    return _ask(
        session,
        catalog.FCC_LOCK_STATE,
        LOCK_STATE,
        lambda value: lock_state_evidence(int(value)),  # type: ignore[call-overload]
        timeout,
    )


def check(session: AtSession, evidence: lockstate.Evidence, when: str = "lock check") -> lockstate.Verdict:
    verdict = lockstate.decide([evidence])
    session.note(f"{when}: {verdict}")
    return verdict


# --- the unlock ----------------------------------------------------------------------


def challenge_response(
    session: AtSession,
    key: Key,
    byteorder: ByteOrder,
    render: Callable[[int], str],
    pause: float,
) -> bool:
    """``at+gtfcclockgen`` -> challenge -> ``at+gtfcclockver=<response>``, until the
    modem answers 1; at most TRIES rounds, and another only while the time left holds
    one more round (as long as the last took) and ``pause``. True: VER said 1.

    Raises Refused when the modem refuses the challenge; Timeout, ProtocolError and
    DeviceError as the session does. A VER other than 1 is a False, not an error: the
    caller's lock question after decides (docs/at.md §3).
    """
    for attempt in range(1, TRIES + 1):
        started = session.clock()
        reply = session.run(catalog.FCC_LOCK_GEN)
        if not reply.ok:
            raise Refused(f"the modem refused to give a challenge ({reply.final})")
        challenge = int(answer(reply, catalog.FCC_LOCK_GEN))  # type: ignore[call-overload]
        value = response(challenge, key.value, byteorder)
        session.note(f"challenge 0x{challenge:08x} -> response {render(value)} (key {key.hex})")
        reply = session.run(catalog.FCC_LOCK_VER, render(value))
        if reply.ok and answer(reply, catalog.FCC_LOCK_VER) == VERIFIED:
            return True
        session.note(f"attempt {attempt}: the modem did not accept the response ({_said(reply)})")
        took = session.clock() - started
        if attempt == TRIES or session.time_left() < pause + 2 * took:
            break
        _sleep(session, pause)
    return False


def _said(reply: Reply) -> str:
    return "; ".join((*reply.lines, reply.final))


def _sleep(session: AtSession, seconds: float) -> None:
    import time

    time.sleep(max(0.0, min(seconds, session.time_left())))


def radio_on(session: AtSession) -> str:
    """``at+cfun=1``; Refused if the modem says no (still locked, or rfkill)."""
    reply = session.run(catalog.RADIO_ON)
    if not reply.ok:
        raise Refused(f"the modem refused to switch the radio on ({reply.final})")
    return "radio on"


def refused_response(tries_note: str = "") -> Refused:
    """The modem answered every round, never with VER 1."""
    return Refused(f"the modem did not accept the FCC response (wrong key?){tries_note}")
