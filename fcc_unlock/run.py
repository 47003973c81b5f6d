"""One unlock of one device, from opening the port to the exit code.

Timing: ``timeout`` is the hard deadline of the whole run. The unlock works until
``timeout - reserve``; the reserve (a quarter of the timeout, at most a second) is for
releasing the QMI client id and CLOSE, which happen even after a failure. Waiting for
the per-device lock and configuring mbim-proxy count against the work deadline.

Transports: ``chardev`` opens the device node; ``proxy`` goes through mbim-proxy
(ModemManager's port sharer); ``auto`` uses the proxy when one is listening, else the
node, so we never read replies from under ModemManager's feet.
"""

from __future__ import annotations

import time

from fcc_unlock.errors import ExitCode, FccUnlockError
from fcc_unlock.host.lock import LockUnavailable, lock_device
from fcc_unlock.methods import METHODS, keyed, load, port_type
from fcc_unlock.transport.portcheck import check_port

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Optional, TypeVar, Union

    from fcc_unlock.host.keys import Key
    from fcc_unlock.host.lock import DeviceLock
    from fcc_unlock.session import MbimSession
    from fcc_unlock.transport.chardev import CharDevice
    from fcc_unlock.transport.portcheck import CheckedPort
    from fcc_unlock.transport.proxy import ProxyTransport

    Tracer = Optional[Callable[[str, object], None]]
    Port = Union[CharDevice, ProxyTransport]
    T = TypeVar("T")
    R = TypeVar("R", bound="RunResult")

DEFAULT_TIMEOUT = 8.0
UDEV_PROXY_PATIENCE = 0.25  # seconds a udev run waits for a proxy listener to accept
TRANSPORTS = ("auto", "proxy", "chardev")
# The session of each non-MBIM port type: (package, class); imported only when used.
SERIAL_SESSIONS = {"AT": ("at", "AtSession"), "XMMRPC": ("xmmrpc", "RpcSession")}


class RunResult:
    """What one run of one port came to: the fields an unlock (Outcome) and a status
    survey (survey.Report) share, and how a failure is recorded."""

    __slots__ = ("device", "ids", "method", "exit_code", "reason", "elapsed", "warnings")

    def __init__(self, device: str, method: str | None, ids: str | None = None) -> None:
        self.device = device
        self.ids = ids
        self.method = method
        self.exit_code = ExitCode.INTERNAL
        self.reason = ""
        self.elapsed = 0.0
        self.warnings: list[str] = []  # what went wrong around the run, not in it

    @classmethod
    def failed(
        cls: type[R], device: str, method: str | None, ids: str | None, exit_code: ExitCode, reason: str
    ) -> R:
        """A run that ended before it began: ``exit_code`` and ``reason`` say why."""
        result = cls(device, method, ids)
        result.exit_code, result.reason = exit_code, reason
        return result

    def fail(self, error: FccUnlockError) -> None:
        self.exit_code, self.reason = error.exit_code, str(error)

    @property
    def ok(self) -> bool:
        return self.exit_code == ExitCode.OK

    def ending(self) -> dict[str, object]:
        """The JSON fields every result ends with."""
        return {
            "exit_code": int(self.exit_code),
            "exit_name": self.exit_code.name.lower(),
            "reason": self.reason or None,
            "elapsed": round(self.elapsed, 3),
            "warnings": self.warnings,
        }


class Outcome(RunResult):
    """What an unlock did: the result line and the JSON document are made from this."""

    __slots__ = ("result",)

    def __init__(self, device: str, method: str | None, ids: str | None = None) -> None:
        super().__init__(device, method, ids)
        self.result: str | None = None  # "unlocked", "already unlocked"

    def line(self) -> str:
        """``cdc-wdm0 1199:9079 sierra: unlocked in 0.21 s``"""
        name = self.device[5:] if self.device.startswith("/dev/") else self.device
        who = " ".join(p for p in (name, self.ids) if p)
        if self.method:
            who += f" {self.method}"
        # Warnings ride on the one line a run leaves, so the journal keeps them together.
        warnings = "".join(f"; warning: {text}" for text in self.warnings)
        if self.ok:
            return f"{who}: {self.result} in {self.elapsed:.2f} s{warnings}"
        return f"{who}: {self.reason} (exit {int(self.exit_code)}) after {self.elapsed:.2f} s{warnings}"

    def as_dict(self) -> dict[str, object]:
        return {
            "device": self.device,
            "ids": self.ids,
            "method": self.method,
            "result": self.result,
            **self.ending(),
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
    transport: str = "chardev",
    lock_dir: str | None = None,
    radio_on: bool = False,
    udev: bool = False,
    key: Key | None = None,
    occasion: str = "manual",
) -> Outcome:
    """Unlock ``device`` with ``method``; never raises for anything the modem does.

    ``transport``, ``lock_dir`` and ``udev`` as for with_session(). ``radio_on``: then switch the
    radio on and check it came on (for systems without ModemManager, which does that
    itself). ``key``: the per-OEM key a KEYED method needs (host/keys.py chooses one
    when not given). ``occasion`` (session.OCCASIONS): why this run, which decides
    the questions an MBIM method asks (docs/architecture.md §6).
    """

    if ids is None:
        from fcc_unlock.host.sysfs import sysfs_ids

        ids = sysfs_ids(device)  # for the log line; cheap, no pyudev
    outcome = Outcome(device, method, ids)
    if method not in METHODS:
        load(method)  # raises ValueError, naming the methods there are
    from fcc_unlock.host.devices import METHOD_PORTS

    # The method and its key are made ready while the modem works on MBIM OPEN
    # (prepare() runs once OPEN is written): start-up overlaps the modem's first answer.
    loaded: dict[str, Any] = {}

    def prepare() -> None:
        procedure = loaded["procedure"] = load(method)
        loaded["key"] = key
        if keyed(procedure) and key is None:
            from fcc_unlock.host.keys import key_for_device

            loaded["key"] = key_for_device(device)

    def work(session: Any) -> str:
        if not loaded:
            prepare()
        procedure = loaded["procedure"]
        unlock_with: Any = procedure.unlock  # KEYED methods take the key too (methods/__init__.py)
        result: str = unlock_with(session, loaded["key"]) if keyed(procedure) else unlock_with(session)
        if radio_on:
            from fcc_unlock.errors import Refused

            # The method's own radio switch where it has one (XMM RPC UtaModeSet, AT
            # +CFUN=1), Basic Connect RADIO_STATE for the MBIM methods.
            switch = getattr(procedure, "switch_radio_on", None)
            if switch is None and port_type(procedure) == "MBIM":
                from fcc_unlock.lockstate import switch_radio_on as switch
            if switch is not None:
                try:
                    result += "; " + switch(session)
                except Refused as error:
                    raise Refused(f"{result}, but {error}") from None
        return result

    outcome.result = run_into(
        outcome,
        work,
        timeout,
        trace,
        clock,
        transport=transport,
        lock_dir=lock_dir,
        udev=udev,
        port_type=METHOD_PORTS.get(method, "MBIM"),
        occasion=occasion,
        prepare=prepare,
    )
    return outcome


def run_into(
    result: RunResult,
    work: Callable[[MbimSession], T],
    timeout: float,
    trace: Tracer = None,
    clock: Callable[[], float] = time.monotonic,
    transport: str = "chardev",
    lock_dir: str | None = None,
    udev: bool = False,
    port_type: str = "MBIM",
    occasion: str = "manual",
    prepare: Callable[[], None] | None = None,
) -> T | None:
    """``work`` in a session on ``result.device`` (with_session()), and how it ended
    recorded in ``result``: its exit status, reason, warnings and time. Returns what
    ``work`` returned, None if it failed; never raises for anything the modem does."""
    start = clock()
    value = None
    try:
        value = with_session(
            result.device,
            start,
            timeout,
            work,
            trace,
            clock,
            transport=transport,
            lock_dir=lock_dir,
            udev=udev,
            warn=result.warnings.append,
            port_type=port_type,
            occasion=occasion,
            prepare=prepare,
        )
        result.exit_code = ExitCode.OK
    except FccUnlockError as error:
        result.fail(error)
    result.elapsed = clock() - start
    return value


def with_session(
    device: str,
    start: float,
    timeout: float,
    work: Callable[[MbimSession], T],
    trace: Tracer = None,
    clock: Callable[[], float] = time.monotonic,
    transport: str = "chardev",
    lock_dir: str | None = None,
    udev: bool = False,
    warn: Callable[[str], None] | None = None,
    port_type: str = "MBIM",
    occasion: str = "manual",
    prepare: Callable[[], None] | None = None,
) -> T:
    """Open ``device``, run ``work`` in one session, end it, close the port.

    ``port_type`` (methods.PORT_TYPES) decides the session: MBIM (OPEN ... CLOSE, maybe
    through mbim-proxy), AT or XMM RPC (the device node only: no proxy shares those).

    ``device`` is checked to be a modem control port before anything else happens
    (portcheck.py): nothing is locked, opened or written otherwise. The work gets
    until ``start + timeout - reserve``; releasing and closing get the rest.
    ``transport`` is one of TRANSPORTS; with ``lock_dir`` the run holds the modem's
    lock (lock.py) from before opening the port until after closing it. ``udev``: run
    by the udev rule, where a proxy we cannot trust is passed by (open_transport()).
    ``warn`` hears what the run went on without (the lock, the proxy).
    FccUnlockError from any step propagates.
    """

    checked = check_port(device, port_type)
    hard_deadline = start + timeout
    work_deadline = hard_deadline - cleanup_reserve(timeout)
    lock = take_lock(checked.path, work_deadline, lock_dir, trace, warn) if lock_dir is not None else None
    try:
        if port_type != "MBIM":
            return _serial_session(
                device, port_type, checked, work_deadline, hard_deadline, work, trace, clock
            )
        with open_transport(device, transport, work_deadline, trace, checked, udev, warn) as port:
            if trace is not None:
                trace(
                    "note",
                    f"{port.name}: MaxControlTransfer {port.max_control_transfer}"
                    f" ({port.max_control_transfer_source})",
                )
            from fcc_unlock.session import MbimSession

            session = MbimSession(
                port,
                deadline=work_deadline,
                cleanup_deadline=hard_deadline,
                clock=clock,
                trace=trace,
                occasion=occasion,
                while_opening=prepare,
            )
            with session:
                return work(session)
    finally:
        if lock is not None:
            lock.release()


def _serial_session(
    device: str,
    port_type: str,
    checked: CheckedPort,
    work_deadline: float,
    hard_deadline: float,
    work: Callable[[Any], T],
    trace: Tracer,
    clock: Callable[[], float],
) -> T:
    """``work`` in an AT or XMM RPC session on the device node."""
    from fcc_unlock.transport.chardev import CharDevice

    if port_type not in SERIAL_SESSIONS:
        raise ValueError(f"unknown port type {port_type!r}")
    package, name = SERIAL_SESSIONS[port_type]
    session_class = getattr(__import__(f"fcc_unlock.{package}.session", fromlist=[name]), name)
    with CharDevice(device, port_type=port_type, checked=checked) as port:
        session = session_class(
            port, deadline=work_deadline, cleanup_deadline=hard_deadline, clock=clock, trace=trace
        )
        with session:
            result: T = work(session)
            return result


def take_lock(
    device: str,
    deadline: float,
    lock_dir: str,
    trace: Tracer = None,
    warn: Callable[[str], None] | None = None,
) -> DeviceLock | None:
    """The modem's lock (lock.py), or None where no safe lock can be had."""

    try:
        lock = lock_device(device, deadline, lock_dir)
    except LockUnavailable as error:
        if trace is not None:
            trace("note", f"going on without the device lock: {error}")
        if warn is not None:
            warn(f"no device lock ({error})")
        return None
    if trace is not None and lock.waited >= 0.01:
        trace("note", f"waited {lock.waited:.2f} s for {lock.path}")
    return lock


def open_transport(
    device: str,
    transport: str,
    deadline: float,
    trace: Tracer = None,
    checked: CheckedPort | None = None,
    udev: bool = False,
    warn: Callable[[str], None] | None = None,
) -> Port:
    """The port to the modem: mbim-proxy, the character device, or (auto) the proxy
    when one is listening and the character device otherwise.

    ``checked``: ``device`` as portcheck.check_port() found it (checked here if not
    given). In the udev path (``udev`` with auto) the port is new and nobody holds it,
    so a listener we cannot trust (not root, or not speaking the proxy protocol) is
    passed by for the device itself; a real proxy is still used, since ModemManager's
    outlives a modem that re-enumerates after a resume (docs/modemmanager.md §4.3).
    Elsewhere an untrusted listener is an error that says so.
    """
    if transport not in TRANSPORTS:
        raise ValueError(f"unknown transport {transport!r}; one of: {', '.join(TRANSPORTS)}")
    if checked is None:
        checked = check_port(device)
    if transport != "chardev":
        from fcc_unlock.transport.proxy import UNTRUSTED, NoProxy, ProxyTransport

        passing_by = udev and transport == "auto"
        patience = min(deadline, time.monotonic() + UDEV_PROXY_PATIENCE) if passing_by else None
        try:
            # The resolved node: the proxy opens it as root, so it gets what was checked.
            return ProxyTransport(
                checked.path,
                deadline,
                trace=trace,
                connect_deadline=patience,
            )
        except NoProxy:
            if transport == "proxy":
                raise
            if trace is not None:
                trace("note", "no mbim-proxy is listening: opening the device directly")
        except UNTRUSTED as error:
            if not passing_by:
                raise
            if trace is not None:
                trace("note", f"{error}; opening the device directly")
            if warn is not None:
                warn(f"passed mbim-proxy by ({error})")
    from fcc_unlock.transport.chardev import CharDevice

    return CharDevice(device, checked=checked)
