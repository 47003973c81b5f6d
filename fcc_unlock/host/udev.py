"""Every pyudev call: from a device node to its bus and ids, and every MBIM control
port present (pyudev is imported only here).

The udev rule passes the method it matched, so the hotplug path never comes here;
manual runs without ``--method`` do.
"""

from __future__ import annotations

from fcc_unlock.host.sysfs import MBIM_DRIVER

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

    from fcc_unlock.host.devices import Device


class DeviceIds:
    __slots__ = ("bus", "vendor", "product", "subsystem_vendor", "subsystem_device")

    def __init__(
        self,
        bus: str,
        vendor: int,
        product: int,
        subsystem_vendor: int | None = None,
        subsystem_device: int | None = None,
    ) -> None:
        self.bus = bus
        self.vendor = vendor
        self.product = product
        self.subsystem_vendor = subsystem_vendor
        self.subsystem_device = subsystem_device

    def __str__(self) -> str:
        return f"{self.vendor:04x}:{self.product:04x}"


def identify(devnode: str) -> DeviceIds | None:
    """The USB or PCI ids of the modem behind ``devnode``, or None (not a modem port)."""
    try:
        import pyudev
    except ImportError:
        return None
    try:
        device = pyudev.Devices.from_device_file(pyudev.Context(), devnode)
    except (pyudev.DeviceNotFoundError, OSError, ValueError):
        return None
    try:
        return _ids_of_parents(device)
    except ValueError:
        return None  # an id attribute missing or not hex: not a device we know


def _ids_of_parents(device: object) -> DeviceIds | None:
    for parent in device.ancestors:  # type: ignore[attr-defined]
        if parent.subsystem == "usb" and parent.device_type == "usb_device":
            return DeviceIds(
                "usb",
                _hex(parent.attributes.get("idVendor")),
                _hex(parent.attributes.get("idProduct")),
            )
        if parent.subsystem == "pci":
            return DeviceIds(
                "pci",
                _hex(parent.attributes.get("vendor")),
                _hex(parent.attributes.get("device")),
                _hex(parent.attributes.get("subsystem_vendor")),
                _hex(parent.attributes.get("subsystem_device")),
            )
    return None


def _hex(value: bytes | None) -> int:
    if value is None:
        raise ValueError("missing id attribute")
    return int(value.decode().strip(), 16)


def resolve_device(devnode: str, ids_hint: str | None = None) -> tuple[str | None, Device | None, str]:
    """(ids ``vvvv:pppp``, table entry, hint) for the modem behind ``devnode``: the one
    resolver every mode uses. ``ids_hint`` (ModemManager's dispatcher file name) serves
    when udev cannot tell. Without an entry, ``hint`` says why: no such node, not a
    USB/PCI modem, a modem without an open unlock, or one the table does
    not list.
    """
    import os

    from fcc_unlock.host.devices import by_ids, resolve

    if not os.path.lexists(devnode):
        return None, None, f"{devnode}: no such device"
    found = identify(devnode)
    if found is None:
        if ids_hint is not None:
            entry = by_ids(ids_hint)
            return ids_hint, entry, "" if entry else f"{ids_hint} is not in the device table"
        return None, None, "cannot tell which modem this is; name the unlock with --method"
    entry, hint = resolve(found)
    return str(found), entry, hint


def method_for(devnode: str) -> tuple[str | None, str | None, str]:
    """(method, ids, hint): the table's method for the modem behind ``devnode``."""
    ids, entry, hint = resolve_device(devnode)
    return (None if entry is None else entry.method), ids, hint


# --- every MBIM control port present ------------------------------------------------


class PresentPort:
    """An MBIM control port found on the system, with the modem's ids."""

    __slots__ = ("devnode", "ids")

    def __init__(self, devnode: str, ids: DeviceIds) -> None:
        self.devnode = devnode
        self.ids = ids

    def __repr__(self) -> str:
        return f"PresentPort({self.devnode}, {self.ids.bus} {self.ids})"


def present_ports(context: object = None) -> list[PresentPort]:
    """Every MBIM control port present, one per modem function, with its ids (pyudev).

    USB: cdc-wdm nodes bound to cdc_mbim (not their wwan twins). PCI: wwan ports of
    type MBIM whose device has no USB parent.
    """
    import pyudev

    if context is None:
        context = pyudev.Context()
    found = []
    for device in _candidates(context):
        try:
            ids = _ids_of_parents(device)
        except ValueError:
            continue
        if ids is not None and device.device_node:  # type: ignore[attr-defined]
            found.append(PresentPort(device.device_node, ids))  # type: ignore[attr-defined]
    return sorted(found, key=lambda port: port.devnode)


def _candidates(context: object) -> Iterable[object]:
    for device in context.list_devices(subsystem="usbmisc"):  # type: ignore[attr-defined]
        if device.sys_name.startswith("cdc-wdm") and _parent_driver(device) == MBIM_DRIVER:
            yield device
    for device in context.list_devices(subsystem="wwan"):  # type: ignore[attr-defined]
        if device.device_type == "wwan_dev" or _has_usb_parent(device):
            continue
        port_type = device.attributes.get("type")
        if port_type is not None:
            if port_type.decode(errors="replace").strip() == "MBIM":
                yield device
        elif "mbim" in device.sys_name.lower():
            yield device


def _parent_driver(device: object) -> str | None:
    parent = device.parent  # type: ignore[attr-defined]
    return parent.driver if parent is not None else None


def _has_usb_parent(device: object) -> bool:
    return any(parent.subsystem == "usb" for parent in device.ancestors)  # type: ignore[attr-defined]
