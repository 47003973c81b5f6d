"""The xmm7360-rpc method end to end through run.unlock on a pty, against the simulated
XMM7360 (sim/xmmrpc_modem.py) with every fault knob.

The CLI does not offer the method yet (the lead wires it), so these call run.unlock
and run.with_session in-process, as the CLI would.
"""

from __future__ import annotations

import time

import pytest

from fcc_unlock import lockstate, run
from fcc_unlock.errors import ExitCode, Refused, Timeout
from fcc_unlock.host.keys import LENOVO_MODEL_ID, Key
from fcc_unlock.methods import xmm7360_rpc
from fcc_unlock.sim.pty import PtyModem
from fcc_unlock.sim.xmmrpc_modem import CHALLENGES, RpcFaults, XmmRpcModem
from fcc_unlock.xmmrpc.codec import challenge_response

LENOVO = Key.from_model_id(LENOVO_MODEL_ID, "test")
UNLOCK_KINDS = ["fcc-lock-query", "fcc-lock-gen-challenge", "fcc-lock-ver-challenge", "fcc-lock-query"]


@pytest.fixture
def xmm():
    """``xmm(locked=True, lock_mode=2, **knobs)`` -> a started PtyModem serving an XmmRpcModem."""
    started: list[PtyModem] = []

    def make(locked: bool = True, lock_mode: int = 2, **knobs: object) -> PtyModem:
        sim = PtyModem(XmmRpcModem(RpcFaults(**knobs), locked=locked, lock_mode=lock_mode)).start()  # type: ignore[arg-type]
        started.append(sim)
        return sim

    yield make
    for sim in started:
        sim.stop()


def unlock(sim: PtyModem, timeout: float = 3.0, key: Key = LENOVO, **kw: object) -> run.Outcome:
    return run.unlock(sim.path, "xmm7360-rpc", timeout=timeout, ids="8086:7360", key=key, **kw)  # type: ignore[arg-type]


def kinds(sim: PtyModem) -> list[str]:
    with sim.lock:
        return [received.kind for received in sim.modem.transcript]


def in_session(sim: PtyModem, work, timeout: float = 3.0):
    return run.with_session(sim.path, time.monotonic(), timeout, work, port_type="XMMRPC")


def test_unlocks_with_the_lenovo_key_and_checks_again(xmm):
    sim = xmm()
    outcome = unlock(sim)
    assert outcome.exit_code == ExitCode.OK, outcome.reason
    assert outcome.result == "unlocked"
    assert kinds(sim) == UNLOCK_KINDS
    verify = sim.modem.transcript[2]
    assert verify.arguments == [challenge_response(CHALLENGES[0], LENOVO.value)] == [0xB3CB544D]
    assert verify.tid_word == 0x11000101
    assert not sim.modem.locked


def test_already_unlocked_gets_only_the_query(xmm):
    sim = xmm(locked=False)
    outcome = unlock(sim)
    assert outcome.exit_code == ExitCode.OK and outcome.result == lockstate.ALREADY_UNLOCKED
    assert kinds(sim) == ["fcc-lock-query"]


def test_mode_0_means_no_lock(xmm):
    sim = xmm(lock_mode=0)
    outcome = unlock(sim)
    assert outcome.exit_code == ExitCode.OK and outcome.result == lockstate.ALREADY_UNLOCKED
    assert kinds(sim) == ["fcc-lock-query"]


def test_wrong_key_is_refused_after_three_rounds(xmm):
    sim = xmm(wrong_key=True)
    outcome = unlock(sim)
    assert outcome.exit_code == ExitCode.REFUSED
    assert "wrong key 3df8c719" in outcome.reason
    assert kinds(sim).count("fcc-lock-ver-challenge") == xmm7360_rpc.ATTEMPTS
    assert outcome.elapsed >= 2 * xmm7360_rpc.RETRY_PAUSE
    assert sim.modem.locked


def test_retries_stop_where_the_deadline_leaves_no_room(xmm):
    sim = xmm(wrong_key=True)
    outcome = unlock(sim, timeout=0.8)  # 0.6 s of work: room for one pause, not two
    assert outcome.exit_code == ExitCode.REFUSED
    assert kinds(sim).count("fcc-lock-ver-challenge") == 2
    assert outcome.elapsed < 0.8


def test_a_key_passed_in_is_the_key_used(xmm):
    sim = xmm(wrong_key=True)  # the modem's key is bb23be7f
    outcome = unlock(sim, key=Key(bytes.fromhex("bb23be7f"), None, "test"))
    assert outcome.exit_code == ExitCode.OK, outcome.reason


def test_accepted_but_still_locked_is_refused(xmm):
    sim = xmm(stays_locked=True)
    outcome = unlock(sim)
    assert outcome.exit_code == ExitCode.REFUSED
    assert "still reports its FCC lock" in outcome.reason
    assert kinds(sim) == UNLOCK_KINDS


@pytest.mark.parametrize("kind", ["fcc-lock-query", "fcc-lock-gen-challenge", "unlock"])
def test_no_answer_is_a_timeout(xmm, kind):
    sim = xmm(never_answer=(kind,))
    outcome = unlock(sim, timeout=0.6)
    assert outcome.exit_code == ExitCode.TIMEOUT, outcome.reason
    assert outcome.elapsed < 0.8
    assert sim.modem.locked


def test_an_ack_without_a_response_is_a_timeout(xmm):
    sim = xmm(ack_only=("fcc-lock-query",))
    outcome = unlock(sim, timeout=0.6)
    assert outcome.exit_code == ExitCode.TIMEOUT
    assert "CsiFccLockQueryRspCb" in outcome.reason or "CsiFccLockQueryReq" in outcome.reason


@pytest.mark.parametrize("kind", ["fcc-lock-query", "fcc-lock-gen-challenge", "unlock"])
def test_garbage_is_a_protocol_error(xmm, kind):
    sim = xmm(garbage_instead=(kind,))
    outcome = unlock(sim)
    assert outcome.exit_code == ExitCode.PROTOCOL_ERROR, outcome.reason
    assert "over the" in outcome.reason


@pytest.mark.parametrize("kind", ["fcc-lock-query", "fcc-lock-gen-challenge", "unlock"])
def test_a_malformed_body_is_a_protocol_error(xmm, kind):
    sim = xmm(malformed=(kind,))
    outcome = unlock(sim)
    assert outcome.exit_code == ExitCode.PROTOCOL_ERROR, outcome.reason
    assert "unknown element type 0x99" in outcome.reason


@pytest.mark.parametrize(
    "knobs", [{"chunk_size": 1}, {"chunk_size": 5}, {"joined": True}, {"unsolicited": True}]
)
def test_split_joined_and_interleaved_replies_still_unlock(xmm, knobs):
    sim = xmm(**knobs)
    lines: list[str] = []
    outcome = unlock(sim, trace=lambda direction, item: lines.append(str(item)))
    assert outcome.exit_code == ExitCode.OK, outcome.reason
    assert kinds(sim) == UNLOCK_KINDS and not sim.modem.locked
    assert sum("async-ack" in line and "skipped" in line for line in lines) == 4
    if knobs.get("unsolicited"):
        assert sum("UtaMsNetIsAttachAllowedIndCb" in line for line in lines) == 8


def test_slow_replies_still_unlock(xmm):
    sim = xmm(latency=0.05)
    outcome = unlock(sim)
    assert outcome.exit_code == ExitCode.OK
    assert outcome.elapsed >= 4 * 0.05


def test_replies_slower_than_the_deadline_time_out(xmm):
    sim = xmm(latency=1.0)
    outcome = unlock(sim, timeout=0.6)
    assert outcome.exit_code == ExitCode.TIMEOUT
    assert outcome.elapsed < 0.8


def test_unplug_is_an_io_error(xmm):
    sim = xmm(hang_up_on="unlock")
    outcome = unlock(sim)
    assert outcome.exit_code == ExitCode.IO_ERROR, outcome.reason


def test_status_asks_once_and_changes_nothing(xmm):
    sim = xmm()
    verdict = in_session(sim, xmm7360_rpc.status)
    assert verdict.state == lockstate.LOCKED
    assert [e.value for e in verdict.evidence] == ["mode 2, state 0"]
    assert kinds(sim) == ["fcc-lock-query"] and sim.modem.locked


def test_switch_radio_on_after_the_unlock(xmm):
    sim = xmm(unsolicited=True)
    result = in_session(sim, lambda s: xmm7360_rpc.unlock(s, LENOVO) + "; " + xmm7360_rpc.switch_radio_on(s))
    assert result == "unlocked; radio on"
    assert kinds(sim)[-1] == "mode-set"
    assert sim.modem.transcript[-1].arguments == [0, 15, 1]
    assert sim.modem.transcript[-1].tid_word == 0x11000100
    assert sim.modem.radio_mode == 1


def test_switch_radio_on_while_locked_is_refused(xmm):
    sim = xmm()
    with pytest.raises(Refused, match="mode 0"):
        in_session(sim, xmm7360_rpc.switch_radio_on)
    assert sim.modem.radio_mode == 0


def test_switch_radio_on_without_an_answer_times_out(xmm):
    sim = xmm(locked=False, never_answer=("mode-set",))
    with pytest.raises(Timeout):
        in_session(sim, xmm7360_rpc.switch_radio_on, timeout=0.6)
