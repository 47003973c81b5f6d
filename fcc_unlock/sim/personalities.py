"""Vendor personalities of the simulated modem: what it reports and how it unlocks.

A personality owns the vendor-specific parts: identity strings, extra MBIM services,
the QMI services it offers, and the handlers for its QMI or vendor MBIM requests.
The lock state itself lives in the model (``SimModem.locked``).
"""

from __future__ import annotations

from fcc_unlock.mbim.basic_connect import CONTROL_CAPS_HW_RADIO_SWITCH, DeviceCaps, DeviceService
from fcc_unlock.mbim.messages import Command, CommandDone
from fcc_unlock.qmi import _structs as qwire
from fcc_unlock.qmi import dms
from fcc_unlock.qmi import messages as qmi
from fcc_unlock.qmi.constants import DmsMessage, OperatingMode, Service
from fcc_unlock.qmi.errors import QmiError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fcc_unlock.sim.model import SimModem


class Personality:
    name = "generic"
    model = "Generic MBIM modem"
    ids = "0000:0000"  # USB or PCI vendor:product it presents
    unlock_kind = "unlock"
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

    def vendor_services(self) -> list[DeviceService]:
        return []

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
            return qmi.response_to(request, ((dms.MODE_TLV, qwire.U8.pack(current)), (0x11, restricted)))
        if request.message_id == DmsMessage.SET_OPERATING_MODE:
            try:
                mode = dms.u8_value(request, dms.MODE_TLV)
            except qmi.DecodeError:
                return qmi.response_to(request, error=QmiError.MISSING_ARGUMENT)
            if mode == OperatingMode.ONLINE:
                if modem.locked:
                    # What a locked EM7455 answers (ModemManager, protocol.md §2.5).
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


PERSONALITIES: dict[str, type[Personality]] = {"sierra": Sierra}
