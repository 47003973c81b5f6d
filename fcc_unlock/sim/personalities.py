"""Vendor personalities of the simulated modem: what it reports and how it unlocks.

A personality owns the vendor-specific parts: identity strings, extra MBIM services,
the QMI services it offers, and the handlers for its QMI or vendor MBIM requests.
The lock state itself lives in the model (``SimModem.locked``).
"""

from __future__ import annotations

from fcc_unlock.mbim import constants as mbim
from fcc_unlock.mbim import quectel
from fcc_unlock.mbim.basic_connect import CONTROL_CAPS_HW_RADIO_SWITCH, DeviceCaps, DeviceService
from fcc_unlock.mbim.messages import Command, CommandDone, DecodeError
from fcc_unlock.qmi import _structs as qwire
from fcc_unlock.qmi import dms
from fcc_unlock.qmi import messages as qmi
from fcc_unlock.qmi.constants import DmsMessage, FirmwareVersionType, OperatingMode, Service
from fcc_unlock.qmi.errors import QmiError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fcc_unlock.sim.model import SimModem


class Personality:
    name = "generic"
    model = "Generic MBIM modem"
    ids = "0000:0000"  # USB or PCI vendor:product it presents
    unlock_kind = "unlock"
    has_qmi_service = True  # lists the MBIM QMI service (QMI over MBIM)
    qmi_services: tuple[int, ...] = (Service.DMS,)
    imei = "359072060000000"
    firmware = "SIM_0.1"
    hardware = "SIM"

    def device_caps(self) -> DeviceCaps:
        return DeviceCaps(
            device_type=1,  # embedded
            cellular_class=1,  # GSM
            voice_class=1,  # no voice
            sim_class=2,  # removable
            data_class=0x3F,  # GPRS .. LTE
            sms_caps=3,
            control_caps=CONTROL_CAPS_HW_RADIO_SWITCH,
            max_sessions=8,
            device_id=self.imei,
            firmware_info=self.firmware,
            hardware_info=self.hardware,
        )

    def vendor_services(self, modem: SimModem) -> list[DeviceService]:
        return []

    def offers_qmi_service(self, modem: SimModem, service: int) -> bool:
        """Whether CTL Allocate CID grants a client of ``service``."""
        return service in self.qmi_services

    def version_info_tlv(self) -> tuple[int, bytes]:
        """CTL Get Version Info TLV 0x01: count, then {service, major, minor}."""
        services = [(Service.CTL, 1, 5), *((s, 1, 14) for s in self.qmi_services)]
        body = bytes([len(services)]) + b"".join(
            qwire.U8.pack(s) + qwire.U16.pack(major) + qwire.U16.pack(minor) for s, major, minor in services
        )
        return (0x01, body)

    def qmi_kind(self, request: qmi.QmiMessage) -> str | None:
        if request.service != Service.DMS:
            return None
        return {
            DmsMessage.GET_IDS: "get-ids",
            DmsMessage.GET_OPERATING_MODE: "get-operating-mode",
            DmsMessage.SET_OPERATING_MODE: "set-operating-mode",
        }.get(request.message_id)  # type: ignore[call-overload]

    def handle_qmi(self, modem: SimModem, request: qmi.QmiMessage) -> qmi.QmiMessage | None:
        """The response to a request of an allocated client; None: unknown message."""
        if request.service != Service.DMS:
            return None
        if request.message_id == DmsMessage.GET_IDS:
            return qmi.response_to(request, ((dms.IMEI_TLV, self.imei.encode("ascii")),))
        if request.message_id == DmsMessage.GET_OPERATING_MODE:
            current = OperatingMode.ONLINE if modem.software_radio_on else OperatingMode.LOW_POWER
            restricted = qwire.U8.pack(0 if modem.hardware_radio_on else 1)
            return qmi.response_to(
                request, ((dms.MODE_TLV, qwire.U8.pack(current)), (dms.HARDWARE_RESTRICTED_TLV, restricted))
            )
        if request.message_id == DmsMessage.SET_OPERATING_MODE:
            try:
                mode = dms.u8_value(request, dms.MODE_TLV)
            except qmi.DecodeError:
                return qmi.response_to(request, error=QmiError.MISSING_ARGUMENT)
            if mode == OperatingMode.ONLINE:
                if modem.locked:
                    # What a locked EM7455 answers (ModemManager, docs/protocol.md §2.5).
                    return qmi.response_to(request, error=QmiError.INVALID_TRANSITION)
                modem.radio_on()
            elif mode == OperatingMode.LOW_POWER:
                modem.software_radio_on = False
            return qmi.response_to(request)
        return None

    def vendor_kind(self, command: Command) -> str | None:
        return None

    def handle_vendor(self, modem: SimModem, command: Command) -> CommandDone | None:
        return None


class Sierra(Personality):
    """Sierra EM7455-like: unlocked by QMI DMS Set FCC Authentication (0x555F)."""

    name = "sierra"
    model = "Sierra Wireless EM7455 (Lenovo)"
    ids = "1199:9079"
    unlock_kind = "fcc-auth"
    firmware = "SWI9X30C_02.24.05.06"
    hardware = "EM7455"

    def qmi_kind(self, request: qmi.QmiMessage) -> str | None:
        if request.service == Service.DMS and request.message_id == DmsMessage.SET_FCC_AUTHENTICATION:
            return "fcc-auth"
        return super().qmi_kind(request)

    def handle_qmi(self, modem: SimModem, request: qmi.QmiMessage) -> qmi.QmiMessage | None:
        if request.service == Service.DMS and request.message_id == DmsMessage.SET_FCC_AUTHENTICATION:
            if modem.faults.qmi_error:
                return qmi.response_to(request, error=modem.faults.qmi_error)
            modem.unlock()
            return qmi.response_to(request)
        return super().handle_qmi(modem, request)


class Foxconn(Personality):
    """Foxconn T99W175 (SDX55)-like: unlocked by QMI 0x5571 v2 with the right magic.

    It checks the v2 magic against its own firmware strings and IMEI, computed here
    independently of the client (the simulator never imports the client side). Knobs:
    ``old_firmware`` (v1 only), ``wrong_magic`` (expects another key), ``fox_service``
    (the Foxconn messages live on QMI service 0xE3, DMS answers InvalidQmiCommand).
    Which QMI errors real firmware gives for a bad magic or an unknown variant is not
    documented; the client treats every error alike, so these are stand-ins.
    """

    name = "foxconn"
    model = "Foxconn T99W175 (SDX55, Lenovo)"
    ids = "105b:e0ab"
    unlock_kind = "foxconn-auth"
    # The strings of docs/protocol.md §4.8's test vector: its magic is
    # salt1f325d68c16d5cb455784554cb3e9500.
    firmware_mcfg = "T99W175.F0.1.0.0.9.GC.004.013"
    firmware_apps = "T99W175.F0.0.0.9.1.GC.004"
    imei = "123456789012345"
    firmware = "T99W175.F0.1.0.0.9.GC.004"
    hardware = "T99W175"
    key = "foxc"
    other_key = "foxd"  # what a firmware with ``wrong_magic`` expects instead
    refused = QmiError.AUTHENTICATION_FAILED  # stand-in: the answer to a wrong magic
    magic_number = 48

    def offers_qmi_service(self, modem: SimModem, service: int) -> bool:
        return service == Service.DMS or (service == Service.FOX and modem.faults.fox_service is not None)

    def expected_magic(self, modem: SimModem) -> str:
        """The v2 magic this modem accepts (docs/protocol.md §4.8)."""
        import hashlib

        trimmed = ".".join(self.firmware_mcfg.split(".")[:-2])
        key = self.other_key if modem.faults.wrong_magic else self.key
        text = f"{trimmed}{self.firmware_apps}{self.imei}salt{key}"
        return "salt" + hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()

    def qmi_kind(self, request: qmi.QmiMessage) -> str | None:
        if request.service in (Service.DMS, Service.FOX):
            if request.message_id == DmsMessage.FOXCONN_GET_FIRMWARE_VERSION:
                return "foxconn-version"
            if request.message_id == DmsMessage.FOXCONN_SET_FCC_AUTHENTICATION:
                return "foxconn-auth"
        return super().qmi_kind(request)

    def handle_qmi(self, modem: SimModem, request: qmi.QmiMessage) -> qmi.QmiMessage | None:
        moved = modem.faults.fox_service
        if request.service in (Service.DMS, Service.FOX):
            on_dms = request.service == Service.DMS
            if request.message_id == DmsMessage.FOXCONN_GET_FIRMWARE_VERSION:
                if on_dms and moved == "all":
                    return qmi.response_to(request, error=QmiError.INVALID_QMI_COMMAND)
                return self._firmware_version(request)
            if request.message_id == DmsMessage.FOXCONN_SET_FCC_AUTHENTICATION:
                if on_dms and moved is not None:
                    return qmi.response_to(request, error=QmiError.INVALID_QMI_COMMAND)
                return self._authenticate(modem, request, v1_known=on_dms)
        return super().handle_qmi(modem, request)

    def _firmware_version(self, request: qmi.QmiMessage) -> qmi.QmiMessage:
        try:
            version_type = dms.u8_value(request, dms.VERSION_TLV)
        except qmi.DecodeError:
            return qmi.response_to(request, error=QmiError.MISSING_ARGUMENT)
        version = {
            FirmwareVersionType.FIRMWARE_MCFG: self.firmware_mcfg,
            FirmwareVersionType.FIRMWARE_MCFG_APPS: f"{self.firmware_mcfg}_{self.firmware_apps}",
            FirmwareVersionType.APPS: self.firmware_apps,
        }.get(version_type)  # type: ignore[call-overload]
        if version is None:
            return qmi.response_to(request, error=QmiError.INVALID_ARGUMENT)
        return qmi.response_to(request, ((dms.VERSION_TLV, version.encode("ascii")),))

    def _authenticate(self, modem: SimModem, request: qmi.QmiMessage, v1_known: bool) -> qmi.QmiMessage:
        if modem.faults.qmi_error:
            return qmi.response_to(request, error=modem.faults.qmi_error)
        order = [tlv_type for tlv_type, _ in request.tlvs]
        if order == [dms.MAGIC_STRING_TLV] and v1_known:
            # v1: one byte. Firmware since the 2022 update refuses it.
            if len(request.tlvs[0][1]) != 1:
                return qmi.response_to(request, error=QmiError.MALFORMED_MESSAGE)
            if not modem.faults.old_firmware:
                return qmi.response_to(request, error=self.refused)
        elif order == [dms.MAGIC_STRING_TLV, dms.MAGIC_NUMBER_TLV]:
            # v2: the string, then the number; old firmware knows only the one byte.
            if modem.faults.old_firmware:
                return qmi.response_to(request, error=QmiError.MALFORMED_MESSAGE)
            magic = request.tlvs[0][1].decode("ascii", errors="replace")
            number = request.tlvs[1][1]
            if number != bytes([self.magic_number]) or magic != self.expected_magic(modem):
                return qmi.response_to(request, error=self.refused)
        elif order == [dms.MAGIC_NUMBER_TLV, dms.MAGIC_STRING_TLV]:
            # libqmi d63110fa: the firmware rejects v2 with the TLVs the other way round.
            return qmi.response_to(request, error=QmiError.INVALID_ARGUMENT)
        else:
            return qmi.response_to(request, error=QmiError.MISSING_ARGUMENT)
        modem.unlock()
        return qmi.response_to(request)


class Quectel(Personality):
    """Quectel EM120R-GL-like: the vendor MBIM service's RADIO_STATE (CID 1).

    QUERY answers 4 while FCC-locked, else 1 (radio on) or 0 (off); SET ON unlocks
    and switches the radio on (as far as the hardware switch allows), with an empty
    reply body like the real module. No QMI service. Knobs: ``no_vendor_service``,
    ``mbim_status`` (the status the SET ON gets instead of success).
    """

    name = "quectel"
    model = "Quectel EM120R-GL"
    ids = "1eac:1001"
    unlock_kind = "quectel-set-radio-state"
    has_qmi_service = False
    qmi_services = ()
    firmware = "EM120RGLAPR02A07M4G"
    hardware = "EM120R-GL"

    def vendor_services(self, modem: SimModem) -> list[DeviceService]:
        if modem.faults.no_vendor_service:
            return []
        return [DeviceService(mbim.QUECTEL, (mbim.QUECTEL_RADIO_STATE_CID,))]

    def radio_state(self, modem: SimModem) -> int:
        if modem.locked:
            return mbim.QuectelRadioState.FCC_LOCKED
        if modem.software_radio_on and modem.hardware_radio_on:
            return mbim.QuectelRadioState.ON
        return mbim.QuectelRadioState.OFF

    def vendor_kind(self, command: Command) -> str | None:
        if command.service_id != mbim.QUECTEL:
            return None
        if command.command_type == mbim.CommandType.SET:
            return "quectel-set-radio-state"
        return "quectel-radio-state"

    def handle_vendor(self, modem: SimModem, command: Command) -> CommandDone | None:
        if command.service_id != mbim.QUECTEL or modem.faults.no_vendor_service:
            return None
        if command.cid != mbim.QUECTEL_RADIO_STATE_CID:
            return modem.done(command, mbim.Status.NO_DEVICE_SUPPORT)
        if command.command_type == mbim.CommandType.QUERY:
            return modem.done(command, payload=quectel.radio_state(self.radio_state(modem)))
        try:
            wanted = quectel.parse_radio_state(command.information_buffer)
        except DecodeError:
            return modem.done(command, mbim.Status.INVALID_PARAMETERS)
        if wanted == mbim.QuectelRadioState.ON:
            if modem.faults.mbim_status:
                return modem.done(command, modem.faults.mbim_status)
            modem.unlock()
            modem.radio_on()
        elif wanted == mbim.QuectelRadioState.OFF:
            modem.software_radio_on = False
        else:
            return modem.done(command, mbim.Status.INVALID_PARAMETERS)
        return modem.done(command)


PERSONALITIES: dict[str, type[Personality]] = {"sierra": Sierra, "foxconn": Foxconn, "quectel": Quectel}
