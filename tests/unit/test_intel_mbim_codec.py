"""Intel Mutual Authentication FCC_LOCK (docs/protocol.md §5.5): payloads, the response
arithmetic against the reference's vectors, and what the QUERY's two values prove."""

import hashlib

import pytest

from fcc_unlock import lockstate
from fcc_unlock.host.keys import Key
from fcc_unlock.mbim import catalog, intel
from fcc_unlock.mbim import constants as mbim
from fcc_unlock.mbim.messages import Command, DecodeError
from fcc_unlock.methods.intel_mbim import fcc_response

DELL = Key.from_model_id("DW5823EFCCLOCK", "test")
LENOVO = Key.from_model_id("KHOIHGIUCCHHII", "test")


def test_the_keys_are_the_reference_table_values():
    assert DELL.value == bytes.fromhex("bb23be7f")
    assert LENOVO.value == bytes.fromhex("3df8c719")


def test_dell_vector_challenge_0x12345678_gives_1927859199():
    # The reference notes' Dell vector: SET(1, 1927859199), the digest's bytes ff cb e8 72 as sent.
    assert fcc_response(0x12345678, DELL.value) == 1927859199
    assert intel.fcc_lock_set(1, 1927859199) == bytes.fromhex("01000000ffcbe872")


def test_response_is_sha256_of_the_wire_bytes_and_the_key():
    challenge = 0xA1B2C3D4
    digest = hashlib.sha256(bytes.fromhex("d4c3b2a1") + DELL.value).digest()
    assert fcc_response(challenge, DELL.value).to_bytes(4, "little") == digest[:4]
    assert fcc_response(challenge, DELL.value) != fcc_response(challenge, LENOVO.value)


def test_l850gl_real_log_is_the_same_arithmetic():
    # usb-modeswitch issue 23: challenge cda9e7dd, "resp: dd e7 a9 cd 3d f8 c7 19", the
    # hash input; our response hashes exactly those eight bytes.
    hashed = (0xCDA9E7DD).to_bytes(4, "little") + LENOVO.value
    assert hashed == bytes.fromhex("dde7a9cd3df8c719")
    expected = int.from_bytes(hashlib.sha256(hashed).digest()[:4], "little")
    assert fcc_response(0xCDA9E7DD, LENOVO.value) == expected


def test_whole_set_command_bytes():
    payload = catalog.INTEL_FCC_LOCK.set.build(response_present=1, response=1927859199)
    command = Command(7, mbim.INTEL_MUTUAL_AUTHENTICATION, 1, mbim.CommandType.SET, payload)
    assert command.encode().hex() == (
        "03000000" "38000000" "07000000" "01000000" "00000000"
        "f85d46efab26408198684d183c0a3aec" "01000000" "01000000" "08000000"
        "01000000" "ffcbe872"
    )  # fmt: skip


@pytest.mark.parametrize(
    "parse, build",
    [
        (intel.parse_lock_state, intel.lock_state),
        (intel.parse_fcc_lock_set, intel.fcc_lock_set),
        (intel.parse_challenge, intel.challenge),
    ],
)
def test_each_payload_round_trips_and_refuses_short_buffers(parse, build):
    assert parse(build(2, 0x12345678)) == (2, 0x12345678)
    assert parse(build(2, 0x12345678) + b"extra") == (2, 0x12345678)
    for size in range(8):
        with pytest.raises(DecodeError):
            parse(bytes(size))


def test_the_session_parses_a_set_reply_as_a_challenge_and_a_query_reply_as_the_lock():
    entry = catalog.INTEL_FCC_LOCK
    assert entry.reply(mbim.CommandType.QUERY).parse_name == "parse_lock_state"
    assert entry.reply(mbim.CommandType.SET).parse_name == "parse_challenge"
    # The other CIDs keep one reply payload for both.
    assert catalog.RADIO_STATE.reply(mbim.CommandType.SET) is catalog.RADIO_STATE.response


@pytest.mark.parametrize(
    "mode, state, shows",
    [
        (2, 0, lockstate.LOCKED),  # the L850-GL's log while locked
        (2, 1, lockstate.UNLOCKED),  # ... and after: mbimcli would still print "locked"
        (0, 0, lockstate.UNLOCKED),  # no lock enabled
        (1, 0x100, lockstate.LOCKED),  # only the first byte of each u32 counts (Dell reads bytes)
        (0x100, 0, lockstate.UNLOCKED),
    ],
)
def test_lock_evidence(mode, state, shows):
    evidence = lockstate.intel_evidence(mode, state)
    assert evidence.shows == shows
    assert evidence.signal == lockstate.INTEL_FCC_LOCK
    assert f"lock mode {mode & 0xFF}, lock state {state & 0xFF}" == evidence.value


def test_trace_describes_both_readings_of_a_reply():
    text = catalog.describe_payload(mbim.INTEL_MUTUAL_AUTHENTICATION, 1, False, True, intel.lock_state(2, 0))
    assert text is not None and "lock mode" in text and "challenge" in text
    request = catalog.describe_payload(
        mbim.INTEL_MUTUAL_AUTHENTICATION, 1, True, False, intel.fcc_lock_set(1, 5)
    )
    assert request == "FCC_LOCK response present = 1, response = 0x00000005"
