"""Every MBIM service CID fcc-unlock or its simulated modem uses, declared once, as data.

Each entry names the service and CID, the simulator's kinds for a QUERY and a SET of
it (what fault knobs and transcripts call them), and the information buffers: of a
SET request, and of the answer (COMMAND_DONE or notification), each as a payload
codec (build from named fields, parse, describe for ``-v``). The session's
``query()``/``set()``, the simulator's dispatch, the fault kinds and the trace read
this table. Layouts and sources: docs/protocol.md §1-§2, §5.1, §5.5, §6 (the SIM and
network CIDs the simulator answers for ModemManager: docs/protocol.md §2.7).
"""

from __future__ import annotations

from fcc_unlock.mbim.constants import (
    BASIC_CONNECT,
    INTEL_FCC_LOCK_CID,
    INTEL_MUTUAL_AUTHENTICATION,
    PROXY_CONFIGURATION_CID,
    PROXY_CONTROL,
    PROXY_VERSION_CID,
    QUECTEL,
    QUECTEL_RADIO_STATE_CID,
    BasicConnectCid,
    CommandType,
    describe_service,
)
from fcc_unlock.mbim.messages import DecodeError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable


class Payload:
    """An information buffer: ``build(**fields) -> bytes``, ``parse(bytes)``, ``describe(parsed)``
    (the ``-v`` line; None keeps the trace to the header, as for the bulky capability
    and service lists).

    The codec functions are named, not imported: they live in the payload modules
    (basic_connect, cellular, quectel, proxy_control), which a run loads only when it
    uses one.
    """

    __slots__ = ("module", "build_name", "parse_name", "describe")

    def __init__(
        self, module: str, build: str, parse: str, describe: Callable[[Any], str] | None = None
    ) -> None:
        self.module = module
        self.build_name = build
        self.parse_name = parse
        self.describe = describe

    def _function(self, name: str) -> Callable[..., Any]:
        module = __import__(f"fcc_unlock.mbim.{self.module}", fromlist=[name])
        function: Callable[..., Any] = getattr(module, name)
        return function

    def build(self, **fields: Any) -> bytes:
        data: bytes = self._function(self.build_name)(**fields)
        return data

    def parse(self, buffer: bytes) -> Any:
        return self._function(self.parse_name)(buffer)


class Cid:
    """One CID of one service: its name, the simulator's kinds, its payloads."""

    __slots__ = ("service", "cid", "name", "query_kind", "set_kind", "set", "response", "set_response")

    def __init__(
        self,
        service: bytes,
        cid: int,
        name: str,
        query_kind: str | None,
        set_kind: str | None = None,
        set: Payload | None = None,
        response: Payload | None = None,
        set_response: Payload | None = None,
    ) -> None:
        self.service, self.cid, self.name = service, cid, name
        self.query_kind = query_kind  # None: not queried
        self.set_kind = set_kind or query_kind  # None: never set
        # The buffers: of a SET request, and of a COMMAND_DONE (or a notification).
        self.set, self.response = set, response
        # A SET's COMMAND_DONE, where it differs from the QUERY's (Intel FCC_LOCK).
        self.set_response = set_response or response

    def reply(self, command_type: int) -> Payload | None:
        """The payload of the COMMAND_DONE to a command of this type."""
        return self.set_response if command_type == CommandType.SET else self.response

    def kind(self, command_type: int) -> str | None:
        return self.set_kind if command_type == CommandType.SET else self.query_kind

    def __repr__(self) -> str:
        return f"Cid({describe_service(self.service)} {self.name})"


def _switch(value: int) -> str:
    return {0: "off", 1: "on"}.get(value, str(value))


def _quectel_state(state: int) -> str:
    from fcc_unlock.mbim.quectel import describe_radio_state

    return f"Quectel radio state = {describe_radio_state(state)}"


def _proxy_version(value: tuple[int, int]) -> str:
    from fcc_unlock.mbim.proxy_control import describe_version

    return f"MBIM {describe_version(value[0])}, MBIMEx {describe_version(value[1])}"


DEVICE_CAPS = Cid(
    BASIC_CONNECT,
    BasicConnectCid.DEVICE_CAPS,
    "DEVICE_CAPS",
    "device-caps",
    response=Payload("basic_connect", "device_caps", "parse_device_caps"),
)
RADIO_STATE = Cid(
    BASIC_CONNECT,
    BasicConnectCid.RADIO_STATE,
    "RADIO_STATE",
    "radio-state",
    set=Payload(
        "basic_connect", "radio_state_set", "parse_radio_state_set", lambda on: f"radio state = {_switch(on)}"
    ),
    response=Payload(
        "basic_connect",
        "radio_state",
        "parse_radio_state",
        lambda state: f"hardware radio = {_switch(state[0])}, software radio = {_switch(state[1])}",
    ),
)
DEVICE_SERVICES = Cid(
    BASIC_CONNECT,
    BasicConnectCid.DEVICE_SERVICES,
    "DEVICE_SERVICES",
    "device-services",
    response=Payload("basic_connect", "device_services", "parse_device_services"),
)
_SUBSCRIPTIONS = Payload("basic_connect", "subscribe_list", "parse_subscribe_list")
SUBSCRIBE_LIST = Cid(
    BASIC_CONNECT,
    BasicConnectCid.DEVICE_SERVICE_SUBSCRIBE_LIST,
    "DEVICE_SERVICE_SUBSCRIBE_LIST",
    None,
    set_kind="subscribe-list",
    set=_SUBSCRIPTIONS,
    response=_SUBSCRIPTIONS,
)


# The SIM and the network (docs/protocol.md §2.7): the unlocks never ask them; the
# simulator answers them, because ModemManager does ask while it enables a modem.
def _record(record: Any) -> str:
    """The ``-v`` line of a mbim/cellular.py record (it knows its own words)."""
    line: str = record.describe()
    return line


SUBSCRIBER_READY_STATUS = Cid(
    BASIC_CONNECT,
    BasicConnectCid.SUBSCRIBER_READY_STATUS,
    "SUBSCRIBER_READY_STATUS",
    "subscriber-ready-status",
    response=Payload("cellular", "subscriber_ready_status", "parse_subscriber_ready_status", _record),
)
PIN = Cid(
    BASIC_CONNECT,
    BasicConnectCid.PIN,
    "PIN",
    "pin",
    set=Payload("cellular", "pin_set", "parse_pin_set", _record),
    response=Payload("cellular", "pin_info", "parse_pin_info", _record),
)
HOME_PROVIDER = Cid(
    BASIC_CONNECT,
    BasicConnectCid.HOME_PROVIDER,
    "HOME_PROVIDER",
    "home-provider",
    response=Payload("cellular", "provider", "parse_provider", _record),
)
REGISTER_STATE = Cid(
    BASIC_CONNECT,
    BasicConnectCid.REGISTER_STATE,
    "REGISTER_STATE",
    "register-state",
    set=Payload("cellular", "register_state_set", "parse_register_state_set", _record),
    response=Payload("cellular", "registration_state", "parse_registration_state", _record),
)
PACKET_SERVICE = Cid(
    BASIC_CONNECT,
    BasicConnectCid.PACKET_SERVICE,
    "PACKET_SERVICE",
    "packet-service",
    set=Payload("cellular", "packet_service_set", "parse_packet_service_set", _record),
    response=Payload("cellular", "packet_service", "parse_packet_service", _record),
)
SIGNAL_STATE = Cid(
    BASIC_CONNECT,
    BasicConnectCid.SIGNAL_STATE,
    "SIGNAL_STATE",
    "signal-state",
    set=Payload("cellular", "signal_state_set", "parse_signal_state_set", _record),
    response=Payload("cellular", "signal_state", "parse_signal_state", _record),
)
_QUECTEL_STATE = Payload("quectel", "radio_state", "parse_radio_state", _quectel_state)
QUECTEL_RADIO_STATE = Cid(
    QUECTEL,
    QUECTEL_RADIO_STATE_CID,
    "RADIO_STATE",
    "quectel-radio-state",
    set_kind="quectel-set-radio-state",
    set=_QUECTEL_STATE,
    response=_QUECTEL_STATE,  # the QUERY's answer; the SET's has no body
)


def _intel_reply(pair: tuple[int, int]) -> str:
    from fcc_unlock.mbim.intel import describe_reply

    return describe_reply(pair)


# The trace cannot tell a QUERY's reply from a SET's (both 8 bytes): describe_reply()
# names both readings; the session parses each by the command it answers.
INTEL_FCC_LOCK = Cid(
    INTEL_MUTUAL_AUTHENTICATION,
    INTEL_FCC_LOCK_CID,
    "FCC_LOCK",
    "intel-fcc-lock",
    set_kind="intel-set-fcc-lock",
    set=Payload(
        "intel",
        "fcc_lock_set",
        "parse_fcc_lock_set",
        lambda pair: f"FCC_LOCK response present = {pair[0]}, response = 0x{pair[1]:08x}",
    ),
    response=Payload("intel", "lock_state", "parse_lock_state", _intel_reply),
    set_response=Payload("intel", "challenge", "parse_challenge", _intel_reply),
)
PROXY_CONFIGURATION = Cid(
    PROXY_CONTROL,
    PROXY_CONFIGURATION_CID,
    "CONFIGURATION",
    None,
    set_kind="proxy-configuration",
    set=Payload(
        "proxy_control",
        "configuration",
        "parse_configuration",
        lambda value: f"device path {value[0]!r}, timeout {value[1]} s",
    ),
)
PROXY_VERSION = Cid(  # a notification the proxy sends
    PROXY_CONTROL,
    PROXY_VERSION_CID,
    "VERSION",
    None,
    response=Payload("proxy_control", "version", "parse_version", _proxy_version),
)

CIDS: tuple[Cid, ...] = (
    DEVICE_CAPS,
    RADIO_STATE,
    DEVICE_SERVICES,
    SUBSCRIBE_LIST,
    SUBSCRIBER_READY_STATUS,
    PIN,
    HOME_PROVIDER,
    REGISTER_STATE,
    PACKET_SERVICE,
    SIGNAL_STATE,
    QUECTEL_RADIO_STATE,
    INTEL_FCC_LOCK,
    PROXY_CONFIGURATION,
    PROXY_VERSION,
)
BY_ID: dict[tuple[bytes, int], Cid] = {(entry.service, entry.cid): entry for entry in CIDS}
KINDS: tuple[str, ...] = tuple(
    dict.fromkeys(k for entry in CIDS for k in (entry.query_kind, entry.set_kind) if k is not None)
)


def lookup(service: bytes, cid: int) -> Cid | None:
    return BY_ID.get((service, cid))


def describe_payload(service: bytes, cid: int, is_set: bool, reply: bool, buffer: bytes) -> str | None:
    """The ``-v`` line for an information buffer the catalogue can read, else None.

    ``is_set``: a SET request; ``reply``: a COMMAND_DONE or notification.
    """
    entry = lookup(service, cid)
    if entry is None:
        return None
    payload = entry.response if reply else (entry.set if is_set else None)
    if payload is None or payload.describe is None:
        return None
    try:
        return payload.describe(payload.parse(buffer))
    except DecodeError as error:
        return f"(undecodable: {error})"
