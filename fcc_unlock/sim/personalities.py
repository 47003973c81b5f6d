"""Vendor personalities of the simulated modem: what it reports and how it unlocks.

A personality owns the vendor-specific parts: identity strings, extra MBIM services,
the QMI services it offers, and the handlers for its QMI or vendor MBIM requests.
The lock state itself lives in the model (``SimModem.locked``).
"""

from __future__ import annotations

from fcc_unlock.mbim import catalog as mbim_catalog
from fcc_unlock.mbim import constants as mbim
from fcc_unlock.mbim import intel
from fcc_unlock.mbim.basic_connect import CONTROL_CAPS_HW_RADIO_SWITCH, DeviceCaps, DeviceService
from fcc_unlock.mbim.messages import Command, CommandDone, DecodeError
from fcc_unlock.qmi import catalog
from fcc_unlock.qmi import messages as qmi
from fcc_unlock.qmi.constants import FirmwareVersionType, OperatingMode, Service
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

    def service_versions(self) -> list[tuple[int, int, int]]:
        """CTL Get Version Info: {service, major, minor} of every service offered."""
        return [(Service.CTL, 1, 5), *((s, 1, 14) for s in self.qmi_services)]

    def qmi_handlers(self) -> dict[str, str]:
        """Catalogue kind -> the name of the method that answers it (the QMI it knows)."""
        return {
            catalog.GET_IDS.kind: "_get_ids",
            catalog.GET_OPERATING_MODE.kind: "_get_operating_mode",
            catalog.SET_OPERATING_MODE.kind: "_set_operating_mode",
        }

    def handle_qmi(self, modem: SimModem, request: qmi.QmiMessage) -> qmi.QmiMessage | None:
        """The response to a request of an allocated client; None: a message it does not know."""
        message = catalog.lookup(request)
        if message is None or request.service not in self.handled_services(modem, message):
            return None
        handler = self.qmi_handlers().get(message.kind)
        if handler is None:
            return None
        try:
            values = catalog.parse(message, request)
        except qmi.DecodeError:
            return catalog.respond(message, request, QmiError.MISSING_ARGUMENT)
        response: qmi.QmiMessage = getattr(self, handler)(modem, message, request, values)
        return response

    def handled_services(self, modem: SimModem, message: catalog.Message) -> tuple[int, ...]:
        """Where this modem answers ``message`` (Foxconn moves some to its own service)."""
        return (Service.DMS,)

    def _get_ids(
        self, modem: SimModem, message: catalog.Message, request: qmi.QmiMessage, values: catalog.Values
    ) -> qmi.QmiMessage:
        return catalog.respond(message, request, imei=self.imei)

    def _get_operating_mode(
        self, modem: SimModem, message: catalog.Message, request: qmi.QmiMessage, values: catalog.Values
    ) -> qmi.QmiMessage:
        current = OperatingMode.ONLINE if modem.software_radio_on else OperatingMode.LOW_POWER
        return catalog.respond(
            message, request, mode=current, hardware_restricted=0 if modem.hardware_radio_on else 1
        )

    def _set_operating_mode(
        self, modem: SimModem, message: catalog.Message, request: qmi.QmiMessage, values: catalog.Values
    ) -> qmi.QmiMessage:
        mode = values["mode"]
        if mode == OperatingMode.ONLINE:
            if modem.locked:
                # What a locked EM7455 answers (ModemManager, docs/protocol.md §2.5).
                return catalog.respond(message, request, QmiError.INVALID_TRANSITION)
            modem.radio_on()
        elif mode == OperatingMode.LOW_POWER:
            modem.software_radio_on = False
        return catalog.respond(message, request)

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

    def qmi_handlers(self) -> dict[str, str]:
        return {**super().qmi_handlers(), catalog.SET_FCC_AUTHENTICATION.kind: "_fcc_auth"}

    def _fcc_auth(
        self, modem: SimModem, message: catalog.Message, request: qmi.QmiMessage, values: catalog.Values
    ) -> qmi.QmiMessage:
        if modem.faults.qmi_error:
            return catalog.respond(message, request, modem.faults.qmi_error)
        modem.unlock()
        return catalog.respond(message, request)


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

    def qmi_handlers(self) -> dict[str, str]:
        return {
            **super().qmi_handlers(),
            catalog.FOXCONN_GET_FIRMWARE_VERSION.kind: "_firmware_version",
            catalog.FOXCONN_SET_FCC_AUTHENTICATION.kind: "_authenticate",
        }

    def handle_qmi(self, modem: SimModem, request: qmi.QmiMessage) -> qmi.QmiMessage | None:
        message = catalog.lookup(request)
        moved = modem.faults.fox_service
        if message in (catalog.FOXCONN_SET_FCC_AUTHENTICATION, catalog.FOXCONN_SET_FCC_AUTHENTICATION_V2):
            if request.service == Service.DMS and moved is not None:
                return catalog.respond(message, request, QmiError.INVALID_QMI_COMMAND)
            # The TLVs decide the variant and its validity here, not the parser.
            return self._authenticate(modem, message, request, {})
        if message is catalog.FOXCONN_GET_FIRMWARE_VERSION and request.service == Service.DMS:
            if moved == "all":
                return catalog.respond(message, request, QmiError.INVALID_QMI_COMMAND)
        return super().handle_qmi(modem, request)

    def handled_services(self, modem: SimModem, message: catalog.Message) -> tuple[int, ...]:
        if message is catalog.FOXCONN_GET_FIRMWARE_VERSION:
            return (Service.DMS, Service.FOX)
        return (Service.DMS,)

    def _firmware_version(
        self, modem: SimModem, message: catalog.Message, request: qmi.QmiMessage, values: catalog.Values
    ) -> qmi.QmiMessage:
        version = {
            FirmwareVersionType.FIRMWARE_MCFG: self.firmware_mcfg,
            FirmwareVersionType.FIRMWARE_MCFG_APPS: f"{self.firmware_mcfg}_{self.firmware_apps}",
            FirmwareVersionType.APPS: self.firmware_apps,
        }.get(values["version_type"])
        if version is None:
            return catalog.respond(message, request, QmiError.INVALID_ARGUMENT)
        return catalog.respond(message, request, version=version)

    def _authenticate(
        self, modem: SimModem, message: catalog.Message, request: qmi.QmiMessage, values: catalog.Values
    ) -> qmi.QmiMessage:
        if modem.faults.qmi_error:
            return catalog.respond(message, request, modem.faults.qmi_error)
        v1_known = request.service == Service.DMS
        v1, v2 = catalog.FOXCONN_SET_FCC_AUTHENTICATION, catalog.FOXCONN_SET_FCC_AUTHENTICATION_V2
        present = {tlv_type for tlv_type, _ in request.tlvs}
        if message is v1 and present == {t.type for t in v1.request} and v1_known:
            # v1: one byte. Firmware since the 2022 update refuses it.
            try:
                catalog.parse(v1, request)
            except qmi.DecodeError:
                return catalog.respond(message, request, QmiError.MALFORMED_MESSAGE)
            if not modem.faults.old_firmware:
                return catalog.respond(message, request, self.refused)
        elif message is v2:
            if not catalog.in_order(v2, request):
                # The firmware rejects v2 with its TLVs the other way round (v2.strict_order).
                return catalog.respond(message, request, QmiError.INVALID_ARGUMENT)
            # v2: the string, then the number; old firmware knows only the one byte.
            if modem.faults.old_firmware:
                return catalog.respond(message, request, QmiError.MALFORMED_MESSAGE)
            try:
                got = catalog.parse(v2, request)
            except qmi.DecodeError:
                return catalog.respond(message, request, self.refused)
            if got["magic_number"] != self.magic_number or got["magic_string"] != self.expected_magic(modem):
                return catalog.respond(message, request, self.refused)
        else:
            return catalog.respond(message, request, QmiError.MISSING_ARGUMENT)
        modem.unlock()
        return catalog.respond(message, request)


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
        return [DeviceService(mbim.QUECTEL, (mbim_catalog.QUECTEL_RADIO_STATE.cid,))]

    def radio_state(self, modem: SimModem) -> int:
        if modem.locked:
            return mbim.QuectelRadioState.FCC_LOCKED
        if modem.software_radio_on and modem.hardware_radio_on:
            return mbim.QuectelRadioState.ON
        return mbim.QuectelRadioState.OFF

    def handle_vendor(self, modem: SimModem, command: Command) -> CommandDone | None:
        if command.service_id != mbim.QUECTEL or modem.faults.no_vendor_service:
            return None
        entry = mbim_catalog.QUECTEL_RADIO_STATE
        if command.cid != entry.cid:
            return modem.done(command, mbim.Status.NO_DEVICE_SUPPORT)
        if command.command_type == mbim.CommandType.QUERY:
            return modem.reply_with(command, entry, state=self.radio_state(modem))
        try:
            wanted = entry.set.parse(command.information_buffer)  # type: ignore[union-attr]
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


class IntelMbim(Personality):
    """Dell DW5823e (Intel XMM7560)-like: the Intel Mutual Authentication service's
    FCC_LOCK (CID 1), a challenge answered with the right key (docs/protocol.md §5.5).

    QUERY answers (lock mode 2, lock state 0) while locked, state 1 once unlocked;
    SET (0, 0) hands out a challenge (0x12345678 first, the reference's test vector);
    SET (1, response) unlocks when the response is SHA-256(challenge LE || key)[0:4],
    computed here with the simulator's own hashlib. A wrong response is answered with a
    fresh challenge (a stand-in: no source shows the real failure reply). No QMI.
    Knobs: ``no_vendor_service``, ``wrong_key`` (expects Lenovo's key), ``lock_disabled``
    (lock mode 0), ``mbim_status`` (the status the SET (1, response) gets).
    """

    name = "intel-mbim"
    model = "Dell DW5823e (Intel XMM7560, Fibocom L860R+)"
    ids = "8086:7560"
    unlock_kind = "intel-set-fcc-lock"
    has_qmi_service = False
    qmi_services = ()
    firmware = "81600.0000.00.29.21.36_5000"
    hardware = "L860R+"
    model_id = "DW5823EFCCLOCK"  # the key's model id this card expects (Dell's)
    other_model_id = "KHOIHGIUCCHHII"  # what a ``wrong_key`` modem expects instead
    first_challenge = 0x12345678
    locked_mode = 2  # the mode a real L850-GL reported while locked

    def __init__(self) -> None:
        self.challenge: int | None = None  # the one handed out last, until answered
        self.challenges_sent = 0

    def vendor_services(self, modem: SimModem) -> list[DeviceService]:
        if modem.faults.no_vendor_service:
            return []
        return [DeviceService(mbim.INTEL_MUTUAL_AUTHENTICATION, (mbim_catalog.INTEL_FCC_LOCK.cid,))]

    def expected_response(self, modem: SimModem, challenge: int) -> int:
        import hashlib

        model_id = self.other_model_id if modem.faults.wrong_key else self.model_id
        key = hashlib.sha256(model_id.encode()).digest()[:4]
        digest = hashlib.sha256(challenge.to_bytes(4, "little") + key).digest()
        return int.from_bytes(digest[:4], "little")

    def handle_vendor(self, modem: SimModem, command: Command) -> CommandDone | None:
        if command.service_id != mbim.INTEL_MUTUAL_AUTHENTICATION or modem.faults.no_vendor_service:
            return None
        entry = mbim_catalog.INTEL_FCC_LOCK
        if command.cid != entry.cid:
            return modem.done(command, mbim.Status.NO_DEVICE_SUPPORT)
        if command.command_type == mbim.CommandType.QUERY:
            mode = 0 if modem.faults.lock_disabled else self.locked_mode
            return modem.done(command, payload=intel.lock_state(mode, 0 if modem.locked else 1))
        try:
            present, response = entry.set.parse(command.information_buffer)  # type: ignore[union-attr]
        except DecodeError:
            return modem.done(command, mbim.Status.INVALID_PARAMETERS)
        if present == 0:
            return modem.done(command, payload=intel.challenge(1, self._new_challenge()))
        if present != 1:
            return modem.done(command, mbim.Status.INVALID_PARAMETERS)
        if modem.faults.mbim_status:
            return modem.done(command, modem.faults.mbim_status)
        asked, self.challenge = self.challenge, None
        if asked is None or response != self.expected_response(modem, asked):
            return modem.done(command, payload=intel.challenge(1, self._new_challenge()))
        modem.unlock()
        return modem.done(command, payload=intel.challenge(0, 0))

    def _new_challenge(self) -> int:
        self.challenge = (self.first_challenge + 0x01010101 * self.challenges_sent) & 0xFFFFFFFF
        self.challenges_sent += 1
        return self.challenge


class FoxconnE4(Personality):
    """Foxconn T99W696 (17cb:0308)-like: unlocked by QMI 0x5571 on service 0xE4 (FOXAP)
    with "salt" + md5hex(trimmed firmware-mcfg + apps + IMEI + salt + "FDE2") and '0'
    (docs/protocol.md §4.10). The firmware strings come from FOX 0xE3 0x555E; the 0x5571
    of DMS answers error 57, that of FOX MalformedMessage, as traced. The modem takes the
    salt from the string and checks the hash against its own strings, computed here
    independently. The firmware strings are invented; refusals are stand-ins.
    Knobs: ``wrong_magic`` (expects "FDE1"), ``no_vendor_service`` (no 0xE4 service),
    ``qmi_error`` (the answer to the unlock).
    """

    name = "foxconn-e4"
    model = "Foxconn T99W696"
    ids = "17cb:0308"
    unlock_kind = "foxap-auth"
    qmi_services = (Service.DMS, Service.FOX, Service.FOXAP)
    firmware_mcfg = "T99W696.F0.1.0.0.5.VF.009.011"
    firmware_apps = "T99W696.F0.0.0.5.2.VF.009"
    imei = "356789012345678"
    firmware = "T99W696.F0.1.0.0.5.VF.009"
    hardware = "T99W696"
    key = "FDE2"
    other_key = "FDE1"  # what a ``wrong_magic`` modem expects (DW5932e's, reportedly)
    refused = QmiError.AUTHENTICATION_FAILED  # stand-in: the answer to a wrong string
    dms_answer = QmiError.WMS_INVALID_MESSAGE_ID  # error 57, traced for DMS 0x5571

    def offers_qmi_service(self, modem: SimModem, service: int) -> bool:
        if service == Service.FOXAP and modem.faults.no_vendor_service:
            return False
        return service in self.qmi_services

    def expected_magic(self, modem: SimModem, salt: str) -> str:
        import hashlib

        trimmed = ".".join(self.firmware_mcfg.split(".")[:-2])
        key = self.other_key if modem.faults.wrong_magic else self.key
        text = f"{trimmed}{self.firmware_apps}{self.imei}{salt}{key}"
        return salt + hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()

    def qmi_handlers(self) -> dict[str, str]:
        return {
            **super().qmi_handlers(),
            catalog.FOXCONN_GET_FIRMWARE_VERSION.kind: "_firmware_version",
            catalog.FOXAP_SET_FCC_AUTHENTICATION.kind: "_authenticate",
        }

    def handled_services(self, modem: SimModem, message: catalog.Message) -> tuple[int, ...]:
        if message is catalog.FOXCONN_GET_FIRMWARE_VERSION:
            return (Service.FOX,)
        if message is catalog.FOXAP_SET_FCC_AUTHENTICATION:
            return (Service.FOXAP,)
        return (Service.DMS,)

    def handle_qmi(self, modem: SimModem, request: qmi.QmiMessage) -> qmi.QmiMessage | None:
        message = catalog.lookup(request)
        if message in (catalog.FOXCONN_SET_FCC_AUTHENTICATION, catalog.FOXCONN_SET_FCC_AUTHENTICATION_V2):
            if request.service == Service.DMS:
                return catalog.respond(message, request, self.dms_answer)
            return catalog.respond(message, request, QmiError.MALFORMED_MESSAGE)
        return super().handle_qmi(modem, request)

    def _firmware_version(
        self, modem: SimModem, message: catalog.Message, request: qmi.QmiMessage, values: catalog.Values
    ) -> qmi.QmiMessage:
        version = {
            FirmwareVersionType.FIRMWARE_MCFG: self.firmware_mcfg,
            FirmwareVersionType.APPS: self.firmware_apps,
        }.get(values["version_type"])
        if version is None:
            return catalog.respond(message, request, QmiError.INVALID_ARGUMENT)
        return catalog.respond(message, request, version=version)

    def _authenticate(
        self, modem: SimModem, message: catalog.Message, request: qmi.QmiMessage, values: catalog.Values
    ) -> qmi.QmiMessage:
        if modem.faults.qmi_error:
            return catalog.respond(message, request, modem.faults.qmi_error)
        magic, action = values["magic_string"], values["action"]
        if action not in ("0", "1"):
            return catalog.respond(message, request, QmiError.INVALID_ARGUMENT)
        if len(magic) != 36 or magic != self.expected_magic(modem, magic[:4]):
            return catalog.respond(message, request, self.refused)
        if action == "1":
            modem.locked = True
        else:
            modem.unlock()
        return catalog.respond(message, request)


PERSONALITIES: dict[str, type[Personality]] = {
    "sierra": Sierra,
    "foxconn": Foxconn,
    "quectel": Quectel,
    "intel-mbim": IntelMbim,
    "foxconn-e4": FoxconnE4,
}
