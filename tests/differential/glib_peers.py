"""The real peers in-process: ctypes bindings to Debian's libmbim-glib.so.4 (1.28) and
libqmi-glib.so.5 (1.32), for exactly what the differential tests need.

Three directions, each returning plain Python values:

* ``mbim_decode(data)`` / ``qmi_decode(data)``: libmbim validates (``mbim_message_validate``)
  and reads back every header field; libqmi parses (``qmi_message_new_from_raw``, which
  checks every length). Their printable dumps come along: the typed field decoders of
  the generated service code run on the information buffer / TLVs.
* ``mbim_parse_*``: libmbim's typed response parsers (what mbimcli uses) on a reply.
* ``mbim_build_*`` / ``qmi_build*``: their builders, so we can decode *their* bytes.

Everything allocated is freed before returning. GLib log messages the libraries emit
while we call them (g_warning, g_critical from g_return_if_fail) are collected; a
helper raises ``PeerWarning`` if one appears, so a misuse or a complaint about our
bytes cannot go unnoticed. The signatures were checked with ``nm -D`` against the
installed libraries and read from libmbim 1.28.2 / libqmi 1.32.2 headers and codegen.
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    byref,
    c_char_p,
    c_int,
    c_size_t,
    c_uint,
    c_uint8,
    c_uint16,
    c_uint32,
    c_uint64,
    c_void_p,
)
from dataclasses import dataclass
from typing import Callable, TypeVar

LIBMBIM = "libmbim-glib.so.4"
LIBQMI = "libqmi-glib.so.5"
LIBGLIB = "libglib-2.0.so.0"

gboolean = c_int
Uuid = c_uint8 * 16


class GError(Structure):
    _fields_ = [("domain", c_uint32), ("code", c_int), ("message", c_char_p)]


class GByteArray(Structure):
    # MbimMessage and QmiMessage are both GByteArrays.
    _fields_ = [("data", POINTER(c_uint8)), ("len", c_uint)]


class MbimEventEntry(Structure):
    _fields_ = [("device_service_id", Uuid), ("cids_count", c_uint32), ("cids", POINTER(c_uint32))]


class MbimDeviceServiceElement(Structure):
    _fields_ = [
        ("device_service_id", Uuid),
        ("dss_payload", c_uint32),
        ("max_dss_instances", c_uint32),
        ("cids_count", c_uint32),
        ("cids", POINTER(c_uint32)),
    ]


class MbimProvider(Structure):
    # mbim-basic-connect.h (1.28.2): the MBIM_PROVIDER of HOME_PROVIDER.
    _fields_ = [
        ("provider_id", c_void_p),  # gchar *, freed by mbim_provider_free
        ("provider_state", c_uint32),
        ("provider_name", c_void_p),
        ("cellular_class", c_uint32),
        ("rssi", c_uint32),
        ("error_rate", c_uint32),
    ]


GErrorP = POINTER(GError)
MessageP = POINTER(GByteArray)
GLogFunc = CFUNCTYPE(None, c_char_p, c_int, c_char_p, c_void_p)
ForeachTlv = CFUNCTYPE(None, c_uint8, POINTER(c_uint8), c_size_t, c_void_p)

G_LOG_LEVEL_ERROR_TO_WARNING = 0x04 | 0x08 | 0x10  # ERROR, CRITICAL, WARNING
QMI_ENDIAN_LITTLE = 0
T = TypeVar("T")


class PeerUnavailable(RuntimeError):
    """libmbim / libqmi / GLib cannot be loaded here."""


class PeerRejected(ValueError):
    """The library refused the bytes; the message is its GError text."""


class PeerWarning(AssertionError):
    """The library logged a warning or critical while handling our call."""


# --- loading ---------------------------------------------------------------------------

# (name, restype, argtypes) per library; anything missing fails loading, loudly.
_MBIM_FUNCTIONS = [
    ("mbim_message_new", MessageP, [c_char_p, c_uint32]),
    ("mbim_message_unref", None, [MessageP]),
    ("mbim_message_validate", gboolean, [MessageP, POINTER(GErrorP)]),
    ("mbim_message_get_message_type", c_uint32, [MessageP]),
    ("mbim_message_get_message_length", c_uint32, [MessageP]),
    ("mbim_message_get_transaction_id", c_uint32, [MessageP]),
    ("mbim_message_set_transaction_id", None, [MessageP, c_uint32]),
    (
        "mbim_message_get_printable_full",
        c_void_p,
        [MessageP, c_uint8, c_uint8, c_char_p, gboolean, POINTER(GErrorP)],
    ),
    ("mbim_message_open_get_max_control_transfer", c_uint32, [MessageP]),
    ("mbim_message_open_done_get_status_code", c_uint32, [MessageP]),
    ("mbim_message_close_done_get_status_code", c_uint32, [MessageP]),
    ("mbim_message_error_get_error_status_code", c_uint32, [MessageP]),
    ("mbim_message_command_get_service_id", POINTER(Uuid), [MessageP]),
    ("mbim_message_command_get_cid", c_uint32, [MessageP]),
    ("mbim_message_command_get_command_type", c_uint32, [MessageP]),
    ("mbim_message_command_get_raw_information_buffer", POINTER(c_uint8), [MessageP, POINTER(c_uint32)]),
    ("mbim_message_command_done_get_service_id", POINTER(Uuid), [MessageP]),
    ("mbim_message_command_done_get_cid", c_uint32, [MessageP]),
    ("mbim_message_command_done_get_status_code", c_uint32, [MessageP]),
    ("mbim_message_command_done_get_raw_information_buffer", POINTER(c_uint8), [MessageP, POINTER(c_uint32)]),
    ("mbim_message_indicate_status_get_service_id", POINTER(Uuid), [MessageP]),
    ("mbim_message_indicate_status_get_cid", c_uint32, [MessageP]),
    (
        "mbim_message_indicate_status_get_raw_information_buffer",
        POINTER(c_uint8),
        [MessageP, POINTER(c_uint32)],
    ),
    ("mbim_uuid_to_service", c_int, [POINTER(Uuid)]),
    ("mbim_message_type_get_string", c_char_p, [c_uint32]),
    ("mbim_status_error_get_string", c_char_p, [c_uint32]),
    ("mbim_protocol_error_get_string", c_char_p, [c_uint32]),
    ("mbim_service_lookup_name", c_char_p, [c_int]),
    ("mbim_cid_get_printable", c_char_p, [c_int, c_uint32]),
    # builders
    ("mbim_message_open_new", MessageP, [c_uint32, c_uint32]),
    ("mbim_message_close_new", MessageP, [c_uint32]),
    ("mbim_message_error_new", MessageP, [c_uint32, c_uint32]),
    ("mbim_message_function_error_new", MessageP, [c_uint32, c_uint32]),
    ("mbim_message_open_done_new", MessageP, [c_uint32, c_uint32]),
    ("mbim_message_close_done_new", MessageP, [c_uint32, c_uint32]),
    ("mbim_message_command_new", MessageP, [c_uint32, c_int, c_uint32, c_uint32]),
    ("mbim_message_command_append", None, [MessageP, c_char_p, c_uint32]),
    ("mbim_message_device_caps_query_new", MessageP, [POINTER(GErrorP)]),
    ("mbim_message_device_services_query_new", MessageP, [POINTER(GErrorP)]),
    ("mbim_message_radio_state_query_new", MessageP, [POINTER(GErrorP)]),
    ("mbim_message_radio_state_set_new", MessageP, [c_uint32, POINTER(GErrorP)]),
    (
        "mbim_message_device_service_subscribe_list_set_new",
        MessageP,
        [c_uint32, POINTER(POINTER(MbimEventEntry)), POINTER(GErrorP)],
    ),
    ("mbim_message_qmi_msg_set_new", MessageP, [c_uint32, c_char_p, POINTER(GErrorP)]),
    ("mbim_message_quectel_radio_state_query_new", MessageP, [POINTER(GErrorP)]),
    ("mbim_message_quectel_radio_state_set_new", MessageP, [c_uint32, POINTER(GErrorP)]),
    ("mbim_message_proxy_control_configuration_set_new", MessageP, [c_char_p, c_uint32, POINTER(GErrorP)]),
    # the SIM and network CIDs (docs/protocol.md §2.7), mbim-basic-connect.h of 1.28.2
    ("mbim_message_subscriber_ready_status_query_new", MessageP, [POINTER(GErrorP)]),
    ("mbim_message_pin_query_new", MessageP, [POINTER(GErrorP)]),
    ("mbim_message_pin_set_new", MessageP, [c_uint32, c_uint32, c_char_p, c_char_p, POINTER(GErrorP)]),
    ("mbim_message_home_provider_query_new", MessageP, [POINTER(GErrorP)]),
    ("mbim_message_register_state_query_new", MessageP, [POINTER(GErrorP)]),
    ("mbim_message_register_state_set_new", MessageP, [c_char_p, c_uint32, c_uint32, POINTER(GErrorP)]),
    ("mbim_message_packet_service_query_new", MessageP, [POINTER(GErrorP)]),
    ("mbim_message_packet_service_set_new", MessageP, [c_uint32, POINTER(GErrorP)]),
    ("mbim_message_signal_state_query_new", MessageP, [POINTER(GErrorP)]),
    ("mbim_message_signal_state_set_new", MessageP, [c_uint32, c_uint32, c_uint32, POINTER(GErrorP)]),
    # typed parsers (out-parameters are pointers; declared loosely and passed with byref)
    ("mbim_message_device_caps_response_parse", gboolean, None),
    ("mbim_message_device_services_response_parse", gboolean, None),
    ("mbim_message_radio_state_response_parse", gboolean, None),
    ("mbim_message_radio_state_notification_parse", gboolean, None),
    ("mbim_message_device_service_subscribe_list_response_parse", gboolean, None),
    ("mbim_message_qmi_msg_response_parse", gboolean, None),
    ("mbim_message_quectel_radio_state_response_parse", gboolean, None),
    (
        "mbim_message_subscriber_ready_status_response_parse",
        gboolean,
        [
            MessageP,
            POINTER(c_uint32),
            POINTER(c_void_p),
            POINTER(c_void_p),
            POINTER(c_uint32),
            POINTER(c_uint32),
            POINTER(POINTER(c_void_p)),
            POINTER(GErrorP),
        ],
    ),
    (
        "mbim_message_pin_response_parse",
        gboolean,
        [MessageP, POINTER(c_uint32), POINTER(c_uint32), POINTER(c_uint32), POINTER(GErrorP)],
    ),
    (
        "mbim_message_home_provider_response_parse",
        gboolean,
        [MessageP, POINTER(POINTER(MbimProvider)), POINTER(GErrorP)],
    ),
    ("mbim_provider_free", None, [POINTER(MbimProvider)]),
    (
        "mbim_message_register_state_response_parse",
        gboolean,
        [MessageP, *[POINTER(c_uint32)] * 5, *[POINTER(c_void_p)] * 3, POINTER(c_uint32), POINTER(GErrorP)],
    ),
    (
        "mbim_message_packet_service_response_parse",
        gboolean,
        [MessageP, *[POINTER(c_uint32)] * 3, POINTER(c_uint64), POINTER(c_uint64), POINTER(GErrorP)],
    ),
    (
        "mbim_message_signal_state_response_parse",
        gboolean,
        [MessageP, *[POINTER(c_uint32)] * 5, POINTER(GErrorP)],
    ),
    ("mbim_device_service_element_array_free", None, [c_void_p]),
    ("mbim_utils_set_show_personal_info", None, [gboolean]),
    ("mbim_event_entry_array_free", None, [c_void_p]),
]

_QMI_FUNCTIONS = [
    ("qmi_message_new_from_raw", MessageP, [POINTER(GByteArray), POINTER(GErrorP)]),
    ("qmi_message_unref", None, [MessageP]),
    ("qmi_message_get_service", c_int, [MessageP]),
    ("qmi_message_get_client_id", c_uint8, [MessageP]),
    ("qmi_message_get_transaction_id", c_uint16, [MessageP]),
    ("qmi_message_get_message_id", c_uint16, [MessageP]),
    ("qmi_message_is_request", gboolean, [MessageP]),
    ("qmi_message_is_response", gboolean, [MessageP]),
    ("qmi_message_is_indication", gboolean, [MessageP]),
    ("qmi_message_get_printable_full", c_void_p, [MessageP, c_void_p, c_char_p]),
    ("qmi_message_context_new", c_void_p, []),
    ("qmi_message_context_set_vendor_id", None, [c_void_p, c_uint16]),
    ("qmi_message_context_unref", None, [c_void_p]),
    ("qmi_utils_set_show_personal_info", None, [gboolean]),
    ("qmi_protocol_error_get_string", c_char_p, [c_int]),
    ("qmi_service_get_string", c_char_p, [c_int]),
    ("qmi_message_foreach_raw_tlv", None, [MessageP, ForeachTlv, c_void_p]),
    ("qmi_message_tlv_read_init", c_size_t, [MessageP, c_uint8, POINTER(c_uint16), POINTER(GErrorP)]),
    (
        "qmi_message_tlv_read_guint8",
        gboolean,
        [MessageP, c_size_t, POINTER(c_size_t), POINTER(c_uint8), POINTER(GErrorP)],
    ),
    (
        "qmi_message_tlv_read_guint16",
        gboolean,
        [MessageP, c_size_t, POINTER(c_size_t), c_int, POINTER(c_uint16), POINTER(GErrorP)],
    ),
    (
        "qmi_message_tlv_read_string",
        gboolean,
        [MessageP, c_size_t, POINTER(c_size_t), c_uint8, c_uint16, POINTER(c_void_p), POINTER(GErrorP)],
    ),
    # builders
    ("qmi_message_new", MessageP, [c_int, c_uint8, c_uint16, c_uint16]),
    ("qmi_message_response_new", MessageP, [MessageP, c_int]),
    ("qmi_message_tlv_write_init", c_size_t, [MessageP, c_uint8, POINTER(GErrorP)]),
    ("qmi_message_tlv_write_guint8", gboolean, [MessageP, c_uint8, POINTER(GErrorP)]),
    (
        "qmi_message_tlv_write_string",
        gboolean,
        [MessageP, c_uint8, c_char_p, ctypes.c_ssize_t, POINTER(GErrorP)],
    ),
    ("qmi_message_tlv_write_complete", gboolean, [MessageP, c_size_t, POINTER(GErrorP)]),
    ("qmi_message_add_raw_tlv", gboolean, [MessageP, c_uint8, c_char_p, c_size_t, POINTER(GErrorP)]),
]

_GLIB_FUNCTIONS = [
    ("g_free", None, [c_void_p]),
    ("g_strfreev", None, [c_void_p]),
    ("g_error_free", None, [GErrorP]),
    ("g_byte_array_new", POINTER(GByteArray), []),
    ("g_byte_array_append", POINTER(GByteArray), [POINTER(GByteArray), c_char_p, c_uint]),
    ("g_byte_array_unref", None, [POINTER(GByteArray)]),
    ("g_log_set_default_handler", c_void_p, [GLogFunc, c_void_p]),
]


class Libraries:
    """The three shared libraries with typed function attributes, and a log catcher."""

    def __init__(self) -> None:
        try:
            self.glib = ctypes.CDLL(LIBGLIB)
            self.mbim = ctypes.CDLL(LIBMBIM)
            self.qmi = ctypes.CDLL(LIBQMI)
        except OSError as error:
            raise PeerUnavailable(f"{error} (apt-get install libmbim-glib4 libqmi-glib5)") from None
        for library, table in (
            (self.mbim, _MBIM_FUNCTIONS),
            (self.qmi, _QMI_FUNCTIONS),
            (self.glib, _GLIB_FUNCTIONS),
        ):
            for name, restype, argtypes in table:
                try:
                    function = getattr(library, name)
                except AttributeError:
                    raise PeerUnavailable(f"{name} missing from {library._name}") from None
                function.restype = restype
                if argtypes is not None:
                    function.argtypes = argtypes
        # Print IMEIs and other "personal" fields instead of '###', so tests can compare.
        self.mbim.mbim_utils_set_show_personal_info(1)
        self.qmi.qmi_utils_set_show_personal_info(1)
        self.logged: list[str] = []
        # Keep a reference: GLib holds only the raw function pointer.
        self._log_handler = GLogFunc(self._on_log)
        self.glib.g_log_set_default_handler(self._log_handler, None)

    def _on_log(self, domain: bytes | None, level: int, message: bytes | None, _data: object) -> None:
        if level & G_LOG_LEVEL_ERROR_TO_WARNING:
            text = (message or b"").decode("utf-8", "replace")
            self.logged.append(f"{(domain or b'').decode()}: {text}")

    def check_quiet(self, what: str) -> None:
        """Raise PeerWarning if the libraries logged a warning since the last check."""
        if self.logged:
            logged, self.logged = self.logged, []
            raise PeerWarning(f"{what}: the library logged: {'; '.join(logged)}")

    def take_error(self, error: GErrorP, what: str) -> PeerRejected:
        text = error.contents.message.decode("utf-8", "replace") if error else "(no GError)"
        if error:
            self.glib.g_error_free(error)
        return PeerRejected(f"{what}: {text}")

    def take_string(self, pointer: int | None) -> str:
        """A gchar* we own: copy it out and g_free it."""
        if not pointer:
            return ""
        try:
            return ctypes.string_at(pointer).decode("utf-8", "replace")
        finally:
            self.glib.g_free(pointer)


_loaded: Libraries | None = None


def load() -> Libraries:
    """The libraries, loaded once per process; PeerUnavailable if they cannot be."""
    global _loaded
    if _loaded is None:
        _loaded = Libraries()
    return _loaded


def loaded() -> Libraries | None:
    """The libraries if ``load()`` has succeeded before, without trying to load them."""
    return _loaded


def _bytes(message: MessageP) -> bytes:
    array = message.contents
    return ctypes.string_at(array.data, array.len)


def _uuid(pointer: object) -> bytes:
    return bytes(pointer.contents) if pointer else b""  # type: ignore[attr-defined]


# --- names: their tables ----------------------------------------------------------------


def _name(value: bytes | None) -> str | None:
    return value.decode() if value else None


def mbim_service_name(service_id: bytes) -> str | None:
    """libmbim's nickname for a service UUID ("basic-connect"), None if it does not know it."""
    lib = load().mbim
    service = lib.mbim_uuid_to_service(byref(Uuid.from_buffer_copy(service_id)))
    return _name(lib.mbim_service_lookup_name(service)) if service else None


def mbim_status_name(status: int) -> str | None:
    return _name(load().mbim.mbim_status_error_get_string(status))


def mbim_protocol_error_name(code: int) -> str | None:
    return _name(load().mbim.mbim_protocol_error_get_string(code))


def mbim_message_type_name(message_type: int) -> str | None:
    return _name(load().mbim.mbim_message_type_get_string(message_type))


def qmi_error_name(code: int) -> str | None:
    return _name(load().qmi.qmi_protocol_error_get_string(code))


def qmi_service_name(service: int) -> str | None:
    return _name(load().qmi.qmi_service_get_string(service))


# --- MBIM: their reading of bytes ------------------------------------------------------

COMMAND = 0x00000003
COMMAND_DONE = 0x80000003
INDICATE_STATUS = 0x80000007
OPEN, CLOSE, HOST_ERROR = 0x00000001, 0x00000002, 0x00000004
OPEN_DONE, CLOSE_DONE, FUNCTION_ERROR = 0x80000001, 0x80000002, 0x80000004


@dataclass
class MbimView:
    """What libmbim reads from one message. Fields not carried by the type stay None."""

    message_type: int
    message_length: int
    transaction_id: int
    printable: str
    max_control_transfer: int | None = None
    status: int | None = None
    error_code: int | None = None
    service_id: bytes | None = None
    service_name: str | None = None  # libmbim's name for the UUID ("basic-connect", "qmi", ...)
    cid: int | None = None
    cid_name: str | None = None
    command_type: int | None = None
    information_buffer: bytes | None = None

    @property
    def fields_failed(self) -> str | None:
        """The error libmbim's typed field decoder printed, if any: either in place of
        all fields ("Fields: <error>") or where a field failed ("Name = n/a: <error>")."""
        for line in self.printable.splitlines():
            stripped = line.strip()
            if stripped.startswith("Fields:") and stripped != "Fields:":
                return stripped
            if "= n/a: " in stripped:
                return stripped
        return None


def mbim_decode(data: bytes, printable: bool = True) -> MbimView:
    """Validate ``data`` with libmbim and read every header field it exposes.

    Raises PeerRejected if ``mbim_message_validate`` refuses it. ``printable=False``
    skips libmbim's field decoders (for random payloads they are not meant to fit).
    """
    libs = load()
    lib = libs.mbim
    message = lib.mbim_message_new(data, len(data))
    try:
        error = GErrorP()
        if not lib.mbim_message_validate(message, byref(error)):
            raise libs.take_error(error, "mbim_message_validate")
        message_type = lib.mbim_message_get_message_type(message)
        fragmented = message_type in (COMMAND, COMMAND_DONE, INDICATE_STATUS)
        total = int.from_bytes(data[12:16], "little") if fragmented else 1
        # libmbim reads the service, CID, ... of whole messages only (its getters assert
        # TotalFragments == 1); of a fragment it can show the headers.
        whole = total == 1
        view = MbimView(
            message_type,
            lib.mbim_message_get_message_length(message),
            lib.mbim_message_get_transaction_id(message),
            _mbim_printable(libs, message, headers_only=not whole) if printable else "",
        )
        if message_type == OPEN:
            view.max_control_transfer = lib.mbim_message_open_get_max_control_transfer(message)
        elif message_type == OPEN_DONE:
            view.status = lib.mbim_message_open_done_get_status_code(message)
        elif message_type == CLOSE_DONE:
            view.status = lib.mbim_message_close_done_get_status_code(message)
        elif message_type in (HOST_ERROR, FUNCTION_ERROR):
            view.error_code = lib.mbim_message_error_get_error_status_code(message)
        elif message_type in (COMMAND, COMMAND_DONE, INDICATE_STATUS) and whole:
            _read_command_fields(lib, message, message_type, view)
        libs.check_quiet(f"decoding {data[:48].hex()}")
        return view
    finally:
        lib.mbim_message_unref(message)


def _read_command_fields(lib: ctypes.CDLL, message: MessageP, message_type: int, view: MbimView) -> None:
    prefix = {
        COMMAND: "mbim_message_command_",
        COMMAND_DONE: "mbim_message_command_done_",
        INDICATE_STATUS: "mbim_message_indicate_status_",
    }[message_type]
    uuid_pointer = getattr(lib, prefix + "get_service_id")(message)
    view.service_id = _uuid(uuid_pointer)
    service = lib.mbim_uuid_to_service(uuid_pointer)
    view.service_name = (lib.mbim_service_lookup_name(service) or b"").decode()
    view.cid = getattr(lib, prefix + "get_cid")(message)
    if view.cid:  # CID 0 is invalid; libmbim asserts rather than names it
        view.cid_name = (lib.mbim_cid_get_printable(service, view.cid) or b"").decode() or None
    if message_type == COMMAND:
        view.command_type = lib.mbim_message_command_get_command_type(message)
    elif message_type == COMMAND_DONE:
        view.status = lib.mbim_message_command_done_get_status_code(message)
    length = c_uint32()
    buffer = getattr(lib, prefix + "get_raw_information_buffer")(message, byref(length))
    view.information_buffer = ctypes.string_at(buffer, length.value) if length.value else b""


def _mbim_printable(libs: Libraries, message: MessageP, headers_only: bool) -> str:
    error = GErrorP()
    text = libs.mbim.mbim_message_get_printable_full(message, 1, 0, b"", headers_only, byref(error))
    if not text:
        raise libs.take_error(error, "mbim_message_get_printable_full")
    return libs.take_string(text)


# --- MBIM: their typed parsers on a reply ------------------------------------------------


@dataclass
class DeviceCapsView:
    device_type: int
    cellular_class: int
    voice_class: int
    sim_class: int
    data_class: int
    sms_caps: int
    control_caps: int
    max_sessions: int
    custom_data_class: str
    device_id: str
    firmware_info: str
    hardware_info: str


@dataclass
class DeviceServiceView:
    service_id: bytes
    dss_payload: int
    max_dss_instances: int
    cids: tuple[int, ...]


def _with_message(data: bytes, parse: Callable[[Libraries, MessageP], T]) -> T:
    """Run ``parse(libs, message)`` on a libmbim copy of ``data``; free it after."""
    libs = load()
    message = libs.mbim.mbim_message_new(data, len(data))
    try:
        result = parse(libs, message)
        libs.check_quiet("parsing")
        return result
    finally:
        libs.mbim.mbim_message_unref(message)


def mbim_parse_device_caps(data: bytes) -> DeviceCapsView:
    def parse(libs: Libraries, message: MessageP) -> DeviceCapsView:
        numbers = [c_uint32() for _ in range(8)]
        strings = [c_void_p() for _ in range(4)]
        error = GErrorP()
        ok = libs.mbim.mbim_message_device_caps_response_parse(
            message, *(byref(n) for n in numbers), *(byref(s) for s in strings), byref(error)
        )
        texts = [libs.take_string(s.value) for s in strings]
        if not ok:
            raise libs.take_error(error, "mbim_message_device_caps_response_parse")
        return DeviceCapsView(*(n.value for n in numbers), *texts)

    return _with_message(data, parse)


def mbim_parse_device_services(data: bytes) -> tuple[int, list[DeviceServiceView]]:
    """(max DSS sessions, services) from a DEVICE_SERVICES response."""

    def parse(libs: Libraries, message: MessageP) -> tuple[int, list[DeviceServiceView]]:
        count, max_dss = c_uint32(), c_uint32()
        elements = POINTER(POINTER(MbimDeviceServiceElement))()
        error = GErrorP()
        if not libs.mbim.mbim_message_device_services_response_parse(
            message, byref(count), byref(max_dss), byref(elements), byref(error)
        ):
            raise libs.take_error(error, "mbim_message_device_services_response_parse")
        try:
            services = []
            for index in range(count.value):
                element = elements[index].contents
                services.append(
                    DeviceServiceView(
                        bytes(element.device_service_id),
                        element.dss_payload,
                        element.max_dss_instances,
                        tuple(element.cids[i] for i in range(element.cids_count)),
                    )
                )
            return max_dss.value, services
        finally:
            libs.mbim.mbim_device_service_element_array_free(elements)

    return _with_message(data, parse)


def mbim_parse_radio_state(data: bytes, notification: bool = False) -> tuple[int, int]:
    """(hardware, software) radio switch state of a RADIO_STATE response or notification."""
    name = "mbim_message_radio_state_" + ("notification_parse" if notification else "response_parse")

    def parse(libs: Libraries, message: MessageP) -> tuple[int, int]:
        hardware, software = c_uint32(), c_uint32()
        error = GErrorP()
        if not getattr(libs.mbim, name)(message, byref(hardware), byref(software), byref(error)):
            raise libs.take_error(error, name)
        return hardware.value, software.value

    return _with_message(data, parse)


def mbim_parse_subscribe_list(data: bytes) -> list[tuple[bytes, tuple[int, ...]]]:
    def parse(libs: Libraries, message: MessageP) -> list[tuple[bytes, tuple[int, ...]]]:
        count = c_uint32()
        entries = POINTER(POINTER(MbimEventEntry))()
        error = GErrorP()
        if not libs.mbim.mbim_message_device_service_subscribe_list_response_parse(
            message, byref(count), byref(entries), byref(error)
        ):
            raise libs.take_error(error, "mbim_message_device_service_subscribe_list_response_parse")
        try:
            result = []
            for index in range(count.value):
                entry = entries[index].contents
                result.append(
                    (bytes(entry.device_service_id), tuple(entry.cids[i] for i in range(entry.cids_count)))
                )
            return result
        finally:
            libs.mbim.mbim_event_entry_array_free(entries)

    return _with_message(data, parse)


def mbim_parse_qmi_msg(data: bytes) -> bytes:
    """The QMUX frame of a QMI-service COMMAND_DONE, as libmbim hands it to libqmi."""

    def parse(libs: Libraries, message: MessageP) -> bytes:
        size = c_uint32()
        frame = POINTER(c_uint8)()
        error = GErrorP()
        if not libs.mbim.mbim_message_qmi_msg_response_parse(
            message, byref(size), byref(frame), byref(error)
        ):
            raise libs.take_error(error, "mbim_message_qmi_msg_response_parse")
        return ctypes.string_at(frame, size.value) if size.value else b""

    return _with_message(data, parse)


def mbim_parse_quectel_radio_state(data: bytes) -> int:
    def parse(libs: Libraries, message: MessageP) -> int:
        state = c_uint32()
        error = GErrorP()
        if not libs.mbim.mbim_message_quectel_radio_state_response_parse(message, byref(state), byref(error)):
            raise libs.take_error(error, "mbim_message_quectel_radio_state_response_parse")
        return state.value

    return _with_message(data, parse)


def _parse_error(libs: Libraries, error: GErrorP, name: str) -> PeerRejected:
    return libs.take_error(error, name)


def mbim_parse_subscriber_ready_status(data: bytes) -> dict[str, object]:
    """SUBSCRIBER_READY_STATUS by libmbim's parser, as our record's fields."""

    def parse(libs: Libraries, message: MessageP) -> dict[str, object]:
        state, info, count = c_uint32(), c_uint32(), c_uint32()
        subscriber_id, sim_icc_id = c_void_p(), c_void_p()
        numbers = POINTER(c_void_p)()
        error = GErrorP()
        ok = libs.mbim.mbim_message_subscriber_ready_status_response_parse(
            message,
            byref(state),
            byref(subscriber_id),
            byref(sim_icc_id),
            byref(info),
            byref(count),
            byref(numbers),
            byref(error),
        )
        ids = [libs.take_string(subscriber_id.value), libs.take_string(sim_icc_id.value)]
        try:
            texts = tuple(
                ctypes.string_at(numbers[i]).decode("utf-8", "replace") for i in range(count.value) if ok
            )
        finally:
            libs.glib.g_strfreev(ctypes.cast(numbers, c_void_p))
        if not ok:
            raise _parse_error(libs, error, "mbim_message_subscriber_ready_status_response_parse")
        return {
            "ready_state": state.value,
            "subscriber_id": ids[0],
            "sim_icc_id": ids[1],
            "ready_info": info.value,
            "telephone_numbers": texts,
        }

    return _with_message(data, parse)


def _u32_parser(name: str, fields: tuple[str, ...]) -> Callable[[bytes], dict[str, object]]:
    def parse_bytes(data: bytes) -> dict[str, object]:
        def parse(libs: Libraries, message: MessageP) -> dict[str, object]:
            values = [c_uint32() for _ in fields]
            error = GErrorP()
            if not getattr(libs.mbim, name)(message, *(byref(v) for v in values), byref(error)):
                raise _parse_error(libs, error, name)
            return {field: value.value for field, value in zip(fields, values)}

        return _with_message(data, parse)

    return parse_bytes


mbim_parse_pin = _u32_parser(
    "mbim_message_pin_response_parse", ("pin_type", "pin_state", "remaining_attempts")
)
mbim_parse_signal_state = _u32_parser(
    "mbim_message_signal_state_response_parse",
    ("rssi", "error_rate", "signal_strength_interval", "rssi_threshold", "error_rate_threshold"),
)


def mbim_parse_home_provider(data: bytes) -> dict[str, object]:
    def parse(libs: Libraries, message: MessageP) -> dict[str, object]:
        provider = POINTER(MbimProvider)()
        error = GErrorP()
        if not libs.mbim.mbim_message_home_provider_response_parse(message, byref(provider), byref(error)):
            raise _parse_error(libs, error, "mbim_message_home_provider_response_parse")
        try:
            p = provider.contents
            return {
                "provider_id": ctypes.string_at(p.provider_id).decode() if p.provider_id else "",
                "provider_state": p.provider_state,
                "provider_name": ctypes.string_at(p.provider_name).decode() if p.provider_name else "",
                "cellular_class": p.cellular_class,
                "rssi": p.rssi,
                "error_rate": p.error_rate,
            }
        finally:
            libs.mbim.mbim_provider_free(provider)

    return _with_message(data, parse)


def mbim_parse_register_state(data: bytes) -> dict[str, object]:
    def parse(libs: Libraries, message: MessageP) -> dict[str, object]:
        numbers = [c_uint32() for _ in range(5)]
        strings = [c_void_p() for _ in range(3)]
        flag = c_uint32()
        error = GErrorP()
        ok = libs.mbim.mbim_message_register_state_response_parse(
            message, *(byref(n) for n in numbers), *(byref(t) for t in strings), byref(flag), byref(error)
        )
        texts = [libs.take_string(t.value) for t in strings]
        if not ok:
            raise _parse_error(libs, error, "mbim_message_register_state_response_parse")
        names = (
            "nw_error",
            "register_state",
            "register_mode",
            "available_data_classes",
            "current_cellular_class",
        )
        return {
            **{name: n.value for name, n in zip(names, numbers)},
            **dict(zip(("provider_id", "provider_name", "roaming_text"), texts)),
            "registration_flag": flag.value,
        }

    return _with_message(data, parse)


def mbim_parse_packet_service(data: bytes) -> dict[str, object]:
    def parse(libs: Libraries, message: MessageP) -> dict[str, object]:
        numbers = [c_uint32() for _ in range(3)]
        up, down = c_uint64(), c_uint64()
        error = GErrorP()
        if not libs.mbim.mbim_message_packet_service_response_parse(
            message, *(byref(n) for n in numbers), byref(up), byref(down), byref(error)
        ):
            raise _parse_error(libs, error, "mbim_message_packet_service_response_parse")
        names = ("nw_error", "packet_service_state", "highest_available_data_class")
        return {
            **{name: n.value for name, n in zip(names, numbers)},
            "uplink_speed": up.value,
            "downlink_speed": down.value,
        }

    return _with_message(data, parse)


# --- MBIM: their bytes -----------------------------------------------------------------


def _take_message(
    libs: Libraries, message: MessageP, error: GErrorP | None, what: str, tid: int | None
) -> bytes:
    if not message:
        raise libs.take_error(error, what) if error is not None else PeerRejected(what)
    try:
        if tid is not None:
            libs.mbim.mbim_message_set_transaction_id(message, tid)
        data = _bytes(message)
        libs.check_quiet(what)
        return data
    finally:
        libs.mbim.mbim_message_unref(message)


def mbim_build_simple(kind: str, tid: int, value: int = 0) -> bytes:
    """OPEN (value: MaxControlTransfer), CLOSE, HOST_ERROR / FUNCTION_ERROR (value: code),
    OPEN_DONE / CLOSE_DONE (value: status), as libmbim builds them."""
    libs = load()
    lib = libs.mbim
    builders = {
        "open": lambda: lib.mbim_message_open_new(tid, value),
        "close": lambda: lib.mbim_message_close_new(tid),
        "host-error": lambda: lib.mbim_message_error_new(tid, value),
        "function-error": lambda: lib.mbim_message_function_error_new(tid, value),
        "open-done": lambda: lib.mbim_message_open_done_new(tid, value),
        "close-done": lambda: lib.mbim_message_close_done_new(tid, value),
    }
    return _take_message(libs, builders[kind](), None, f"mbim {kind} builder", None)


def mbim_build_command(
    tid: int, service_id: bytes, cid: int, command_type: int, buffer: bytes = b""
) -> bytes:
    """A COMMAND from libmbim's generic builder (service given by UUID, known to libmbim)."""
    libs = load()
    lib = libs.mbim
    service = lib.mbim_uuid_to_service(byref(Uuid.from_buffer_copy(service_id)))
    if service == 0:
        raise PeerRejected(f"libmbim does not know service {service_id.hex()}")
    message = lib.mbim_message_command_new(tid, service, cid, command_type)
    if buffer and message:
        lib.mbim_message_command_append(message, buffer, len(buffer))
    return _take_message(libs, message, None, "mbim_message_command_new", None)


def _build_with_error(name: str, tid: int, *args: object) -> bytes:
    libs = load()
    error = GErrorP()
    message = getattr(libs.mbim, name)(*args, byref(error))
    return _take_message(libs, message, error, name, tid)


def mbim_build_device_caps_query(tid: int) -> bytes:
    return _build_with_error("mbim_message_device_caps_query_new", tid)


def mbim_build_device_services_query(tid: int) -> bytes:
    return _build_with_error("mbim_message_device_services_query_new", tid)


def mbim_build_radio_state_query(tid: int) -> bytes:
    return _build_with_error("mbim_message_radio_state_query_new", tid)


def mbim_build_radio_state_set(tid: int, on: bool) -> bytes:
    return _build_with_error("mbim_message_radio_state_set_new", tid, 1 if on else 0)


def mbim_build_qmi_msg(tid: int, frame: bytes) -> bytes:
    return _build_with_error("mbim_message_qmi_msg_set_new", tid, len(frame), frame)


def mbim_build_quectel_radio_state_query(tid: int) -> bytes:
    return _build_with_error("mbim_message_quectel_radio_state_query_new", tid)


def mbim_build_quectel_radio_state_set(tid: int, state: int) -> bytes:
    return _build_with_error("mbim_message_quectel_radio_state_set_new", tid, state)


def mbim_build_proxy_configuration(tid: int, device_path: str, timeout: int) -> bytes:
    return _build_with_error(
        "mbim_message_proxy_control_configuration_set_new", tid, device_path.encode(), timeout
    )


def mbim_build_cellular_query(tid: int, what: str) -> bytes:
    """A QUERY of one of docs/protocol.md §2.7's CIDs by libmbim's builder:
    ``what`` is subscriber_ready_status, pin, home_provider, register_state,
    packet_service or signal_state."""
    return _build_with_error(f"mbim_message_{what}_query_new", tid)


def mbim_build_pin_set(tid: int, pin_type: int, pin_operation: int, pin: str, new_pin: str) -> bytes:
    return _build_with_error(
        "mbim_message_pin_set_new", tid, pin_type, pin_operation, pin.encode(), new_pin.encode()
    )


def mbim_build_register_state_set(tid: int, provider_id: str, register_action: int, data_class: int) -> bytes:
    return _build_with_error(
        "mbim_message_register_state_set_new", tid, provider_id.encode(), register_action, data_class
    )


def mbim_build_packet_service_set(tid: int, packet_service_action: int) -> bytes:
    return _build_with_error("mbim_message_packet_service_set_new", tid, packet_service_action)


def mbim_build_signal_state_set(
    tid: int, signal_strength_interval: int, rssi_threshold: int, error_rate_threshold: int
) -> bytes:
    return _build_with_error(
        "mbim_message_signal_state_set_new",
        tid,
        signal_strength_interval,
        rssi_threshold,
        error_rate_threshold,
    )


def mbim_build_subscribe_list(tid: int, entries: list[tuple[bytes, tuple[int, ...]]]) -> bytes:
    # The entries live in Python-owned memory; libmbim only reads them while building.
    keep = []
    pointers = (POINTER(MbimEventEntry) * max(1, len(entries)))()
    for index, (service_id, cids) in enumerate(entries):
        array = (c_uint32 * max(1, len(cids)))(*cids)
        entry = MbimEventEntry(Uuid.from_buffer_copy(service_id), len(cids), array)
        keep += [array, entry]
        pointers[index] = ctypes.pointer(entry)
    return _build_with_error(
        "mbim_message_device_service_subscribe_list_set_new", tid, len(entries), pointers
    )


# --- QMI: their reading of bytes -------------------------------------------------------


@dataclass
class QmiView:
    service: int
    client_id: int
    transaction_id: int
    message_id: int
    kind: str  # "request", "response" or "indication", by libqmi's flag reading
    tlvs: list[tuple[int, bytes]]
    printable: str
    result: tuple[int, int] | None = None  # (status, error) read with libqmi's TLV reader
    consumed: int = 0  # bytes libqmi took from the input buffer

    @property
    def tlv_problems(self) -> list[str]:
        """Lines where libqmi's typed TLV decoder complained (short or long TLVs)."""
        return [
            line.strip()
            for line in self.printable.splitlines()
            if "ERROR" in line or "Additional unexpected" in line
        ]


# libqmi prints vendor messages (same id, different meaning per vendor) only when told
# the vendor: these are the ids its DMS service data uses.
VENDOR_FOXCONN = 0x0489
VENDOR_FOXCONN_V2 = 0x0490  # libqmi's stand-in id for "Foxconn Set FCC Authentication v2"


def qmi_decode(data: bytes, vendor: int = 0, printable: bool = True) -> QmiView:
    """Parse one QMUX frame with ``qmi_message_new_from_raw``; PeerRejected if it refuses
    or finds the frame incomplete. ``vendor`` selects vendor-specific printing;
    ``printable=False`` skips libqmi's TLV decoders (for random TLVs)."""
    libs = load()
    glib, lib = libs.glib, libs.qmi
    raw = glib.g_byte_array_new()
    glib.g_byte_array_append(raw, data, len(data))
    try:
        error = GErrorP()
        message = lib.qmi_message_new_from_raw(raw, byref(error))
        consumed = len(data) - raw.contents.len
        if not message:
            if error:
                raise libs.take_error(error, "qmi_message_new_from_raw")
            raise PeerRejected("qmi_message_new_from_raw: incomplete QMUX frame")
    finally:
        glib.g_byte_array_unref(raw)
    try:
        view = _qmi_view(libs, message, vendor, printable)
        view.consumed = consumed
        libs.check_quiet(f"decoding QMI {data[:16].hex()}")
        return view
    finally:
        lib.qmi_message_unref(message)


def _qmi_view(libs: Libraries, message: MessageP, vendor: int, printable: bool) -> QmiView:
    lib = libs.qmi
    tlvs: list[tuple[int, bytes]] = []

    def collect(tlv_type: int, value: object, length: int, _data: object) -> None:
        tlvs.append((tlv_type, ctypes.string_at(value, length) if length else b""))  # type: ignore[arg-type]

    lib.qmi_message_foreach_raw_tlv(message, ForeachTlv(collect), None)
    if lib.qmi_message_is_indication(message):
        kind = "indication"
    elif lib.qmi_message_is_response(message):
        kind = "response"
    else:
        assert lib.qmi_message_is_request(message)
        kind = "request"
    view = QmiView(
        lib.qmi_message_get_service(message),
        lib.qmi_message_get_client_id(message),
        lib.qmi_message_get_transaction_id(message),
        lib.qmi_message_get_message_id(message),
        kind,
        tlvs,
        _qmi_printable(libs, message, vendor) if printable else "",
    )
    if kind == "response" and any(t == 0x02 for t, _ in tlvs):
        try:
            status, error = qmi_read_u16s(libs, message, 0x02, 2)
        except PeerRejected:
            pass  # a result TLV too short to read: result stays None
        else:
            view.result = (status, error)
    return view


def _qmi_printable(libs: Libraries, message: MessageP, vendor: int) -> str:
    lib = libs.qmi
    context = lib.qmi_message_context_new()
    try:
        if vendor:
            lib.qmi_message_context_set_vendor_id(context, vendor)
        return libs.take_string(lib.qmi_message_get_printable_full(message, context, b""))
    finally:
        lib.qmi_message_context_unref(context)


def qmi_read_u16s(libs: Libraries, message: MessageP, tlv_type: int, count: int) -> list[int]:
    """``count`` little-endian u16s from a TLV, with libqmi's TLV reader."""
    lib = libs.qmi
    error = GErrorP()
    length = c_uint16()
    tlv_offset = lib.qmi_message_tlv_read_init(message, tlv_type, byref(length), byref(error))
    if not tlv_offset:
        raise libs.take_error(error, f"qmi_message_tlv_read_init 0x{tlv_type:02x}")
    offset = c_size_t(0)
    values = []
    for _ in range(count):
        value = c_uint16()
        if not lib.qmi_message_tlv_read_guint16(
            message, tlv_offset, byref(offset), QMI_ENDIAN_LITTLE, byref(value), byref(error)
        ):
            raise libs.take_error(error, "qmi_message_tlv_read_guint16")
        values.append(value.value)
    return values


def _qmi_message(libs: Libraries, data: bytes) -> object:
    """libqmi's QmiMessage for one whole QMUX frame (unref it when done)."""
    glib, lib = libs.glib, libs.qmi
    raw = glib.g_byte_array_new()
    glib.g_byte_array_append(raw, data, len(data))
    error = GErrorP()
    message = lib.qmi_message_new_from_raw(raw, byref(error))
    glib.g_byte_array_unref(raw)
    if not message:
        raise libs.take_error(error, "qmi_message_new_from_raw") if error else PeerRejected("incomplete")
    return message


def qmi_read_tlv(data: bytes, tlv_type: int, layout: str) -> list[object]:
    """Read a TLV of a QMUX frame with libqmi's typed TLV reader.

    ``layout`` is a sequence of ``B`` (u8), ``H`` (u16 LE) and ``s`` (a string filling
    the rest of the TLV, no length prefix, as the FCC-unlock TLVs carry them).
    """
    libs = load()
    lib = libs.qmi
    message = _qmi_message(libs, data)
    error = GErrorP()
    try:
        length = c_uint16()
        tlv_offset = lib.qmi_message_tlv_read_init(message, tlv_type, byref(length), byref(error))
        if not tlv_offset:
            raise libs.take_error(error, f"qmi_message_tlv_read_init 0x{tlv_type:02x}")
        offset = c_size_t(0)
        values: list[object] = []
        for code in layout:
            if code == "B":
                u8 = c_uint8()
                ok = lib.qmi_message_tlv_read_guint8(
                    message, tlv_offset, byref(offset), byref(u8), byref(error)
                )
                values.append(u8.value)
            elif code == "H":
                u16 = c_uint16()
                ok = lib.qmi_message_tlv_read_guint16(
                    message, tlv_offset, byref(offset), QMI_ENDIAN_LITTLE, byref(u16), byref(error)
                )
                values.append(u16.value)
            elif code == "s":
                text = c_void_p()
                ok = lib.qmi_message_tlv_read_string(
                    message, tlv_offset, byref(offset), 0, 0, byref(text), byref(error)
                )
                values.append(libs.take_string(text.value) if ok else None)
            else:
                raise ValueError(f"layout code {code!r}")
            if not ok:
                raise libs.take_error(error, f"reading TLV 0x{tlv_type:02x} as {layout}")
        if offset.value != length.value:
            raise PeerRejected(f"TLV 0x{tlv_type:02x}: read {offset.value} of {length.value} bytes")
        libs.check_quiet("reading a TLV")
        return values
    finally:
        lib.qmi_message_unref(message)


# --- QMI: their bytes ------------------------------------------------------------------


def qmi_build(
    service: int,
    client_id: int,
    tid: int,
    message_id: int,
    tlvs: Sequence[tuple[int, object]] = (),
) -> bytes:
    """A request built by libqmi: ``qmi_message_new`` plus TLVs written with its TLV
    writer. A TLV value is an int (u8), a str (string without length prefix) or bytes
    (added raw with ``qmi_message_add_raw_tlv``; empty: an empty TLV)."""
    libs = load()
    lib = libs.qmi
    message = lib.qmi_message_new(service, client_id, tid, message_id)
    if not message:
        libs.logged.clear()
        raise PeerRejected("qmi_message_new refused its arguments")
    try:
        for tlv_type, value in tlvs:
            error = GErrorP()
            if isinstance(value, bytes) and value:
                ok = lib.qmi_message_add_raw_tlv(message, tlv_type, value, len(value), byref(error))
            else:
                start = lib.qmi_message_tlv_write_init(message, tlv_type, byref(error))
                ok = bool(start)
                if ok and isinstance(value, int):
                    ok = lib.qmi_message_tlv_write_guint8(message, value, byref(error))
                elif ok and isinstance(value, str):
                    ok = lib.qmi_message_tlv_write_string(message, 0, value.encode(), -1, byref(error))
                if ok:
                    ok = lib.qmi_message_tlv_write_complete(message, start, byref(error))
            if not ok:
                raise libs.take_error(error, f"writing TLV 0x{tlv_type:02x}")
        data = _bytes(message)
        libs.check_quiet("qmi_build")
        return data
    finally:
        lib.qmi_message_unref(message)


def qmi_build_response(request: bytes, error_code: int = 0) -> bytes:
    """libqmi's ``qmi_message_response_new``: the response skeleton (with result TLV)
    for a request, as qmi-proxy and libqmi's tests build them."""
    libs = load()
    lib = libs.qmi
    message = _qmi_message(libs, request)
    try:
        response = lib.qmi_message_response_new(message, error_code)
        try:
            data = _bytes(response)
        finally:
            lib.qmi_message_unref(response)
        libs.check_quiet("qmi_message_response_new")
        return data
    finally:
        lib.qmi_message_unref(message)
