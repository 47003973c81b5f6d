"""Foxconn T99W696's 0x5571 on QMI service 0xE4 (docs/protocol.md §4.10): the frame, and
the salted string from foxconn.py's code with the other key."""

import hashlib

from fcc_unlock.methods import foxconn, foxconn_e4
from fcc_unlock.qmi import catalog
from fcc_unlock.qmi.constants import Kind, Service
from fcc_unlock.qmi.messages import decode

FW = "T99W696.F0.1.0.0.5.VF.009.011"
APPS = "T99W696.F0.0.0.5.2.VF.009"
IMEI = "356789012345678"


def test_magic_uses_the_fde2_key_and_the_same_shape_as_v2():
    text = "T99W696.F0.1.0.0.5.VF" + APPS + IMEI + "salt" + "FDE2"
    expected = "salt" + hashlib.md5(text.encode()).hexdigest()
    got = foxconn.magic_string(FW, APPS, IMEI, foxconn_e4.KEY)
    assert got == expected and len(got) == 36
    assert got != foxconn.magic_string(FW, APPS, IMEI)  # the SDX55's "foxc" gives another


def test_the_sdx55_vector_still_holds():
    magic = foxconn.magic_string(
        "T99W175.F0.1.0.0.9.GC.004.013", "T99W175.F0.0.0.9.1.GC.004", "123456789012345"
    )
    assert magic == "salt1f325d68c16d5cb455784554cb3e9500"


def test_frame_on_service_0xe4():
    magic = foxconn.magic_string(FW, APPS, IMEI, foxconn_e4.KEY)
    frame = catalog.build(catalog.FOXAP_SET_FCC_AUTHENTICATION, 3, 9, magic_string=magic, action="0")
    raw = frame.encode()
    # QMUX: marker, length, flags 0, service 0xE4, client 3; header: flags 0, tid 9, id 0x5571.
    assert raw[:6] == bytes([0x01, len(raw) - 1, 0x00, 0x00, 0xE4, 0x03])
    assert raw[6:11] == bytes([0x00, 0x09, 0x00, 0x71, 0x55])
    tlvs = raw[13:]
    assert tlvs[:3] == bytes([0x01, 36, 0]) and tlvs[3:39] == magic.encode()
    assert tlvs[39:] == bytes([0x02, 0x01, 0x00, 0x30])  # '0', the byte v2's 48 is
    again = decode(raw)
    assert (again.service, again.kind) == (Service.FOXAP, Kind.REQUEST)
    assert catalog.lookup(again) is catalog.FOXAP_SET_FCC_AUTHENTICATION
    assert catalog.parse(catalog.FOXAP_SET_FCC_AUTHENTICATION, again) == {
        "magic_string": magic,
        "action": "0",
    }
    assert again.name == "FOXAP Set FCC Authentication"


def test_ctl_allocate_for_a_vendor_service_number():
    request = catalog.allocate_cid(5, Service.FOXAP)
    assert request.tlv(0x01) == b"\xe4"
    response = catalog.respond(catalog.ALLOCATE_CID, request, allocation_info=(0xE4, 7))
    assert catalog.allocated_client_id(decode(response.encode()), Service.FOXAP) == 7
