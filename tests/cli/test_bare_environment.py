"""The program as udev, systemd and ModemManager run it: a bare environment, output going nowhere.

udev RUN, a systemd unit and ModemManager's dispatcher start fcc-unlock with PATH and
little else: no locale, no HOME, no PYTHONUNBUFFERED (so stdout is block-buffered and
Python flushes it once more at exit). Its stdout and stderr may be closed, a pipe
whose reader is gone, or a full device. Each main mode runs here under

* ``bare``: the environment ``env -i`` leaves, with PATH;
* ``ascii``: the same with ``PYTHONIOENCODING=ascii:strict``, and a device name that is
  not ASCII;
* ``c-utf8``: ``LANG=LC_ALL=C.UTF-8`` with a device name that is not UTF-8;

and with stdout, then stderr, closed (the descriptor not open at all), a pipe nobody
reads and ``/dev/full``. The other stream is read: no traceback, no "Exception
ignored" there; the exit status is the documented one (a lost stdout document is 5,
README "Exit status"), never Python's 120 or our internal 70; and whenever a modem is
involved the run still did its work: the simulator's last message is the CLOSE.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import bare_env

MODEM_PATH = "/org/freedesktop/ModemManager1/Modem/0"
DEVICE_NAMES = {  # the name each environment gives the simulated modem's port
    "bare": b"cdc-wdm0",
    "ascii": "cdc-wdm-é".encode(),
    "c-utf8": b"cdc-wdm-\xff",
}
ENVIRONMENTS = {
    "bare": {},
    "ascii": {"PYTHONIOENCODING": "ascii:strict"},
    "c-utf8": {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"},
}
LOST = 5  # the exit status of a run whose stdout document could not be written

# mode: (arguments, the modem it needs or None, exit status, whether stdout carries a document)
MODES = {
    "demo-sierra": (["--demo", "--vendor", "sierra"], None, 0, True),
    "demo-foxconn": (["--demo", "--vendor", "foxconn"], None, 0, True),
    "demo-quectel": (["--demo", "--vendor", "quectel"], None, 0, True),
    "demo-fm350-at": (["--demo", "--vendor", "fm350-at"], None, 0, True),  # AT
    "demo-xmm7360-rpc": (["--demo", "--vendor", "xmm7360-rpc"], None, 0, True),  # XMM RPC
    "list": (["--list"], None, 0, True),
    "list-json": (["--list", "--json"], None, 0, True),
    "unlock": (["--method", "sierra", "--log", "stderr"], "sierra", 0, False),
    "unlock-json": (["--method", "sierra", "--log", "stderr", "--json"], "sierra", 0, True),
    "status": (["--status", "--method", "sierra", "--log", "stderr"], "sierra", 0, True),
    "help": (["--help"], None, 0, True),
    "usage-error": (["--timeout", "soon", "/dev/cdc-wdm0"], None, 2, False),
    "dispatcher": ([MODEM_PATH, "cdc-wdm-none"], None, 3, False),
}
OUTPUTS = ("closed", "closed-pipe", "dev-full")


def run(argv: list[bytes | str], env: dict[str, str], broken: str, output: str) -> tuple[int, str, str]:
    """Run the CLI with the ``broken`` stream ("stdout" or "stderr") in state ``output``;
    (exit status, stdout, stderr), the broken one read as ""."""
    command: list[bytes | str] = [sys.executable, "-m", "fcc_unlock", *argv]
    streams: dict[str, object] = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    closing: list[int] = []
    if output == "closed":
        # Not even /dev/null: the descriptor is not open when the program starts.
        fd = 1 if broken == "stdout" else 2
        command = ["/bin/sh", "-c", f'exec "$@" {fd}>&-', "sh", *command]
    elif output == "closed-pipe":
        read_end, write_end = os.pipe()
        os.close(read_end)
        streams[broken] = write_end
        closing.append(write_end)
    else:
        full = os.open("/dev/full", os.O_WRONLY)
        streams[broken] = full
        closing.append(full)
    try:
        process = subprocess.Popen(command, env=env, cwd="/", stdin=subprocess.DEVNULL, **streams)  # type: ignore[call-overload]
    finally:
        for fd in closing:
            os.close(fd)
    out, err = process.communicate(timeout=30)
    return (
        process.returncode,
        (out or b"").decode("utf-8", "replace"),
        (err or b"").decode("utf-8", "replace"),
    )


@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("broken", ["stdout", "stderr"])
@pytest.mark.parametrize("environment", ENVIRONMENTS)
@pytest.mark.parametrize("mode", MODES)
def test_mode_ends_as_documented_with_its_output_gone(
    mode, environment, broken, output, sim_factory, tmp_path
):
    arguments, vendor, code, document = MODES[mode]
    argv: list[bytes | str] = list(arguments)
    sim = None
    if vendor is not None:
        sim = sim_factory(vendor)
        port = tmp_path / os.fsdecode(DEVICE_NAMES[environment])
        port.symlink_to(sim.path)
        argv.append(os.fsencode(port))
    env = bare_env(
        FCC_UNLOCK_LOCK_DIR=str(tmp_path / "locks"),
        FCC_UNLOCK_SYSLOG_SOCKET=str(tmp_path / "no-syslog"),  # never the machine's /dev/log
        **ENVIRONMENTS[environment],
    )
    returncode, out, err = run(argv, env, broken, output)
    readable = err if broken == "stdout" else out
    assert "Traceback" not in readable and "Exception ignored" not in readable, readable
    assert "fcc-unlock: internal error" not in readable, readable
    lost = broken == "stdout" and document and output != "closed"
    assert returncode == (LOST if lost and code == 0 else code), readable
    if sim is not None:
        kinds = [received.kind for received in sim.modem.transcript]
        assert kinds and kinds[-1] == "close", kinds
        assert sim.modem.clients == {}
        assert sim.modem.locked == (mode == "status")  # --status changes nothing
