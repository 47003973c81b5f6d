"""QMI numbers: services, message ids, flags (libqmi qmi-enums.h, data/qmi-service-*.json).

See docs/protocol.md §3-§4.
"""

from __future__ import annotations

from enum import IntEnum

QMUX_MARKER = 0x01
QMUX_FLAG_FROM_SERVICE = 0x80  # set in every frame the modem sends
RESULT_TLV = 0x02


class Service(IntEnum):
    CTL = 0x00
    WDS = 0x01
    DMS = 0x02
    NAS = 0x03
    FOX = 0xE3


class Kind(IntEnum):
    """Request, response or indication; encoded differently for CTL and services."""

    REQUEST = 0
    RESPONSE = 1
    INDICATION = 2


# (CTL flags, service flags) for each kind
CTL_FLAGS = {Kind.REQUEST: 0x00, Kind.RESPONSE: 0x01, Kind.INDICATION: 0x02}
SERVICE_FLAGS = {Kind.REQUEST: 0x00, Kind.RESPONSE: 0x02, Kind.INDICATION: 0x04}


class CtlMessage(IntEnum):
    GET_VERSION_INFO = 0x0021
    ALLOCATE_CID = 0x0022
    RELEASE_CID = 0x0023
    SYNC = 0x0027  # never sent by us: it releases every client id, ModemManager's too


class DmsMessage(IntEnum):
    GET_IDS = 0x0025
    GET_OPERATING_MODE = 0x002D
    SET_OPERATING_MODE = 0x002E
    FOXCONN_GET_FIRMWARE_VERSION = 0x555E
    SET_FCC_AUTHENTICATION = 0x555F  # Sierra
    FOXCONN_SET_FCC_AUTHENTICATION = 0x5571  # v1 (u8) and v2 (string + u8)


class FoxMessage(IntEnum):
    """The Foxconn vendor service (0xE3): same ids and layouts as the DMS variants."""

    GET_FIRMWARE_VERSION = 0x555E
    SET_FCC_AUTHENTICATION = 0x5571


class OperatingMode(IntEnum):
    ONLINE = 0
    LOW_POWER = 1
    FACTORY_TEST = 2
    OFFLINE = 3
    RESET = 4
    SHUTTING_DOWN = 5
    PERSISTENT_LOW_POWER = 6
    MODE_ONLY_LOW_POWER = 7
    UNKNOWN = 0xFF


class FirmwareVersionType(IntEnum):
    FIRMWARE_MCFG = 0
    FIRMWARE_MCFG_APPS = 1
    APPS = 2


MESSAGE_NAMES: dict[tuple[int, int], str] = {
    (Service.CTL, CtlMessage.GET_VERSION_INFO): "Get Version Info",
    (Service.CTL, CtlMessage.ALLOCATE_CID): "Allocate CID",
    (Service.CTL, CtlMessage.RELEASE_CID): "Release CID",
    (Service.CTL, CtlMessage.SYNC): "Sync",
    (Service.DMS, DmsMessage.GET_IDS): "Get IDs",
    (Service.DMS, DmsMessage.GET_OPERATING_MODE): "Get Operating Mode",
    (Service.DMS, DmsMessage.SET_OPERATING_MODE): "Set Operating Mode",
    (Service.DMS, DmsMessage.FOXCONN_GET_FIRMWARE_VERSION): "Foxconn Get Firmware Version",
    (Service.DMS, DmsMessage.SET_FCC_AUTHENTICATION): "Set FCC Authentication",
    (Service.DMS, DmsMessage.FOXCONN_SET_FCC_AUTHENTICATION): "Foxconn Set FCC Authentication",
    (Service.FOX, FoxMessage.GET_FIRMWARE_VERSION): "Get Firmware Version",
    (Service.FOX, FoxMessage.SET_FCC_AUTHENTICATION): "Set FCC Authentication",
}


def service_name(service: int) -> str:
    try:
        return Service(service).name
    except ValueError:
        return f"0x{service:02x}"


def message_name(service: int, message_id: int) -> str:
    return MESSAGE_NAMES.get((service, message_id)) or f"0x{message_id:04x}"
