"""QMI CTL transaction ids are per device: two clients in one session never share one."""

import time

from fcc_unlock.qmi import catalog
from fcc_unlock.qmi.constants import Service
from fcc_unlock.session import MbimSession, QmiClient
from fcc_unlock.sim.faults import Faults
from fcc_unlock.sim.model import SimModem
from fcc_unlock.sim.personalities import PERSONALITIES
from fcc_unlock.sim.pty import PtyModem
from fcc_unlock.transport.chardev import CharDevice


def test_dms_and_fox_clients_use_distinct_ctl_transaction_ids():
    modem = SimModem(PERSONALITIES["foxconn"](), Faults(fox_service="auth"))
    with PtyModem(modem) as sim, CharDevice(sim.path) as transport:
        session = MbimSession(transport, deadline=time.monotonic() + 5)
        with session, QmiClient(session, Service.DMS) as dms, QmiClient(session, Service.FOX) as fox:
            assert dms.client_id != fox.client_id
    ctl = [r.qmi for r in modem.transcript if r.qmi is not None and r.qmi.service == Service.CTL]
    assert [q.message_id for q in ctl] == [
        catalog.ALLOCATE_CID.message_id,
        catalog.ALLOCATE_CID.message_id,
        catalog.RELEASE_CID.message_id,
        catalog.RELEASE_CID.message_id,
    ]
    assert [q.transaction_id for q in ctl] == [1, 2, 3, 4]
    assert modem.clients == {}
