"""Fibocom FM350-GL / Rolling RW350R-GL (14c3:4d75, mtk_t7xx, /dev/wwan0at0): AT.

docs/at.md §3.1: ``AT+GTFCCEFFSTATUS?`` (mode,status) first; a locked modem gets
``at+gtfcclockgen`` -> challenge -> ``at+gtfcclockver=<decimal response>``, the
response big-endian at both ends (docs/at.md §4); then the status again, since
``+GTFCCLOCKVER: 1`` alone proves nothing (docs/at.md §5).
"""

from __future__ import annotations

from fcc_unlock import lockstate
from fcc_unlock.at.fcclock import as_decimal
from fcc_unlock.errors import Refused
from fcc_unlock.methods import _at_common as common

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fcc_unlock.at.session import AtSession
    from fcc_unlock.host.keys import Key

PORT_TYPE = "AT"
KEYED = True
RETRY_PAUSE = 0.1  # between rounds; ModemManager's script waits 0.5 s


def status(session: AtSession) -> lockstate.Verdict:
    """``AT+GTFCCEFFSTATUS?``: what the modem says of its lock; changes nothing."""
    return common.check(session, common.read_eff_status(session))


def unlock(session: AtSession, key: Key) -> str:
    before = status(session)
    if before.state == lockstate.UNLOCKED:
        return lockstate.ALREADY_UNLOCKED
    verified = common.challenge_response(session, key, "big", as_decimal, RETRY_PAUSE)
    if not verified:
        raise common.refused_response()
    after = common.check(session, common.read_eff_status(session, timeout=None), "after the unlock")
    return verdict_after(before, after)


def verdict_after(before: lockstate.Verdict, after: lockstate.Verdict) -> str:
    """The result of an accepted response, by what the status read back says."""
    if after.state == lockstate.LOCKED:
        raise Refused(f"the modem accepted the response but still reports its lock ({after})")
    if after.state == lockstate.UNLOCKED:
        return lockstate.unlocked(before, "challenge-response")
    return lockstate.unlocked(before, "+GTFCCLOCKVER: 1; the lock state could not be read back")


def switch_radio_on(session: AtSession) -> str:
    """``at+cfun=1``, as Lenovo's own sequence does after the unlock (docs/at.md §3.1)."""
    return common.radio_on(session)
