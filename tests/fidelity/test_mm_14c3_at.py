"""ModemManager's own FM350 dispatcher script (``14c3``, run with sh as it is) against
the simulated FM350: it unlocks the modem with the Lenovo key and fails on a modem that
takes another key. If ModemManager's script can, the simulator speaks what the modems
it was written for speak (docs/at.md §3.1, §5.3).

The script finds its port by name (``/sys/class/wwan/<port>/type`` does not exist for a
pty) and opens ``/dev/<port>``: each test puts a symlink ``/dev/fcc-sim-at-<random>``
to the pty there (so it needs root) and removes it after.
"""

from __future__ import annotations

import os
import subprocess
import uuid

import pytest
from conftest import require_tool

from fcc_unlock import run
from fcc_unlock.host.keys import Key
from fcc_unlock.sim.at_modem import DELL_DW5931E_KEY, LENOVO_KEY, pty_modem

SCRIPT = "/work/shared/peers/modemmanager/14c3"
MODEM_PATH = "/org/freedesktop/ModemManager1/Modem/0"
SCRIPT_SECONDS = 30  # nine rounds with 0.5 s pauses take about 5 s


@pytest.fixture
def mm_fm350():
    if not os.path.exists(SCRIPT):
        pytest.skip(f"{SCRIPT} is not here")
    if os.geteuid() != 0:
        pytest.skip("the script opens /dev/<port>: the symlink there needs root")
    for tool in ("sh", "xxd", "sha256sum", "grep", "awk"):
        require_tool(tool)
    started = []

    def make(**options):
        name = f"fcc-sim-at-{uuid.uuid4().hex[:8]}"
        sim = pty_modem("fm350-at", link=f"/dev/{name}", **options).start()
        started.append((sim, name))
        return sim, name

    yield make
    for sim, name in started:
        sim.stop()
        assert not os.path.lexists(f"/dev/{name}")


def run_script(name):
    # argv: the D-Bus path of the modem, then its port names (ModemManager's dispatcher).
    return subprocess.run(
        ["timeout", "-k", "5", str(SCRIPT_SECONDS), "sh", SCRIPT, MODEM_PATH, name],
        capture_output=True,
        text=True,
        timeout=SCRIPT_SECONDS + 10,
    )


def kinds(sim):
    with sim.lock:
        return [r.kind for r in sim.modem.transcript]


@pytest.mark.parametrize("knobs", [{}, {"echo": False}, {"latency": 0.002}], ids=["echo", "no-echo", "2ms"])
def test_modemmanagers_script_unlocks_the_simulator(mm_fm350, knobs):
    sim, name = mm_fm350(**knobs)
    result = run_script(name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FCC unlock succeeded" in result.stdout
    assert not sim.modem.locked
    assert kinds(sim) == ["fcc-lock-gen", "fcc-lock-ver"]


def test_modemmanagers_script_fails_on_a_modem_with_another_key(mm_fm350):
    sim, name = mm_fm350(key=DELL_DW5931E_KEY)
    result = run_script(name)
    assert result.returncode == 2
    assert "FCC unlock failed. Got result: 0" in result.stderr
    assert sim.modem.locked
    assert kinds(sim).count("fcc-lock-ver") == 9


def test_the_script_and_we_send_the_same_response(mm_fm350):
    # The same challenge sequence (seed) for both: the VER lines must agree.
    theirs, name = mm_fm350(challenges=7)
    assert run_script(name).returncode == 0
    ours, _ = mm_fm350(challenges=7)
    outcome = run.unlock(ours.path, "fm350-at", 3.0, ids=ours.modem.ids, key=Key(LENOVO_KEY, None, "test"))
    assert outcome.ok, outcome.reason

    def ver(sim):
        with sim.lock:
            return [r.argument for r in sim.modem.transcript if r.kind == "fcc-lock-ver"]

    assert ver(theirs) == ver(ours) and len(ver(ours)) == 1


def test_without_dropping_unread_replies_the_script_loses_its_place(mm_fm350):
    # A pty keeps what the script leaves unread (the final OK); a wwan port drops it
    # (docs/at.md §5.3). Kept, the script reads the previous reply's OK as its answer.
    sim, name = mm_fm350(drop_unread=False)
    result = run_script(name)
    assert "Unlock failed. Got response: OK" in result.stderr
    assert kinds(sim).count("fcc-lock-gen") > 1
