"""Sierra Wireless (EM7355, EM7455, MC7355, MC8805 and their Dell/HP/Lenovo variants).

The unlock is QMI DMS "Set FCC Authentication" (0x555F, no TLVs), carried through the
MBIM QMI service (protocol.md §3.1, §4.1): allocate a DMS client, send, release.
"""

from __future__ import annotations

from fcc_unlock.qmi import dms
from fcc_unlock.qmi.constants import Service
from fcc_unlock.session import MbimSession, QmiClient, QmiFailure


def unlock(session: MbimSession) -> str:
    with QmiClient(session, Service.DMS) as client:
        try:
            client.call(dms.set_fcc_authentication)
        except QmiFailure as failure:
            raise QmiFailure(f"modem refused the unlock: {failure}", failure.error) from None
    return "unlocked"
