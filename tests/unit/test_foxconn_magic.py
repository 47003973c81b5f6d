"""The Foxconn v2 magic string against the reference vector (docs/protocol.md §4.8)."""

import hashlib
import sys

import pytest

from fcc_unlock.methods.foxconn import magic_string, trim_firmware_version
from fcc_unlock.sim.faults import Faults
from fcc_unlock.sim.model import SimModem
from fcc_unlock.sim.personalities import Foxconn

# Computed by running ModemManager's shell pipeline (docs/protocol.md §4.8).
FIRMWARE = "T99W175.F0.1.0.0.9.GC.004.013"
APPS = "T99W175.F0.0.0.9.1.GC.004"
IMEI = "123456789012345"
MAGIC = "salt1f325d68c16d5cb455784554cb3e9500"


def test_reference_vector():
    assert magic_string(FIRMWARE, APPS, IMEI) == MAGIC


def test_magic_is_36_ascii_characters():
    magic = magic_string(FIRMWARE, APPS, IMEI)
    assert len(magic) == 36 and magic.startswith("salt") and magic.isascii()
    int(magic[4:], 16)


@pytest.mark.parametrize(
    ("version", "trimmed"),
    [
        (FIRMWARE, "T99W175.F0.1.0.0.9.GC"),
        ("A.B.C", "A"),
        ("A..", "A"),
        ("..", ""),
        ("A.B", "A.B"),  # fewer than two dots: sed leaves it alone
        ("plain", "plain"),
    ],
)
def test_trim_drops_the_last_two_dot_fields_like_sed(version, trimmed):
    assert trim_firmware_version(version) == trimmed


def test_every_input_changes_the_magic():
    base = magic_string(FIRMWARE, APPS, IMEI)
    assert magic_string(FIRMWARE.replace("GC.004", "GD.004"), APPS, IMEI) != base
    assert magic_string(FIRMWARE, APPS + "x", IMEI) != base
    assert magic_string(FIRMWARE, APPS, IMEI[:-1] + "6") != base
    # The two dropped fields do not count.
    assert magic_string("T99W175.F0.1.0.0.9.GC.999.999", APPS, IMEI) == base


def test_simulator_expects_the_same_magic_from_its_own_strings():
    """Two independent implementations (client and simulated modem) agree."""
    personality = Foxconn()
    assert (personality.firmware_mcfg, personality.firmware_apps, personality.imei) == (FIRMWARE, APPS, IMEI)
    assert personality.expected_magic(SimModem(personality)) == MAGIC
    assert personality.expected_magic(SimModem(personality, Faults(wrong_magic=True))) != MAGIC


def test_md5_is_of_the_concatenation():
    text = "T99W175.F0.1.0.0.9.GC" + APPS + IMEI + "salt" + "foxc"
    assert "salt" + hashlib.md5(text.encode()).hexdigest() == MAGIC


def test_without_cpythons_md5_module_hashlib_gives_the_same(monkeypatch):
    monkeypatch.setitem(sys.modules, "_md5", None)  # import raises ImportError
    assert magic_string(FIRMWARE, APPS, IMEI) == MAGIC
