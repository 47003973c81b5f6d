"""Basic Connect payloads: DEVICE_CAPS, RADIO_STATE, DEVICE_SERVICES, SUBSCRIBE_LIST.

Both directions: the host decodes responses, the simulated modem builds them.
RADIO_STATE is fixed-size and uses the generated structs; the variable-size payloads
parse with the construct declarations (imported when first needed).
"""

from __future__ import annotations

from fcc_unlock.mbim import _structs as wire
from fcc_unlock.mbim.messages import DecodeError

# --- RADIO_STATE (CID 3) ----------------------------------------------------------


def radio_state_set(on: bool) -> bytes:
    return wire.RADIO_STATE_SET.pack(1 if on else 0)


def parse_radio_state_set(buffer: bytes) -> int:
    if len(buffer) < wire.RADIO_STATE_SET.size:
        raise DecodeError("RADIO_STATE set: buffer too short")
    state: int = wire.RADIO_STATE_SET.unpack_from(buffer)[0]
    return state


def radio_state(hardware_on: bool, software_on: bool) -> bytes:
    return wire.RADIO_STATE_INFO.pack(int(hardware_on), int(software_on))


def parse_radio_state(buffer: bytes) -> tuple[int, int]:
    """(hardware switch, software switch) of a RADIO_STATE response: 0 off, 1 on."""
    if len(buffer) < wire.RADIO_STATE_INFO.size:
        raise DecodeError(f"RADIO_STATE response of {len(buffer)} bytes is too short")
    return wire.RADIO_STATE_INFO.unpack_from(buffer)


# --- DEVICE_SERVICES (CID 16) -----------------------------------------------------


class DeviceService:
    __slots__ = ("service_id", "cids", "dss_payload", "max_dss_instances")

    def __init__(
        self, service_id: bytes, cids: tuple[int, ...], dss_payload: int = 0, max_dss_instances: int = 0
    ) -> None:
        self.service_id = service_id
        self.cids = cids
        self.dss_payload = dss_payload
        self.max_dss_instances = max_dss_instances

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DeviceService) and (self.service_id, self.cids) == (
            other.service_id,
            other.cids,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"DeviceService({self.service_id.hex()}, cids={self.cids})"


def device_services(services: list[DeviceService], max_dss_sessions: int = 0) -> bytes:
    from fcc_unlock.mbim import layouts
    from fcc_unlock.mbim.infobuffer import VariableData

    elements = [
        layouts.DeviceServiceElement.build(
            {
                "device_service_id": s.service_id,
                "dss_payload": s.dss_payload,
                "max_dss_instances": s.max_dss_instances,
                "cids_count": len(s.cids),
                "cids": list(s.cids),
            }
        )
        for s in services
    ]
    variable = VariableData(8 + 8 * len(elements))
    pairs = [variable.add(element) for element in elements]
    fixed = layouts.DeviceServicesFixed.build(
        {
            "device_services_count": len(elements),
            "max_dss_sessions": max_dss_sessions,
            "elements": pairs,
        }
    )
    return bytes(fixed) + bytes(variable.data)


def parse_device_services(buffer: bytes) -> list[DeviceService]:
    from fcc_unlock.mbim import layouts
    from fcc_unlock.mbim.infobuffer import parse, slice_ol

    fixed = parse(layouts.DeviceServicesFixed, buffer, "DEVICE_SERVICES")
    services = []
    for index, pair in enumerate(fixed.elements):  # type: ignore[attr-defined]
        raw = slice_ol(buffer, pair.offset, pair.size, f"DEVICE_SERVICES element {index}")
        element = parse(layouts.DeviceServiceElement, raw, f"DEVICE_SERVICES element {index}")
        services.append(
            DeviceService(
                element.device_service_id,  # type: ignore[attr-defined]
                tuple(element.cids),  # type: ignore[attr-defined]
                element.dss_payload,  # type: ignore[attr-defined]
                element.max_dss_instances,  # type: ignore[attr-defined]
            )
        )
    return services


# --- DEVICE_SERVICE_SUBSCRIBE_LIST (CID 19) ----------------------------------------


def subscribe_list(entries: list[tuple[bytes, tuple[int, ...]]]) -> bytes:
    from fcc_unlock.mbim import layouts
    from fcc_unlock.mbim.infobuffer import VariableData

    built = [
        layouts.SubscribeListEntry.build(
            {"device_service_id": service_id, "cids_count": len(cids), "cids": list(cids)}
        )
        for service_id, cids in entries
    ]
    variable = VariableData(4 + 8 * len(built))
    pairs = [variable.add(entry) for entry in built]
    fixed = layouts.SubscribeListFixed.build({"events_count": len(built), "entries": pairs})
    return bytes(fixed) + bytes(variable.data)


def parse_subscribe_list(buffer: bytes) -> list[tuple[bytes, tuple[int, ...]]]:
    from fcc_unlock.mbim import layouts
    from fcc_unlock.mbim.infobuffer import parse, slice_ol

    fixed = parse(layouts.SubscribeListFixed, buffer, "SUBSCRIBE_LIST")
    entries = []
    for index, pair in enumerate(fixed.entries):  # type: ignore[attr-defined]
        raw = slice_ol(buffer, pair.offset, pair.size, f"SUBSCRIBE_LIST entry {index}")
        entry = parse(layouts.SubscribeListEntry, raw, f"SUBSCRIBE_LIST entry {index}")
        entries.append((entry.device_service_id, tuple(entry.cids)))  # type: ignore[attr-defined]
    return entries


# --- DEVICE_CAPS (CID 1) ----------------------------------------------------------


class DeviceCaps:
    """The DEVICE_CAPS fields; the four strings are the OL members."""

    __slots__ = (
        "device_type",
        "cellular_class",
        "voice_class",
        "sim_class",
        "data_class",
        "sms_caps",
        "control_caps",
        "max_sessions",
        "custom_data_class",
        "device_id",
        "firmware_info",
        "hardware_info",
    )
    STRINGS = ("custom_data_class", "device_id", "firmware_info", "hardware_info")

    def __init__(
        self,
        device_type: int = 0,
        cellular_class: int = 0,
        voice_class: int = 0,
        sim_class: int = 0,
        data_class: int = 0,
        sms_caps: int = 0,
        control_caps: int = 0,
        max_sessions: int = 0,
        custom_data_class: str = "",
        device_id: str = "",
        firmware_info: str = "",
        hardware_info: str = "",
    ) -> None:
        self.device_type = device_type
        self.cellular_class = cellular_class
        self.voice_class = voice_class
        self.sim_class = sim_class
        self.data_class = data_class
        self.sms_caps = sms_caps
        self.control_caps = control_caps
        self.max_sessions = max_sessions
        self.custom_data_class = custom_data_class
        self.device_id = device_id  # the IMEI on 3GPP modems
        self.firmware_info = firmware_info
        self.hardware_info = hardware_info

    def __repr__(self) -> str:
        return f"DeviceCaps(device_id={self.device_id!r}, firmware_info={self.firmware_info!r})"


CONTROL_CAPS_HW_RADIO_SWITCH = 0x02


def device_caps(caps: DeviceCaps) -> bytes:
    from fcc_unlock.mbim import layouts
    from fcc_unlock.mbim.infobuffer import VariableData

    variable = VariableData(layouts.DeviceCapsFixed.sizeof())
    values = {name: getattr(caps, name) for name in DeviceCaps.__slots__}
    for name in DeviceCaps.STRINGS:
        values[name] = variable.add_string(values[name])
    return bytes(layouts.DeviceCapsFixed.build(values)) + bytes(variable.data)


def parse_device_caps(buffer: bytes) -> DeviceCaps:
    from fcc_unlock.mbim import layouts
    from fcc_unlock.mbim.infobuffer import parse, read_string

    fixed = parse(layouts.DeviceCapsFixed, buffer, "DEVICE_CAPS")
    values: dict[str, object] = {name: fixed[name] for name in DeviceCaps.__slots__}  # type: ignore[index]
    for name in DeviceCaps.STRINGS:
        pair = fixed[name]  # type: ignore[index]
        values[name] = read_string(buffer, pair.offset, pair.size, f"DEVICE_CAPS {name}")
    return DeviceCaps(**values)  # type: ignore[arg-type]
