"""decode(encode(x)) == x for every MBIM message class, QmiMessage and Basic Connect payload."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import (
    CELLULAR_CODECS,
    CELLULAR_RECORDS,
    MESSAGE_STRATEGIES,
    device_caps,
    device_service_lists,
    qmi_messages,
    subscribe_entries,
)

from fcc_unlock.mbim import basic_connect, cellular
from fcc_unlock.mbim import messages as mbim_messages
from fcc_unlock.mbim.connection import Connection
from fcc_unlock.qmi import messages as qmi
from fcc_unlock.qmi.constants import QMUX_MARKER, Service


def test_every_message_class_has_a_strategy():
    classes = {
        name
        for name, value in vars(mbim_messages).items()
        if isinstance(value, type)
        and issubclass(value, mbim_messages.Message)
        and not name.startswith("_")
        and value is not mbim_messages.Message
    }
    assert classes == set(MESSAGE_STRATEGIES)


@pytest.mark.parametrize("name", sorted(MESSAGE_STRATEGIES))
def test_mbim_message_roundtrip(name):
    @given(MESSAGE_STRATEGIES[name])
    def check(message):
        data = message.encode()
        assert mbim_messages.peek_header(data) == (message.message_type, len(data), message.transaction_id)
        decoded = mbim_messages.decode(data)
        assert type(decoded) is type(message)
        assert decoded == message
        assert decoded.encode() == data

    check()


@given(st.sampled_from(sorted(MESSAGE_STRATEGIES)).flatmap(lambda name: MESSAGE_STRATEGIES[name]))
def test_connection_delivers_what_was_sent(message):
    """Through the whole receive path (splitter, assembler, decode) in one piece."""
    connection = Connection()
    for piece in connection.send(message):
        connection.receive_data(piece)
    assert connection.next_event(0.0) == message
    assert connection.next_event(0.0) is None


@given(qmi_messages())
def test_qmi_roundtrip(message):
    data = message.encode()
    assert data[0] == QMUX_MARKER
    assert int.from_bytes(data[1:3], "little") == len(data) - 1
    header = 6 if message.service == Service.CTL else 7
    assert int.from_bytes(data[6 + header - 2 : 6 + header], "little") == len(data) - 6 - header
    decoded = qmi.decode(data)
    assert decoded == message
    assert decoded.tlvs == message.tlvs  # order and duplicates kept


@given(device_service_lists, st.integers(0, 0xFFFFFFFF))
def test_device_services_roundtrip(services, max_dss_sessions):
    parsed = basic_connect.parse_device_services(basic_connect.device_services(services, max_dss_sessions))
    assert [(s.service_id, s.cids, s.dss_payload, s.max_dss_instances) for s in parsed] == [
        (s.service_id, s.cids, s.dss_payload, s.max_dss_instances) for s in services
    ]


@given(subscribe_entries)
def test_subscribe_list_roundtrip(entries):
    assert basic_connect.parse_subscribe_list(basic_connect.subscribe_list(entries)) == entries


@given(device_caps)
def test_device_caps_roundtrip(caps):
    buffer = basic_connect.device_caps(caps)
    assert len(buffer) % 4 == 0  # strings padded to 4 bytes
    parsed = basic_connect.parse_device_caps(buffer)
    for name in basic_connect.DeviceCaps.__slots__:
        assert getattr(parsed, name) == getattr(caps, name), name


@given(st.booleans(), st.booleans())
def test_radio_state_roundtrip(hardware_on, software_on):
    assert basic_connect.parse_radio_state(basic_connect.radio_state(hardware_on, software_on)) == (
        int(hardware_on),
        int(software_on),
    )


@given(st.booleans())
def test_radio_state_set_roundtrip(on):
    assert basic_connect.parse_radio_state_set(basic_connect.radio_state_set(on)) == int(on)


def test_every_cellular_record_has_a_strategy_and_codecs():
    records = {
        value
        for value in vars(cellular).values()
        if isinstance(value, type) and issubclass(value, cellular.Record) and value is not cellular.Record
    }
    assert records == set(CELLULAR_RECORDS) == set(CELLULAR_CODECS)


@pytest.mark.parametrize(
    "record", sorted(CELLULAR_RECORDS, key=lambda r: r.__name__), ids=lambda r: r.__name__
)
def test_cellular_roundtrip(record):
    build, parse = (getattr(cellular, name) for name in CELLULAR_CODECS[record])

    @given(CELLULAR_RECORDS[record])
    def check(value):
        buffer = build(**value.fields())
        assert len(buffer) % 4 == 0
        assert parse(buffer) == value
        assert parse(buffer + bytes(8)) == value  # what follows the payload is not read

    check()
