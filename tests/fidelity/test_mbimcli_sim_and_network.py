"""Debian's real mbimcli (libmbim 1.28) asks the simulated modem what ModemManager asks
while it enables a modem: the SIM, the PIN, the home provider, the registration, the
packet service and the signal (docs/protocol.md §2.7). Each knob's answer must reach
the tool as meant, and the FCC lock must hold the network until the real unlock and
RADIO_STATE ON.
"""

from __future__ import annotations

import re

from fcc_unlock.sim import subscriber


def signal(stdout: str) -> dict[str, str]:
    """mbimcli's signal lines (``RSSI [0-31,99]: '20'``), by the name before the bracket."""
    return {
        m.group(1).strip(): m.group(2)
        for m in re.finditer(r"^\s*([A-Za-z ]+?)(?: \[.*?\])?: '(.*)'$", stdout, re.M)
    }


def test_mbimcli_reads_the_sim(real_sim, mbimcli):
    sim = real_sim()
    ready = mbimcli(sim, "--query-subscriber-ready-status")
    assert ready.returncode == 0, ready.explain()
    assert ready.fields["Ready state"] == "initialized"
    assert ready.fields["Subscriber ID"] == subscriber.IMSI
    assert ready.fields["SIM ICCID"] == subscriber.ICCID
    assert f"Telephone numbers: (1) '{subscriber.TELEPHONE_NUMBER}'" in ready.stdout
    pin = mbimcli(sim, "--query-pin-state")
    assert (pin.fields["PIN state"], pin.fields["PIN type"], pin.fields["Remaining attempts"]) == (
        "unlocked",
        "pin1",
        "3",
    )
    home = mbimcli(sim, "--query-home-provider")
    assert (home.fields["Provider ID"], home.fields["Provider name"], home.fields["State"]) == (
        "00101",
        "Test Network",
        "home",
    )
    assert all(run.complaints == [] for run in (ready, pin, home))
    assert sim.kinds().count("subscriber-ready-status") == 1 and "home-provider" in sim.kinds()


def test_mbimcli_sees_the_fcc_lock_hold_the_network_until_the_unlock(real_sim, mbimcli, qmicli):
    sim = real_sim()

    def network() -> tuple[str, str, str]:
        registration = mbimcli(sim, "--query-registration-state")
        packet = mbimcli(sim, "--query-packet-service-state")
        rssi = signal(mbimcli(sim, "--query-signal-state").stdout)["RSSI"]
        assert registration.returncode == packet.returncode == 0, registration.explain() + packet.explain()
        return registration.fields["Register state"], packet.fields["Packet service state"], rssi

    assert network() == ("deregistered", "detached", "99")
    assert mbimcli(sim, "--set-radio-state=on").returncode != 0  # OperationNotAllowed: the lock
    attach = mbimcli(sim, "--attach-packet-service")
    assert attach.returncode != 0 and "RadioPowerOff" in attach.stderr
    assert qmicli(sim, "--dms-set-fcc-authentication").returncode == 0
    assert network() == ("deregistered", "detached", "99")  # unlocked, the radio still off
    on = mbimcli(sim, "--set-radio-state=on")
    assert on.returncode == 0, on.explain()
    assert network() == ("home", "attached", "20")
    registered = mbimcli(sim, "--register-automatic")
    assert registered.returncode == 0, registered.explain()
    assert registered.fields["Provider name"] == "Test Network"
    assert registered.fields["Available data classes"] == "lte"
    detach = mbimcli(sim, "--detach-packet-service")
    assert detach.returncode == 0 and detach.fields["Packet service state"] == "detached", detach.explain()
    thresholds = mbimcli(
        sim, "--set-signal-state=signal-strength-interval=5,rssi-threshold=2,error-rate-threshold=1"
    )
    assert thresholds.returncode == 0, thresholds.explain()
    assert signal(thresholds.stdout) == {
        "RSSI": "20",
        "Error rate": "0",
        "Signal strength interval": "5",
        "RSSI threshold": "2",
        "Error rate threshold": "1",
    }


def test_mbimcli_enters_the_pin(real_sim, mbimcli):
    sim = real_sim(pin_locked=True)
    ready = mbimcli(sim, "--query-subscriber-ready-status")
    assert ready.fields["Ready state"] == "device-locked"
    assert ready.fields["SIM ICCID"] == subscriber.ICCID
    home = mbimcli(sim, "--query-home-provider")
    assert home.returncode != 0 and "PinRequired" in home.stderr
    wrong = mbimcli(sim, "--enter-pin=0000")
    assert wrong.returncode != 0 and "Failure" in wrong.stderr
    pin = mbimcli(sim, "--query-pin-state")
    assert (pin.fields["PIN state"], pin.fields["Remaining attempts"]) == ("locked", "2")
    right = mbimcli(sim, f"--enter-pin={subscriber.PIN}")
    assert right.returncode == 0, right.explain()
    assert (right.fields["PIN state"], right.fields["Remaining attempts"]) == ("unlocked", "3")
    ready = mbimcli(sim, "--query-subscriber-ready-status")
    assert ready.fields["Ready state"] == "initialized"
    assert ready.fields["Subscriber ID"] == subscriber.IMSI


def test_mbimcli_finds_no_sim(real_sim, mbimcli):
    sim = real_sim(no_sim=True)
    ready = mbimcli(sim, "--query-subscriber-ready-status")
    assert ready.returncode == 0, ready.explain()
    assert ready.fields["Ready state"] == "sim-not-inserted"
    pin = mbimcli(sim, "--query-pin-state")
    assert pin.returncode != 0 and "SimNotInserted" in pin.stderr


def test_mbimcli_sees_no_network_in_range(real_sim, mbimcli):
    sim = real_sim(unlocked=True, not_registered=True)
    assert mbimcli(sim, "--set-radio-state=on").returncode == 0
    registration = mbimcli(sim, "--query-registration-state")
    assert registration.returncode == 0, registration.explain()
    assert registration.fields["Register state"] == "searching"
    assert registration.fields["Provider ID"] == "unknown"  # mbimcli's word for an empty string
    assert signal(mbimcli(sim, "--query-signal-state").stdout)["RSSI"] == "99"
