"""Their bytes, decoded by us: messages built by libmbim's and libqmi's own builders go
through our codecs and come out as the right fields; where the message is the same,
our builders produce the very same bytes."""

from __future__ import annotations

import glib_peers
import pytest

from fcc_unlock.mbim import _structs as mbim_wire
from fcc_unlock.mbim import basic_connect
from fcc_unlock.mbim import constants as mbim
from fcc_unlock.mbim.infobuffer import VariableData, parse, read_string
from fcc_unlock.mbim.messages import (
    Close,
    CloseDone,
    Command,
    FunctionError,
    HostError,
    Open,
    OpenDone,
    decode,
)
from fcc_unlock.qmi import catalog
from fcc_unlock.qmi import messages as qmi
from fcc_unlock.qmi.constants import Kind, OperatingMode, Service
from fcc_unlock.qmi.errors import QmiError

pytestmark = pytest.mark.usefixtures("peers")

TID = 0x01020304  # every byte different: a swapped or shifted field shows

# --- MBIM -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "ours"),
    [
        ("open", 4096, Open(TID, 4096)),
        ("open", 64, Open(TID, 64)),
        ("close", 0, Close(TID)),
        ("host-error", mbim.ProtocolErrorCode.TIMEOUT_FRAGMENT, HostError(TID, 1)),
        ("host-error", mbim.ProtocolErrorCode.FRAGMENT_OUT_OF_SEQUENCE, HostError(TID, 2)),
        ("function-error", mbim.ProtocolErrorCode.NOT_OPENED, FunctionError(TID, 5)),
        ("open-done", mbim.Status.NONE, OpenDone(TID, 0)),
        ("open-done", mbim.Status.FAILURE, OpenDone(TID, 2)),
        ("close-done", mbim.Status.NONE, CloseDone(TID, 0)),
    ],
    ids=lambda x: x if isinstance(x, str) else None,
)
def test_libmbim_control_messages(kind, value, ours):
    theirs = glib_peers.mbim_build_simple(kind, TID, value)
    assert decode(theirs) == ours
    assert ours.encode() == theirs


def command_cases():
    bc, set_, query = mbim.BASIC_CONNECT, mbim.CommandType.SET, mbim.CommandType.QUERY
    quectel_state = mbim_wire.QUECTEL_RADIO_STATE.pack
    return [
        ("device-caps query", glib_peers.mbim_build_device_caps_query, (), Command(TID, bc, 1, query)),
        (
            "device-services query",
            glib_peers.mbim_build_device_services_query,
            (),
            Command(TID, bc, 16, query),
        ),
        ("radio-state query", glib_peers.mbim_build_radio_state_query, (), Command(TID, bc, 3, query)),
        (
            "radio-state set on",
            glib_peers.mbim_build_radio_state_set,
            (True,),
            Command(TID, bc, 3, set_, basic_connect.radio_state_set(True)),
        ),
        (
            "radio-state set off",
            glib_peers.mbim_build_radio_state_set,
            (False,),
            Command(TID, bc, 3, set_, basic_connect.radio_state_set(False)),
        ),
        (
            "quectel radio-state query",
            glib_peers.mbim_build_quectel_radio_state_query,
            (),
            Command(TID, mbim.QUECTEL, mbim.QUECTEL_RADIO_STATE_CID, query),
        ),
        (
            "quectel radio-state set on",
            glib_peers.mbim_build_quectel_radio_state_set,
            (mbim.QuectelRadioState.ON,),
            Command(TID, mbim.QUECTEL, mbim.QUECTEL_RADIO_STATE_CID, set_, quectel_state(1)),
        ),
        (
            "qmi msg",
            glib_peers.mbim_build_qmi_msg,
            (catalog.allocate_cid(1, Service.DMS).encode(),),
            Command(TID, mbim.QMI, mbim.QMI_MSG_CID, set_, catalog.allocate_cid(1, Service.DMS).encode()),
        ),
        (
            "subscribe list",
            glib_peers.mbim_build_subscribe_list,
            ([(mbim.QMI, (1,)), (mbim.BASIC_CONNECT, (1, 3, 16))],),
            Command(
                TID,
                bc,
                mbim.BasicConnectCid.DEVICE_SERVICE_SUBSCRIBE_LIST,
                set_,
                basic_connect.subscribe_list([(mbim.QMI, (1,)), (mbim.BASIC_CONNECT, (1, 3, 16))]),
            ),
        ),
    ]


@pytest.mark.parametrize(
    ("name", "build", "args", "ours"), command_cases(), ids=[c[0] for c in command_cases()]
)
def test_libmbim_commands(name, build, args, ours):
    theirs = build(TID, *args)
    assert decode(theirs) == ours
    assert ours.encode() == theirs


def test_libmbim_subscribe_list_parses_with_ours():
    entries = [(mbim.QMI, (1,)), (mbim.BASIC_CONNECT, ()), (mbim.QUECTEL, (1, 2, 3))]
    command = decode(glib_peers.mbim_build_subscribe_list(TID, entries))
    assert basic_connect.parse_subscribe_list(command.information_buffer) == entries


def test_libmbim_qmi_frame_is_not_padded():
    """QMI inside MBIM is an unsized byte array: no padding, or QMI breaks (docs/protocol.md §8.3)."""
    frame = catalog.build(catalog.SET_FCC_AUTHENTICATION, 1, 1).encode()  # 13 bytes: padding would show
    command = decode(glib_peers.mbim_build_qmi_msg(TID, frame))
    assert command.information_buffer == frame
    assert qmi.decode(command.information_buffer) == catalog.build(catalog.SET_FCC_AUTHENTICATION, 1, 1)


@pytest.mark.parametrize(("path", "timeout"), [("/dev/cdc-wdm0", 30), ("/dev/wwan0mbim0", 45), ("/dev/x", 5)])
def test_libmbim_proxy_configuration(path, timeout):
    """What libmbim sends the proxy first: our layouts read it, and build the same bytes."""
    from fcc_unlock.mbim import layouts

    theirs = glib_peers.mbim_build_proxy_configuration(TID, path, timeout)
    command = decode(theirs)
    assert (command.service_id, command.cid, command.command_type) == (
        mbim.PROXY_CONTROL,
        mbim.PROXY_CONFIGURATION_CID,
        mbim.CommandType.SET,
    )
    fixed = parse(layouts.ProxyConfigurationFixed, command.information_buffer, "proxy configuration")
    pair = fixed.device_path  # type: ignore[attr-defined]
    assert read_string(command.information_buffer, pair.offset, pair.size, "path") == path
    assert fixed.timeout == timeout  # type: ignore[attr-defined]

    variable = VariableData(layouts.ProxyConfigurationFixed.sizeof())
    buffer = layouts.ProxyConfigurationFixed.build(
        {"device_path": variable.add_string(path), "timeout": timeout}
    ) + bytes(variable.data)
    ours = Command(TID, mbim.PROXY_CONTROL, mbim.PROXY_CONFIGURATION_CID, mbim.CommandType.SET, buffer)
    assert ours.encode() == theirs


# --- QMI ------------------------------------------------------------------------------

DMS, CTL = Service.DMS, Service.CTL
MAGIC = "4f31dd6c8b2b9bea4fa5b6d4b4fca1e4"


def qmi_cases():
    """(name, libqmi service/client/tid/message/TLVs, the same request built by us)."""
    return [
        (
            "ctl allocate",
            (CTL, 0, 7, catalog.ALLOCATE_CID.message_id, [(1, DMS)]),
            catalog.allocate_cid(7, DMS),
        ),
        (
            "ctl release",
            (CTL, 0, 8, catalog.RELEASE_CID.message_id, [(1, bytes([DMS, 3]))]),
            catalog.release_cid(8, DMS, 3),
        ),
        (
            "sierra 0x555F",
            (DMS, 3, 0x1234, catalog.SET_FCC_AUTHENTICATION.message_id, []),
            catalog.build(catalog.SET_FCC_AUTHENTICATION, 3, 0x1234),
        ),
        (
            "foxconn v1",
            (DMS, 3, 2, catalog.FOXCONN_SET_FCC_AUTHENTICATION.message_id, [(1, 0)]),
            catalog.build(catalog.FOXCONN_SET_FCC_AUTHENTICATION, 3, 2, magic=0),
        ),
        (
            "foxconn v2",
            (DMS, 3, 3, catalog.FOXCONN_SET_FCC_AUTHENTICATION.message_id, [(1, MAGIC), (2, 48)]),
            catalog.build(
                catalog.FOXCONN_SET_FCC_AUTHENTICATION_V2, 3, 3, magic_string=MAGIC, magic_number=48
            ),
        ),
        (
            "foxconn v2 on the FOX service",
            (Service.FOX, 4, 3, catalog.FOXCONN_SET_FCC_AUTHENTICATION.message_id, [(1, MAGIC), (2, 48)]),
            catalog.build(
                catalog.FOXCONN_SET_FCC_AUTHENTICATION_V2,
                4,
                3,
                magic_string=MAGIC,
                magic_number=48,
                on_service=Service.FOX,
            ),
        ),
        (
            "foxconn firmware version",
            (DMS, 3, 4, catalog.FOXCONN_GET_FIRMWARE_VERSION.message_id, [(1, 2)]),
            catalog.build(catalog.FOXCONN_GET_FIRMWARE_VERSION, 3, 4, version_type=2),
        ),
        ("get ids", (DMS, 3, 5, catalog.GET_IDS.message_id, []), catalog.build(catalog.GET_IDS, 3, 5)),
        (
            "get operating mode",
            (DMS, 3, 6, catalog.GET_OPERATING_MODE.message_id, []),
            catalog.build(catalog.GET_OPERATING_MODE, 3, 6),
        ),
        (
            "set operating mode",
            (DMS, 3, 0xFFFF, catalog.SET_OPERATING_MODE.message_id, [(1, OperatingMode.ONLINE)]),
            catalog.build(catalog.SET_OPERATING_MODE, 3, 0xFFFF, mode=OperatingMode.ONLINE),
        ),
    ]


@pytest.mark.parametrize(("name", "spec", "ours"), qmi_cases(), ids=[c[0] for c in qmi_cases()])
def test_libqmi_requests(name, spec, ours):
    theirs = glib_peers.qmi_build(*spec)
    assert qmi.decode(theirs) == ours
    assert ours.encode() == theirs


@pytest.mark.parametrize(("name", "spec", "ours"), qmi_cases(), ids=[c[0] for c in qmi_cases()])
@pytest.mark.parametrize("error", [0, QmiError.INVALID_QMI_COMMAND, QmiError.INVALID_CLIENT_ID])
def test_libqmi_response_skeletons(name, spec, ours, error):
    """``qmi_message_response_new`` (used by qmi-proxy) answers a request with a result
    TLV: our modem side builds the same bytes, our client side reads the verdict."""
    theirs = glib_peers.qmi_build_response(ours.encode(), error)
    response = qmi.decode(theirs)
    assert response == qmi.response_to(ours, error=error)
    assert response.encode() == theirs
    assert response.kind is Kind.RESPONSE
    if error:
        with pytest.raises(qmi.ResultError) as raised:
            qmi.check_result(response)
        assert raised.value.error == error
    else:
        assert qmi.check_result(response) is response
