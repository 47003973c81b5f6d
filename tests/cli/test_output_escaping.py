"""Names and texts from outside print safely: any bytes, any encoding, no line faked.

A DEVICE from the command line can hold any bytes (a newline, an escape sequence, a
byte that is not UTF-8), as can a D-Bus path in dispatcher mode; every human-readable
line shows them escaped (``\\n``, ``\\x1b``, ``\\xff``) and stays one line, under any
``PYTHONIOENCODING`` and locale. JSON stays valid and gives the name back exactly.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys

import pytest
from conftest import bare_env

FAKE = "\nfcc-unlock: cdc-wdm0 1199:9079 sierra: unlocked in 0.10 s"  # a line a newline could fake
ESCAPE = "\x1b[2J\x9b31m"  # clear the screen; C1 CSI


def run(*args: str | bytes, **extra_env: str) -> subprocess.CompletedProcess[bytes]:
    """The CLI in the bare environment; output as the bytes it wrote."""
    return subprocess.run(
        [sys.executable, "-m", "fcc_unlock", *args],
        capture_output=True,
        env=bare_env(**extra_env),
        cwd="/",
        timeout=30,
    )


def assert_clean(output: bytes, lines: int) -> str:
    """``output`` is ``lines`` lines of printable ASCII text, no escape character."""
    text = output.decode("ascii")  # UnicodeDecodeError: a raw byte got through
    assert len(text.splitlines()) == lines, text
    assert all(char == "\n" or char.isprintable() for char in text), repr(text)
    return text


@pytest.mark.parametrize(
    ("name", "shown", "environment"),
    [
        (b"/tmp/fcc-unlock-\xff", "/tmp/fcc-unlock-\\xff", {"PYTHONIOENCODING": "utf-8:strict"}),
        (b"/tmp/fcc-unlock-\xff", "/tmp/fcc-unlock-\\xff", {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}),
        ("/tmp/fcc-unlock-é".encode(), "/tmp/fcc-unlock-\\xe9", {"PYTHONIOENCODING": "ascii:strict"}),
    ],
    ids=["not-utf8-strict", "not-utf8-c-utf8", "not-ascii-ascii"],
)
def test_status_of_a_name_the_output_cannot_encode(name, shown, environment, tmp_path):
    result = run("--status", "--method", "sierra", name, FCC_UNLOCK_LOCK_DIR=str(tmp_path), **environment)
    assert result.returncode == 5, result.stderr  # no such device; not 70, internal error
    assert b"internal error" not in result.stderr
    text = assert_clean(result.stdout, len(result.stdout.splitlines()))
    assert text.startswith(f"device:        {shown}\n"), text


def test_a_newline_in_device_cannot_fake_a_result_line():
    result = run("--method", "sierra", "--log", "stderr", "/tmp/fcc-unlock-none" + FAKE)
    assert result.returncode == 5
    text = assert_clean(result.stderr, 1)
    assert "/tmp/fcc-unlock-none\\nfcc-unlock: cdc-wdm0" in text


def test_status_lines_escape_the_device_name(tmp_path):
    result = run(
        "--status", "--method", "sierra", f"/tmp/none{ESCAPE}{FAKE}", FCC_UNLOCK_LOCK_DIR=str(tmp_path)
    )
    assert result.returncode == 5
    text = assert_clean(result.stdout, len(result.stdout.splitlines()))
    assert "\\x1b[2J\\x9b31m\\nfcc-unlock:" in text.splitlines()[0]
    labels = [line.split(":")[0] for line in text.splitlines()]
    assert labels == ["device", "modem", "MBIM services", "status"], text


def test_trace_lines_escape_the_device_name(sim, tmp_path):
    port = tmp_path / f"cdc-wdm{ESCAPE}{FAKE}"
    port.symlink_to(sim.path)
    result = run("-v", "--method", "sierra", "--log", "stderr", str(port), FCC_UNLOCK_LOCK_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    text = assert_clean(result.stderr, len(result.stderr.splitlines()))
    results = [line for line in text.splitlines() if line.startswith("fcc-unlock: ")]
    assert len(results) == 1 and re.search(r"0\.10 s sierra: unlocked in \d+\.\d\d s$", results[0]), results
    assert "cdc-wdm\\x1b[2J\\x9b31m\\nfcc-unlock: cdc-wdm0" in results[0]
    assert len(text.splitlines()) > 10  # the trace, each line escaped
    assert not sim.modem.locked


def test_syslog_line_escapes_control_characters(tmp_path):
    path = str(tmp_path / "log")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(path)
    server.settimeout(5)
    try:
        result = run(
            "--log", "syslog", "--method", "sierra", f"/tmp/none{ESCAPE}{FAKE}", FCC_UNLOCK_SYSLOG_SOCKET=path
        )
        message = server.recv(4096)
    finally:
        server.close()
    assert result.returncode == 5
    assert result.stderr == b""
    text = assert_clean(message, 1)
    assert "/tmp/none\\x1b[2J\\x9b31m\\nfcc-unlock: cdc-wdm0" in text


def test_dispatcher_escapes_the_dbus_path():
    result = run("--modemmanager", f"/org/example{ESCAPE}{FAKE}", "cdc-wdm0", "--log", "stderr")
    assert result.returncode == 2  # not a ModemManager modem path: a usage error
    text = assert_clean(result.stderr, 1)
    assert "not a ModemManager modem path: /org/example\\x1b[2J" in text


def test_usage_error_escapes_the_words_it_quotes():
    result = run("/dev/cdc-wdm0", "x" + FAKE)  # a second DEVICE
    assert result.returncode == 2
    text = assert_clean(result.stderr, len(result.stderr.splitlines()))
    quoted = "x" + FAKE.replace("\n", "\\n")
    assert text.splitlines()[-1] == f"fcc-unlock: error: unrecognized arguments: {quoted}"


def test_json_gives_a_name_that_is_not_utf8_back_exactly(tmp_path):
    name = b"/tmp/fcc-unlock-\xff\n"
    for mode in (["--status"], ["--log", "stderr"]):
        result = run(
            *mode, "--json", "--method", "sierra", name,
            FCC_UNLOCK_LOCK_DIR=str(tmp_path), PYTHONIOENCODING="utf-8:strict",
        )  # fmt: skip
        assert result.returncode == 5, result.stderr
        assert_clean(result.stdout, 1)
        document = json.loads(result.stdout)
        assert os.fsencode(document["device"]) == name
