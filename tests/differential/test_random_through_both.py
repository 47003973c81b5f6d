"""Random messages through both implementations (hypothesis, modest example counts).

Whatever transaction ids, buffers, TLV sets and strings hypothesis picks, libmbim and
libqmi read our bytes as we meant them, their builders produce our bytes, and their
typed parsers read our variable-size payloads (OL pairs, UTF-16 strings, arrays).
"""

from __future__ import annotations

import struct

import glib_peers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sim_loopback import whole_messages

from fcc_unlock.mbim import basic_connect
from fcc_unlock.mbim import constants as mbim
from fcc_unlock.mbim.messages import Command, CommandDone, IndicateStatus, decode
from fcc_unlock.mbim.stream import fragment
from fcc_unlock.qmi import messages as qmi
from fcc_unlock.qmi.constants import Kind, Service

pytestmark = pytest.mark.usefixtures("peers")

SETTINGS = settings(max_examples=60, deadline=None)

tids = st.integers(1, 0xFFFFFFFF)
u32 = st.integers(0, 0xFFFFFFFF)
uuids = st.binary(min_size=16, max_size=16)
# Services libmbim's generic builder takes by name: all of ours but Intel's mutual
# authentication service, which libmbim 1.28 does not know.
known_services = st.sampled_from(sorted(set(mbim.SERVICE_NAMES) - {mbim.INTEL_MUTUAL_AUTHENTICATION}))
cids = st.integers(1, 0xFFFFFFFF)
buffers = st.binary(max_size=300)
# UTF-16 strings as a modem may send them: any character but NUL, astral ones included.
texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), max_size=40)


@SETTINGS
@given(
    tid=tids,
    service_id=st.one_of(known_services, uuids),
    cid=cids,
    command_type=st.sampled_from([0, 1]),
    buffer=buffers,
)
def test_random_commands_read_alike(tid, service_id, cid, command_type, buffer):
    data = Command(tid, service_id, cid, command_type, buffer).encode()
    view = glib_peers.mbim_decode(data, printable=False)
    assert (view.transaction_id, view.message_length) == (tid, len(data))
    assert (view.service_id, view.cid, view.command_type) == (service_id, cid, command_type)
    assert view.information_buffer == buffer


@SETTINGS
@given(tid=tids, service_id=known_services, cid=cids, command_type=st.sampled_from([0, 1]), buffer=buffers)
def test_libmbim_generic_builder_makes_our_bytes(tid, service_id, cid, command_type, buffer):
    theirs = glib_peers.mbim_build_command(tid, service_id, cid, command_type, buffer)
    assert theirs == Command(tid, service_id, cid, command_type, buffer).encode()
    assert decode(theirs) == Command(tid, service_id, cid, command_type, buffer)


@SETTINGS
@given(
    tid=tids,
    service_id=uuids,
    cid=cids,
    status=u32,
    buffer=st.binary(max_size=600),
    indication=st.booleans(),
    max_control_transfer=st.integers(64, 256),
)
def test_our_fragments_are_valid_to_libmbim(
    tid, service_id, cid, status, buffer, indication, max_control_transfer
):
    message = (
        IndicateStatus(tid, service_id, cid, buffer)
        if indication
        else CommandDone(tid, service_id, cid, status, buffer)
    )
    whole = message.encode()
    pieces = fragment(whole, max_control_transfer)
    for index, piece in enumerate(pieces):
        assert len(piece) <= max_control_transfer
        assert struct.unpack_from("<II", piece, 12) == (len(pieces), index)
        view = glib_peers.mbim_decode(piece, printable=False)
        assert (view.message_type, view.transaction_id, view.message_length) == (
            message.message_type,
            tid,
            len(piece),
        )
    ((joined, _),) = whole_messages(pieces)
    assert joined == whole
    view = glib_peers.mbim_decode(joined, printable=False)
    assert (view.service_id, view.cid, view.information_buffer) == (service_id, cid, buffer)


# --- variable-size payloads through libmbim's typed parsers ----------------------------------


@SETTINGS
@given(
    numbers=st.lists(u32, min_size=8, max_size=8), strings=st.lists(texts, min_size=4, max_size=4), tid=tids
)
def test_device_caps_strings_and_numbers(numbers, strings, tid):
    names = basic_connect.DeviceCaps.__slots__
    caps = basic_connect.DeviceCaps(**dict(zip(names, [*numbers, *strings])))
    done = CommandDone(tid, mbim.BASIC_CONNECT, 1, 0, basic_connect.device_caps(caps)).encode()
    parsed = glib_peers.mbim_parse_device_caps(done)
    assert vars(parsed) == {name: getattr(caps, name) for name in names}
    ours = basic_connect.parse_device_caps(decode(done).information_buffer)
    assert {name: getattr(ours, name) for name in names} == vars(parsed)


service_lists = st.lists(
    st.builds(
        basic_connect.DeviceService,
        uuids,
        st.lists(u32, max_size=12).map(tuple),
        u32,
        u32,
    ),
    max_size=8,
)


@SETTINGS
@given(services=service_lists, max_dss=u32, tid=tids)
def test_device_services_lists(services, max_dss, tid):
    buffer = basic_connect.device_services(services, max_dss)
    done = CommandDone(tid, mbim.BASIC_CONNECT, 16, 0, buffer).encode()
    parsed_max, parsed = glib_peers.mbim_parse_device_services(done)
    assert parsed_max == max_dss
    assert [(s.service_id, s.cids, s.dss_payload, s.max_dss_instances) for s in parsed] == [
        (s.service_id, s.cids, s.dss_payload, s.max_dss_instances) for s in services
    ]


subscribe_entries = st.lists(st.tuples(uuids, st.lists(u32, max_size=8).map(tuple)), max_size=6)


@SETTINGS
@given(entries=subscribe_entries, tid=tids)
def test_subscribe_lists_both_ways(entries, tid):
    theirs = glib_peers.mbim_build_subscribe_list(tid, entries)
    ours = Command(tid, mbim.BASIC_CONNECT, 19, 1, basic_connect.subscribe_list(entries)).encode()
    assert theirs == ours
    assert basic_connect.parse_subscribe_list(decode(theirs).information_buffer) == entries
    echo = CommandDone(tid, mbim.BASIC_CONNECT, 19, 0, decode(ours).information_buffer).encode()
    assert glib_peers.mbim_parse_subscribe_list(echo) == entries


# --- QMUX frames through libqmi ----------------------------------------------------------------

tlv_sets = st.lists(st.tuples(st.integers(0, 255), st.binary(max_size=40)), max_size=6).map(tuple)


@st.composite
def qmi_messages(draw, kinds=tuple(Kind)):
    service = draw(st.sampled_from([Service.CTL, Service.DMS, Service.NAS, Service.WDS, Service.FOX]))
    tid = draw(st.integers(0, 0xFF if service == Service.CTL else 0xFFFF))
    return qmi.QmiMessage(
        service,
        0 if service == Service.CTL else draw(st.integers(0, 255)),
        tid,
        draw(st.integers(0, 0xFFFF)),
        draw(st.sampled_from(kinds)),
        draw(tlv_sets),
    )


@SETTINGS
@given(message=qmi_messages())
def test_random_qmux_frames_read_alike(message):
    frame = message.encode()
    view = glib_peers.qmi_decode(frame, printable=False)
    assert view.consumed == len(frame)
    assert (view.service, view.client_id, view.transaction_id, view.message_id, view.kind) == (
        message.service,
        message.client_id,
        message.transaction_id,
        message.message_id,
        message.kind.name.lower(),
    )
    assert view.tlvs == list(message.tlvs)
    result = message.tlv(qmi.RESULT_TLV)
    if message.kind is Kind.RESPONSE and result is not None and len(result) >= 4:
        assert view.result == message.result()  # both read the first result TLV


@SETTINGS
@given(message=qmi_messages(kinds=(Kind.REQUEST,)))
def test_libqmi_builds_our_requests(message):
    theirs = glib_peers.qmi_build(
        message.service, message.client_id, message.transaction_id, message.message_id, list(message.tlvs)
    )
    assert theirs == message.encode()
    assert qmi.decode(theirs) == message
