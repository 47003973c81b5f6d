"""Shared fixtures: the simulated modem on a pty, the CLI as a subprocess, tool checks.

Tests are grouped by kind, one folder each (unit, property, differential, fidelity,
cli, ...); the folder name becomes a pytest marker, so ``pytest -m fidelity`` runs one
kind and the closing notes can count them.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fcc_unlock.sim.faults import Faults
from fcc_unlock.sim.model import SimModem
from fcc_unlock.sim.personalities import PERSONALITIES
from fcc_unlock.sim.pty import PtyModem

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("unit", "property", "differential", "fidelity", "cli", "fuzz", "system", "vm")
IN_CI = os.environ.get("FCC_UNLOCK_CI") == "1"

# pytest imports every conftest.py under the one module name "conftest", and the one
# loaded last wins: once a folder has its own conftest.py, ``from conftest import ROOT``
# in a later folder's test would find that file instead of this one. So this module is
# also importable as ``fcc_unlock_tests``, and folder conftests re-export its helpers
# with ``from fcc_unlock_tests import *``.
__all__ = ["IN_CI", "KINDS", "ROOT", "SYSTEM_PATH", "bare_env", "cli_env", "require_tool", "run_cli"]
sys.modules.setdefault("fcc_unlock_tests", sys.modules[__name__])


def pytest_configure(config: pytest.Config) -> None:
    for kind in KINDS:
        config.addinivalue_line("markers", f"{kind}: {kind} tests (tests/{kind}/)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(str(item.fspath)).relative_to(ROOT / "tests").parts
        if parts and parts[0] in KINDS:
            item.add_marker(getattr(pytest.mark, parts[0]))


def require_tool(name: str) -> str:
    """The path of a program the test needs; skip without it, but fail in CI."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (apt-get install libmbim-utils libqmi-utils tshark)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


# systemd's default PATH, what udevd, a unit and ModemManager's children get.
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


PASSED_THROUGH = ("FCC_UNLOCK_LOCK_DIR",)


def bare_env(**extra: str) -> dict[str, str]:
    """The environment udev, systemd and ModemManager start the program with: PATH and
    nothing else (no locale, no HOME, no PYTHONUNBUFFERED, no PYTHONDONTWRITEBYTECODE),
    plus ``extra``, what a test sets on purpose. Not this shell's: its
    PYTHONUNBUFFERED=1 once hid a traceback from the whole suite.

    One thing passes through: a lock directory the whole test run was given
    (FCC_UNLOCK_LOCK_DIR; the packages' build-time tests run as a user who cannot
    use /run/lock/fcc-unlock, where a run would go on without its lock and say so)."""
    given = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
    return {"PATH": SYSTEM_PATH, **dict(checkout_env()), **given, **extra}


@functools.cache
def checkout_env() -> tuple[tuple[str, str], ...]:
    """PYTHONPATH=ROOT only if ``sys.executable`` would not find this checkout by itself.

    The test extras install it editable, so a bare environment finds it; a copy
    installed some other way must not be tested in its place."""
    probe = subprocess.run(
        [sys.executable, "-c", "import fcc_unlock; print(fcc_unlock.__file__)"],
        capture_output=True,
        text=True,
        env={"PATH": SYSTEM_PATH},
        cwd="/",
        timeout=30,
    )
    found = Path(probe.stdout.strip()) if probe.returncode == 0 else None
    if found is not None and found.resolve().parent == ROOT / "fcc_unlock":
        return ()
    return (("PYTHONPATH", str(ROOT)),)


def cli_env(**extra: str) -> dict[str, str]:
    """Environment for running ``python -m fcc_unlock`` from this checkout: bare_env()."""
    return bare_env(**extra)


def run_cli(*args: str, timeout: float = 30, **extra_env: str) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a child process; stderr is not a tty, so pass --log stderr."""
    return subprocess.run(
        [sys.executable, "-m", "fcc_unlock", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=cli_env(**extra_env),
    )


@pytest.fixture
def sim_factory():
    """``sim_factory(vendor="sierra", **fault_knobs)`` -> a started PtyModem."""
    started: list[PtyModem] = []

    def make(vendor: str = "sierra", unlocked: bool = False, **knobs: object) -> PtyModem:
        modem = SimModem(PERSONALITIES[vendor](), Faults(**knobs))  # type: ignore[arg-type]
        modem.locked = not unlocked
        sim = PtyModem(modem).start()
        started.append(sim)
        return sim

    yield make
    for sim in started:
        sim.stop()


@pytest.fixture
def sim(sim_factory):
    """A locked Sierra modem without faults."""
    return sim_factory()
