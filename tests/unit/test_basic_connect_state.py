"""The SIM and network payloads of Basic Connect (docs/protocol.md §2.7): hand-built byte
vectors, round trips, and malformed buffers, which must be DecodeErrors and nothing else.

The vectors are written out from the layouts of docs/protocol.md §2.7 (offsets, sizes as
literals, strings as UTF-16LE, padded to 4 bytes), not made by our builders;
tests/differential/test_cellular_peers.py has libmbim read the same payloads.
"""

from __future__ import annotations

import struct

import pytest

from fcc_unlock.mbim import catalog, cellular
from fcc_unlock.mbim.cellular import (
    PacketServiceState,
    PinOperation,
    PinState,
    PinType,
    RegisterMode,
    RegisterState,
    SubscriberReadyState,
)
from fcc_unlock.mbim.constants import BASIC_CONNECT, BasicConnectCid, CommandType
from fcc_unlock.mbim.messages import DecodeError


def u32(*values: int) -> bytes:
    return struct.pack(f"<{len(values)}I", *values)


def u64(value: int) -> bytes:
    return struct.pack("<Q", value)


def utf16(text: str) -> bytes:
    return text.encode("utf-16-le")


PAD2 = b"\0\0"

# SUBSCRIBER_READY_STATUS reply: Initialized, IMSI, ICCID, one number. The fixed part
# is 28 bytes plus one OL pair, so the strings start at 36 (0x24).
SUBSCRIBER_READY_STATUS = b"".join(
    [
        u32(1),  # @0 ReadyState Initialized
        u32(0x24, 30),  # @4 SubscriberId: 15 characters at 36
        u32(0x44, 40),  # @12 SimIccId: 20 characters at 68 (36 + 30 + 2 padding)
        u32(0),  # @20 ReadyInfo
        u32(1),  # @24 TelephoneNumbersCount
        u32(0x6C, 24),  # @28 the number: 12 characters at 108
        utf16("001010000000001") + PAD2,
        utf16("89001010000000000018"),
        utf16("+15555550100"),
    ]
)
# PIN reply: PIN1, Locked, 3 attempts.
PIN_INFO = u32(2, 1, 3)
# PIN SET: Enter PIN1 "1234", no new PIN (an empty string is the pair (0, 0)).
PIN_SET = u32(2, 0) + u32(24, 8) + u32(0, 0) + utf16("1234")
# HOME_PROVIDER reply: one MBIM_PROVIDER, strings from 32.
HOME_PROVIDER = b"".join(
    [
        u32(32, 10),  # @0 ProviderId "00101"
        u32(1),  # @8 ProviderState Home
        u32(44, 24),  # @12 ProviderName "Test Network" (at 32 + 10 + 2 padding)
        u32(1),  # @20 CellularClass GSM
        u32(99, 99),  # @24 Rssi, @28 ErrorRate: unknown
        utf16("00101") + PAD2,
        utf16("Test Network"),
    ]
)
# REGISTER_STATE reply: Home on 00101, automatic, LTE, no roaming text.
REGISTRATION_STATE = b"".join(
    [
        u32(0, 3, 1),  # @0 NwError 0, @4 RegisterState Home, @8 RegisterMode Automatic
        u32(0x20, 1),  # @12 AvailableDataClasses LTE, @16 CurrentCellularClass GSM
        u32(48, 10),  # @20 ProviderId at 48
        u32(60, 24),  # @28 ProviderName at 60 (48 + 10 + 2 padding)
        u32(0, 0),  # @36 RoamingText empty
        u32(2),  # @44 RegistrationFlag packet service automatic attach
        utf16("00101") + PAD2,
        utf16("Test Network"),
    ]
)
# REGISTER_STATE SET: manual on 00101, data class LTE.
REGISTER_STATE_SET = u32(16, 10) + u32(1, 0x20) + utf16("00101") + PAD2
# PACKET_SERVICE reply: Attached, LTE, 50 and 150 Mbit/s (u64s at 12 and 20).
PACKET_SERVICE = u32(0, 2, 0x20) + u64(50_000_000) + u64(150_000_000)
PACKET_SERVICE_SET = u32(1)  # Detach
# SIGNAL_STATE reply: rssi 20 (-73 dBm), error rate 0, interval 5 s, thresholds 2 and off.
SIGNAL_STATE = u32(20, 0, 5, 2, 0xFFFFFFFF)
SIGNAL_STATE_SET = u32(5, 2, 0xFFFFFFFF)

# name: (builder, parser, fields, vector, bytes a parser needs: the vector less its padding)
VECTORS = {
    "subscriber_ready_status": (
        cellular.subscriber_ready_status,
        cellular.parse_subscriber_ready_status,
        {
            "ready_state": SubscriberReadyState.INITIALIZED,
            "subscriber_id": "001010000000001",
            "sim_icc_id": "89001010000000000018",
            "ready_info": 0,
            "telephone_numbers": ("+15555550100",),
        },
        SUBSCRIBER_READY_STATUS,
        len(SUBSCRIBER_READY_STATUS),
    ),
    "pin_info": (
        cellular.pin_info,
        cellular.parse_pin_info,
        {"pin_type": PinType.PIN1, "pin_state": PinState.LOCKED, "remaining_attempts": 3},
        PIN_INFO,
        12,
    ),
    "pin_set": (
        cellular.pin_set,
        cellular.parse_pin_set,
        {"pin_type": PinType.PIN1, "pin_operation": PinOperation.ENTER, "pin": "1234", "new_pin": ""},
        PIN_SET,
        len(PIN_SET),
    ),
    "provider": (
        cellular.provider,
        cellular.parse_provider,
        {
            "provider_id": "00101",
            "provider_state": cellular.ProviderState.HOME,
            "provider_name": "Test Network",
            "cellular_class": cellular.CellularClass.GSM,
            "rssi": 99,
            "error_rate": 99,
        },
        HOME_PROVIDER,
        len(HOME_PROVIDER),
    ),
    "registration_state": (
        cellular.registration_state,
        cellular.parse_registration_state,
        {
            "nw_error": 0,
            "register_state": RegisterState.HOME,
            "register_mode": RegisterMode.AUTOMATIC,
            "available_data_classes": cellular.DataClass.LTE,
            "current_cellular_class": cellular.CellularClass.GSM,
            "provider_id": "00101",
            "provider_name": "Test Network",
            "roaming_text": "",
            "registration_flag": cellular.RegistrationFlag.PACKET_SERVICE_AUTOMATIC_ATTACH,
        },
        REGISTRATION_STATE,
        len(REGISTRATION_STATE),
    ),
    "register_state_set": (
        cellular.register_state_set,
        cellular.parse_register_state_set,
        {"provider_id": "00101", "register_action": cellular.RegisterAction.MANUAL, "data_class": 0x20},
        REGISTER_STATE_SET,
        len(REGISTER_STATE_SET) - 2,
    ),
    "packet_service": (
        cellular.packet_service,
        cellular.parse_packet_service,
        {
            "nw_error": 0,
            "packet_service_state": PacketServiceState.ATTACHED,
            "highest_available_data_class": 0x20,
            "uplink_speed": 50_000_000,
            "downlink_speed": 150_000_000,
        },
        PACKET_SERVICE,
        28,
    ),
    "packet_service_set": (
        cellular.packet_service_set,
        cellular.parse_packet_service_set,
        {"packet_service_action": cellular.PacketServiceAction.DETACH},
        PACKET_SERVICE_SET,
        4,
    ),
    "signal_state": (
        cellular.signal_state,
        cellular.parse_signal_state,
        {
            "rssi": 20,
            "error_rate": 0,
            "signal_strength_interval": 5,
            "rssi_threshold": 2,
            "error_rate_threshold": 0xFFFFFFFF,
        },
        SIGNAL_STATE,
        20,
    ),
    "signal_state_set": (
        cellular.signal_state_set,
        cellular.parse_signal_state_set,
        {"signal_strength_interval": 5, "rssi_threshold": 2, "error_rate_threshold": 0xFFFFFFFF},
        SIGNAL_STATE_SET,
        12,
    ),
}
NAMES = sorted(VECTORS)


@pytest.mark.parametrize("name", NAMES)
def test_the_builder_writes_the_vector(name):
    build, _, fields, vector, _ = VECTORS[name]
    assert build(**fields) == vector


@pytest.mark.parametrize("name", NAMES)
def test_the_parser_reads_the_vector_field_by_field(name):
    _, parse, fields, vector, _ = VECTORS[name]
    assert parse(vector).fields() == fields


def test_every_parser_of_the_module_has_a_vector():
    parsers = {name for name in dir(cellular) if name.startswith("parse_")}
    assert parsers == {f"parse_{name}" for name in VECTORS}


@pytest.mark.parametrize("name", NAMES)
def test_every_truncation_is_a_decode_error(name):
    _, parse, fields, vector, needed = VECTORS[name]
    for size in range(len(vector)):
        if size >= needed:  # only padding cut off: still the whole payload
            assert parse(vector[:size]).fields() == fields
            continue
        with pytest.raises(DecodeError):
            parse(vector[:size])


# Edge values: empty and non-ASCII strings, several numbers, u32 and u64 extremes.
EDGES = [
    (
        cellular.subscriber_ready_status,
        cellular.parse_subscriber_ready_status,
        cellular.SubscriberReadyStatus(
            SubscriberReadyState.DEVICE_LOCKED,
            sim_icc_id="8988211234567890123",
            telephone_numbers=("+1 (555) 555-0100", "", "ünïcødé ☎"),
        ),
    ),
    (
        cellular.subscriber_ready_status,
        cellular.parse_subscriber_ready_status,
        cellular.SubscriberReadyStatus(SubscriberReadyState.SIM_NOT_INSERTED),
    ),
    (
        cellular.pin_set,
        cellular.parse_pin_set,
        cellular.PinSet(PinType.PUK1, PinOperation.ENTER, "12345678", "0000"),
    ),
    (cellular.pin_info, cellular.parse_pin_info, cellular.PinInfo(0xFFFFFFFF, 7, 0xFFFFFFFF)),
    (
        cellular.registration_state,
        cellular.parse_registration_state,
        cellular.RegistrationState(0xFFFFFFFF, 6, 2, 0, 1, roaming_text="Roaming ✈"),
    ),
    (
        cellular.packet_service,
        cellular.parse_packet_service,
        cellular.PacketService(17, PacketServiceState.DETACHED, 0, 2**64 - 1, 2**63),
    ),
    (cellular.register_state_set, cellular.parse_register_state_set, cellular.RegisterStateSet("", 0, 0)),
]


@pytest.mark.parametrize(("build", "parse", "value"), EDGES)
def test_round_trips(build, parse, value):
    buffer = build(**value.fields())
    assert len(buffer) % 4 == 0
    assert parse(buffer) == value
    assert value.encode() == buffer


def test_strings_that_overrun_the_buffer_are_decode_errors():
    lying = bytearray(HOME_PROVIDER)
    struct.pack_into("<I", lying, 16, 500)  # ProviderName's size far beyond the buffer
    with pytest.raises(DecodeError, match="provider_name"):
        cellular.parse_provider(bytes(lying))
    lying = bytearray(SUBSCRIBER_READY_STATUS)
    struct.pack_into("<I", lying, 28, 0xFFFFFFF0)  # the number's offset
    with pytest.raises(DecodeError, match="telephone number 0"):
        cellular.parse_subscriber_ready_status(bytes(lying))


def test_an_odd_utf16_size_is_a_decode_error():
    odd = bytearray(PIN_SET)
    struct.pack_into("<I", odd, 12, 7)
    with pytest.raises(DecodeError, match="odd UTF-16"):
        cellular.parse_pin_set(bytes(odd))


def test_a_number_count_beyond_the_buffer_is_a_decode_error():
    lying = bytearray(SUBSCRIBER_READY_STATUS)
    struct.pack_into("<I", lying, 24, 0xFFFFFFFF)
    with pytest.raises(DecodeError):
        cellular.parse_subscriber_ready_status(bytes(lying))


def test_the_catalogue_reads_these_cids_by_their_libmbim_names():
    entries = {
        BasicConnectCid.SUBSCRIBER_READY_STATUS: ("subscriber-ready-status", None),
        BasicConnectCid.PIN: ("pin", "pin"),
        BasicConnectCid.HOME_PROVIDER: ("home-provider", None),
        BasicConnectCid.REGISTER_STATE: ("register-state", "register-state"),
        BasicConnectCid.PACKET_SERVICE: ("packet-service", "packet-service"),
        BasicConnectCid.SIGNAL_STATE: ("signal-state", "signal-state"),
    }
    for cid, (kind, set_kind) in entries.items():
        entry = catalog.lookup(BASIC_CONNECT, cid)
        assert entry is not None and entry.name == cid.name
        assert entry.kind(CommandType.QUERY) == kind
        assert (entry.set is not None) == (set_kind is not None)
        assert kind in catalog.KINDS


THRESHOLDS = "rssi threshold 2, error rate threshold 4294967295"
TRACE_LINES = [
    (2, False, SUBSCRIBER_READY_STATUS, "ready state = Initialized, 1 telephone number"),
    (4, False, PIN_INFO, "PIN type = Pin1, PIN state = Locked, 3 attempts left"),
    (4, False, u32(0, 0, 0xFFFFFFFF), "PIN type = Unknown, PIN state = Unlocked, attempts left unknown"),
    (4, True, PIN_SET, "PIN type = Pin1, operation = Enter"),
    (6, False, HOME_PROVIDER, "provider = '00101' ('Test Network'), state = 0x1, cellular class = 0x1"),
    (
        9,
        False,
        REGISTRATION_STATE,
        "register state = Home, mode = Automatic, provider = '00101' ('Test Network')",
    ),
    (
        9,
        False,
        u32(3, 42, 9, 0, 1) + u32(0, 0) * 3 + u32(0),
        "register state = 42, mode = 9, network error = IllegalMs",
    ),
    (9, True, REGISTER_STATE_SET, "register action = Manual, provider = '00101', data class = 0x20"),
    (
        10,
        False,
        PACKET_SERVICE,
        "packet service = Attached, data class = 0x20, uplink 50000000 bit/s, downlink 150000000 bit/s",
    ),
    (10, True, PACKET_SERVICE_SET, "packet service action = Detach"),
    (11, False, SIGNAL_STATE, f"rssi = 20 (-73 dBm), error rate = 0, interval 5 s, {THRESHOLDS}"),
    (
        11,
        False,
        u32(99, 99, 0, 0, 0),
        "rssi = 99 (unknown), error rate = 99, interval 0 s, rssi threshold 0, error rate threshold 0",
    ),
    (11, True, SIGNAL_STATE_SET, f"interval 5 s, {THRESHOLDS}"),
]


@pytest.mark.parametrize(("cid", "is_set", "buffer", "line"), TRACE_LINES)
def test_the_trace_lines(cid, is_set, buffer, line):
    assert catalog.describe_payload(BASIC_CONNECT, cid, is_set, not is_set, buffer) == line


def test_the_trace_names_an_undecodable_payload():
    line = catalog.describe_payload(BASIC_CONNECT, BasicConnectCid.PIN, False, True, PIN_INFO[:4])
    assert line is not None and line.startswith("(undecodable: PIN: ")


def test_the_trace_keeps_personal_information_out():
    """IMSI, ICCID, numbers and PINs are in the payloads, never in a -v line or a repr
    (libmbim hides them as well unless told to show personal information)."""
    ready = cellular.parse_subscriber_ready_status(SUBSCRIBER_READY_STATUS)
    request = cellular.parse_pin_set(
        cellular.pin_set(pin_type=11, pin_operation=0, pin="87654321", new_pin="4321")
    )
    for text in (ready.describe(), request.describe(), repr(request)):
        for secret in ("001010000000001", "89001010000000000018", "+15555550100", "87654321", "4321"):
            assert secret not in text


@pytest.mark.parametrize(
    ("rssi", "dbm"), [(0, -113), (1, -111), (20, -73), (31, -51), (32, None), (99, None)]
)
def test_rssi_codes(rssi, dbm):
    assert cellular.rssi_dbm(rssi) == dbm
