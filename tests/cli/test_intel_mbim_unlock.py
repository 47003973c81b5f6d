"""intel-mbim through run.unlock() against the simulated Dell DW5823e on a pty, with every
fault knob that applies (docs/protocol.md §5.5). The CLI has no --key yet, so the key is
passed as run.unlock() takes it."""

import time

import pytest

from fcc_unlock import run
from fcc_unlock.errors import ExitCode
from fcc_unlock.host.keys import Key
from fcc_unlock.mbim import constants as mbim
from fcc_unlock.mbim import intel

DELL = Key.from_model_id("DW5823EFCCLOCK", "test")
LENOVO = Key.from_model_id("KHOIHGIUCCHHII", "test")
FLOW = ["open", "intel-fcc-lock", "intel-set-fcc-lock", "intel-set-fcc-lock", "intel-fcc-lock", "close"]


def unlock(sim, key=DELL, timeout=5.0, lines=None, **options):
    """run.unlock() on the simulator; ``lines`` collects the -v trace."""

    def trace(direction, item):
        if lines is not None:
            lines.append(f"{direction} {item}")

    return run.unlock(sim.path, "intel-mbim", timeout, trace=trace, ids="8086:7560", key=key, **options)


def kinds(sim):
    return [r.kind for r in sim.modem.transcript]


def sets(sim):
    return [r.message.information_buffer for r in sim.modem.transcript if r.kind == "intel-set-fcc-lock"]


def test_challenge_and_response_unlock(sim_factory):
    sim = sim_factory("intel-mbim")
    lines = []
    outcome = unlock(sim, lines=lines)
    assert outcome.exit_code == ExitCode.OK, outcome.reason
    assert outcome.result == "unlocked"
    assert kinds(sim) == FLOW
    # The reference's vector: the simulator's first challenge is 0x12345678.
    assert sets(sim) == [bytes(8), bytes.fromhex("01000000ffcbe872")]
    queries = [r.message for r in sim.modem.transcript if r.kind == "intel-fcc-lock"]
    assert all(
        q.service_id == mbim.INTEL_MUTUAL_AUTHENTICATION and q.information_buffer == b"" for q in queries
    )
    assert not sim.modem.locked
    assert any("response 1927859199" in line for line in lines)


def test_wrong_key_is_refused_and_the_modem_stays_locked(sim_factory):
    sim = sim_factory("intel-mbim")
    outcome = unlock(sim, key=LENOVO)
    assert outcome.exit_code == ExitCode.REFUSED
    assert "refused the response" in outcome.reason and "3df8c719" in outcome.reason
    assert sim.modem.locked
    assert kinds(sim)[-1] == "close"


def test_a_modem_that_expects_the_other_key_opens_to_it(sim_factory):
    sim = sim_factory("intel-mbim", wrong_key=True)
    assert unlock(sim, key=DELL).exit_code == ExitCode.REFUSED
    sim2 = sim_factory("intel-mbim", wrong_key=True)
    assert unlock(sim2, key=LENOVO).exit_code == ExitCode.OK
    assert not sim2.modem.locked


def test_already_unlocked_sends_no_set(sim_factory):
    sim = sim_factory("intel-mbim", unlocked=True)
    outcome = unlock(sim)
    assert outcome.exit_code == ExitCode.OK and outcome.result == "already unlocked"
    assert kinds(sim) == ["open", "intel-fcc-lock", "close"]


def test_lock_mode_zero_is_no_lock_to_undo(sim_factory):
    sim = sim_factory("intel-mbim", lock_disabled=True)
    outcome = unlock(sim)
    assert outcome.result == "already unlocked"
    assert "intel-set-fcc-lock" not in kinds(sim)


def test_refused_response_status_names_it(sim_factory):
    sim = sim_factory("intel-mbim", mbim_status=mbim.Status.FAILURE)
    outcome = unlock(sim)
    assert outcome.exit_code == ExitCode.REFUSED
    assert "FCC_LOCK response: Failure (2)" in outcome.reason
    assert sim.modem.locked


def test_set_acknowledged_but_still_locked_is_caught_by_the_check_after(sim_factory):
    sim = sim_factory("intel-mbim")
    sim.modem.unlock = lambda: None  # says yes, does nothing
    outcome = unlock(sim)
    assert outcome.exit_code == ExitCode.REFUSED
    assert "still reports its FCC lock" in outcome.reason
    assert kinds(sim).count("intel-fcc-lock") == 2


def test_no_intel_service_is_unsupported(sim_factory):
    sim = sim_factory("intel-mbim", no_vendor_service=True)
    outcome = unlock(sim)
    assert outcome.exit_code == ExitCode.UNSUPPORTED
    assert "no Intel Mutual Authentication service" in outcome.reason
    assert kinds(sim) == ["open", "intel-fcc-lock", "device-services", "close"]


def test_silent_query_times_out_without_a_set(sim_factory):
    sim = sim_factory("intel-mbim", never_answer=("intel-fcc-lock",))
    started = time.monotonic()
    outcome = unlock(sim, timeout=3.0)
    assert outcome.exit_code == ExitCode.TIMEOUT
    assert "intel-set-fcc-lock" not in kinds(sim)
    assert kinds(sim)[-1] == "close"
    assert time.monotonic() - started < 3.5


def test_silent_set_times_out_and_closes(sim_factory):
    sim = sim_factory("intel-mbim", never_answer=("unlock",))
    outcome = unlock(sim, timeout=2.0)
    assert outcome.exit_code == ExitCode.TIMEOUT
    assert kinds(sim)[-1] == "close"


def test_garbage_instead_of_the_challenge_is_a_protocol_error(sim_factory):
    sim = sim_factory("intel-mbim", garbage_instead=("intel-set-fcc-lock",))
    outcome = unlock(sim, timeout=2.0)
    assert outcome.exit_code == ExitCode.PROTOCOL_ERROR
    assert sim.modem.locked


def test_function_error_is_a_protocol_error(sim_factory):
    sim = sim_factory("intel-mbim", function_error={"intel-set-fcc-lock": mbim.ProtocolErrorCode.UNKNOWN})
    outcome = unlock(sim)
    assert outcome.exit_code == ExitCode.PROTOCOL_ERROR
    assert "Unknown (6)" in outcome.reason


def test_lost_session_is_reopened(sim_factory):
    sim = sim_factory("intel-mbim", function_error={"intel-set-fcc-lock": mbim.ProtocolErrorCode.NOT_OPENED})
    outcome = unlock(sim)
    assert outcome.exit_code == ExitCode.OK, outcome.reason
    assert kinds(sim).count("open") == 2


def test_unplug_during_the_unlock(sim_factory):
    sim = sim_factory("intel-mbim", hang_up_on="unlock")
    outcome = unlock(sim)
    assert outcome.exit_code == ExitCode.IO_ERROR


@pytest.mark.parametrize(
    "knob",
    [
        {"chunk_size": 5},
        {"max_control_transfer": 64},
        {"stale_replies": True},
        {"indications": True},
        {"garbage_before": ("intel-fcc-lock", "intel-set-fcc-lock")},
        {"already_open": True},
        {"latency": 0.02},
        {"hardware_switch_off": True},
    ],
)
def test_transport_faults_do_not_change_the_result(sim_factory, knob):
    sim = sim_factory("intel-mbim", **knob)
    outcome = unlock(sim)
    assert outcome.exit_code == ExitCode.OK, outcome.reason
    assert not sim.modem.locked


def test_radio_on_after_unlocking(sim_factory):
    sim = sim_factory("intel-mbim")
    outcome = unlock(sim, radio_on=True)
    assert outcome.exit_code == ExitCode.OK, outcome.reason
    assert outcome.result == "unlocked; radio on"
    assert sim.modem.software_radio_on


@pytest.mark.parametrize("seed", range(12))
def test_hostile_modem_never_breaks_the_run(sim_factory, seed):
    sim = sim_factory("intel-mbim", hostile=seed, hostile_rate=0.5, hostile_deadline=1.5)
    started = time.monotonic()
    outcome = unlock(sim, timeout=1.5)
    assert outcome.exit_code in set(ExitCode) - {ExitCode.INTERNAL, ExitCode.USAGE}
    assert time.monotonic() - started < 2.5
    assert outcome.reason or outcome.exit_code == ExitCode.OK  # every failure says why


def test_the_status_survey_reads_the_intel_lock(sim_factory):
    from fcc_unlock.survey import run_status

    sim = sim_factory("intel-mbim")
    report = run_status(sim.path, "intel-mbim", "8086:7560", None, 5.0)
    assert report.verdict is not None and report.verdict.state == "locked"
    assert any(
        e.signal == "intel-fcc-lock" and e.value == "lock mode 2, lock state 0"
        for e in report.verdict.evidence
    )
    assert "intel-set-fcc-lock" not in kinds(sim)


def test_simulator_answers_an_unasked_response_with_a_fresh_challenge(sim_factory):
    # The stand-in for the undocumented failure reply: checked so the method's reading
    # of it (byte 0 != 0: refused) has something real to read.
    from fcc_unlock.mbim.messages import Command
    from fcc_unlock.sim.model import SimModem
    from fcc_unlock.sim.personalities import IntelMbim

    modem = SimModem(IntelMbim())
    modem.is_open = True
    command = Command(3, mbim.INTEL_MUTUAL_AUTHENTICATION, 1, mbim.CommandType.SET, intel.fcc_lock_set(1, 5))
    reply = modem.reply(command, None)
    assert intel.parse_challenge(reply.information_buffer)[0] == 1
    assert modem.locked
