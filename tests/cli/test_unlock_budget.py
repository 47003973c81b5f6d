"""An optional question never eats the unlock's time (issue: the RADIO_STATE budget).

The lock check before a Sierra or Foxconn unlock is optional: it can only spare the
unlock on a modem already unlocked. When RADIO_STATE goes unanswered it may wait at
most half the work time left, so at any --timeout the unlock request still goes out
in time, the modem's answer is heard, and the run ends unlocked (exit 0), within its
deadline, with release and CLOSE.
"""

from __future__ import annotations

import pytest
from simrun import run_against


@pytest.mark.parametrize("timeout", [1.0, 1.5, 2.0, 2.5])
def test_unanswered_lock_check_leaves_the_unlock_its_time(sim_factory, timeout):
    run = run_against(sim_factory(never_answer=("radio-state",)), timeout=timeout)
    assert run.code == 0, run.stderr
    assert "unlocked" in run.line and "timed out" not in run.line
    assert not run.modem.locked
    assert run.kinds == ["open", "radio-state", "qmi-allocate", "fcc-auth", "qmi-release", "close"]
    # The unlock went out well before the work deadline (timeout - reserve), not at it.
    reserve = min(1.0, timeout / 4)
    sent = run.received("fcc-auth")[0].at - run.transcript[0].at
    assert sent < (timeout - reserve) * 0.75


@pytest.mark.parametrize("timeout", [1.0, 2.0])
def test_foxconn_lock_check_is_bounded_the_same_way(sim_factory, timeout):
    sim = sim_factory("foxconn", never_answer=("radio-state",))
    run = run_against(sim, "--method", "foxconn", timeout=timeout, verbose=False)
    assert run.code == 0, run.stderr
    assert not run.modem.locked
    assert "foxconn-auth" in run.kinds and run.kinds[-1] == "close"
