"""fcc-unlock --status: every verdict, with its evidence, against the simulator.

--status changes nothing: the transcripts below must contain only queries, and the
QMI client it allocates for the operating mode must be released again.
"""

import json

import pytest
from conftest import run_cli


def status(sim, *extra, method=None):
    args = ["--status", "--json", "--log", "stderr", "--timeout", "6", *extra]
    if method:
        args += ["--method", method]
    result = run_cli(*args, sim.path)
    assert result.stdout, result.stderr
    return result, json.loads(result.stdout)


def kinds(sim):
    return [r.kind for r in sim.modem.transcript]


def signals(document):
    return {e["signal"]: e for e in document["evidence"]}


def assert_read_only(sim):
    """Only queries, OPEN first and CLOSE last, client ids released."""
    for received in sim.modem.transcript:
        command_type = getattr(received.message, "command_type", 0)
        if received.kind not in ("qmi-allocate", "qmi-release", "get-operating-mode"):
            assert command_type == 0, f"{received.kind} was a SET"
    assert kinds(sim)[0] == "open" and kinds(sim)[-1] == "close"
    assert sim.modem.clients == {}


@pytest.mark.parametrize("vendor", ["sierra", "foxconn"])
def test_locked_qmi_modem_is_unknown_not_locked(sim_factory, vendor):
    """Low power and radio off prove nothing: a locked modem and an idle one look alike."""
    sim = sim_factory(vendor)
    result, document = status(sim, method=vendor)
    assert result.returncode == 0, result.stderr
    assert document["verdict"] == "unknown"
    assert document["services"] == ["BasicConnect", "QMI"]
    found = signals(document)
    assert found["mbim-radio-state"]["value"] == "hardware on, software off"
    assert found["qmi-operating-mode"]["value"] == "low-power"
    assert {e["shows"] for e in document["evidence"]} == {None}
    assert kinds(sim) == [
        "open",
        "device-services",
        "radio-state",
        "qmi-allocate",
        "get-operating-mode",
        "qmi-release",
        "close",
    ]
    assert_read_only(sim)
    assert sim.modem.locked


@pytest.mark.parametrize("vendor", ["sierra", "foxconn"])
def test_radio_on_is_unlocked(sim_factory, vendor):
    sim = sim_factory(vendor, unlocked=True)
    with sim.lock:
        sim.modem.radio_on()
    result, document = status(sim, method=vendor)
    assert result.returncode == 0, result.stderr
    assert document["verdict"] == "unlocked"
    assert signals(document)["mbim-radio-state"]["shows"] == "unlocked"
    assert signals(document)["qmi-operating-mode"]["value"] == "online"


@pytest.mark.parametrize("vendor", ["sierra", "foxconn", "quectel"])
def test_hardware_switch_off_is_rfkill_not_locked(sim_factory, vendor):
    sim = sim_factory(vendor, unlocked=True, hardware_switch_off=True)
    result, document = status(sim, method=vendor)
    assert result.returncode == 0, result.stderr
    assert document["verdict"] == "radio-off-by-hardware-switch"
    assert signals(document)["mbim-radio-state"]["value"].startswith("hardware off")
    assert_read_only(sim)


@pytest.mark.parametrize("vendor", ["sierra", "foxconn"])
def test_hardware_switch_off_on_a_locked_qmi_modem_is_still_rfkill(sim_factory, vendor):
    """No QMI signal can show the lock, so the switch is all --status may claim."""
    sim = sim_factory(vendor, hardware_switch_off=True)
    result, document = status(sim, method=vendor)
    assert result.returncode == 0, result.stderr
    assert document["verdict"] == "radio-off-by-hardware-switch"
    assert signals(document)["qmi-operating-mode"]["shows"] == "radio-off-by-hardware-switch"


def test_quectel_locked_is_locked(sim_factory):
    sim = sim_factory("quectel")
    result, document = status(sim, method="quectel")
    assert result.returncode == 0, result.stderr
    assert document["verdict"] == "locked"
    assert document["services"] == ["BasicConnect", "Quectel"]
    assert signals(document)["quectel-radio-state"]["value"] == "fcc-locked (4)"
    assert "qmi-operating-mode" not in signals(document)  # no QMI service: not asked
    assert kinds(sim) == ["open", "device-services", "radio-state", "quectel-radio-state", "close"]
    assert_read_only(sim)
    assert sim.modem.locked


def test_quectel_lock_answer_wins_over_the_switch(sim_factory):
    sim = sim_factory("quectel", hardware_switch_off=True)
    _, document = status(sim, method="quectel")
    assert document["verdict"] == "locked"
    assert signals(document)["mbim-radio-state"]["shows"] == "radio-off-by-hardware-switch"


def test_quectel_unlocked_radio_off_is_unlocked(sim_factory):
    sim = sim_factory("quectel", unlocked=True)
    _, document = status(sim, method="quectel")
    assert document["verdict"] == "unlocked"
    assert signals(document)["quectel-radio-state"]["value"] == "off (0)"


def test_status_after_an_unlock(sim_factory):
    sim = sim_factory("quectel")
    assert run_cli("--method", "quectel", "--log", "stderr", "--radio-on", sim.path).returncode == 0
    _, document = status(sim, method="quectel")
    assert document["verdict"] == "unlocked"
    assert signals(document)["mbim-radio-state"]["value"] == "hardware on, software on"


def test_a_device_the_table_cannot_name_is_not_asked(sim_factory):
    # --status changes nothing: a port the device table cannot name (a pty: udev knows
    # no modem behind it) gets not a byte, and the report says so.
    sim = sim_factory("quectel")
    result, document = status(sim)
    assert result.returncode == 3, result.stderr
    assert document["method"] is None and document["hint"].startswith("cannot tell")
    assert document["verdict"] is None and document["reason"].startswith("not asked")
    assert sim.modem.transcript == []


def test_the_services_decide_what_is_asked(sim_factory):
    # Named a Sierra, the modem lists the Quectel service: it is asked, and decides.
    sim = sim_factory("quectel")
    result, document = status(sim, method="sierra")
    assert result.returncode == 0, result.stderr
    assert document["verdict"] == "locked"
    assert "quectel-radio-state" in kinds(sim) and "qmi-allocate" not in kinds(sim)


def test_missing_qmi_service_is_simply_not_asked(sim_factory):
    sim = sim_factory("sierra", no_qmi_service=True)
    result, document = status(sim, method="sierra")
    assert result.returncode == 0, result.stderr
    assert document["services"] == ["BasicConnect"]
    assert "qmi-allocate" not in kinds(sim)


def test_unanswered_device_services_asks_everything(sim_factory):
    sim = sim_factory("sierra", never_answer=("device-services",))
    result, document = status(sim, method="sierra")
    assert result.returncode == 0, result.stderr
    assert document["services"] is None
    assert set(signals(document)) == {"mbim-radio-state", "qmi-operating-mode", "quectel-radio-state"}
    assert signals(document)["quectel-radio-state"]["value"] == "unavailable"
    assert sim.modem.clients == {}


def test_human_output_marks_the_deciding_evidence(sim_factory):
    sim = sim_factory("quectel")
    result = run_cli("--status", "--method", "quectel", "--log", "stderr", sim.path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "verdict:       locked" in lines
    assert any(line.startswith("  * quectel-radio-state fcc-locked (4)") for line in lines)
    assert any(line.startswith("  - mbim-radio-state hardware on, software off") for line in lines)


def test_unplugged_modem(sim_factory):
    sim = sim_factory("foxconn", hang_up_on="radio-state")
    result, document = status(sim, method="foxconn")
    assert result.returncode == 5, result.stderr
    assert document["verdict"] is None and "vanished" in document["reason"]


def test_no_such_device(tmp_path):
    result = run_cli("--status", "--log", "stderr", str(tmp_path / "cdc-wdm9"))
    assert result.returncode == 5
    assert "no such device" in result.stdout
