"""The command line's words: the options, their defaults, and the two parsers.

``quick_parse()`` takes the plain unlock command line the udev rule, the units and
scripts use, without argparse (which, with the gettext and locale it imports, costs
the hotplug path more than a round trip to the modem); ``build_parser()`` is argparse
for everything else, and reports errors. tests/unit/test_cli_quick_parse.py checks
both read the same.
"""

from __future__ import annotations

import os
import sys

from fcc_unlock import __version__
from fcc_unlock.errors import DESCRIPTIONS
from fcc_unlock.methods import METHODS
from fcc_unlock.run import DEFAULT_TIMEOUT

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from types import SimpleNamespace
    from typing import Callable, NoReturn, Union

    from _typeshed import SupportsWrite

    Args = Union[argparse.Namespace, SimpleNamespace]

DBUS_PREFIX = "/org/freedesktop/ModemManager1/"


def invoked_by_modemmanager(argv: Sequence[str]) -> bool:
    """``<program> <D-Bus path> <port>...``: the shape of ModemManager's dispatcher call."""
    return len(argv) >= 2 and argv[0].startswith(DBUS_PREFIX)


METHOD_NAMES = METHODS
LOG_DESTINATIONS = ("auto", "stderr", "syslog")

# Every option's value when not given: argparse and quick_parse() both start from this.
DEFAULTS = {
    "device": None,
    "method": None,
    "timeout": DEFAULT_TIMEOUT,
    "verbose": False,
    "json": False,
    "log": "auto",
    "radio_on": False,
    "status": False,
    "probe": False,
    "list": False,
    "transport": "auto",
    "all": False,
    "udev": False,
    "ids": None,
    "modemmanager": None,
    "demo": False,
    "vendor": "sierra",
    "key": None,
}


def terminal_columns() -> int:
    try:
        return int(os.environ.get("COLUMNS", "")) or 80
    except ValueError:
        pass
    try:
        return os.get_terminal_size(sys.stderr.fileno()).columns
    except (OSError, ValueError):
        return 80


def build_parser() -> argparse.ArgumentParser:
    import argparse

    from fcc_unlock.host.log import printable, write_line

    class Parser(argparse.ArgumentParser):
        def error(self, message: str) -> NoReturn:
            # The message quotes the command line: a newline in it must not make a line.
            super().error(printable(message))

        def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
            # Help, usage and errors as every other line: a stream that cannot be
            # written is dropped, never an exception (argparse before 3.11 let it out).
            if message:
                write_line(file or sys.stderr, message, end="")  # type: ignore[arg-type]

    class HelpFormatter(argparse.RawDescriptionHelpFormatter):
        # argparse sizes a formatter for every add_argument() with
        # shutil.get_terminal_size(); importing shutil alone costs more than a round
        # trip to the modem.
        def __init__(self, prog: str) -> None:
            super().__init__(prog, width=terminal_columns() - 2)

    exit_codes = "\n".join(f"  {int(code):>3}  {text}" for code, text in DESCRIPTIONS.items())
    parser = Parser(
        prog="fcc-unlock",
        description="FCC-unlock a laptop WWAN modem through its control port (MBIM, AT or XMM RPC).",
        epilog=f"exit status:\n{exit_codes}",
        formatter_class=HelpFormatter,
    )
    parser.add_argument(
        "device", nargs="?", help="the modem's control port, e.g. /dev/cdc-wdm0, /dev/wwan0at0"
    )
    parser.add_argument(
        "-m", "--method", choices=METHOD_NAMES, help="unlock procedure (default: from the device table)"
    )
    parser.add_argument(
        "-t",
        "--timeout",
        type=argparse_type(parse_seconds),
        metavar="SECONDS",
        help=f"hard deadline for the whole run (default {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print every MBIM/QMI message, decoded")
    parser.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    parser.add_argument(
        "--log",
        choices=LOG_DESTINATIONS,
        help="where the result line goes (auto: stderr on a terminal or under systemd, else syslog too)",
    )
    parser.add_argument(
        "--radio-on",
        action="store_true",
        help="after unlocking, switch the radio on and check it (systems without ModemManager)",
    )
    parser.add_argument(
        "--status", action="store_true", help="report what DEVICE says about its FCC lock; change nothing"
    )
    parser.add_argument(
        "--probe",
        action="store_true",
        help="with --status, for Sierra and Foxconn: switch the radio on to test the lock, then back off",
    )
    parser.add_argument("--list", action="store_true", help="print the device table")
    transport = parser.add_mutually_exclusive_group()
    transport.add_argument(
        "--proxy",
        dest="transport",
        action="store_const",
        const="proxy",
        help="talk through mbim-proxy (default: when one is listening, else open DEVICE)",
    )
    transport.add_argument(
        "--no-proxy",
        dest="transport",
        action="store_const",
        const="chardev",
        help="always open DEVICE itself",
    )
    parser.add_argument("--all", action="store_true", help="unlock every present modem of the device table")
    parser.add_argument("--udev", action="store_true", help="run by the udev rule: log to syslog")
    parser.add_argument(
        "--ids",
        type=argparse_type(parse_ids),
        metavar="VVVV:PPPP",
        help="the modem's ids, as the udev rule matched",
    )
    parser.add_argument(
        "--modemmanager", nargs="+", metavar="ARG", help="ModemManager dispatcher call: DBUS_PATH PORT..."
    )
    parser.add_argument(
        "--key",
        type=argparse_type(parse_key),
        metavar="HEX",
        help="the per-OEM FCC key, 4 bytes in hex (default: from SMBIOS or the laptop maker)",
    )
    parser.add_argument("--demo", action="store_true", help="unlock the built-in simulated modem")
    parser.add_argument("--vendor", help="personality of the --demo modem")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.set_defaults(**DEFAULTS)
    return parser


def parse_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"not a number of seconds: {text!r}") from None
    if not 0 < value <= 3600:
        raise ValueError("timeout must be between 0 and 3600 seconds")
    return value


def parse_ids(text: str) -> str:
    from fcc_unlock.host.sysfs import parse_ids as check

    check(text)
    return text.lower()


def parse_key(text: str) -> object:
    from fcc_unlock.host.keys import parse_key as parse

    return parse(text)


def argparse_type(parse: Callable[[str], object]) -> Callable[[str], object]:
    """``parse`` for argparse: its ValueError becomes argparse's error message."""

    def convert(text: str) -> object:
        import argparse

        try:
            return parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    convert.__name__ = parse.__name__
    return convert


# The options of a plain unlock, the form the udev rule, the units and scripts use.
FLAGS = {
    "-v": ("verbose", True),
    "--verbose": ("verbose", True),
    "--json": ("json", True),
    "--radio-on": ("radio_on", True),
    "--udev": ("udev", True),
    "--proxy": ("transport", "proxy"),
    "--no-proxy": ("transport", "chardev"),
}
VALUED: dict[str, tuple[str, Callable[[str], object]]] = {
    "-m": ("method", lambda text: _choice(text, METHOD_NAMES)),
    "--method": ("method", lambda text: _choice(text, METHOD_NAMES)),
    "-t": ("timeout", parse_seconds),
    "--timeout": ("timeout", parse_seconds),
    "--log": ("log", lambda text: _choice(text, LOG_DESTINATIONS)),
    "--ids": ("ids", parse_ids),
    "--key": ("key", parse_key),
}


def quick_parse(argv: Sequence[str]) -> SimpleNamespace | None:
    """Parse a plain unlock command line without argparse, or None for anything else.

    argparse, with the gettext and locale it imports and the parser it builds, costs
    the hotplug path more than a round trip to the modem. This takes only the options
    of FLAGS and VALUED and one DEVICE, each value valid, or ModemManager's dispatcher
    call (``--modemmanager`` and the words after it); any other word, a bad value or a
    repeated transport choice returns None, and argparse then parses (and reports).
    tests/unit/test_cli_quick_parse.py checks both read the same.
    """
    from types import SimpleNamespace

    values: dict[str, object] = dict(DEFAULTS)
    words = iter(argv)
    transport_chosen = False
    for word in words:
        name, equals, inline = word.partition("=")
        if word in FLAGS:
            dest, value = FLAGS[word]
            if dest == "transport":
                if transport_chosen and values[dest] != value:
                    return None  # --proxy with --no-proxy: argparse's error to give
                transport_chosen = True
            values[dest] = value
        elif name in VALUED:
            dest, parse = VALUED[name]
            text = inline if equals else next(words, None)
            if text is None or (not equals and text.startswith("-")):
                return None
            try:
                values[dest] = parse(text)
            except ValueError:
                return None
        elif word == "--modemmanager" and values["device"] is None:
            # ModemManager's dispatcher call, the rest of the line: its D-Bus path and
            # ports never start with "-" (anything else is argparse's to read).
            call = list(words)
            if not call or any(part.startswith("-") for part in call):
                return None
            values["modemmanager"] = call
        elif not word.startswith("-") and values["device"] is None:
            values["device"] = word
        else:
            return None
    return SimpleNamespace(**values)


def _choice(text: str, choices: tuple[str, ...]) -> str:
    if text not in choices:
        raise ValueError(f"{text!r} is not one of {', '.join(choices)}")
    return text
