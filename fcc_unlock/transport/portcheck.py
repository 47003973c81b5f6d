"""Is this a modem control port? Asked before a single byte is written.

We run as root: ``fcc-unlock /dev/sda`` typed by mistake, or a path planted by someone
else, must not become a write. A DEVICE is used only if it is

* a character device whose ``/sys/dev/char/MAJOR:MINOR`` is a cdc-wdm node (the
  ``usbmisc`` class; cdc_mbim's, not qmi_wwan's) or a wwan port of the type the
  method speaks (``MBIM``, ``AT``, ``XMMRPC``), or, for an AT method, a USB serial
  port (``tty`` class) of a USB modem the device table unlocks over AT, or
* a Unix98 pseudo-terminal slave (majors 136-143, Documentation/admin-guide/devices.txt):
  what the simulator and the tests use.

Everything else (regular file, directory, FIFO, socket, block device, /dev/null, a
serial port's tty, any other character device) is refused with ``NotAModemPort``
(exit 3), and a missing path with ``DeviceError`` (exit 5), each naming what the path
is. Symlinks (``/dev/modem -> cdc-wdm0``) are resolved once; the transport then opens
the resolved path with ``O_NOFOLLOW`` and checks with ``fstat`` that what it opened is
the very node that was checked (``verify_opened``), so a path swapped in between is
caught. docs/safety.md tells the whole story.
"""

from __future__ import annotations

import os
import stat

from fcc_unlock.errors import DeviceError, Unsupported
from fcc_unlock.host.sysfs import link_name, read_attribute

PTY_SLAVE_MAJORS = range(136, 144)  # UNIX98_PTY_SLAVE_MAJOR .. + UNIX98_PTY_MAJOR_COUNT
CDC_WDM, WWAN, PTY, SERIAL = "cdc-wdm", "wwan", "pty", "serial"
MBIM_DRIVERS = (None, "cdc_mbim")  # None: sysfs does not say (no driver link)


class NotAModemPort(Unsupported):
    """The path exists but is not a control port fcc-unlock may write to (exit 3)."""


class CheckedPort:
    """A path that passed ``check_port``: the node to open and what it is."""

    __slots__ = ("path", "rdev", "kind", "name")

    def __init__(self, path: str, rdev: int, kind: str, name: str) -> None:
        self.path = path  # symlinks resolved
        self.rdev = rdev
        self.kind = kind  # CDC_WDM, WWAN or PTY
        self.name = name  # sysfs name: "cdc-wdm0", "wwan0mbim0"; "pts/3" for a pty

    def __repr__(self) -> str:
        return f"CheckedPort({self.path}, {self.kind})"


def check_port(path: str, port_type: str = "MBIM", sysfs: str = "/sys") -> CheckedPort:
    """The checked port behind ``path``, or raise NotAModemPort / DeviceError.

    Only ``stat``: nothing is opened. ``port_type`` is the wwan port type the method
    needs.
    """
    resolved = os.path.realpath(path)
    try:
        info = os.stat(resolved)
    except FileNotFoundError:
        raise DeviceError("no such device") from None
    except OSError as error:
        raise DeviceError(os.strerror(error.errno or 0)) from None
    kind, name = classify(info.st_mode, info.st_rdev, resolved, port_type, sysfs)
    return CheckedPort(resolved, info.st_rdev, kind, name)


def verify_opened(fd: int, port: CheckedPort) -> None:
    """Raise NotAModemPort unless ``fd`` is the node ``port`` was checked as."""
    info = os.fstat(fd)
    if not stat.S_ISCHR(info.st_mode) or info.st_rdev != port.rdev:
        raise NotAModemPort(
            f"{port.path} changed between the check and the open ({file_kind(info.st_mode)} now):"
            " not writing to it"
        )


def classify(mode: int, rdev: int, path: str, port_type: str, sysfs: str = "/sys") -> tuple[str, str]:
    """(kind, name) of an acceptable node; NotAModemPort saying what it is otherwise."""
    if not stat.S_ISCHR(mode):
        raise NotAModemPort(f"{file_kind(mode)}, not a modem control port")
    major, minor = os.major(rdev), os.minor(rdev)
    if major in PTY_SLAVE_MAJORS:
        return PTY, path[5:] if path.startswith("/dev/") else path
    node = os.path.join(sysfs, "dev", "char", f"{major}:{minor}")
    device = os.path.realpath(node)
    subsystem = link_name(os.path.join(device, "subsystem"))
    name = os.path.basename(device)
    if subsystem is None:
        raise NotAModemPort(
            f"a character device ({major}:{minor}) that sysfs does not know, not a modem control port"
        )
    if subsystem == "usbmisc" and name.startswith("cdc-wdm"):
        driver = link_name(os.path.join(device, "device", "driver"))
        if driver in MBIM_DRIVERS:
            return CDC_WDM, name
        raise NotAModemPort(f"a {driver} control port ({name}), not an MBIM one: fcc-unlock speaks MBIM")
    if subsystem == "wwan":
        found = read_attribute(os.path.join(device, "type"))
        if found == port_type:
            return WWAN, name
        what = f"a wwan {found} port" if found else "a wwan device"
        raise NotAModemPort(f"{what} ({name}), not the {port_type} port this unlock needs")
    if subsystem == "tty":
        if port_type == "AT":
            modem = serial_modem(device, sysfs)
            if modem is not None:
                return SERIAL, name
            raise NotAModemPort(f"a terminal or serial port ({name}) of no modem in the device table")
        raise NotAModemPort(f"a terminal or serial port ({name}), not the {port_type} port this unlock needs")
    raise NotAModemPort(f"a character device of the {subsystem} class ({name}), not a modem control port")


def serial_modem(device: str, sysfs: str = "/sys") -> str | None:
    """The table's ids (``vvvv:pppp``) of the USB modem a serial port belongs to, when that
    modem's unlock speaks AT on a serial port (the RW101R-GL); else None."""
    from fcc_unlock.host.devices import DEVICES, METHOD_PORTS

    top = os.path.realpath(os.path.join(sysfs, "devices"))
    path = device
    while path.startswith(top + os.sep):
        vendor = read_attribute(os.path.join(path, "idVendor"))
        product = read_attribute(os.path.join(path, "idProduct"))
        if vendor is not None and product is not None:
            ids = f"{vendor}:{product}".lower()
            for entry in DEVICES:
                if entry.bus == "usb" and entry.ids == ids and METHOD_PORTS.get(entry.method) == "AT":
                    return ids
            return None
        path = os.path.dirname(path)
    return None


def file_kind(mode: int) -> str:
    for test, words in (
        (stat.S_ISREG, "a regular file"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISCHR, "a character device"),
    ):
        if test(mode):
            return words
    return "not a device"
