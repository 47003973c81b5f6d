"""Basic Connect payloads of the SIM and the network: SUBSCRIBER_READY_STATUS, PIN,
HOME_PROVIDER, REGISTER_STATE, PACKET_SERVICE, SIGNAL_STATE (docs/protocol.md §2.7).

Both directions, like basic_connect.py: the host decodes responses, the simulated modem
builds them and reads the SETs. No unlock asks any of these; they are here for the
simulator (ModemManager asks them while it enables a modem) and for diagnostics, so
this module, its named integers and its construct layouts stay off the hotplug path
(docs/architecture.md §5): constants.py, which every run imports, does not hold them.

Every payload is a ``Record``: named fields, compared by value, and ``describe()`` for
the ``-v`` trace. Each builder takes the record's fields as keywords, so
``build(**parse(buffer).fields())`` gives the buffer back.
"""

from __future__ import annotations

from fcc_unlock import IntNames
from fcc_unlock.mbim.constants import camel

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# --- the named integers (libmbim 1.28 mbim-enums.h; MBIM 1.0 §10.5) --------------------


class SubscriberReadyState(IntNames):
    NOT_INITIALIZED = 0
    INITIALIZED = 1
    SIM_NOT_INSERTED = 2
    BAD_SIM = 3
    FAILURE = 4
    NOT_ACTIVATED = 5
    DEVICE_LOCKED = 6
    NO_ESIM_PROFILE = 7  # MBIMEx (libmbim 1.28)


class ReadyInfoFlag(IntNames):  # flags
    NONE = 0
    PROTECT_UNIQUE_ID = 1 << 0


class PinType(IntNames):
    UNKNOWN = 0  # the specification's MBIMPinTypeNone: no PIN expected
    CUSTOM = 1
    PIN1 = 2
    PIN2 = 3
    DEVICE_SIM_PIN = 4
    DEVICE_FIRST_SIM_PIN = 5
    NETWORK_PIN = 6
    NETWORK_SUBSET_PIN = 7
    SERVICE_PROVIDER_PIN = 8
    CORPORATE_PIN = 9
    SUBSIDY_PIN = 10
    PUK1 = 11
    PUK2 = 12
    DEVICE_FIRST_SIM_PUK = 13
    NETWORK_PUK = 14
    NETWORK_SUBSET_PUK = 15
    SERVICE_PROVIDER_PUK = 16
    CORPORATE_PUK = 17
    NEV = 18  # MS UICC low-level access (libmbim 1.28)
    ADM = 19


class PinState(IntNames):
    UNLOCKED = 0
    LOCKED = 1


class PinOperation(IntNames):
    ENTER = 0
    ENABLE = 1
    DISABLE = 2
    CHANGE = 3


REMAINING_ATTEMPTS_UNKNOWN = 0xFFFFFFFF  # "the device does not support this information"


class ProviderState(IntNames):  # flags
    UNKNOWN = 0
    HOME = 1 << 0
    FORBIDDEN = 1 << 1
    PREFERRED = 1 << 2
    VISIBLE = 1 << 3
    REGISTERED = 1 << 4
    PREFERRED_MULTICARRIER = 1 << 5


class CellularClass(IntNames):  # flags
    GSM = 1 << 0  # 3GPP
    CDMA = 1 << 1  # 3GPP2


class DataClass(IntNames):  # flags
    NONE = 0
    GPRS = 1 << 0
    EDGE = 1 << 1
    UMTS = 1 << 2
    HSDPA = 1 << 3
    HSUPA = 1 << 4
    LTE = 1 << 5
    NR5G_NSA = 1 << 6  # MBIMEx v2 (libmbim 1.28: MBIM_DATA_CLASS_5G_NSA)
    NR5G_SA = 1 << 7
    XRTT_1 = 1 << 16  # 1xRTT
    XEVDO_1 = 1 << 17  # 1xEV-DO
    XEVDO_REVA_1 = 1 << 18
    XEVDV_1 = 1 << 19
    XRTT_3 = 1 << 20  # 3xRTT
    XEVDO_REVB_1 = 1 << 21
    UMB = 1 << 22
    CUSTOM = 1 << 31


class RegisterAction(IntNames):
    AUTOMATIC = 0
    MANUAL = 1


class RegisterState(IntNames):
    UNKNOWN = 0
    DEREGISTERED = 1
    SEARCHING = 2
    HOME = 3
    ROAMING = 4
    PARTNER = 5
    DENIED = 6


class RegisterMode(IntNames):
    UNKNOWN = 0
    AUTOMATIC = 1
    MANUAL = 2


class RegistrationFlag(IntNames):  # flags
    NONE = 0
    MANUAL_SELECTION_NOT_AVAILABLE = 1 << 0
    PACKET_SERVICE_AUTOMATIC_ATTACH = 1 << 1


class NwError(IntNames):
    """The network's reject cause (3GPP TS 24.008 causes; the values libmbim 1.28 names)."""

    NONE = 0
    IMSI_UNKNOWN_IN_HLR = 2
    ILLEGAL_MS = 3
    IMSI_UNKNOWN_IN_VLR = 4
    IMEI_NOT_ACCEPTED = 5
    ILLEGAL_ME = 6
    GPRS_NOT_ALLOWED = 7
    GPRS_AND_NON_GPRS_NOT_ALLOWED = 8
    MS_IDENTITY_NOT_DERIVED_BY_NETWORK = 9
    IMPLICITLY_DETACHED = 10
    PLMN_NOT_ALLOWED = 11
    LOCATION_AREA_NOT_ALLOWED = 12
    ROAMING_NOT_ALLOWED_IN_LOCATION_AREA = 13
    GPRS_NOT_ALLOWED_IN_PLMN = 14
    NO_CELLS_IN_LOCATION_AREA = 15
    MSC_TEMPORARILY_NOT_REACHABLE = 16
    NETWORK_FAILURE = 17
    MAC_FAILURE = 20
    SYNCH_FAILURE = 21
    CONGESTION = 22
    GSM_AUTHENTICATION_UNACCEPTABLE = 23
    NOT_AUTHORIZED_FOR_CSG = 25
    INSUFFICIENT_RESOURCES = 26
    MISSING_OR_UNKNOWN_APN = 27
    UNKNOWN_PDP_ADDRESS_OR_TYPE = 28
    USER_AUTHENTICATION_FAILED = 29
    ACTIVATION_REJECTED_BY_GGSN_OR_GW = 30
    ACTIVATION_REJECTED_UNSPECIFIED = 31
    SERVICE_OPTION_NOT_SUPPORTED = 32
    REQUESTED_SERVICE_OPTION_NOT_SUBSCRIBED = 33
    SERVICE_OPTION_TEMPORARILY_OUT_OF_ORDER = 34
    NO_PDP_CONTEXT_ACTIVATED = 40
    SEMANTIC_ERROR_IN_THE_TFT_OPERATION = 41
    SYNTACTICAL_ERROR_IN_THE_TFT_OPERATION = 42
    UNKNOWN_PDP_CONTEXT = 43
    SEMANTIC_ERRORS_IN_PACKET_FILTER = 44
    SYNTACTICAL_ERRORS_IN_PACKET_FILTER = 45
    PDP_CONTEXT_WITHOUT_TFT_ALREADY_ACTIVATED = 46
    REQUEST_REJECTED_OR_BEARER_CONTROL_MODE_VIOLATION = 48
    LAST_PDN_DISCONNECTION_NOT_ALLOWED = 49
    PDP_TYPE_IPV4_ONLY_ALLOWED = 50
    PDP_TYPE_IPV6_ONLY_ALLOWED = 51
    NO_NETWORK_SLICES_AVAILABLE = 62
    MAXIMUM_NUMBER_OF_PDP_CONTEXTS_REACHED = 65
    REQUESTED_APN_NOT_SUPPORTED_IN_CURRENT_RAT_AND_PLMN = 66
    INSUFFICIENT_RESOURCES_FOR_SPECIFIC_SLICE_AND_DNN = 67
    INSUFFICIENT_RESOURCES_FOR_SPECIFIC_SLICE = 69
    NGKSI_ALREADY_IN_USE = 71
    NON_3GPP_ACCESS_TO_5GCN_NOT_ALLOWED = 72
    SERVING_NETWORK_NOT_AUTHORIZED = 73
    TEMPORARILY_NOT_AUTHORIZED_FOR_THIS_SNPN = 74
    PERMANENTLY_NOT_AUTHORIZED_FOR_THIS_SNPN = 75
    NOT_AUTHORIZED_FOR_THIS_CAG_OR_AUTHORIZED_FOR_CAG_CELLS_ONLY = 76
    WIRELINE_ACCESS_AREA_NOT_ALLOWED = 77
    PAYLOAD_WAS_NOT_FORWARDED = 90
    DNN_NOT_SUPPORTED_OR_NOT_SUBSCRIBED_IN_THE_SLICE = 91
    INSUFFICIENT_USER_PLANE_RESOURCES_FOR_THE_PDU_SESSION = 92
    SEMANTICALLY_INCORRECT_MESSAGE = 95
    INVALID_MANDATORY_INFORMATION = 96
    MESSAGE_TYPE_NON_EXISTENT_OR_NOT_IMPLEMENTED = 97
    MESSAGE_TYPE_NOT_COMPATIBLE_WITH_PROTOCOL_STATE = 98
    INFORMATION_ELEMENT_NON_EXISTENT_OR_NOT_IMPLEMENTED = 99
    CONDITIONAL_IE_ERROR = 100
    MESSAGE_NOT_COMPATIBLE_WITH_PROTOCOL_STATE = 101
    PROTOCOL_ERROR_UNSPECIFIED = 111
    APN_RESTRICTION_VALUE_INCOMPATIBLE_WITH_ACTIVE_PDP_CONTEXT = 112
    MULTIPLE_ACCESSES_TO_A_PDN_CONNECTION_NOT_ALLOWED = 113


class PacketServiceAction(IntNames):
    ATTACH = 0
    DETACH = 1


class PacketServiceState(IntNames):
    UNKNOWN = 0
    ATTACHING = 1
    ATTACHED = 2
    DETACHING = 3
    DETACHED = 4


# Coded signal values (MBIM 1.0 MBIM_SIGNAL_STATE_INFO, as 3GPP TS 27.007 +CSQ codes them):
# rssi 0 is -113 dBm or less, each step 2 dB more, 31 is -51 dBm or more; error rate 0-7.
RSSI_UNKNOWN = 99
ERROR_RATE_UNKNOWN = 99


def rssi_dbm(rssi: int) -> int | None:
    """The dBm a coded RSSI (0-31) stands for: the lower end of its 2 dB step; None for 99."""
    return -113 + 2 * rssi if 0 <= rssi <= 31 else None


def _named(table: Any, value: int) -> str:
    """A value as libmbim prints it (``DeviceLocked``), or the number if the table lacks it."""
    try:
        return camel(table(value).name)
    except ValueError:
        return str(value)


# --- records -------------------------------------------------------------------------


class Record:
    """One payload: its fields by name (``__slots__``, in wire order), compared by value.

    ``LAYOUT`` names its construct declaration in layouts.py, whose fields have the same
    names; the ``STRINGS`` among them are OL pairs there and ``str`` here. ``encode()``
    and ``decode()`` go through the layout; the module's builder and parser functions
    (the catalogue's names) are one line each on top.
    """

    __slots__: tuple[str, ...] = ()
    LAYOUT = ""
    STRINGS: tuple[str, ...] = ()
    WHAT = ""  # for errors: "PIN set"

    def fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.fields() == self.fields()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={value!r}" for name, value in self.fields().items())
        return f"{type(self).__name__}({inner})"

    def describe(self) -> str:
        """The ``-v`` line; never personal information (IMSI, ICCID, numbers, PINs)."""
        raise NotImplementedError

    def encode(self) -> bytes:
        from fcc_unlock.mbim import layouts
        from fcc_unlock.mbim.infobuffer import VariableData

        layout = getattr(layouts, self.LAYOUT)
        variable = VariableData(layout.sizeof())
        values = self.fields()
        for name in self.STRINGS:
            values[name] = variable.add_string(values[name])
        return bytes(layout.build(values)) + bytes(variable.data)

    @classmethod
    def decode(cls: type[R], buffer: bytes) -> R:
        from fcc_unlock.mbim import layouts
        from fcc_unlock.mbim.infobuffer import parse, read_string

        fixed: Any = parse(getattr(layouts, cls.LAYOUT), buffer, cls.WHAT)
        values = {name: fixed[name] for name in cls.__slots__}
        for name in cls.STRINGS:
            pair = fixed[name]
            values[name] = read_string(buffer, pair.offset, pair.size, f"{cls.WHAT} {name}")
        return cls(**values)


if TYPE_CHECKING:
    from typing import TypeVar

    R = TypeVar("R", bound=Record)


# --- SUBSCRIBER_READY_STATUS (CID 2), QUERY -----------------------------------------


class SubscriberReadyStatus(Record):
    __slots__ = ("ready_state", "subscriber_id", "sim_icc_id", "ready_info", "telephone_numbers")
    LAYOUT = "SubscriberReadyStatusFixed"
    STRINGS = ("subscriber_id", "sim_icc_id")
    WHAT = "SUBSCRIBER_READY_STATUS"

    def __init__(
        self,
        ready_state: int,
        subscriber_id: str = "",
        sim_icc_id: str = "",
        ready_info: int = ReadyInfoFlag.NONE,
        telephone_numbers: tuple[str, ...] = (),
    ) -> None:
        self.ready_state = ready_state
        self.subscriber_id = subscriber_id  # the IMSI
        self.sim_icc_id = sim_icc_id
        self.ready_info = ready_info
        self.telephone_numbers = tuple(telephone_numbers)

    def describe(self) -> str:
        count = len(self.telephone_numbers)
        return (
            f"ready state = {_named(SubscriberReadyState, self.ready_state)}, "
            f"{count} telephone number{'' if count == 1 else 's'}"
        )

    # The fixed part ends with a list: an OL pair per telephone number, before the strings.
    FIXED_SIZE = 28

    def encode(self) -> bytes:
        from fcc_unlock.mbim import layouts
        from fcc_unlock.mbim.infobuffer import VariableData

        numbers = self.telephone_numbers
        variable = VariableData(self.FIXED_SIZE + 8 * len(numbers))
        values = {
            "ready_state": self.ready_state,
            "subscriber_id": variable.add_string(self.subscriber_id),
            "sim_icc_id": variable.add_string(self.sim_icc_id),
            "ready_info": self.ready_info,
            "telephone_numbers_count": len(numbers),
            "telephone_numbers": [variable.add_string(number) for number in numbers],
        }
        return bytes(layouts.SubscriberReadyStatusFixed.build(values)) + bytes(variable.data)

    @classmethod
    def decode(cls, buffer: bytes) -> SubscriberReadyStatus:
        from fcc_unlock.mbim import layouts
        from fcc_unlock.mbim.infobuffer import parse, read_string

        fixed: Any = parse(layouts.SubscriberReadyStatusFixed, buffer, cls.WHAT)
        subscriber_id, sim_icc_id = (
            read_string(buffer, fixed[name].offset, fixed[name].size, f"{cls.WHAT} {name}")
            for name in cls.STRINGS
        )
        numbers = tuple(
            read_string(buffer, pair.offset, pair.size, f"{cls.WHAT} telephone number {index}")
            for index, pair in enumerate(fixed.telephone_numbers)
        )
        return cls(fixed.ready_state, subscriber_id, sim_icc_id, fixed.ready_info, numbers)


def subscriber_ready_status(**fields: Any) -> bytes:
    return SubscriberReadyStatus(**fields).encode()


def parse_subscriber_ready_status(buffer: bytes) -> SubscriberReadyStatus:
    return SubscriberReadyStatus.decode(buffer)


# --- PIN (CID 4), QUERY and SET -------------------------------------------------------


class PinInfo(Record):
    """The answer to a PIN QUERY or SET (MBIM_PIN_INFO)."""

    __slots__ = ("pin_type", "pin_state", "remaining_attempts")
    LAYOUT = "PinInfo"
    WHAT = "PIN"

    def __init__(self, pin_type: int, pin_state: int, remaining_attempts: int) -> None:
        self.pin_type = pin_type
        self.pin_state = pin_state
        self.remaining_attempts = remaining_attempts

    def describe(self) -> str:
        if self.remaining_attempts == REMAINING_ATTEMPTS_UNKNOWN:
            attempts = "attempts left unknown"
        else:
            attempts = f"{self.remaining_attempts} attempts left"
        return (
            f"PIN type = {_named(PinType, self.pin_type)}, "
            f"PIN state = {_named(PinState, self.pin_state)}, {attempts}"
        )


def pin_info(**fields: Any) -> bytes:
    return PinInfo(**fields).encode()


def parse_pin_info(buffer: bytes) -> PinInfo:
    return PinInfo.decode(buffer)


class PinSet(Record):
    __slots__ = ("pin_type", "pin_operation", "pin", "new_pin")
    LAYOUT = "PinSetFixed"
    STRINGS = ("pin", "new_pin")
    WHAT = "PIN set"

    def __init__(self, pin_type: int, pin_operation: int, pin: str = "", new_pin: str = "") -> None:
        self.pin_type = pin_type
        self.pin_operation = pin_operation
        self.pin = pin
        self.new_pin = new_pin  # for Change, and the new PIN that comes with a PUK

    def __repr__(self) -> str:  # never the PINs themselves
        return f"PinSet(pin_type={self.pin_type!r}, pin_operation={self.pin_operation!r})"

    def describe(self) -> str:
        return (
            f"PIN type = {_named(PinType, self.pin_type)}, "
            f"operation = {_named(PinOperation, self.pin_operation)}"
        )


def pin_set(**fields: Any) -> bytes:
    return PinSet(**fields).encode()


def parse_pin_set(buffer: bytes) -> PinSet:
    return PinSet.decode(buffer)


# --- HOME_PROVIDER (CID 6), QUERY -----------------------------------------------------


class Provider(Record):
    """An MBIM_PROVIDER: the home provider here (the preferred and visible provider
    lists are made of them too)."""

    __slots__ = ("provider_id", "provider_state", "provider_name", "cellular_class", "rssi", "error_rate")
    LAYOUT = "ProviderFixed"
    STRINGS = ("provider_id", "provider_name")
    WHAT = "HOME_PROVIDER"

    def __init__(
        self,
        provider_id: str,
        provider_state: int,
        provider_name: str,
        cellular_class: int,
        rssi: int = RSSI_UNKNOWN,
        error_rate: int = ERROR_RATE_UNKNOWN,
    ) -> None:
        self.provider_id = provider_id  # MCC and MNC, "00101"
        self.provider_state = provider_state
        self.provider_name = provider_name
        self.cellular_class = cellular_class
        self.rssi = rssi
        self.error_rate = error_rate

    def describe(self) -> str:
        return (
            f"provider = {self.provider_id!r} ({self.provider_name!r}), "
            f"state = 0x{self.provider_state:x}, cellular class = 0x{self.cellular_class:x}"
        )


def provider(**fields: Any) -> bytes:
    return Provider(**fields).encode()


def parse_provider(buffer: bytes) -> Provider:
    return Provider.decode(buffer)


# --- REGISTER_STATE (CID 9), QUERY and SET --------------------------------------------


class RegistrationState(Record):
    """The answer to a REGISTER_STATE QUERY or SET, and its notification."""

    __slots__ = (
        "nw_error",
        "register_state",
        "register_mode",
        "available_data_classes",
        "current_cellular_class",
        "provider_id",
        "provider_name",
        "roaming_text",
        "registration_flag",
    )
    LAYOUT = "RegistrationStateFixed"
    STRINGS = ("provider_id", "provider_name", "roaming_text")
    WHAT = "REGISTER_STATE"

    def __init__(
        self,
        nw_error: int,
        register_state: int,
        register_mode: int,
        available_data_classes: int,
        current_cellular_class: int,
        provider_id: str = "",
        provider_name: str = "",
        roaming_text: str = "",
        registration_flag: int = RegistrationFlag.NONE,
    ) -> None:
        self.nw_error = nw_error
        self.register_state = register_state
        self.register_mode = register_mode
        self.available_data_classes = available_data_classes
        self.current_cellular_class = current_cellular_class
        self.provider_id = provider_id
        self.provider_name = provider_name
        self.roaming_text = roaming_text
        self.registration_flag = registration_flag

    def describe(self) -> str:
        text = (
            f"register state = {_named(RegisterState, self.register_state)}, "
            f"mode = {_named(RegisterMode, self.register_mode)}"
        )
        if self.provider_id or self.provider_name:
            text += f", provider = {self.provider_id!r} ({self.provider_name!r})"
        if self.nw_error:
            text += f", network error = {_named(NwError, self.nw_error)}"
        return text


def registration_state(**fields: Any) -> bytes:
    return RegistrationState(**fields).encode()


def parse_registration_state(buffer: bytes) -> RegistrationState:
    return RegistrationState.decode(buffer)


class RegisterStateSet(Record):
    __slots__ = ("provider_id", "register_action", "data_class")
    LAYOUT = "RegisterStateSetFixed"
    STRINGS = ("provider_id",)
    WHAT = "REGISTER_STATE set"

    def __init__(self, provider_id: str, register_action: int, data_class: int) -> None:
        self.provider_id = provider_id  # Automatic ignores it
        self.register_action = register_action
        self.data_class = data_class

    def describe(self) -> str:
        text = f"register action = {_named(RegisterAction, self.register_action)}"
        if self.provider_id:
            text += f", provider = {self.provider_id!r}"
        return text + f", data class = 0x{self.data_class:x}"


def register_state_set(**fields: Any) -> bytes:
    return RegisterStateSet(**fields).encode()


def parse_register_state_set(buffer: bytes) -> RegisterStateSet:
    return RegisterStateSet.decode(buffer)


# --- PACKET_SERVICE (CID 10), QUERY and SET -------------------------------------------


class PacketService(Record):
    """The answer to a PACKET_SERVICE QUERY or SET, and its notification."""

    __slots__ = (
        "nw_error",
        "packet_service_state",
        "highest_available_data_class",
        "uplink_speed",
        "downlink_speed",
    )
    LAYOUT = "PacketServiceInfo"
    WHAT = "PACKET_SERVICE"

    def __init__(
        self,
        nw_error: int,
        packet_service_state: int,
        highest_available_data_class: int,
        uplink_speed: int = 0,
        downlink_speed: int = 0,
    ) -> None:
        self.nw_error = nw_error
        self.packet_service_state = packet_service_state
        self.highest_available_data_class = highest_available_data_class
        self.uplink_speed = uplink_speed  # bits per second, u64
        self.downlink_speed = downlink_speed

    def describe(self) -> str:
        text = (
            f"packet service = {_named(PacketServiceState, self.packet_service_state)}, "
            f"data class = 0x{self.highest_available_data_class:x}, "
            f"uplink {self.uplink_speed} bit/s, downlink {self.downlink_speed} bit/s"
        )
        if self.nw_error:
            text += f", network error = {_named(NwError, self.nw_error)}"
        return text


def packet_service(**fields: Any) -> bytes:
    return PacketService(**fields).encode()


def parse_packet_service(buffer: bytes) -> PacketService:
    return PacketService.decode(buffer)


class PacketServiceSet(Record):
    __slots__ = ("packet_service_action",)
    LAYOUT = "PacketServiceSet"
    WHAT = "PACKET_SERVICE set"

    def __init__(self, packet_service_action: int) -> None:
        self.packet_service_action = packet_service_action

    def describe(self) -> str:
        return f"packet service action = {_named(PacketServiceAction, self.packet_service_action)}"


def packet_service_set(**fields: Any) -> bytes:
    return PacketServiceSet(**fields).encode()


def parse_packet_service_set(buffer: bytes) -> PacketServiceSet:
    return PacketServiceSet.decode(buffer)


# --- SIGNAL_STATE (CID 11), QUERY and SET ---------------------------------------------


class SignalState(Record):
    """The answer to a SIGNAL_STATE QUERY or SET, and its notification."""

    __slots__ = ("rssi", "error_rate", "signal_strength_interval", "rssi_threshold", "error_rate_threshold")
    LAYOUT = "SignalStateInfo"
    WHAT = "SIGNAL_STATE"

    def __init__(
        self,
        rssi: int,
        error_rate: int,
        signal_strength_interval: int = 0,
        rssi_threshold: int = 0,
        error_rate_threshold: int = 0,
    ) -> None:
        self.rssi = rssi  # coded, RSSI_UNKNOWN or rssi_dbm()
        self.error_rate = error_rate  # coded 0-7, or ERROR_RATE_UNKNOWN
        self.signal_strength_interval = signal_strength_interval  # seconds
        self.rssi_threshold = rssi_threshold  # in coded steps
        self.error_rate_threshold = error_rate_threshold

    def describe(self) -> str:
        dbm = rssi_dbm(self.rssi)
        return (
            f"rssi = {self.rssi} ({'unknown' if dbm is None else f'{dbm} dBm'}), "
            f"error rate = {self.error_rate}, {_signal_settings(self)}"
        )


def _signal_settings(record: SignalState | SignalStateSet) -> str:
    return (
        f"interval {record.signal_strength_interval} s, rssi threshold {record.rssi_threshold}, "
        f"error rate threshold {record.error_rate_threshold}"
    )


def signal_state(**fields: Any) -> bytes:
    return SignalState(**fields).encode()


def parse_signal_state(buffer: bytes) -> SignalState:
    return SignalState.decode(buffer)


class SignalStateSet(Record):
    __slots__ = ("signal_strength_interval", "rssi_threshold", "error_rate_threshold")
    LAYOUT = "SignalStateSet"
    WHAT = "SIGNAL_STATE set"

    def __init__(self, signal_strength_interval: int, rssi_threshold: int, error_rate_threshold: int) -> None:
        self.signal_strength_interval = signal_strength_interval
        self.rssi_threshold = rssi_threshold
        self.error_rate_threshold = error_rate_threshold

    def describe(self) -> str:
        return _signal_settings(self)


def signal_state_set(**fields: Any) -> bytes:
    return SignalStateSet(**fields).encode()


def parse_signal_state_set(buffer: bytes) -> SignalStateSet:
    return SignalStateSet.decode(buffer)
