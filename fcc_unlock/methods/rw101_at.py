"""Rolling RW101R-GL (USB 33f8:01a4/01a8/01a9/0301/0302) on a USB serial AT port: AT.

docs/at.md §3.3 (a sequence only one source reports: the method is ``reported``):
``ate0``, the lock question ``AT+GTFCCEFFSTATUS?``, ``at+gtfcclockgen`` ->
``at+gtfcclockver=0x<8 hex>`` (the FM350's big-endian number, written in hex),
``at+cfun=1``; the verdict comes from the status read after, not from the VER reply.
"""

from __future__ import annotations

from fcc_unlock import lockstate
from fcc_unlock.at import catalog
from fcc_unlock.at.fcclock import as_hex
from fcc_unlock.errors import Refused
from fcc_unlock.methods import _at_common as common

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fcc_unlock.at.session import AtSession
    from fcc_unlock.host.keys import Key

PORT_TYPE = "AT"
KEYED = True
RETRY_PAUSE = 0.1  # what Lenovo's library waits between rounds


def status(session: AtSession) -> lockstate.Verdict:
    """``AT+GTFCCEFFSTATUS?``: what the modem says of its lock; changes nothing."""
    return common.check(session, common.read_eff_status(session))


def unlock(session: AtSession, key: Key) -> str:
    reply = session.run(catalog.ECHO_OFF)
    if not reply.ok:
        session.note(f"ate0 answered {reply.final}; going on (echo is skipped either way)")
    before = status(session)
    if before.state == lockstate.UNLOCKED:
        return lockstate.ALREADY_UNLOCKED
    verified = common.challenge_response(session, key, "big", as_hex, RETRY_PAUSE)
    radio = session.run(catalog.RADIO_ON)
    after = common.check(session, common.read_eff_status(session, timeout=None), "after the unlock")
    if after.state == lockstate.LOCKED:
        if not verified:
            raise common.refused_response()
        raise Refused(f"the modem accepted the response but still reports its lock ({after})")
    if after.state != lockstate.UNLOCKED and not verified:
        raise common.refused_response("; the lock state could not be read back")
    how = "challenge-response"
    if after.state != lockstate.UNLOCKED:
        how = "+GTFCCLOCKVER: 1; the lock state could not be read back"
    return lockstate.unlocked(before, how) + ("; radio on" if radio.ok else f"; at+cfun=1: {radio.final}")


def switch_radio_on(session: AtSession) -> str:
    """``at+cfun=1`` (the unlock already did it; again for ``--radio-on`` alone)."""
    return common.radio_on(session)
