"""The MBIM character device: /dev/cdc-wdmN (cdc_mbim) or /dev/wwanNmbim0 (wwan core).

Only a checked modem control port is opened (portcheck.py). Kernel behaviour we rely
on (docs/protocol.md §7): one write() is one control transfer and is silently truncated
above wMaxCommand, so the session fragments to
``max_control_transfer`` and we treat a short write as an error; a read returns at most
one transfer; unplug shows as ENODEV/EIO or POLLHUP|POLLERR. A pty behaves the same
way, which is what the simulator uses.
"""

from __future__ import annotations

import errno
import fcntl
import os
import select
import time

from fcc_unlock.errors import Busy, DeviceError, Timeout
from fcc_unlock.transport.portcheck import CheckedPort, NotAModemPort, check_port, verify_opened

DEFAULT_MAX_CONTROL_TRANSFER = 4096
MIN_MAX_CONTROL_TRANSFER = 64  # MBIM's floor; a smaller device value is nonsense
MBIM_FUNCTIONAL_DESCRIPTOR = b"\x0c\x24\x1b\x00"  # bLength 12, CS_INTERFACE, MBIM, v1.0x
VANISHED = (errno.ENODEV, errno.EIO, errno.ENXIO, errno.ESHUTDOWN, errno.EPIPE)


def _ioc_layout(machine: str) -> tuple[int, int, int]:
    """(size bits, dir shift, READ value) of the kernel's _IOC encoding on ``machine``."""
    if machine.startswith(("ppc", "powerpc", "mips", "sparc", "alpha")):
        return 13, 29, 2
    if machine.startswith("parisc"):
        return 14, 30, 1  # generic field widths, but READ and WRITE swapped
    return 14, 30, 2


def ioc_read(type_char: str, number: int, size: int, machine: str | None = None) -> int:
    """The kernel's ``_IOR(type, nr, size)`` for this architecture."""
    size_bits, dir_shift, read = _ioc_layout(machine or os.uname().machine)
    if size >= 1 << size_bits:
        raise ValueError("ioctl argument too large")
    return (read << dir_shift) | (size << 16) | (ord(type_char) << 8) | number


# include/uapi/linux/usb/cdc-wdm.h: #define IOCTL_WDM_MAX_COMMAND _IOR('H', 0xA0, __u16)
IOCTL_WDM_MAX_COMMAND = ioc_read("H", 0xA0, 2)


def max_command_from_descriptors(blob: bytes) -> int | None:
    """wMaxControlMessage of the MBIM functional descriptor in a raw descriptor blob."""
    index = 0
    while index + 7 <= len(blob):
        length = blob[index]
        if length == 0:
            return None
        if blob[index : index + 4] == MBIM_FUNCTIONAL_DESCRIPTOR:
            return int.from_bytes(blob[index + 5 : index + 7], "little")
        index += length
    return None


def max_command_from_sysfs(name: str, sysfs: str = "/sys") -> int | None:
    """libmbim's fallback: the interface's parent USB device's ``descriptors`` file."""
    for subsystem in ("usbmisc", "usb"):
        link = os.path.join(sysfs, "class", subsystem, name, "device")
        if not os.path.exists(link):
            continue
        interface = os.path.realpath(link)
        try:
            with open(os.path.join(os.path.dirname(interface), "descriptors"), "rb") as f:
                blob = f.read()
        except OSError:
            continue
        return max_command_from_descriptors(blob)
    return None


def max_control_transfer(fd: int, name: str, sysfs: str = "/sys") -> tuple[int, str]:
    """(value, where it came from): ioctl, then sysfs descriptors, then 4096."""
    buffer = bytearray(2)
    try:
        fcntl.ioctl(fd, IOCTL_WDM_MAX_COMMAND, buffer)
    except OSError:
        pass  # wwan ports and ptys have no such ioctl
    else:
        value = int.from_bytes(buffer, "little")
        if value >= MIN_MAX_CONTROL_TRANSFER:
            return value, "ioctl"
    from_sysfs = max_command_from_sysfs(name, sysfs)
    if from_sysfs is not None and from_sysfs >= MIN_MAX_CONTROL_TRANSFER:
        return from_sysfs, "sysfs"
    return DEFAULT_MAX_CONTROL_TRANSFER, "default"


class CharDevice:
    """An MBIM control port opened for reading and writing, after portcheck said it is one.

    ``port_type`` is the wwan port type the method needs; ``checked`` a port already
    checked by the caller (else ``path`` is checked here).
    """

    def __init__(
        self, path: str, sysfs: str = "/sys", port_type: str = "MBIM", checked: CheckedPort | None = None
    ) -> None:
        self.path = path
        self.name = path[5:] if path.startswith("/dev/") else path  # for traces: "cdc-wdm0", "pts/3"
        self._fd = -1
        port = checked or check_port(path, port_type, sysfs)
        try:
            # The resolved path, not followed again: what is opened is what was checked.
            self._fd = os.open(
                port.path, os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY | os.O_NOFOLLOW
            )
        except OSError as error:
            raise open_error(path, error) from None
        try:
            verify_opened(self._fd, port)
            if port_type != "MBIM" and os.isatty(self._fd):
                make_raw(self._fd)  # a USB serial AT port: bytes as they are, no echo
        except BaseException:
            self.close()
            raise
        self.max_control_transfer, self.max_control_transfer_source = max_control_transfer(
            self._fd, os.path.basename(port.path), sysfs
        )
        self._poll = select.poll()
        self._poll.register(self._fd, select.POLLIN)

    def write(self, data: bytes, deadline: float) -> None:
        while True:
            try:
                written = os.write(self._fd, data)
            except BlockingIOError:
                # cdc-wdm allows one transfer in flight; wait until it is done.
                self._wait(select.POLLOUT, deadline, "write")
                continue
            except OSError as error:
                raise self._io_error(error, "write") from None
            if written != len(data):
                raise DeviceError(f"short write ({written} of {len(data)} bytes)")
            return

    def read(self, deadline: float) -> bytes:
        while True:
            if not self._wait(select.POLLIN, deadline, "read"):
                return b""
            try:
                data = os.read(self._fd, max(self.max_control_transfer, 4096))
            except BlockingIOError:
                continue
            except OSError as error:
                raise self._io_error(error, "read") from None
            if not data:
                raise DeviceError("device vanished (end of file)")
            return data

    def close(self) -> None:
        if self._fd >= 0:
            fd, self._fd = self._fd, -1
            try:
                os.close(fd)
            except OSError:
                pass  # close() after unplug may report the pending write's error

    def _wait(self, event: int, deadline: float, what: str) -> bool:
        """Poll for ``event`` until the deadline; False on timeout (read only)."""
        self._poll.modify(self._fd, event)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if event == select.POLLOUT:
                    raise Timeout(f"device not ready to {what}")
                return False
            ready = self._poll.poll(max(1, int(remaining * 1000 + 0.999)))
            for _, revents in ready:
                if revents & event:
                    return True
                if revents & (select.POLLHUP | select.POLLERR | select.POLLNVAL):
                    raise DeviceError("device vanished")

    def _io_error(self, error: OSError, what: str) -> Exception:
        if error.errno in VANISHED:
            return DeviceError(f"device vanished ({os.strerror(error.errno)})")
        return DeviceError(f"{what} failed: {os.strerror(error.errno or 0)}")

    def __enter__(self) -> CharDevice:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def make_raw(fd: int) -> None:
    """Raw mode on a terminal (what cfmakeraw does): no echo, no line editing, no
    newline translation, no signals; reads return what has arrived."""
    import termios

    try:
        iflag, oflag, cflag, lflag, ispeed, ospeed, cc = termios.tcgetattr(fd)
        iflag &= ~(
            termios.IGNBRK
            | termios.BRKINT
            | termios.PARMRK
            | termios.ISTRIP
            | termios.INLCR
            | termios.IGNCR
            | termios.ICRNL
            | termios.IXON
        )
        oflag &= ~termios.OPOST
        lflag &= ~(termios.ECHO | termios.ECHONL | termios.ICANON | termios.ISIG | termios.IEXTEN)
        cflag = (cflag & ~(termios.CSIZE | termios.PARENB)) | termios.CS8 | termios.CLOCAL | termios.CREAD
        cc[termios.VMIN], cc[termios.VTIME] = 1, 0
        termios.tcsetattr(fd, termios.TCSANOW, [iflag, oflag, cflag, lflag, ispeed, ospeed, cc])
    except termios.error as error:
        raise DeviceError(f"cannot set the serial port to raw mode: {error}") from None


def open_error(path: str, error: OSError) -> Exception:
    """The exception (and so the exit code) for a failed open() of ``path``.

    Messages leave the device out: the result line already starts with it."""
    reason = os.strerror(error.errno or 0)
    if error.errno == errno.ELOOP:  # O_NOFOLLOW: a symlink was put where the checked node was
        return NotAModemPort("became a symlink between the check and the open: not writing to it")
    if error.errno == errno.EBUSY:
        return Busy("busy (its cdc-wdm/wwan twin is open elsewhere)")
    if error.errno in (errno.EACCES, errno.EPERM):
        return DeviceError("permission denied (run as root)")
    return DeviceError(reason)
