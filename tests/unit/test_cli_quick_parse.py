"""quick_parse() (the hotplug path's argument parser) reads what argparse reads.

Whenever quick_parse() accepts a command line, argparse must accept it too and give
the very same values; on anything it does not know it must step aside (None).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fcc_unlock.cli import args as cli
from fcc_unlock.run import DEFAULT_TIMEOUT


def argparse_values(argv: list[str]) -> dict | None:
    try:
        return vars(cli.build_parser().parse_args(argv))
    except SystemExit:
        return None


def test_defaults_are_argparse_defaults():
    assert argparse_values([]) == cli.DEFAULTS
    assert vars(cli.quick_parse([])) == cli.DEFAULTS
    assert cli.DEFAULTS["timeout"] == DEFAULT_TIMEOUT


@pytest.mark.parametrize(
    "argv",
    [
        ["--udev", "--method", "sierra", "--ids", "1199:9079", "/dev/cdc-wdm0"],  # the udev rule
        ["--method", "sierra", "--log", "stderr", "/dev/cdc-wdm0"],
        ["-m", "quectel", "-t", "2.5", "-v", "--json", "--no-proxy", "/dev/wwan0mbim0"],
        ["--method=foxconn", "--timeout=4", "--proxy", "--radio-on", "/dev/cdc-wdm1"],
        ["/dev/cdc-wdm0"],
        # ModemManager's dispatcher call, as run_command() sees it
        ["--modemmanager", "/org/freedesktop/ModemManager1/Modem/0", "cdc-wdm0", "wwan0at0"],
        ["--ids", "1199:9079", "--modemmanager", "/org/freedesktop/ModemManager1/Modem/3", "cdc-wdm1"],
    ],
)
def test_the_hot_path_forms_are_parsed_quickly_and_alike(argv):
    quick = cli.quick_parse(argv)
    assert quick is not None
    assert vars(quick) == argparse_values(argv)


@pytest.mark.parametrize(
    "argv",
    [
        ["--status", "/dev/cdc-wdm0"],  # other modes: argparse's
        ["--all"],
        ["--demo"],
        ["--help"],
        ["--meth", "sierra", "/dev/cdc-wdm0"],  # an abbreviation argparse would take
        ["--method", "nokia", "/dev/cdc-wdm0"],  # a bad value: argparse reports it
        ["--timeout", "-1", "/dev/cdc-wdm0"],
        ["--ids", "1199-9079", "/dev/cdc-wdm0"],
        ["--proxy", "--no-proxy", "/dev/cdc-wdm0"],
        ["/dev/cdc-wdm0", "/dev/cdc-wdm1"],
        ["-vm", "sierra", "/dev/cdc-wdm0"],
        ["--", "/dev/cdc-wdm0"],
        ["--modemmanager"],  # no call: argparse's error to give
        ["--modemmanager", "/org/freedesktop/ModemManager1/Modem/0", "-v"],
        ["/dev/cdc-wdm0", "--modemmanager", "/org/freedesktop/ModemManager1/Modem/0"],
        ["--method"],
    ],
)
def test_anything_else_is_left_to_argparse(argv):
    assert cli.quick_parse(argv) is None


OPTION_WORDS = [
    "-v", "--verbose", "--json", "--radio-on", "--udev", "--proxy", "--no-proxy",
    "-m", "--method", "-t", "--timeout", "--log", "--ids",
    "--status", "--all", "--meth", "--", "-", "-vm", "--method=", "--timeout=", "--log=",
]  # fmt: skip
VALUE_WORDS = [
    "sierra", "foxconn", "quectel", "nokia", "2", "0.5", "0", "-1", "abc", "4000",
    "auto", "stderr", "syslog", "1199:9079", "1199-9079", "ABCD:ef01", "/dev/cdc-wdm0", "dev",
]  # fmt: skip
WORDS = st.one_of(
    st.sampled_from(OPTION_WORDS),
    st.sampled_from(VALUE_WORDS),
    st.builds(
        lambda option, value: option + value, st.sampled_from(OPTION_WORDS), st.sampled_from(VALUE_WORDS)
    ),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(WORDS, max_size=8))
def test_whatever_quick_parse_accepts_argparse_reads_the_same(argv):
    quick = cli.quick_parse(argv)
    if quick is not None:
        assert vars(quick) == argparse_values(argv), argv


def option_with_value(names: list[str], values: list[str]):
    """``--opt value`` or ``--opt=value`` (long names only take the = form)."""
    return st.tuples(st.sampled_from(names), st.sampled_from(values), st.booleans()).map(
        lambda t: [f"{t[0]}={t[1]}"] if t[2] and t[0].startswith("--") else [t[0], t[1]]
    )


VALID_PARTS = st.one_of(
    st.sampled_from(["-v", "--verbose", "--json", "--radio-on", "--udev", "--no-proxy"]).map(lambda w: [w]),
    option_with_value(["-m", "--method"], ["sierra", "foxconn", "quectel"]),
    option_with_value(["-t", "--timeout"], ["2", "0.5", "8", "3600"]),
    option_with_value(["--log"], ["auto", "stderr", "syslog"]),
    option_with_value(["--ids"], ["1199:9079", "ABCD:ef01", "105b:e0ab"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(VALID_PARTS, max_size=6), st.integers(0, 6))
def test_valid_plain_unlock_lines_are_all_parsed_quickly_and_alike(parts, device_at):
    cut = min(device_at, len(parts))
    argv = (
        [w for part in parts[:cut] for w in part]
        + ["/dev/cdc-wdm0"]
        + [w for part in parts[cut:] for w in part]
    )
    quick = cli.quick_parse(argv)
    assert quick is not None, argv
    assert vars(quick) == argparse_values(argv), argv
