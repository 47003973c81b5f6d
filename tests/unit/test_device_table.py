"""The device table: ModemManager's list covered, lookups, shared ids, --list."""

import json
import re

import pytest
from conftest import ROOT, run_cli

from fcc_unlock.host import devices
from fcc_unlock.host.devices import DEVICES, NOT_SUPPORTED, lookup, lookup_not_supported

# ModemManager's dispatcher list (docs/modemmanager.md §1.1, docs/protocol.md §4.9) -> our method.
MODEMMANAGER = {
    ("pci", 0x105B, 0xE0AB): "foxconn",
    ("pci", 0x105B, 0xE0C3): "foxconn",
    ("usb", 0x05C6, 0x90D5): "foxconn",
    ("usb", 0x03F0, 0x4E1D): "sierra",
    ("usb", 0x1199, 0x9079): "sierra",
    ("usb", 0x413C, 0x81A3): "sierra",
    ("usb", 0x413C, 0x81A8): "sierra",
    ("pci", 0x1EAC, 0x1001): "quectel",
    ("pci", 0x1EAC, 0x1004): "quectel",
    ("pci", 0x1EAC, 0x1007): "quectel",
    ("usb", 0x2C7C, 0x030A): "quectel",
    ("usb", 0x2C7C, 0x0313): "quectel",
    ("usb", 0x2C7C, 0x0314): "quectel",
    ("usb", 0x2C7C, 0x0801): "quectel",
    ("pci", 0x14C3, 0x4D75): "fm350-at",
    ("pci", 0x8086, 0x7360): "xmm7360-rpc",
}
# Beyond ModemManager's list (docs/devices.md §1): (ids with subsystem) -> (method, confidence).
BEYOND = {
    ("pci", 0x14C3, 0x4D75, 0x1CF8, 0x3500): ("fm350-at", "confirmed"),  # Lenovo's card
    ("pci", 0x14C3, 0x4D75, 0x2099, 0x3552): ("fm350-at", "confirmed"),  # Rolling RW350R-GL
    ("pci", 0x14C3, 0x4D75, 0x1028, 0x5931): ("intel-mbim", "reported"),  # Dell DW5931e
    ("pci", 0x14C0, 0x4D75, 0x1028, 0x5933): ("intel-mbim", "reported"),  # Dell DW5933e
    ("pci", 0x8086, 0x7560, 0x1CF8, 0x2000): ("l860-at", "reported"),  # Lenovo L860R+
    ("pci", 0x8086, 0x7560, 0x1028, 0x5823): ("intel-mbim", "reported"),  # Dell DW5823e
    ("pci", 0x8086, 0x7560, 0x0000, 0x0000): ("intel-mbim", "reported"),
    ("pci", 0x17CB, 0x0308, 0x105B, 0xE142): ("foxconn-e4", "reported"),  # T99W696
    ("usb", 0x33F8, 0x01A8, None, None): ("rw101-at", "reported"),
    ("usb", 0x2CB7, 0x0007, None, None): ("intel-mbim", "reported"),  # L850-GL in MBIM mode
    ("pci", 0x1EAC, 0x100D, None, None): ("quectel", "reported"),
    ("usb", 0x2C7C, 0x6008, None, None): ("quectel", "reported"),
    ("usb", 0x2C7C, 0x0311, None, None): ("quectel", "reported"),
}


@pytest.mark.parametrize(("ids", "method"), MODEMMANAGER.items())
def test_every_modemmanager_id_has_its_method(ids, method):
    entry = lookup(*ids)
    assert entry is not None and entry.method == method
    assert entry.confidence == devices.CONFIRMED


@pytest.mark.parametrize(("ids", "expected"), BEYOND.items())
def test_the_families_beyond_modemmanager_have_their_method_and_confidence(ids, expected):
    entry = lookup(*ids)
    assert entry is not None and (entry.method, entry.confidence) == expected


def test_every_method_of_the_table_has_a_port_type():
    from fcc_unlock.host.devices import METHOD_PORTS

    for device in DEVICES:
        assert device.method in METHOD_PORTS, device


def test_recognised_modems_without_an_open_unlock_are_not_matched():
    for ids in (("usb", 0x413C, 0x81D7), ("pci", 0x105B, 0xE0F5), ("pci", 0x17CB, 0x0309)):
        assert lookup(*ids) is None
        assert lookup_not_supported(*ids) is not None


def test_sierra_ids_beyond_modemmanager():
    assert lookup("usb", 0x1199, 0x901F).method == "sierra"  # T440p EM7355
    assert lookup("usb", 0x1199, 0x9071).confidence == devices.REPORTED  # re-flashed EM7455


def test_bus_matters():
    assert lookup("pci", 0x1199, 0x9079) is None
    assert lookup("usb", 0x105B, 0xE0AB) is None


def test_subsystem_entry_needs_its_subsystem():
    assert lookup("pci", 0x17CB, 0x0308, 0x105B, 0xE0FF).model.startswith("Foxconn T99W696")
    assert lookup("pci", 0x17CB, 0x0308, 0x1199, 0x0001) is None
    assert lookup("pci", 0x17CB, 0x0308) is None


def test_subsystem_specific_entry_wins_over_a_plain_one(monkeypatch):
    plain = devices.Device("pci", 0x1111, 0x2222, "plain", "sierra", devices.CONFIRMED)
    special = devices.Device(
        "pci", 0x1111, 0x2222, "oem", "foxconn", devices.CONFIRMED, subsystem=(0x3333, 0x4444)
    )
    monkeypatch.setattr(devices, "DEVICES", (plain, special))
    assert lookup("pci", 0x1111, 0x2222, 0x3333, 0x4444) is special
    assert lookup("pci", 0x1111, 0x2222, 0x3333, 0x5555) is plain
    assert lookup("pci", 0x1111, 0x2222) is plain


def test_no_duplicate_entries():
    keys = [(d.bus, d.vendor, d.product, d.subsystem) for d in DEVICES + NOT_SUPPORTED]
    assert len(keys) == len(set(keys))


def test_fields_are_well_formed():
    for device in DEVICES + NOT_SUPPORTED:
        assert device.bus in ("usb", "pci")
        assert 0 <= device.vendor <= 0xFFFF and 0 <= device.product <= 0xFFFF
        assert device.confidence in (devices.CONFIRMED, devices.REPORTED)
        assert device.subsystem is None or device.bus == "pci"
        assert device.model and device.note


def test_list_prints_the_table():
    result = run_cli("--list")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == devices.table_lines()
    for device in DEVICES + NOT_SUPPORTED:
        assert re.search(rf"{device.bus}\s+{device.ids}\s+\S+\s+{device.method}\s", result.stdout)


def test_list_json():
    result = run_cli("--list", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert [d["ids"] for d in document["devices"]] == [d.ids for d in DEVICES]
    assert [d["ids"] for d in document["not_supported"]] == [d.ids for d in NOT_SUPPORTED]


def test_readme_shows_the_current_table():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- device-table: fcc-unlock --list -->\n```\n(.*?)\n```", readme, re.S)
    assert block, "README.md lacks the device table block"
    assert block.group(1).splitlines() == devices.table_lines(), (
        "README table is stale: paste fcc-unlock --list"
    )
