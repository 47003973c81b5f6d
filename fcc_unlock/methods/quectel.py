"""Quectel (EM05-G, EM120R-GL, RM520N-GL): the vendor MBIM service's RADIO_STATE (CID 1).

docs/protocol.md §5.1: QUERY answers 4 while the modem is FCC-locked; SET ON unlocks. So
this method can ask directly, before and after: query, set ON, query again. A modem
that does not report 4 gets no SET (already unlocked); one that still reports 4
after the SET has refused the unlock.
"""

from __future__ import annotations

from fcc_unlock import lockstate
from fcc_unlock.errors import DeviceError, FccUnlockError, ProtocolError, Refused, Timeout, Unsupported
from fcc_unlock.mbim import catalog
from fcc_unlock.mbim import constants as mbim
from fcc_unlock.session import MbimStatusError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fcc_unlock.session import MbimSession

PROBE_SECONDS = 2.0  # the first question; a modem without the service may stay silent
# What a modem answers to a service it does not have (MBIM status 9 per Microsoft's
# documentation); other failures are the modem's, not the service's absence.
NOT_SUPPORTED = (mbim.Status.NO_DEVICE_SUPPORT, mbim.Status.INVALID_DEVICE_SERVICE_OPERATION)


def query(session: MbimSession, timeout: float | None = None) -> int:
    """The Quectel radio state: 0 off, 1 on, 4 FCC-locked.

    Raises Unsupported when the modem does not list the Quectel service.
    """
    try:
        state: int = session.query(catalog.QUECTEL_RADIO_STATE, timeout)
    except Timeout:
        _require_service(session)
        raise
    except MbimStatusError as error:
        if error.status in NOT_SUPPORTED:
            _require_service(session)
        raise ProtocolError(
            f"Quectel radio state query failed: {mbim.describe_status(error.status)}"
        ) from None
    return state


def read_lock_state(session: MbimSession) -> lockstate.Evidence:
    """The Quectel radio state as evidence for ``--status``; never raises but for unplug."""
    try:
        return lockstate.quectel_evidence(query(session, lockstate.SIGNAL_SECONDS))
    except DeviceError:
        raise
    except FccUnlockError as error:
        return lockstate.unavailable(lockstate.QUECTEL_RADIO_STATE, str(error))


def status(session: MbimSession, timeout: float | None = PROBE_SECONDS) -> lockstate.Verdict:
    """What this modem can tell about its lock without changing anything."""
    verdict = lockstate.decide([lockstate.quectel_evidence(query(session, timeout))])
    session.note(f"lock check: {verdict}")
    return verdict


def unlock(session: MbimSession) -> str:
    from fcc_unlock.session import DISPATCHER

    if session.occasion == DISPATCHER:
        # ModemManager has just seen the power-up refused and retries it at once, which
        # is both questions: the SET alone (docs/architecture.md §6).
        _set_on(session)
        return "unlocked"
    before = status(session)
    if before.state == lockstate.UNLOCKED:
        return lockstate.ALREADY_UNLOCKED
    _set_on(session)
    after = status(session, timeout=None)
    if after.state == lockstate.LOCKED:
        raise Refused("modem accepted the unlock but still reports fcc-locked (4)")
    return lockstate.unlocked(before)


def _set_on(session: MbimSession) -> None:
    try:
        session.set(catalog.QUECTEL_RADIO_STATE, parse=False, state=mbim.QuectelRadioState.ON)
    except MbimStatusError as error:
        if error.status in NOT_SUPPORTED:
            _require_service(session)
        raise Refused(f"modem refused the unlock: {mbim.describe_status(error.status)}") from None


def _require_service(session: MbimSession) -> None:
    """Raise Unsupported if DEVICE_SERVICES does not list the Quectel service.

    Asked only after the service failed to answer; if this fails too, the caller's
    own error stands.
    """
    try:
        services = session.device_services(timeout=PROBE_SECONDS)
    except (Timeout, ProtocolError) as error:
        session.note(f"DEVICE_SERVICES probe failed: {error}")
        return
    if mbim.QUECTEL not in services:
        names = ", ".join(mbim.describe_service(s) for s in services) or "none"
        raise Unsupported(f"modem exposes no Quectel service (it lists: {names})")
