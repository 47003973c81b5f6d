"""A USB MBIM modem's two udev events (docs/modemmanager.md §4.2): the rule's run on the
cdc-wdm node unlocks and notes in the modem's lock how it ended for this plug-in; the
run on the network interface waits for that note, so both events reach ModemManager
only after the unlock, and only one run talks to the modem."""

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
    assert runner.plug_in_noted(note, PLUG, 101.0) == "unlocked"
    assert runner.plug_in_noted(f"{PLUG} failed at 100.000", PLUG, 101.0) == "failed"
    assert runner.plug_in_noted(note, "usb 2:8", 101.0) is None  # re-plugged since
    assert runner.plug_in_noted(note, PLUG, 100.0 + runner.TWIN_SECONDS) is None  # a later trigger
    assert runner.plug_in_noted(note, PLUG, 99.0) is None  # from before a clock we cannot trust
    for junk in ("", "unlocked at", f"{PLUG} unlocked at soon", f"{PLUG} sang at 100.0", "\x00" * 40):
        assert runner.plug_in_noted(junk, PLUG, 101.0) is None


def unlock(sim, lock_dir, plug=PLUG):
    return runner.unlock(sim.path, "sierra", 5.0, lock_dir=lock_dir, occasion="hotplug", once_per_plug=plug)


def noted(sim, lock_dir):
    lock = DeviceLock(runner_key(sim.path), lock_dir)
    lock.acquire(1e9)
    try:
        return lock.noted()
    finally:
        lock.release()


def runner_key(path):
    from fcc_unlock.host.lock import device_key

    return device_key(path)


def kinds(modem, sim):
    with sim.lock:
        return [received.kind for received in modem.transcript]


def test_the_nodes_run_notes_how_its_unlock_ended(tmp_path):
    modem = SimModem(PERSONALITIES["sierra"]())
    with PtyModem(modem) as sim:
        assert unlock(sim, str(tmp_path)).ok
        assert runner.plug_in_noted(noted(sim, str(tmp_path)), PLUG, runner.boot_clock()) == "unlocked"
        modem.faults.qmi_error = 0x0E  # the next unlock is refused
        modem.locked = True
        assert not unlock(sim, str(tmp_path), plug="usb 2:8").ok
        assert runner.plug_in_noted(noted(sim, str(tmp_path)), "usb 2:8", runner.boot_clock()) == "failed"


def test_the_interface_waits_for_the_nodes_unlock_and_never_talks_to_the_modem(tmp_path):
    modem = SimModem(PERSONALITIES["sierra"]())
    modem.faults.latency = 0.1  # the unlock takes a while: the waiter must wait it out
    with PtyModem(modem) as sim:
        waited = []
        waiter = threading.Thread(
            target=lambda: waited.append(runner.wait_for_unlock(sim.path, PLUG, 10.0, str(tmp_path)))
        )
        waiter.start()  # before the node's run: its event may come first
        outcome = unlock(sim, str(tmp_path))
        waiter.join(15)
        assert outcome.ok and waited == ["unlocked"]
        assert kinds(modem, sim) == ["open", "qmi-allocate", "fcc-auth", "qmi-release", "close"]


def test_a_wait_in_vain_ends_at_its_deadline(tmp_path):
    modem = SimModem(PERSONALITIES["sierra"]())
    with PtyModem(modem) as sim:
        started = runner.boot_clock()
        assert runner.wait_for_unlock(sim.path, PLUG, 0.5, str(tmp_path)) is None
        assert 0.5 <= runner.boot_clock() - started < 3.0
        # A note of another plug-in does not end the wait either.
        assert unlock(sim, str(tmp_path), plug="usb 2:8").ok
        assert runner.wait_for_unlock(sim.path, PLUG, 0.3, str(tmp_path)) is None
        assert kinds(modem, sim).count("fcc-auth") == 1


def test_every_run_on_the_node_unlocks(tmp_path):
    # A second trigger of the node (udevadm trigger) is not taken for the first's twin.
    modem = SimModem(PERSONALITIES["sierra"]())
    with PtyModem(modem) as sim:
        for _ in range(2):
            assert unlock(sim, str(tmp_path)).ok
        assert kinds(modem, sim).count("fcc-auth") == 2


def test_the_interface_of_the_event_is_told_from_one_that_took_its_name(tmp_path):
    from fcc_unlock.cli.unlock import same_interface

    (tmp_path / "ifindex").write_text("7\n")

    def read(path):
        try:
            return open(path).read().strip()
        except OSError:
            return None

    assert same_interface(str(tmp_path), "7", read)
    assert not same_interface(str(tmp_path), "5", read)  # a later modem's wwan0
    assert not same_interface(str(tmp_path / "gone"), "7", read)  # unplugged
    assert same_interface(str(tmp_path / "gone"), None, read)  # not from udev: nothing to compare
