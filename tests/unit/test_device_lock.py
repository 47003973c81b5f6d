"""The per-device lock: its key (one per modem, twins share it) and bounded waiting."""

from __future__ import annotations

import fcntl
import os
import time

import pytest

from fcc_unlock import run as runner
from fcc_unlock.errors import Busy, DeviceError, ExitCode
from fcc_unlock.host.lock import DeviceLock, LockUnavailable, device_key, lock_device, prepare_directory
from fcc_unlock.host.sysfs import sysfs_ids


def fake_sysfs(root):
    """A USB modem (cdc-wdm0 and its wwan twin) and a PCI/MHI modem, as sysfs lays them out.

    /dev/null (1:3) and /dev/zero (1:5) stand in for the USB pair, /dev/full (1:7) for
    the PCI port: device_key() only needs their major:minor.
    """
    devices = root / "devices"
    usb = devices / "pci0000:00" / "0000:00:14.0" / "usb2" / "2-1"
    interface = usb / "2-1:1.12"
    (interface / "usbmisc" / "cdc-wdm0").mkdir(parents=True)
    (interface / "wwan" / "wwan0" / "wwan0mbim0").mkdir(parents=True)
    (usb / "idVendor").write_text("1199\n")
    (usb / "idProduct").write_text("9079\n")
    pci = devices / "pci0000:00" / "0000:00:1c.0" / "0000:03:00.0"
    port = pci / "mhi0" / "mhi0_MBIM" / "wwan" / "wwan1" / "wwan1mbim0"
    port.mkdir(parents=True)
    (root / "bus" / "pci").mkdir(parents=True)
    (root / "bus" / "usb").mkdir(parents=True)
    os.symlink("../../../../bus/pci", pci / "subsystem")
    os.symlink("../../../bus/pci", pci.parent / "subsystem")
    os.symlink("../../../../../../bus/usb", interface / "subsystem")
    chars = root / "dev" / "char"
    chars.mkdir(parents=True)
    os.symlink(interface / "usbmisc" / "cdc-wdm0", chars / "1:3")
    os.symlink(interface / "wwan" / "wwan0" / "wwan0mbim0", chars / "1:5")
    os.symlink(port, chars / "1:7")
    return root


def test_cdc_wdm_and_its_wwan_twin_share_the_usb_device_key(tmp_path):
    sysfs = fake_sysfs(tmp_path)
    assert device_key("/dev/null", str(sysfs)) == "usb-2-1"
    assert device_key("/dev/zero", str(sysfs)) == "usb-2-1"


def test_pci_port_is_keyed_on_its_pci_function_not_the_root_port(tmp_path):
    sysfs = fake_sysfs(tmp_path)
    assert device_key("/dev/full", str(sysfs)) == "pci-0000:03:00.0"


def test_node_without_a_modem_in_sysfs_is_keyed_by_number(tmp_path, sim):
    info = os.stat(sim.path)
    expected = f"char-{os.major(info.st_rdev)}-{os.minor(info.st_rdev)}"
    assert device_key(sim.path, str(tmp_path)) == expected
    link = tmp_path / "cdc-wdm-sim"
    link.symlink_to(sim.path)
    assert device_key(str(link), str(tmp_path)) == expected  # any name, one lock


def test_walk_stops_at_the_top_of_the_device_tree(tmp_path, sim):
    (tmp_path / "devices" / "virtual" / "tty" / "ptmx").mkdir(parents=True)
    (tmp_path / "dev" / "char").mkdir(parents=True)
    os.symlink(tmp_path / "devices" / "virtual" / "tty" / "ptmx", tmp_path / "dev" / "char" / "1:3")
    assert device_key("/dev/null", str(tmp_path)) == "char-1-3"
    assert sysfs_ids("/dev/null", str(tmp_path)) is None


def test_ids_for_the_log_line_come_from_sysfs(tmp_path):
    sysfs = fake_sysfs(tmp_path)
    pci = sysfs / "devices" / "pci0000:00" / "0000:00:1c.0" / "0000:03:00.0"
    (pci / "vendor").write_text("0x105b\n")
    (pci / "device").write_text("0xe0ab\n")
    assert sysfs_ids("/dev/null", str(sysfs)) == "1199:9079"
    assert sysfs_ids("/dev/zero", str(sysfs)) == "1199:9079"
    assert sysfs_ids("/dev/full", str(sysfs)) == "105b:e0ab"
    assert sysfs_ids("/nonexistent", str(sysfs)) is None


def test_missing_device_is_an_io_error(tmp_path):
    with pytest.raises(DeviceError, match="No such file"):
        device_key(str(tmp_path / "cdc-wdm9"))


def test_second_holder_waits_until_its_deadline_then_is_busy(tmp_path):
    first = DeviceLock("usb-2-1", str(tmp_path))
    first.acquire(time.monotonic() + 1)
    second = DeviceLock("usb-2-1", str(tmp_path))
    start = time.monotonic()
    with pytest.raises(Busy, match="another fcc-unlock is working on this modem") as info:
        second.acquire(start + 0.3)
    waited = time.monotonic() - start
    assert 0.3 <= waited < 0.6
    assert info.value.exit_code == ExitCode.BUSY == 7
    first.release()
    second.acquire(time.monotonic() + 1)
    assert second.waited < 0.1
    second.release()


def test_waiter_gets_the_lock_as_soon_as_it_is_released(tmp_path):
    holder = os.open(tmp_path / "k.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)
    pid = os.fork()
    if pid == 0:  # the other process: hold the lock 0.3 s
        time.sleep(0.3)
        os._exit(0)
    os.close(holder)  # the child's copy of the descriptor keeps the lock
    lock = DeviceLock("k", str(tmp_path))
    lock.acquire(time.monotonic() + 3)
    os.waitpid(pid, 0)
    assert 0.2 <= lock.waited < 0.6
    lock.release()


def test_different_modems_do_not_wait_for_each_other(tmp_path):
    a = DeviceLock("usb-2-1", str(tmp_path))
    a.acquire(time.monotonic() + 1)
    b = DeviceLock("pci-0000:03:00.0", str(tmp_path))
    b.acquire(time.monotonic() + 0.05)
    a.release()
    b.release()


def test_lock_directory_is_created_private(tmp_path):
    directory = tmp_path / "run" / "lock" / "fcc-unlock"
    lock = DeviceLock("x", str(directory))
    lock.acquire(time.monotonic() + 1)
    assert directory.is_dir()
    assert not directory.stat().st_mode & 0o022
    assert (directory / "x.lock").stat().st_mode & 0o777 == 0o600
    lock.release()


def test_shared_or_redirected_lock_directory_is_refused(tmp_path):
    open_dir = tmp_path / "open"
    open_dir.mkdir()
    open_dir.chmod(0o777)
    with pytest.raises(DeviceError, match="writable by others"):
        prepare_directory(str(open_dir))
    target = tmp_path / "elsewhere"
    target.mkdir()
    (tmp_path / "link").symlink_to(target)
    with pytest.raises(DeviceError, match="not a directory"):
        prepare_directory(str(tmp_path / "link"))


def test_lock_file_symlink_is_not_followed(tmp_path):
    (tmp_path / "victim").write_text("")
    (tmp_path / "k.lock").symlink_to(tmp_path / "victim")
    with pytest.raises(DeviceError, match="cannot open lock"):
        DeviceLock("k", str(tmp_path)).acquire(time.monotonic() + 1)


def test_lock_dir_comes_from_the_environment(tmp_path, monkeypatch, sim):
    monkeypatch.setenv("FCC_UNLOCK_LOCK_DIR", str(tmp_path / "locks"))
    lock = lock_device(sim.path, time.monotonic() + 1)
    assert lock.path.startswith(str(tmp_path / "locks") + "/char-")
    lock.release()


def test_unlock_that_cannot_get_the_lock_exits_busy_without_touching_the_modem(tmp_path, sim):
    held = lock_device(sim.path, time.monotonic() + 1, str(tmp_path))
    try:
        outcome = runner.unlock(sim.path, "sierra", timeout=1.0, lock_dir=str(tmp_path))
    finally:
        held.release()
    assert outcome.exit_code == ExitCode.BUSY
    assert "lock" in outcome.reason
    assert 0.7 <= outcome.elapsed < 1.2  # waited for the work deadline (timeout - reserve)
    assert sim.modem.transcript == []
    outcome = runner.unlock(sim.path, "sierra", timeout=3.0, lock_dir=str(tmp_path))
    assert outcome.exit_code == ExitCode.OK, outcome.reason
    assert [r.kind for r in sim.modem.transcript] == [
        "open",
        "radio-state",
        "qmi-allocate",
        "fcc-auth",
        "qmi-release",
        "close",
    ]


def test_without_any_place_for_a_lock_the_unlock_goes_on(tmp_path, sim):
    (tmp_path / "file").write_text("")
    nowhere = str(tmp_path / "file" / "locks")  # cannot be created: early boot, odd sandboxes
    with pytest.raises(LockUnavailable):
        lock_device(sim.path, time.monotonic() + 1, nowhere)
    notes = []
    outcome = runner.unlock(sim.path, "sierra", 3.0, lambda d, i: notes.append(str(i)), lock_dir=nowhere)
    assert outcome.exit_code == ExitCode.OK, outcome.reason
    assert any(
        note.startswith("going on without the device lock: cannot create lock directory") for note in notes
    )


# --- a lock place someone else prepared: no lock, but no denial of service either ---------


def unlock_with(lock_dir, sim):
    return runner.unlock(sim.path, "sierra", 3.0, lock_dir=str(lock_dir))


def assert_went_on_with_a_warning(outcome, sim, words):
    assert outcome.exit_code == ExitCode.OK, outcome.reason
    assert not sim.modem.locked
    assert len(outcome.warnings) == 1 and words in outcome.warnings[0], outcome.warnings
    assert f"; warning: no device lock ({outcome.warnings[0][len('no device lock (') :]}" in outcome.line()
    assert outcome.as_dict()["warnings"] == outcome.warnings


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to hand the directory to another user")
def test_a_lock_directory_another_user_made_is_not_used_and_the_unlock_goes_on(tmp_path, sim):
    # /run/lock is world-writable: any local user can create /run/lock/fcc-unlock first.
    planted = tmp_path / "fcc-unlock"
    planted.mkdir(mode=0o755)
    os.chown(planted, 65534, 65534)
    with pytest.raises(LockUnavailable, match="belongs to uid 65534"):
        prepare_directory(str(planted))
    outcome = unlock_with(planted, sim)
    assert_went_on_with_a_warning(outcome, sim, "belongs to uid 65534: not using it")
    assert list(planted.iterdir()) == []  # no lock file made in someone else's directory


def test_a_lock_directory_others_may_write_is_not_used_and_the_unlock_goes_on(tmp_path, sim):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    assert_went_on_with_a_warning(unlock_with(shared, sim), sim, "writable by others: not using it")
    assert list(shared.iterdir()) == []


@pytest.mark.parametrize("planted", ["fifo", "device", "directory", "symlink"])
def test_a_lock_path_that_is_not_a_regular_file_is_never_opened(tmp_path, sim, planted):
    directory = tmp_path / "locks"
    directory.mkdir(mode=0o755)
    path = directory / f"{device_key(sim.path)}.lock"
    if planted == "fifo":
        os.mkfifo(path)  # opening it for reading would block; for writing, feed a reader
    elif planted == "device":
        if os.geteuid() != 0:
            pytest.skip("mknod needs root")
        os.mknod(path, 0o600 | 0o020000, os.makedev(1, 3))  # a character device node
    elif planted == "directory":
        path.mkdir()
    else:
        path.symlink_to(tmp_path / "victim")
    started = time.monotonic()
    outcome = unlock_with(directory, sim)
    assert time.monotonic() - started < 2.0  # no hang on a FIFO
    assert_went_on_with_a_warning(outcome, sim, "not a regular file")
    assert not (tmp_path / "victim").exists()


def test_the_lock_file_is_checked_after_it_is_opened_too(tmp_path, monkeypatch):
    # Between lstat() and open() the path may change; fstat() on what was opened decides.
    directory = tmp_path / "locks"
    directory.mkdir(mode=0o755)
    lock = DeviceLock("k", str(directory))
    real_lstat = os.lstat

    def lstat_then_swap(path, *args, **kwargs):
        result = real_lstat(path, *args, **kwargs)
        if str(path) == lock.path:
            os.unlink(path)
            os.mkfifo(path)
        return result

    (directory / "k.lock").write_text("")
    monkeypatch.setattr(os, "lstat", lstat_then_swap)
    with pytest.raises(LockUnavailable, match="not a regular file"):
        lock.acquire(time.monotonic() + 1)
