"""The modem behind a node, from sysfs with plain os calls (the hotplug path, no pyudev).

Which names are MBIM control ports, the USB or PCI device behind a character device,
its ids and their ``vvvv:pppp`` notation. Finding every port present needs pyudev and
lives in udev.py.

Two kernel paths lead to an MBIM control port (docs/protocol.md §7): ``/dev/cdc-wdmN``
from cdc_mbim on USB, and ``/dev/wwanNmbimM`` from the wwan core (MHI and t7xx on
PCI; cdc_mbim registers a wwan twin of its cdc-wdm node too). ModemManager uses the
cdc-wdm node of USB modems and the wwan port of PCI ones (its 80-mm-candidate.rules
skips wwan ports with a USB parent), so we do the same: through mbim-proxy we must
name the port ModemManager opened, or the proxy's open of the twin fails with EBUSY.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

# How sure a name is an MBIM control port, best first (the dispatcher's preference).
WWAN_MBIM, MBIM_NAME, CDC_WDM = "wwan-mbim", "mbim-name", "cdc-wdm"
PREFERENCE = (WWAN_MBIM, MBIM_NAME, CDC_WDM)
MBIM_DRIVER = "cdc_mbim"


def read_attribute(path: str) -> str | None:
    """A sysfs attribute's value, stripped; None where it cannot be read."""
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def link_name(path: str) -> str | None:
    """The last part of a sysfs link's target (a driver, a subsystem), or None."""
    try:
        return os.path.basename(os.readlink(path))
    except OSError:
        return None


def driver_of(name: str, sysfs: str = "/sys") -> str | None:
    """The driver bound to a cdc-wdm node's USB interface (cdc_mbim, qmi_wwan), if known."""
    return link_name(os.path.join(sysfs, "class", "usbmisc", name, "device", "driver"))


def port_kind(port: str, sysfs: str = "/sys") -> str | None:
    """What a port name says about being an MBIM control port; None: it is not one.

    ``port`` is a bare name as ModemManager passes it (``cdc-wdm0``, ``wwan0mbim0``,
    ``wwan0at0``, ``ttyUSB2``) or a path to one.
    """
    name = os.path.basename(port)
    port_type = read_attribute(os.path.join(sysfs, "class", "wwan", name, "type"))
    if port_type is not None:
        return WWAN_MBIM if port_type == "MBIM" else None
    if "mbim" in name.lower():
        return MBIM_NAME
    if name.startswith("cdc-wdm"):
        driver = driver_of(name, sysfs)
        return CDC_WDM if driver in (None, MBIM_DRIVER) else None  # qmi_wwan: a QMI port
    return None


def pick_mbim_port(ports: Sequence[str], sysfs: str = "/sys") -> str | None:
    """The MBIM control port among ``ports`` (first of the best kind), or None."""
    ranked = []
    for index, port in enumerate(ports):
        kind = port_kind(port, sysfs)
        if kind is not None:
            ranked.append((PREFERENCE.index(kind), index, port))
    return min(ranked)[2] if ranked else None


def pick_port(ports: Sequence[str], port_type: str, sysfs: str = "/sys") -> str | None:
    """The port of ``port_type`` among ModemManager's ``ports`` (bare names), or None:
    pick_mbim_port() for MBIM; else a wwan port of that type, the lowest-numbered first,
    and for AT a USB serial port after those."""
    if port_type == "MBIM":
        return pick_mbim_port(ports, sysfs)
    ranked = []
    for port in ports:
        name = os.path.basename(port)
        found = read_attribute(os.path.join(sysfs, "class", "wwan", name, "type"))
        if found == port_type:
            ranked.append((0, _port_order(name), port))
        elif found is None and port_type == "AT" and name.startswith(SERIAL_PREFIXES):
            ranked.append((1, _port_order(name), port))
    return min(ranked)[2] if ranked else None


def device_node(port: str, dev: str = "/dev") -> str:
    """``cdc-wdm0`` -> ``/dev/cdc-wdm0``; a path stays as it is."""
    return port if os.sep in port else os.path.join(dev, port)


def find_modem(devnode: str, sysfs: str = "/sys") -> tuple[str, str] | None:
    """("usb" or "pci", sysfs directory) of the modem behind a character device node.

    Plain os calls, no pyudev: the hotplug path uses this for the lock key and the
    log line. From /sys/dev/char/MAJOR:MINOR up to the first USB device (it has
    idVendor) or PCI function (its subsystem is pci).
    """
    try:
        rdev = os.stat(devnode).st_rdev
    except OSError:
        return None
    node = os.path.join(sysfs, "dev", "char", f"{os.major(rdev)}:{os.minor(rdev)}")
    if not os.path.exists(node):
        return None
    top = os.path.realpath(os.path.join(sysfs, "devices"))
    path = os.path.realpath(node)
    while path.startswith(top + os.sep):
        if os.path.exists(os.path.join(path, "idVendor")) and os.path.exists(os.path.join(path, "idProduct")):
            return "usb", path
        subsystem = os.path.join(path, "subsystem")
        if os.path.islink(subsystem) and os.path.basename(os.readlink(subsystem)) == "pci":
            return "pci", path
        path = os.path.dirname(path)
    return None


def sysfs_ids(devnode: str, sysfs: str = "/sys") -> str | None:
    """``vvvv:pppp`` of the modem behind ``devnode`` from sysfs, or None."""
    found = find_modem(devnode, sysfs)
    if found is None:
        return None
    bus, path = found
    names = ("idVendor", "idProduct") if bus == "usb" else ("vendor", "device")
    values = [read_attribute(os.path.join(path, name)) for name in names]
    try:
        vendor, product = (int(value, 16) for value in values)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return f"{vendor:04x}:{product:04x}"


# --- vvvv:pppp: the vendor:product notation of USB and PCI ids (lsusb, lspci, MM) ---

HEX = frozenset("0123456789abcdefABCDEF")


def parse_ids(text: str) -> tuple[int, int]:
    """``1199:9079`` -> (0x1199, 0x9079); ValueError unless two groups of 4 hex digits."""
    vendor, colon, product = text.partition(":")
    if not colon or len(vendor) != 4 or len(product) != 4 or not HEX.issuperset(vendor + product):
        raise ValueError(f"not a vendor:product id pair: {text!r}")
    return int(vendor, 16), int(product, 16)


def format_ids(vendor: int, product: int) -> str:
    return f"{vendor:04x}:{product:04x}"


# --- the port a method speaks on, among the modem's ports ---------------------------

SERIAL_PREFIXES = ("ttyUSB", "ttyACM")


def port_for(devnode: str, port_type: str, sysfs: str = "/sys", dev: str = "/dev") -> str:
    """The node of the modem behind ``devnode`` that a method of ``port_type`` speaks on.

    ``devnode`` itself when it is such a port, an MBIM method's, or not a port sysfs
    knows (a pty: the check that follows decides). Else the modem's first wwan port of
    that type (``wwan0at0`` before ``wwan0at1``) or, for AT, its first USB serial port
    by interface (docs/devices.md §2). Without one, ``devnode``: the port check then
    says what it is.
    """
    name = os.path.basename(os.path.realpath(devnode))
    if port_type == "MBIM":
        return devnode
    found_type = read_attribute(os.path.join(sysfs, "class", "wwan", name, "type"))
    if found_type == port_type or (port_type == "AT" and name.startswith(SERIAL_PREFIXES)):
        return devnode
    modem = find_modem(devnode, sysfs)
    if modem is None:
        return devnode
    candidates = [
        (0, _port_order(port), port)
        for port in _ports_under(modem[1], "wwan", sysfs)
        if read_attribute(os.path.join(sysfs, "class", "wwan", port, "type")) == port_type
    ]
    if not candidates and port_type == "AT":
        candidates = [
            (1, _interface_of(modem[1], port, sysfs), port)
            for port in _ports_under(modem[1], "tty", sysfs)
            if port.startswith(SERIAL_PREFIXES)
        ]
    if not candidates:
        return devnode
    return os.path.join(dev, min(candidates)[2])


def _ports_under(modem: str, device_class: str, sysfs: str) -> list[str]:
    """Names in ``/sys/class/<device_class>`` whose device lies under ``modem``."""
    base = os.path.join(sysfs, "class", device_class)
    try:
        names = os.listdir(base)
    except OSError:
        return []
    return [n for n in names if os.path.realpath(os.path.join(base, n)).startswith(modem + os.sep)]


def _port_order(name: str) -> tuple[int, str]:
    digits = ""
    for char in reversed(name):
        if not char.isdigit():
            break
        digits = char + digits
    return (int(digits) if digits else 0, name)


def _interface_of(modem: str, port: str, sysfs: str) -> tuple[int, str]:
    """(USB interface number, name) of a serial port, for ordering."""
    path = os.path.realpath(os.path.join(sysfs, "class", "tty", port))
    while path.startswith(modem + os.sep):
        number = read_attribute(os.path.join(path, "bInterfaceNumber"))
        if number is not None:
            try:
                return int(number, 16), port
            except ValueError:
                break
        path = os.path.dirname(path)
    return 1 << 16, port


def first_serial_port(devnode: str, sysfs: str = "/sys", dev: str = "/dev") -> str | None:
    """The first USB serial port (by interface number) of the modem ``devnode`` belongs
    to, or None where sysfs does not say. The udev rule runs for each of a modem's
    serial ports; only this one goes on (docs/devices.md §2)."""
    modem = find_modem(devnode, sysfs)
    if modem is None:
        return None
    ports = [
        (_interface_of(modem[1], port, sysfs), port)
        for port in _ports_under(modem[1], "tty", sysfs)
        if port.startswith(SERIAL_PREFIXES)
    ]
    return os.path.join(dev, min(ports)[1]) if ports else None


def plug_in_of(devnode: str, sysfs: str = "/sys") -> tuple[str, str] | None:
    """(busnum, devnum) of the USB modem behind ``devnode``, a cdc-wdm node bound to
    cdc_mbim (the node whose network interface the udev rule holds back): the kernel
    numbers each enumeration anew, so a re-plugged or power-cycled modem gets another.
    None for any other node."""
    if not is_cdc_mbim_node(devnode, sysfs):
        return None
    found = find_modem(devnode, sysfs)
    if found is None or found[0] != "usb":
        return None
    busnum, devnum = (read_attribute(os.path.join(found[1], name)) for name in ("busnum", "devnum"))
    if not (busnum and devnum and busnum.isdigit() and devnum.isdigit()):
        return None
    return busnum, devnum


def is_cdc_mbim_node(devnode: str, sysfs: str = "/sys") -> bool:
    """Whether ``devnode`` (checked by its device number, not its name) is a usbmisc
    node whose USB interface cdc_mbim drives."""
    try:
        rdev = os.stat(devnode).st_rdev
    except OSError:
        return False
    node = os.path.realpath(os.path.join(sysfs, "dev", "char", f"{os.major(rdev)}:{os.minor(rdev)}"))
    class_dir = os.path.dirname(node)
    if os.path.basename(class_dir) != "usbmisc":
        return False
    return link_name(os.path.join(os.path.dirname(class_dir), "driver")) == MBIM_DRIVER
