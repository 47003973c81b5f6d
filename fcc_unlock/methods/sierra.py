"""Sierra Wireless (EM7355, EM7455, MC7355, MC8805 and their Dell/HP/Lenovo variants).

The unlock is QMI DMS "Set FCC Authentication" (0x555F, no TLVs), carried through the
MBIM QMI service (docs/protocol.md §3.1, §4.1): allocate a DMS client, send, release.

Sierra firmware has no lock query. Before unlocking we read Basic Connect RADIO_STATE:
a radio that is on rules the lock out (then nothing is sent), a hardware switch that
is off is worth reporting. Afterwards no signal can show the lock gone until someone
switches the radio on: ``--radio-on`` does that, and checks.
"""

from __future__ import annotations

from fcc_unlock import lockstate
from fcc_unlock.qmi import catalog
from fcc_unlock.qmi.constants import Service
from fcc_unlock.session import MbimSession, QmiClient, QmiFailure


def status(session: MbimSession) -> lockstate.Verdict:
    """What this modem can tell about its lock without changing anything."""
    return lockstate.radio_state_check(session)


def unlock(session: MbimSession) -> str:
    # The lock check rides along with the client allocation: OPEN, (RADIO_STATE +
    # Allocate CID), Set FCC Authentication, Release CID, CLOSE -- five round trips.
    # By hand only (lockstate.worth_asking_radio_state()): on hotplug and as ModemManager's
    # dispatcher it is OPEN, Allocate CID, Set FCC Authentication, Release CID, CLOSE.
    asking = lockstate.worth_asking_radio_state(session)
    question = lockstate.ask_radio_state(session) if asking else None
    with QmiClient(session, Service.DMS) as client:
        before = lockstate.radio_state_check(session, question) if asking else lockstate.NOT_ASKED
        if before.state == lockstate.UNLOCKED:
            return lockstate.ALREADY_UNLOCKED  # no unlock request; the client is released
        try:
            client.call(catalog.SET_FCC_AUTHENTICATION)
        except QmiFailure as failure:
            raise QmiFailure(f"modem refused the unlock: {failure}", failure.error) from None
    return lockstate.unlocked(before)
