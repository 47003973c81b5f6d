"""Fixtures for the fidelity tests: Debian's real mbimcli and qmicli against our simulator.

``real_sim(vendor, **fault_knobs)`` starts a simulated modem on a pty that also records
every transfer it writes; ``mbimcli(sim, *args)`` / ``qmicli(sim, *args)`` run the real
tools on it, bounded by ``timeout``, and return a ``PeerRun`` whose ``fields`` hold the
``Name: 'value'`` lines they print. libmbim warns that a pty has an unexpected port
subsystem; that is expected and ignored.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass

import pytest

# Re-export the root helpers so ``from conftest import ...`` keeps working (tests/conftest.py).
from fcc_unlock_tests import *  # noqa: F403
from fcc_unlock_tests import require_tool

from fcc_unlock.mbim.messages import peek_header
from fcc_unlock.sim.model import Write
from fcc_unlock.sim.pty import PtyModem

PEER_SECONDS = 20  # a tool run; the slowest (latency knob) takes about a second
FIELD = re.compile(r"^\s*([A-Za-z][A-Za-z ]*?):\s*'(.*)'\s*$")
EXPECTED_NOISE = ("port subsystem", "unexpected transport type")


@dataclass
class PeerRun:
    command: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def fields(self) -> dict[str, str]:
        """``Device ID: '3590...'`` lines as {"Device ID": "3590..."} (first one wins)."""
        found: dict[str, str] = {}
        for line in self.stdout.splitlines():
            match = FIELD.match(line)
            if match:
                found.setdefault(match.group(1).strip(), match.group(2))
        return found

    @property
    def complaints(self) -> list[str]:
        """stderr lines other than the expected pty warnings."""
        return [
            line
            for line in self.stderr.splitlines()
            if line.strip() and not any(n in line for n in EXPECTED_NOISE)
        ]

    def explain(self) -> str:
        return f"$ {' '.join(self.command)}\n(exit {self.returncode})\n{self.stdout}\n{self.stderr}"


def run_peer(tool: str, sim: PtyModem, *args: str, timeout: int = PEER_SECONDS) -> PeerRun:
    """Run a real client on the simulator's pty; ``timeout`` bounds it even if it hangs."""
    command = ["timeout", "-k", "5", str(timeout), tool, "-d", sim.path, *args]
    env = dict(os.environ, LC_ALL="C.UTF-8")
    env.pop("G_MESSAGES_DEBUG", None)
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout + 10, env=env)
    return PeerRun(command, result.returncode, result.stdout, result.stderr)


class RecordingSim:
    """A started PtyModem, plus every transfer it wrote back (``replies``)."""

    def __init__(self, sim: PtyModem) -> None:
        self.sim = sim
        self.modem = sim.modem
        self.path = sim.path
        self.replies: list[bytes] = []
        receive = sim.modem.receive_data

        def recording(data: bytes, now: float = 0.0) -> list:
            actions = receive(data, now)
            self.replies += [action.data for action in actions if isinstance(action, Write)]
            return actions

        sim.modem.receive_data = recording  # type: ignore[method-assign]

    def kinds(self) -> list[str]:
        """What the modem received, by kind ("open", "qmi-allocate", ...)."""
        with self.sim.lock:
            return [received.kind for received in self.modem.transcript]

    def reply_headers(self) -> list[tuple[int, int, int]]:
        with self.sim.lock:
            return [peek_header(data) for data in self.replies]


@pytest.fixture
def real_sim(sim_factory):
    """``real_sim(vendor="sierra", unlocked=False, **fault_knobs)`` -> RecordingSim."""

    def make(vendor: str = "sierra", unlocked: bool = False, **knobs: object) -> RecordingSim:
        return RecordingSim(sim_factory(vendor, unlocked, **knobs))

    return make


@pytest.fixture
def mbimcli():
    """``mbimcli(sim, *args)`` -> PeerRun."""
    tool = require_tool("mbimcli")
    return lambda sim, *args, **kw: run_peer(tool, sim, *args, **kw)


@pytest.fixture
def qmicli():
    """``qmicli(sim, *args)`` -> PeerRun, always through the MBIM QMI service."""
    tool = require_tool("qmicli")
    return lambda sim, *args, **kw: run_peer(tool, sim, "--device-open-mbim", *args, **kw)
