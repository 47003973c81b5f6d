"""What a modem says about its FCC lock: the signals, what each one proves, the verdict.

Only a vendor's own lock query can say "locked". The standard signals can rule the
lock out, or point at the hardware radio switch, but never prove the lock:

* Basic Connect RADIO_STATE (MBIM): hardware switch OFF means the radio is held off
  by the hardware switch (W_DISABLE#, what rfkill shows); both switches ON means the
  radio is on, which an FCC-locked modem refuses (it answers OperationNotAllowed);
  software OFF alone is what a locked modem shows, and equally one that nobody has
  switched on yet (ModemManager does that after the unlock).
* QMI DMS Get Operating Mode: ONLINE rules the lock out; "hardware restricted" points
  at the switch; LOW_POWER / PERSISTENT_LOW_POWER is where locked modems sit, and also
  airplane mode (docs/protocol.md §4.7): not proof.
* Quectel radio state: 4 is FCC-locked, 0 and 1 are not: a direct answer.
* Intel FCC_LOCK query: lock mode != 0 with lock state 0 is FCC-locked; anything
  else is not: a direct answer (docs/protocol.md §5.5).
* The radio-on probe (``--status --probe`` only: it changes the radio and restores
  it, docs/protocol.md §2.6): OperationNotAllowed to RADIO_STATE set ON is the lock,
  the radio coming on is no lock.

``decide()`` weighs them: a direct "locked" wins, then the hardware switch, then
anything that rules the lock out; with none of these the verdict is "unknown".
"""

from __future__ import annotations

from fcc_unlock.errors import DeviceError, FccUnlockError, ProtocolError, Refused, Timeout
from fcc_unlock.mbim import constants as mbim

# The MBIM codecs and the session are imported where a question is asked: the AT and XMM
# RPC methods use only the verdicts and must not pay for MBIM at start-up.

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Literal

    State = Literal["locked", "unlocked", "radio-off-by-hardware-switch", "unknown"]

    from fcc_unlock.session import MbimSession, Pending

LOCKED: State = "locked"
UNLOCKED: State = "unlocked"
RADIO_OFF_BY_HARDWARE_SWITCH: State = "radio-off-by-hardware-switch"
UNKNOWN: State = "unknown"
VERDICTS = (LOCKED, UNLOCKED, RADIO_OFF_BY_HARDWARE_SWITCH, UNKNOWN)

# Signal names, as they appear in --status and --json.
RADIO_STATE = "mbim-radio-state"
OPERATING_MODE = "qmi-operating-mode"
QUECTEL_RADIO_STATE = "quectel-radio-state"
INTEL_FCC_LOCK = "intel-fcc-lock"
RADIO_PROBE = "mbim-radio-on-probe"

ALREADY_UNLOCKED = "already unlocked"
SIGNAL_SECONDS = 2.0  # how long one lock question may take before we go on without it


class Evidence:
    """One signal read from the modem: its value, and what it proves on its own.

    ``shows`` is LOCKED, UNLOCKED, RADIO_OFF_BY_HARDWARE_SWITCH or None (proves nothing).
    """

    __slots__ = ("signal", "value", "shows", "meaning")

    def __init__(self, signal: str, value: str, shows: State | None, meaning: str) -> None:
        self.signal = signal
        self.value = value
        self.shows = shows
        self.meaning = meaning

    def __str__(self) -> str:
        return f"{self.signal} {self.value}: {self.meaning}"

    def __repr__(self) -> str:
        return f"Evidence({self.signal}={self.value!r}, shows={self.shows})"

    def as_dict(self) -> dict[str, object]:
        return {"signal": self.signal, "value": self.value, "shows": self.shows, "meaning": self.meaning}


class Verdict:
    __slots__ = ("state", "evidence")

    def __init__(self, state: State, evidence: list[Evidence]) -> None:
        self.state = state
        self.evidence = evidence

    def deciding(self) -> list[Evidence]:
        """The evidence the verdict rests on (all of it when nothing proved anything)."""
        if self.state == UNKNOWN:
            return self.evidence
        return [e for e in self.evidence if e.shows == self.state]

    def __str__(self) -> str:
        reasons = "; ".join(str(e) for e in self.deciding()) or "no signal"
        return f"{self.state} ({reasons})"

    def __repr__(self) -> str:
        return f"Verdict({self.state}, {self.evidence!r})"

    def as_dict(self) -> dict[str, object]:
        return {"verdict": self.state, "evidence": [e.as_dict() for e in self.evidence]}


def decide(evidence: Iterable[Evidence]) -> Verdict:
    """locked (a direct answer) > radio-off-by-hardware-switch > unlocked > unknown."""
    found = list(evidence)
    shown = {e.shows for e in found}
    for state in (LOCKED, RADIO_OFF_BY_HARDWARE_SWITCH, UNLOCKED):
        if state in shown:
            return Verdict(state, found)
    return Verdict(UNKNOWN, found)


def unavailable(signal: str, why: str) -> Evidence:
    return Evidence(signal, "unavailable", None, why)


# --- what each value proves (pure) ----------------------------------------------------


def _switch(value: int) -> str:
    return {0: "off", 1: "on"}.get(value, f"invalid ({value})")


def radio_state_evidence(hardware: int, software: int) -> Evidence:
    value = f"hardware {_switch(hardware)}, software {_switch(software)}"
    if hardware == mbim.RadioSwitch.OFF:
        return Evidence(
            RADIO_STATE,
            value,
            RADIO_OFF_BY_HARDWARE_SWITCH,
            "the hardware radio switch (W_DISABLE#, rfkill) holds the radio off",
        )
    if (hardware, software) == (mbim.RadioSwitch.ON, mbim.RadioSwitch.ON):
        return Evidence(RADIO_STATE, value, UNLOCKED, "the radio is on, which an FCC-locked modem refuses")
    if hardware == mbim.RadioSwitch.ON and software == mbim.RadioSwitch.OFF:
        return Evidence(
            RADIO_STATE,
            value,
            None,
            "radio off by software: FCC-locked, or not switched on yet; cannot tell which",
        )
    return Evidence(RADIO_STATE, value, None, "values outside the MBIM specification")


def operating_mode_evidence(mode: int, hardware_restricted: bool | None) -> Evidence:
    from fcc_unlock.qmi.constants import OperatingMode

    try:
        name = OperatingMode(mode).name.lower().replace("_", "-")
    except ValueError:
        name = f"unknown ({mode})"
    value = name + (", hardware-restricted" if hardware_restricted else "")
    if hardware_restricted:
        return Evidence(
            OPERATING_MODE,
            value,
            RADIO_OFF_BY_HARDWARE_SWITCH,
            "the mode is forced by hardware: the radio switch (rfkill) holds it",
        )
    if mode == OperatingMode.ONLINE:
        return Evidence(OPERATING_MODE, value, UNLOCKED, "online, which an FCC-locked modem refuses")
    if mode in (
        OperatingMode.LOW_POWER,
        OperatingMode.PERSISTENT_LOW_POWER,
        OperatingMode.MODE_ONLY_LOW_POWER,
    ):
        return Evidence(
            OPERATING_MODE,
            value,
            None,
            "low power: where FCC-locked modems sit, but also airplane mode: not proof",
        )
    return Evidence(OPERATING_MODE, value, None, "says nothing about the FCC lock")


def quectel_evidence(state: int) -> Evidence:
    from fcc_unlock.mbim.quectel import describe_radio_state

    value = describe_radio_state(state)
    if state == mbim.QuectelRadioState.FCC_LOCKED:
        return Evidence(QUECTEL_RADIO_STATE, value, LOCKED, "the modem reports its FCC lock")
    if state in (mbim.QuectelRadioState.OFF, mbim.QuectelRadioState.ON):
        return Evidence(QUECTEL_RADIO_STATE, value, UNLOCKED, "the modem reports no FCC lock")
    return Evidence(QUECTEL_RADIO_STATE, value, None, "a value the Quectel service does not define")


def intel_evidence(mode: int, state: int) -> Evidence:
    """The Intel FCC_LOCK query's (lock mode, lock state), judged on their first bytes as
    the vendor tools do; mbimcli's "locked" looks at the mode alone (docs/protocol.md §5.5)."""
    mode, state = mode & 0xFF, state & 0xFF
    value = f"lock mode {mode}, lock state {state}"
    if mode == 0:
        return Evidence(INTEL_FCC_LOCK, value, UNLOCKED, "the FCC lock is not enabled on this modem")
    if state == 0:
        return Evidence(INTEL_FCC_LOCK, value, LOCKED, "the modem reports its FCC lock")
    return Evidence(INTEL_FCC_LOCK, value, UNLOCKED, "the modem reports its FCC lock undone")


def probe_evidence(refused_status: int | None, restored: str) -> Evidence:
    """What RADIO_STATE set ON showed: ``refused_status`` the MBIM status it failed with,
    None if the radio came on; ``restored`` says what was put back."""
    if refused_status is None:
        return Evidence(
            RADIO_PROBE, f"radio came on; {restored}", UNLOCKED, "an FCC-locked modem refuses the radio"
        )
    value = f"{mbim.describe_status(refused_status)}; {restored}"
    if refused_status == mbim.Status.OPERATION_NOT_ALLOWED:
        return Evidence(RADIO_PROBE, value, LOCKED, "the modem refused to switch the radio on: FCC-locked")
    return Evidence(RADIO_PROBE, value, None, "switching the radio on failed for another reason")


# --- asking the modem ----------------------------------------------------------------


def ask_radio_state(session: MbimSession) -> Pending:
    """Send the Basic Connect RADIO_STATE query; read_radio_state() takes the answer.

    Sent ahead, it is answered while the method allocates its QMI client: the lock
    check then costs no round trip of its own.
    """
    from fcc_unlock.mbim import catalog

    return session.ask(catalog.RADIO_STATE)


def read_radio_state(
    session: MbimSession, timeout: float | None = None, question: Pending | None = None
) -> Evidence:
    """Basic Connect RADIO_STATE, asked now or by ``question`` earlier.

    A modem that does not answer costs ``timeout``; by default an optional question's
    share of the time left (session.optional_timeout()), so the unlock after it fits.
    """
    from fcc_unlock.session import MbimStatusError

    if timeout is None:
        timeout = session.optional_timeout(SIGNAL_SECONDS)
    try:
        hardware, software = session.answer(question or ask_radio_state(session), timeout)
    except MbimStatusError as error:
        return unavailable(RADIO_STATE, f"query failed: {mbim.describe_status(error.status)}")
    except (Timeout, ProtocolError) as error:
        return unavailable(RADIO_STATE, str(error))
    return radio_state_evidence(hardware, software)


NOT_ASKED = Verdict(UNKNOWN, [])  # the check before an unlock that was not worth a round trip


def worth_asking_radio_state(session: MbimSession) -> bool:
    """Whether the RADIO_STATE check before a Sierra or Foxconn unlock is worth its round
    trip: only by hand. On hotplug the modem has just enumerated, and its radio is off
    whether it is locked or not (only the hardware switch could show, and the unlock is
    sent either way); as ModemManager's dispatcher, ModemManager has just seen the
    power-up refused and retries it at once, which is the check (docs/architecture.md §6)."""
    from fcc_unlock.session import MANUAL

    return getattr(session, "occasion", MANUAL) == MANUAL


def radio_state_check(session: MbimSession, question: Pending | None = None) -> Verdict:
    """The lock check of the QMI methods: RADIO_STATE only (see ask_radio_state())."""
    verdict = decide([read_radio_state(session, question=question)])
    session.note(f"lock check: {verdict}")
    return verdict


def read_operating_mode(session: MbimSession) -> Evidence:
    """QMI DMS Get Operating Mode, with a DMS client of its own (released again)."""
    from fcc_unlock.qmi import catalog as qmi_catalog
    from fcc_unlock.qmi.constants import Service
    from fcc_unlock.session import QmiClient

    try:
        with QmiClient(session, Service.DMS) as client:
            values = client.call(qmi_catalog.GET_OPERATING_MODE)
        restricted = values.get("hardware_restricted")
        return operating_mode_evidence(
            int(values["mode"]),
            None if restricted is None else bool(restricted),
        )
    except ProtocolError as error:
        return unavailable(OPERATING_MODE, str(error))
    except DeviceError:
        raise  # the device vanished: nothing more to ask
    except FccUnlockError as error:
        return unavailable(OPERATING_MODE, str(error))


def probe_radio(session: MbimSession) -> list[Evidence]:
    """``--status --probe``: switch the radio on to see whether the modem refuses, then
    put the radio back as found (docs/protocol.md §2.6). For modems without a lock query.

    Returns the RADIO_STATE read first and the probe's evidence. Nothing is switched
    when the first read fails, the hardware switch holds the radio off (a refusal would
    prove nothing) or the radio is already on (no lock).
    """
    from fcc_unlock.mbim import catalog
    from fcc_unlock.session import MbimStatusError

    try:
        found = session.query(catalog.RADIO_STATE, session.optional_timeout(SIGNAL_SECONDS))
    except MbimStatusError as error:
        why = f"query failed: {mbim.describe_status(error.status)}"
        return [
            unavailable(RADIO_STATE, why),
            Evidence(RADIO_PROBE, "not switched", None, "radio state unknown"),
        ]
    except (Timeout, ProtocolError) as error:
        return [
            unavailable(RADIO_STATE, str(error)),
            Evidence(RADIO_PROBE, "not switched", None, "radio state unknown"),
        ]
    before = radio_state_evidence(*found)
    if tuple(found) != (mbim.RadioSwitch.ON, mbim.RadioSwitch.OFF):
        return [before, Evidence(RADIO_PROBE, "not switched", None, f"nothing to probe: {before.meaning}")]
    try:
        reply = session.set(catalog.RADIO_STATE, on=True)
    except MbimStatusError as error:
        return [before, probe_evidence(error.status, "radio left as found (off)")]
    except (Timeout, ProtocolError) as error:
        # The modem may have switched it on all the same: switch it off to be sure.
        restored = _restore_radio_off(session)
        return [before, Evidence(RADIO_PROBE, f"no answer; {restored}", None, str(error))]
    restored = _restore_radio_off(session)
    if tuple(reply) != (mbim.RadioSwitch.ON, mbim.RadioSwitch.ON):
        state = radio_state_evidence(*reply).value
        return [before, Evidence(RADIO_PROBE, f"{state}; {restored}", None, "the radio did not come on")]
    return [before, probe_evidence(None, restored)]


def _restore_radio_off(session: MbimSession) -> str:
    """RADIO_STATE set OFF, until the cleanup deadline; what it did, in words."""
    from fcc_unlock.mbim import catalog

    payload = catalog.RADIO_STATE.set.build(on=False)  # type: ignore[union-attr]
    try:
        done = session.command(
            catalog.RADIO_STATE.service, catalog.RADIO_STATE.cid, mbim.CommandType.SET, payload, cleanup=True
        )
    except DeviceError:
        raise
    except FccUnlockError as error:
        return f"radio NOT switched off again ({error})"
    if done.status != mbim.Status.NONE:
        return f"radio NOT switched off again ({mbim.describe_status(done.status)})"
    return "switched off again"


def switch_radio_on(session: MbimSession) -> str:
    """Basic Connect RADIO_STATE set ON, and check the radio really is on.

    For systems without ModemManager (which does this itself after an unlock).
    Raises Refused when the radio stays off, naming why: the lock or the switch.
    """
    from fcc_unlock.mbim import catalog
    from fcc_unlock.mbim.messages import DecodeError
    from fcc_unlock.session import MbimStatusError

    try:
        reply = session.set(catalog.RADIO_STATE, parse=False, on=True)
    except MbimStatusError as error:
        if error.status == mbim.Status.OPERATION_NOT_ALLOWED:
            raise Refused(
                "the modem still refuses to switch the radio on (OperationNotAllowed): still FCC-locked"
            ) from None
        raise Refused(f"switching the radio on failed: {mbim.describe_status(error.status)}") from None
    try:
        evidence = radio_state_evidence(*catalog.RADIO_STATE.response.parse(reply))  # type: ignore[union-attr]
    except DecodeError:
        # The SET reply should carry the new state; ask if it does not.
        evidence = read_radio_state(session)
    session.note(f"after radio on: {evidence}")
    if evidence.shows == RADIO_OFF_BY_HARDWARE_SWITCH:
        raise Refused("the radio stays off: the hardware radio switch (rfkill) is off")
    if evidence.shows != UNLOCKED:
        raise Refused(f"the radio did not come on ({evidence.signal} {evidence.value})")
    return "radio on"


def unlocked(before: Verdict, how: str = "") -> str:
    """The result line of a successful unlock, with what the check before found out."""
    result = f"unlocked{f' ({how})' if how else ''}"
    if before.state == RADIO_OFF_BY_HARDWARE_SWITCH:
        result += "; the hardware radio switch (rfkill) holds the radio off"
    return result
