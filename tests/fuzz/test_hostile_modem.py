"""The standing fuzz job: the real CLI against a hostile simulated modem (fuzzrun.py).

CI runs CI_CASES cases, about a minute on a 2-core machine; more with
``FCC_UNLOCK_FUZZ_CASES=5000`` (and ``FCC_UNLOCK_FUZZ_FIRST_SEED`` for other seeds).
A failing case prints its seed and the command that replays it. The tests after the
job show each check catches what it is there for.
"""

from __future__ import annotations

import os

import pytest
from fuzzrun import MARGIN, Case, cases, given_client_ids, mirror, mirror_agrees, problems, run_case

from fcc_unlock.mbim.messages import HostError, OpenDone
from fcc_unlock.qmi.constants import Service
from fcc_unlock.sim.model import Received

CI_CASES = 50  # about 60 s on a 2-core machine
COUNT = int(os.environ.get("FCC_UNLOCK_FUZZ_CASES", CI_CASES))
FIRST_SEED = int(os.environ.get("FCC_UNLOCK_FUZZ_FIRST_SEED", 1))


@pytest.mark.parametrize(
    "case", cases(COUNT, FIRST_SEED), ids=lambda c: f"seed{c.seed}-{c.vendor}-{c.timeout:g}s"
)
def test_hostile_modem(case):
    run = run_case(case)
    found = problems(run)
    assert not found, run.report(found)


# --- the checks catch what they are for ------------------------------------------------------

CLEAN = Case(2, "sierra", 2.0)  # seed 2: no --radio-on, whole replies


@pytest.fixture
def clean_run():
    """A run with no mutation at all: it keeps every invariant."""
    run = run_case(CLEAN, plan={})
    assert run.kinds == ["open", "radio-state", "qmi-allocate", "fcc-auth", "qmi-release", "close"], (
        run.report([])
    )
    assert problems(run) == [], run.report(problems(run))
    return run


def _drop(kind):
    def breaks(run):
        run.transcript.remove(next(r for r in run.transcript if r.kind == kind))

    return breaks


def _append(kind, like=None, make=None):
    """Breaks a run by a message ``kind`` received last: ``like`` an earlier one, or ``make(last)``."""

    def breaks(run):
        last = run.transcript[-1]
        message = make(last) if make else next(r for r in run.transcript if r.kind == (like or kind)).message
        run.transcript.append(Received(kind, message, None, last.at))

    return breaks


def _set(name, value):
    def breaks(run):
        setattr(run, name, value(run) if callable(value) else value)

    return breaks


BREAKS = {
    "traceback": (_set("stderr", lambda r: "Traceback (most recent call last):\n" + r.stderr), "traceback"),
    "exit-70": (_set("code", 70), "exit 70: not in the documented table"),
    "exit-120": (_set("code", 120), "exit 120: not in the documented table"),
    "late": (_set("wall", CLEAN.timeout + 0.6), "late: ended"),
    "two-result-lines": (
        _set("stderr", lambda r: r.stderr + r.stderr.splitlines()[-1] + "\n"),
        "result lines",
    ),
    "wrong-exit-in-line": (_set("code", 4), "does not match exit 4"),
    "open-not-first": (_drop("open"), "not OPEN"),
    "sync": (_append("qmi-sync", like="qmi-release"), "QMI CTL Sync sent"),
    "no-close": (_drop("close"), "never CLOSEd: it took an OPEN_DONE"),
    "host-error-after-close": (
        _append("other", make=lambda last: HostError(last.message.transaction_id, 2)),
        "1 HOST_ERROR after the final CLOSE",
    ),
    "command-after-close": (_append("radio-state"), "['radio-state'] after the final CLOSE"),
    "no-release": (_drop("qmi-release"), "QMI client ids given and not released: [(2, 1)]"),
}


@pytest.mark.parametrize("breaks, complaint", BREAKS.values(), ids=BREAKS.keys())
def test_each_check_catches_what_it_is_for(clean_run, breaks, complaint):
    breaks(clean_run)
    found = problems(clean_run)
    assert any(complaint in problem for problem in found), found


def test_the_client_ids_given_are_those_it_took(clean_run):
    seen = mirror(clean_run)
    assert mirror_agrees(clean_run, seen)
    assert given_client_ids(clean_run, seen) == {(Service.DMS, 1)}


def test_a_grant_with_a_wrong_transaction_id_is_not_given():
    # The Allocate CID reply never answers the request: the client holds no id, owes no release.
    run = run_case(Case(2, "sierra", 1.0), plan={"qmi-allocate": ("wrong-tid",)})
    assert "qmi-release" not in run.kinds, run.report([])
    assert problems(run) == [], run.report(problems(run))


def test_an_open_done_on_the_wire_before_the_deadline_is_owed_a_close():
    """The late-OPEN_DONE check: a modem that answers OPEN only after the client stopped
    waiting is open, and must be CLOSEd while the run's deadline allows."""
    run = run_case(Case(2, "sierra", 1.0), plan={"open": ("silent",)})
    assert run.kinds == ["open"], run.report([])
    assert problems(run) == [], run.report(problems(run))  # no answer at all: nothing owed

    first_open = run.transcript[0]
    answer = OpenDone(first_open.message.transaction_id, 0).encode()
    in_time = first_open.at + run.case.timeout - MARGIN - 0.05
    run.delivered.append((in_time, answer))
    assert any("never CLOSEd: an OPEN_DONE arrived" in p for p in problems(run)), problems(run)

    run.delivered[-1] = (first_open.at + run.case.timeout, answer)  # at the deadline: too late
    assert problems(run) == [], problems(run)
