"""The GadgetFS front-end of the simulator, without gadgetfs: descriptors, limits, replies.

The whole path (gadgetfs, dummy_hcd, cdc_mbim, udev) runs in tests/vm; these pin the
parts a kernel would otherwise only reject with EINVAL or a silent hang.
"""

from __future__ import annotations

import io
import json
import socket

import pytest

from fcc_unlock.mbim import basic_connect
from fcc_unlock.mbim.constants import BASIC_CONNECT, BasicConnectCid, CommandType
from fcc_unlock.mbim.messages import Close, CloseDone, Command, CommandDone, Open, OpenDone, decode
from fcc_unlock.mbim.stream import FragmentAssembler
from fcc_unlock.sim import gadget
from fcc_unlock.sim.faults import Faults
from fcc_unlock.sim.model import SimModem
from fcc_unlock.sim.personalities import PERSONALITIES
from fcc_unlock.transport.chardev import max_command_from_descriptors


def descriptors(blob: bytes) -> list[bytes]:
    """Split a descriptor blob by bLength, as the kernel's parser does."""
    found, index = [], 0
    while index < len(blob):
        length = blob[index]
        assert length >= 2, f"bLength {length} at {index}"
        found.append(blob[index : index + length])
        index += length
    assert index == len(blob)
    return found


@pytest.mark.parametrize("high_speed", [False, True])
def test_configuration_is_one_mbim_function(high_speed):
    blob = gadget.configuration(high_speed)
    parts = descriptors(blob)
    config = parts[0]
    assert config[1] == gadget.DT_CONFIG
    assert int.from_bytes(config[2:4], "little") == len(blob)  # wTotalLength
    assert config[4] == 2  # interfaces
    assert not config[7] & 0x20  # no remote wakeup: gadgetfs refuses it
    interfaces = [p for p in parts if p[1] == gadget.DT_INTERFACE]
    assert [(i[2], i[3], i[5], i[6], i[7]) for i in interfaces] == [
        (0, 0, 0x02, 0x0E, 0x00),  # CDC, MBIM
        (1, 0, 0x0A, 0x00, 0x02),  # data, alt 0: no endpoints
        (1, 1, 0x0A, 0x00, 0x02),  # data, alt 1: bulk in and out
    ]
    endpoints = [p for p in parts if p[1] == gadget.DT_ENDPOINT]
    assert [e[2] for e in endpoints] == [0x85, 0x81, 0x02]
    assert int.from_bytes(endpoints[1][4:6], "little") == (512 if high_speed else 64)


def test_our_client_reads_the_advertised_max_control_message():
    """The sysfs fallback of the chardev transport finds the 256 in these descriptors."""
    blob = gadget.device_descriptor(0x1199, 0x9079) + gadget.configuration(True)
    assert max_command_from_descriptors(blob) == gadget.MAX_CONTROL_MESSAGE == 256


def test_device_descriptor_carries_the_ids():
    device = gadget.device_descriptor(0x1199, 0x9079)
    assert len(device) == device[0] == 18
    assert device[8:12] == bytes.fromhex("99117990")


def test_string_descriptor_is_utf16():
    assert gadget.string_descriptor("EM7455") == bytes((14, 3)) + "EM7455".encode("utf-16-le")


def make(faults: Faults | None = None, status: str | None = None) -> gadget.GadgetModem:
    modem = SimModem(PERSONALITIES["sierra"](), faults)
    return gadget.GadgetModem(modem, gadget.parse_ids("1199:9079"), status)


def test_no_transfer_above_the_gadgetfs_limit_even_if_the_host_asks_for_more():
    assert make().modem.faults.max_control_transfer == 256
    assert make(Faults(max_control_transfer=4096)).modem.faults.max_control_transfer == 256
    assert make(Faults(max_control_transfer=64)).modem.faults.max_control_transfer == 64


def test_chunked_replies_do_not_exist_on_usb():
    with pytest.raises(ValueError, match="chunk_size"):
        make(Faults(chunk_size=3))


def session(modem: gadget.GadgetModem, max_control_transfer: int) -> list[bytes]:
    """OPEN, DEVICE_CAPS query, CLOSE through the gadget; the reply transfers it queued."""
    modem._command(Open(1, max_control_transfer).encode())
    modem._command(Command(2, BASIC_CONNECT, BasicConnectCid.DEVICE_CAPS, CommandType.QUERY).encode())
    modem._command(Close(3).encode())
    return [data for _, data in modem._outbox]


def reassemble(transfers: list[bytes]) -> list[object]:
    assembler = FragmentAssembler()
    return [decode(whole) for t in transfers if (whole := assembler.add(t, 0.0)) is not None]


def test_replies_are_queued_and_recorded(tmp_path):
    status_path = tmp_path / "status.json"
    modem = make(status=str(status_path))
    transfers = session(modem, 4096)  # a host that claims 4096 still gets <= 256
    assert all(len(t) <= 256 for t in transfers)
    assert [type(r) for r in reassemble(transfers)] == [OpenDone, CommandDone, CloseDone]
    status = json.loads(status_path.read_text())
    assert [e["kind"] for e in status["transcript"]] == ["open", "device-caps", "close"]
    assert status["transcript"][0]["max_control_transfer"] == 4096
    assert status["to_modem"] == [16, 48, 12]
    assert status["locked"] is True
    assert status["ids"] == "1199:9079"
    assert status["overrun"] == 0


def test_small_transfers_fragment_the_replies():
    transfers = session(make(Faults(max_control_transfer=64)), 256)
    assert max(len(t) for t in transfers) == 64
    fragments = [gadget.fragment_of(t) for t in transfers]
    assert [0, 1] not in fragments and fragments[0] is None  # OPEN_DONE is never fragmented
    total = fragments[1][1]  # type: ignore[index]
    assert total > 1 and fragments[1 : 1 + total] == [[i, total] for i in range(total)]
    assert [type(r) for r in reassemble(transfers)] == [OpenDone, CommandDone, CloseDone]


def test_fault_knobs_from_the_command_line():
    knobs = gadget.fault_knobs(["max-control-transfer=64", 'never_answer=["close"]', "hang_up_on=close"])
    assert knobs == {"max_control_transfer": 64, "never_answer": ["close"], "hang_up_on": "close"}
    Faults(**knobs)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        gadget.fault_knobs(["latency"])


def test_bad_arguments_exit_2(capsys):
    assert gadget.main(["--fault", "no_such_knob=1", "--gadget-dir", "/nonexistent"]) == 2
    assert gadget.main(["--ids", "11999079", "--gadget-dir", "/nonexistent"]) == 2
    assert gadget.main(["--fault", 'never_answer=["nonsense"]']) == 2
    assert "unknown message kind" in capsys.readouterr().err


def test_without_gadgetfs_it_says_so(capsys, tmp_path):
    assert gadget.main(["--gadget-dir", str(tmp_path / "missing")]) == 1
    assert "gadgetfs mounted" in capsys.readouterr().err
    assert gadget.main(["--gadget-dir", str(tmp_path)]) == 1
    assert "dummy_hcd" in capsys.readouterr().err


def subscribe_list_of(size: int, tid: int) -> bytes:
    """A DEVICE_SERVICE_SUBSCRIBE_LIST of ``size`` bytes (a multiple of 4, from 72)."""
    cids = tuple(range(1, (size - 48 - 4 - 8 - 20) // 4 + 1))
    buffer = basic_connect.subscribe_list([(BASIC_CONNECT, cids)])
    message = Command(
        tid, BASIC_CONNECT, BasicConnectCid.DEVICE_SERVICE_SUBSCRIBE_LIST, CommandType.SET, buffer
    )
    encoded = message.encode()
    assert len(encoded) == size
    return encoded


def test_each_control_transfer_is_one_message_even_a_cut_one(tmp_path):
    """cdc-wdm cuts a 292-byte write at 256 (docs/protocol.md §7.4): the gadget answers it
    and the next request, counts it, and logs every transfer."""
    status_path, log = tmp_path / "status.json", io.StringIO()
    modem = gadget.GadgetModem(
        SimModem(PERSONALITIES["sierra"]()), (0x1199, 0x9079), str(status_path), log=log
    )
    modem._command(Open(1, 4096).encode())
    modem._command(subscribe_list_of(292, 14)[:256])
    modem._command(Command(15, BASIC_CONNECT, BasicConnectCid.DEVICE_CAPS, CommandType.QUERY).encode())
    answered = reassemble([data for _, data in modem._outbox])
    assert [(type(r), r.transaction_id) for r in answered] == [
        (OpenDone, 1),
        (CommandDone, 14),
        (CommandDone, 15),
    ]
    assert [getattr(r, "status", None) for r in answered] == [0, 0, 0]
    status = json.loads(status_path.read_text())
    assert (status["truncated_transfers"], status["overlong_transfers"], status["headerless_transfers"]) == (
        1,
        0,
        0,
    )
    assert status["to_modem"] == [16, 256, 48]
    assert status["transcript"][1]["cut"] == [292, 256]
    lines = [line.split("] ", 1)[1] for line in log.getvalue().splitlines()]
    assert lines == [
        "OUT 16 bytes tid 1",
        "OUT 256 bytes tid 14",
        "cut by the host: MessageLength 292, 256 bytes arrived",
        "OUT 48 bytes tid 15",
    ]


def test_requests_and_replies_through_a_fake_ep0():
    """_setup() reads SEND_ENCAPSULATED_COMMAND's data from ep0 and writes a reply transfer
    to it for GET_ENCAPSULATED_RESPONSE; a socket pair stands in for gadgetfs's ep0,
    one packet a transfer."""
    log = io.StringIO()
    modem = gadget.GadgetModem(SimModem(PERSONALITIES["sierra"]()), (0x1199, 0x9079), log=log)
    host, device = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    out_class, in_class = 0x21, 0xA1  # class requests to the interface, host-to-device and back
    with host, device:
        modem._ep0 = device.fileno()

        def send(data: bytes) -> None:
            host.send(data)
            modem._setup(out_class, gadget.SEND_ENCAPSULATED_COMMAND, 0, 0, len(data))

        def fetch() -> bytes:
            with modem._cond:  # what the notify thread does once a reply is due
                modem._ready += [data for _, data in modem._outbox]
                modem._outbox.clear()
            modem._setup(in_class, gadget.GET_ENCAPSULATED_RESPONSE, 0, 0, 4096)
            return host.recv(4096)

        send(Open(7, 64).encode())  # a small limit: the DEVICE_CAPS reply comes in fragments
        assert decode(fetch()) == OpenDone(7, 0)
        send(Command(8, BASIC_CONNECT, BasicConnectCid.DEVICE_CAPS, CommandType.QUERY).encode())
        transfers = [fetch()]
        while gadget.fragment_of(transfers[-1]) not in (None, [len(transfers) - 1, len(transfers)]):
            transfers.append(fetch())
        (caps,) = reassemble(transfers)
        assert isinstance(caps, CommandDone) and (caps.transaction_id, caps.status) == (8, 0)
        assert all(len(t) <= 64 for t in transfers) and len(transfers) > 1
        modem._ep0 = -1
    lines = [line.split("] ", 1)[1] for line in log.getvalue().splitlines()]
    assert lines == [
        "OUT 16 bytes tid 7",
        "IN 16 bytes tid 7",
        "OUT 48 bytes tid 8",
        *[f"IN {len(t)} bytes tid 8" for t in transfers],
    ]
    assert [entry["size"] for entry in modem.status()["to_host"]] == [16, *map(len, transfers)]  # type: ignore[union-attr]
