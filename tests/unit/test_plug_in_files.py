"""The files a udev run on a USB MBIM modem's node leaves, and the rule's wait on the
modem's network interface that reads them (docs/modemmanager.md §4.2): the node's
mark (udev_rules.MARK, before exec), the run's end (host/plug_in.py), the wait
(udev_rules.HOLD). The shell parts are the shipped rule's own commands, run with
/bin/sh as udev hands them over."""

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
from fcc_unlock.host.devices import DEVICES
from fcc_unlock.tools import udev_rules

RULE_DIR = "/run/lock/fcc-unlock"
NOBODY = 65534


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


def test_finish_leaves_the_end_only_for_a_usb_mbim_node(locks):
    plug_in.finish("/dev/null")
    assert os.listdir(locks) == ["plug-2-7.done"]
    plug_in.finish("/dev/full")  # not a USB MBIM node: nothing more
    assert os.listdir(locks) == ["plug-2-7.done"]


def test_a_lock_directory_others_may_write_gets_nothing(locks):
    locks.mkdir(mode=0o777)
    os.chmod(locks, 0o777)
    plug_in.finish("/dev/null")
    assert os.listdir(locks) == []


def test_the_files_are_the_ones_the_rule_names():
    for shell in (udev_rules.MARK, udev_rules.HOLD):
        assert f"d={RULE_DIR}; f=$$d/plug-$attr{{busnum}}-$attr{{devnum}};" in shell
        assert f"$$f.{plug_in.DONE}" in shell and f"$$f.{plug_in.RUNNING}" in shell
    assert os.path.basename(plug_in.path_of(("2", "7"), plug_in.DONE, RULE_DIR)) == "plug-2-7.done"


@pytest.mark.parametrize("device", ["/dev/missing-node", "/dev/null"])
def test_a_udev_run_finishes_however_it_ends(device, monkeypatch):
    calls = []
    monkeypatch.setattr(plug_in, "finish", lambda node: calls.append(node))
    monkeypatch.setenv("FCC_UNLOCK_SYSLOG_SOCKET", "/nonexistent/log")
    code = cli.main(["--udev", device])
    assert code in (ExitCode.IO_ERROR, ExitCode.UNSUPPORTED), code
    assert calls == [device]
    calls.clear()
    cli.main([device])  # by hand: no wait to serve
    assert calls == []


# --- the shell parts, as udev runs them -------------------------------------------------


def as_udev_runs(key, directory, devnode="/dev/cdc-wdm0"):
    """A RUN+= key's command as udev hands it to /bin/sh: $$ is $, %% is %, $attr{} the
    USB device's numbers, $devnode the node; the lock directory is ``directory``."""
    text = key.split('RUN+="', 1)[1].rstrip('"')
    text = text.replace("$attr{busnum}", "2").replace("$attr{devnum}", "7").replace("$devnode", devnode)
    text = text.replace("$$", "$").replace("%%", "%").replace(RULE_DIR, str(directory))
    assert text.startswith("/bin/sh -c '") and text.endswith("'")
    return ["/bin/sh", "-c", text[len("/bin/sh -c '") : -1]]


def node_command(directory, program):
    sierra = next(d for d in DEVICES if d.ids == "1199:9079")
    return as_udev_runs(udev_rules.node_run_key(str(program), sierra), directory)


def script(path, body):
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


def test_the_node_marks_its_run_with_the_pid_fcc_unlock_then_has(tmp_path):
    locks = tmp_path / "locks"
    program = script(
        tmp_path / "fcc-unlock",
        f'echo $$ "$@" > {tmp_path}/seen; cat {locks}/plug-2-7.run >> {tmp_path}/seen; exit 3',
    )
    run = subprocess.run(node_command(locks, program), timeout=10)
    assert run.returncode == 3  # the program's own status: exec, not a child
    pid_and_args, marked = (tmp_path / "seen").read_text().splitlines()
    assert pid_and_args.split() == [
        marked,
        "--udev",
        "--method",
        "sierra",
        "--ids",
        "1199:9079",
        "/dev/cdc-wdm0",
    ]
    assert oct(locks.stat().st_mode & 0o777) == "0o755"  # made by the node's run, not shared


def test_the_node_takes_away_an_earlier_enumerations_files(tmp_path):
    locks = tmp_path / "locks"
    locks.mkdir()
    (locks / "plug-2-7.done").touch()
    (locks / "plug-2-7.run").write_text("1\n")
    program = script(tmp_path / "fcc-unlock", "exit 0")
    assert subprocess.run(node_command(locks, program), timeout=10).returncode == 0
    assert os.listdir(locks) == ["plug-2-7.run"]
    assert (locks / "plug-2-7.run").read_text() != "1\n"


@pytest.mark.parametrize("how", ["someone else's", "a symlink"])
def test_the_node_leaves_nothing_in_a_directory_not_roots(tmp_path, how):
    if os.geteuid() != 0:
        pytest.skip("the directory's owner is checked against root")
    locks, real = tmp_path / "locks", tmp_path / "elsewhere"
    real.mkdir()
    if how == "a symlink":
        locks.symlink_to(real)
    else:
        locks.mkdir()
        os.chown(locks, NOBODY, NOBODY)
    program = script(tmp_path / "fcc-unlock", f"touch {tmp_path}/ran")
    assert subprocess.run(node_command(locks, program), timeout=10).returncode == 0
    assert (tmp_path / "ran").exists()  # the unlock runs all the same
    assert os.listdir(real) == [] and (how == "a symlink" or os.listdir(locks) == [])


def start_wait(directory, env=None):
    return time.monotonic(), subprocess.Popen(as_udev_runs(udev_rules.HOLD, directory), env=env)


def waited(started, process, limit=15):
    assert process.wait(limit) == 0
    return time.monotonic() - started


@pytest.fixture
def live():
    """A process that lives while the test wants it to."""
    process = subprocess.Popen(["sleep", "30"])
    yield process
    process.kill()
    process.wait()


def test_the_wait_ends_at_once_when_the_unlock_has_ended(tmp_path, live):
    (tmp_path / "plug-2-7.done").touch()
    (tmp_path / "plug-2-7.run").write_text(f"{live.pid}\n")
    assert waited(*start_wait(tmp_path)) < 0.45  # before the grace
    assert os.listdir(tmp_path) == []  # taken away: a later device with the numbers waits


@pytest.mark.parametrize("directory", ["empty", "missing"])
def test_the_wait_ends_after_its_grace_when_no_run_came(tmp_path, directory):
    locks = tmp_path / "locks"
    if directory == "empty":
        locks.mkdir()
    elapsed = waited(*start_wait(locks))
    assert 0.45 <= elapsed < 3  # half a second, not the 10 s deadline


def test_the_grace_is_the_clocks_however_slow_each_look_is(tmp_path):
    # Under TCG with ModemManager probing, five 0.2 s sleeps took over 3 s, and the
    # interface came after ModemManager had given up on the node alone. Here each sleep
    # takes 1 s: a grace counted in looks would take 3 s or more.
    shims = tmp_path / "bin"
    shims.mkdir()
    script(shims / "sleep", "exec /bin/sleep 1")
    locks = tmp_path / "locks"
    locks.mkdir()
    assert waited(*start_wait(locks, env={"PATH": f"{shims}:/usr/bin:/bin"})) < 2.5


def test_the_wait_goes_on_while_the_run_lives_and_ends_at_its_end(tmp_path, live):
    (tmp_path / "plug-2-7.run").write_text(f"{live.pid}\n")
    started, wait = start_wait(tmp_path)
    time.sleep(1.2)  # past the grace
    assert wait.poll() is None
    (tmp_path / "plug-2-7.done").touch()
    assert 1.2 <= waited(started, wait) < 4
    assert os.listdir(tmp_path) == []


def test_the_wait_ends_when_the_run_died_without_an_end(tmp_path, live):
    (tmp_path / "plug-2-7.run").write_text(f"{live.pid}\n")
    started, wait = start_wait(tmp_path)
    time.sleep(1.0)
    assert wait.poll() is None
    live.kill()
    live.wait()
    assert waited(started, wait) < 3.5  # the next look after the death, not the deadline
    assert os.listdir(tmp_path) == []


def test_a_run_file_still_being_written_is_waited_for(tmp_path):
    (tmp_path / "plug-2-7.run").touch()  # created by the node's shell, its number not yet in
    started, wait = start_wait(tmp_path)
    time.sleep(1.0)
    assert wait.poll() is None
    (tmp_path / "plug-2-7.done").touch()
    assert waited(started, wait) < 3.5


def test_files_in_a_directory_not_roots_do_not_hold_the_interface(tmp_path, live):
    if os.geteuid() != 0:
        pytest.skip("the directory's owner is checked against root")
    locks = tmp_path / "locks"
    locks.mkdir()
    (locks / "plug-2-7.run").write_text(f"{live.pid}\n")
    os.chown(locks, NOBODY, NOBODY)  # what a local user who made /run/lock/fcc-unlock has
    assert waited(*start_wait(locks)) < 3  # the grace, not 10 s


def test_the_node_and_the_wait_together(tmp_path):
    # The node's run takes 1.5 s, its program leaving the end as fcc-unlock does; the
    # interface's event, started at the same time, waits that long and no longer.
    locks = tmp_path / "locks"
    program = script(tmp_path / "fcc-unlock", f"sleep 1.5; touch {locks}/plug-2-7.done")
    started, wait = start_wait(locks)
    node = subprocess.Popen(node_command(locks, program))
    assert 1.5 <= waited(started, wait) < 4
    assert node.wait(10) == 0
    assert os.listdir(locks) == []
