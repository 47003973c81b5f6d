"""fcc-unlock --status --probe (docs/protocol.md §2.6): for Sierra and Foxconn, the radio
is switched on to test the lock and then put back as it was found; without --probe
nothing is switched."""

import json

import pytest
from conftest import run_cli

from fcc_unlock.mbim import constants as mbim


def status(sim, method, *extra):
    args = ["--status", "--json", "--log", "stderr", "--timeout", "6", "--method", method, *extra]
    result = run_cli(*args, sim.path)
    assert result.stdout, result.stderr
    return result, json.loads(result.stdout)


def radio_sets(sim):
    """The RADIO_STATE SETs the modem received, as the value each asked for (1 on, 0 off)."""
    return [
        int.from_bytes(r.message.information_buffer[:4], "little")
        for r in sim.modem.transcript
        if r.kind == "radio-state" and r.message.command_type == mbim.CommandType.SET
    ]


def probe(document):
    [found] = [e for e in document["evidence"] if e["signal"] == "mbim-radio-on-probe"]
    return found


@pytest.mark.parametrize("vendor", ["sierra", "foxconn", "foxconn-e4"])
def test_locked_modem_is_locked_with_evidence_and_radio_still_off(sim_factory, vendor):
    sim = sim_factory(vendor)
    result, document = status(sim, vendor, "--probe")
    assert result.returncode == 0, result.stderr
    assert document["verdict"] == "locked"
    found = probe(document)
    assert found["shows"] == "locked"
    assert found["value"].startswith("OperationNotAllowed (28)")
    assert radio_sets(sim) == [1]  # refused: nothing to restore
    assert not sim.modem.software_radio_on
    assert sim.modem.locked
    assert sim.modem.clients == {}


@pytest.mark.parametrize("vendor", ["sierra", "foxconn"])
def test_unlocked_modem_is_unlocked_and_the_radio_is_switched_off_again(sim_factory, vendor):
    sim = sim_factory(vendor, unlocked=True)
    result, document = status(sim, vendor, "--probe")
    assert result.returncode == 0, result.stderr
    assert document["verdict"] == "unlocked"
    found = probe(document)
    assert found["shows"] == "unlocked"
    assert "switched off again" in found["value"]
    assert radio_sets(sim) == [1, 0]
    assert not sim.modem.software_radio_on  # as found


def test_without_probe_nothing_is_switched(sim_factory):
    sim = sim_factory("sierra")
    result, document = status(sim, "sierra")
    assert result.returncode == 0, result.stderr
    assert document["verdict"] == "unknown"
    assert radio_sets(sim) == []
    assert not any(e["signal"] == "mbim-radio-on-probe" for e in document["evidence"])


def test_radio_already_on_is_not_switched(sim_factory):
    sim = sim_factory("sierra", unlocked=True)
    sim.modem.radio_on()
    _, document = status(sim, "sierra", "--probe")
    assert document["verdict"] == "unlocked"
    assert radio_sets(sim) == []
    assert probe(document)["value"] == "not switched"
    assert sim.modem.software_radio_on


def test_hardware_switch_off_is_not_probed(sim_factory):
    sim = sim_factory("sierra", hardware_switch_off=True)
    _, document = status(sim, "sierra", "--probe")
    assert document["verdict"] == "radio-off-by-hardware-switch"
    assert radio_sets(sim) == []


def test_a_method_with_a_lock_query_is_not_probed(sim_factory):
    sim = sim_factory("quectel")
    _, document = status(sim, "quectel", "--probe")
    assert document["verdict"] == "locked"  # the Quectel query says so by itself
    assert radio_sets(sim) == []


def test_a_failed_restore_is_reported(sim_factory):
    sim = sim_factory("sierra", unlocked=True)
    original = sim.modem._basic_connect

    def refuse_off(command):
        if command.command_type == mbim.CommandType.SET and command.information_buffer[:1] == b"\0":
            return sim.modem.done(command, mbim.Status.BUSY)
        return original(command)

    sim.modem._basic_connect = refuse_off
    _, document = status(sim, "sierra", "--probe")
    assert document["verdict"] == "unlocked"
    assert "radio NOT switched off again (Busy (1))" in probe(document)["value"]
    assert radio_sets(sim) == [1, 0]


def test_unanswered_radio_query_switches_nothing(sim_factory):
    sim = sim_factory("sierra", unlocked=True, never_answer=("radio-state",))
    _, document = status(sim, "sierra", "--probe")
    assert radio_sets(sim) == []
    assert probe(document)["value"] == "not switched"


def test_radio_on_obeyed_but_unanswered_is_still_switched_off(sim_factory):
    # The modem acts on SET ON but its reply is lost: it may be on, so it is switched
    # off again, within the cleanup time after the work deadline.
    sim = sim_factory("sierra", unlocked=True)
    original = sim.modem._basic_connect

    def lose_the_on_reply(command):
        reply = original(command)
        if command.command_type == mbim.CommandType.SET and command.information_buffer[:1] == b"\1":
            return None
        return reply

    sim.modem._basic_connect = lose_the_on_reply
    args = ["--status", "--probe", "--json", "--timeout", "2", "--method", "sierra", sim.path]
    document = json.loads(run_cli(*args).stdout)
    assert document["verdict"] == "unknown"
    assert "switched off again" in probe(document)["value"]
    assert radio_sets(sim) == [1, 0]
    assert not sim.modem.software_radio_on


def test_text_output_names_the_probe(sim_factory):
    sim = sim_factory("sierra")
    result = run_cli("--status", "--probe", "--method", "sierra", "--log", "stderr", sim.path)
    assert result.returncode == 0, result.stderr
    assert "verdict:       locked" in result.stdout
    assert "* mbim-radio-on-probe OperationNotAllowed (28)" in result.stdout
