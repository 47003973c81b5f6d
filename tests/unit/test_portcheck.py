"""portcheck: what counts as a modem control port, told from sysfs and the open fd.

A fake sysfs tree stands in for the kernel's: /sys/dev/char/MAJ:MIN links to the
device's directory, whose ``subsystem`` link names its class (usbmisc, wwan, tty, mem),
whose ``device/driver`` link names the USB interface's driver, and whose ``type`` file
names a wwan port's type.
"""

from __future__ import annotations

import os
import stat

import pytest

from fcc_unlock.errors import DeviceError, ExitCode
from fcc_unlock.transport.chardev import CharDevice
from fcc_unlock.transport.portcheck import (
    CDC_WDM,
    PTY,
    SERIAL,
    WWAN,
    CheckedPort,
    NotAModemPort,
    check_port,
    classify,
    verify_opened,
)

CHAR = stat.S_IFCHR | 0o600


def fake_node(sysfs, major, minor, subsystem, name, driver=None, port_type=None):
    """/sys/dev/char/MAJ:MIN -> devices/.../<subsystem>/<name>, as the kernel lays it out."""
    interface = sysfs / "devices" / "pci0000:00" / "usb1" / "1-1" / "1-1:1.0"
    device = interface / subsystem / name
    device.mkdir(parents=True)
    (sysfs / "class" / subsystem).mkdir(parents=True, exist_ok=True)
    (device / "subsystem").symlink_to(sysfs / "class" / subsystem)
    (device / "device").symlink_to(interface)
    if driver:
        (sysfs / "bus" / "usb" / "drivers" / driver).mkdir(parents=True, exist_ok=True)
        if not (interface / "driver").is_symlink():
            (interface / "driver").symlink_to(sysfs / "bus" / "usb" / "drivers" / driver)
    if port_type:
        (device / "type").write_text(port_type + "\n")
    (sysfs / "dev" / "char").mkdir(parents=True, exist_ok=True)
    (sysfs / "dev" / "char" / f"{major}:{minor}").symlink_to(device)
    return os.makedev(major, minor)


def test_cdc_wdm_of_cdc_mbim_is_a_port(tmp_path):
    rdev = fake_node(tmp_path, 180, 0, "usbmisc", "cdc-wdm0", driver="cdc_mbim")
    assert classify(CHAR, rdev, "/dev/cdc-wdm0", "MBIM", str(tmp_path)) == (CDC_WDM, "cdc-wdm0")


def test_cdc_wdm_without_a_driver_link_is_a_port(tmp_path):
    rdev = fake_node(tmp_path, 180, 1, "usbmisc", "cdc-wdm1")
    assert classify(CHAR, rdev, "/dev/cdc-wdm1", "MBIM", str(tmp_path))[0] == CDC_WDM


def test_cdc_wdm_of_qmi_wwan_is_refused(tmp_path):
    rdev = fake_node(tmp_path, 180, 2, "usbmisc", "cdc-wdm2", driver="qmi_wwan")
    with pytest.raises(NotAModemPort, match=r"qmi_wwan control port \(cdc-wdm2\), not an MBIM one"):
        classify(CHAR, rdev, "/dev/cdc-wdm2", "MBIM", str(tmp_path))


def test_other_usbmisc_nodes_are_refused(tmp_path):
    rdev = fake_node(tmp_path, 180, 96, "usbmisc", "hiddev0")
    with pytest.raises(NotAModemPort, match=r"usbmisc class \(hiddev0\)"):
        classify(CHAR, rdev, "/dev/usb/hiddev0", "MBIM", str(tmp_path))


def test_wwan_port_of_the_needed_type_only(tmp_path):
    mbim = fake_node(tmp_path, 234, 0, "wwan", "wwan0mbim0", port_type="MBIM")
    at = fake_node(tmp_path, 234, 1, "wwan", "wwan0at0", port_type="AT")
    assert classify(CHAR, mbim, "/dev/wwan0mbim0", "MBIM", str(tmp_path)) == (WWAN, "wwan0mbim0")
    assert classify(CHAR, at, "/dev/wwan0at0", "AT", str(tmp_path)) == (WWAN, "wwan0at0")
    with pytest.raises(NotAModemPort, match=r"a wwan AT port \(wwan0at0\), not the MBIM port"):
        classify(CHAR, at, "/dev/wwan0at0", "MBIM", str(tmp_path))


def test_serial_ports_and_other_classes_are_refused(tmp_path):
    tty = fake_node(tmp_path, 4, 64, "tty", "ttyS0")
    mem = fake_node(tmp_path, 1, 3, "mem", "null")
    with pytest.raises(NotAModemPort, match=r"serial port \(ttyS0\)"):
        classify(CHAR, tty, "/dev/ttyS0", "MBIM", str(tmp_path))
    with pytest.raises(NotAModemPort, match=r"mem class \(null\)"):
        classify(CHAR, mem, "/dev/null", "MBIM", str(tmp_path))


def test_a_char_device_sysfs_does_not_know_is_refused(tmp_path):
    with pytest.raises(NotAModemPort, match="that sysfs does not know"):
        classify(CHAR, os.makedev(250, 7), "/dev/odd", "MBIM", str(tmp_path))


def test_pty_slaves_are_ports_without_sysfs(tmp_path):
    for major in (136, 143):
        assert classify(CHAR, os.makedev(major, 5), "/dev/pts/5", "MBIM", str(tmp_path)) == (PTY, "pts/5")
    with pytest.raises(NotAModemPort):
        classify(CHAR, os.makedev(144, 5), "/dev/pts/5", "MBIM", str(tmp_path))


@pytest.mark.parametrize(
    "mode, words",
    [
        (stat.S_IFREG, "a regular file"),
        (stat.S_IFDIR, "a directory"),
        (stat.S_IFIFO, "a FIFO"),
        (stat.S_IFSOCK, "a socket"),
        (stat.S_IFBLK, "a block device"),
    ],
)
def test_anything_but_a_char_device_is_refused_by_what_it_is(tmp_path, mode, words):
    with pytest.raises(NotAModemPort, match=f"^{words}, not a modem control port$") as raised:
        classify(mode | 0o600, os.makedev(136, 1), "/x", "MBIM", str(tmp_path))
    assert raised.value.exit_code == ExitCode.UNSUPPORTED


def test_check_port_resolves_symlinks_once(tmp_path, sim):
    link = tmp_path / "modem"
    link.symlink_to(sim.path)
    checked = check_port(str(link))
    assert checked.path == os.path.realpath(sim.path) and checked.kind == PTY
    assert checked.rdev == os.stat(sim.path).st_rdev


def test_missing_is_an_io_error(tmp_path):
    with pytest.raises(DeviceError, match="no such device") as raised:
        check_port(str(tmp_path / "cdc-wdm9"))
    assert raised.value.exit_code == ExitCode.IO_ERROR


def test_what_was_opened_must_be_what_was_checked(sim_factory):
    first, second = sim_factory(), sim_factory()
    checked = check_port(first.path)
    fd = os.open(second.path, os.O_RDWR | os.O_NOCTTY)
    try:
        with pytest.raises(NotAModemPort, match="changed between the check and the open"):
            verify_opened(fd, checked)
    finally:
        os.close(fd)
    # The transport opens the checked path and compares: a swapped path is refused
    # before any byte is written.
    swapped = CheckedPort(os.path.realpath(second.path), checked.rdev, PTY, "pts/x")
    with pytest.raises(NotAModemPort):
        CharDevice(second.path, checked=swapped)
    assert second.modem.transcript == []


def test_chardev_refuses_a_regular_file_without_opening_it(tmp_path):
    victim = tmp_path / "precious"
    victim.write_bytes(b"precious\n")
    before = os.stat(victim)
    with pytest.raises(NotAModemPort, match="a regular file"):
        CharDevice(str(victim))
    after = os.stat(victim)
    assert victim.read_bytes() == b"precious\n"
    assert (after.st_mtime_ns, after.st_size) == (before.st_mtime_ns, before.st_size)


# --- AT methods: wwan AT ports, and the USB serial port of a modem the table unlocks over AT ---


def usb_ids(sysfs, vendor, product):
    device = sysfs / "devices" / "pci0000:00" / "usb1" / "1-1"
    (device / "idVendor").write_text(vendor + "\n")
    (device / "idProduct").write_text(product + "\n")


def test_a_wwan_at_port_is_a_port_for_an_at_method_only(tmp_path):
    rdev = fake_node(tmp_path, 234, 1, "wwan", "wwan0at0", port_type="AT")
    assert classify(CHAR, rdev, "/dev/wwan0at0", "AT", str(tmp_path)) == (WWAN, "wwan0at0")
    with pytest.raises(NotAModemPort, match=r"a wwan AT port \(wwan0at0\), not the MBIM port"):
        classify(CHAR, rdev, "/dev/wwan0at0", "MBIM", str(tmp_path))


def test_the_serial_port_of_a_modem_unlocked_over_at_is_a_port(tmp_path):
    rdev = fake_node(tmp_path, 188, 2, "tty", "ttyUSB2")
    usb_ids(tmp_path, "33f8", "01a8")  # Rolling RW101R-GL
    assert classify(CHAR, rdev, "/dev/ttyUSB2", "AT", str(tmp_path)) == (SERIAL, "ttyUSB2")
    with pytest.raises(NotAModemPort, match=r"not the MBIM port this unlock needs"):
        classify(CHAR, rdev, "/dev/ttyUSB2", "MBIM", str(tmp_path))


@pytest.mark.parametrize("ids", [("1199", "9079"), ("0403", "6001"), None])
def test_any_other_serial_port_is_refused_for_at(tmp_path, ids):
    # A Sierra modem's serial port (its unlock is MBIM), a USB-serial adapter, ttyS0.
    rdev = fake_node(tmp_path, 188, 0, "tty", "ttyUSB0")
    if ids:
        usb_ids(tmp_path, *ids)
    with pytest.raises(NotAModemPort, match=r"serial port \(ttyUSB0\) of no modem in the device table"):
        classify(CHAR, rdev, "/dev/ttyUSB0", "AT", str(tmp_path))
