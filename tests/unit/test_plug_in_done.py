"""The end of a udev run on a USB modem's cdc-wdm node leaves the file the rule's wait on
the modem's network interface looks for (docs/modemmanager.md §4.2)."""

from __future__ import annotations

import os

from test_device_lock import fake_sysfs

from fcc_unlock.cli import unlock as cli_unlock
from fcc_unlock.host import sysfs as host_sysfs
from fcc_unlock.tools import udev_rules


def with_numbers(root):
    sysfs = fake_sysfs(root / "sys")
    usb = sysfs / "devices" / "pci0000:00" / "0000:00:14.0" / "usb2" / "2-1"
    (usb / "busnum").write_text("2\n")
    (usb / "devnum").write_text("7\n")
    return sysfs


def test_a_plug_in_is_the_usb_devices_bus_and_device_numbers(tmp_path):
    sysfs = with_numbers(tmp_path)
    assert host_sysfs.plug_in_of("/dev/null", str(sysfs)) == ("2", "7")  # /dev/null stands in for cdc-wdm0
    assert host_sysfs.plug_in_of("/dev/full", str(sysfs)) is None  # the PCI modem


def test_the_file_is_the_one_the_rule_waits_for(tmp_path, monkeypatch):
    sysfs = with_numbers(tmp_path)
    locks = tmp_path / "locks"
    monkeypatch.setenv("FCC_UNLOCK_LOCK_DIR", str(locks))
    real = host_sysfs.plug_in_of
    monkeypatch.setattr(host_sysfs, "plug_in_of", lambda node: real(node, str(sysfs)))
    cli_unlock.mark_plug_in_done("/dev/null")
    assert os.listdir(locks) == ["plug-2-7.done"]
    # The rule's wait names the same file, from the USB device's own attributes.
    assert "/run/lock/fcc-unlock/plug-$attr{busnum}-$attr{devnum}.done" in udev_rules.HOLD
    # Not a USB modem: nothing is left.
    cli_unlock.mark_plug_in_done("/dev/full")
    assert os.listdir(locks) == ["plug-2-7.done"]


def test_a_lock_directory_others_may_write_gets_nothing(tmp_path, monkeypatch):
    sysfs = with_numbers(tmp_path)
    locks = tmp_path / "shared"
    locks.mkdir(mode=0o777)
    os.chmod(locks, 0o777)
    monkeypatch.setenv("FCC_UNLOCK_LOCK_DIR", str(locks))
    real = host_sysfs.plug_in_of
    monkeypatch.setattr(host_sysfs, "plug_in_of", lambda node: real(node, str(sysfs)))
    cli_unlock.mark_plug_in_done("/dev/null")
    assert os.listdir(locks) == []
