"""Debian's real mbimcli and qmicli against the simulated Intel MBIM (DW5823e) and
Foxconn T99W696 modems. Neither tool has the vendor commands (mbimcli 1.28.2 has no
--intel-*-fcc-lock, no qmicli has service 0xE4), so they check what they can: the
service list, the lock as RADIO_STATE shows it before and after our unlock, and the
T99W696's firmware strings on the FOX service."""

import hashlib
import subprocess

from conftest import require_tool

from fcc_unlock import run as fcc_run
from fcc_unlock.host.keys import Key


def run(tool, sim, *args):
    command = [require_tool(tool), "-d", sim.path, *args]
    if tool == "qmicli":
        command.insert(1, "--device-open-mbim")
    return subprocess.run(command, capture_output=True, text=True, timeout=40)


def kinds(sim):
    return [r.kind for r in sim.modem.transcript]


def test_mbimcli_has_no_intel_fcc_lock_commands():
    # If a newer mbimcli is installed, this says so: then it can be a peer here.
    result = subprocess.run(
        [require_tool("mbimcli"), "--help-all"], capture_output=True, text=True, timeout=20
    )
    assert "--intel-query-fcc-lock" not in result.stdout


def test_mbimcli_lists_the_intel_service(sim_factory):
    sim = sim_factory("intel-mbim")
    result = run("mbimcli", sim, "--query-device-services")
    assert result.returncode == 0, result.stderr
    assert "[f85d46ef-ab26-4081-9868-4d183c0a3aec]" in result.stdout
    assert "Services: (2)" in result.stdout  # Basic Connect and Intel; no QMI


def test_mbimcli_sees_the_lock_go_after_our_unlock(sim_factory):
    sim = sim_factory("intel-mbim")
    refused = run("mbimcli", sim, "--set-radio-state=on")
    assert refused.returncode != 0 and "OperationNotAllowed" in refused.stderr
    outcome = fcc_run.unlock(
        sim.path, "intel-mbim", 5.0, ids="8086:7560", key=Key.from_model_id("DW5823EFCCLOCK", "t")
    )
    assert outcome.ok, outcome.reason
    accepted = run("mbimcli", sim, "--set-radio-state=on")
    assert accepted.returncode == 0, accepted.stderr
    assert "Software radio state: 'on'" in accepted.stdout


def qmicli_value(sim, *args):
    result = run("qmicli", sim, *args)
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if "Version:" in line or "IMEI:" in line)
    return line.split("'")[1]


def test_qmicli_reads_the_strings_our_string_is_made_of(sim_factory):
    sim = sim_factory("foxconn-e4")
    firmware = qmicli_value(sim, "--fox-get-firmware-version=firmware-mcfg")
    apps = qmicli_value(sim, "--fox-get-firmware-version=apps")
    imei = qmicli_value(sim, "--dms-get-ids")
    trimmed = ".".join(firmware.split(".")[:-2])
    expected = "salt" + hashlib.md5(f"{trimmed}{apps}{imei}saltFDE2".encode()).hexdigest()
    outcome = fcc_run.unlock(sim.path, "foxconn-e4", 5.0, ids="17cb:0308")
    assert outcome.ok, outcome.reason
    [auth] = [r.qmi for r in sim.modem.transcript if r.kind == "foxap-auth"]
    assert auth.tlv(0x01) == expected.encode()
    assert sim.modem.clients == {}


def test_modemmanager_105b_unlock_does_not_open_a_t99w696(sim_factory):
    # ModemManager's Foxconn v2 on DMS, with its own key, as its script sends it: this
    # firmware answers DMS 0x5571 with error 57 (docs/protocol.md §4.10).
    sim = sim_factory("foxconn-e4")
    firmware = ".".join(qmicli_value(sim, "--fox-get-firmware-version=firmware-mcfg").split(".")[:-2])
    apps = qmicli_value(sim, "--fox-get-firmware-version=apps")
    imei = qmicli_value(sim, "--dms-get-ids")
    magic = "salt" + hashlib.md5(f"{firmware}{apps}{imei}saltfoxc".encode()).hexdigest()
    result = run("qmicli", sim, f"--dms-foxconn-set-fcc-authentication-v2={magic},48")
    assert result.returncode != 0
    assert sim.modem.locked
