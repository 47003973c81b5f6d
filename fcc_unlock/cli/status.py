"""``fcc-unlock --status DEVICE``: what the modem says about its FCC lock, printed."""

from __future__ import annotations

from fcc_unlock.cli.output import watchdog
from fcc_unlock.errors import ExitCode, FccUnlockError
from fcc_unlock.survey import Report, run_status

NOT_ASKED = "not asked: the device table does not name this modem; --method asks it anyway"

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fcc_unlock.cli.args import Args
    from fcc_unlock.host.keys import Key


def command(args: Args) -> int:
    """``--status``: resolve the modem (for its name), survey it, print the report."""
    from fcc_unlock.host.log import Log, print_document, printable

    method, ids, model, hint = args.method, None, None, ""
    if method is None:
        from fcc_unlock.host.udev import resolve_device

        ids, entry, hint = resolve_device(args.device)
        if entry is not None:
            method, model = entry.method, entry.model
    from fcc_unlock.host.lock import lock_dir

    log = Log(args.log, args.verbose)
    trace = log.trace if args.verbose else None
    if method is None:
        # Nothing names this device a modem we know: --status promises to change
        # nothing, so not a byte goes to it (docs/safety.md).
        from fcc_unlock.transport.portcheck import check_port

        report = Report.failed(args.device, None, ids, ExitCode.UNSUPPORTED, NOT_ASKED)
        try:
            check_port(args.device)
        except FccUnlockError as error:  # say what the path is, if it is no port at all
            report.fail(error)
    else:
        from fcc_unlock.cli.unlock import method_port

        device = method_port(args.device, method)
        with watchdog(args.timeout):
            report = run_status(
                device,
                method,
                ids,
                model,
                args.timeout,
                trace,
                transport=args.transport,
                lock_dir=lock_dir(),
                probe=args.probe,
            )
    report.hint = hint
    if method is not None:
        report.key = key_of(method, report.device, args.key)
    if args.json:
        import json

        print_document(json.dumps(report.as_dict()))
    else:
        # The device name, the hint and the evidence quote the command line and the modem.
        print_document("\n".join(printable(line) for line in report.lines()))
    return int(report.exit_code)


def key_of(method: str, device: str, override: Key | None) -> Key | None:
    """The key a keyed method would use on ``device``, and why (None: it needs none)."""
    from fcc_unlock.methods import keyed, load

    try:
        procedure = load(method)
    except ValueError:
        return None
    if not keyed(procedure):
        return None
    from fcc_unlock.host.keys import key_for_device

    return key_for_device(device, override)
