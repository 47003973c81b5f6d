"""The device table: which modems need which unlock. The single source of device facts.

Each entry is a bus and vendor:product id (PCI entries may add subsystem ids, for ids
several OEMs share), a model name, the unlock method and how sure we are:
``confirmed`` (ModemManager ships the unlock for this id, or a primary source shows
it working) or ``reported`` (the same hardware and firmware family, reported to need
the same unlock). The udev rules file is generated from ``DEVICES``.

``reported`` entries are not run by the udev rule unless the machine opts in
(udev_rules.py, README "Reported modems"); by hand and as ModemManager's dispatcher
they are run.

``NOT_SUPPORTED`` lists modems whose lock fcc-unlock recognises but does not undo:
no open source shows a working sequence. They are never matched for an unlock; naming
them turns "unknown modem" into a precise hint. Sources: docs/modemmanager.md §1.1, §3,
docs/protocol.md §4.9, §5.4 and docs/devices.md §1.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from fcc_unlock.host.udev import DeviceIds


class Device:
    __slots__ = ("bus", "vendor", "product", "model", "method", "confidence", "subsystem", "note")

    def __init__(
        self,
        bus: str,
        vendor: int,
        product: int,
        model: str,
        method: str,
        confidence: str,
        subsystem: tuple[int, int | None] | None = None,
        note: str = "",
    ) -> None:
        self.bus = bus  # "usb" or "pci"
        self.vendor = vendor
        self.product = product
        self.model = model
        self.method = method
        self.confidence = confidence  # "confirmed" or "reported"
        self.subsystem = subsystem  # PCI (subsystem vendor, subsystem device or None=any)
        self.note = note  # where the fact comes from, or why it is not unlocked

    @property
    def ids(self) -> str:
        return f"{self.vendor:04x}:{self.product:04x}"

    @property
    def subsystem_ids(self) -> str:
        if self.bus != "pci":
            return "-"
        if self.subsystem is None:
            return "any"
        vendor, device = self.subsystem
        return f"{vendor:04x}:{'any' if device is None else f'{device:04x}'}"

    def __repr__(self) -> str:
        return f"Device({self.bus} {self.ids} {self.model!r} -> {self.method})"

    def as_dict(self) -> dict[str, object]:
        return {
            "bus": self.bus,
            "ids": self.ids,
            "subsystem": None if self.subsystem is None else self.subsystem_ids,
            "model": self.model,
            "method": self.method,
            "confidence": self.confidence,
            "note": self.note,
        }


# The port each method speaks on, for the device table and the udev rule, which must not
# import the methods; tests/unit/test_method_surface.py checks it against each method's PORT_TYPE.
METHOD_PORTS = {
    "sierra": "MBIM",
    "foxconn": "MBIM",
    "quectel": "MBIM",
    "intel-mbim": "MBIM",
    "foxconn-e4": "MBIM",
    "fm350-at": "AT",
    "l860-at": "AT",
    "rw101-at": "AT",
    "xmm7360-rpc": "XMMRPC",
}

CONFIRMED, REPORTED = "confirmed", "reported"
MM = "ModemManager dispatcher"
LENOVO_LIST = "in Lenovo's dispatcher list (same Quectel service); unverified on hardware"

DEVICES = (
    # Sierra Wireless family: QMI DMS 0x555F over MBIM (ModemManager's "1199" script).
    Device("usb", 0x03F0, 0x4E1D, "HP lt4111 / HP 820 G1 (Sierra EM7355)", "sierra", CONFIRMED, note=MM),
    Device("usb", 0x1199, 0x9079, "Sierra EM7455 (Lenovo)", "sierra", CONFIRMED, note=MM),
    Device("usb", 0x413C, 0x81A3, "Dell DW5570 (Sierra MC8805)", "sierra", CONFIRMED, note=MM),
    Device("usb", 0x413C, 0x81A8, "Dell DW5808 (Sierra MC7355)", "sierra", CONFIRMED, note=MM),
    Device(
        "usb",
        0x1199,
        0x901F,
        "Sierra EM7355 (ThinkPad T440p)",
        "sierra",
        CONFIRMED,
        note="libmbim-devel 2015-07: unlocked with 0x555F over MBIM; not in ModemManager's list",
    ),
    Device(
        "usb",
        0x1199,
        0x9071,
        "Sierra EM7455/MC7455 (generic firmware)",
        "sierra",
        REPORTED,
        note="a Lenovo EM7455 re-flashed to generic firmware stays locked (sierra-wireless-modems #156)",
    ),
    # Foxconn SDX55 / Lenovo T99W175: QMI 0x5571 v2 then v1 ("105b" script).
    Device("pci", 0x105B, 0xE0AB, "Foxconn T99W175 (SDX55, Lenovo)", "foxconn", CONFIRMED, note=MM),
    Device("pci", 0x105B, 0xE0C3, "Foxconn T99W175 (SDX55, ThinkPad X13s)", "foxconn", CONFIRMED, note=MM),
    Device(
        "usb",
        0x05C6,
        0x90D5,
        "Foxconn T99W175 (SDX55) in USB mode",
        "foxconn",
        CONFIRMED,
        note=f"{MM} (main, 2025); a Qualcomm id other SDX55 designs may share",
    ),
    # Quectel: vendor MBIM service, RADIO_STATE set ON ("2c7c" script).
    Device("pci", 0x1EAC, 0x1001, "Quectel EM120R-GL", "quectel", CONFIRMED, note=MM),
    Device("pci", 0x1EAC, 0x1004, "Quectel RM520N-GL (HP)", "quectel", CONFIRMED, note=MM),
    Device("pci", 0x1EAC, 0x1007, "Quectel RM520N-GL (Lenovo)", "quectel", CONFIRMED, note=MM),
    Device("usb", 0x2C7C, 0x030A, "Quectel EM05-G", "quectel", CONFIRMED, note=MM),
    Device("usb", 0x2C7C, 0x0313, "Quectel EM05-G (GR)", "quectel", CONFIRMED, note=MM),
    Device("usb", 0x2C7C, 0x0314, "Quectel EM05-G (RS)", "quectel", CONFIRMED, note=MM),
    Device("usb", 0x2C7C, 0x0801, "Quectel RM520N", "quectel", CONFIRMED, note=MM),
    Device("pci", 0x1EAC, 0x100D, "Quectel EM160R-GL (Lenovo)", "quectel", REPORTED, note=LENOVO_LIST),
    Device("usb", 0x2C7C, 0x6008, "Quectel EM061K (Lenovo)", "quectel", REPORTED, note=LENOVO_LIST),
    Device(
        "usb",
        0x2C7C,
        0x0311,
        "Quectel EM05-G (Smart Gateway)",
        "quectel",
        REPORTED,
        note="EVE links ModemManager's 2c7c script to it (docs/devices.md §1)",
    ),
    # Fibocom FM350-GL / Rolling RW350R-GL (MediaTek T700): AT challenge/response on the
    # wwan AT port ("14c3" script); Dell's DW5931e takes the Intel MBIM service instead.
    Device(
        "pci",
        0x14C3,
        0x4D75,
        "Fibocom FM350-GL / Rolling RW350R-GL (MediaTek T700)",
        "fm350-at",
        CONFIRMED,
        note=MM,
    ),
    Device(
        "pci",
        0x14C3,
        0x4D75,
        "Dell DW5931e (Fibocom FM350-GL)",
        "intel-mbim",
        REPORTED,
        subsystem=(0x1028, None),
        note="Dell's and HP's authenticator drive the Intel MBIM service for it (traced, one source)",
    ),
    Device(
        "pci",
        0x14C0,
        0x4D75,
        "Dell DW5933e (Fibocom FM350 variant)",
        "intel-mbim",
        REPORTED,
        note="named by one third party; the sequence is unverified",
    ),
    # Intel XMM7360 / Fibocom L850-GL: XMM RPC ("8086:7360" script); in USB/MBIM mode
    # (after xmm2usb) the Intel MBIM service.
    Device("pci", 0x8086, 0x7360, "Fibocom L850-GL (Intel XMM7360)", "xmm7360-rpc", CONFIRMED, note=MM),
    Device(
        "usb",
        0x2CB7,
        0x0007,
        "Fibocom L850-GL in USB/MBIM mode (after xmm2usb)",
        "intel-mbim",
        REPORTED,
        note="xmm7360-usb-modeswitch's fcc_unlock.c, one real run",
    ),
    # Intel XMM7560 / Fibocom L860R+: AT for Lenovo, the Intel MBIM service for Dell.
    Device(
        "pci",
        0x8086,
        0x7560,
        "Fibocom L860R+ (Intel XMM7560)",
        "l860-at",
        REPORTED,
        note="Lenovo's library (traced, one source); working reports used Dell's key",
    ),
    Device(
        "pci",
        0x8086,
        0x7560,
        "Dell DW5823e (Fibocom L860R+)",
        "intel-mbim",
        REPORTED,
        subsystem=(0x1028, None),
        note="Dell's ModemAuthenticator (traced), HP's library agrees on the messages",
    ),
    Device(
        "pci",
        0x8086,
        0x7560,
        "Dell DW5823e (Fibocom L860R+, blank subsystem)",
        "intel-mbim",
        REPORTED,
        subsystem=(0x0000, 0x0000),
        note="Dell's ModemAuthenticator lists this subsystem too",
    ),
    # Foxconn T99W696 (SDX62): QMI 0x5571 on the vendor QMI service 0xE4.
    Device(
        "pci",
        0x17CB,
        0x0308,
        "Foxconn T99W696 (SDX62)",
        "foxconn-e4",
        REPORTED,
        subsystem=(0x105B, None),
        note="one clean-room source (twh/wwan-unlock), hardware-verified by its author only",
    ),
    # Rolling RW101R-GL: AT challenge/response on its USB serial AT port.
    *(
        Device(
            "usb",
            0x33F8,
            product,
            "Rolling RW101R-GL",
            "rw101-at",
            REPORTED,
            note="Lenovo's library (traced); two versions of the trace disagree on the sequence",
        )
        for product in (0x01A4, 0x01A8, 0x01A9, 0x0301, 0x0302)
    ),
)

NOT_SUPPORTED = (
    Device(
        "usb",
        0x413C,
        0x81D7,
        "Dell DW5821e (Foxconn T77W968)",
        "foxconn",
        REPORTED,
        note="0x555F answers MissingArgument; whether Foxconn's unlock opens it was never reported",
    ),
    Device(
        "pci",
        0x105B,
        0xE0F5,
        "Dell DW5932e (Foxconn SDX62)",
        "foxconn-e4",
        REPORTED,
        note="its magic is only guessed (FDE1); the vendor tool refuses unlisted Dell SKUs",
    ),
    Device(
        "pci",
        0x17CB,
        0x0309,
        "Dell DW5934e (Foxconn SDX72)",
        "foxconn-e4",
        REPORTED,
        note="the vendor tool also gates on firmware; no open sequence is known",
    ),
)


def _match(
    table: tuple[Device, ...],
    bus: str,
    vendor: int,
    product: int,
    subsystem_vendor: int | None = None,
    subsystem_device: int | None = None,
) -> Device | None:
    plain = None
    for device in table:
        if (device.bus, device.vendor, device.product) != (bus, vendor, product):
            continue
        if device.subsystem is None:
            plain = plain or device
            continue
        want_vendor, want_device = device.subsystem
        if subsystem_vendor == want_vendor and want_device in (None, subsystem_device):
            return device
    return plain


def lookup(
    bus: str,
    vendor: int,
    product: int,
    subsystem_vendor: int | None = None,
    subsystem_device: int | None = None,
) -> Device | None:
    """The table entry for these ids; a subsystem-specific entry wins over a plain one."""
    return _match(DEVICES, bus, vendor, product, subsystem_vendor, subsystem_device)


def lookup_not_supported(*ids: Any) -> Device | None:
    """Like lookup(), among the modems fcc-unlock recognises but does not unlock
    (``NOT_SUPPORTED``)."""
    return _match(NOT_SUPPORTED, *ids)


def by_ids(text: str) -> Device | None:
    """The table entry for ``vvvv:pppp`` on either bus, not one tied to PCI subsystem ids
    (what ModemManager's dispatcher file name gives)."""
    from fcc_unlock.host.sysfs import parse_ids

    vendor, product = parse_ids(text)
    for device in DEVICES:
        if (device.vendor, device.product) == (vendor, product) and device.subsystem is None:
            return device
    return None


def decided_by_ids(text: str) -> Device | None:
    """by_ids(), but only when the ids alone decide: no entry for them depends on PCI
    subsystem ids (14c3:4d75 is an AT unlock on Lenovo's card and the Intel MBIM service
    on Dell's), so a caller that knows the ids needs to ask nothing more (no pyudev)."""
    from fcc_unlock.host.sysfs import parse_ids

    try:
        vendor, product = parse_ids(text)
    except ValueError:
        return None
    if any((d.vendor, d.product) == (vendor, product) and d.subsystem is not None for d in DEVICES):
        return None
    return by_ids(text)


def resolve(found: DeviceIds) -> tuple[Device | None, str]:
    """(the entry to unlock with, "") or (None, why not): the one place that says a
    modem is recognised but not unlocked, or not known at all."""
    key = (found.bus, found.vendor, found.product, found.subsystem_vendor, found.subsystem_device)
    entry = lookup(*key)
    if entry is not None:
        return entry, ""
    other = lookup_not_supported(*key)
    if other is not None:
        return None, not_unlocked(str(found), other)
    return None, f"{found} is not in the device table (see --list); if it needs an unlock, try --method"


def not_unlocked(ids: str, device: Device) -> str:
    """How a recognised modem without an open unlock is reported."""
    return f"{ids} {device.model} is FCC-locked, but no open unlock for it is known ({device.note})"


def table_lines() -> list[str]:
    """``fcc-unlock --list``: both tables, aligned; the README shows this verbatim."""
    header = ("bus", "id", "subsystem", "method", "confidence", "model")
    sections = (
        ("Unlocked by fcc-unlock:", DEVICES),
        ("Recognised, but not unlocked by fcc-unlock:", NOT_SUPPORTED),
    )
    rows = [
        (d.bus, d.ids, d.subsystem_ids, d.method, d.confidence, d.model)
        for _, table in sections
        for d in table
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header) - 1)]

    def line(row: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[-1]

    lines: list[str] = []
    for title, table in sections:
        if lines:
            lines.append("")
        lines += [title, line(header)]
        lines += [line((d.bus, d.ids, d.subsystem_ids, d.method, d.confidence, d.model)) for d in table]
    lines += ["", "Why not:"] + [f"  {d.ids} {d.model}: {d.note}" for d in NOT_SUPPORTED]
    return lines


def print_table(as_json: bool = False) -> int:
    from fcc_unlock.host.log import print_document, printable

    if as_json:
        import json

        document = {
            "devices": [d.as_dict() for d in DEVICES],
            "not_supported": [d.as_dict() for d in NOT_SUPPORTED],
        }
        print_document(json.dumps(document, indent=2))
    else:
        print_document("\n".join(printable(line) for line in table_lines()))
    return 0
