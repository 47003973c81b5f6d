"""The FCC challenge-response arithmetic with the reference vectors (docs/at.md §4)."""

import hashlib

import pytest

from fcc_unlock.at.fcclock import as_decimal, as_hex, response

LENOVO = bytes.fromhex("3df8c719")
DELL_DW5931E = bytes.fromhex("4909b5a4")
DELL_DW5823E = bytes.fromhex("bb23be7f")


def test_fm350_lenovo_vector():
    assert response(0x12345678, LENOVO, "big") == 1787294009 == 0x6A87F139


def test_fm350_dell_vector_a_real_dw5931e_accepted():
    assert response(0, DELL_DW5931E, "big") == 2065811812


def test_little_endian_matches_the_dell_dw5823e_vector():
    # The same arithmetic on the Intel MBIM service (reference notes): a cross-check of LE.
    assert response(0x12345678, DELL_DW5823E, "little") == 1927859199


def test_l860_vectors_computed_here():
    assert response(0x12345678, LENOVO, "little") == 1075640449
    assert response(0xCA50DD3B, DELL_DW5823E, "little") == 90311400


@pytest.mark.parametrize("challenge", [0, 1, 0x12345678, 0xFFFFFFFF])
@pytest.mark.parametrize("order", ["big", "little"])
def test_same_as_hashlib(challenge, order):
    digest = hashlib.sha256(challenge.to_bytes(4, order) + LENOVO).digest()
    assert response(challenge, LENOVO, order) == int.from_bytes(digest[:4], order)


def test_byte_orders_differ():
    assert response(0x12345678, LENOVO, "big") != response(0x12345678, LENOVO, "little")


def test_rw101_sends_the_fm350_number_in_hex():
    assert as_hex(response(0x12345678, LENOVO, "big")) == "0x6a87f139"
    assert as_hex(5) == "0x00000005"
    assert as_decimal(1787294009) == "1787294009"


@pytest.mark.parametrize(("challenge", "key"), [(-1, LENOVO), (1 << 32, LENOVO), (0, b"\x00" * 3)])
def test_out_of_range(challenge, key):
    with pytest.raises(ValueError):
        response(challenge, key, "big")
