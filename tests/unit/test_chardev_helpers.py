"""The pure helpers of transport/chardev.py: ioctl numbers and MaxControlTransfer discovery."""

from __future__ import annotations

import os

import pytest

from fcc_unlock.transport import chardev
from fcc_unlock.transport.chardev import (
    DEFAULT_MAX_CONTROL_TRANSFER,
    ioc_read,
    max_command_from_descriptors,
    max_command_from_sysfs,
    max_control_transfer,
)

# --- _IOR('H', 0xA0, __u16) ------------------------------------------------------------


@pytest.mark.parametrize(
    "machine", ["x86_64", "i686", "aarch64", "armv7l", "riscv64", "s390x", "loongarch64"]
)
def test_ioctl_wdm_max_command_on_generic_layouts(machine):
    # docs/protocol.md §1.11: READ=2<<30 | size 2<<16 | 'H'<<8 | 0xA0
    assert ioc_read("H", 0xA0, 2, machine) == 0x800248A0


@pytest.mark.parametrize("machine", ["ppc64le", "ppc64", "ppc", "mips", "mips64", "sparc64", "alpha"])
def test_ioctl_wdm_max_command_where_read_is_shifted_differently(machine):
    # READ=2 but with a 13-bit size field the direction starts at bit 29.
    assert ioc_read("H", 0xA0, 2, machine) == 0x400248A0


@pytest.mark.parametrize("machine", ["parisc", "parisc64"])
def test_ioctl_wdm_max_command_on_parisc(machine):
    # PA-RISC keeps the generic shifts but swaps the direction values: READ is 1.
    assert ioc_read("H", 0xA0, 2, machine) == 0x400248A0


def test_ioctl_constant_is_for_this_machine():
    assert ioc_read("H", 0xA0, 2) == chardev.IOCTL_WDM_MAX_COMMAND
    if os.uname().machine in ("x86_64", "aarch64"):
        assert chardev.IOCTL_WDM_MAX_COMMAND == 0x800248A0


def test_ioc_read_rejects_sizes_beyond_the_size_field():
    assert ioc_read("H", 1, (1 << 14) - 1, "x86_64")
    with pytest.raises(ValueError):
        ioc_read("H", 1, 1 << 14, "x86_64")
    with pytest.raises(ValueError):
        ioc_read("H", 1, 1 << 13, "ppc64le")


# --- descriptors ---------------------------------------------------------------------------

DEVICE = bytes.fromhex("12 01 00 02 ef 02 01 40 99 11 79 90 06 00 01 02 03 01")
CONFIG = bytes.fromhex("09 02 9b 00 03 01 00 a0 fa")
INTERFACE = bytes.fromhex("09 04 0c 00 01 02 0e 00 00")
HEADER_FUNCTIONAL = bytes.fromhex("05 24 00 10 01")
UNION_FUNCTIONAL = bytes.fromhex("05 24 06 0c 0d")


def mbim_functional(max_control: int) -> bytes:
    # bLength 12, CS_INTERFACE, MBIM subtype, bcdMBIMVersion 1.00, wMaxControlMessage,
    # bNumberFilters, bMaxFilterSize, wMaxSegmentSize, bmNetworkCapabilities
    return (
        bytes.fromhex("0c 24 1b 00 01") + max_control.to_bytes(2, "little") + bytes.fromhex("20 80 dc 05 20")
    )


def test_descriptor_walk_finds_w_max_control_message():
    blob = DEVICE + CONFIG + INTERFACE + HEADER_FUNCTIONAL + UNION_FUNCTIONAL + mbim_functional(512)
    assert max_command_from_descriptors(blob) == 512


def test_descriptor_walk_reads_the_u16_at_offset_5():
    assert max_command_from_descriptors(mbim_functional(0x1234)) == 0x1234


def test_descriptor_walk_without_mbim_descriptor():
    assert max_command_from_descriptors(DEVICE + CONFIG + INTERFACE + HEADER_FUNCTIONAL) is None
    assert max_command_from_descriptors(b"") is None


def test_descriptor_walk_follows_b_length_not_the_signature():
    """The signature inside another descriptor's body is not a descriptor."""
    hidden = bytes([14, 0xFF]) + mbim_functional(999)
    assert max_command_from_descriptors(hidden + mbim_functional(512)) == 512


def test_descriptor_walk_stops_at_zero_length():
    # A zero bLength would loop forever; the walk gives up instead.
    assert max_command_from_descriptors(DEVICE + b"\x00\x24\x1b\x00" + mbim_functional(512)) is None


def test_descriptor_walk_truncated():
    blob = DEVICE + mbim_functional(512)
    assert max_command_from_descriptors(blob[: len(DEVICE) + 6]) is None  # u16 cut in half
    assert max_command_from_descriptors(blob[: len(DEVICE) + 7]) == 512  # u16 complete
    assert max_command_from_descriptors(DEVICE[:5]) is None


def test_descriptor_walk_other_mbim_version_byte_is_not_matched():
    other = bytearray(mbim_functional(512))
    other[3] = 0x01  # low byte of bcdMBIMVersion is part of libmbim's signature
    assert max_command_from_descriptors(bytes(other)) is None


# --- sysfs ---------------------------------------------------------------------------------


def fake_sysfs(tmp_path, blob: bytes | None, subsystem: str = "usbmisc", name: str = "cdc-wdm0"):
    """class/<subsystem>/<name>/device -> .../1-1/1-1:1.0, and 1-1/descriptors = blob."""
    usb_device = tmp_path / "devices" / "pci0000:00" / "usb1" / "1-1"
    interface = usb_device / "1-1:1.12"
    interface.mkdir(parents=True)
    if blob is not None:
        (usb_device / "descriptors").write_bytes(blob)
    node = tmp_path / "class" / subsystem / name
    node.mkdir(parents=True)
    (node / "device").symlink_to(os.path.relpath(interface, node))
    return str(tmp_path)


def test_sysfs_usbmisc(tmp_path):
    sysfs = fake_sysfs(tmp_path, DEVICE + CONFIG + INTERFACE + mbim_functional(512))
    assert max_command_from_sysfs("cdc-wdm0", sysfs) == 512


def test_sysfs_usb_class_of_old_kernels(tmp_path):
    sysfs = fake_sysfs(tmp_path, DEVICE + mbim_functional(1024), subsystem="usb")
    assert max_command_from_sysfs("cdc-wdm0", sysfs) == 1024


def test_sysfs_missing_node_or_descriptors(tmp_path):
    assert max_command_from_sysfs("cdc-wdm0", str(tmp_path)) is None
    sysfs = fake_sysfs(tmp_path, None)
    assert max_command_from_sysfs("cdc-wdm0", sysfs) is None
    assert max_command_from_sysfs("wwan0mbim0", sysfs) is None


def test_sysfs_descriptors_without_mbim(tmp_path):
    assert max_command_from_sysfs("cdc-wdm0", fake_sysfs(tmp_path, DEVICE + CONFIG)) is None


# --- the whole discovery: ioctl, then sysfs, then 4096 ---------------------------------------


@pytest.fixture
def not_a_wdm_fd():
    """An fd that refuses IOCTL_WDM_MAX_COMMAND, as wwan ports and ptys do."""
    read_end, write_end = os.pipe()
    yield read_end
    os.close(read_end)
    os.close(write_end)


def test_discovery_falls_back_to_sysfs(tmp_path, not_a_wdm_fd):
    sysfs = fake_sysfs(tmp_path, DEVICE + mbim_functional(512))
    assert max_control_transfer(not_a_wdm_fd, "cdc-wdm0", sysfs) == (512, "sysfs")


def test_discovery_ignores_nonsense_sysfs_values(tmp_path, not_a_wdm_fd):
    sysfs = fake_sysfs(tmp_path, DEVICE + mbim_functional(63))
    assert max_control_transfer(not_a_wdm_fd, "cdc-wdm0", sysfs) == (DEFAULT_MAX_CONTROL_TRANSFER, "default")


def test_discovery_defaults_to_4096(tmp_path, not_a_wdm_fd):
    assert max_control_transfer(not_a_wdm_fd, "wwan0mbim0", str(tmp_path)) == (4096, "default")
