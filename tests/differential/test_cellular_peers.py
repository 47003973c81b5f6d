"""The SIM and network CIDs (docs/protocol.md §2.7) against libmbim 1.28, both ways.

The simulated modem is driven the way ModemManager drives it, with requests libmbim
builds (its ``*_query_new`` and ``*_set_new``), under each SIM and network knob and
on both sides of the FCC unlock. Every reply goes through ``mbim_message_validate``,
its printable field decoder and the typed response parser ModemManager uses, which
must read the very field values our parser reads. Our parsers read libmbim's SETs to
the values it was given, and our builders write them byte for byte as libmbim does.
"""

from __future__ import annotations

import glib_peers
import pytest

from fcc_unlock.mbim import basic_connect, cellular
from fcc_unlock.mbim import catalog as mbim_catalog
from fcc_unlock.mbim import constants as mbim
from fcc_unlock.mbim.cellular import PacketServiceAction, PinOperation, PinType, RegisterAction
from fcc_unlock.mbim.messages import Command, CommandDone, DecodeError, decode
from fcc_unlock.sim import subscriber
from fcc_unlock.sim.faults import Faults
from fcc_unlock.sim.model import SimModem, Write
from fcc_unlock.sim.personalities import Sierra

# Each CID: libmbim's typed parser of its reply, and the name libmbim prints for it.
THEIR_PARSERS = {
    mbim_catalog.SUBSCRIBER_READY_STATUS: glib_peers.mbim_parse_subscriber_ready_status,
    mbim_catalog.PIN: glib_peers.mbim_parse_pin,
    mbim_catalog.HOME_PROVIDER: glib_peers.mbim_parse_home_provider,
    mbim_catalog.REGISTER_STATE: glib_peers.mbim_parse_register_state,
    mbim_catalog.PACKET_SERVICE: glib_peers.mbim_parse_packet_service,
    mbim_catalog.SIGNAL_STATE: glib_peers.mbim_parse_signal_state,
}
QUERIES = [
    "subscriber_ready_status",
    "pin",
    "home_provider",
    "register_state",
    "packet_service",
    "signal_state",
]


class Peer:
    """libmbim's requests into one SimModem; each reply checked by libmbim."""

    def __init__(self, **knobs: object) -> None:
        self.modem = SimModem(Sierra(), Faults(**knobs))
        self.tid = 1
        self.modem.receive_data(glib_peers.mbim_build_simple("open", 1, 4096))
        self.replies: list[tuple[mbim_catalog.Cid, CommandDone]] = []

    def send(self, request: bytes) -> CommandDone:
        (action,) = self.modem.receive_data(request)
        assert isinstance(action, Write)
        reply = decode(action.data)
        assert isinstance(reply, CommandDone)
        check_reply(action.data, reply)
        entry = mbim_catalog.lookup(reply.service_id, reply.cid)
        if entry in THEIR_PARSERS:
            self.replies.append((entry, reply))
        return reply

    def next_tid(self) -> int:
        self.tid += 1
        return self.tid

    def query_all(self) -> None:
        for what in QUERIES:
            self.send(glib_peers.mbim_build_cellular_query(self.next_tid(), what))

    def radio_on(self) -> None:
        self.modem.unlock()  # the vendor unlock itself is other tests' matter
        request = Command(
            self.next_tid(),
            mbim.BASIC_CONNECT,
            mbim.BasicConnectCid.RADIO_STATE,
            mbim.CommandType.SET,
            basic_connect.radio_state_set(True),
        )
        assert self.send(request.encode()).status == mbim.Status.NONE

    def pin(self, pin_type: int, operation: int, pin: str, new_pin: str = "") -> CommandDone:
        return self.send(glib_peers.mbim_build_pin_set(self.next_tid(), pin_type, operation, pin, new_pin))


def check_reply(data: bytes, ours: CommandDone) -> None:
    """libmbim validates the reply, names it as we do and decodes its fields without an error."""
    view = glib_peers.mbim_decode(data)
    assert (view.message_type, view.transaction_id, view.status) == (
        ours.message_type,
        ours.transaction_id,
        ours.status,
    )
    assert (view.service_id, view.cid, view.information_buffer) == (
        ours.service_id,
        ours.cid,
        ours.information_buffer,
    )
    assert view.cid_name == mbim.BasicConnectCid(ours.cid).name.lower().replace("_", "-")
    assert view.fields_failed is None, view.printable
    if ours.status:
        assert glib_peers.mbim_status_name(ours.status) == mbim.camel(mbim.Status(ours.status).name)


def assert_libmbim_reads_what_we_read(replies: list[tuple[mbim_catalog.Cid, CommandDone]]) -> int:
    """Each reply with a buffer: libmbim's typed parser gives our parser's fields."""
    read = 0
    for entry, reply in replies:
        if not reply.information_buffer:
            assert reply.status != mbim.Status.NONE, f"{entry}: success without a buffer"
            continue
        ours = entry.response.parse(reply.information_buffer).fields()
        theirs = THEIR_PARSERS[entry](reply.encode())
        assert theirs == ours, (entry, reply.status)
        read += 1
    return read


def scenario_default() -> Peer:
    peer = Peer()
    peer.query_all()  # locked: deregistered, detached, RSSI 99
    peer.radio_on()
    peer.query_all()  # Home
    peer.send(glib_peers.mbim_build_register_state_set(peer.next_tid(), "", RegisterAction.AUTOMATIC, 0))
    peer.send(glib_peers.mbim_build_register_state_set(peer.next_tid(), "00101", RegisterAction.MANUAL, 0x20))
    peer.send(glib_peers.mbim_build_signal_state_set(peer.next_tid(), 0, 3, 0))
    for action in (PacketServiceAction.DETACH, PacketServiceAction.ATTACH):
        peer.send(glib_peers.mbim_build_packet_service_set(peer.next_tid(), action))
    peer.pin(PinType.PIN1, PinOperation.ENTER, subscriber.PIN)  # no PIN expected: Failure, PinType 0
    peer.pin(PinType.PIN1, PinOperation.CHANGE, subscriber.PIN, "4321")
    return peer


def scenario_pin_locked() -> Peer:
    """As ModemManager unlocks a SIM (mm-sim-mbim.c send_pin, send_puk), and gets it wrong."""
    peer = Peer(pin_locked=True)
    peer.radio_on()
    peer.query_all()
    for _ in range(3):
        peer.pin(PinType.PIN1, PinOperation.ENTER, "0000")
    peer.query_all()  # PUK1 wanted
    peer.pin(PinType.PUK1, PinOperation.ENTER, "00000000", "1234")
    peer.pin(PinType.PUK1, PinOperation.ENTER, subscriber.PUK, "1234")
    peer.query_all()  # Home
    return peer


def scenario_no_sim() -> Peer:
    peer = Peer(no_sim=True)
    peer.query_all()
    peer.radio_on()
    peer.query_all()
    peer.pin(PinType.PIN1, PinOperation.ENTER, subscriber.PIN)
    peer.send(glib_peers.mbim_build_packet_service_set(peer.next_tid(), PacketServiceAction.ATTACH))
    return peer


def scenario_not_registered() -> Peer:
    peer = Peer(not_registered=True)
    peer.radio_on()
    peer.query_all()
    peer.send(glib_peers.mbim_build_register_state_set(peer.next_tid(), "", RegisterAction.AUTOMATIC, 0))
    peer.send(glib_peers.mbim_build_packet_service_set(peer.next_tid(), PacketServiceAction.ATTACH))
    return peer


SCENARIOS = {
    "default": scenario_default,
    "pin-locked": scenario_pin_locked,
    "no-sim": scenario_no_sim,
    "not-registered": scenario_not_registered,
}


# What tells a reply's states apart, for the coverage check.
STATE_OF = {
    mbim_catalog.SUBSCRIBER_READY_STATUS: lambda record, _: record.ready_state,
    mbim_catalog.PIN: lambda record, status: (record.pin_type, record.pin_state, status),
    mbim_catalog.HOME_PROVIDER: lambda record, _: record.provider_id,
    mbim_catalog.REGISTER_STATE: lambda record, _: record.register_state,
    mbim_catalog.PACKET_SERVICE: lambda record, _: record.packet_service_state,
    mbim_catalog.SIGNAL_STATE: lambda record, _: record.rssi,
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_libmbim_reads_every_answer_of_the_simulator_as_we_do(peers, name):
    peer = SCENARIOS[name]()
    assert assert_libmbim_reads_what_we_read(peer.replies) >= 6


def test_the_scenarios_cover_every_answer_the_simulator_gives(peers):
    """The differential is as good as its coverage: every CID with a buffer, every
    state each one can report, and every failure status."""
    seen: set[tuple[str, object]] = set()
    for make in SCENARIOS.values():
        for entry, reply in make().replies:
            if not reply.information_buffer:
                seen.add((entry.name, mbim.Status(reply.status).name))
                continue
            record = entry.response.parse(reply.information_buffer)
            seen.add((entry.name, STATE_OF[entry](record, reply.status)))
    ready, registered = cellular.SubscriberReadyState, cellular.RegisterState
    expected = {
        ("SUBSCRIBER_READY_STATUS", ready.INITIALIZED),
        ("SUBSCRIBER_READY_STATUS", ready.DEVICE_LOCKED),
        ("SUBSCRIBER_READY_STATUS", ready.SIM_NOT_INSERTED),
        ("PIN", (PinType.PIN1, cellular.PinState.UNLOCKED, mbim.Status.NONE)),
        ("PIN", (PinType.PIN1, cellular.PinState.LOCKED, mbim.Status.NONE)),
        ("PIN", (PinType.PIN1, cellular.PinState.LOCKED, mbim.Status.FAILURE)),
        ("PIN", (PinType.PUK1, cellular.PinState.LOCKED, mbim.Status.FAILURE)),
        ("PIN", (PinType.UNKNOWN, cellular.PinState.UNLOCKED, mbim.Status.FAILURE)),
        ("PIN", "SIM_NOT_INSERTED"),
        ("HOME_PROVIDER", "00101"),
        ("HOME_PROVIDER", "PIN_REQUIRED"),
        ("HOME_PROVIDER", "SIM_NOT_INSERTED"),
        ("REGISTER_STATE", registered.DEREGISTERED),
        ("REGISTER_STATE", registered.SEARCHING),
        ("REGISTER_STATE", registered.HOME),
        ("PACKET_SERVICE", cellular.PacketServiceState.ATTACHED),
        ("PACKET_SERVICE", cellular.PacketServiceState.DETACHED),
        ("PACKET_SERVICE", "NOT_REGISTERED"),
        ("SIGNAL_STATE", 20),
        ("SIGNAL_STATE", 99),
    }
    assert expected <= seen, sorted(map(str, expected - seen))


# --- libmbim's requests, read by us -------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "entry", "fields"),
    [
        (
            lambda tid: glib_peers.mbim_build_pin_set(tid, PinType.PIN1, PinOperation.ENTER, "1234", ""),
            mbim_catalog.PIN,
            {"pin_type": PinType.PIN1, "pin_operation": PinOperation.ENTER, "pin": "1234", "new_pin": ""},
        ),
        (
            lambda tid: glib_peers.mbim_build_pin_set(
                tid, PinType.PUK1, PinOperation.ENTER, "12345678", "4321"
            ),
            mbim_catalog.PIN,
            {
                "pin_type": PinType.PUK1,
                "pin_operation": PinOperation.ENTER,
                "pin": "12345678",
                "new_pin": "4321",
            },
        ),
        (
            lambda tid: glib_peers.mbim_build_pin_set(
                tid, PinType.PIN1, PinOperation.CHANGE, "1234", "98765"
            ),
            mbim_catalog.PIN,
            {
                "pin_type": PinType.PIN1,
                "pin_operation": PinOperation.CHANGE,
                "pin": "1234",
                "new_pin": "98765",
            },
        ),
        (
            lambda tid: glib_peers.mbim_build_register_state_set(tid, "", RegisterAction.AUTOMATIC, 0),
            mbim_catalog.REGISTER_STATE,
            {"provider_id": "", "register_action": RegisterAction.AUTOMATIC, "data_class": 0},
        ),
        (
            lambda tid: glib_peers.mbim_build_register_state_set(tid, "310410", RegisterAction.MANUAL, 0x3C),
            mbim_catalog.REGISTER_STATE,
            {"provider_id": "310410", "register_action": RegisterAction.MANUAL, "data_class": 0x3C},
        ),
        (
            lambda tid: glib_peers.mbim_build_packet_service_set(tid, PacketServiceAction.DETACH),
            mbim_catalog.PACKET_SERVICE,
            {"packet_service_action": PacketServiceAction.DETACH},
        ),
        (
            lambda tid: glib_peers.mbim_build_signal_state_set(tid, 5, 2, 0xFFFFFFFF),
            mbim_catalog.SIGNAL_STATE,
            {"signal_strength_interval": 5, "rssi_threshold": 2, "error_rate_threshold": 0xFFFFFFFF},
        ),
    ],
    ids=["pin-enter", "puk-enter", "pin-change", "register-automatic", "register-manual", "detach", "signal"],
)
def test_we_read_libmbims_sets_and_build_them_byte_for_byte(peers, build, entry, fields):
    theirs = decode(build(9))
    assert isinstance(theirs, Command) and theirs.command_type == mbim.CommandType.SET
    assert (theirs.service_id, theirs.cid) == (entry.service, entry.cid)
    assert entry.set.parse(theirs.information_buffer).fields() == fields
    assert entry.set.build(**fields) == theirs.information_buffer
    ours = Command(9, entry.service, entry.cid, mbim.CommandType.SET, entry.set.build(**fields)).encode()
    assert ours == build(9)


@pytest.mark.parametrize("what", QUERIES)
def test_libmbims_queries_are_ours(peers, what):
    entry = {e.name.lower(): e for e in THEIR_PARSERS}[what]
    assert decode(glib_peers.mbim_build_cellular_query(4, what)) == Command(
        4, entry.service, entry.cid, mbim.CommandType.QUERY
    )


def test_libmbim_refuses_what_we_refuse(peers):
    """The oracle can say no: a string past the end fails its parser as it fails ours."""
    buffer = bytearray(
        cellular.provider(provider_id="00101", provider_state=1, provider_name="x", cellular_class=1)
    )
    buffer[12:16] = (400).to_bytes(4, "little")  # ProviderName's offset beyond the buffer
    done = CommandDone(3, mbim.BASIC_CONNECT, mbim.BasicConnectCid.HOME_PROVIDER, 0, bytes(buffer)).encode()
    with pytest.raises(glib_peers.PeerRejected):
        glib_peers.mbim_parse_home_provider(done)
    with pytest.raises(DecodeError):
        cellular.parse_provider(bytes(buffer))
