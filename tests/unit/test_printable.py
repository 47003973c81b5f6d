"""log.printable(): what a human-readable line may show of a name or a modem's text."""

from __future__ import annotations

import io
import os

import pytest

from fcc_unlock.host.log import Log, printable


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("cdc-wdm0 1199:9079 sierra: unlocked in 0.21 s", "cdc-wdm0 1199:9079 sierra: unlocked in 0.21 s"),
        ("a\nb\rc\td", "a\\nb\\rc\\td"),  # no line made, none overwritten
        ("\x1b[2J\x07", "\\x1b[2J\\x07"),  # ESC and BEL: no terminal control
        ("\x00\x7f\x85\x9b", "\\x00\\x7f\\x85\\x9b"),  # NUL, DEL, C1 NEL and CSI
        ("abc\u202edef\u2028", "abc\\u202edef\\u2028"),  # a bidi override, a line separator
        (os.fsdecode(b"/dev/\xff\xc3"), "/dev/\\xff\\xc3"),  # bytes that are not UTF-8: those bytes
        ("\ud800", "\\ud800"),  # a lone surrogate of another origin
        ("/dev/cdc-wdm-é 中", "/dev/cdc-wdm-é 中"),  # printable non-ASCII stays as it is
        ("back\\slash", "back\\slash"),
    ],
    ids=[
        "plain",
        "newlines",
        "escape",
        "c0-c1-del",
        "unicode-format",
        "not-utf8",
        "surrogate",
        "non-ascii",
        "backslash",
    ],
)
def test_printable(text, shown):
    assert printable(text) == shown
    assert printable(text).isprintable()


def test_every_log_line_is_escaped():
    stream = io.StringIO()
    log = Log("stderr", verbose=True, stream=stream)
    log.result("x\nfcc-unlock: y: unlocked in 0.10 s", ok=False)
    log.trace("note", "firmware \x1b[31mred")
    assert stream.getvalue().splitlines() == [
        "fcc-unlock: x\\nfcc-unlock: y: unlocked in 0.10 s",
        "   firmware \\x1b[31mred",
    ]
