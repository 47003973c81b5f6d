"""Any bytes into any decoder: a value, or our own DecodeError, never another exception.

The modem is untrusted. Each decoder gets random bytes and mangled valid encodings
(truncated, extended, bytes flipped, u32 fields set to extremes), which reach the
length and count checks that purely random bytes rarely do.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from strategies import (
    device_caps,
    device_service_lists,
    hostile,
    mbim_messages,
    qmi_messages,
    subscribe_entries,
    u8,
    u32,
)

from fcc_unlock.mbim import basic_connect, infobuffer
from fcc_unlock.mbim import messages as mbim_messages_module
from fcc_unlock.mbim.messages import DecodeError as MbimDecodeError
from fcc_unlock.qmi import catalog
from fcc_unlock.qmi import messages as qmi_messages_module
from fcc_unlock.qmi.constants import Kind, Service
from fcc_unlock.qmi.messages import DecodeError as QmiDecodeError
from fcc_unlock.qmi.messages import QmiMessage, ResultError

encoded_mbim = mbim_messages.map(lambda m: m.encode())
encoded_qmi = qmi_messages().map(lambda m: m.encode())


@given(hostile(encoded_mbim))
def test_mbim_decode(data):
    try:
        message = mbim_messages_module.decode(data)
    except MbimDecodeError:
        return
    assert mbim_messages_module.decode(message.encode()) == message


@given(hostile(encoded_mbim))
def test_mbim_peek_header(data):
    try:
        header = mbim_messages_module.peek_header(data)
    except MbimDecodeError:
        assert len(data) < 12
        return
    assert header == tuple(int.from_bytes(data[i : i + 4], "little") for i in (0, 4, 8))


@given(hostile(encoded_qmi))
def test_qmi_decode(data):
    try:
        message = qmi_messages_module.decode(data)
    except QmiDecodeError:
        return
    assert len(message.encode()) == len(data)


BASIC_CONNECT_PARSERS = {
    "parse_radio_state_set": (
        basic_connect.parse_radio_state_set,
        st.booleans().map(basic_connect.radio_state_set),
    ),
    "parse_radio_state": (
        basic_connect.parse_radio_state,
        st.tuples(st.booleans(), st.booleans()).map(lambda hs: basic_connect.radio_state(*hs)),
    ),
    "parse_device_services": (
        basic_connect.parse_device_services,
        device_service_lists.map(basic_connect.device_services),
    ),
    "parse_subscribe_list": (
        basic_connect.parse_subscribe_list,
        subscribe_entries.map(basic_connect.subscribe_list),
    ),
    "parse_device_caps": (basic_connect.parse_device_caps, device_caps.map(basic_connect.device_caps)),
}


def test_every_basic_connect_parser_is_covered():
    parsers = {name for name in dir(basic_connect) if name.startswith("parse_")}
    assert parsers == set(BASIC_CONNECT_PARSERS)


@given(st.data())
def test_basic_connect_parsers(data):
    name = data.draw(st.sampled_from(sorted(BASIC_CONNECT_PARSERS)))
    parser, valid = BASIC_CONNECT_PARSERS[name]
    buffer = data.draw(hostile(valid), label=name)
    try:
        parser(buffer)
    except MbimDecodeError:
        pass


@given(hostile(st.binary(max_size=64)), st.integers(0, 80) | u32, st.integers(0, 80) | u32)
def test_infobuffer_slice_and_string(buffer, offset, size):
    fits = size == 0 or offset + size <= len(buffer)
    try:
        assert infobuffer.slice_ol(buffer, offset, size, "field") == (
            buffer[offset : offset + size] if size else b""
        )
    except MbimDecodeError:
        assert not fits
    try:
        assert isinstance(infobuffer.read_string(buffer, offset, size, "field"), str)
    except MbimDecodeError:
        assert not fits or size % 2


@st.composite
def qmi_responses(draw: st.DrawFn) -> QmiMessage:
    """A response carrying hostile TLVs of the types the extractors look at."""
    types = st.sampled_from([0x01, 0x02, 0x10, 0x11, 0x12]) | u8
    values = hostile(st.binary(max_size=8))
    tlvs = tuple(draw(st.lists(st.tuples(types, values), max_size=5)))
    service = draw(st.sampled_from([Service.CTL, Service.DMS, Service.FOX]))
    return QmiMessage(service, draw(u8), draw(u8), draw(st.integers(0, 0xFFFF)), Kind.RESPONSE, tlvs)


EXTRACTORS = {
    "catalog.allocated_client_id": lambda m: catalog.allocated_client_id(m, Service.DMS),
    "catalog.requested_service": catalog.requested_service,
    "catalog.released_client": catalog.released_client,
    # Every catalogue message's parser, both ways (the session reads responses, the
    # simulator requests).
    **{
        f"catalog.parse({message.name}, {kind.name.lower()})": (
            lambda m, message=message, kind=kind: catalog.parse(message, _as(m, kind))
        )
        for message in catalog.MESSAGES
        for kind in (Kind.REQUEST, Kind.RESPONSE)
    },
    "catalog.describe_tlvs": catalog.describe_tlvs,
    "QmiMessage.result": QmiMessage.result,
    "check_result": qmi_messages_module.check_result,
}


def _as(message: QmiMessage, kind: Kind) -> QmiMessage:
    return QmiMessage(
        message.service, message.client_id, message.transaction_id, message.message_id, kind, message.tlvs
    )


@given(st.sampled_from(sorted(EXTRACTORS)), qmi_responses())
def test_qmi_value_extractors(name, response):
    # Through the wire and back, as the session gets them.
    response = qmi_messages_module.decode(response.encode())
    try:
        EXTRACTORS[name](response)
    except (QmiDecodeError, ResultError):
        pass


def construct_layouts():
    from construct import Construct

    from fcc_unlock.mbim import layouts

    return sorted(name for name, value in vars(layouts).items() if isinstance(value, Construct))


@given(st.sampled_from(construct_layouts()), st.binary(max_size=120))
def test_infobuffer_parse_wraps_construct_errors(name, buffer):
    from fcc_unlock.mbim import layouts

    try:
        infobuffer.parse(getattr(layouts, name), buffer, name)
    except MbimDecodeError as error:
        assert str(error).startswith(f"{name}: ")
