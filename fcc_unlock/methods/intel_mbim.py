"""Intel XMM7560 (Dell DW5823e) and XMM7360 in MBIM mode: the Intel Mutual-Authentication
service's FCC_LOCK (CID 1), a challenge and a keyed response (docs/protocol.md §5.5).

1. QUERY: (lock mode, lock state). Only mode != 0 and state == 0 is a lock to undo.
2. SET (0, 0): the modem answers (challenge present, challenge).
3. SET (1, response), response = SHA-256(challenge as received || key)[0:4]; the reply's
   first byte 0 is success.
4. QUERY again: the state must no longer be 0.

The key is the 4-byte per-OEM key (host/keys.py): Dell's for the DW5823e, Lenovo's on
the L850-GL, whose open tool does the same arithmetic (docs/protocol.md §5.5).
"""

from __future__ import annotations

from fcc_unlock import lockstate, sha256
from fcc_unlock.errors import DeviceError, FccUnlockError, ProtocolError, Refused, Timeout, Unsupported
from fcc_unlock.mbim import catalog
from fcc_unlock.mbim import constants as mbim
from fcc_unlock.mbim.intel import LOW_BYTE
from fcc_unlock.session import MbimStatusError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fcc_unlock.host.keys import Key
    from fcc_unlock.session import MbimSession

KEYED = True
PORT_TYPE = "MBIM"
PROBE_SECONDS = 2.0  # the first question; a modem without the service may stay silent
NOT_SUPPORTED = (mbim.Status.NO_DEVICE_SUPPORT, mbim.Status.INVALID_DEVICE_SERVICE_OPERATION)
RESPONSE_BYTES = 4


def fcc_response(challenge: int, key: bytes) -> int:
    """SHA-256(challenge as 4 little-endian bytes || key)[0:4], read back little-endian,
    so that SET carries the digest's first four bytes as they are (docs/protocol.md §5.5).

    Dell's key and challenge 0x12345678 give 1927859199 (0x72e8cbff: bytes ff cb e8 72).
    """
    digest = sha256(challenge.to_bytes(4, "little") + key)
    return int.from_bytes(digest[:RESPONSE_BYTES], "little")


def query(session: MbimSession, timeout: float | None = None) -> tuple[int, int]:
    """(lock mode, lock state); Unsupported when the modem does not list the service."""
    try:
        mode, state = session.query(catalog.INTEL_FCC_LOCK, timeout)
    except Timeout:
        _require_service(session)
        raise
    except MbimStatusError as error:
        if error.status in NOT_SUPPORTED:
            _require_service(session)
        raise ProtocolError(f"Intel FCC_LOCK query failed: {mbim.describe_status(error.status)}") from None
    return mode, state


def read_lock_state(session: MbimSession) -> lockstate.Evidence:
    """The FCC_LOCK query as evidence for ``--status``; never raises but for unplug."""
    try:
        return lockstate.intel_evidence(*query(session, lockstate.SIGNAL_SECONDS))
    except DeviceError:
        raise
    except FccUnlockError as error:
        return lockstate.unavailable(lockstate.INTEL_FCC_LOCK, str(error))


def status(session: MbimSession, timeout: float | None = PROBE_SECONDS) -> lockstate.Verdict:
    """What this modem can tell about its lock without changing anything."""
    verdict = lockstate.decide([lockstate.intel_evidence(*query(session, timeout))])
    session.note(f"lock check: {verdict}")
    return verdict


def unlock(session: MbimSession, key: Key) -> str:
    before = status(session)
    if before.state != lockstate.LOCKED:
        return lockstate.ALREADY_UNLOCKED
    present, challenge = _set(session, "challenge request", 0, 0)
    if not present & LOW_BYTE:
        raise Refused("modem sent no challenge (challenge present = 0)")
    response = fcc_response(challenge, key.value)
    session.note(f"challenge 0x{challenge:08x}, key {key.hex}: response {response} (0x{response:08x})")
    again, _ = _set(session, "response", 1, response)
    if again & LOW_BYTE:
        raise Refused(f"modem refused the response (key {key}): it sent a new challenge")
    after = status(session, timeout=None)
    if after.state == lockstate.LOCKED:
        raise Refused("modem accepted the response but still reports its FCC lock (state 0)")
    return lockstate.unlocked(before)


def _set(session: MbimSession, what: str, present: int, response: int) -> tuple[int, int]:
    """SET FCC_LOCK (present, response); the reply's (challenge present, challenge)."""
    try:
        pair: tuple[int, int] = session.set(
            catalog.INTEL_FCC_LOCK, response_present=present, response=response
        )
    except MbimStatusError as error:
        raise Refused(f"modem refused the FCC_LOCK {what}: {mbim.describe_status(error.status)}") from None
    return pair


def _require_service(session: MbimSession) -> None:
    """Raise Unsupported if DEVICE_SERVICES does not list the Intel service (asked only
    after the service failed to answer; if this fails too, the caller's error stands)."""
    try:
        services = session.device_services(timeout=PROBE_SECONDS)
    except (Timeout, ProtocolError) as error:
        session.note(f"DEVICE_SERVICES probe failed: {error}")
        return
    if mbim.INTEL_MUTUAL_AUTHENTICATION not in services:
        names = ", ".join(mbim.describe_service(s) for s in services) or "none"
        raise Unsupported(f"modem exposes no Intel Mutual Authentication service (it lists: {names})")
