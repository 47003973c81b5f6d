"""QMI numbers: services, flags, enumerated values (libqmi qmi-enums*.h).

Message ids and TLVs are in catalog.py. See docs/protocol.md §3-§4.
"""

from __future__ import annotations

from fcc_unlock import IntNames

QMUX_MARKER = 0x01
QMUX_FLAG_FROM_SERVICE = 0x80  # set in every frame the modem sends
RESULT_TLV = 0x02


class Service(IntNames):
    CTL = 0x00
    WDS = 0x01
    DMS = 0x02
    NAS = 0x03
    FOX = 0xE3
    FOXAP = 0xE4  # Foxconn T99W696's unlock service (docs/protocol.md §4.10)


class Kind(IntNames):
    """Request, response or indication; encoded differently for CTL and services."""

    REQUEST = 0
    RESPONSE = 1
    INDICATION = 2


# (CTL flags, service flags) for each kind
CTL_FLAGS = {Kind.REQUEST: 0x00, Kind.RESPONSE: 0x01, Kind.INDICATION: 0x02}
SERVICE_FLAGS = {Kind.REQUEST: 0x00, Kind.RESPONSE: 0x02, Kind.INDICATION: 0x04}


class OperatingMode(IntNames):
    ONLINE = 0
    LOW_POWER = 1
    FACTORY_TEST = 2
    OFFLINE = 3
    RESET = 4
    SHUTTING_DOWN = 5
    PERSISTENT_LOW_POWER = 6
    MODE_ONLY_LOW_POWER = 7
    UNKNOWN = 0xFF


class FirmwareVersionType(IntNames):
    FIRMWARE_MCFG = 0
    FIRMWARE_MCFG_APPS = 1
    APPS = 2


def service_name(service: int) -> str:
    try:
        return Service(service).name
    except ValueError:
        return f"0x{service:02x}"


# Display names by (service, message id). catalog.py fills this as it declares each
# message, so the names are written once there and the frame codec needs no import
# of the catalogue (which imports it).
MESSAGE_NAMES: dict[tuple[int, int], str] = {}


def message_name(service: int, message_id: int) -> str:
    """The catalogue's name of a message, else its id in hex."""
    return MESSAGE_NAMES.get((service, message_id)) or f"0x{message_id:04x}"
