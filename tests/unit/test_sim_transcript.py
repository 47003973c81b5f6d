"""What the simulated modem's transcript says about each exchange (sim/model.py, Received).

Every entry names the request (kind, type, TID; for a COMMAND its service, CID,
command type and the start of its information buffer; the QMI fields) and what the
model answered (the reply's type, its MBIM status or FUNCTION_ERROR code, the QMI
error), so a transcript of a run against a real host reads without a decoder.
"""

from __future__ import annotations

import json

from fcc_unlock.mbim import basic_connect
from fcc_unlock.mbim.constants import (
    BASIC_CONNECT,
    QMI,
    QMI_MSG_CID,
    BasicConnectCid,
    CommandType,
    ProtocolErrorCode,
    uuid_bytes,
)
from fcc_unlock.mbim.messages import Command, DecodeError, HostError, Open, decode
from fcc_unlock.mbim.stream import FragmentAssembler
from fcc_unlock.qmi import catalog
from fcc_unlock.qmi.constants import Service
from fcc_unlock.sim.actions import Write
from fcc_unlock.sim.faults import Faults
from fcc_unlock.sim.model import SimModem
from fcc_unlock.sim.personalities import PERSONALITIES


def opened(faults: Faults | None = None, vendor: str = "sierra") -> SimModem:
    modem = SimModem(PERSONALITIES[vendor](), faults)
    modem.receive_data(Open(1, 4096).encode())
    return modem


def caps_query(tid: int = 2) -> bytes:
    return Command(tid, BASIC_CONNECT, BasicConnectCid.DEVICE_CAPS, CommandType.QUERY).encode()


def qmi_request(tid: int, frame: object) -> bytes:
    return Command(tid, QMI, QMI_MSG_CID, CommandType.SET, frame.encode()).encode()  # type: ignore[attr-defined]


def last(modem: SimModem) -> dict[str, object]:
    entry = modem.transcript[-1].as_dict()
    json.dumps(entry)  # what the gadget's status file and --transcript write
    return entry


def test_an_mbim_command_and_its_status():
    modem = opened()
    open_entry = modem.transcript[0].as_dict()
    assert open_entry == {
        "kind": "open",
        "type": "OPEN",
        "tid": 1,
        "max_control_transfer": 4096,
        "reply": "OPEN_DONE",
        "status": "Success (0)",
        "function_error": None,
    }
    modem.receive_data(caps_query())
    entry = last(modem)
    assert entry["kind"] == "device-caps"
    assert (entry["service"], entry["cid"], entry["command_type"]) == ("BasicConnect", 1, "query")
    assert (entry["information_buffer_length"], entry["information_buffer"]) == (0, "")
    assert (entry["reply"], entry["status"], entry["function_error"]) == ("COMMAND_DONE", "Success (0)", None)
    assert "qmi" not in entry and "qmi_error" not in entry

    # The FCC lock's answer: a SET whose buffer and status are both in the entry.
    on = Command(
        3, BASIC_CONNECT, BasicConnectCid.RADIO_STATE, CommandType.SET, basic_connect.radio_state_set(True)
    )
    modem.receive_data(on.encode())
    entry = last(modem)
    assert (entry["kind"], entry["command_type"], entry["information_buffer"]) == (
        "radio-state",
        "set",
        "01000000",
    )
    assert entry["status"] == "OperationNotAllowed (28)"


def test_only_the_first_160_bytes_of_a_buffer_and_an_unknown_service_by_its_uuid():
    modem = opened()
    service = uuid_bytes("01234567-89ab-cdef-0123-456789abcdef")
    buffer = bytes(range(200))
    modem.receive_data(Command(2, service, 7, CommandType.SET, buffer).encode())
    entry = last(modem)
    assert entry["service"] == "01234567-89ab-cdef-0123-456789abcdef"
    assert entry["information_buffer_length"] == 200
    assert entry["information_buffer"] == buffer[:160].hex()
    assert entry["status"] == "NoDeviceSupport (9)"


def test_a_qmi_exchange_with_a_qmi_error():
    modem = opened()
    modem.receive_data(qmi_request(2, catalog.allocate_cid(1, Service.DMS)))
    allocated = last(modem)
    assert allocated["kind"] == "qmi-allocate"
    assert (allocated["status"], allocated["qmi_error"]) == ("Success (0)", "None (0)")
    assert set(allocated["qmi"]) == {"service", "client_id", "tid", "message_id", "tlvs"}  # as before
    # The client id granted, in the response's allocation TLV (the VM test counts them).
    granted = dict(allocated["qmi_reply_tlvs"])  # type: ignore[arg-type]
    assert granted[0x01] == bytes([Service.DMS, 1]).hex()
    # The unlock request from a client id nobody allocated: MBIM succeeds, QMI does not.
    modem.receive_data(qmi_request(3, catalog.build(catalog.SET_FCC_AUTHENTICATION, 77, 2)))
    entry = last(modem)
    assert entry["kind"] == "fcc-auth"
    assert (entry["service"], entry["cid"], entry["command_type"]) == ("QMI", 1, "set")
    assert entry["qmi"]["client_id"] == 77  # type: ignore[index]
    assert (entry["reply"], entry["status"], entry["qmi_error"]) == (
        "COMMAND_DONE",
        "Success (0)",
        "InvalidClientId (7)",
    )
    assert modem.locked


def test_a_qmi_request_answered_with_an_mbim_error_has_no_qmi_error():
    modem = opened(Faults(no_qmi_service=True))
    modem.receive_data(qmi_request(2, catalog.allocate_cid(1, Service.DMS)))
    entry = last(modem)
    assert (entry["status"], entry["qmi_error"]) == ("NoDeviceSupport (9)", None)


def test_function_errors():
    modem = SimModem(PERSONALITIES["sierra"]())
    modem.receive_data(caps_query(5))  # before OPEN
    entry = last(modem)
    assert (entry["reply"], entry["status"], entry["function_error"]) == (
        "FUNCTION_ERROR",
        None,
        "NotOpened (5)",
    )

    modem = opened(Faults(function_error={"device-caps": ProtocolErrorCode.FRAGMENT_OUT_OF_SEQUENCE}))
    modem.receive_data(caps_query())
    entry = last(modem)
    assert (entry["reply"], entry["function_error"]) == ("FUNCTION_ERROR", "FragmentOutOfSequence (2)")


def test_unanswered_requests():
    modem = opened(Faults(never_answer=("device-caps",)))
    assert modem.receive_data(caps_query()) == []
    assert {k: last(modem)[k] for k in ("kind", "reply", "status", "function_error")} == {
        "kind": "device-caps",
        "reply": None,
        "status": None,
        "function_error": None,
    }
    assert modem.receive_data(HostError(9, ProtocolErrorCode.TIMEOUT_FRAGMENT).encode()) == []
    assert (last(modem)["type"], last(modem)["reply"]) == ("HOST_ERROR", None)

    modem = opened(Faults(hang_up_on="device-caps"))
    modem.receive_data(caps_query())
    assert (last(modem)["reply"], modem.hung_up) == (None, True)


def test_junk_instead_of_a_reply_says_so():
    modem = opened(Faults(garbage_instead=("device-caps",)))
    modem.receive_data(caps_query())
    assert (last(modem)["reply"], last(modem)["status"]) == ("garbage", None)


def written_reply(actions: list[object]) -> object:
    """The message the written transfers make, or the DecodeError they make instead."""
    assembler = FragmentAssembler()
    try:
        for action in actions:
            assert isinstance(action, Write)
            whole = assembler.add(action.data, 0.0)
            if whole is not None:
                return decode(whole)
    except (DecodeError, ValueError) as error:
        return error
    return None


def test_the_transcript_records_the_models_reply_not_the_hostile_mutation():
    """The hostile knob rewrites replies after handle(); the entry keeps what was built."""
    for seed in range(50):
        modem = opened(Faults(hostile=seed, hostile_rate=1.0))
        actions = modem.receive_data(caps_query())
        built = modem.transcript[-1].reply
        if not actions or modem.hung_up or written_reply(actions) == built:
            continue
        entry = last(modem)
        assert (entry["reply"], entry["status"]) == ("COMMAND_DONE", "Success (0)")
        return
    raise AssertionError("no seed in 50 changed the DEVICE_CAPS reply")
