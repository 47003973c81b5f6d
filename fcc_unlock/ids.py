"""``vvvv:pppp``: the vendor:product notation of USB and PCI ids (lsusb, lspci, MM)."""

from __future__ import annotations

HEX = frozenset("0123456789abcdefABCDEF")


def parse_ids(text: str) -> tuple[int, int]:
    """``1199:9079`` -> (0x1199, 0x9079); ValueError unless two groups of 4 hex digits."""
    vendor, colon, product = text.partition(":")
    if not colon or len(vendor) != 4 or len(product) != 4 or not HEX.issuperset(vendor + product):
        raise ValueError(f"not a vendor:product id pair: {text!r}")
    return int(vendor, 16), int(product, 16)


def format_ids(vendor: int, product: int) -> str:
    return f"{vendor:04x}:{product:04x}"
