"""Foxconn T99W696 (17cb:0308): QMI 0x5571 on the Foxconn service 0xE4 ("FOXAP").

docs/protocol.md §4.10, which rests on one clean-room source (unverified on hardware):

1. FOX (0xE3) Get Firmware Version (0x555E) firmware-mcfg and apps, DMS Get IDs (IMEI).
2. FOXAP (0xE4) 0x5571 with TLV 0x01 = "salt" + md5hex(trimmed firmware-mcfg + apps +
   IMEI + "salt" + "FDE2") and TLV 0x02 = "0": the shape of foxconn.py's v2 with
   another key, so its code builds the string.

Every client id is released again. The modem has no lock query anyone has found: the
lock check before and after is Basic Connect RADIO_STATE, as for Sierra, which can rule
the lock out but not prove it gone (``--radio-on`` does that).
"""

from __future__ import annotations

from fcc_unlock import lockstate
from fcc_unlock.errors import Refused
from fcc_unlock.methods.foxconn import describe_failure, read_magic
from fcc_unlock.qmi import catalog
from fcc_unlock.qmi.constants import Service
from fcc_unlock.session import MbimSession, QmiClient, QmiFailure

KEY = "FDE2"  # what T99W696 firmware mixes in where the SDX55's takes "foxc"
UNLOCK = "0"  # TLV 0x02: '0' unlocks, '1' would lock again


def status(session: MbimSession) -> lockstate.Verdict:
    """What this modem can tell about its lock without changing anything."""
    return lockstate.radio_state_check(session)


def unlock(session: MbimSession) -> str:
    failures: list[str] = []
    question = lockstate.ask_radio_state(session)  # answered while the client is allocated
    with QmiClient(session, Service.DMS) as dms:
        before = lockstate.radio_state_check(session, question)
        if before.state == lockstate.UNLOCKED:
            return lockstate.ALREADY_UNLOCKED  # no unlock request; the client is released
        with QmiClient(session, Service.FOX) as fox:
            magic, _ = read_magic(session, fox, dms, failures, key=KEY)
    if magic is None:
        raise Refused(f"cannot build the unlock string: {'; '.join(failures)}")
    with QmiClient(session, Service.FOXAP) as foxap:
        try:
            foxap.call(catalog.FOXAP_SET_FCC_AUTHENTICATION, magic_string=magic, action=UNLOCK)
        except QmiFailure as failure:
            reason = f"modem refused the unlock: {describe_failure(failure)}"
            raise QmiFailure(reason, failure.error) from None
    after = lockstate.radio_state_check(session)  # the check after: rules out nothing new
    session.note(f"after the unlock: {after}")
    return lockstate.unlocked(before, "FOXAP 0xE4")
