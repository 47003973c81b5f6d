"""Intel XMM7560 / Fibocom L860R+ in Lenovo machines (8086:7560, iosm, /dev/wwan0at0): AT.

docs/at.md §3.2: the lock question is ``at+gtfcclockstate`` (non-zero: unlocked);
a locked modem gets ``at+gtfcclockgen`` (a bare ``0x<hex>`` answer) ->
``at+gtfcclockver=<decimal response>``, little-endian at both ends (docs/at.md §4),
then ``at+gtfcclockmodeunlock`` (must be OK), ``at+cfun=1`` and the lock state again.
"""

from __future__ import annotations

from fcc_unlock import lockstate
from fcc_unlock.at import catalog
from fcc_unlock.at.fcclock import as_decimal
from fcc_unlock.errors import Refused
from fcc_unlock.methods import _at_common as common

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fcc_unlock.at.session import AtSession
    from fcc_unlock.host.keys import Key

PORT_TYPE = "AT"
KEYED = True
RETRY_PAUSE = 0.1  # Lenovo's library waits 3 s, which no udev run can afford


def status(session: AtSession) -> lockstate.Verdict:
    """``at+gtfcclockstate``: what the modem says of its lock; changes nothing."""
    return common.check(session, common.read_lock_state(session))


def unlock(session: AtSession, key: Key) -> str:
    before = status(session)
    if before.state == lockstate.UNLOCKED:
        return lockstate.ALREADY_UNLOCKED
    if not common.challenge_response(session, key, "little", as_decimal, RETRY_PAUSE):
        raise common.refused_response()
    reply = session.run(catalog.FCC_MODE_UNLOCK)
    if not reply.ok:
        raise Refused(f"the modem accepted the response but refused at+gtfcclockmodeunlock ({reply.final})")
    common.radio_on(session)
    after = common.check(session, common.read_lock_state(session, timeout=None), "after the unlock")
    if after.state == lockstate.LOCKED:
        raise Refused(f"the modem went through the unlock but still reports its lock ({after})")
    how = "challenge-response" if after.state == lockstate.UNLOCKED else "lock state not read back"
    return lockstate.unlocked(before, how) + "; radio on"


def switch_radio_on(session: AtSession) -> str:
    """``at+cfun=1`` (the unlock already did it; again for ``--radio-on`` alone)."""
    return common.radio_on(session)
