"""The end of a udev run on a cdc-wdm node: the network interface the rule kept from
ModemManager gets a "change" event (docs/modemmanager.md §4.2)."""

from __future__ import annotations

import os

from fcc_unlock.host.sysfs import net_interfaces_beside, release_held_interfaces


def fake_sysfs(root):
    interface = root / "devices" / "usb1" / "1-1" / "1-1:1.0"
    (interface / "usbmisc" / "cdc-wdm0").mkdir(parents=True)
    (interface / "net" / "wwan0").mkdir(parents=True)
    (interface / "net" / "wwan0" / "uevent").write_text("")
    classes = root / "class" / "usbmisc"
    classes.mkdir(parents=True)
    os.symlink(interface / "usbmisc" / "cdc-wdm0", classes / "cdc-wdm0")
    os.symlink(interface, interface / "usbmisc" / "cdc-wdm0" / "device")
    return root, interface


def test_the_interface_beside_the_node_gets_a_change_event(tmp_path):
    sysfs, interface = fake_sysfs(tmp_path)
    assert [os.path.basename(p) for p in net_interfaces_beside("/dev/cdc-wdm0", str(sysfs))] == ["wwan0"]
    assert release_held_interfaces("/dev/cdc-wdm0", str(sysfs)) == ["wwan0"]
    assert (interface / "net" / "wwan0" / "uevent").read_text() == "change"


def test_nothing_else_is_written(tmp_path):
    sysfs, interface = fake_sysfs(tmp_path)
    # Not a cdc-wdm node (a wwan port, a tty, a pty), or a node without an interface.
    for node in ("/dev/wwan0mbim0", "/dev/ttyUSB2", "/dev/pts/3", "/dev/cdc-wdm1"):
        assert release_held_interfaces(node, str(sysfs)) == []
    assert (interface / "net" / "wwan0" / "uevent").read_text() == ""


def test_an_interface_that_went_away_is_passed_over(tmp_path):
    sysfs, interface = fake_sysfs(tmp_path)
    os.unlink(interface / "net" / "wwan0" / "uevent")
    assert release_held_interfaces("/dev/cdc-wdm0", str(sysfs)) == []
