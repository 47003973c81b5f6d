"""foxconn-e4 against the simulated Foxconn T99W696 on a pty (docs/protocol.md §4.10):
through the real CLI, and through run.unlock() for every fault knob."""

import hashlib
import time

import pytest
from conftest import run_cli

from fcc_unlock import run
from fcc_unlock.errors import ExitCode
from fcc_unlock.qmi.constants import Service
from fcc_unlock.sim.personalities import FoxconnE4

FLOW = [
    "open",
    "radio-state",
    "qmi-allocate",  # DMS
    "qmi-allocate",  # FOX
    "foxconn-version",
    "foxconn-version",
    "get-ids",
    "qmi-release",
    "qmi-release",
    "qmi-allocate",  # FOXAP
    "foxap-auth",
    "qmi-release",
    "radio-state",
    "close",
]


def unlock(sim, timeout=5.0, **options):
    return run.unlock(sim.path, "foxconn-e4", timeout, ids="17cb:0308", **options)


def kinds(sim):
    return [r.kind for r in sim.modem.transcript]


def assert_every_client_released(sim):
    assert sim.modem.clients == {}
    assert kinds(sim)[-1] == "close"


def expected_magic():
    p = FoxconnE4
    text = ".".join(p.firmware_mcfg.split(".")[:-2]) + p.firmware_apps + p.imei + "salt" + "FDE2"
    return "salt" + hashlib.md5(text.encode()).hexdigest()


def test_unlock_through_the_cli(sim_factory):
    sim = sim_factory("foxconn-e4")
    result = run_cli("--method", "foxconn-e4", "--log", "stderr", "--timeout", "5", sim.path)
    assert result.returncode == 0, result.stderr
    assert "foxconn-e4: unlocked (FOXAP 0xE4) in" in result.stderr
    assert kinds(sim) == FLOW
    assert not sim.modem.locked
    assert_every_client_released(sim)


def test_the_request_carries_the_salted_string_and_zero(sim_factory):
    sim = sim_factory("foxconn-e4")
    assert unlock(sim).exit_code == ExitCode.OK
    [auth] = [r.qmi for r in sim.modem.transcript if r.kind == "foxap-auth"]
    assert auth.service == Service.FOXAP
    assert auth.tlvs == ((0x01, expected_magic().encode()), (0x02, b"0"))
    allocations = [r.qmi.tlv(0x01) for r in sim.modem.transcript if r.kind == "qmi-allocate"]
    assert allocations == [bytes([Service.DMS]), bytes([Service.FOX]), bytes([Service.FOXAP])]
    versions = [r.qmi.service for r in sim.modem.transcript if r.kind == "foxconn-version"]
    assert versions == [Service.FOX, Service.FOX]


def test_wrong_magic_is_refused(sim_factory):
    sim = sim_factory("foxconn-e4", wrong_magic=True)
    outcome = unlock(sim)
    assert outcome.exit_code == ExitCode.REFUSED
    assert "AuthenticationFailed (34)" in outcome.reason
    assert sim.modem.locked
    assert_every_client_released(sim)


def test_qmi_error_is_refused(sim_factory):
    sim = sim_factory("foxconn-e4", qmi_error=52)
    outcome = unlock(sim)
    assert outcome.exit_code == ExitCode.REFUSED
    assert "DeviceNotReady (52)" in outcome.reason
    assert_every_client_released(sim)


def test_no_foxap_service_is_refused_naming_it(sim_factory):
    sim = sim_factory("foxconn-e4", no_vendor_service=True)
    outcome = unlock(sim)
    assert outcome.exit_code == ExitCode.REFUSED
    assert "QMI client" in outcome.reason and "InvalidServiceType" in outcome.reason
    assert "foxap-auth" not in kinds(sim)
    assert_every_client_released(sim)


def test_already_unlocked_sends_nothing_unlock_related(sim_factory):
    sim = sim_factory("foxconn-e4", unlocked=True)
    sim.modem.radio_on()
    outcome = unlock(sim)
    assert outcome.result == "already unlocked"
    assert kinds(sim) == ["open", "radio-state", "qmi-allocate", "qmi-release", "close"]


def test_firmware_versions_not_answered_stop_before_the_unlock(sim_factory):
    sim = sim_factory("foxconn-e4", never_answer=("foxconn-version",))
    started = time.monotonic()
    outcome = unlock(sim, timeout=2.0)
    assert outcome.exit_code == ExitCode.TIMEOUT
    assert "foxap-auth" not in kinds(sim)
    assert_every_client_released(sim)
    assert time.monotonic() - started < 2.5


def test_silent_unlock_times_out_and_still_releases(sim_factory):
    sim = sim_factory("foxconn-e4", never_answer=("unlock",))
    outcome = unlock(sim, timeout=2.0)
    assert outcome.exit_code == ExitCode.TIMEOUT
    assert_every_client_released(sim)


def test_no_qmi_service_is_unsupported(sim_factory):
    sim = sim_factory("foxconn-e4", no_qmi_service=True)
    outcome = unlock(sim)
    assert outcome.exit_code == ExitCode.UNSUPPORTED


def test_unplug_during_the_unlock(sim_factory):
    sim = sim_factory("foxconn-e4", hang_up_on="unlock")
    assert unlock(sim).exit_code == ExitCode.IO_ERROR


@pytest.mark.parametrize(
    "knob",
    [
        {"chunk_size": 7},
        {"max_control_transfer": 64},
        {"stale_replies": True},
        {"indications": True},
        {"garbage_before": ("foxconn-version", "foxap-auth")},
        {"already_open": True},
        {"latency": 0.01},
        {"hardware_switch_off": True},
    ],
)
def test_transport_faults_do_not_change_the_result(sim_factory, knob):
    sim = sim_factory("foxconn-e4", **knob)
    outcome = unlock(sim)
    assert outcome.exit_code == ExitCode.OK, outcome.reason
    assert not sim.modem.locked
    assert_every_client_released(sim)


@pytest.mark.parametrize("seed", range(8))
def test_hostile_modem_never_breaks_the_run(sim_factory, seed):
    sim = sim_factory("foxconn-e4", hostile=seed, hostile_rate=0.4, hostile_deadline=1.5)
    started = time.monotonic()
    outcome = unlock(sim, timeout=1.5)
    assert outcome.exit_code in set(ExitCode) - {ExitCode.INTERNAL, ExitCode.USAGE}
    assert outcome.reason or outcome.exit_code == ExitCode.OK
    assert time.monotonic() - started < 2.5


def test_the_dms_and_fox_variants_are_refused_as_traced(sim_factory):
    # What the sibling methods would get from this modem: error 57 on DMS,
    # MalformedMessage on FOX (docs/protocol.md §4.10), so neither unlocks it.
    sim = sim_factory("foxconn-e4")
    outcome = run.unlock(sim.path, "foxconn", 5.0, ids="17cb:0308")
    assert outcome.exit_code == ExitCode.REFUSED
    assert sim.modem.locked
