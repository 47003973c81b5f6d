"""fm350-at, l860-at and rw101-at through run.unlock() on the simulated AT modems
(sim/at_modem.py on a pty), with every fault knob (docs/at.md §3).

The CLI does not offer the AT methods yet (cli/args.py, host/devices.py), so these run
the whole unlock path below the command line: port check, the serial session run.py
opens for PORT_TYPE "AT", the method, the exit status.
"""

from __future__ import annotations

import time

import pytest

from fcc_unlock import run
from fcc_unlock.errors import ExitCode
from fcc_unlock.host.keys import Key
from fcc_unlock.sim.at_modem import DELL_DW5931E_KEY, LENOVO_KEY, pty_modem

LENOVO = Key(LENOVO_KEY, "KHOIHGIUCCHHII", "test")
VARIANTS = ("fm350-at", "l860-at", "rw101-at")
HAPPY = {
    "fm350-at": ["fcc-eff-status", "fcc-lock-gen", "fcc-lock-ver", "fcc-eff-status"],
    "l860-at": [
        "fcc-lock-state",
        "fcc-lock-gen",
        "fcc-lock-ver",
        "fcc-mode-unlock",
        "radio-on",
        "fcc-lock-state",
    ],
    "rw101-at": ["echo-off", "fcc-eff-status", "fcc-lock-gen", "fcc-lock-ver", "radio-on", "fcc-eff-status"],
}
QUESTION = {"fm350-at": "fcc-eff-status", "l860-at": "fcc-lock-state", "rw101-at": "fcc-eff-status"}


@pytest.fixture
def at_sim():
    started = []

    def make(variant="fm350-at", **options):
        sim = pty_modem(variant, **options).start()
        started.append(sim)
        return sim

    yield make
    for sim in started:
        sim.stop()


def unlock(sim, method, timeout=3.0, key=LENOVO, trace=None):
    outcome = run.unlock(sim.path, method, timeout, trace=trace, ids=sim.modem.ids, key=key)
    # Whatever happened, the permanent lock removal was never sent (docs/at.md §5.2).
    assert "fcc-lock-mode-set" not in kinds(sim)
    return outcome


def kinds(sim):
    with sim.lock:
        return [received.kind for received in sim.modem.transcript]


def lines(sim, kind):
    with sim.lock:
        return [received.line for received in sim.modem.transcript if received.kind == kind]


@pytest.mark.parametrize("variant", VARIANTS)
def test_unlocks(at_sim, variant):
    sim = at_sim(variant)
    traced = []
    outcome = unlock(sim, variant, trace=lambda direction, item: traced.append(str(item)))
    assert outcome.exit_code == ExitCode.OK, outcome.reason
    assert outcome.result.startswith("unlocked (challenge-response)")
    assert not sim.modem.locked
    assert kinds(sim) == HAPPY[variant]
    assert any(line.startswith("-> AT AT+GTFCCLOCKGEN") for line in traced)
    assert outcome.elapsed < 0.5


def test_fm350_response_is_big_endian_decimal(at_sim):
    sim = at_sim("fm350-at")
    unlock(sim, "fm350-at")
    sent = lines(sim, "fcc-lock-ver")[0].split("=")[1]
    assert sent.isdigit() and not sim.modem.locked


def test_rw101_response_is_hex(at_sim):
    sim = at_sim("rw101-at")
    unlock(sim, "rw101-at")
    sent = lines(sim, "fcc-lock-ver")[0].split("=")[1]
    assert sent.startswith("0x") and len(sent) == 10


@pytest.mark.parametrize("variant", VARIANTS)
def test_another_variants_byte_order_does_not_open_it(at_sim, variant):
    # The FM350's arithmetic on the L860R+ and the other way round: the lock stays.
    other = {"fm350-at": "l860-at", "l860-at": "fm350-at", "rw101-at": "l860-at"}[variant]
    sim = at_sim(variant, bare=True, echo=False)
    outcome = unlock(sim, other)
    assert outcome.exit_code != ExitCode.OK
    assert sim.modem.locked


@pytest.mark.parametrize("variant", VARIANTS)
def test_already_unlocked_gets_no_challenge(at_sim, variant):
    sim = at_sim(variant, unlocked=True)
    outcome = unlock(sim, variant)
    assert outcome.exit_code == ExitCode.OK and outcome.result == "already unlocked"
    assert "fcc-lock-gen" not in kinds(sim)


@pytest.mark.parametrize("variant", ["fm350-at", "rw101-at"])
def test_no_lock_at_all_mode_0(at_sim, variant):
    sim = at_sim(variant, mode=0)
    outcome = unlock(sim, variant)
    assert outcome.result == "already unlocked"
    assert "fcc-lock-gen" not in kinds(sim)


@pytest.mark.parametrize("variant", VARIANTS)
def test_wrong_key_is_refused_after_a_few_tries(at_sim, variant):
    sim = at_sim(variant, key=DELL_DW5931E_KEY)  # a modem only Dell's key opens
    outcome = unlock(sim, variant)
    assert outcome.exit_code == ExitCode.REFUSED, outcome.reason
    assert "did not accept" in outcome.reason
    assert sim.modem.locked
    assert 1 <= kinds(sim).count("fcc-lock-ver") <= 3


def test_the_right_other_key_opens_it(at_sim):
    sim = at_sim("fm350-at", key=DELL_DW5931E_KEY)
    outcome = unlock(sim, "fm350-at", key=Key(DELL_DW5931E_KEY, "DW5931EFCCLOCK", "test"))
    assert outcome.ok and not sim.modem.locked


def test_retries_only_while_time_remains(at_sim):
    # Each VER takes 0.4 s; with 1.5 s of work time a third round would not fit.
    sim = at_sim("fm350-at", key=DELL_DW5931E_KEY, slow={"fcc-lock-ver": 0.4})
    started = time.monotonic()
    outcome = unlock(sim, "fm350-at", timeout=2.0)
    assert outcome.exit_code == ExitCode.REFUSED, outcome.reason
    assert kinds(sim).count("fcc-lock-ver") == 2
    assert time.monotonic() - started < 2.0


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize(
    "knobs",
    [
        {"echo": False},
        {"unsolicited": True},
        {"bare": True},
        {"bare": False},
        {"latency": 0.002},
        {"chunk_size": 1},
        {"stale": True, "drop_unread": False},
        {"unsolicited": True, "echo": False, "chunk_size": 3},
    ],
    ids=lambda knobs: ",".join(f"{k}={v}" for k, v in knobs.items()),
)
def test_reply_forms_and_noise_still_unlock(at_sim, variant, knobs):
    sim = at_sim(variant, **knobs)
    outcome = unlock(sim, variant)
    assert outcome.exit_code == ExitCode.OK, outcome.reason
    assert not sim.modem.locked
    assert kinds(sim) == HAPPY[variant]


@pytest.mark.parametrize("variant", VARIANTS)
def test_stale_input_is_on_the_port_before_a_slow_serving_thread_runs(variant):
    # A busy machine (CI's package build beside another test run) descheduled the
    # simulator's thread: its stale "OK" came after our drain and was read as the answer
    # to the first command. On a real port it waits there before anyone opens it.
    sim = pty_modem(variant, stale=True, drop_unread=False)
    serve = sim.serve

    def late_serve():
        time.sleep(0.2)
        serve()

    sim.serve = late_serve
    sim.start()
    try:
        outcome = unlock(sim, variant)
        assert outcome.exit_code == ExitCode.OK, outcome.reason
        assert kinds(sim) == HAPPY[variant]
    finally:
        sim.stop()


@pytest.mark.parametrize("variant", VARIANTS)
def test_no_answer_to_the_challenge_times_out_in_time(at_sim, variant):
    sim = at_sim(variant, never_answer=("fcc-lock-gen",))
    outcome = unlock(sim, variant, timeout=1.0)
    assert outcome.exit_code == ExitCode.TIMEOUT, outcome.reason
    assert outcome.elapsed < 1.0
    assert sim.modem.locked


@pytest.mark.parametrize("variant", VARIANTS)
def test_garbage_is_a_protocol_error(at_sim, variant):
    sim = at_sim(variant, garbage_instead=("fcc-lock-gen",))
    outcome = unlock(sim, variant)
    assert outcome.exit_code == ExitCode.PROTOCOL_ERROR, outcome.reason
    assert "not AT text" in outcome.reason


def test_an_endless_line_is_a_protocol_error(at_sim):
    sim = at_sim("fm350-at", long_line_on=("fcc-lock-gen",))
    outcome = unlock(sim, "fm350-at")
    assert outcome.exit_code == ExitCode.PROTOCOL_ERROR
    assert "longer than" in outcome.reason


@pytest.mark.parametrize("variant", VARIANTS)
def test_error_to_the_challenge_is_a_refusal(at_sim, variant):
    sim = at_sim(variant, error_on=("fcc-lock-gen",))
    outcome = unlock(sim, variant)
    assert outcome.exit_code == ExitCode.REFUSED
    assert "refused to give a challenge" in outcome.reason
    assert kinds(sim).count("fcc-lock-gen") == 1


def test_error_to_the_response_is_retried_then_refused(at_sim):
    sim = at_sim("fm350-at", error_on=("fcc-lock-ver",))
    outcome = unlock(sim, "fm350-at")
    assert outcome.exit_code == ExitCode.REFUSED
    assert kinds(sim).count("fcc-lock-ver") == 3


def test_l860_mode_unlock_refused(at_sim):
    sim = at_sim("l860-at", error_on=("fcc-mode-unlock",))
    outcome = unlock(sim, "l860-at")
    assert outcome.exit_code == ExitCode.REFUSED
    assert "gtfcclockmodeunlock" in outcome.reason
    assert sim.modem.locked


@pytest.mark.parametrize("variant", VARIANTS)
def test_unplug_is_an_io_error(at_sim, variant):
    sim = at_sim(variant, hang_up_on="fcc-lock-gen")
    outcome = unlock(sim, variant)
    assert outcome.exit_code == ExitCode.IO_ERROR, outcome.reason


def test_a_slow_reply_within_the_time_is_waited_for(at_sim):
    sim = at_sim("fm350-at", slow={"fcc-lock-gen": 0.3})
    outcome = unlock(sim, "fm350-at", timeout=2.0)
    assert outcome.ok, outcome.reason
    assert outcome.elapsed >= 0.3


def test_a_slow_reply_past_the_time_is_a_timeout(at_sim):
    sim = at_sim("fm350-at", slow={"fcc-lock-gen": 3.0})
    outcome = unlock(sim, "fm350-at", timeout=1.0)
    assert outcome.exit_code == ExitCode.TIMEOUT
    assert outcome.elapsed < 1.0


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_silent_lock_question_leaves_time_for_the_unlock(at_sim, variant):
    question = QUESTION[variant]
    sim = at_sim(variant, never_answer=(question,))
    outcome = unlock(sim, variant, timeout=2.0)
    assert not sim.modem.locked
    if variant == "l860-at":
        # its verify is the same silent question: unlocked, but not read back
        assert outcome.ok and "not read back" in outcome.result
    else:
        assert outcome.ok and "could not be read back" in outcome.result
    assert outcome.elapsed < 2.0


def test_garbage_to_the_lock_question_is_evidence_unavailable(at_sim):
    sim = at_sim("fm350-at", garbage_instead=("fcc-eff-status",))
    outcome = unlock(sim, "fm350-at")
    assert outcome.ok, outcome.reason
    assert not sim.modem.locked


def test_fm350_still_locked_after_ver_1_is_refused(at_sim):
    sim = at_sim("fm350-at")
    original = sim.modem._verify

    def accept_but_stay_locked(command, argument):
        with_lock = original(command, argument)
        sim.modem.unlocked = False  # VER 1, yet the lock stays (docs/at.md §5.1)
        return with_lock

    sim.modem._verify = accept_but_stay_locked
    outcome = unlock(sim, "fm350-at")
    assert outcome.exit_code == ExitCode.REFUSED
    assert "still reports its lock" in outcome.reason


@pytest.mark.parametrize(("mode", "again"), [(2, True), (1, False)])
def test_power_up_lock_locks_again_one_time_lock_does_not(at_sim, mode, again):
    sim = at_sim("fm350-at", mode=mode)
    assert unlock(sim, "fm350-at").ok
    with sim.lock:
        sim.modem.power_cycle()
    assert sim.modem.locked == again
    second = unlock(sim, "fm350-at")
    assert second.ok
    assert (second.result == "already unlocked") != again
    assert kinds(sim).count("fcc-lock-gen") == (2 if again else 1)


@pytest.mark.parametrize("variant", VARIANTS)
def test_status_changes_nothing(at_sim, variant):
    from fcc_unlock import methods
    from fcc_unlock.lockstate import LOCKED, UNLOCKED

    sim = at_sim(variant)
    verdict = run.run_into(
        run.RunResult(sim.path, variant),
        methods.load(variant).status,
        2.0,
        port_type="AT",
    )
    assert verdict.state == LOCKED
    assert kinds(sim) == [QUESTION[variant]]
    sim.modem.unlocked = True
    verdict = run.run_into(
        run.RunResult(sim.path, variant), methods.load(variant).status, 2.0, port_type="AT"
    )
    assert verdict.state == UNLOCKED


@pytest.mark.parametrize("variant", VARIANTS)
def test_switch_radio_on(at_sim, variant):
    from fcc_unlock import methods

    sim = at_sim(variant, unlocked=True)
    method = methods.load(variant)
    result = run.RunResult(sim.path, variant)
    assert run.run_into(result, method.switch_radio_on, 2.0, port_type="AT") == "radio on"
    assert sim.modem.radio
    locked = at_sim(variant)
    result = run.RunResult(locked.path, variant)
    assert run.run_into(result, method.switch_radio_on, 2.0, port_type="AT") is None
    assert result.exit_code == ExitCode.REFUSED
