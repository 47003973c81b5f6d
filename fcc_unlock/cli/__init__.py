"""The program: parse the command line, run the mode it names, exit with its status.

fcc-unlock [--method NAME] [--timeout SECONDS] [-v] [--json] [--radio-on] DEVICE
fcc-unlock --status [--method NAME] [--json] DEVICE
fcc-unlock --all
fcc-unlock --modemmanager DBUS_PATH PORT...   (or as ModemManager's dispatcher)
fcc-unlock --list [--json]
fcc-unlock --demo [--vendor NAME]

One module per mode (unlock, status, all_modems, dispatcher, demo), imported only
when chosen; args.py has the parsers, output.py what every mode prints with. Exit
statuses: errors.py.
"""

from __future__ import annotations

import os
import sys
import time

from fcc_unlock.cli.args import build_parser, invoked_by_modemmanager, quick_parse
from fcc_unlock.errors import ExitCode
from fcc_unlock.host.log import close_streams, open_streams, say, write_line

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from fcc_unlock.cli.args import Args


def main(argv: Sequence[str] | None = None) -> int:
    """The program: run the command, then make sure its output is out (or known lost)."""
    started = time.monotonic()
    open_streams()
    code = run_command(argv, started)
    if close_streams() and code == ExitCode.OK:
        return ExitCode.IO_ERROR  # the document never reached its reader (README "Exit status")
    return code


def run_command(argv: Sequence[str] | None, started: float) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if invoked_by_modemmanager(argv):
        argv.insert(0, "--modemmanager")
    args: Args | None = quick_parse(argv)
    if args is None:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exit_:
            return ExitCode.OK if exit_.code == 0 else ExitCode.USAGE
    try:
        if args.demo:
            from fcc_unlock.cli.demo import run_demo

            return run_demo(args.vendor, args.timeout, args.verbose)
        if args.list:
            from fcc_unlock.host.devices import print_table

            return print_table(args.json)
        if args.modemmanager:
            from fcc_unlock.cli import dispatcher

            return dispatcher.command(args, started)
        if args.all:
            from fcc_unlock.cli import all_modems

            return all_modems.command(args)
        if not args.device:
            write_line(sys.stderr, build_parser().format_usage(), end="")
            say("error: a DEVICE is required (or --all, --demo, --list)")
            return ExitCode.USAGE
        if args.probe and not args.status:
            write_line(sys.stderr, build_parser().format_usage(), end="")
            say("error: --probe goes with --status (it tests the lock by switching the radio on and back)")
            return ExitCode.USAGE
        if args.status:
            from fcc_unlock.cli import status

            return status.command(args)
        from fcc_unlock.cli import unlock

        return unlock.command(args)
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # a bug: say so in one line, with the exit code for bugs
        say(f"internal error: {type(error).__name__}: {error}")
        if os.environ.get("FCC_UNLOCK_DEBUG"):
            raise
        return ExitCode.INTERNAL
