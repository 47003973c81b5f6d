"""The simulated modem's SIM and network (fcc_unlock/sim/subscriber.py, docs/protocol.md
§2.7): its answers under each knob, the PIN dialogue, and the FCC lock's hold on the
network (locked or radio off: deregistered, detached, RSSI 99; unlocked and RADIO_STATE
ON: Home). Everything goes through the modem's bytes-in, actions-out surface.
"""

from __future__ import annotations

import pytest

from fcc_unlock.mbim import basic_connect, cellular
from fcc_unlock.mbim import catalog as mbim_catalog
from fcc_unlock.mbim import constants as mbim
from fcc_unlock.mbim.cellular import (
    PacketServiceAction,
    PacketServiceState,
    PinOperation,
    PinState,
    PinType,
    RegisterAction,
    RegisterMode,
    RegisterState,
    SubscriberReadyState,
)
from fcc_unlock.mbim.constants import CommandType, Status
from fcc_unlock.mbim.messages import Command, CommandDone, Open, decode
from fcc_unlock.qmi import catalog as qmi_catalog
from fcc_unlock.qmi import messages as qmi
from fcc_unlock.qmi.constants import Service
from fcc_unlock.sim import subscriber
from fcc_unlock.sim.__main__ import at_modem_from, build_parser, faults_from
from fcc_unlock.sim.at_modem import AtModem
from fcc_unlock.sim.faults import KINDS, Faults
from fcc_unlock.sim.model import SimModem, Write
from fcc_unlock.sim.personalities import PERSONALITIES, Quectel, Sierra

SRS = mbim_catalog.SUBSCRIBER_READY_STATUS
PIN = mbim_catalog.PIN
HOME = mbim_catalog.HOME_PROVIDER
REGISTER = mbim_catalog.REGISTER_STATE
PACKET = mbim_catalog.PACKET_SERVICE
SIGNAL = mbim_catalog.SIGNAL_STATE


class Host:
    """Talks to one SimModem: OPEN on creation, then one command at a time."""

    def __init__(self, modem: SimModem) -> None:
        self.modem = modem
        self.tid = 0
        self.exchange(Open(self.next_tid(), 4096).encode())

    def next_tid(self) -> int:
        self.tid += 1
        return self.tid

    def exchange(self, data: bytes) -> list:
        return [decode(a.data) for a in self.modem.receive_data(data) if isinstance(a, Write)]

    def command(self, service: bytes, cid: int, command_type: int, buffer: bytes = b"") -> CommandDone:
        (reply,) = self.exchange(Command(self.next_tid(), service, cid, command_type, buffer).encode())
        assert isinstance(reply, CommandDone) and reply.transaction_id == self.tid
        return reply

    def query(self, entry: mbim_catalog.Cid) -> tuple[int, object]:
        """(status, the parsed reply, or None for an empty buffer)."""
        done = self.command(entry.service, entry.cid, CommandType.QUERY)
        return done.status, entry.response.parse(done.information_buffer) if done.information_buffer else None

    def set(self, entry: mbim_catalog.Cid, **fields: object) -> tuple[int, object]:
        done = self.command(entry.service, entry.cid, CommandType.SET, entry.set.build(**fields))
        return done.status, entry.response.parse(done.information_buffer) if done.information_buffer else None

    def radio(self, on: bool) -> int:
        return self.command(
            mbim.BASIC_CONNECT,
            mbim.BasicConnectCid.RADIO_STATE,
            CommandType.SET,
            basic_connect.radio_state_set(on),
        ).status

    def enter_pin(self, pin: str, pin_type: int = PinType.PIN1, new_pin: str = "") -> tuple[int, object]:
        return self.set(PIN, pin_type=pin_type, pin_operation=PinOperation.ENTER, pin=pin, new_pin=new_pin)

    def sierra_unlock(self) -> None:
        """The real Sierra unlock over QMI: Allocate a DMS client, Set FCC Authentication."""
        allocate = qmi_catalog.build(qmi_catalog.ALLOCATE_CID, 0, 1, service=Service.DMS)
        done = self.command(mbim.QMI, mbim.QMI_MSG_CID, CommandType.SET, allocate.encode())
        client = qmi_catalog.allocated_client_id(qmi.decode(done.information_buffer), Service.DMS)
        auth = qmi_catalog.build(qmi_catalog.SET_FCC_AUTHENTICATION, client, 2)
        done = self.command(mbim.QMI, mbim.QMI_MSG_CID, CommandType.SET, auth.encode())
        qmi.decode(done.information_buffer).result()


def host(personality=Sierra, **knobs: object) -> Host:
    return Host(SimModem(personality(), Faults(**knobs)))


def up(**knobs: object) -> Host:
    """A Sierra after its real unlock and RADIO_STATE SET ON."""
    h = host(**knobs)
    h.sierra_unlock()
    assert h.radio(True) == Status.NONE
    return h


HOME_REGISTRATION = cellular.RegistrationState(
    0,
    RegisterState.HOME,
    RegisterMode.AUTOMATIC,
    cellular.DataClass.LTE,
    cellular.CellularClass.GSM,
    "00101",
    "Test Network",
    registration_flag=cellular.RegistrationFlag.PACKET_SERVICE_AUTOMATIC_ATTACH,
)


def deregistered(state: int = RegisterState.DEREGISTERED, mode: int = RegisterMode.AUTOMATIC):
    return cellular.RegistrationState(0, state, mode, 0, cellular.CellularClass.GSM)


DETACHED = cellular.PacketService(0, PacketServiceState.DETACHED, 0)
ATTACHED = cellular.PacketService(
    0, PacketServiceState.ATTACHED, cellular.DataClass.LTE, 50_000_000, 150_000_000
)
SILENT = cellular.SignalState(99, 99)
HEARING = cellular.SignalState(20, 0)


# --- the SIM -------------------------------------------------------------------------


def test_by_default_a_test_network_sim_is_in_and_needs_no_pin():
    h = host()
    assert h.query(SRS) == (
        Status.NONE,
        cellular.SubscriberReadyStatus(
            SubscriberReadyState.INITIALIZED, "001010000000001", "89001010000000000018", 0, ("+15555550100",)
        ),
    )
    assert h.query(PIN) == (Status.NONE, cellular.PinInfo(PinType.PIN1, PinState.UNLOCKED, 3))
    assert h.query(HOME) == (
        Status.NONE,
        cellular.Provider(
            "00101", cellular.ProviderState.HOME, "Test Network", cellular.CellularClass.GSM, 99, 99
        ),
    )


def test_the_iccid_is_one_modemmanager_accepts():
    """mm_3gpp_parse_iccid: 19 or 20 digits starting 89; ours also has its Luhn digit."""
    digits = [int(d) for d in subscriber.ICCID]
    assert len(digits) in (19, 20) and subscriber.ICCID.startswith("89")
    total = sum(
        d if i % 2 == 0 else (2 * d - 9 if 2 * d > 9 else 2 * d) for i, d in enumerate(reversed(digits))
    )
    assert total % 10 == 0
    assert subscriber.IMSI.startswith("00101") and len(subscriber.IMSI) == 15


def test_no_sim():
    h = up(no_sim=True)
    assert h.query(SRS) == (
        Status.NONE,
        cellular.SubscriberReadyStatus(SubscriberReadyState.SIM_NOT_INSERTED),
    )
    assert h.query(PIN) == (Status.SIM_NOT_INSERTED, None)
    assert h.enter_pin(subscriber.PIN) == (Status.SIM_NOT_INSERTED, None)
    assert h.query(HOME) == (Status.SIM_NOT_INSERTED, None)
    # Unlocked, radio on: nothing to register with.
    assert h.query(REGISTER) == (Status.NONE, deregistered())
    assert h.set(REGISTER, provider_id="", register_action=RegisterAction.AUTOMATIC, data_class=0) == (
        Status.NONE,
        deregistered(),
    )
    assert h.set(PACKET, packet_service_action=PacketServiceAction.ATTACH) == (Status.NOT_REGISTERED, None)


def test_pin_locked_until_the_right_pin_is_entered():
    h = up(pin_locked=True)
    locked = cellular.SubscriberReadyStatus(SubscriberReadyState.DEVICE_LOCKED, sim_icc_id=subscriber.ICCID)
    assert h.query(SRS) == (Status.NONE, locked)
    assert h.query(PIN) == (Status.NONE, cellular.PinInfo(PinType.PIN1, PinState.LOCKED, 3))
    assert h.query(HOME) == (Status.PIN_REQUIRED, None)
    assert h.query(REGISTER) == (Status.NONE, deregistered())  # radio up, but the SIM is locked
    assert h.query(PACKET) == (Status.NONE, DETACHED)

    assert h.enter_pin("0000") == (Status.FAILURE, cellular.PinInfo(PinType.PIN1, PinState.LOCKED, 2))
    assert h.query(PIN) == (Status.NONE, cellular.PinInfo(PinType.PIN1, PinState.LOCKED, 2))
    assert h.query(SRS) == (Status.NONE, locked)

    assert subscriber.PIN == "1234"
    assert h.enter_pin("1234") == (Status.NONE, cellular.PinInfo(PinType.PIN1, PinState.UNLOCKED, 3))
    status, ready = h.query(SRS)
    assert status == Status.NONE and ready.ready_state == SubscriberReadyState.INITIALIZED
    assert ready.subscriber_id == subscriber.IMSI
    assert h.query(HOME)[0] == Status.NONE
    assert h.query(REGISTER) == (Status.NONE, HOME_REGISTRATION)
    assert h.query(PACKET) == (Status.NONE, ATTACHED)


def test_three_wrong_pins_want_the_puk_and_ten_wrong_puks_kill_the_card():
    h = host(pin_locked=True)
    assert [h.enter_pin("9999") for _ in range(3)] == [
        (Status.FAILURE, cellular.PinInfo(PinType.PIN1, PinState.LOCKED, 2)),
        (Status.FAILURE, cellular.PinInfo(PinType.PIN1, PinState.LOCKED, 1)),
        (Status.FAILURE, cellular.PinInfo(PinType.PUK1, PinState.LOCKED, 10)),
    ]
    puk_locked = cellular.PinInfo(PinType.PUK1, PinState.LOCKED, 10)
    assert h.query(PIN) == (Status.NONE, puk_locked)
    assert h.enter_pin("1234") == (Status.FAILURE, puk_locked)  # the right PIN is too late
    assert h.query(SRS)[1].ready_state == SubscriberReadyState.DEVICE_LOCKED
    assert h.enter_pin("00000000", PinType.PUK1, "4321") == (
        Status.FAILURE,
        cellular.PinInfo(PinType.PUK1, PinState.LOCKED, 9),
    )
    assert h.enter_pin(subscriber.PUK, PinType.PUK1, "12") == (Status.INVALID_PARAMETERS, None)  # no PIN
    assert h.enter_pin(subscriber.PUK, PinType.PUK1, "4321") == (
        Status.NONE,
        cellular.PinInfo(PinType.PIN1, PinState.UNLOCKED, 3),
    )
    assert h.query(SRS)[1].ready_state == SubscriberReadyState.INITIALIZED
    # The new PIN is the PIN now.
    change = {"pin_type": PinType.PIN1, "pin_operation": PinOperation.CHANGE}
    assert h.set(PIN, **change, pin="1234", new_pin="5678")[0] == Status.FAILURE
    assert h.set(PIN, **change, pin="4321", new_pin="5678")[0] == Status.NONE

    dead = host(pin_locked=True)
    for _ in range(3):
        dead.enter_pin("9999")
    for _ in range(9):
        assert dead.enter_pin("00000000", PinType.PUK1, "4321")[0] == Status.FAILURE
    assert dead.enter_pin("00000000", PinType.PUK1, "4321") == (Status.BAD_SIM, None)
    assert dead.query(SRS)[1].ready_state == SubscriberReadyState.BAD_SIM
    assert dead.query(PIN) == (Status.BAD_SIM, None)
    assert dead.enter_pin(subscriber.PUK, PinType.PUK1, "4321") == (Status.BAD_SIM, None)


def test_a_pin_nobody_asked_for():
    h = host()
    assert h.enter_pin(subscriber.PIN) == (
        Status.FAILURE,
        cellular.PinInfo(PinType.UNKNOWN, PinState.UNLOCKED, 0),
    )
    assert h.enter_pin(subscriber.PUK, PinType.PUK1, "4321") == (
        Status.FAILURE,
        cellular.PinInfo(PinType.PIN1, PinState.UNLOCKED, 3),
    )
    assert h.query(PIN) == (Status.NONE, cellular.PinInfo(PinType.PIN1, PinState.UNLOCKED, 3))


@pytest.mark.parametrize("operation", [PinOperation.ENABLE, PinOperation.DISABLE, PinOperation.CHANGE])
def test_enable_disable_and_change_verify_pin1(operation):
    h = host()
    request = {"pin_type": PinType.PIN1, "pin_operation": operation, "new_pin": "4321"}
    assert h.set(PIN, **request, pin="0000") == (
        Status.FAILURE,
        cellular.PinInfo(PinType.PIN1, PinState.UNLOCKED, 2),
    )
    assert h.set(PIN, **request, pin="1234") == (
        Status.NONE,
        cellular.PinInfo(PinType.PIN1, PinState.UNLOCKED, 3),
    )
    after = "4321" if operation == PinOperation.CHANGE else "1234"
    assert h.set(PIN, **request, pin=after)[0] == Status.NONE
    locked = host(pin_locked=True)
    assert locked.set(PIN, **request, pin="1234") == (
        Status.PIN_REQUIRED,
        cellular.PinInfo(PinType.PIN1, PinState.LOCKED, 3),
    )


def test_wrong_pins_on_an_unlocked_sim_block_it_as_well():
    h = up()
    disable = {"pin_type": PinType.PIN1, "pin_operation": PinOperation.DISABLE}
    for _ in range(3):
        h.set(PIN, **disable, pin="0000")
    assert h.query(PIN) == (Status.NONE, cellular.PinInfo(PinType.PUK1, PinState.LOCKED, 10))
    assert h.query(SRS)[1].ready_state == SubscriberReadyState.DEVICE_LOCKED
    assert h.query(REGISTER) == (Status.NONE, deregistered())


def test_pin_requests_it_cannot_take():
    h = host(pin_locked=True)
    assert h.enter_pin("1234", PinType.PIN2) == (Status.NO_DEVICE_SUPPORT, None)
    assert h.set(PIN, pin_type=PinType.PIN1, pin_operation=7, pin="1234") == (Status.NO_DEVICE_SUPPORT, None)
    bad = h.command(mbim.BASIC_CONNECT, PIN.cid, CommandType.SET, b"\x02\0\0\0")
    assert (bad.status, bad.information_buffer) == (Status.INVALID_PARAMETERS, b"")
    change = {"pin_type": PinType.PIN1, "pin_operation": PinOperation.CHANGE, "pin": "1234", "new_pin": "12"}
    h.enter_pin("1234")
    assert h.set(PIN, **change) == (Status.INVALID_PARAMETERS, None)
    assert h.query(PIN) == (
        Status.NONE,
        cellular.PinInfo(PinType.PIN1, PinState.UNLOCKED, 3),
    )  # no attempt spent


@pytest.mark.parametrize("entry", [SRS, HOME])
def test_query_only_cids_refuse_a_set(entry):
    assert (
        host().command(entry.service, entry.cid, CommandType.SET, b"\0" * 8).status
        == Status.NO_DEVICE_SUPPORT
    )


# --- the FCC lock holds the network ----------------------------------------------------


def network(h: Host) -> tuple[object, object, object]:
    return h.query(REGISTER)[1], h.query(PACKET)[1], h.query(SIGNAL)[1]


def test_locked_the_modem_stays_off_the_network_and_unlocked_it_registers_home():
    h = host()
    off = (deregistered(), DETACHED, SILENT)
    assert network(h) == off
    assert h.radio(True) == Status.OPERATION_NOT_ALLOWED  # the FCC lock
    assert network(h) == off
    assert h.set(PACKET, packet_service_action=PacketServiceAction.ATTACH) == (Status.RADIO_POWER_OFF, None)
    h.sierra_unlock()
    assert not h.modem.locked
    assert network(h) == off  # unlocked, but the radio is still off
    assert h.radio(True) == Status.NONE
    assert network(h) == (HOME_REGISTRATION, ATTACHED, HEARING)
    assert h.radio(False) == Status.NONE
    assert network(h) == off


def test_the_quectel_unlock_brings_the_radio_up_itself():
    h = host(Quectel)
    assert h.query(REGISTER) == (Status.NONE, deregistered())
    from fcc_unlock.mbim import quectel

    on = quectel.radio_state(mbim.QuectelRadioState.ON)
    assert h.command(mbim.QUECTEL, mbim.QUECTEL_RADIO_STATE_CID, CommandType.SET, on).status == Status.NONE
    assert network(h) == (HOME_REGISTRATION, ATTACHED, HEARING)


def test_the_hardware_switch_keeps_the_radio_off():
    h = host(hardware_switch_off=True)
    h.sierra_unlock()
    h.radio(True)  # the software switch is on; rfkill still holds the radio
    assert h.modem.software_radio_on and not h.modem.hardware_radio_on
    assert network(h) == (deregistered(), DETACHED, SILENT)


@pytest.mark.parametrize("name", sorted(PERSONALITIES))
def test_every_personality_answers_the_sim_and_network_cids(name):
    h = Host(SimModem(PERSONALITIES[name]()))
    assert h.query(SRS)[1].ready_state == SubscriberReadyState.INITIALIZED
    assert network(h) == (deregistered(), DETACHED, SILENT)


def test_not_registered():
    h = host(not_registered=True)
    assert h.query(REGISTER) == (Status.NONE, deregistered())  # radio off
    h.sierra_unlock()
    h.radio(True)
    assert network(h) == (deregistered(RegisterState.SEARCHING), DETACHED, SILENT)
    assert h.query(HOME)[0] == Status.NONE  # the SIM is fine
    automatic = {"provider_id": "", "register_action": RegisterAction.AUTOMATIC, "data_class": 0}
    assert h.set(REGISTER, **automatic) == (Status.NONE, deregistered(RegisterState.SEARCHING))
    assert h.set(PACKET, packet_service_action=PacketServiceAction.ATTACH) == (Status.NOT_REGISTERED, None)


# --- the SETs ------------------------------------------------------------------------------


def test_register_state_sets():
    h = host()
    automatic = {"provider_id": "", "register_action": RegisterAction.AUTOMATIC, "data_class": 0}
    assert h.set(REGISTER, **automatic) == (Status.NONE, deregistered())  # accepted while locked
    h = up()
    assert h.set(REGISTER, **automatic) == (Status.NONE, HOME_REGISTRATION)
    manual = {"provider_id": "00101", "register_action": RegisterAction.MANUAL, "data_class": 0x20}
    status, state = h.set(REGISTER, **manual)
    assert status == Status.NONE and state.register_mode == RegisterMode.MANUAL
    assert state.register_state == RegisterState.HOME
    assert h.set(REGISTER, **{**manual, "provider_id": "99999"}) == (Status.PROVIDER_NOT_VISIBLE, None)
    assert h.set(REGISTER, **{**automatic, "register_action": 2}) == (Status.INVALID_PARAMETERS, None)
    assert (
        h.command(mbim.BASIC_CONNECT, REGISTER.cid, CommandType.SET, b"\0" * 4).status
        == Status.INVALID_PARAMETERS
    )
    assert h.set(REGISTER, **automatic) == (Status.NONE, HOME_REGISTRATION)


def test_packet_service_sets():
    h = up()
    assert h.set(PACKET, packet_service_action=PacketServiceAction.DETACH) == (
        Status.NONE,
        cellular.PacketService(0, PacketServiceState.DETACHED, cellular.DataClass.LTE),
    )
    assert h.query(PACKET)[1].packet_service_state == PacketServiceState.DETACHED
    assert h.set(PACKET, packet_service_action=PacketServiceAction.ATTACH) == (Status.NONE, ATTACHED)
    assert h.set(PACKET, packet_service_action=5) == (Status.INVALID_PARAMETERS, None)
    assert h.command(mbim.BASIC_CONNECT, PACKET.cid, CommandType.SET, b"").status == Status.INVALID_PARAMETERS
    assert h.query(PACKET) == (Status.NONE, ATTACHED)
    locked = host()
    assert locked.set(PACKET, packet_service_action=PacketServiceAction.DETACH) == (Status.NONE, DETACHED)


def test_signal_state_sets_are_kept_and_echoed():
    h = host()
    settings = {"signal_strength_interval": 5, "rssi_threshold": 2, "error_rate_threshold": 0xFFFFFFFF}
    assert h.set(SIGNAL, **settings) == (Status.NONE, cellular.SignalState(99, 99, **settings))
    h.sierra_unlock()
    h.radio(True)
    assert h.query(SIGNAL) == (Status.NONE, cellular.SignalState(20, 0, **settings))
    assert (
        h.command(mbim.BASIC_CONNECT, SIGNAL.cid, CommandType.SET, b"\0" * 11).status
        == Status.INVALID_PARAMETERS
    )


# --- what the modem says it has, the kinds, the knobs --------------------------------------


def test_device_services_lists_exactly_the_basic_connect_cids_it_answers():
    h = up()
    (basic, *_) = SimModem(Sierra()).services()
    assert basic.service_id == mbim.BASIC_CONNECT
    assert basic.cids == (1, 2, 3, 4, 6, 9, 10, 11, 16, 19)
    for cid in range(1, 30):
        entry = mbim_catalog.lookup(mbim.BASIC_CONNECT, cid)
        command_type = CommandType.SET if cid == 19 else CommandType.QUERY
        buffer = basic_connect.subscribe_list([]) if cid == 19 else b""
        status = h.command(mbim.BASIC_CONNECT, cid, command_type, buffer).status
        assert (status != Status.NO_DEVICE_SUPPORT) == (cid in basic.cids), (cid, entry)


def test_the_transcript_names_them_by_their_kinds_and_the_knobs_reach_them():
    h = host(never_answer=("pin",), function_error={"register-state": 2})
    assert h.exchange(Command(50, mbim.BASIC_CONNECT, PIN.cid, CommandType.QUERY).encode()) == []
    (error,) = h.exchange(Command(51, mbim.BASIC_CONNECT, REGISTER.cid, CommandType.QUERY).encode())
    assert error.message_type == mbim.MessageType.FUNCTION_ERROR
    h.query(SRS)
    h.set(SIGNAL, signal_strength_interval=0, rssi_threshold=0, error_rate_threshold=0)
    assert [r.kind for r in h.modem.transcript] == [
        "open",
        "pin",
        "register-state",
        "subscriber-ready-status",
        "signal-state",
    ]
    for kind in (
        "subscriber-ready-status",
        "pin",
        "home-provider",
        "register-state",
        "packet-service",
        "signal-state",
    ):
        assert kind in KINDS


def test_the_knobs_are_validated_and_shown():
    with pytest.raises(ValueError, match="exclude each other"):
        Faults(no_sim=True, pin_locked=True)
    assert "pin_locked" in repr(Faults(pin_locked=True)) and "no_sim" not in repr(Faults(pin_locked=True))
    args = build_parser().parse_args(["--no-sim", "--not-registered"])
    faults = faults_from(args)
    assert (faults.no_sim, faults.pin_locked, faults.not_registered) == (True, False, True)
    assert faults_from(build_parser().parse_args(["--pin-locked"])).pin_locked
    # The AT modems have no MBIM SIM: their knobs leave the SIM ones alone.
    modem = at_modem_from(build_parser().parse_args(["--vendor", "fm350-at", "--no-sim"]))
    assert isinstance(modem, AtModem) and not modem.unlocked
