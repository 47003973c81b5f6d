"""Run the real CLI against a simulated modem, and check what the modem received.

``run_against(sim, ...)`` runs ``python -m fcc_unlock --method sierra -v ...`` on the
simulator's pty, records what the simulator wrote back, and checks the invariants
every run must keep, whatever the modem did (``check_invariants``).
"""

from __future__ import annotations

import re
import struct
import time

from conftest import run_cli

from fcc_unlock.sim.model import Received, Write
from fcc_unlock.sim.pty import PtyModem

# What an unlock sends to a Sierra modem that does everything right.
FLOW = ("open", "radio-state", "qmi-allocate", "fcc-auth", "qmi-release", "close")

RESULT_PREFIX = "fcc-unlock: "
SUCCESS_LINE = re.compile(
    r"fcc-unlock: \S+ sierra: (already )?unlocked"
    r"(; the hardware radio switch \(rfkill\) holds the radio off)? in \d+\.\d\d s"
)
FAILURE_LINE = re.compile(r"fcc-unlock: \S+ sierra: .+ \(exit (\d+)\) after \d+\.\d\d s")
# The -v trace line of a successful Allocate CID response: TLV 0x01 is {service, client id}.
ALLOCATED = re.compile(
    r"QMI CTL Allocate CID response .*result=success allocation_info=\{service=\w+, client_id=(\d+)\}"
)

MBIM_HEADER = struct.Struct("<III")  # type, length, transaction id
FRAGMENT_HEADER = struct.Struct("<II")  # total fragments, this fragment
COMMAND_DONE = 0x80000003


class Run:
    """One CLI run against ``sim``: the process result, its timing, what the modem saw."""

    def __init__(self, sim: PtyModem, timeout: float) -> None:
        self.sim = sim
        self.modem = sim.modem
        self.timeout = timeout
        self.writes: list[bytes] = []  # every transfer the modem wrote, before chunking
        self.code = -1
        self.stdout = self.stderr = ""
        self.started = self.ended = 0.0

    @property
    def kinds(self) -> list[str]:
        return [received.kind for received in self.modem.transcript]

    @property
    def transcript(self) -> list[Received]:
        return self.modem.transcript

    def received(self, kind: str) -> list[Received]:
        return [r for r in self.modem.transcript if r.kind == kind]

    @property
    def line(self) -> str:
        """The one result line (the last line on stderr)."""
        return self.stderr.splitlines()[-1] if self.stderr else ""

    @property
    def wall(self) -> float:
        return self.ended - self.started

    @property
    def opened(self) -> bool:
        """The client received an OPEN_DONE (per its -v trace)."""
        return "<- MBIM OPEN_DONE" in self.stderr

    @property
    def allocated_client_ids(self) -> list[int]:
        """The QMI client ids the client was given (per its -v trace)."""
        return [int(cid) for cid in ALLOCATED.findall(self.stderr)]

    @property
    def released_client_ids(self) -> list[int]:
        """The QMI client ids the modem was asked to release."""
        return [dict(r.qmi.tlvs)[0x01][1] for r in self.received("qmi-release") if r.qmi is not None]

    def fragments_of_reply(self, kind: str) -> list[bytes]:
        """The transfers the modem wrote for its COMMAND_DONE to the first ``kind`` command."""
        tid = self.received(kind)[0].message.transaction_id
        pieces = []
        for transfer in self.writes:
            message_type, _, transaction_id = MBIM_HEADER.unpack_from(transfer)
            if (message_type, transaction_id) == (COMMAND_DONE, tid):
                pieces.append(transfer)
        return pieces


def run_against(sim: PtyModem, *args: str, timeout: float = 2.0, verbose: bool = True) -> Run:
    """``fcc-unlock --method sierra --log stderr --timeout T [-v] ARGS DEVICE``, checked."""
    run = Run(sim, timeout)
    _record_writes(sim, run.writes)
    argv = ["--method", "sierra", "--log", "stderr", "--timeout", f"{timeout:g}"]
    if verbose:
        argv.append("-v")
    run.started = time.monotonic()
    process = run_cli(*argv, *args, sim.device, timeout=timeout + 10)
    run.ended = time.monotonic()
    run.code, run.stdout, run.stderr = process.returncode, process.stdout, process.stderr
    if verbose:
        check_invariants(run)
    return run


def _record_writes(sim: PtyModem, writes: list[bytes]) -> None:
    """Keep a copy of every transfer the model asks the pty to write."""
    model = sim.modem
    receive_data = model.receive_data

    def recording(data: bytes, now: float = 0.0) -> list:
        actions = receive_data(data, now)
        writes.extend(action.data for action in actions if isinstance(action, Write))
        return actions

    model.receive_data = recording  # type: ignore[method-assign]


def check_invariants(run: Run) -> None:
    """What holds for every run, whatever the modem did.

    One result line that agrees with the exit code, no traceback, the run ends within
    its timeout; OPEN first; CLOSE last whenever the client got an OPEN_DONE and the
    device did not vanish; every client id it was given released, and only those;
    never QMI CTL Sync.
    """
    context = f"exit {run.code}, modem received {run.kinds}\n{run.stderr}"
    assert "Traceback" not in run.stderr + run.stdout, context
    result_lines = [line for line in run.stderr.splitlines() if line.startswith(RESULT_PREFIX)]
    assert result_lines == [run.line], context
    if run.code == 0:
        assert SUCCESS_LINE.fullmatch(run.line), context
    else:
        match = FAILURE_LINE.fullmatch(run.line)
        assert match and int(match.group(1)) == run.code, context
    assert run.wall < run.timeout + 1.0, f"ran {run.wall:.2f} s\n{context}"

    kinds = run.kinds
    assert kinds and kinds[0] == "open", context
    assert "qmi-sync" not in kinds, context
    vanished = run.modem.hung_up
    if run.opened and not vanished:
        assert kinds[-1] == "close", context
    # Sets: a stale reply repeats an Allocate CID response in the trace.
    allocated, released = set(run.allocated_client_ids), set(run.released_client_ids)
    assert released <= allocated, context
    if not vanished:
        assert released == allocated, context
