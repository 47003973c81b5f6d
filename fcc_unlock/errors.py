"""How a run ends: the exit status table, and the exceptions that carry a status.

The table is the one place the statuses are written down (README and the man page
document it, a test keeps them in step). Every way a run can end maps to exactly one
of these, so a journal line or a ModemManager debug log tells what happened without
a trace.
"""

from fcc_unlock import IntNames


class ExitCode(IntNames):
    OK = 0  # unlocked, or already unlocked
    REFUSED = 1  # the modem answered and refused the unlock
    USAGE = 2  # bad command line
    UNSUPPORTED = 3  # device or method not supported (e.g. no QMI service exposed)
    TIMEOUT = 4  # the modem did not answer in time
    IO_ERROR = 5  # device missing or vanished, permission denied, I/O error
    PROTOCOL_ERROR = 6  # malformed or unexpected reply from the modem
    BUSY = 7  # port held by another process, per-device lock not obtained in time
    INTERNAL = 70  # a bug in fcc-unlock (EX_SOFTWARE)


DESCRIPTIONS = {
    ExitCode.OK: "unlocked, or already unlocked",
    ExitCode.REFUSED: "the modem refused the unlock",
    ExitCode.USAGE: "usage error",
    ExitCode.UNSUPPORTED: "device or method not supported",
    ExitCode.TIMEOUT: "timed out waiting for the modem",
    ExitCode.IO_ERROR: "I/O error: device missing or vanished, or permission denied",
    ExitCode.PROTOCOL_ERROR: "protocol error: malformed or unexpected reply",
    ExitCode.BUSY: "busy: port held or device lock not obtained in time",
    ExitCode.INTERNAL: "internal error",
}


class FccUnlockError(Exception):
    """Base: a failure we understand. ``str(error)`` is the one-line reason."""

    exit_code = ExitCode.INTERNAL


class Refused(FccUnlockError):
    exit_code = ExitCode.REFUSED


class Unsupported(FccUnlockError):
    exit_code = ExitCode.UNSUPPORTED


class Timeout(FccUnlockError):
    exit_code = ExitCode.TIMEOUT


class DeviceError(FccUnlockError):
    exit_code = ExitCode.IO_ERROR


class ProtocolError(FccUnlockError):
    exit_code = ExitCode.PROTOCOL_ERROR


class Busy(FccUnlockError):
    exit_code = ExitCode.BUSY
