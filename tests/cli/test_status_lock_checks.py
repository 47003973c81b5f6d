"""The lock check every unlock makes first, and --radio-on, for the Sierra method.

(Foxconn and Quectel have theirs in test_foxconn_unlock.py and test_quectel_unlock.py.)
"""

import json

from conftest import run_cli


def unlock(sim, *extra):
    return run_cli("--method", "sierra", "--log", "stderr", "--timeout", "5", *extra, sim.path)


def kinds(sim):
    return [r.kind for r in sim.modem.transcript]


def test_lock_check_costs_one_query_before_the_unlock(sim_factory):
    sim = sim_factory("sierra")
    result = unlock(sim)
    assert result.returncode == 0, result.stderr
    assert "sierra: unlocked in" in result.stderr
    assert kinds(sim) == ["open", "radio-state", "qmi-allocate", "fcc-auth", "qmi-release", "close"]


def test_radio_already_on_means_already_unlocked(sim_factory):
    sim = sim_factory("sierra", unlocked=True)
    with sim.lock:
        sim.modem.radio_on()
    result = unlock(sim, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["result"] == "already unlocked"
    # No 0x555F. The lock check rides along with the client allocation (one round trip
    # for both), so the client is allocated and released.
    assert kinds(sim) == ["open", "radio-state", "qmi-allocate", "qmi-release", "close"]


def test_unlocked_but_radio_off_is_unlocked_again(sim_factory):
    """Nothing shows the lock gone while the radio is off; a second 0x555F is harmless."""
    sim = sim_factory("sierra", unlocked=True)
    result = unlock(sim)
    assert result.returncode == 0, result.stderr
    assert "fcc-auth" in kinds(sim)


def test_hardware_switch_off_is_reported(sim_factory):
    sim = sim_factory("sierra", hardware_switch_off=True)
    result = unlock(sim)
    assert result.returncode == 0, result.stderr
    assert "unlocked; the hardware radio switch (rfkill) holds the radio off" in result.stderr
    assert not sim.modem.locked


def test_unanswered_lock_check_does_not_stop_the_unlock(sim_factory):
    sim = sim_factory("sierra", never_answer=("radio-state",))
    result = unlock(sim, "-v")
    assert result.returncode == 0, result.stderr
    assert "lock check: unknown (mbim-radio-state unavailable" in result.stderr
    assert not sim.modem.locked


def test_radio_on_verified(sim_factory):
    sim = sim_factory("sierra")
    result = unlock(sim, "--radio-on")
    assert result.returncode == 0, result.stderr
    assert "sierra: unlocked; radio on in" in result.stderr
    assert sim.modem.software_radio_on


def test_radio_on_refused_when_the_unlock_did_not_take(sim_factory):
    sim = sim_factory("sierra")
    sim.modem.unlock = lambda: None  # 0x555F answered with success, lock unchanged
    result = unlock(sim, "--radio-on")
    assert result.returncode == 1, result.stderr
    assert (
        "unlocked, but the modem still refuses to switch the radio on (OperationNotAllowed)" in result.stderr
    )
    assert sim.modem.clients == {} and kinds(sim)[-1] == "close"
