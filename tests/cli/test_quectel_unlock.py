"""fcc-unlock --method quectel against the simulated Quectel EM120R-GL, through the real CLI."""

import json
import time

import pytest
from conftest import run_cli

from fcc_unlock.mbim import constants as mbim


def unlock(sim, *extra, timeout="5"):
    return run_cli("--method", "quectel", "--log", "stderr", "--timeout", timeout, *extra, sim.path)


def kinds(sim):
    return [r.kind for r in sim.modem.transcript]


def test_query_set_on_query_again(sim_factory):
    sim = sim_factory("quectel")
    result = unlock(sim)
    assert result.returncode == 0, result.stderr
    assert "quectel: unlocked in" in result.stderr
    assert kinds(sim) == [
        "open",
        "quectel-radio-state",
        "quectel-set-radio-state",
        "quectel-radio-state",
        "close",
    ]
    sets = [r.message for r in sim.modem.transcript if r.kind == "quectel-set-radio-state"]
    assert sets[0].service_id == mbim.QUECTEL and sets[0].cid == 1
    assert sets[0].command_type == mbim.CommandType.SET
    assert sets[0].information_buffer == b"\x01\x00\x00\x00"
    assert not sim.modem.locked


def test_already_unlocked_sends_no_set(sim_factory):
    sim = sim_factory("quectel", unlocked=True)  # radio off, but not FCC-locked: state 0
    result = unlock(sim)
    assert result.returncode == 0, result.stderr
    assert "quectel: already unlocked in" in result.stderr
    assert kinds(sim) == ["open", "quectel-radio-state", "close"]


def test_refused_set_exits_1_naming_the_status(sim_factory):
    sim = sim_factory("quectel", mbim_status=28)
    result = unlock(sim)
    assert result.returncode == 1, result.stderr
    assert "modem refused the unlock: OperationNotAllowed (28)" in result.stderr
    assert sim.modem.locked
    assert kinds(sim)[-1] == "close"


def test_set_acknowledged_but_still_locked_is_caught_by_the_check_after(sim_factory):
    sim = sim_factory("quectel")
    sim.modem.unlock = lambda: None  # the modem says yes and does nothing
    result = unlock(sim)
    assert result.returncode == 1, result.stderr
    assert "accepted the unlock but still reports fcc-locked (4)" in result.stderr
    assert kinds(sim).count("quectel-radio-state") == 2


def test_no_quectel_service_is_unsupported(sim_factory):
    sim = sim_factory("quectel", no_vendor_service=True)
    result = unlock(sim)
    assert result.returncode == 3, result.stderr
    assert "no Quectel service" in result.stderr
    assert kinds(sim) == ["open", "quectel-radio-state", "device-services", "close"]


def test_silent_service_times_out(sim_factory):
    sim = sim_factory("quectel", never_answer=("quectel-radio-state",))
    result = unlock(sim, timeout="3")
    assert result.returncode == 4, result.stderr
    assert "quectel-set-radio-state" not in kinds(sim)
    assert kinds(sim)[-1] == "close"


def test_radio_on(sim_factory):
    sim = sim_factory("quectel")
    result = unlock(sim, "--radio-on", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["result"] == "unlocked; radio on"
    assert kinds(sim)[-2:] == ["radio-state", "close"]


def test_radio_on_after_already_unlocked(sim_factory):
    sim = sim_factory("quectel", unlocked=True)
    result = unlock(sim, "--radio-on")
    assert result.returncode == 0, result.stderr
    assert "already unlocked; radio on" in result.stderr
    assert sim.modem.software_radio_on


def test_hardware_switch_off(sim_factory):
    sim = sim_factory("quectel", hardware_switch_off=True)
    result = unlock(sim)
    assert result.returncode == 0, result.stderr  # the lock is gone; the switch is another matter
    assert not sim.modem.locked
    result = unlock(sim, "--radio-on")
    assert result.returncode == 1, result.stderr
    assert "hardware radio switch (rfkill) is off" in result.stderr


def test_sierra_method_on_a_quectel_finds_no_qmi_service(sim_factory):
    sim = sim_factory("quectel")
    result = run_cli("--method", "sierra", "--log", "stderr", sim.path)
    assert result.returncode == 3, result.stderr
    assert "no QMI service" in result.stderr
    assert sim.modem.locked


def test_basic_connect_radio_on_is_refused_until_the_quectel_unlock(sim_factory):
    """The simulator's lock semantics: what ModemManager sees before and after."""
    from fcc_unlock.mbim import basic_connect, quectel
    from fcc_unlock.session import MbimSession
    from fcc_unlock.transport.chardev import CharDevice

    sim = sim_factory("quectel")
    radio = (mbim.BASIC_CONNECT, mbim.BasicConnectCid.RADIO_STATE, mbim.CommandType.SET)
    with CharDevice(sim.path) as transport, MbimSession(transport, time.monotonic() + 5) as session:
        refused = session.command(*radio, basic_connect.radio_state_set(True))
        assert refused.status == mbim.Status.OPERATION_NOT_ALLOWED
        unlocked = session.command(
            mbim.QUECTEL, 1, mbim.CommandType.SET, quectel.radio_state(mbim.QuectelRadioState.ON)
        )
        assert (unlocked.status, unlocked.information_buffer) == (mbim.Status.NONE, b"")
        accepted = session.command(*radio, basic_connect.radio_state_set(True))
        assert accepted.status == mbim.Status.NONE
        assert basic_connect.parse_radio_state(accepted.information_buffer) == (1, 1)


def test_demo():
    result = run_cli("--demo", "--vendor", "quectel")
    assert result.returncode == 0, result.stderr
    assert "quectel: unlocked in" in result.stdout
    assert "The modem received: open -> quectel-radio-state -> quectel-set-radio-state" in result.stdout
    assert "FCC-locked now: False; exit status 0" in result.stdout


def test_demo_unknown_vendor():
    result = run_cli("--demo", "--vendor", "nokia")
    assert result.returncode == 2
    assert "one of: sierra, foxconn, quectel" in result.stderr


@pytest.mark.parametrize(
    "knob",
    [
        {"chunk_size": 5},
        {"max_control_transfer": 64},
        {"stale_replies": True},
        {"indications": True},
        {"garbage_before": ("quectel-radio-state",)},
        {"already_open": True},
    ],
)
def test_transport_faults_do_not_change_the_result(sim_factory, knob):
    sim = sim_factory("quectel", **knob)
    result = unlock(sim)
    assert result.returncode == 0, result.stderr
    assert "quectel: unlocked in" in result.stderr
    assert not sim.modem.locked


def test_unplug_during_the_set(sim_factory):
    sim = sim_factory("quectel", hang_up_on="unlock")
    result = unlock(sim)
    assert result.returncode == 5, result.stderr
    assert "vanished" in result.stderr
