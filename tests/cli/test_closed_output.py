"""Output that nobody reads any more must not stop the work, nor end in a traceback.

`fcc-unlock -v ... 2>&1 | head` closes the pipe while the session runs: the unlock
still releases its client id and CLOSEs. `fcc-unlock --list | head -1` ends quietly.
"""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import cli_env
from simrun import FLOW


def run_into_closed_pipe(args: list[str], stream: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI with ``stream`` ("stdout" or "stderr") a pipe already closed for reading."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [sys.executable, "-m", "fcc_unlock", *args],
            stdout=write_end if stream == "stdout" else subprocess.PIPE,
            stderr=write_end if stream == "stderr" else subprocess.PIPE,
            text=True,
            timeout=30,
            env=cli_env(),
        )
    finally:
        os.close(write_end)


def test_trace_into_a_closed_pipe_still_unlocks_and_cleans_up(sim):
    result = run_into_closed_pipe(["-v", "--log", "stderr", "--method", "sierra", sim.path], "stderr")
    assert result.returncode == 0
    assert [r.kind for r in sim.modem.transcript] == list(FLOW)
    assert not sim.modem.locked and sim.modem.clients == {}


def test_list_into_a_closed_pipe_ends_quietly():
    result = run_into_closed_pipe(["--list"], "stdout")
    assert result.returncode == 5  # an I/O error, the exit table's 5
    assert result.stderr == ""
