"""ModemManager's own 8086:7360 dispatcher script, run as it is, against the simulated
XMM7360 (sim/xmmrpc_modem.py): it must unlock it, and fail on a wrong-key modem.

The script finds its port only as /sys/class/wwan/PORT/type = XMMRPC and opens
/dev/PORT (docs/xmmrpc.md §6.1). So it runs in a private mount namespace with a tmpfs
over /sys/class holding that one file, and /dev/PORT is a symlink to the pty, made
for the run and removed after (root only). The script is looked up where
ModemManager installs it, or in FCC_UNLOCK_MM_DISPATCHERS.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import IN_CI, require_tool

from fcc_unlock.sim.pty import PtyModem
from fcc_unlock.sim.xmmrpc_modem import RpcFaults, XmmRpcModem

PLACES = (
    os.environ.get("FCC_UNLOCK_MM_DISPATCHERS", "/work/shared/peers/modemmanager"),
    "/usr/share/ModemManager/fcc-unlock.available.d",
    "/usr/lib/x86_64-linux-gnu/ModemManager/fcc-unlock.available.d",
)
NAMES = ("8086_7360", "8086:7360")
SCRIPT_SECONDS = 30


def find_script() -> Path:
    for place in PLACES:
        for name in NAMES:
            path = Path(place) / name
            if path.is_file():
                return path
    message = "ModemManager's 8086:7360 dispatcher script not found (set FCC_UNLOCK_MM_DISPATCHERS)"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


class ScriptRun:
    def __init__(self, result: subprocess.CompletedProcess[str]) -> None:
        self.returncode = result.returncode
        self.stdout = result.stdout
        self.stderr = result.stderr

    def explain(self) -> str:
        return f"(exit {self.returncode})\n{self.stdout}\n{self.stderr}"


def run_script(sim: PtyModem) -> ScriptRun:
    """The script as ModemManager starts it: a modem path, then port names."""
    if os.geteuid() != 0:
        pytest.skip("needs root: a symlink in /dev and a mount namespace")
    for tool in ("unshare", "bash", "xxd", "sha256sum", "head"):
        require_tool(tool)
    script = find_script()
    port = f"wwan{os.getpid() % 1000 + 100}xmmrpc0"  # not a name a real modem has here
    link = Path("/dev") / port
    sysfs = (
        "mount -t tmpfs fcc-unlock-test /sys/class"
        f" && mkdir -p /sys/class/wwan/{port} && echo XMMRPC > /sys/class/wwan/{port}/type"
        f' && exec bash "$0" /org/freedesktop/ModemManager1/Modem/0 {port}'
    )
    os.symlink(sim.path, link)
    try:
        result = subprocess.run(
            ["unshare", "-m", "--propagation", "private", "sh", "-c", sysfs, str(script)],
            capture_output=True,
            text=True,
            timeout=SCRIPT_SECONDS,
            env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
        )
    finally:
        link.unlink()
    return ScriptRun(result)


@pytest.fixture
def xmm():
    started: list[PtyModem] = []

    def make(**knobs: object) -> PtyModem:
        sim = PtyModem(XmmRpcModem(RpcFaults(**knobs))).start()  # type: ignore[arg-type]
        started.append(sim)
        return sim

    yield make
    for sim in started:
        sim.stop()


def kinds(sim: PtyModem) -> list[str]:
    with sim.lock:
        return [received.kind for received in sim.modem.transcript]


def test_modemmanagers_script_unlocks_the_simulator(xmm):
    sim = xmm()
    run = run_script(sim)
    assert run.returncode == 0, run.explain()
    assert "state=0, mode=2" in run.stdout
    assert "FCC unlock successful (response 1)" in run.stdout
    assert kinds(sim) == ["fcc-lock-query", "fcc-lock-gen-challenge", "fcc-lock-ver-challenge"]
    assert not sim.modem.locked
    assert sim.modem.errors == []  # every frame it wrote, the simulator could read


def test_modemmanagers_script_fails_on_a_wrong_key_modem(xmm):
    sim = xmm(wrong_key=True)
    run = run_script(sim)
    assert run.returncode == 2, run.explain()
    assert run.stderr.count("Unlock failed.") == 3
    assert kinds(sim).count("fcc-lock-ver-challenge") == 3
    assert sim.modem.locked


def test_modemmanagers_script_takes_split_replies(xmm):
    sim = xmm(chunk_size=3)
    run = run_script(sim)
    assert run.returncode == 0, run.explain()
    assert not sim.modem.locked


def test_modemmanagers_script_is_misled_by_unsolicited_frames(xmm):
    """docs/xmmrpc.md §6.1: reading two frames per call by position, the script takes an
    unsolicited frame for the answer. What it concludes is not the modem's state."""
    sim = xmm(unsolicited=True)
    run = run_script(sim)
    assert "state=0, mode=2" not in run.stdout, run.explain()
    assert "FCC lock is deactivated" in run.stdout, run.explain()  # the ack read as the answer
    assert run.returncode == 0 and sim.modem.locked, run.explain()
    assert kinds(sim) == ["fcc-lock-query"]
