"""The per-device lock: two triggers at once (hotplug and resume, a manual run and
ModemManager's dispatcher) take turns instead of interleaving two MBIM sessions.

One lock file per modem under ``/run/lock/fcc-unlock/`` (``FCC_UNLOCK_LOCK_DIR``
overrides the directory), held with ``flock`` for the whole run; the kernel drops it
when the process ends, however it ends. The key is the modem, not the node: a
``cdc-wdm`` node and its ``wwan`` twin (the same USB function seen by two kernel
subsystems) share one lock. It comes from sysfs with plain ``os`` calls, so the
hotplug path needs no pyudev.

Waiting is bounded by the caller's deadline; a run that cannot get the lock in time
raises ``Busy`` (exit status 7). Where no safe lock can be had (no writable /run
early in boot, a sandbox without it, a directory someone else owns or may write, a
lock path that is not a regular file) ``LockUnavailable`` tells the caller to go on
without one, and the caller logs a warning: an unlock that might race is better than
none, and better than a local user being able to stop every unlock.
"""

from __future__ import annotations

import fcntl
import os
import stat
import time

from fcc_unlock.errors import Busy, DeviceError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable

DEFAULT_LOCK_DIR = "/run/lock/fcc-unlock"
LOCK_DIR_VARIABLE = "FCC_UNLOCK_LOCK_DIR"
POLL_FIRST, POLL_MAX = 0.002, 0.025  # seconds between attempts: doubling up to the cap


def lock_dir() -> str:
    return os.environ.get(LOCK_DIR_VARIABLE) or DEFAULT_LOCK_DIR


def device_key(devnode: str, sysfs: str = "/sys") -> str:
    """A file-name-safe name for the modem behind ``devnode``.

    ``usb-2-1`` (the USB device), ``pci-0000:03:00.0`` (the PCI function), or for a
    character device without a modem in sysfs (a pty in tests) ``char-136-3``.
    """
    from fcc_unlock.host.sysfs import find_modem

    try:
        info = os.stat(devnode)
    except OSError as error:
        raise DeviceError(f"{devnode}: {os.strerror(error.errno or 0)}") from None
    if not stat.S_ISCHR(info.st_mode):
        return "path" + os.path.realpath(devnode).replace("/", "-")
    found = find_modem(devnode, sysfs)
    if found is not None:
        bus, path = found
        return f"{bus}-{os.path.basename(path)}"
    return f"char-{os.major(info.st_rdev)}-{os.minor(info.st_rdev)}"


class LockUnavailable(DeviceError):
    """The lock file cannot be created here (read-only or missing /run/lock)."""


class DeviceLock:
    """``flock`` on ``<directory>/<key>.lock``; acquire() waits until ``deadline``."""

    def __init__(
        self,
        key: str,
        directory: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.key = key
        self.directory = directory or lock_dir()
        self.path = os.path.join(self.directory, f"{key}.lock")
        self.clock = clock
        self.sleep = sleep
        self.waited = 0.0
        self._fd = -1

    def acquire(self, deadline: float) -> None:
        fd = self._open()
        start = self.clock()
        pause = POLL_FIRST
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    pass
                now = self.clock()
                if now >= deadline:
                    raise Busy(
                        f"another fcc-unlock is working on this modem: lock {self.path}"
                        f" not obtained in {now - start:.1f} s"
                    )
                self.sleep(min(pause, deadline - now))
                pause = min(pause * 2, POLL_MAX)
        except BaseException:
            os.close(fd)
            raise
        self.waited = self.clock() - start
        self._fd = fd

    def release(self) -> None:
        if self._fd >= 0:
            fd, self._fd = self._fd, -1
            os.close(fd)  # closing the only descriptor drops the flock

    def _open(self) -> int:
        """The lock file, created if missing; only ever a regular file of ours.

        Opening a FIFO would block and a device node could act on the open, so what
        is there is looked at first (lstat, no following) and what was opened is
        checked again (fstat): anything but a regular file means no lock.
        """
        prepare_directory(self.directory)
        flags = os.O_RDWR | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY
        for _ in range(3):  # another run may create or remove it between the two calls
            try:
                info = os.lstat(self.path)
            except FileNotFoundError:
                create = os.O_CREAT | os.O_EXCL
            except OSError as error:
                raise self._unavailable(error) from None
            else:
                if not stat.S_ISREG(info.st_mode):
                    raise LockUnavailable(f"cannot open lock {self.path}: not a regular file")
                create = 0
            try:
                fd = os.open(self.path, flags | create, 0o600)
            except (FileExistsError, FileNotFoundError):
                continue
            except OSError as error:
                raise self._unavailable(error) from None
            if stat.S_ISREG(os.fstat(fd).st_mode):
                return fd
            os.close(fd)
            raise LockUnavailable(f"cannot open lock {self.path}: not a regular file")
        raise LockUnavailable(f"cannot open lock {self.path}: it keeps changing")

    def _unavailable(self, error: OSError) -> LockUnavailable:
        return LockUnavailable(f"cannot open lock {self.path}: {os.strerror(error.errno or 0)}")


def prepare_directory(directory: str) -> None:
    """Create the lock directory, or check an existing one is ours and not shared.

    /run/lock is world-writable: a directory someone else made (or a symlink) could
    let them hold our locks, so it must be a real directory owned by us or root that
    nobody else may write to. One that is not is left alone (LockUnavailable): a run
    without a lock beats no run at all, which is what a local user who pre-creates
    the directory could otherwise cause.
    """
    try:
        os.makedirs(directory, 0o755, exist_ok=True)
    except OSError as error:
        reason = os.strerror(error.errno or 0)
        raise LockUnavailable(f"cannot create lock directory {directory}: {reason}") from None
    try:
        info = os.lstat(directory)
    except OSError as error:
        raise LockUnavailable(f"lock directory {directory}: {os.strerror(error.errno or 0)}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise LockUnavailable(f"lock directory {directory} is not a directory: not using it")
    if info.st_uid not in (0, os.geteuid()):
        raise LockUnavailable(f"lock directory {directory} belongs to uid {info.st_uid}: not using it")
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise LockUnavailable(f"lock directory {directory} is writable by others: not using it")


def lock_device(devnode: str, deadline: float, directory: str | None = None) -> DeviceLock:
    """Take the lock of the modem behind ``devnode``, waiting until ``deadline``."""
    lock = DeviceLock(device_key(devnode), directory)
    lock.acquire(deadline)
    return lock
