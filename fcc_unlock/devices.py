"""The device table: which modems need which unlock. The single source of device facts.

Each entry is a bus and vendor:product id (PCI entries may add subsystem ids, for ids
several OEMs share), a model name, the unlock method and how sure we are:
``confirmed`` (ModemManager ships the unlock for this id, or a primary source shows
it working) or ``reported`` (the same hardware and firmware family, reported to need
the same unlock). The udev rules file is generated from this table.
Sources: shared/reference/landscape.md §1.1 and §5.
"""

from __future__ import annotations


class Device:
    __slots__ = ("bus", "vendor", "product", "model", "method", "confidence", "subsystem")

    def __init__(
        self,
        bus: str,
        vendor: int,
        product: int,
        model: str,
        method: str,
        confidence: str,
        subsystem: tuple[int, int | None] | None = None,
    ) -> None:
        self.bus = bus  # "usb" or "pci"
        self.vendor = vendor
        self.product = product
        self.model = model
        self.method = method
        self.confidence = confidence  # "confirmed" or "reported"
        self.subsystem = subsystem  # PCI (subsystem vendor, subsystem device or None=any)

    @property
    def ids(self) -> str:
        return f"{self.vendor:04x}:{self.product:04x}"

    def __repr__(self) -> str:
        return f"Device({self.bus} {self.ids} {self.model!r} -> {self.method})"


CONFIRMED, REPORTED = "confirmed", "reported"

DEVICES = (
    # Sierra Wireless family: QMI DMS 0x555F over MBIM (ModemManager's "1199" script).
    Device("usb", 0x03F0, 0x4E1D, "HP lt4111 / HP 820 G1 (Sierra EM7355)", "sierra", CONFIRMED),
    Device("usb", 0x1199, 0x9079, "Sierra EM7455 (Lenovo)", "sierra", CONFIRMED),
    Device("usb", 0x413C, 0x81A3, "Dell DW5570 (Sierra MC8805)", "sierra", CONFIRMED),
    Device("usb", 0x413C, 0x81A8, "Dell DW5808 (Sierra MC7355)", "sierra", CONFIRMED),
    # The 2015 ThinkPad T440p EM7355 thread: unlocked with 0x555F over MBIM.
    Device("usb", 0x1199, 0x901F, "Sierra EM7355 (ThinkPad T440p)", "sierra", CONFIRMED),
    # EM7455 re-flashed to generic firmware: still locked, unmatched by ModemManager.
    Device("usb", 0x1199, 0x9071, "Sierra EM7455/MC7455 (generic firmware)", "sierra", REPORTED),
)


def lookup(
    bus: str,
    vendor: int,
    product: int,
    subsystem_vendor: int | None = None,
    subsystem_device: int | None = None,
) -> Device | None:
    """The table entry for these ids; a subsystem-specific entry wins over a plain one."""
    plain = None
    for device in DEVICES:
        if (device.bus, device.vendor, device.product) != (bus, vendor, product):
            continue
        if device.subsystem is None:
            plain = plain or device
            continue
        want_vendor, want_device = device.subsystem
        if subsystem_vendor == want_vendor and want_device in (None, subsystem_device):
            return device
    return plain
