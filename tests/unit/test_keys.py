"""The per-OEM key: the model-id hashes of docs/keys.md §1, the SMBIOS type-133 walk
(docs/keys.md §2) and the OEM fallback (docs/keys.md §3), on fake sysfs trees."""

from __future__ import annotations

import struct

import pytest

from fcc_unlock.host import keys


@pytest.mark.parametrize(
    "model_id, key",
    [
        ("KHOIHGIUCCHHII", "3df8c719"),
        ("DW5823EFCCLOCK", "bb23be7f"),
        ("DW5931EFCCLOCK", "4909b5a4"),
        ("DW5933EFCCLOCK", "93555146"),
        ("WNCHPCEFCCLOCK", "576f0ae0"),
    ],
)
def test_each_model_id_hashes_to_its_documented_key(model_id: str, key: str) -> None:
    assert keys.Key.from_model_id(model_id, "test").hex == key


def record(formatted: bytes, *strings: bytes) -> bytes:
    """A raw SMBIOS record of type 133: type, length, handle, data, then strings."""
    head = struct.pack("<BBH", 133, 4 + len(formatted), 0x1234) + formatted
    table = b"".join(s + b"\0" for s in strings) + b"\0" if strings else b"\0\0"
    return head + table


def write_entries(tmp_path, records: dict[str, bytes]) -> str:
    for name, raw in records.items():
        entry = tmp_path / "firmware" / "dmi" / "entries" / name
        entry.mkdir(parents=True)
        (entry / "raw").write_bytes(raw)
    return str(tmp_path)


FCC_TYPE = record(b"\x01", b"DW5823EFCCLOCK")  # formatted length 5
CONFIG_ID = record(bytes(0x2C - 4))  # formatted length 0x2c, no strings


def test_the_model_id_is_found_in_the_second_type_133_record(tmp_path) -> None:
    sysfs = write_entries(tmp_path, {"133-0": CONFIG_ID, "133-1": FCC_TYPE, "1-0": record(b"\x00")})
    assert keys.smbios_model_ids(sysfs) == ["DW5823EFCCLOCK"]
    key = keys.choose_key((0x8086, 0x7560), None, sysfs=sysfs, sys_vendor="LENOVO")
    assert (key.hex, key.model_id, key.source) == ("bb23be7f", "DW5823EFCCLOCK", "from SMBIOS type 133")


def test_strings_of_another_length_or_record_type_are_not_model_ids(tmp_path) -> None:
    other_type = b"\x86" + FCC_TYPE[1:]
    sysfs = write_entries(
        tmp_path, {"133-0": record(b"\x01", b"SHORT", b"FIFTEEN-CHARSXX"), "134-0": other_type}
    )
    assert keys.smbios_model_ids(sysfs) == []
    assert keys.model_ids_in_record(b"") == []
    assert keys.model_ids_in_record(b"\x85\xff\x00\x00") == []  # length past the end


@pytest.mark.parametrize(
    "modem, subsystem_vendor, sys_vendor, key, why",
    [
        ((0x8086, 0x7560), 0x1028, None, "bb23be7f", "PCI subsystem vendor 1028"),
        ((0x14C3, 0x4D75), None, "Dell Inc.", "4909b5a4", "DMI sys_vendor"),
        ((0x14C3, 0x4D75), 0x1CF8, "Dell Inc.", "3df8c719", "PCI subsystem vendor 1cf8"),
        ((0x14C3, 0x4D75), 0x103C, None, "576f0ae0", "unverified"),
        ((0x8086, 0x7360), None, "LENOVO", "3df8c719", "Lenovo's id"),
        ((0x8086, 0x7360), None, "ACME Laptops", "3df8c719", "the common default"),
        (None, None, None, "3df8c719", "the common default"),
    ],
)
def test_without_smbios_the_oem_decides(tmp_path, modem, subsystem_vendor, sys_vendor, key, why) -> None:
    chosen = keys.choose_key(modem, subsystem_vendor, sysfs=str(tmp_path), sys_vendor=sys_vendor)
    assert chosen.hex == key
    assert why in chosen.source


def test_the_command_line_key_wins(tmp_path) -> None:
    sysfs = write_entries(tmp_path, {"133-0": FCC_TYPE})
    given = keys.parse_key("0xBB23BE7F")
    assert keys.choose_key((0x8086, 0x7560), override=given, sysfs=sysfs) is given
    assert given.source == "given with --key"


@pytest.mark.parametrize("text", ["", "3df8c7", "3df8c7190", "zzzzzzzz", "0x", "3df8 c71"])
def test_a_malformed_key_is_refused_with_the_reason(text: str) -> None:
    with pytest.raises(keys.BadKey, match="8 hex digits"):
        keys.parse_key(text)


def test_dmi_sys_vendor_is_read_from_sysfs(tmp_path) -> None:
    (tmp_path / "class" / "dmi" / "id").mkdir(parents=True)
    (tmp_path / "class" / "dmi" / "id" / "sys_vendor").write_text("Dell Inc.\n")
    assert keys.dmi_sys_vendor(str(tmp_path)) == "Dell Inc."
    assert keys.dmi_sys_vendor(str(tmp_path / "missing")) is None
