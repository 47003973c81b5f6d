"""ModemManager's FCC unlock dispatcher mode.

ModemManager runs ``/etc/ModemManager/fcc-unlock.d/<vid>:<pid> <modem D-Bus path>
<port>...`` when a modem refuses to power up (docs/modemmanager.md §1.2): ports are bare names
of type AT, QMI, MBIM or XMMRPC; stdout and stderr go nowhere; after 5 s the helper is
killed; its exit status only reaches MM's debug log. So here we find the method from
the modem's ids, pick the port it speaks on (the MBIM port, through mbim-proxy since
MM holds it; the AT or XMMRPC port, opened directly: nothing shares those), log to
syslog, and end within ``BUDGET`` seconds of starting, watchdog included.

Recognised as ``fcc-unlock <D-Bus path> <port>...`` (when the dispatcher file is a
link to the program itself) and as ``fcc-unlock --modemmanager <D-Bus path> <port>...``
(packaging/modemmanager/fcc-unlock-dispatcher). The file name ``vvvv:pppp`` MM ran is
a fallback for the ids when udev cannot tell them.
"""

from __future__ import annotations

import os
import time

from fcc_unlock.cli.args import DBUS_PREFIX
from fcc_unlock.errors import ExitCode

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from fcc_unlock.cli.args import Args
    from fcc_unlock.host.keys import Key
    from fcc_unlock.host.log import Log
    from fcc_unlock.run import Tracer

BUDGET = 4.0  # ModemManager kills us at 5 s; leave it a second
TRANSPORT = "proxy"  # ModemManager opened the port through mbim-proxy


def ids_from_program_name(program: str) -> str | None:
    """``/etc/ModemManager/fcc-unlock.d/1199:9079`` -> ``1199:9079`` (else None)."""
    from fcc_unlock.host.sysfs import parse_ids

    name = os.path.basename(program)
    try:
        parse_ids(name)
    except ValueError:
        return None
    return name


def run_dispatcher(
    call: Sequence[str],
    log: Log,
    started: float,
    timeout: float,
    method: str | None = None,
    ids_hint: str | None = None,
    lock_dir: str | None = None,
    trace: Tracer = None,
    as_json: bool = False,
    sysfs: str = "/sys",
    dev: str = "/dev",
    key: Key | None = None,
) -> int:
    """One dispatcher call: ``call`` is ``[D-Bus path, port, ...]``."""
    from fcc_unlock.cli.output import WATCHDOG_GRACE, report, watchdog
    from fcc_unlock.host.devices import METHOD_PORTS
    from fcc_unlock.host.sysfs import device_node, pick_mbim_port, pick_port
    from fcc_unlock.run import Outcome, unlock

    dbus_path, ports = call[0], list(call[1:])
    named = " ".join(ports) or "(no ports)"
    if not dbus_path.startswith(DBUS_PREFIX) or not ports:
        if dbus_path.startswith(DBUS_PREFIX):
            code, why = ExitCode.UNSUPPORTED, "ModemManager call without ports"
        else:
            code, why = ExitCode.USAGE, f"not a ModemManager modem path: {dbus_path}"
        return report(Outcome.failed(named, method, ids_hint, code, why), log, as_json)
    # Which modem: asked of its MBIM port where it has one, else of the first port.
    ids = ids_hint
    if method is None:
        probe = device_node(pick_mbim_port(ports, sysfs) or ports[0], dev)
        method, ids, reason = resolve(probe, ids_hint)
        if method is None:
            return report(Outcome.failed(probe, None, ids, ExitCode.UNSUPPORTED, reason), log, as_json)
    # The port the method speaks on (docs/devices.md §2): MM passes all of them.
    port_type = METHOD_PORTS.get(method, "MBIM")
    port = pick_port(ports, port_type, sysfs)
    if port is None:
        why = f"ModemManager call without an {port_type} port for {method} (got {named})"
        return report(Outcome.failed(named, method, ids, ExitCode.UNSUPPORTED, why), log, as_json)
    devnode = device_node(port, dev)
    left = started + BUDGET - WATCHDOG_GRACE - time.monotonic()
    timeout = min(timeout, left)
    if trace is not None:
        trace("note", f"ModemManager modem {dbus_path}: unlocking {devnode} within {timeout:.2f} s")
    with watchdog(timeout):
        outcome = unlock(
            devnode,
            method,
            timeout,
            trace,
            ids,
            transport=TRANSPORT,
            lock_dir=lock_dir,
            key=key,
            occasion="dispatcher",
        )
    return report(outcome, log, as_json)


def resolve(devnode: str, ids_hint: str | None) -> tuple[str | None, str | None, str]:
    """(method, ids, reason): from ModemManager's ids where they alone decide (no pyudev:
    ModemManager named the modem already), else from the modem's ids found with udev,
    else from the hint."""
    if ids_hint is not None:
        from fcc_unlock.host.devices import decided_by_ids

        entry = decided_by_ids(ids_hint)
        if entry is not None:
            return entry.method, ids_hint, ""
    from fcc_unlock.host.udev import resolve_device

    ids, entry, reason = resolve_device(devnode, ids_hint)
    if entry is None and ids is None and ids_hint is None:
        reason = f"cannot tell which modem {devnode} belongs to"
    return (None if entry is None else entry.method), ids, reason


def command(args: Args, started: float) -> int:
    """``fcc-unlock --modemmanager <D-Bus path> <port>...`` from the parsed command line."""
    import sys

    from fcc_unlock.host.lock import lock_dir
    from fcc_unlock.host.log import Log

    destination = args.log
    # MM silences our output and passes its own JOURNAL_STREAM on: syslog is the way out.
    log = Log("syslog" if destination == "auto" else destination, args.verbose)
    return run_dispatcher(
        args.modemmanager,
        log,
        started,
        args.timeout,
        method=args.method,
        ids_hint=args.ids or ids_from_program_name(sys.argv[0]),
        lock_dir=lock_dir(),
        trace=log.trace if args.verbose else None,
        as_json=args.json,
        key=args.key,
    )
