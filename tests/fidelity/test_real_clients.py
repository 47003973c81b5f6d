"""Debian's real mbimcli and qmicli succeed against the simulated modem.

This is what makes the simulator worth trusting: libmbim 1.28 and libqmi 1.32, through
their own command-line tools, open our pty, send their own bytes (qmicli starts with a
DEVICE_SERVICE_SUBSCRIBE_LIST set), decode the simulator's replies and print what the
simulator holds. They must keep succeeding with the fault knobs a real modem plausibly
shows: latency, replies fragmented to a small MaxControlTransfer, indications in
between, replies arriving in small chunks, the "already open" quirk. libmbim
reassembling our fragments is the proof that our fragmentation is real-peer compatible.
"""

from __future__ import annotations

import re
import time

import pytest

from fcc_unlock.mbim import constants as mbim
from fcc_unlock.qmi import catalog
from fcc_unlock.qmi.constants import Service

# Fault knobs a real modem plausibly has, and the proof each one was exercised.
KNOBS = {
    "plain": {},
    "latency": {"latency": 0.05},
    "fragmented": {"max_control_transfer": 64},
    "indications": {"indications": True},
    "chunked": {"chunk_size": 7},
    "already-open": {"already_open": True},
    "everything": {"latency": 0.02, "max_control_transfer": 64, "indications": True, "chunk_size": 5},
}
KNOB_IDS = list(KNOBS)
# libmbim's names for the values the Sierra personality reports (mbim-enums.h).
DEVICE_TYPES = {1: "embedded", 2: "removable", 3: "remote"}


def opened(knobs: dict) -> list[str]:
    """What the modem receives when a client opens it: with the "already open" quirk,
    libmbim answers the surprise CLOSE_DONE by closing and opening again."""
    return ["open", "close", "open"] if knobs.get("already_open") else ["open"]


def assert_knobs_exercised(sim, knobs: dict, started: float) -> None:
    headers = sim.reply_headers()
    if knobs.get("max_control_transfer"):
        limit = knobs["max_control_transfer"]
        assert all(length <= limit for _, length, _ in headers)
        fragments = [data for data in sim.replies if peek_total(data) > 1]
        assert fragments, "no reply was fragmented; the knob proved nothing"
    if knobs.get("indications"):
        assert any(message_type == mbim.MessageType.INDICATE_STATUS for message_type, _, _ in headers)
    if knobs.get("latency"):
        # Each reply is due `latency` after its request; these clients wait for every
        # reply before the next request, so every request costs the latency once.
        assert time.monotonic() - started >= knobs["latency"] * len(sim.modem.transcript)


def peek_total(data: bytes) -> int:
    message_type = int.from_bytes(data[:4], "little")
    if message_type not in (mbim.MessageType.COMMAND_DONE, mbim.MessageType.INDICATE_STATUS):
        return 1
    return int.from_bytes(data[12:16], "little")


# --- mbimcli ------------------------------------------------------------------------------


@pytest.mark.parametrize("knob", KNOB_IDS)
def test_mbimcli_query_device_caps(real_sim, mbimcli, knob):
    knobs = KNOBS[knob]
    sim = real_sim(**knobs)
    started = time.monotonic()
    run = mbimcli(sim, "--query-device-caps")
    assert run.returncode == 0, run.explain()
    caps = sim.modem.personality.device_caps()
    fields = run.fields
    assert fields["Device ID"] == caps.device_id
    assert fields["Firmware info"] == caps.firmware_info
    assert fields["Hardware info"] == caps.hardware_info
    assert fields["Max sessions"] == str(caps.max_sessions)
    assert fields["Device type"] == DEVICE_TYPES[caps.device_type]
    assert fields["Ctrl caps"] == "hw-radio-switch"
    assert fields["Data class"] == "gprs, edge, umts, hsdpa, hsupa, lte"
    assert run.complaints == [], run.explain()
    assert sim.kinds() == [*opened(knobs), "device-caps", "close"]
    assert_knobs_exercised(sim, knobs, started)


def parse_services(stdout: str) -> list[tuple[str, tuple[int, ...]]]:
    """(UUID, CIDs) of each service mbimcli lists, in order."""
    services = []
    for block in stdout.split("Service: ")[1:]:
        uuid = re.search(r"UUID: \[([0-9a-f-]{36})\]", block)
        assert uuid, block
        cids_text = block.split("CIDs:", 1)[1]
        named = re.findall(r"\((\d+)\)", cids_text)  # known service: "device-caps (1), ..."
        cids = named or re.findall(r"\d+", cids_text)
        services.append((uuid.group(1), tuple(int(cid) for cid in cids)))
    return services


@pytest.mark.parametrize("knob", KNOB_IDS)
def test_mbimcli_query_device_services(real_sim, mbimcli, knob):
    knobs = KNOBS[knob]
    sim = real_sim(**knobs)
    started = time.monotonic()
    run = mbimcli(sim, "--query-device-services")
    assert run.returncode == 0, run.explain()
    expected = [(mbim.uuid_text(s.service_id), s.cids) for s in sim.modem.services()]
    assert parse_services(run.stdout) == expected
    assert f"Services: ({len(expected)})" in run.stdout
    assert run.complaints == [], run.explain()
    assert sim.kinds() == [*opened(knobs), "device-services", "close"]
    assert_knobs_exercised(sim, knobs, started)


# --- qmicli --device-open-mbim ---------------------------------------------------------------


@pytest.mark.parametrize("knob", KNOB_IDS)
def test_qmicli_set_fcc_authentication(real_sim, qmicli, knob):
    knobs = KNOBS[knob]
    sim = real_sim(**knobs)
    started = time.monotonic()
    run = qmicli(sim, "--dms-set-fcc-authentication")
    assert run.returncode == 0, run.explain()
    assert "Successfully set FCC authentication" in run.stdout
    assert run.complaints == [], run.explain()
    assert sim.kinds() == [
        *opened(knobs),
        "subscribe-list",
        "qmi-allocate",
        "fcc-auth",
        "qmi-release",
        "close",
    ]
    with sim.sim.lock:
        modem = sim.modem
        # qmicli subscribed to QMI indications, and the simulator took the list.
        assert modem.subscriptions == [(mbim.QMI, (mbim.QMI_MSG_CID,))]
        allocate, auth, release = (r.qmi for r in modem.transcript if r.qmi is not None)
        assert (allocate.service, allocate.message_id) == (Service.CTL, catalog.ALLOCATE_CID.message_id)
        assert auth.service == Service.DMS and auth.client_id == release.tlv(0x01)[1]
        assert (release.service, release.message_id) == (Service.CTL, catalog.RELEASE_CID.message_id)
        assert not modem.locked, "the real client's 0x555F did not unlock the simulated modem"
        assert modem.clients == {}, "qmicli released its client id"
        assert not modem.is_open
    assert_knobs_exercised(sim, knobs, started)


@pytest.mark.parametrize("knob", ["plain", "fragmented", "everything"])
def test_qmicli_decodes_ids_and_operating_mode(real_sim, qmicli, knob):
    sim = real_sim(**KNOBS[knob])
    run = qmicli(sim, "--dms-get-ids")
    assert run.returncode == 0, run.explain()
    assert run.fields["IMEI"] == sim.modem.personality.imei
    run = qmicli(sim, "--dms-get-operating-mode")
    assert run.returncode == 0, run.explain()
    assert run.fields["Mode"] == "low-power"  # locked: the radio cannot be online
    assert run.fields["HW restricted"] == "no"
    assert "get-ids" in sim.kinds() and "get-operating-mode" in sim.kinds()


# --- the lock, as real clients see it -------------------------------------------------------


def test_real_clients_see_the_fcc_lock_and_the_unlock(real_sim, mbimcli, qmicli):
    sim = real_sim()
    radio = mbimcli(sim, "--query-radio-state")
    assert radio.returncode == 0, radio.explain()
    assert (radio.fields["Hardware radio state"], radio.fields["Software radio state"]) == ("on", "off")

    refused = mbimcli(sim, "--set-radio-state=on")
    assert refused.returncode != 0
    assert "OperationNotAllowed" in refused.stderr
    refused = qmicli(sim, "--dms-set-operating-mode=online")
    assert refused.returncode != 0
    assert "InvalidTransition" in refused.stderr

    unlock = qmicli(sim, "--dms-set-fcc-authentication")
    assert unlock.returncode == 0, unlock.explain()
    online = qmicli(sim, "--dms-set-operating-mode=online")
    assert online.returncode == 0, online.explain()
    mode = qmicli(sim, "--dms-get-operating-mode")
    assert mode.fields["Mode"] == "online"
    radio = mbimcli(sim, "--query-radio-state")
    assert radio.fields["Software radio state"] == "on"
    off = mbimcli(sim, "--set-radio-state=off")
    assert off.returncode == 0, off.explain()
    assert off.fields["Software radio state"] == "off"


def test_real_clients_see_the_hardware_radio_switch(real_sim, mbimcli, qmicli):
    """rfkill, not an FCC lock: both tools report the hardware switch off."""
    sim = real_sim(hardware_switch_off=True)
    radio = mbimcli(sim, "--query-radio-state")
    assert radio.returncode == 0, radio.explain()
    assert radio.fields["Hardware radio state"] == "off"
    mode = qmicli(sim, "--dms-get-operating-mode")
    assert mode.returncode == 0, mode.explain()
    assert mode.fields["HW restricted"] == "yes"


def test_qmicli_names_the_error_the_simulator_answers(real_sim, qmicli):
    """A refused unlock reaches libqmi as the QMI error we meant, and qmicli still
    releases its client id."""
    sim = real_sim(qmi_error=71)
    run = qmicli(sim, "--dms-set-fcc-authentication")
    assert run.returncode != 0
    assert "QMI protocol error (71): 'InvalidQmiCommand'" in run.stderr
    assert sim.kinds()[-2:] == ["qmi-release", "close"]
    with sim.sim.lock:
        assert sim.modem.locked and sim.modem.clients == {}
