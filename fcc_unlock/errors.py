"""Exceptions that end a run, each carrying its exit code (see exitcodes.py)."""

from fcc_unlock.exitcodes import ExitCode


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
