"""The files a udev run on a USB MBIM modem's cdc-wdm node leaves for the wait on the
modem's network interface (docs/modemmanager.md §4.2).

The interface's event, run in parallel with the node's, holds the interface back from
ModemManager while the unlock is under way. It looks, every 0.2 s, in the lock directory:

* ``plug-<busnum>-<devnum>.done``: the run's unlock has ended, however it ended. The wait
  removes both files and lets the interface go.
* ``plug-<busnum>-<devnum>.run``: the run's process id, written as soon as it starts.
  While that process lives the wait goes on (at most 10 s); once it is gone without a
  ``.done`` (killed, crashed), the wait ends at once.
* neither after a second: no run is coming (a broken installation, an edited rule), and
  the interface goes, so ModemManager sees both ports at about the same time.

Only for a USB modem's cdc-wdm node bound to cdc_mbim: the rule waits on cdc_mbim's
interfaces only, and a file nobody takes away would mislead the wait of a later device
given the same numbers. The directory must be ours (host/lock.prepare_directory).
"""

from __future__ import annotations

import os

from fcc_unlock.host import sysfs
from fcc_unlock.host.lock import LockUnavailable, lock_dir, prepare_directory

RUNNING, DONE = "run", "done"  # the files' suffixes; udev_rules.HOLD names them too


def path_of(plug_in: tuple[str, str], what: str, directory: str) -> str:
    return os.path.join(directory, "plug-{}-{}.{}".format(*plug_in, what))


def announce(device: str) -> None:
    """Leave ``.run`` with our process id: the interface waits while we live."""
    found = _place(device)
    if found is None:
        return
    plug_in, where = found
    # One left by an earlier enumeration with the same numbers (a run that outlived the
    # wait) would end the wait at once.
    _remove(path_of(plug_in, DONE, where))
    path = path_of(plug_in, RUNNING, where)
    # Written aside and renamed, so the wait never reads a half-written number.
    scratch = f"{path}.{os.getpid()}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(scratch, flags, 0o644)
        try:
            os.write(fd, f"{os.getpid()}\n".encode())
        finally:
            os.close(fd)
        os.replace(scratch, path)
    except OSError:
        _remove(scratch)  # the wait's own grace and deadline still end it


def finish(device: str) -> None:
    """Leave ``.done``: the unlock of this plug-in has ended, the interface may go."""
    found = _place(device)
    if found is None:
        return
    plug_in, where = found
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        os.close(os.open(path_of(plug_in, DONE, where), flags, 0o644))
    except OSError:
        pass  # ours is gone in a moment: the wait sees the process end


def _place(device: str) -> tuple[tuple[str, str], str] | None:
    """(plug-in, lock directory) of the files, or None: none for this device."""
    plug_in = sysfs.plug_in_of(device)
    if plug_in is None:
        return None
    directory = lock_dir()
    try:
        prepare_directory(directory)
    except LockUnavailable:
        return None
    return plug_in, directory


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
