"""fcc-unlock --method foxconn against the simulated Foxconn T99W175, through the real CLI."""

import json
import time

import pytest
from conftest import run_cli

from fcc_unlock.qmi.constants import Service

MAGIC = b"salt1f325d68c16d5cb455784554cb3e9500"  # docs/protocol.md §4.8 vector = the sim's strings
V2_TLVS = ((0x01, MAGIC), (0x02, b"\x30"))
V1_TLVS = ((0x01, b"\x00"),)


def unlock(sim, *extra):
    return run_cli("--method", "foxconn", "--log", "stderr", "--timeout", "5", *extra, sim.path)


def kinds(sim):
    return [r.kind for r in sim.modem.transcript]


def auths(sim):
    """(QMI service, TLVs) of every 0x5571 the modem received."""
    return [(r.qmi.service, r.qmi.tlvs) for r in sim.modem.transcript if r.kind == "foxconn-auth"]


def assert_clean_exit(sim):
    """OPEN first, CLOSE last, every QMI client id released, never CTL Sync."""
    assert kinds(sim)[0] == "open" and kinds(sim)[-1] == "close"
    assert "qmi-sync" not in kinds(sim)
    assert sim.modem.clients == {}


def test_v2_unlocks_in_one_session(sim_factory):
    sim = sim_factory("foxconn")
    result = unlock(sim)
    assert result.returncode == 0, result.stderr
    assert "105b:e0ab" not in result.stderr  # --method given: no lookup
    assert "foxconn: unlocked (v2) in" in result.stderr
    assert kinds(sim) == [
        "open",
        "radio-state",
        "qmi-allocate",
        "foxconn-version",
        "foxconn-version",
        "get-ids",
        "foxconn-auth",
        "qmi-release",
        "close",
    ]
    versions = [r.qmi.tlvs for r in sim.modem.transcript if r.kind == "foxconn-version"]
    assert versions == [((0x01, b"\x00"),), ((0x01, b"\x02"),)]  # firmware-mcfg, then apps
    assert auths(sim) == [(Service.DMS, V2_TLVS)]  # TLV 0x01 before 0x02
    assert sum(k == "open" for k in kinds(sim)) == 1
    assert not sim.modem.locked
    assert_clean_exit(sim)


def test_wrong_magic_is_refused_then_v1_is_refused_too(sim_factory):
    sim = sim_factory("foxconn", wrong_magic=True)
    result = unlock(sim)
    assert result.returncode == 1, result.stderr
    assert "modem refused the unlock: v1: AuthenticationFailed (34)" in result.stderr
    assert "v2: AuthenticationFailed (34)" in result.stderr
    assert auths(sim) == [(Service.DMS, V2_TLVS), (Service.DMS, V1_TLVS)]
    assert sim.modem.locked
    assert_clean_exit(sim)


def test_old_firmware_falls_back_to_v1(sim_factory):
    sim = sim_factory("foxconn", old_firmware=True)
    result = unlock(sim)
    assert result.returncode == 0, result.stderr
    assert "foxconn: unlocked (v1; v2: MalformedMessage (1)) in" in result.stderr
    assert auths(sim) == [(Service.DMS, V2_TLVS), (Service.DMS, V1_TLVS)]
    assert not sim.modem.locked
    assert_clean_exit(sim)


def test_fox_service_when_dms_does_not_know_the_unlock(sim_factory):
    sim = sim_factory("foxconn", fox_service="auth")
    result = unlock(sim)
    assert result.returncode == 0, result.stderr
    assert "foxconn: unlocked (v2 on the FOX service) in" in result.stderr
    assert auths(sim) == [(Service.DMS, V2_TLVS), (Service.FOX, V2_TLVS)]
    allocated = [r.qmi.tlvs for r in sim.modem.transcript if r.kind == "qmi-allocate"]
    assert allocated == [((0x01, bytes([Service.DMS])),), ((0x01, bytes([Service.FOX])),)]
    assert kinds(sim).count("qmi-release") == 2
    assert not sim.modem.locked
    assert_clean_exit(sim)


def test_fox_service_for_the_firmware_versions_too(sim_factory):
    sim = sim_factory("foxconn", fox_service="all")
    result = unlock(sim)
    assert result.returncode == 0, result.stderr
    assert "unlocked (v2 on the FOX service)" in result.stderr
    versions = [r.qmi.service for r in sim.modem.transcript if r.kind == "foxconn-version"]
    # Both DMS questions go out together (one round trip) and are refused; then FOX.
    assert versions == [Service.DMS, Service.DMS, Service.FOX, Service.FOX]
    assert "get-ids" in kinds(sim)  # the IMEI still comes from DMS
    assert auths(sim) == [(Service.FOX, V2_TLVS)]  # no DMS v2 without the inputs
    assert_clean_exit(sim)


def test_every_variant_refused_exits_with_the_last_error(sim_factory):
    sim = sim_factory("foxconn", qmi_error=71)  # InvalidQmiCommand on every 0x5571; no FOX service
    result = unlock(sim)
    assert result.returncode == 1, result.stderr
    assert "v1: InvalidQmiCommand (71)" in result.stderr
    assert "FOX service: modem refused a QMI client" in result.stderr
    assert auths(sim) == [(Service.DMS, V2_TLVS), (Service.DMS, V1_TLVS)]
    assert sim.modem.locked
    assert_clean_exit(sim)


def test_function_error_on_every_attempt_is_a_protocol_error(sim_factory):
    sim = sim_factory("foxconn", function_error={"foxconn-auth": 6})
    result = unlock(sim)
    assert result.returncode == 6, result.stderr
    assert len(auths(sim)) == 2  # v2 failed, v1 was still tried; its failure is the exit status
    assert_clean_exit(sim)


def test_already_unlocked_sends_nothing_unlock_related(sim_factory):
    sim = sim_factory("foxconn", unlocked=True)
    with sim.lock:
        sim.modem.radio_on()
    result = unlock(sim)
    assert result.returncode == 0, result.stderr
    assert "foxconn: already unlocked in" in result.stderr
    # The lock check rides along with the client allocation, so the client is
    # allocated and released; nothing else is sent.
    assert kinds(sim) == ["open", "radio-state", "qmi-allocate", "qmi-release", "close"]


def test_hardware_switch_off_still_unlocks_and_says_so(sim_factory):
    sim = sim_factory("foxconn", hardware_switch_off=True)
    result = unlock(sim)
    assert result.returncode == 0, result.stderr
    assert "unlocked (v2); the hardware radio switch (rfkill) holds the radio off" in result.stderr
    assert not sim.modem.locked


def test_radio_on_after_unlocking(sim_factory):
    sim = sim_factory("foxconn")
    result = unlock(sim, "--radio-on", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["result"] == "unlocked (v2); radio on"
    assert sim.modem.software_radio_on
    radio = [r.message for r in sim.modem.transcript if r.kind == "radio-state"]
    assert [m.command_type for m in radio] == [0, 1]  # query before, SET ON after
    assert kinds(sim)[-2:] == ["radio-state", "close"]


def test_radio_on_with_the_hardware_switch_off_fails(sim_factory):
    sim = sim_factory("foxconn", hardware_switch_off=True)
    result = unlock(sim, "--radio-on")
    assert result.returncode == 1, result.stderr
    assert "unlocked (v2)" in result.stderr and "hardware radio switch (rfkill) is off" in result.stderr
    assert not sim.modem.locked


def test_no_qmi_service_is_unsupported(sim_factory):
    sim = sim_factory("foxconn", no_qmi_service=True)
    result = unlock(sim)
    assert result.returncode == 3, result.stderr
    assert "no QMI service" in result.stderr
    assert "foxconn-auth" not in kinds(sim)
    assert kinds(sim)[-1] == "close"


def test_silent_firmware_version_times_out_and_cleans_up(sim_factory):
    sim = sim_factory("foxconn", never_answer=("foxconn-version",))
    started = time.monotonic()
    result = run_cli("--method", "foxconn", "--log", "stderr", "--timeout", "2", sim.path)
    assert result.returncode == 4, result.stderr
    assert time.monotonic() - started < 4
    assert "foxconn-auth" not in kinds(sim)
    assert_clean_exit(sim)


def test_verbose_trace_shows_the_magic_and_the_variants(sim_factory):
    sim = sim_factory("foxconn", old_firmware=True)
    result = unlock(sim, "-v")
    assert result.returncode == 0, result.stderr
    assert MAGIC.decode() in result.stderr
    assert "trying v1" in result.stderr


@pytest.mark.parametrize(
    "knob",
    [
        {"chunk_size": 7},
        {"max_control_transfer": 64},
        {"stale_replies": True},
        {"indications": True},
        {"garbage_before": ("foxconn-version",)},
        {"already_open": True},
    ],
)
def test_transport_faults_do_not_change_the_result(sim_factory, knob):
    sim = sim_factory("foxconn", **knob)
    result = unlock(sim)
    assert result.returncode == 0, result.stderr
    assert "unlocked (v2)" in result.stderr
    assert not sim.modem.locked


def test_demo():
    result = run_cli("--demo", "--vendor", "foxconn")
    assert result.returncode == 0, result.stderr
    assert "Simulated modem: Foxconn T99W175 (SDX55, Lenovo), FCC-locked: True" in result.stdout
    assert "foxconn: unlocked (v2) in" in result.stdout
    assert MAGIC.decode() in result.stdout
    assert "FCC-locked now: False; exit status 0" in result.stdout


def test_unplug_during_the_unlock(sim_factory):
    sim = sim_factory("foxconn", hang_up_on="unlock")
    started = time.monotonic()
    result = unlock(sim)
    assert result.returncode == 5, result.stderr
    assert "vanished" in result.stderr
    assert time.monotonic() - started < 3
