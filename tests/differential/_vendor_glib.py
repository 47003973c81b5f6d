"""The few libmbim / libqmi calls the vendor-message differential tests need, via ctypes.

libmbim-glib.so.4 builds and parses MBIM messages (Quectel RADIO_STATE, Basic Connect
RADIO_STATE, QMI-over-MBIM); libqmi-glib.so.5 parses QMUX frames and reads TLVs with
its own typed readers (its message builders are private, so requests are checked by
parsing them). Everything returns Python values; errors become LibraryError.
"""

from __future__ import annotations

import ctypes

import pytest
from conftest import IN_CI

MBIM_SONAME = "libmbim-glib.so.4"
QMI_SONAME = "libqmi-glib.so.5"
GLIB_SONAME = "libglib-2.0.so.0"
QMI_ENDIAN_LITTLE = 0


class LibraryError(Exception):
    """A libmbim/libqmi call failed; the message is the library's GError text."""


class GError(ctypes.Structure):
    _fields_ = [("domain", ctypes.c_uint32), ("code", ctypes.c_int), ("message", ctypes.c_char_p)]


class GByteArray(ctypes.Structure):
    _fields_ = [("data", ctypes.POINTER(ctypes.c_uint8)), ("len", ctypes.c_uint)]


def load(soname: str) -> ctypes.CDLL:
    """The library, or skip (fail in CI) when it is not installed."""
    try:
        return ctypes.CDLL(soname)
    except OSError:
        message = f"{soname} is not installed (apt-get install libmbim-utils libqmi-utils)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def _signatures(library: ctypes.CDLL, table: dict[str, tuple[object, list[object]]]) -> None:
    for name, (restype, argtypes) in table.items():
        function = getattr(library, name)
        function.restype = restype
        function.argtypes = argtypes


P = ctypes.c_void_p
# void (*QmiMessageForeachRawTlvFn)(guint8 type, const guint8 *value, gsize length, gpointer data)
FOREACH_TLV = ctypes.CFUNCTYPE(None, ctypes.c_uint8, P, ctypes.c_size_t, P)
PERR = ctypes.POINTER(ctypes.POINTER(GError))
U32P = ctypes.POINTER(ctypes.c_uint32)


class Glib:
    def __init__(self) -> None:
        self.lib = load(GLIB_SONAME)
        _signatures(
            self.lib,
            {
                "g_byte_array_new": (ctypes.POINTER(GByteArray), []),
                "g_byte_array_append": (
                    ctypes.POINTER(GByteArray),
                    [ctypes.POINTER(GByteArray), ctypes.c_char_p, ctypes.c_uint],
                ),
                "g_byte_array_unref": (None, [ctypes.POINTER(GByteArray)]),
                "g_free": (None, [P]),
                "g_error_free": (None, [ctypes.POINTER(GError)]),
            },
        )

    def check(self, error: ctypes.POINTER(GError)) -> None:  # type: ignore[valid-type]
        if error:
            text = error.contents.message.decode()
            self.lib.g_error_free(error)
            raise LibraryError(text)

    def take_string(self, pointer: int | None) -> str:
        if not pointer:
            return ""
        text = ctypes.string_at(pointer).decode()
        self.lib.g_free(pointer)
        return text


class Mbim:
    """libmbim: MbimMessage* in and out, as Python bytes."""

    def __init__(self, glib: Glib) -> None:
        self.glib = glib
        self.lib = load(MBIM_SONAME)
        _signatures(
            self.lib,
            {
                "mbim_message_new": (P, [ctypes.c_char_p, ctypes.c_uint32]),
                "mbim_message_unref": (None, [P]),
                "mbim_message_validate": (ctypes.c_int, [P, PERR]),
                "mbim_message_get_raw": (P, [P, U32P, PERR]),
                "mbim_message_set_transaction_id": (None, [P, ctypes.c_uint32]),
                "mbim_message_get_printable": (P, [P, ctypes.c_char_p, ctypes.c_int]),
                "mbim_message_response_get_result": (ctypes.c_int, [P, ctypes.c_uint32, PERR]),
                "mbim_message_quectel_radio_state_query_new": (P, [PERR]),
                "mbim_message_quectel_radio_state_set_new": (P, [ctypes.c_uint32, PERR]),
                "mbim_message_quectel_radio_state_response_parse": (ctypes.c_int, [P, U32P, PERR]),
                "mbim_message_radio_state_query_new": (P, [PERR]),
                "mbim_message_radio_state_set_new": (P, [ctypes.c_uint32, PERR]),
                "mbim_message_radio_state_response_parse": (ctypes.c_int, [P, U32P, U32P, PERR]),
                "mbim_message_qmi_msg_set_new": (P, [ctypes.c_uint32, ctypes.c_char_p, PERR]),
                "mbim_message_qmi_msg_response_parse": (
                    ctypes.c_int,
                    [P, U32P, ctypes.POINTER(ctypes.POINTER(ctypes.c_uint8)), PERR],
                ),
            },
        )

    def _built(self, message: int | None, error: object, tid: int) -> bytes:
        self.glib.check(error)  # type: ignore[arg-type]
        try:
            self.lib.mbim_message_set_transaction_id(message, tid)
            return self.raw(message)
        finally:
            self.lib.mbim_message_unref(message)

    def raw(self, message: int | None) -> bytes:
        length = ctypes.c_uint32()
        error = ctypes.POINTER(GError)()
        data = self.lib.mbim_message_get_raw(message, ctypes.byref(length), ctypes.byref(error))
        self.glib.check(error)
        return ctypes.string_at(data, length.value)

    # --- builders: what libmbim sends ------------------------------------------------

    def quectel_radio_state_query(self, tid: int) -> bytes:
        error = ctypes.POINTER(GError)()
        return self._built(
            self.lib.mbim_message_quectel_radio_state_query_new(ctypes.byref(error)), error, tid
        )

    def quectel_radio_state_set(self, state: int, tid: int) -> bytes:
        error = ctypes.POINTER(GError)()
        message = self.lib.mbim_message_quectel_radio_state_set_new(state, ctypes.byref(error))
        return self._built(message, error, tid)

    def radio_state_query(self, tid: int) -> bytes:
        error = ctypes.POINTER(GError)()
        return self._built(self.lib.mbim_message_radio_state_query_new(ctypes.byref(error)), error, tid)

    def radio_state_set(self, state: int, tid: int) -> bytes:
        error = ctypes.POINTER(GError)()
        return self._built(self.lib.mbim_message_radio_state_set_new(state, ctypes.byref(error)), error, tid)

    def qmi_msg_set(self, frame: bytes, tid: int) -> bytes:
        error = ctypes.POINTER(GError)()
        message = self.lib.mbim_message_qmi_msg_set_new(len(frame), frame, ctypes.byref(error))
        return self._built(message, error, tid)

    # --- parsers: how libmbim reads what it receives --------------------------------

    def _parse(self, data: bytes, parse: object) -> object:
        message = self.lib.mbim_message_new(data, len(data))
        try:
            error = ctypes.POINTER(GError)()
            if not self.lib.mbim_message_validate(message, ctypes.byref(error)):
                self.glib.check(error)
                raise LibraryError("invalid message")
            return parse(message)  # type: ignore[operator]
        finally:
            self.lib.mbim_message_unref(message)

    def command_done_ok(self, data: bytes) -> bool:
        """Whether libmbim reads this COMMAND_DONE as a success (status 0)."""

        def parse(message: int) -> bool:
            error = ctypes.POINTER(GError)()
            ok = self.lib.mbim_message_response_get_result(message, 0x80000003, ctypes.byref(error))
            if error:
                self.glib.lib.g_error_free(error)
            return bool(ok)

        return self._parse(data, parse)  # type: ignore[return-value]

    def quectel_radio_state_response(self, data: bytes) -> int:
        def parse(message: int) -> int:
            state, error = ctypes.c_uint32(), ctypes.POINTER(GError)()
            ok = self.lib.mbim_message_quectel_radio_state_response_parse(
                message, ctypes.byref(state), ctypes.byref(error)
            )
            self.glib.check(error)
            assert ok
            return state.value

        return self._parse(data, parse)  # type: ignore[return-value]

    def radio_state_response(self, data: bytes) -> tuple[int, int]:
        def parse(message: int) -> tuple[int, int]:
            hardware, software, error = ctypes.c_uint32(), ctypes.c_uint32(), ctypes.POINTER(GError)()
            ok = self.lib.mbim_message_radio_state_response_parse(
                message, ctypes.byref(hardware), ctypes.byref(software), ctypes.byref(error)
            )
            self.glib.check(error)
            assert ok
            return hardware.value, software.value

        return self._parse(data, parse)  # type: ignore[return-value]

    def qmi_msg_response(self, data: bytes) -> bytes:
        def parse(message: int) -> bytes:
            size, frame = ctypes.c_uint32(), ctypes.POINTER(ctypes.c_uint8)()
            error = ctypes.POINTER(GError)()
            ok = self.lib.mbim_message_qmi_msg_response_parse(
                message, ctypes.byref(size), ctypes.byref(frame), ctypes.byref(error)
            )
            self.glib.check(error)
            assert ok
            return ctypes.string_at(frame, size.value)

        return self._parse(data, parse)  # type: ignore[return-value]

    def printable(self, data: bytes) -> str:
        return self._parse(  # type: ignore[return-value]
            data, lambda m: self.glib.take_string(self.lib.mbim_message_get_printable(m, b"", 0))
        )


class QmiFrame:
    """A QMUX frame parsed by libqmi, read with libqmi's own TLV readers."""

    def __init__(self, qmi: Qmi, data: bytes) -> None:
        self.qmi = qmi
        lib, glib = qmi.lib, qmi.glib
        raw = glib.lib.g_byte_array_new()
        glib.lib.g_byte_array_append(raw, data, len(data))
        error = ctypes.POINTER(GError)()
        self.message = lib.qmi_message_new_from_raw(raw, ctypes.byref(error))
        left = raw.contents.len
        glib.lib.g_byte_array_unref(raw)
        glib.check(error)
        if not self.message:
            raise LibraryError("libqmi found no complete QMI message")
        if left:
            raise LibraryError(f"libqmi left {left} bytes unparsed")
        self.service = lib.qmi_message_get_service(self.message)
        self.client_id = lib.qmi_message_get_client_id(self.message)
        self.transaction_id = lib.qmi_message_get_transaction_id(self.message)
        self.message_id = lib.qmi_message_get_message_id(self.message)
        self.is_request = bool(lib.qmi_message_is_request(self.message))
        self.is_response = bool(lib.qmi_message_is_response(self.message))

    def close(self) -> None:
        if self.message:
            self.qmi.lib.qmi_message_unref(self.message)
            self.message = None

    def __enter__(self) -> QmiFrame:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _tlv(self, tlv_type: int) -> int:
        length, error = ctypes.c_uint16(), ctypes.POINTER(GError)()
        offset = self.qmi.lib.qmi_message_tlv_read_init(
            self.message, tlv_type, ctypes.byref(length), ctypes.byref(error)
        )
        self.qmi.glib.check(error)
        return offset

    def u8(self, tlv_type: int, at: int = 0) -> int:
        tlv, offset, out, error = (
            self._tlv(tlv_type),
            ctypes.c_size_t(at),
            ctypes.c_uint8(),
            ctypes.POINTER(GError)(),
        )
        ok = self.qmi.lib.qmi_message_tlv_read_guint8(
            self.message, tlv, ctypes.byref(offset), ctypes.byref(out), ctypes.byref(error)
        )
        self.qmi.glib.check(error)
        assert ok
        return out.value

    def u16(self, tlv_type: int, at: int) -> int:
        tlv, offset, out, error = (
            self._tlv(tlv_type),
            ctypes.c_size_t(at),
            ctypes.c_uint16(),
            ctypes.POINTER(GError)(),
        )
        ok = self.qmi.lib.qmi_message_tlv_read_guint16(
            self.message, tlv, ctypes.byref(offset), QMI_ENDIAN_LITTLE, ctypes.byref(out), ctypes.byref(error)
        )
        self.qmi.glib.check(error)
        assert ok
        return out.value

    def string(self, tlv_type: int) -> str:
        """A whole-TLV string, as libqmi reads one (no size prefix, all the bytes)."""
        tlv, offset, out, error = (
            self._tlv(tlv_type),
            ctypes.c_size_t(0),
            ctypes.c_void_p(),
            ctypes.POINTER(GError)(),
        )
        ok = self.qmi.lib.qmi_message_tlv_read_string(
            self.message, tlv, ctypes.byref(offset), 0, 0, ctypes.byref(out), ctypes.byref(error)
        )
        self.qmi.glib.check(error)
        assert ok
        return self.qmi.glib.take_string(out.value)

    def result(self) -> tuple[int, int]:
        """(status, error) of the result TLV 0x02."""
        return self.u16(0x02, 0), self.u16(0x02, 2)

    def tlv_types(self) -> list[int]:
        """The TLV types in wire order, as libqmi walks them."""
        found: list[int] = []
        callback = FOREACH_TLV(lambda tlv_type, value, length, data: found.append(tlv_type))
        self.qmi.lib.qmi_message_foreach_raw_tlv(self.message, callback, None)
        return found

    def printable(self, vendor: int = 0) -> str:
        lib = self.qmi.lib
        context = lib.qmi_message_context_new()
        lib.qmi_message_context_set_vendor_id(context, vendor)
        try:
            return self.qmi.glib.take_string(lib.qmi_message_get_printable_full(self.message, context, b""))
        finally:
            lib.qmi_message_context_unref(context)


class Qmi:
    def __init__(self, glib: Glib) -> None:
        self.glib = glib
        self.lib = load(QMI_SONAME)
        SIZE = ctypes.c_size_t
        _signatures(
            self.lib,
            {
                "qmi_message_new_from_raw": (P, [ctypes.POINTER(GByteArray), PERR]),
                "qmi_message_new": (P, [ctypes.c_int, ctypes.c_uint8, ctypes.c_uint16, ctypes.c_uint16]),
                "qmi_message_add_raw_tlv": (ctypes.c_int, [P, ctypes.c_uint8, ctypes.c_char_p, SIZE, PERR]),
                "qmi_message_get_raw": (P, [P, ctypes.POINTER(SIZE), PERR]),
                "qmi_message_unref": (None, [P]),
                "qmi_message_get_service": (ctypes.c_int, [P]),
                "qmi_message_get_client_id": (ctypes.c_uint8, [P]),
                "qmi_message_get_transaction_id": (ctypes.c_uint16, [P]),
                "qmi_message_get_message_id": (ctypes.c_uint16, [P]),
                "qmi_message_is_request": (ctypes.c_int, [P]),
                "qmi_message_is_response": (ctypes.c_int, [P]),
                "qmi_message_tlv_read_init": (
                    SIZE,
                    [P, ctypes.c_uint8, ctypes.POINTER(ctypes.c_uint16), PERR],
                ),
                "qmi_message_tlv_read_guint8": (
                    ctypes.c_int,
                    [P, SIZE, ctypes.POINTER(SIZE), ctypes.POINTER(ctypes.c_uint8), PERR],
                ),
                "qmi_message_tlv_read_guint16": (
                    ctypes.c_int,
                    [P, SIZE, ctypes.POINTER(SIZE), ctypes.c_int, ctypes.POINTER(ctypes.c_uint16), PERR],
                ),
                "qmi_message_tlv_read_string": (
                    ctypes.c_int,
                    [P, SIZE, ctypes.POINTER(SIZE), ctypes.c_uint8, ctypes.c_uint16, ctypes.POINTER(P), PERR],
                ),
                "qmi_message_foreach_raw_tlv": (None, [P, FOREACH_TLV, P]),
                "qmi_message_context_new": (P, []),
                "qmi_message_context_set_vendor_id": (None, [P, ctypes.c_uint16]),
                "qmi_message_context_unref": (None, [P]),
                "qmi_message_get_printable_full": (P, [P, P, ctypes.c_char_p]),
            },
        )

    def parse(self, data: bytes) -> QmiFrame:
        return QmiFrame(self, data)

    def build(
        self, service: int, client_id: int, tid: int, message_id: int, tlvs: list[tuple[int, bytes]]
    ) -> bytes:
        """A frame libqmi builds from raw TLVs (its typed builders are private)."""
        message = self.lib.qmi_message_new(service, client_id, tid, message_id)
        try:
            for tlv_type, value in tlvs:
                error = ctypes.POINTER(GError)()
                self.lib.qmi_message_add_raw_tlv(message, tlv_type, value, len(value), ctypes.byref(error))
                self.glib.check(error)
            length, error = ctypes.c_size_t(), ctypes.POINTER(GError)()
            data = self.lib.qmi_message_get_raw(message, ctypes.byref(length), ctypes.byref(error))
            self.glib.check(error)
            return ctypes.string_at(data, length.value)
        finally:
            self.lib.qmi_message_unref(message)
