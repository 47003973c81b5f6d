"""The files a udev run on a USB MBIM modem's node leaves, and the rule's wait on the
modem's network interface that reads them (host/plug_in.py, docs/modemmanager.md §4.2).
The wait is the shipped rule's own shell command, run here with /bin/sh."""

from __future__ import annotations

import os
import subprocess
import time

import pytest
from test_device_lock import fake_sysfs

from fcc_unlock import cli
from fcc_unlock.errors import ExitCode
from fcc_unlock.host import plug_in
from fcc_unlock.host import sysfs as host_sysfs
from fcc_unlock.tools import udev_rules

RULE_DIR = "/run/lock/fcc-unlock"


def with_numbers(root, driver="cdc_mbim"):
    sysfs = fake_sysfs(root / "sys")
    usb = sysfs / "devices" / "pci0000:00" / "0000:00:14.0" / "usb2" / "2-1"
    (usb / "busnum").write_text("2\n")
    (usb / "devnum").write_text("7\n")
    drivers = sysfs / "bus" / "usb" / "drivers" / driver
    drivers.mkdir(parents=True)
    os.symlink(drivers, usb / "2-1:1.12" / "driver")
    return sysfs


@pytest.fixture
def locks(tmp_path, monkeypatch):
    """The lock directory, and sysfs with /dev/null as a cdc_mbim node of USB device 2-7."""
    sysfs = with_numbers(tmp_path)
    real = host_sysfs.plug_in_of
    monkeypatch.setattr(host_sysfs, "plug_in_of", lambda node: real(node, str(sysfs)))
    directory = tmp_path / "locks"
    monkeypatch.setenv("FCC_UNLOCK_LOCK_DIR", str(directory))
    return directory


def test_a_plug_in_is_the_usb_devices_bus_and_device_numbers(tmp_path):
    sysfs = with_numbers(tmp_path)
    assert host_sysfs.plug_in_of("/dev/null", str(sysfs)) == ("2", "7")  # /dev/null stands in for cdc-wdm0
    assert host_sysfs.plug_in_of("/dev/zero", str(sysfs)) is None  # its wwan twin: not the node
    assert host_sysfs.plug_in_of("/dev/full", str(sysfs)) is None  # the PCI modem
    assert host_sysfs.plug_in_of("/dev/missing", str(sysfs)) is None


def test_a_qmi_wwan_node_has_no_plug_in(tmp_path):
    # The rule holds back cdc_mbim's interfaces only: a file nobody takes away is left out.
    sysfs = with_numbers(tmp_path, driver="qmi_wwan")
    assert host_sysfs.plug_in_of("/dev/null", str(sysfs)) is None


def test_announce_leaves_our_process_id_and_finish_the_end(locks):
    plug_in.announce("/dev/null")
    assert os.listdir(locks) == ["plug-2-7.run"]
    assert (locks / "plug-2-7.run").read_text() == f"{os.getpid()}\n"
    plug_in.finish("/dev/null")
    assert sorted(os.listdir(locks)) == ["plug-2-7.done", "plug-2-7.run"]
    # Not a USB MBIM node: nothing is left.
    plug_in.announce("/dev/full")
    plug_in.finish("/dev/full")
    assert sorted(os.listdir(locks)) == ["plug-2-7.done", "plug-2-7.run"]


def test_announce_takes_away_an_earlier_enumerations_end(locks):
    plug_in.finish("/dev/null")
    plug_in.announce("/dev/null")
    assert os.listdir(locks) == ["plug-2-7.run"]


def test_a_lock_directory_others_may_write_gets_nothing(locks):
    locks.mkdir(mode=0o777)
    os.chmod(locks, 0o777)
    plug_in.announce("/dev/null")
    plug_in.finish("/dev/null")
    assert os.listdir(locks) == []


def test_the_files_are_the_ones_the_rule_waits_for():
    assert udev_rules.HOLD.count(f"f={RULE_DIR}/plug-$attr{{busnum}}-$attr{{devnum}};") == 1
    assert f"$$f.{plug_in.DONE}" in udev_rules.HOLD and f"$$f.{plug_in.RUNNING}" in udev_rules.HOLD
    assert os.path.basename(plug_in.path_of(("2", "7"), plug_in.DONE, RULE_DIR)) == "plug-2-7.done"


@pytest.mark.parametrize("device", ["/dev/missing-node", "/dev/null"])
def test_a_udev_run_announces_itself_and_finishes_however_it_ends(device, monkeypatch):
    calls = []
    monkeypatch.setattr(plug_in, "announce", lambda node: calls.append(("announce", node)))
    monkeypatch.setattr(plug_in, "finish", lambda node: calls.append(("finish", node)))
    monkeypatch.setenv("FCC_UNLOCK_SYSLOG_SOCKET", "/nonexistent/log")
    code = cli.main(["--udev", device])
    assert code in (ExitCode.IO_ERROR, ExitCode.UNSUPPORTED), code
    assert calls == [("announce", device), ("finish", device)]
    calls.clear()
    cli.main([device])  # by hand: no wait to serve
    assert calls == []


# --- the wait itself --------------------------------------------------------------------


def wait_command(directory):
    """The shipped rule's wait as udev hands it to /bin/sh: $$ is $, $attr{} the numbers."""
    text = udev_rules.HOLD.split('RUN+="', 1)[1].rstrip('"')
    text = text.replace("$attr{busnum}", "2").replace("$attr{devnum}", "7").replace("$$", "$")
    text = text.replace(RULE_DIR, str(directory))
    assert text.startswith("/bin/sh -c '") and text.endswith("'")
    return ["/bin/sh", "-c", text[len("/bin/sh -c '") : -1]]


def start_wait(directory):
    return time.monotonic(), subprocess.Popen(wait_command(directory))


def waited(started, process, limit=15):
    assert process.wait(limit) == 0
    return time.monotonic() - started


def test_the_wait_ends_at_once_when_the_unlock_has_ended(tmp_path):
    (tmp_path / "plug-2-7.done").touch()
    (tmp_path / "plug-2-7.run").write_text(f"{os.getpid()}\n")
    assert waited(*start_wait(tmp_path)) < 0.9  # before the grace
    assert os.listdir(tmp_path) == []  # taken away: a later device with the numbers waits


def test_the_wait_ends_after_its_grace_when_no_run_came(tmp_path):
    elapsed = waited(*start_wait(tmp_path))
    assert 0.9 <= elapsed < 5  # about 1 s: five looks 0.2 s apart, not the 10 s deadline


def test_the_wait_goes_on_while_the_run_lives_and_ends_at_its_end(tmp_path):
    run = subprocess.Popen(["sleep", "30"])
    try:
        (tmp_path / "plug-2-7.run").write_text(f"{run.pid}\n")
        started, wait = start_wait(tmp_path)
        time.sleep(1.6)  # past the grace
        assert wait.poll() is None
        (tmp_path / "plug-2-7.done").touch()
        assert 1.6 <= waited(started, wait) < 5
        assert os.listdir(tmp_path) == []
    finally:
        run.kill()
        run.wait()


def test_the_wait_ends_when_the_run_died_without_an_end(tmp_path):
    run = subprocess.Popen(["sleep", "30"])
    try:
        (tmp_path / "plug-2-7.run").write_text(f"{run.pid}\n")
        started, wait = start_wait(tmp_path)
        time.sleep(1.4)
        assert wait.poll() is None
    finally:
        run.kill()
        run.wait()
    assert waited(started, wait) < 4  # the next look after the death, not the deadline
    assert os.listdir(tmp_path) == []


def test_a_file_that_is_not_a_number_ends_the_wait(tmp_path):
    (tmp_path / "plug-2-7.run").write_text("")
    assert waited(*start_wait(tmp_path)) < 0.9
