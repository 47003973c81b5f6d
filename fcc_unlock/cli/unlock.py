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
    from typing import Callable

    from fcc_unlock.cli.args import Args

NET_CLASS = "/sys/class/net/"  # the rule names a network interface so (docs/modemmanager.md §4.2)


def command(args: Args) -> int:

    log = Log("syslog" if args.udev and args.log == "auto" else args.log, args.verbose)
    method, ids = args.method, args.ids
    if args.device.startswith(NET_CLASS):
        # A USB MBIM modem's network interface: its cdc-wdm node is the port. From the
        # udev rule, wait for the node's own run instead, so that ModemManager hears of
        # neither port before the unlock is done (docs/modemmanager.md §4.2).
        from fcc_unlock.host.sysfs import control_port_of_net, plug_in_of, read_attribute

        if args.udev and not same_interface(args.device, os.environ.get("IFINDEX"), read_attribute):
            # The event's interface is gone (its modem unplugged while the event waited):
            # whatever has the name now is another's, with events of its own.
            return ExitCode.OK
        node = control_port_of_net(args.device)
        if node is None:
            reason = f"{args.device}: no cdc-wdm control port beside this network interface"
            return report(
                Outcome.failed(args.device, method, ids, ExitCode.UNSUPPORTED, reason), log, args.json
            )
        plug_in = plug_in_of(node)
        if args.udev and plug_in is not None:
            return wait_for_node(args, node, plug_in, log)
        args.device = node
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
    once_per_plug = None
    if args.udev:
        from fcc_unlock.host.sysfs import plug_in_of

        once_per_plug = plug_in_of(device)
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
            once_per_plug=once_per_plug,
        )
    return report(outcome, log, args.json)


def same_interface(path: str, event_ifindex: str | None, read: Callable[[str], str | None]) -> bool:
    """Whether the interface at ``path`` is the one udev's event is about: udev gives a
    network interface's event its IFINDEX, which the kernel never reuses before a
    reboot. Without one (not run by udev) there is nothing to compare."""
    if event_ifindex is None:
        return True
    return read(os.path.join(path, "ifindex")) == event_ifindex


def wait_for_node(args: Args, node: str, plug_in: str, log: Log) -> int:
    """The rule's run on the network interface: done once the node's run noted how its
    unlock ended, which that run logs; only a wait in vain gets a line of its own."""
    from fcc_unlock.run import wait_for_unlock

    ended = wait_for_unlock(node, plug_in, args.timeout, lock_dir())
    if ended is not None:
        log.trace("note", f"{plug_in}: the unlock on {node} {ended}")
        return ExitCode.OK
    reason = f"{args.device}: no unlock of {plug_in} on {node} ended within {args.timeout:g} s"
    return report(Outcome.failed(node, args.method, args.ids, ExitCode.TIMEOUT, reason), log, args.json)


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
