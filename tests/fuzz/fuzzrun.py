"""The real CLI against a hostile simulated modem, and what every such run must keep.

A case is ``(seed, vendor, timeout)``: ``python -m fcc_unlock --method VENDOR --log
stderr -v --timeout T DEVICE`` against a simulated modem of that vendor whose replies
sim/hostile.py mutates from the seed (the rest of the case -- mutation rate, fragment
size, lock state, ``--radio-on`` or ``--status`` -- is drawn from the seed too).
Whatever the modem does, a run must end cleanly:

* no traceback, an exit code from the documented table (0-7; 70 is a bug), one result
  line (or --status line) that agrees with it, and the end by ``timeout + 0.5 s`` of
  wall time from the start of the process;
* OPEN first; never QMI CTL Sync;
* CLOSE last whenever the client had an open session (it took an OPEN_DONE, or one was
  on the wire before its deadline while it waited for OPEN) and the modem did not
  vanish; nothing at all after the final CLOSE (no HOST_ERROR);
* every QMI client id the client was given is released.

What the client "took" comes from its ``-v`` trace; what it could have decoded comes
from a mirror: every transfer the modem wrote, fed in order and in time into the
client's own codec (``Connection``), so each received trace line has the exact message
behind it.

Run one case, or many, from the checkout::

    .venv/bin/python tests/fuzz/fuzzrun.py --seed 17 --vendor foxconn --timeout 1.5
    .venv/bin/python tests/fuzz/fuzzrun.py --cases 5000 [--first-seed N]
"""

from __future__ import annotations

import argparse
import random
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import NamedTuple

from fcc_unlock.errors import ExitCode
from fcc_unlock.mbim import constants as mbim
from fcc_unlock.mbim.connection import Connection
from fcc_unlock.mbim.messages import CommandDone, Message, OpenDone, describe
from fcc_unlock.qmi import catalog
from fcc_unlock.qmi import messages as qmi
from fcc_unlock.qmi.constants import Service
from fcc_unlock.sim.faults import Faults
from fcc_unlock.sim.hostile import MUTATIONS, Hostile
from fcc_unlock.sim.model import SimModem, Write
from fcc_unlock.sim.personalities import PERSONALITIES
from fcc_unlock.sim.pty import PtyModem

try:
    from fcc_unlock_tests import ROOT, run_cli
except ImportError:  # run as a script, not under pytest: load tests/conftest.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import conftest  # noqa: F401  (registers fcc_unlock_tests)
    from fcc_unlock_tests import ROOT, run_cli

VENDORS = ("sierra", "foxconn", "quectel")
TIMEOUTS = (0.5, 1.0, 1.5, 2.0, 3.0)
RATES = (0.1, 0.25, 0.5, 0.9)
LATE = 0.5  # a run may end this long after its --timeout, no later
MARGIN = 0.15  # an OPEN_DONE this close to the hard deadline may be too late to CLOSE
SKIPPED = "   skipping a message that answers nothing we are waiting for"
RESULT_PREFIX = "fcc-unlock: "
OPEN_TIMED_OUT = re.compile(r"no (valid )?reply to MBIM OPEN\b")
STATUS_LINE = re.compile(r"status: +")
UNLOCK_KINDS = ("fcc-auth", "foxconn-auth", "quectel-set-radio-state")
SCRIPT = Path(__file__).resolve().relative_to(ROOT)


class Case(NamedTuple):
    seed: int
    vendor: str
    timeout: float

    @property
    def replay(self) -> str:
        return (
            f".venv/bin/python {SCRIPT} --seed {self.seed} --vendor {self.vendor} --timeout {self.timeout:g}"
        )

    def __str__(self) -> str:
        return f"seed={self.seed} {self.vendor} --timeout {self.timeout:g}"


def cases(count: int, first_seed: int = 1) -> list[Case]:
    """``count`` cases from ``first_seed`` on; vendor and timeout follow from the seed."""
    made = []
    for seed in range(first_seed, first_seed + count):
        rng = random.Random(f"case:{seed}")
        made.append(Case(seed, rng.choice(VENDORS), rng.choice(TIMEOUTS)))
    return made


class Setup(NamedTuple):
    """What else the seed decides: the modem's knobs and the command line's options."""

    rate: float
    max_control_transfer: int
    unlocked: bool
    hardware_switch_off: bool
    radio_on: bool
    status: bool  # --status instead of an unlock


def setup(seed: int) -> Setup:
    rng = random.Random(f"setup:{seed}")
    return Setup(
        rate=rng.choice(RATES),
        max_control_transfer=rng.choice((0, 0, 0, 64, 128)),
        unlocked=rng.random() < 0.15,
        hardware_switch_off=rng.random() < 0.1,
        radio_on=rng.random() < 0.2,
        status=rng.random() < 0.15,
    )


class RecordingPty(PtyModem):
    """A PtyModem that remembers every transfer it wrote to the host, and when."""

    def __init__(self, modem: SimModem) -> None:
        super().__init__(modem)
        self.delivered: list[tuple[float, bytes]] = []

    def _write(self, action: Write) -> bool:
        self.delivered.append((time.monotonic(), action.data))
        return super()._write(action)


class Run:
    """One case, run: the process result, the modem's transcript, what it wrote when."""

    def __init__(self, case: Case) -> None:
        self.case = case
        self.setup = setup(case.seed)
        self.argv: list[str] = []
        self.code = -1
        self.stdout = self.stderr = ""
        self.hung = False  # the process outlived the harness's patience and was killed
        self.wall = 0.0
        self.modem: SimModem | None = None
        self.delivered: list[tuple[float, bytes]] = []
        self.mutations: list[tuple[str, int, tuple[str, ...]]] = []
        self.plan: dict[str, tuple[str, ...]] | None = None

    @property
    def replay(self) -> str:
        planned = "".join(f" --plan {kind}={','.join(names)}" for kind, names in (self.plan or {}).items())
        return self.case.replay + planned

    @property
    def transcript(self) -> list:
        return self.modem.transcript if self.modem is not None else []

    @property
    def kinds(self) -> list[str]:
        return [r.kind for r in self.transcript]

    @property
    def command(self) -> str:
        return "python -m fcc_unlock " + " ".join(self.argv)

    def report(self, problems: list[str]) -> str:
        lines = [f"hostile-modem case {self.case} failed: {'; '.join(problems)}"]
        lines.append(f"replay: {self.replay}")
        lines.append(f"setup: {self.setup}")
        lines.append(f"command: {self.command} -> exit {self.code} after {self.wall:.2f} s")
        lines.append(f"mutations: {self.mutations}")
        lines.append(f"modem received: {self.kinds}")
        lines.append("stderr:")
        lines.extend("  " + line for line in self.stderr.splitlines())
        if self.stdout:
            lines.append("stdout:")
            lines.extend("  " + line for line in self.stdout.splitlines())
        return "\n".join(lines)


def run_case(case: Case, plan: dict[str, tuple[str, ...]] | None = None) -> Run:
    """Run ``case``; with ``plan`` (kind -> mutation names) its mutations instead of the dice."""
    run = Run(case)
    knobs = run.setup
    faults = Faults(
        max_control_transfer=knobs.max_control_transfer,
        hardware_switch_off=knobs.hardware_switch_off,
        hostile=case.seed,
        hostile_rate=knobs.rate,
        hostile_deadline=case.timeout,
    )
    modem = SimModem(PERSONALITIES[case.vendor](), faults)
    modem.locked = not knobs.unlocked
    if plan is not None:
        modem.hostile = Hostile(case.seed, plan=plan, deadline=case.timeout)
        run.plan = plan
    run.modem = modem
    sim = RecordingPty(modem).start()
    try:
        run.argv = ["--method", case.vendor, "--log", "stderr", "-v", "--timeout", f"{case.timeout:g}"]
        if knobs.status:
            run.argv.insert(0, "--status")
        elif knobs.radio_on:
            run.argv.append("--radio-on")
        run.argv.append(sim.device)
        started = time.monotonic()
        try:
            process = run_cli(*run.argv, timeout=case.timeout + 10)
            run.code, run.stdout, run.stderr = process.returncode, process.stdout, process.stderr
        except subprocess.TimeoutExpired as expired:
            run.hung = True
            run.stderr = _text(expired.stderr)
            run.stdout = _text(expired.stdout)
        run.wall = time.monotonic() - started
        _settle(run)
    finally:
        sim.stop()
    run.delivered = list(sim.delivered)
    assert modem.hostile is not None
    run.mutations = list(modem.hostile.log)
    return run


def _text(data: bytes | str | None) -> str:
    if isinstance(data, bytes):
        return data.decode(errors="replace")
    return data or ""


def _settle(run: Run, patience: float = 1.0) -> None:
    """Wait until the modem has read every message the client says it sent; and if the
    client gave up on OPEN, until its hard deadline, to see whether an OPEN_DONE came."""
    modem = run.modem
    assert modem is not None
    sent = sum(1 for line in run.stderr.splitlines() if line.startswith("-> MBIM "))
    until = time.monotonic() + patience
    while len(modem.transcript) < sent and time.monotonic() < until and not modem.hung_up:
        time.sleep(0.01)
    if modem.transcript and OPEN_TIMED_OUT.search(outcome_line(run)):
        time.sleep(max(0.0, modem.transcript[0].at + run.case.timeout - time.monotonic()))


def outcome_line(run: Run) -> str:
    """The line that says how the run ended: the result line, or --status's status line."""
    if run.setup.status:
        return next((line for line in run.stdout.splitlines() if STATUS_LINE.match(line)), "")
    return run.stderr.splitlines()[-1] if run.stderr else ""


# --- what the client could decode, and what it took ------------------------------------------


class Seen(NamedTuple):
    """A message on the wire as the client's codec decodes it; ``line`` its trace index."""

    at: float
    message: Message
    line: int | None  # index of its "<- MBIM" line in the trace, if the client read it
    taken: bool  # the client did not skip it as answering nothing


def mirror(run: Run) -> list[Seen]:
    """The modem's transfers through the client's own codec, aligned with the trace."""
    connection = Connection()
    decoded: list[tuple[float, Message]] = []
    for at, data in run.delivered:
        connection.receive_data(data)
        while (event := connection.next_event(at)) is not None:
            if isinstance(event, Message):
                decoded.append((at, event))
    lines = run.stderr.splitlines()
    received = [i for i, line in enumerate(lines) if line.startswith("<- MBIM ")]
    seen = []
    aligned = True
    for n, (at, message) in enumerate(decoded):
        index = received[n] if n < len(received) else None
        if index is not None and lines[index] != f"<- MBIM {describe(message)}":
            aligned = False  # timing made the client's codec see other messages: stop here
        if index is None or not aligned:
            seen.append(Seen(at, message, None, False))
            continue
        after = index + 1
        while after < len(lines) and lines[after].startswith("     "):
            after += 1  # the decoded payload
        taken = after >= len(lines) or lines[after] != SKIPPED
        seen.append(Seen(at, message, index, taken))
    return seen


def mirror_agrees(run: Run, seen: list[Seen]) -> bool:
    """Whether every message the trace shows received is the mirror's, in order."""
    traced = sum(1 for line in run.stderr.splitlines() if line.startswith("<- MBIM "))
    return sum(1 for item in seen if item.line is not None) == min(traced, len(seen)) and traced <= len(seen)


def given_client_ids(run: Run, seen: list[Seen]) -> set[tuple[int, int]]:
    """(service, client id) of every Allocate CID grant the client took, checked as it checks."""
    asked: dict[int, tuple[int, int]] = {}  # MBIM tid -> (QMI CTL tid, service)
    for received in run.transcript:
        if received.kind == "qmi-allocate" and received.qmi is not None:
            try:
                asked[received.message.transaction_id] = (
                    received.qmi.transaction_id,
                    catalog.requested_service(received.qmi),
                )
            except qmi.DecodeError:
                pass
    given = set()
    for item in seen:
        done = item.message
        if not (item.taken and isinstance(done, CommandDone) and done.transaction_id in asked):
            continue
        if (done.service_id, done.cid, done.status) != (mbim.QMI, mbim.QMI_MSG_CID, mbim.Status.NONE):
            continue
        ctl_tid, service = asked[done.transaction_id]
        try:
            response = qmi.decode(done.information_buffer)
            if (response.service, response.client_id, response.transaction_id, response.message_id) != (
                Service.CTL,
                0,
                ctl_tid,
                catalog.ALLOCATE_CID.message_id,
            ):
                continue
            given.add((service, catalog.allocated_client_id(response, service)))
        except (qmi.DecodeError, qmi.ResultError):
            continue
    return given


def released_client_ids(run: Run) -> set[tuple[int, int]]:
    released = set()
    for received in run.transcript:
        if received.kind == "qmi-release" and received.qmi is not None:
            try:
                released.add(catalog.released_client(received.qmi))
            except qmi.DecodeError:
                pass
    return released


# --- the checks ---------------------------------------------------------------------------------


def problems(run: Run) -> list[str]:
    """Every invariant the run broke, in words; empty if it kept them all."""
    found = []
    case, code = run.case, run.code
    if run.hung:
        found.append(f"hung: still running {case.timeout + 10:g} s after start")
    if "Traceback" in run.stderr + run.stdout:
        found.append("traceback")
    documented = {int(c) for c in ExitCode} - {int(ExitCode.INTERNAL)}
    if not run.hung and code not in documented:
        found.append(f"exit {code}: not in the documented table 0-7")
    if run.wall > case.timeout + LATE:
        found.append(f"late: ended {run.wall:.2f} s after start, past --timeout {case.timeout:g} + {LATE}")
    if not run.hung:
        found += _result_line(run)

    kinds = run.kinds
    if kinds and kinds[0] != "open":
        found.append(f"first message was {kinds[0]}, not OPEN")
    if "qmi-sync" in kinds:
        found.append("QMI CTL Sync sent")

    vanished = run.modem is not None and run.modem.hung_up
    if "close" in kinds:
        last_close = len(kinds) - 1 - kinds[::-1].index("close")
        after = run.transcript[last_close + 1 :]
        host_errors = [r for r in after if r.message.message_type == mbim.MessageType.HOST_ERROR]
        if host_errors:
            found.append(f"{len(host_errors)} HOST_ERROR after the final CLOSE")
        elif after:
            found.append(f"{[r.kind for r in after]} after the final CLOSE")
    seen = mirror(run)
    if not vanished:
        why = _needs_close(run, seen)
        if why and not _closed_last_open(kinds):
            found.append(f"never CLOSEd: {why}")
        leaked = given_client_ids(run, seen) - released_client_ids(run)
        if leaked:
            found.append(f"QMI client ids given and not released: {sorted(leaked)}")
    return found


def _result_line(run: Run) -> list[str]:
    if run.setup.status:
        if run.code == 0:
            return [] if re.search(r"^verdict: +\S", run.stdout, re.M) else ["--status printed no verdict"]
        line = outcome_line(run)
        return (
            []
            if line.endswith(f"(exit {run.code})")
            else [f"status line {line!r} does not match exit {run.code}"]
        )
    lines = run.stderr.splitlines()
    results = [line for line in lines if line.startswith(RESULT_PREFIX)]
    last = lines[-1] if lines else ""
    if results != [last]:
        return [f"result lines {results!r}, expected exactly one, last"]
    if run.code == 0:
        ok = re.search(r": (already )?unlocked\b.* in \d+\.\d\d s$", last)
    else:
        ok = re.search(rf" \(exit {run.code}\) after \d+\.\d\d s$", last)
    return [] if ok else [f"result line {last!r} does not match exit {run.code}"]


def _needs_close(run: Run, seen: list[Seen]) -> str:
    """Why the client owed the modem a CLOSE, or "" if it did not."""
    opens = {r.message.transaction_id for r in run.transcript if r.kind == "open"}
    if not opens:
        return ""

    def good(message: Message) -> bool:
        return (
            isinstance(message, OpenDone)
            and message.transaction_id in opens
            and message.status == mbim.Status.NONE
        )

    if any(item.taken and good(item.message) for item in seen):
        return "it took an OPEN_DONE"
    if OPEN_TIMED_OUT.search(outcome_line(run)):
        hard_deadline = run.transcript[0].at + run.case.timeout
        for item in seen:
            if good(item.message) and item.at <= hard_deadline - MARGIN:
                late = item.at - run.transcript[0].at
                return f"an OPEN_DONE arrived {late:.2f} s after the first OPEN, before the hard deadline"
    return ""


def _closed_last_open(kinds: list[str]) -> bool:
    return "close" in kinds and kinds[::-1].index("close") < kinds[::-1].index("open")


# --- as a program: replay one case, or run many ----------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the CLI against a hostile simulated modem.")
    parser.add_argument("--seed", type=int, help="replay this one case (with --vendor and --timeout)")
    parser.add_argument("--vendor", choices=VENDORS)
    parser.add_argument("--timeout", type=float)
    parser.add_argument("--cases", type=int, default=0, help="run this many cases")
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument(
        "--plan",
        action="append",
        default=[],
        metavar="KIND=MUTATION[,MUTATION]",
        help=f"with --seed: these mutations for every reply to KIND, none elsewhere ({', '.join(MUTATIONS)})",
    )
    parser.add_argument("--show", action="store_true", help="print the whole run even if it passed")
    args = parser.parse_args(argv)
    plan = None
    if args.plan:
        plan = {}
        for item in args.plan:
            kind, _, names = item.partition("=")
            plan[kind] = tuple(names.split(","))
    if args.seed is not None:
        generated = cases(1, args.seed)[0]
        todo = [Case(args.seed, args.vendor or generated.vendor, args.timeout or generated.timeout)]
    elif args.cases:
        todo = cases(args.cases, args.first_seed)
    else:
        parser.error("give --seed (one case) or --cases N")
    failed = 0
    codes: Counter[int] = Counter()
    unlock_sent = disagreed = 0
    overshoot, latest = -1e9, ""
    started = time.monotonic()
    for case in todo:
        run = run_case(case, plan)
        found = problems(run)
        if found or args.show:
            print(run.report(found or ["nothing: all invariants kept"]), flush=True)
        failed += bool(found)
        codes[run.code] += 1
        unlock_sent += any(k in run.kinds for k in UNLOCK_KINDS)
        disagreed += not mirror_agrees(run, mirror(run))
        if run.wall - case.timeout > overshoot:
            overshoot, latest = run.wall - case.timeout, f" ({case}, exit {run.code})"
    elapsed = time.monotonic() - started
    print(
        f"exit codes {dict(sorted(codes.items()))}; the unlock request reached the modem in"
        f" {unlock_sent} runs; latest end {overshoot:+.2f} s past --timeout{latest};"
        f" trace and mirror disagreed in {disagreed}"
    )
    print(f"{len(todo) - failed} passed, {failed} failed ({len(todo)} cases in {elapsed:.1f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
