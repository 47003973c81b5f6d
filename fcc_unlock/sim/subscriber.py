"""The simulated modem's SIM and network: its answers to the Basic Connect CIDs
ModemManager asks while it enables a modem (docs/protocol.md §2.7). No I/O.

By default a SIM of the ITU-T test network (MCC 001, MNC 01) is in, initialized, and
PIN1 is not asked for (3 attempts); the knobs ``no_sim``, ``pin_locked`` and
``not_registered`` (sim/faults.py) change that. The radio belongs to the modem
(sim/model.py): each answer is given ``radio_up`` (unlocked, and both radio switches
on), so the FCC lock stays real: until the unlock and RADIO_STATE ON, the modem is
deregistered, detached and hears nothing (RSSI 99).

Answers are ``(status, information buffer)``. A failed command carries no buffer,
except a failed PIN SET: MBIM devices answer it with the PIN state they now expect
and the attempts left, and ModemManager reads them (docs/protocol.md §2.7).
"""

from __future__ import annotations

from fcc_unlock.mbim import catalog
from fcc_unlock.mbim import cellular as c
from fcc_unlock.mbim.constants import CommandType, Status
from fcc_unlock.mbim.messages import DecodeError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable

    from fcc_unlock.sim.faults import Faults

# What the SIM holds: made-up values of the test network. The ICCID has a valid Luhn
# check digit and the 19-20 digits ModemManager insists on; the number is one of the
# +1 555 555 01xx numbers reserved for fiction.
IMSI = "001010000000001"
ICCID = "89001010000000000018"
TELEPHONE_NUMBER = "+15555550100"
HOME_PROVIDER_ID = "00101"  # MCC + MNC
HOME_PROVIDER_NAME = "Test Network"
PIN = "1234"  # the PIN1 the pin_locked SIM wants (docs/protocol.md §2.7)
PUK = "12345678"  # and the PUK1, once three wrong PINs have blocked PIN1
PIN_ATTEMPTS = 3
PUK_ATTEMPTS = 10

# On the network: LTE, an RSSI of 20 (-73 dBm), no bit errors, 50/150 Mbit/s.
DATA_CLASS = c.DataClass.LTE
RSSI = 20
ERROR_RATE = 0
UPLINK_SPEED = 50_000_000
DOWNLINK_SPEED = 150_000_000


class Subscriber:
    """The SIM card, the registration and the packet service of one simulated modem."""

    # The catalogue entries answered here (the modem's DEVICE_SERVICES lists them).
    ENTRIES = (
        catalog.SUBSCRIBER_READY_STATUS,
        catalog.PIN,
        catalog.HOME_PROVIDER,
        catalog.REGISTER_STATE,
        catalog.PACKET_SERVICE,
        catalog.SIGNAL_STATE,
    )

    def __init__(self, faults: Faults) -> None:
        self.sim_present = not faults.no_sim
        self.network_in_range = not faults.not_registered
        self.pin = PIN
        self.pin_required = faults.pin_locked  # PIN1 must be entered before the SIM is read
        self.pin_attempts = PIN_ATTEMPTS
        self.puk_attempts = PUK_ATTEMPTS  # PIN1 blocked when pin_attempts is 0
        self.register_mode = c.RegisterMode.AUTOMATIC
        self.attach_wanted = True  # attached once registered, until the host detaches
        self.signal_settings = c.SignalStateSet(0, 0, 0)  # what the host set; 0: the defaults
        self._handlers: dict[catalog.Cid, Callable[[int, bytes, bool], tuple[int, bytes]]] = {
            catalog.SUBSCRIBER_READY_STATUS: self._ready_status,
            catalog.PIN: self._pin,
            catalog.HOME_PROVIDER: self._home_provider,
            catalog.REGISTER_STATE: self._register_state,
            catalog.PACKET_SERVICE: self._packet_service,
            catalog.SIGNAL_STATE: self._signal_state,
        }

    def answer(
        self, entry: catalog.Cid, command_type: int, buffer: bytes, radio_up: bool
    ) -> tuple[int, bytes]:
        """The status and information buffer of the COMMAND_DONE to a QUERY or SET."""
        return self._handlers[entry](command_type, buffer, radio_up)

    # --- the SIM ---------------------------------------------------------------------

    @property
    def puk_required(self) -> bool:
        return self.pin_attempts == 0 and self.puk_attempts > 0

    @property
    def blocked(self) -> bool:
        """Ten wrong PUKs: the card is dead."""
        return self.puk_attempts == 0

    @property
    def sim_ready(self) -> bool:
        """The SIM can be read and used on the network."""
        return self.sim_present and not (self.pin_required or self.puk_required or self.blocked)

    def _sim_status(self) -> int:
        """NONE if the SIM is there to answer; else the status a command about it gets."""
        if not self.sim_present:
            return Status.SIM_NOT_INSERTED
        if self.blocked:
            return Status.BAD_SIM
        return Status.NONE

    def _ready_status(self, command_type: int, buffer: bytes, radio_up: bool) -> tuple[int, bytes]:
        if command_type != CommandType.QUERY:
            return Status.NO_DEVICE_SUPPORT, b""
        if not self.sim_present:
            return Status.NONE, c.subscriber_ready_status(ready_state=c.SubscriberReadyState.SIM_NOT_INSERTED)
        if self.blocked:
            state = c.SubscriberReadyStatus(c.SubscriberReadyState.BAD_SIM, sim_icc_id=ICCID)
        elif not self.sim_ready:  # the ICCID is readable without the PIN, the IMSI is not
            state = c.SubscriberReadyStatus(c.SubscriberReadyState.DEVICE_LOCKED, sim_icc_id=ICCID)
        else:
            state = c.SubscriberReadyStatus(
                c.SubscriberReadyState.INITIALIZED, IMSI, ICCID, telephone_numbers=(TELEPHONE_NUMBER,)
            )
        return Status.NONE, state.encode()

    def pin_state(self) -> c.PinInfo:
        """What a PIN QUERY answers: the PIN the SIM expects, or PIN1 unlocked."""
        if self.puk_required:
            return c.PinInfo(c.PinType.PUK1, c.PinState.LOCKED, self.puk_attempts)
        state = c.PinState.LOCKED if self.pin_required else c.PinState.UNLOCKED
        return c.PinInfo(c.PinType.PIN1, state, self.pin_attempts)

    def _pin(self, command_type: int, buffer: bytes, radio_up: bool) -> tuple[int, bytes]:
        status = self._sim_status()
        if status != Status.NONE:
            return status, b""
        if command_type == CommandType.QUERY:
            return Status.NONE, self.pin_state().encode()
        try:
            request = c.parse_pin_set(buffer)
        except DecodeError:
            return Status.INVALID_PARAMETERS, b""
        if (request.pin_type, request.pin_operation) == (c.PinType.PUK1, c.PinOperation.ENTER):
            return self._enter_puk(request)
        if request.pin_type != c.PinType.PIN1 or request.pin_operation not in list(c.PinOperation):
            return Status.NO_DEVICE_SUPPORT, b""  # the only PINs this SIM has are PIN1 and PUK1
        if self.puk_required:  # whatever the host tries with PIN1: the PUK comes first
            return Status.FAILURE, self.pin_state().encode()
        if request.pin_operation == c.PinOperation.ENTER:
            if not self.pin_required:  # no PIN expected (MBIMPinTypeNone)
                return Status.FAILURE, c.pin_info(
                    pin_type=c.PinType.UNKNOWN, pin_state=c.PinState.UNLOCKED, remaining_attempts=0
                )
        elif self.pin_required:  # enable, disable, change: only once the SIM is unlocked
            return Status.PIN_REQUIRED, self.pin_state().encode()
        elif request.pin_operation == c.PinOperation.CHANGE and not valid_pin(request.new_pin):
            return Status.INVALID_PARAMETERS, b""
        if request.pin != self.pin:
            self.pin_attempts -= 1
            return Status.FAILURE, self.pin_state().encode()
        self.pin_attempts = PIN_ATTEMPTS
        if request.pin_operation == c.PinOperation.ENTER:
            self.pin_required = False
        elif request.pin_operation == c.PinOperation.CHANGE:
            self.pin = request.new_pin
        # ENABLE and DISABLE: verified and accepted; no PIN_LIST here to show the mode.
        return Status.NONE, self.pin_state().encode()

    def _enter_puk(self, request: c.PinSet) -> tuple[int, bytes]:
        if not self.puk_required:
            return Status.FAILURE, self.pin_state().encode()
        if not valid_pin(request.new_pin):
            return Status.INVALID_PARAMETERS, b""
        if request.pin != PUK:
            self.puk_attempts -= 1
            if self.blocked:
                return Status.BAD_SIM, b""
            return Status.FAILURE, self.pin_state().encode()
        self.pin, self.pin_required = request.new_pin, False
        self.pin_attempts, self.puk_attempts = PIN_ATTEMPTS, PUK_ATTEMPTS
        return Status.NONE, self.pin_state().encode()

    def _home_provider(self, command_type: int, buffer: bytes, radio_up: bool) -> tuple[int, bytes]:
        if command_type != CommandType.QUERY:
            return Status.NO_DEVICE_SUPPORT, b""
        status = self._sim_status()
        if status == Status.NONE and not self.sim_ready:
            status = Status.PIN_REQUIRED  # the home network is read from the SIM
        if status != Status.NONE:
            return status, b""
        return Status.NONE, c.provider(
            provider_id=HOME_PROVIDER_ID,
            provider_state=c.ProviderState.HOME,
            provider_name=HOME_PROVIDER_NAME,
            cellular_class=c.CellularClass.GSM,
        )

    # --- the network -----------------------------------------------------------------

    def registered(self, radio_up: bool) -> bool:
        return radio_up and self.sim_ready and self.network_in_range

    def registration(self, radio_up: bool) -> c.RegistrationState:
        """Home on the SIM's network; Searching with no network in range; else (radio off,
        no SIM or one not unlocked yet) Deregistered."""
        if self.registered(radio_up):
            return c.RegistrationState(
                c.NwError.NONE,
                c.RegisterState.HOME,
                self.register_mode,
                DATA_CLASS,
                c.CellularClass.GSM,
                HOME_PROVIDER_ID,
                HOME_PROVIDER_NAME,
                registration_flag=c.RegistrationFlag.PACKET_SERVICE_AUTOMATIC_ATTACH,
            )
        searching = radio_up and self.sim_ready
        state = c.RegisterState.SEARCHING if searching else c.RegisterState.DEREGISTERED
        return c.RegistrationState(
            c.NwError.NONE, state, self.register_mode, c.DataClass.NONE, c.CellularClass.GSM
        )

    def _register_state(self, command_type: int, buffer: bytes, radio_up: bool) -> tuple[int, bytes]:
        if command_type == CommandType.SET:
            try:
                request = c.parse_register_state_set(buffer)
            except DecodeError:
                return Status.INVALID_PARAMETERS, b""
            if request.register_action == c.RegisterAction.AUTOMATIC:
                self.register_mode = c.RegisterMode.AUTOMATIC
            elif request.register_action != c.RegisterAction.MANUAL:
                return Status.INVALID_PARAMETERS, b""
            elif request.provider_id != HOME_PROVIDER_ID:
                return Status.PROVIDER_NOT_VISIBLE, b""  # the only network there is
            else:
                self.register_mode = c.RegisterMode.MANUAL
        return Status.NONE, self.registration(radio_up).encode()

    def packet_service(self, radio_up: bool) -> c.PacketService:
        if not self.registered(radio_up):
            return c.PacketService(c.NwError.NONE, c.PacketServiceState.DETACHED, c.DataClass.NONE)
        if not self.attach_wanted:
            return c.PacketService(c.NwError.NONE, c.PacketServiceState.DETACHED, DATA_CLASS)
        return c.PacketService(
            c.NwError.NONE, c.PacketServiceState.ATTACHED, DATA_CLASS, UPLINK_SPEED, DOWNLINK_SPEED
        )

    def _packet_service(self, command_type: int, buffer: bytes, radio_up: bool) -> tuple[int, bytes]:
        if command_type == CommandType.SET:
            try:
                action = c.parse_packet_service_set(buffer).packet_service_action
            except DecodeError:
                return Status.INVALID_PARAMETERS, b""
            if action == c.PacketServiceAction.DETACH:
                self.attach_wanted = False
            elif action != c.PacketServiceAction.ATTACH:
                return Status.INVALID_PARAMETERS, b""
            elif not radio_up:
                return Status.RADIO_POWER_OFF, b""
            elif not self.registered(radio_up):
                return Status.NOT_REGISTERED, b""
            else:
                self.attach_wanted = True
        return Status.NONE, self.packet_service(radio_up).encode()

    def signal(self, radio_up: bool) -> c.SignalState:
        """What the radio hears: the test network's cell once the radio is up (SIM or not;
        a modem measures cells before it registers), nothing (99) otherwise."""
        hearing = radio_up and self.network_in_range
        settings = self.signal_settings.fields()
        if not hearing:
            return c.SignalState(c.RSSI_UNKNOWN, c.ERROR_RATE_UNKNOWN, **settings)
        return c.SignalState(RSSI, ERROR_RATE, **settings)

    def _signal_state(self, command_type: int, buffer: bytes, radio_up: bool) -> tuple[int, bytes]:
        if command_type == CommandType.SET:
            try:
                self.signal_settings = c.parse_signal_state_set(buffer)
            except DecodeError:
                return Status.INVALID_PARAMETERS, b""
        return Status.NONE, self.signal(radio_up).encode()


def valid_pin(pin: str) -> bool:
    """A PIN1 a SIM takes: 4 to 8 digits (3GPP TS 31.101)."""
    return 4 <= len(pin) <= 8 and pin.isascii() and pin.isdigit()
