"""The per-OEM FCC key: which one this machine's modem expects, and why.

The Intel/MediaTek/Fibocom challenge-response unlocks (AT, XMM RPC, the Intel MBIM
service) mix a 4-byte key into the hash: SHA-256 of a 14-character *model id* that the
laptop maker chose, first four bytes (docs/keys.md §1). Lenovo uses one model id for
every module, Dell one per card, HP one per card or none. The machine may publish its
model id in SMBIOS type 133 (docs/keys.md §2); else the key follows the OEM, read from
the modem's PCI subsystem vendor or DMI ``sys_vendor`` (docs/keys.md §3).

Nothing here is an allowlist: any machine gets the best key we can name for it, with
the reason, and ``--key HEX`` overrides.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

KEY_BYTES = 4
MODEL_ID_LENGTH = 14  # what the vendor tools copy out of the SMBIOS string (docs/keys.md §2)
SMBIOS_FCC_TYPE = 133
DMI_ENTRIES = "firmware/dmi/entries"
MAX_ENTRY_BYTES = 4096  # a type-133 record is a few dozen bytes; never read more than this


class BadKey(ValueError):
    """A key given on the command line that is not 4 bytes of hex."""


class Key:
    """Four key bytes, the model id they were hashed from (if any) and why this key."""

    __slots__ = ("value", "model_id", "source")

    def __init__(self, value: bytes, model_id: str | None, source: str) -> None:
        if len(value) != KEY_BYTES:
            raise ValueError(f"a key is {KEY_BYTES} bytes, not {len(value)}")
        self.value = value
        self.model_id = model_id
        self.source = source

    @classmethod
    def from_model_id(cls, model_id: str, source: str) -> Key:
        from fcc_unlock import sha256

        return cls(sha256(model_id.encode("ascii"))[:KEY_BYTES], model_id, source)

    @property
    def hex(self) -> str:
        return self.value.hex()

    def __str__(self) -> str:
        named = f" ({self.model_id})" if self.model_id else ""
        return f"{self.hex}{named}, {self.source}"

    def __repr__(self) -> str:
        return f"Key({self.hex}, {self.model_id!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Key) and other.value == self.value

    def __hash__(self) -> int:
        return hash(self.value)

    def as_dict(self) -> dict[str, object]:
        return {"key": self.hex, "model_id": self.model_id, "source": self.source}


# OEM -> model id. Sources: docs/keys.md §1 (each id and hash there).
LENOVO_MODEL_ID = "KHOIHGIUCCHHII"
DELL_DW5823E = "DW5823EFCCLOCK"  # L860R+ (8086:7560) in Dell machines
DELL_DW5931E = "DW5931EFCCLOCK"  # FM350 (14c3:4d75) in Dell machines
DELL_DW5933E = "DW5933EFCCLOCK"  # FM350 variant 14c0:4d75
HP_WNC = "WNCHPCEFCCLOCK"  # HP DRMR-H01; a candidate for HP's FM350

PCI_VENDOR_LENOVO = 0x17AA
PCI_VENDOR_LENOVO_MODULES = 0x1CF8  # the subsystem vendor on Lenovo's FM350/L860 cards
PCI_VENDOR_DELL = 0x1028
PCI_VENDOR_HP = 0x103C
PCI_VENDOR_ROLLING = 0x2099  # Rolling RW350R-GL, Lenovo machines

# (modem vendor:product, OEM) -> model id, for OEMs that use one id per card.
DELL_CARDS = {
    (0x8086, 0x7560): DELL_DW5823E,
    (0x14C3, 0x4D75): DELL_DW5931E,
    (0x14C0, 0x4D75): DELL_DW5933E,
}

OEMS = {
    PCI_VENDOR_LENOVO: "lenovo",
    PCI_VENDOR_LENOVO_MODULES: "lenovo",
    PCI_VENDOR_ROLLING: "lenovo",
    PCI_VENDOR_DELL: "dell",
    PCI_VENDOR_HP: "hp",
}


def parse_key(text: str) -> Key:
    """``--key HEX``: 8 hex digits (an optional ``0x``); raises BadKey."""
    digits = text.strip()
    if digits[:2].lower() == "0x":
        digits = digits[2:]
    if len(digits) != 2 * KEY_BYTES or any(c not in "0123456789abcdefABCDEF" for c in digits):
        raise BadKey(f"--key wants {KEY_BYTES} bytes as 8 hex digits (like 3df8c719), not {text!r}")
    return Key(bytes.fromhex(digits), None, "given with --key")


def smbios_model_ids(sysfs: str = "/sys") -> list[str]:
    """Every 14-character model id in the SMBIOS type-133 records, in entry order.

    A machine can carry two type-133 records, an "FCC type" one that has the model id
    in its string table and a "WWAN config id" one without strings, in either order
    (docs/keys.md §2), so every ``133-*`` entry is read, not only ``133-0``.
    """
    base = os.path.join(sysfs, DMI_ENTRIES)
    try:
        names = os.listdir(base)
    except OSError:
        return []
    found: list[str] = []
    for name in sorted(names, key=_entry_order):
        if not name.startswith(f"{SMBIOS_FCC_TYPE}-"):
            continue
        raw = _read_bytes(os.path.join(base, name, "raw"))
        if raw is not None:
            found.extend(model_ids_in_record(raw))
    return found


def model_ids_in_record(raw: bytes) -> list[str]:
    """The model ids in one raw SMBIOS record: strings of exactly 14 printable ASCII
    characters in the string table after the formatted area (docs/keys.md §2)."""
    if len(raw) < 4 or raw[0] != SMBIOS_FCC_TYPE:
        return []
    formatted = raw[1]
    if formatted < 4 or formatted > len(raw):
        return []
    strings = raw[formatted:].split(b"\0")
    ids = []
    for chunk in strings:
        if not chunk:
            break  # the double NUL that ends the table
        if len(chunk) == MODEL_ID_LENGTH and all(0x21 <= c < 0x7F for c in chunk):
            ids.append(chunk.decode("ascii"))
    return ids


def dmi_sys_vendor(sysfs: str = "/sys") -> str | None:
    raw = _read_bytes(os.path.join(sysfs, "class", "dmi", "id", "sys_vendor"))
    if raw is None:
        return None
    text = raw.decode("ascii", "replace").strip()
    return text or None


def oem_of(subsystem_vendor: int | None, sys_vendor: str | None) -> tuple[str | None, str]:
    """The laptop maker, and what told us: the modem's PCI subsystem vendor first (the
    card was made for that OEM), DMI ``sys_vendor`` second."""
    if subsystem_vendor is not None and subsystem_vendor in OEMS:
        return OEMS[subsystem_vendor], f"PCI subsystem vendor {subsystem_vendor:04x}"
    if sys_vendor:
        lowered = sys_vendor.lower()
        for word, oem in (("lenovo", "lenovo"), ("dell", "dell"), ("hp", "hp"), ("hewlett", "hp")):
            if lowered == word or lowered.startswith(word + " ") or lowered.startswith(word):
                return oem, f"DMI sys_vendor {sys_vendor!r}"
    return None, "neither the PCI subsystem vendor nor DMI sys_vendor names a known OEM"


def choose_key(
    modem: tuple[int, int] | None,
    subsystem_vendor: int | None = None,
    override: Key | None = None,
    sysfs: str = "/sys",
    smbios: Iterable[str] | None = None,
    sys_vendor: str | None = None,
) -> Key:
    """The key for ``modem`` (vendor, product) in this machine, with why.

    Order: ``--key``; the SMBIOS type-133 model id; the OEM's model id for this card;
    Lenovo's, which every open tool uses and most of these modules carry.
    ``smbios`` and ``sys_vendor`` are read from ``sysfs`` when not given.
    """
    if override is not None:
        return override
    ids = list(smbios_model_ids(sysfs) if smbios is None else smbios)
    if ids:
        return Key.from_model_id(ids[0], "from SMBIOS type 133")
    if sys_vendor is None:
        sys_vendor = dmi_sys_vendor(sysfs)
    oem, why = oem_of(subsystem_vendor, sys_vendor)
    if oem == "dell" and modem in DELL_CARDS:
        return Key.from_model_id(DELL_CARDS[modem], f"Dell's id for this card ({why})")
    if oem == "hp":
        return Key.from_model_id(HP_WNC, f"HP's candidate id, unverified ({why})")
    if oem == "lenovo":
        return Key.from_model_id(LENOVO_MODEL_ID, f"Lenovo's id ({why})")
    return Key.from_model_id(LENOVO_MODEL_ID, f"Lenovo's id, the common default ({why})")


def key_for_device(devnode: str, override: Key | None = None, sysfs: str = "/sys") -> Key:
    """choose_key() for the modem behind ``devnode``: its ids and PCI subsystem vendor
    from sysfs (a pty or an unknown node has neither: the machine's SMBIOS and DMI
    decide alone)."""
    from fcc_unlock.host.sysfs import find_modem, read_attribute

    modem = subsystem_vendor = None
    found = find_modem(devnode, sysfs)
    if found is not None:
        bus, path = found
        names = ("idVendor", "idProduct") if bus == "usb" else ("vendor", "device")
        try:
            vendor, product = (int(read_attribute(os.path.join(path, n)) or "", 16) for n in names)
            modem = (vendor, product)
        except ValueError:
            pass
        if bus == "pci":
            try:
                subsystem_vendor = int(read_attribute(os.path.join(path, "subsystem_vendor")) or "", 16)
            except ValueError:
                pass
    return choose_key(modem, subsystem_vendor, override, sysfs)


def _entry_order(name: str) -> tuple[int, int, str]:
    kind, _, index = name.partition("-")
    try:
        return int(kind), int(index), name
    except ValueError:
        return 1 << 16, 0, name


def _read_bytes(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read(MAX_ENTRY_BYTES)
    except OSError:
        return None
