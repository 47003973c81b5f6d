"""One unlock of one device, from opening the port to the exit code.

Timing: ``timeout`` is the hard deadline of the whole run. The unlock works until
``timeout - reserve``; the reserve (a quarter of the timeout, at most a second) is for
releasing the QMI client id and CLOSE, which happen even after a failure.
"""

from __future__ import annotations

import time

from fcc_unlock.errors import FccUnlockError
from fcc_unlock.exitcodes import ExitCode

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Optional, TypeVar

    from fcc_unlock.session import MbimSession

    Tracer = Optional[Callable[[str, object], None]]
    T = TypeVar("T")

DEFAULT_TIMEOUT = 8.0


class Outcome:
    """What happened: the result line and the JSON document are made from this."""

    __slots__ = ("device", "ids", "method", "result", "exit_code", "reason", "elapsed")

    def __init__(self, device: str, method: str | None, ids: str | None = None) -> None:
        self.device = device
        self.ids = ids
        self.method = method
        self.result: str | None = None  # "unlocked", "already unlocked"
        self.exit_code = ExitCode.INTERNAL
        self.reason = ""
        self.elapsed = 0.0

    @property
    def ok(self) -> bool:
        return self.exit_code == ExitCode.OK

    def line(self) -> str:
        """``cdc-wdm0 1199:9079 sierra: unlocked in 0.21 s``"""
        name = self.device[5:] if self.device.startswith("/dev/") else self.device
        who = " ".join(p for p in (name, self.ids) if p)
        if self.method:
            who += f" {self.method}"
        if self.ok:
            return f"{who}: {self.result} in {self.elapsed:.2f} s"
        return f"{who}: {self.reason} (exit {int(self.exit_code)}) after {self.elapsed:.2f} s"

    def as_dict(self) -> dict[str, object]:
        return {
            "device": self.device,
            "ids": self.ids,
            "method": self.method,
            "result": self.result,
            "exit_code": int(self.exit_code),
            "exit_name": self.exit_code.name.lower(),
            "reason": self.reason or None,
            "elapsed": round(self.elapsed, 3),
        }


def cleanup_reserve(timeout: float) -> float:
    return min(1.0, timeout / 4)


def unlock(
    device: str,
    method: str,
    timeout: float = DEFAULT_TIMEOUT,
    trace: Tracer = None,
    ids: str | None = None,
    clock: Callable[[], float] = time.monotonic,
    radio_on: bool = False,
) -> Outcome:
    """Unlock ``device`` with ``method``; never raises for anything the modem does.

    ``radio_on``: then switch the radio on and check it came on (for systems without
    ModemManager, which does that itself).
    """
    from fcc_unlock.methods import load

    outcome = Outcome(device, method, ids)
    start = clock()
    try:
        procedure = load(method)

        def work(session: MbimSession) -> str:
            result: str = procedure.unlock(session)
            if radio_on:
                from fcc_unlock.errors import Refused
                from fcc_unlock.lockstate import switch_radio_on

                try:
                    result += "; " + switch_radio_on(session)
                except Refused as error:
                    raise Refused(f"{result}, but {error}") from None
            return result

        outcome.result = with_session(device, start, timeout, work, trace, clock)
        outcome.exit_code = ExitCode.OK
    except FccUnlockError as error:
        outcome.exit_code = error.exit_code
        outcome.reason = str(error)
    outcome.elapsed = clock() - start
    return outcome


def with_session(
    device: str,
    start: float,
    timeout: float,
    work: Callable[[MbimSession], T],
    trace: Tracer = None,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Open ``device``, run ``work`` in one MBIM session, CLOSE, close the port.

    The work gets until ``start + timeout - reserve``; releasing and closing get the
    rest. FccUnlockError from any step propagates.
    """
    from fcc_unlock.session import MbimSession
    from fcc_unlock.transport.chardev import CharDevice

    hard_deadline = start + timeout
    with CharDevice(device) as transport:
        if trace is not None:
            trace(
                "note",
                f"{transport.name}: MaxControlTransfer {transport.max_control_transfer}"
                f" ({transport.max_control_transfer_source})",
            )
        session = MbimSession(
            transport,
            deadline=hard_deadline - cleanup_reserve(timeout),
            cleanup_deadline=hard_deadline,
            clock=clock,
            trace=trace,
        )
        with session:
            return work(session)
