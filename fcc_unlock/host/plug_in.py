"""The end of a udev run on a USB MBIM modem's cdc-wdm node, for the wait on the modem's
network interface (docs/modemmanager.md §4.2).

The rule's node line starts the run as a shell that leaves ``plug-<busnum>-<devnum>.run``
(its process id, which exec makes ours) in the lock directory; the interface's event
waits while that process lives. This leaves ``plug-<busnum>-<devnum>.done`` when the
unlock has ended, however it ended: the wait then lets the interface go at once, and
takes both files away (tools/udev_rules.py, MARK and HOLD).

Only for a USB modem's cdc-wdm node bound to cdc_mbim (the rule holds back cdc_mbim's
interfaces only), and only where the lock directory is ours (host/lock.prepare_directory).
"""

from __future__ import annotations

import os

from fcc_unlock.host import sysfs
from fcc_unlock.host.lock import LockUnavailable, lock_dir, prepare_directory

RUNNING, DONE = "run", "done"  # the files' suffixes; udev_rules.MARK and HOLD name them too


def path_of(plug_in: tuple[str, str], what: str, directory: str) -> str:
    return os.path.join(directory, "plug-{}-{}.{}".format(*plug_in, what))


def finish(device: str) -> None:
    """Leave ``.done``: the unlock of this plug-in has ended, the interface may go."""
    plug_in = sysfs.plug_in_of(device)
    if plug_in is None:
        return
    directory = lock_dir()
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        prepare_directory(directory)
        os.close(os.open(path_of(plug_in, DONE, directory), flags, 0o644))
    except (LockUnavailable, OSError):
        pass  # our process ends in a moment, and the wait sees it gone
