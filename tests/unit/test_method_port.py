"""The port a method speaks on, found among the modem's ports (host/sysfs.py port_for(),
docs/devices.md §2), on a fake sysfs tree laid out as the kernel does."""

from __future__ import annotations

import os

from fcc_unlock.cli.unlock import method_port
from fcc_unlock.host.sysfs import port_for


def device_dir(sysfs, *parts):
    path = sysfs.joinpath("devices", *parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def add_port(sysfs, modem, device_class, name, port_type=None, interface=None, major=234, minor=0):
    parent = modem / interface if interface else modem
    node = parent / device_class / name
    node.mkdir(parents=True)
    if interface:
        (parent / "bInterfaceNumber").write_text(interface.rsplit(".", 1)[1] + "\n")
    if port_type:
        (node / "type").write_text(port_type + "\n")
    (sysfs / "class" / device_class).mkdir(parents=True, exist_ok=True)
    (sysfs / "class" / device_class / name).symlink_to(node)
    (sysfs / "dev" / "char").mkdir(parents=True, exist_ok=True)
    (sysfs / "dev" / "char" / f"{major}:{minor}").symlink_to(node)
    return node


def pci_modem(sysfs):
    modem = device_dir(sysfs, "pci0000:00", "0000:00:1c.0", "0000:05:00.0")
    (modem / "subsystem").symlink_to(device_dir(sysfs, "..", "bus", "pci"))
    return modem


def test_an_at_method_given_the_mbim_port_gets_the_first_at_port(tmp_path, monkeypatch):
    modem = pci_modem(tmp_path)
    add_port(tmp_path, modem, "wwan", "wwan0at1", "AT", minor=2)
    add_port(tmp_path, modem, "wwan", "wwan0at0", "AT", minor=1)
    add_port(tmp_path, modem, "wwan", "wwan0mbim0", "MBIM", minor=0)
    node = tmp_path / "wwan0mbim0"
    node.touch()
    monkeypatch.setattr(os, "stat", fake_stat(os.stat, {str(node): os.makedev(234, 0)}))
    assert port_for(str(node), "AT", str(tmp_path), "/dev") == "/dev/wwan0at0"
    assert port_for(str(node), "XMMRPC", str(tmp_path), "/dev") == str(node)  # none: the check says so
    assert port_for(str(node), "MBIM", str(tmp_path), "/dev") == str(node)


def test_a_usb_modem_without_wwan_at_ports_gets_its_first_serial_port(tmp_path, monkeypatch):
    modem = device_dir(tmp_path, "pci0000:00", "usb1", "1-1")
    (modem / "idVendor").write_text("33f8\n")
    (modem / "idProduct").write_text("01a8\n")
    add_port(tmp_path, modem, "tty", "ttyUSB5", interface="1-1:1.4", major=188, minor=5)
    add_port(tmp_path, modem, "tty", "ttyUSB3", interface="1-1:1.2", major=188, minor=3)
    add_port(tmp_path, modem, "usbmisc", "cdc-wdm0", interface="1-1:1.0", major=180, minor=0)
    node = tmp_path / "cdc-wdm0"
    node.touch()
    monkeypatch.setattr(os, "stat", fake_stat(os.stat, {str(node): os.makedev(180, 0)}))
    assert port_for(str(node), "AT", str(tmp_path), "/dev") == "/dev/ttyUSB3"


def test_a_port_of_the_right_type_and_a_pty_are_kept():
    assert method_port("/dev/pts/7", "fm350-at") == "/dev/pts/7"
    assert method_port("/dev/cdc-wdm0", "sierra") == "/dev/cdc-wdm0"


def fake_stat(real, nodes):
    class Result:
        def __init__(self, rdev):
            self.st_rdev = rdev

    def stat(path, *args, **kwargs):
        if str(path) in nodes:
            return Result(nodes[str(path)])
        return real(path, *args, **kwargs)

    return stat


def test_only_the_first_serial_port_of_a_usb_modem_triggers_the_unlock(tmp_path, monkeypatch):
    from fcc_unlock.cli import unlock as cli_unlock
    from fcc_unlock.host import sysfs

    modem = device_dir(tmp_path, "pci0000:00", "usb1", "1-1")
    (modem / "idVendor").write_text("33f8\n")
    (modem / "idProduct").write_text("01a8\n")
    add_port(tmp_path, modem, "tty", "ttyUSB5", interface="1-1:1.4", major=188, minor=5)
    add_port(tmp_path, modem, "tty", "ttyUSB3", interface="1-1:1.2", major=188, minor=3)
    nodes = {}
    for name, minor in (("ttyUSB3", 3), ("ttyUSB5", 5)):
        node = tmp_path / name
        node.touch()
        nodes[str(node)] = os.makedev(188, minor)
    monkeypatch.setattr(os, "stat", fake_stat(os.stat, nodes))
    assert sysfs.first_serial_port(str(tmp_path / "ttyUSB5"), str(tmp_path), "/dev") == "/dev/ttyUSB3"
    real = sysfs.first_serial_port
    monkeypatch.setattr(sysfs, "first_serial_port", lambda d: real(d, str(tmp_path), "/dev"))
    assert cli_unlock.is_trigger_port(str(tmp_path / "ttyUSB3"))
    assert not cli_unlock.is_trigger_port(str(tmp_path / "ttyUSB5"))
    assert cli_unlock.is_trigger_port("/dev/cdc-wdm0")  # not a serial port: always
    # By hand a serial port named is used as it is.
    assert port_for(str(tmp_path / "ttyUSB5"), "AT", str(tmp_path), "/dev") == str(tmp_path / "ttyUSB5")
