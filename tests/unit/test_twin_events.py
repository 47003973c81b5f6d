"""A USB MBIM modem's two udev events (docs/modemmanager.md §4.2): the rule runs on the
cdc-wdm node and on the network interface, and whichever run takes the modem's lock
second finds the first one's unlock of this plug-in noted in the lock and leaves the
modem alone, so the modem is unlocked once and both events wait for it."""

from __future__ import annotations

import os
import threading

from test_device_lock import fake_sysfs

from fcc_unlock import run as runner
from fcc_unlock.host.lock import DeviceLock
from fcc_unlock.host.sysfs import control_port_of_net, plug_in_of
from fcc_unlock.sim.model import SimModem
from fcc_unlock.sim.personalities import PERSONALITIES
from fcc_unlock.sim.pty import PtyModem

PLUG = "usb 2:7"


def with_interface(root):
    """fake_sysfs() plus the network interface cdc_mbim makes beside cdc-wdm0, and the
    USB device's enumeration numbers."""
    sysfs = fake_sysfs(root)
    usb = sysfs / "devices" / "pci0000:00" / "0000:00:14.0" / "usb2" / "2-1"
    (usb / "busnum").write_text("2\n")
    (usb / "devnum").write_text("7\n")
    net = usb / "2-1:1.12" / "net" / "wwan0"
    net.mkdir(parents=True)
    (sysfs / "class" / "net").mkdir(parents=True)
    os.symlink(net, sysfs / "class" / "net" / "wwan0")
    os.symlink("../../../../../../../class/net", net / "subsystem")
    os.symlink("../../../2-1:1.12", net / "device")
    return sysfs


def test_the_node_beside_a_network_interface(tmp_path):
    sysfs = with_interface(tmp_path)
    assert control_port_of_net(str(sysfs / "class" / "net" / "wwan0")) == "/dev/cdc-wdm0"
    # Not a network interface, or one without a node beside it: nothing.
    assert control_port_of_net(str(sysfs / "devices")) is None
    assert control_port_of_net(str(tmp_path / "nowhere")) is None


def test_a_plug_in_is_the_usb_devices_bus_and_device_numbers(tmp_path):
    sysfs = with_interface(tmp_path)
    assert plug_in_of("/dev/null", str(sysfs)) == PLUG  # /dev/null stands in for cdc-wdm0
    assert plug_in_of("/dev/full", str(sysfs)) is None  # the PCI modem
    (sysfs / "devices" / "pci0000:00" / "0000:00:14.0" / "usb2" / "2-1" / "devnum").write_text("8\n")
    assert plug_in_of("/dev/null", str(sysfs)) == "usb 2:8"  # enumerated again: another plug-in


def test_a_note_is_read_back_by_the_next_holder_only(tmp_path):
    first = DeviceLock("usb-2-1", str(tmp_path))
    first.acquire(1e9)
    assert first.noted() == ""
    first.note(f"{PLUG} unlocked at 100.000")
    first.release()
    assert first.noted() == ""  # not held: nothing
    second = DeviceLock("usb-2-1", str(tmp_path))
    second.acquire(1e9)
    assert second.noted() == f"{PLUG} unlocked at 100.000"
    second.release()


def test_a_note_counts_for_its_plug_in_and_for_a_short_while():
    note = f"{PLUG} unlocked at 100.000"
    assert runner.plug_in_unlocked(note, PLUG, 101.0)
    assert not runner.plug_in_unlocked(note, "usb 2:8", 101.0)  # re-plugged since
    assert not runner.plug_in_unlocked(note, PLUG, 100.0 + runner.TWIN_SECONDS)  # a later trigger
    assert not runner.plug_in_unlocked(note, PLUG, 99.0)  # from before a clock we cannot trust
    for junk in ("", "unlocked at", f"{PLUG} unlocked at soon", "\x00" * 40):
        assert not runner.plug_in_unlocked(junk, PLUG, 101.0)


def unlock(sim, lock_dir, plug=PLUG):
    return runner.unlock(sim.path, "sierra", 5.0, lock_dir=lock_dir, occasion="hotplug", once_per_plug=plug)


def kinds(modem, sim):
    with sim.lock:
        return [received.kind for received in modem.transcript]


def test_the_second_run_of_a_plug_in_leaves_the_modem_alone(tmp_path):
    modem = SimModem(PERSONALITIES["sierra"]())
    with PtyModem(modem) as sim:
        first = unlock(sim, str(tmp_path))
        assert first.ok and not first.twin and first.result == "unlocked"
        second = unlock(sim, str(tmp_path))
        assert second.ok and second.twin and second.result == runner.UNLOCKED_BY_TWIN
        assert kinds(modem, sim) == ["open", "qmi-allocate", "fcc-auth", "qmi-release", "close"]
        # Another plug-in of the same modem (a power loss) is unlocked again.
        modem.locked = True
        third = unlock(sim, str(tmp_path), plug="usb 2:8")
        assert third.ok and not third.twin and not modem.locked


def test_a_failed_unlock_leaves_no_note_so_the_twin_tries(tmp_path):
    modem = SimModem(PERSONALITIES["sierra"]())
    modem.faults.qmi_error = 0x0E  # the unlock refused
    with PtyModem(modem) as sim:
        assert not unlock(sim, str(tmp_path)).ok
        modem.faults.qmi_error = 0
        retry = unlock(sim, str(tmp_path))
        assert retry.ok and not retry.twin and not modem.locked


def test_both_events_at_once_unlock_once(tmp_path):
    modem = SimModem(PERSONALITIES["sierra"]())
    modem.faults.latency = 0.05  # both runs are in flight together
    with PtyModem(modem) as sim:
        outcomes = []
        runs = [
            threading.Thread(target=lambda: outcomes.append(unlock(sim, str(tmp_path)))) for _ in range(2)
        ]
        for thread in runs:
            thread.start()
        for thread in runs:
            thread.join(20)
        assert sorted(o.twin for o in outcomes) == [False, True] and all(o.ok for o in outcomes)
        assert kinds(modem, sim).count("fcc-auth") == 1 and not modem.locked


def test_without_once_per_plug_every_run_unlocks(tmp_path):
    modem = SimModem(PERSONALITIES["sierra"]())
    with PtyModem(modem) as sim:
        for _ in range(2):
            outcome = runner.unlock(sim.path, "sierra", 5.0, lock_dir=str(tmp_path), occasion="hotplug")
            assert outcome.ok and not outcome.twin
        assert kinds(modem, sim).count("fcc-auth") == 2
