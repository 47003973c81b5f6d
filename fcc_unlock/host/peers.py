"""Who else is on this machine that matters to an unlock: is ModemManager running?

An XMM7360 stays in airplane mode after its FCC unlock until someone sends UtaModeSet(1).
ModemManager does that itself when it powers the modem up; without ModemManager nobody
would, so the unlock then switches the radio on itself (README, "Methods"). A process
whose name (``/proc/PID/comm``) is ``ModemManager`` counts as running.
"""

from __future__ import annotations

import os

COMM = b"ModemManager"


def modemmanager_running(proc: str = "/proc") -> bool:
    try:
        names = os.listdir(proc)
    except OSError:
        return False
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(os.path.join(proc, name, "comm"), "rb") as handle:
                if handle.read(64).rstrip(b"\n") == COMM:
                    return True
        except OSError:
            continue  # gone, or not ours to read
    return False
