"""MBIM numbers: message types, status and error codes, services, CIDs.

Values from the MBIM 1.0 specification as implemented by libmbim (mbim-message.h,
mbim-errors.h, mbim-uuid.c, mbim-cid.h); see docs/protocol.md §1-§2.
"""

from fcc_unlock import IntNames


class MessageType(IntNames):
    OPEN = 0x00000001
    CLOSE = 0x00000002
    COMMAND = 0x00000003
    HOST_ERROR = 0x00000004
    OPEN_DONE = 0x80000001
    CLOSE_DONE = 0x80000002
    COMMAND_DONE = 0x80000003
    FUNCTION_ERROR = 0x80000004
    INDICATE_STATUS = 0x80000007


class CommandType(IntNames):
    QUERY = 0
    SET = 1


class Status(IntNames):
    """Status of OPEN_DONE, CLOSE_DONE and COMMAND_DONE."""

    NONE = 0
    BUSY = 1
    FAILURE = 2
    SIM_NOT_INSERTED = 3
    BAD_SIM = 4
    PIN_REQUIRED = 5
    PIN_DISABLED = 6
    NOT_REGISTERED = 7
    PROVIDERS_NOT_FOUND = 8
    NO_DEVICE_SUPPORT = 9
    PROVIDER_NOT_VISIBLE = 10
    DATA_CLASS_NOT_AVAILABLE = 11
    PACKET_SERVICE_DETACHED = 12
    MAX_ACTIVATED_CONTEXTS = 13
    NOT_INITIALIZED = 14
    VOICE_CALL_IN_PROGRESS = 15
    CONTEXT_NOT_ACTIVATED = 16
    SERVICE_NOT_ACTIVATED = 17
    INVALID_ACCESS_STRING = 18
    INVALID_USER_NAME_PWD = 19
    RADIO_POWER_OFF = 20
    INVALID_PARAMETERS = 21
    READ_FAILURE = 22
    WRITE_FAILURE = 23
    NO_PHONEBOOK = 25
    PARAMETER_TOO_LONG = 26
    STK_BUSY = 27
    OPERATION_NOT_ALLOWED = 28
    MEMORY_FAILURE = 29
    INVALID_MEMORY_INDEX = 30
    MEMORY_FULL = 31
    FILTER_NOT_SUPPORTED = 32
    DSS_INSTANCE_LIMIT = 33
    INVALID_DEVICE_SERVICE_OPERATION = 34
    AUTH_INCORRECT_AUTN = 35
    AUTH_SYNC_FAILURE = 36
    AUTH_AMF_NOT_SET = 37
    CONTEXT_NOT_SUPPORTED = 38
    SMS_UNKNOWN_SMSC_ADDRESS = 100
    SMS_NETWORK_TIMEOUT = 101
    SMS_LANG_NOT_SUPPORTED = 102
    SMS_ENCODING_NOT_SUPPORTED = 103
    SMS_FORMAT_NOT_SUPPORTED = 104
    MS_NO_LOGICAL_CHANNELS = 0x87430001
    MS_SELECT_FAILED = 0x87430002
    MS_INVALID_LOGICAL_CHANNEL = 0x87430003
    INVALID_SIGNATURE = 0x91000001
    INVALID_IMEI = 0x91000002
    INVALID_TIMESTAMP = 0x91000003
    NETWORK_LIST_TOO_LARGE = 0x91000004
    SIGNATURE_ALGORITHM_NOT_SUPPORTED = 0x91000005
    FEATURE_NOT_SUPPORTED = 0x91000006
    DECODE_OR_PARSING_ERROR = 0x91000007


class ProtocolErrorCode(IntNames):
    """ErrorStatusCode of HOST_ERROR and FUNCTION_ERROR."""

    INVALID = 0
    TIMEOUT_FRAGMENT = 1
    FRAGMENT_OUT_OF_SEQUENCE = 2
    LENGTH_MISMATCH = 3
    DUPLICATED_TID = 4
    NOT_OPENED = 5
    UNKNOWN = 6
    CANCEL = 7
    MAX_TRANSFER = 8


def uuid_bytes(text: str) -> bytes:
    """A service UUID as it goes on the wire: the bytes in printed order.

    MBIM does not use Microsoft's mixed-endian GUID layout, so this is *not*
    ``uuid.UUID(text).bytes_le``.
    """
    raw = bytes.fromhex(text.replace("-", ""))
    if len(raw) != 16:
        raise ValueError(f"not a UUID: {text!r}")
    return raw


def uuid_text(raw: bytes) -> str:
    h = raw.hex()
    return f"{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


BASIC_CONNECT = uuid_bytes("a289cc33-bcbb-8b4f-b6b0-133ec2aae6df")
PROXY_CONTROL = uuid_bytes("838cf7fb-8d0d-4d7f-871e-d71dbefbb39b")
QMI = uuid_bytes("d1a30bc2-f97a-6e43-bf65-c7e24fb0f0d3")
QUECTEL = uuid_bytes("11223344-5566-7788-99aa-bbccddeeff11")
INTEL_MUTUAL_AUTHENTICATION = uuid_bytes("f85d46ef-ab26-4081-9868-4d183c0a3aec")

SERVICE_NAMES = {
    BASIC_CONNECT: "BasicConnect",
    uuid_bytes("533fbeeb-14fe-4467-9f90-33a223e56c3f"): "SMS",
    uuid_bytes("e550a0c8-5e82-479e-82f7-10abf4c3351f"): "USSD",
    uuid_bytes("4bf38476-1e6a-41db-b1d8-bed289c25bdb"): "Phonebook",
    uuid_bytes("d8f20131-fcb5-4e17-8602-d6ed3816164c"): "STK",
    uuid_bytes("1d2b5ff7-0aa1-48b2-aa52-50f15767174e"): "Auth",
    uuid_bytes("c08a26dd-7718-4382-8482-6e0d583c4d0e"): "DSS",
    uuid_bytes("e9f7dea2-feaf-4009-93ce-90a3694103b6"): "MsFirmwareId",
    uuid_bytes("883b7c26-985f-43fa-9804-27d7fb80959c"): "MsHostShutdown",
    PROXY_CONTROL: "ProxyControl",
    QMI: "QMI",
    uuid_bytes("5967bdcc-7fd2-49a2-9f5c-b2e70e527db3"): "ATDS",
    uuid_bytes("3d01dcc5-fef5-4d05-0d3a-bef7058e9aaf"): "MsBasicConnectExtensions",
    QUECTEL: "Quectel",
    INTEL_MUTUAL_AUTHENTICATION: "IntelMutualAuthentication",
}


class BasicConnectCid(IntNames):
    DEVICE_CAPS = 1
    SUBSCRIBER_READY_STATUS = 2
    RADIO_STATE = 3
    PIN = 4
    HOME_PROVIDER = 6
    REGISTER_STATE = 9
    PACKET_SERVICE = 10
    SIGNAL_STATE = 11
    DEVICE_SERVICES = 16
    DEVICE_SERVICE_SUBSCRIBE_LIST = 19


QMI_MSG_CID = 1  # the QMI service's only CID: a raw QMUX frame each way, SET only
PROXY_CONFIGURATION_CID = 1  # Proxy Control: SET {device path, timeout}
PROXY_VERSION_CID = 2  # Proxy Control notification: negotiated MBIM/MBIMEx version
QUECTEL_RADIO_STATE_CID = 1
INTEL_FCC_LOCK_CID = 1  # Intel Mutual Authentication FCC_LOCK (docs/protocol.md §5.5)


class RadioSwitch(IntNames):
    OFF = 0
    ON = 1


class QuectelRadioState(IntNames):
    OFF = 0
    ON = 1
    FCC_LOCKED = 4


def camel(name: str) -> str:
    """``OPERATION_NOT_ALLOWED`` -> ``OperationNotAllowed``, the way libmbim prints it."""
    return "".join(part.capitalize() for part in name.split("_"))


def describe_status(value: int) -> str:
    if value == Status.NONE:
        return "Success (0)"
    try:
        return f"{camel(Status(value).name)} ({value})"
    except ValueError:
        return f"unknown status 0x{value:08x}"


def describe_error(value: int) -> str:
    try:
        return f"{camel(ProtocolErrorCode(value).name)} ({value})"
    except ValueError:
        return f"unknown error 0x{value:08x}"


def describe_service(service_id: bytes) -> str:
    return SERVICE_NAMES.get(service_id) or uuid_text(service_id)
