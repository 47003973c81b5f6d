"""``fcc-unlock DEVICE``: one unlock of one port, the mode the udev rule runs."""

from __future__ import annotations

import os

from fcc_unlock.cli.output import report, watchdog
from fcc_unlock.errors import ExitCode, FccUnlockError
from fcc_unlock.host.lock import lock_dir
from fcc_unlock.host.log import Log
from fcc_unlock.run import Outcome, unlock
from fcc_unlock.transport.portcheck import check_port

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fcc_unlock.cli.args import Args


def command(args: Args) -> int:
    if not args.udev:
        return unlock_port(args)
    from fcc_unlock.host import plug_in

    # The event of the modem's network interface waits while this runs, until the end
    # of the unlock, however it ended (docs/modemmanager.md §4.2).
    try:
        return unlock_port(args)
    finally:
        plug_in.finish(args.device)


def unlock_port(args: Args) -> int:
    log = Log("syslog" if args.udev and args.log == "auto" else args.log, args.verbose)
    method, ids = args.method, args.ids
    if method is None:
        try:
            # Missing is an I/O error (exit 5), as it is with --method; not a port, 3.
            check_port(args.device)
        except FccUnlockError as error:
            return report(
                Outcome.failed(args.device, None, None, error.exit_code, str(error)), log, args.json
            )
        method, ids, hint = resolve_method(args.device)
        if method is None:
            return report(Outcome.failed(args.device, None, ids, ExitCode.UNSUPPORTED, hint), log, args.json)
    device = method_port(args.device, method)
    if args.udev and not is_trigger_port(device):
        # One of a USB modem's other serial ports: its first one does the unlock.
        log.result(f"{os.path.basename(device)}: left to the modem's first serial port", True)
        return ExitCode.OK
    with watchdog(args.timeout):
        trace = log.trace if args.verbose else None
        outcome = unlock(
            device,
            method,
            args.timeout,
            trace,
            ids,
            transport=args.transport,
            lock_dir=lock_dir(),
            radio_on=args.radio_on or radio_left_to_us(method),
            udev=args.udev,
            key=args.key,
            occasion="hotplug" if args.udev else "manual",
        )
    return report(outcome, log, args.json)


def is_trigger_port(device: str) -> bool:
    """Whether the udev run on ``device`` is the one for its modem: any port but a USB
    serial port that is not the modem's first (docs/devices.md §2)."""
    from fcc_unlock.host.sysfs import SERIAL_PREFIXES, first_serial_port

    name = os.path.basename(os.path.realpath(device))
    if not name.startswith(SERIAL_PREFIXES):
        return True
    first = first_serial_port(device)
    return first is None or os.path.basename(first) == name


def method_port(device: str, method: str) -> str:
    """The modem's port that ``method`` speaks on: ``device`` for the MBIM methods; for
    an AT or XMM RPC method given another port of the modem (the udev rule triggers
    a USB modem by its MBIM node), that modem's AT or XMMRPC port (docs/devices.md §2)."""
    from fcc_unlock.host.devices import METHOD_PORTS

    port_type = METHOD_PORTS.get(method, "MBIM")
    if port_type == "MBIM":
        return device
    from fcc_unlock.host.sysfs import port_for

    return port_for(device, port_type)


def resolve_method(device: str) -> tuple[str | None, str | None, str]:
    """(method, ids, hint): the table's method for this device, or a hint why not."""
    from fcc_unlock.host.udev import method_for

    return method_for(device)


# Methods whose modem stays in airplane mode after the unlock until someone switches the
# radio on, which ModemManager does when it powers the modem up (README, "Methods").
RADIO_AFTER_UNLOCK = ("xmm7360-rpc",)


def radio_left_to_us(method: str) -> bool:
    """Whether this run must switch the radio on itself: nobody else will."""
    if method not in RADIO_AFTER_UNLOCK:
        return False
    from fcc_unlock.host.peers import modemmanager_running

    return not modemmanager_running()
