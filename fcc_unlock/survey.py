"""What a modem says about its FCC lock, and a verdict: the survey behind ``--status``.

Read-only: one MBIM session that asks and changes nothing (a QMI client id it
allocates is released again). It asks:

* Basic Connect DEVICE_SERVICES: which services the modem has;
* Basic Connect RADIO_STATE: the hardware and the software radio switch;
* QMI DMS Get Operating Mode, if the modem lists the QMI service;
* the Quectel radio state, if it lists the Quectel service (a direct lock answer);
* the Intel FCC_LOCK query, if it lists the Intel Mutual Authentication service (also
  a direct answer).

``probe`` (``--status --probe``) is the one exception to read-only, for the methods
without a lock query (PROBE_METHODS): RADIO_STATE set ON, then the radio put back as it
was found (lockstate.probe_radio(), docs/protocol.md §2.6).

``lockstate.decide()`` turns the answers into the verdict; lockstate.py explains what
each answer proves. The exit status is 0 whenever the modem answered, whatever the
verdict; failures to talk to it exit as an unlock would (timeout 4, I/O 5, ...).
"""

from __future__ import annotations

import time

from fcc_unlock import lockstate
from fcc_unlock.errors import ProtocolError, Timeout
from fcc_unlock.mbim import constants as mbim
from fcc_unlock.run import RunResult

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

    from fcc_unlock.host.keys import Key
    from fcc_unlock.run import Tracer
    from fcc_unlock.session import MbimSession


# The methods whose modems have no lock query: only a radio-on attempt can tell.
PROBE_METHODS = ("sierra", "foxconn", "foxconn-e4")


class Report(RunResult):
    """What the modem said about its lock: the lines and the JSON of ``--status``."""

    __slots__ = ("model", "hint", "services", "verdict", "key")

    def __init__(
        self, device: str, method: str | None, ids: str | None = None, model: str | None = None
    ) -> None:
        super().__init__(device, method, ids)
        self.model = model
        self.hint = ""  # why the device table has no method for it, if it has none
        self.services: list[bytes] | None = None  # None: the modem did not say
        self.verdict: lockstate.Verdict | None = None
        self.key: Key | None = None  # the per-OEM key a keyed method would use, and why

    @property
    def port_type(self) -> str:
        from fcc_unlock.host.devices import METHOD_PORTS

        return METHOD_PORTS.get(self.method or "", "MBIM")

    def service_names(self) -> list[str] | None:
        return None if self.services is None else [mbim.describe_service(s) for s in self.services]

    def lines(self) -> list[str]:
        modem = " ".join(p for p in (self.ids, self.model) if p) or "unknown modem"
        if self.method:
            modem += f", method {self.method}"
        names = self.service_names()
        lines = [f"device:        {self.device}", f"modem:         {modem}"]
        if self.hint:
            lines.append(f"device table:  {self.hint}")
        if self.key is not None:
            lines.append(f"key:           {self.key}")
        if names is not None or self.port_type == "MBIM":
            lines.append(f"MBIM services: {'unknown' if names is None else ', '.join(names) or 'none'}")
        if self.verdict is None:
            lines.append(f"status:        {self.reason} (exit {int(self.exit_code)})")
            return lines
        lines.append(f"verdict:       {self.verdict.state}")
        deciding = self.verdict.deciding() if self.verdict.state != lockstate.UNKNOWN else []
        lines.append("evidence:")
        for evidence in self.verdict.evidence:
            mark = "*" if any(evidence is d for d in deciding) else "-"
            lines.append(f"  {mark} {evidence}")
        return lines

    def as_dict(self) -> dict[str, object]:
        document: dict[str, object] = {
            "device": self.device,
            "ids": self.ids,
            "method": self.method,
            "model": self.model,
            "hint": self.hint or None,
            "services": self.service_names(),
            "key": None if self.key is None else self.key.as_dict(),
            "verdict": None,
            "evidence": [],
        }
        if self.verdict is not None:
            document.update(self.verdict.as_dict())
        document.update(self.ending())
        return document


def survey(session: MbimSession, report: Report, probe: bool = False) -> lockstate.Verdict:
    """Ask the modem everything its services can tell about the lock (the Quectel and
    the Intel service have their own lock question); with ``probe`` (and a method in
    PROBE_METHODS) try the radio too, and put it back."""
    try:
        report.services = session.device_services(timeout=lockstate.SIGNAL_SECONDS)
    except (Timeout, ProtocolError) as error:
        session.note(f"DEVICE_SERVICES: {error}; asking every service anyway")
    listed = report.services

    if probe and report.method in PROBE_METHODS:
        evidence = lockstate.probe_radio(session)
    else:
        if probe:
            session.note(f"--probe: method {report.method} has a lock query of its own; nothing switched")
        evidence = [lockstate.read_radio_state(session)]
    if listed is None or mbim.QMI in listed:
        evidence.append(lockstate.read_operating_mode(session))
    if listed is None or mbim.QUECTEL in listed:
        from fcc_unlock.methods.quectel import read_lock_state

        evidence.append(read_lock_state(session))
    if listed is not None and mbim.INTEL_MUTUAL_AUTHENTICATION in listed:
        from fcc_unlock.methods.intel_mbim import read_lock_state as read_intel_lock

        evidence.append(read_intel_lock(session))
    verdict = lockstate.decide(evidence)
    session.note(f"verdict: {verdict}")
    return verdict


def run_status(
    device: str,
    method: str | None,
    ids: str | None,
    model: str | None,
    timeout: float,
    trace: Tracer = None,
    clock: Callable[[], float] = time.monotonic,
    transport: str = "chardev",
    lock_dir: str | None = None,
    probe: bool = False,
) -> Report:
    """The report for ``device``; never raises for anything the modem does.

    ``transport`` and ``lock_dir`` as for run.with_session(); ``probe`` as for survey()."""
    from fcc_unlock.run import run_into

    report = Report(device, method, ids, model)
    port_type = report.port_type
    work: Callable[[Any], lockstate.Verdict]
    if port_type == "MBIM":

        def work(session: Any) -> lockstate.Verdict:
            return survey(session, report, probe)

    else:
        # The AT and XMM RPC methods have a direct lock question: it is the survey.
        from fcc_unlock.methods import load

        work = load(method or "").status
    report.verdict = run_into(
        report,
        work,
        timeout,
        trace,
        clock,
        transport=transport,
        lock_dir=lock_dir,
        port_type=port_type,
    )
    return report
