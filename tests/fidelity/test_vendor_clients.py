"""Debian's real qmicli and mbimcli against the simulated Foxconn and Quectel modems.

If the real clients succeed against the simulator, the CLI tests that run fcc-unlock
against it are worth trusting. Each client runs on the simulator's pty (qmicli with
--device-open-mbim: QMI over MBIM, no proxy).
"""

import subprocess

import pytest
from conftest import require_tool

from fcc_unlock.qmi.constants import Service

MAGIC = "salt1f325d68c16d5cb455784554cb3e9500"


def run(tool, sim, *args):
    command = [require_tool(tool), "-d", sim.path, *args]
    if tool == "qmicli":
        command.insert(1, "--device-open-mbim")
    return subprocess.run(command, capture_output=True, text=True, timeout=40)


def kinds(sim):
    return [r.kind for r in sim.modem.transcript]


def assert_closed_cleanly(sim):
    assert kinds(sim)[0] == "open" and kinds(sim)[-1] == "close"
    assert sim.modem.clients == {}


@pytest.mark.parametrize(
    ("version_type", "version"),
    [("firmware-mcfg", "T99W175.F0.1.0.0.9.GC.004.013"), ("apps", "T99W175.F0.0.0.9.1.GC.004")],
)
def test_qmicli_foxconn_get_firmware_version(sim_factory, version_type, version):
    sim = sim_factory("foxconn")
    result = run("qmicli", sim, f"--dms-foxconn-get-firmware-version={version_type}")
    assert result.returncode == 0, result.stderr
    assert f"Version: '{version}'" in result.stdout
    assert "foxconn-version" in kinds(sim)
    assert_closed_cleanly(sim)


def test_qmicli_get_ids(sim_factory):
    sim = sim_factory("foxconn")
    result = run("qmicli", sim, "--dms-get-ids")
    assert result.returncode == 0, result.stderr
    assert "IMEI: '123456789012345'" in result.stdout
    assert_closed_cleanly(sim)


def test_qmicli_v2_with_the_right_magic_unlocks(sim_factory):
    sim = sim_factory("foxconn")
    result = run("qmicli", sim, f"--dms-foxconn-set-fcc-authentication-v2={MAGIC},48")
    assert result.returncode == 0, result.stderr
    assert "Successfully run Foxconn FCC authentication v2" in result.stdout
    auth = [r.qmi for r in sim.modem.transcript if r.kind == "foxconn-auth"]
    assert [t for t, _ in auth[0].tlvs] == [0x01, 0x02]  # libqmi sends them in the order we do
    assert auth[0].tlvs[0][1] == MAGIC.encode()
    assert not sim.modem.locked
    assert_closed_cleanly(sim)


def test_qmicli_v2_with_a_wrong_magic_is_refused(sim_factory):
    sim = sim_factory("foxconn")
    result = run("qmicli", sim, "--dms-foxconn-set-fcc-authentication-v2=salt" + "0" * 32 + ",48")
    assert result.returncode != 0
    assert "AuthenticationFailed" in result.stderr
    assert sim.modem.locked


def test_qmicli_v1_on_old_firmware(sim_factory):
    sim = sim_factory("foxconn", old_firmware=True)
    result = run("qmicli", sim, "--dms-foxconn-set-fcc-authentication=0")
    assert result.returncode == 0, result.stderr
    assert not sim.modem.locked


def test_qmicli_fox_service_firmware_version(sim_factory):
    sim = sim_factory("foxconn", fox_service="all")
    result = run("qmicli", sim, "--fox-get-firmware-version=apps")
    assert result.returncode == 0, result.stderr
    assert "T99W175.F0.0.0.9.1.GC.004" in result.stdout
    assert [r.qmi.service for r in sim.modem.transcript if r.kind == "foxconn-version"] == [Service.FOX]
    assert_closed_cleanly(sim)


def test_qmicli_get_operating_mode(sim_factory):
    sim = sim_factory("sierra", hardware_switch_off=True)
    result = run("qmicli", sim, "--dms-get-operating-mode")
    assert result.returncode == 0, result.stderr
    assert "Mode: 'low-power'" in result.stdout
    assert "HW restricted: 'yes'" in result.stdout


def test_modemmanager_105b_sequence_unlocks_the_simulator(sim_factory):
    """ModemManager's script steps (four qmicli runs, md5 in between), by hand."""
    sim = sim_factory("foxconn")

    def version(*args):
        result = run("qmicli", sim, *args)
        assert result.returncode == 0, result.stderr
        line = next(line for line in result.stdout.splitlines() if "Version:" in line or "IMEI:" in line)
        return line.split("'")[1]

    import hashlib

    firmware = ".".join(version("--dms-foxconn-get-firmware-version=firmware-mcfg").split(".")[:-2])
    apps = version("--dms-foxconn-get-firmware-version=apps")
    imei = version("--dms-get-ids")
    magic = "salt" + hashlib.md5(f"{firmware}{apps}{imei}saltfoxc".encode()).hexdigest()
    assert magic == MAGIC
    result = run("qmicli", sim, f"--dms-foxconn-set-fcc-authentication-v2={magic},48")
    assert result.returncode == 0, result.stderr
    assert not sim.modem.locked
    assert kinds(sim).count("open") == 4


def test_mbimcli_quectel_query_set_query(sim_factory):
    sim = sim_factory("quectel")
    result = run("mbimcli", sim, "--quectel-query-radio-state")
    assert result.returncode == 0, result.stderr
    assert "Radio state retrieved: 'fcc-locked'" in result.stdout
    result = run("mbimcli", sim, "--quectel-set-radio-state=on")
    assert result.returncode == 0, result.stderr
    assert not sim.modem.locked
    result = run("mbimcli", sim, "--quectel-query-radio-state")
    assert result.returncode == 0, result.stderr
    assert "Radio state retrieved: 'on'" in result.stdout
    assert kinds(sim).count("quectel-set-radio-state") == 1


def test_mbimcli_radio_state_is_refused_while_locked(sim_factory):
    sim = sim_factory("quectel")
    result = run("mbimcli", sim, "--set-radio-state=on")
    assert result.returncode != 0
    assert "OperationNotAllowed" in result.stderr
    result = run("mbimcli", sim, "--query-radio-state")
    assert result.returncode == 0, result.stderr
    assert "Hardware radio state: 'on'" in result.stdout and "Software radio state: 'off'" in result.stdout


def test_mbimcli_lists_the_quectel_service(sim_factory):
    sim = sim_factory("quectel")
    result = run("mbimcli", sim, "--query-device-services")
    assert result.returncode == 0, result.stderr
    assert "Service: 'quectel'" in result.stdout
    assert "[11223344-5566-7788-99aa-bbccddeeff11]" in result.stdout
    assert "Services: (2)" in result.stdout  # Basic Connect and Quectel; no QMI
