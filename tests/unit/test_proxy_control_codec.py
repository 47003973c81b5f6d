"""Proxy Control payloads: the reference vector, round trips, hostile input."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fcc_unlock.mbim import constants as mbim
from fcc_unlock.mbim import layouts
from fcc_unlock.mbim.messages import Command, DecodeError, decode
from fcc_unlock.mbim.proxy_control import (
    configuration,
    describe_version,
    parse_configuration,
    parse_version,
    version,
)

# docs/protocol.md §6.2: CONFIGURATION SET for /dev/cdc-wdm0, 30 s, TID 1.
REFERENCE = bytes.fromhex(
    """
    03 00 00 00 58 00 00 00 01 00 00 00 01 00 00 00 00 00 00 00
    83 8c f7 fb 8d 0d 4d 7f 87 1e d7 1d be fb b3 9b
    01 00 00 00 01 00 00 00 28 00 00 00
    0c 00 00 00 1a 00 00 00 1e 00 00 00
    2f 00 64 00 65 00 76 00 2f 00 63 00 64 00 63 00 2d 00 77 00 64 00 6d 00 30 00 00 00
    """
)


def test_configuration_matches_the_reference_bytes():
    message = Command(
        1,
        mbim.PROXY_CONTROL,
        mbim.PROXY_CONFIGURATION_CID,
        mbim.CommandType.SET,
        configuration("/dev/cdc-wdm0", 30),
    )
    assert message.encode() == REFERENCE


def test_reference_decodes_to_path_and_timeout():
    message = decode(REFERENCE)
    assert isinstance(message, Command)
    assert message.service_id == mbim.PROXY_CONTROL
    assert parse_configuration(message.information_buffer) == ("/dev/cdc-wdm0", 30)


def test_configuration_agrees_with_the_construct_declaration():
    buffer = configuration("/dev/wwan0mbim0", 7)
    fixed = layouts.ProxyConfigurationFixed.parse(buffer)
    assert fixed.timeout == 7
    assert fixed.device_path.offset == 12
    assert (
        buffer[fixed.device_path.offset :][: fixed.device_path.size].decode("utf-16-le") == "/dev/wwan0mbim0"
    )
    assert len(buffer) % 4 == 0


@given(
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), min_size=1),
    st.integers(0, 0xFFFFFFFF),
)
def test_configuration_round_trips(path, timeout):
    assert parse_configuration(configuration(path, timeout)) == (path, timeout)


@pytest.mark.parametrize(("path", "timeout"), [("", 1), ("/dev/x", -1), ("/dev/x", 1 << 32)])
def test_configuration_rejects_what_the_wire_cannot_carry(path, timeout):
    with pytest.raises(ValueError):
        configuration(path, timeout)


@given(st.binary(max_size=64))
def test_any_bytes_parse_or_raise_decode_error(data):
    for parse in (parse_configuration, parse_version):
        try:
            parse(data)
        except DecodeError:
            pass


def test_configuration_with_an_overrunning_path_is_a_decode_error():
    buffer = bytearray(configuration("/dev/cdc-wdm0", 30))
    buffer[4:8] = (200).to_bytes(4, "little")  # size beyond the buffer
    with pytest.raises(DecodeError, match="overruns"):
        parse_configuration(bytes(buffer))


def test_version_round_trip_and_layout():
    buffer = version(0x0100, 0x0300)
    assert buffer == bytes.fromhex("00010003")
    assert layouts.ProxyVersion.parse(buffer) == {"mbim_version": 0x100, "mbim_extended_version": 0x300}
    assert parse_version(buffer) == (0x0100, 0x0300)
    assert describe_version(0x0300) == "3.0"
