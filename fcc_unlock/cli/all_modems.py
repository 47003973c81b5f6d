"""``fcc-unlock --all``: every present modem from the device table, each on its own.

Used after resume (packaging/systemd/fcc-unlock-resume.service) and by hand. Each
port gets its own run: its own deadline, lock, result line and exit status; one
modem failing does not stop the next. The exit status is the worst of them, where
worst means the numerically highest code (so 0 only if every modem is unlocked;
see README "Exit status"). With no modem from the table present there is nothing
to do, and the status is 0.
"""

from __future__ import annotations

from fcc_unlock.errors import ExitCode

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from fcc_unlock.cli.args import Args
    from fcc_unlock.host.log import Log
    from fcc_unlock.host.udev import PresentPort
    from fcc_unlock.run import Outcome, Tracer


def worst(codes: Iterable[int]) -> int:
    """The combined exit status of several runs: the highest code, 0 for none."""
    return max(codes, default=ExitCode.OK)


def plan(ports: Sequence[PresentPort]) -> list[tuple[PresentPort, str | None]]:
    """(port, method) for each port whose modem is in the table; method None when the
    table names a method this program cannot run over MBIM."""
    from fcc_unlock.host.devices import lookup
    from fcc_unlock.methods import METHODS

    planned = []
    for port in ports:
        ids = port.ids
        entry = lookup(ids.bus, ids.vendor, ids.product, ids.subsystem_vendor, ids.subsystem_device)
        if entry is None:
            continue
        planned.append((port, entry.method if entry.method in METHODS else None))
    return planned


def unlock_all(
    timeout: float,
    transport: str,
    lock_dir: str | None,
    log: Log,
    trace: Tracer = None,
    as_json: bool = False,
    ports: Sequence[PresentPort] | None = None,
) -> int:
    from fcc_unlock.cli.output import report, watchdog
    from fcc_unlock.run import unlock

    if ports is None:
        from fcc_unlock.host.udev import present_ports

        ports = present_ports()
    planned = plan(ports)
    if not planned:
        log.result("--all: no modem from the device table is present", ok=True)
        return ExitCode.OK
    codes = []
    for port, method in planned:
        outcome: Outcome
        if method is None:
            outcome = _unsupported(port)
        else:
            with watchdog(timeout):
                outcome = unlock(
                    port.devnode,
                    method,
                    timeout,
                    trace,
                    str(port.ids),
                    transport=transport,
                    lock_dir=lock_dir,
                )
        codes.append(report(outcome, log, as_json))
    return worst(codes)


def _unsupported(port: PresentPort) -> Outcome:
    from fcc_unlock.host.devices import lookup
    from fcc_unlock.run import Outcome

    ids = port.ids
    entry = lookup(ids.bus, ids.vendor, ids.product, ids.subsystem_vendor, ids.subsystem_device)
    method = entry.method if entry is not None else None
    reason = f"the {method} unlock is not available over MBIM in this version"
    return Outcome.failed(port.devnode, method, str(ids), ExitCode.UNSUPPORTED, reason)


def command(args: Args) -> int:
    """``fcc-unlock --all`` from the parsed command line."""
    from fcc_unlock.host.lock import lock_dir
    from fcc_unlock.host.log import Log, say

    if args.device:
        say("error: --all takes no DEVICE")
        return ExitCode.USAGE
    log = Log(args.log, args.verbose)
    return unlock_all(
        args.timeout,
        args.transport,
        lock_dir(),
        log,
        log.trace if args.verbose else None,
        args.json,
    )
