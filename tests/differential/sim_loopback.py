"""Our client and the simulated modem wired together in-process, every transfer recorded.

``Loopback`` is a transport for ``MbimSession``: each write goes straight into a
``SimModem`` and its replies queue up for ``read()``. ``log`` keeps every transfer in
order, exactly as it crossed the wire (one control transfer each, fragments apart), so
differential tests can hand what our client really sent, and what the simulator really
answered, to libmbim, libqmi and tshark. Bytes a test injects are kept apart.

``FLOWS`` drives the real client code (session, QMI client, Sierra method) through
every message it can send; other developers add vendor flows here.
"""

from __future__ import annotations

import struct
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

from fcc_unlock.errors import FccUnlockError
from fcc_unlock.mbim import constants as mbim
from fcc_unlock.mbim import messages as mbim_messages
from fcc_unlock.mbim.basic_connect import radio_state_set
from fcc_unlock.methods import sierra
from fcc_unlock.qmi import catalog
from fcc_unlock.qmi.constants import OperatingMode, Service
from fcc_unlock.session import MbimSession, QmiClient
from fcc_unlock.sim.faults import Faults
from fcc_unlock.sim.model import SimModem, Write
from fcc_unlock.sim.personalities import PERSONALITIES

FLOW_SECONDS = 5.0
TO_MODEM, TO_HOST = "->", "<-"


@dataclass(frozen=True)
class ModemState:
    hardware_radio_on: bool
    software_radio_on: bool
    locked: bool


class Loopback:
    def __init__(self, modem: SimModem, max_control_transfer: int = 4096) -> None:
        self.modem = modem
        self.max_control_transfer = max_control_transfer
        self.log: list[tuple[str, bytes]] = []  # (TO_MODEM or TO_HOST, one transfer)
        self.inject: deque[bytes] = deque()  # handed to the host before any reply
        self._replies: deque[bytes] = deque()
        self._states: dict[int, ModemState] = {}  # id(reply) -> the modem's state when it wrote it

    @property
    def to_modem(self) -> list[bytes]:
        return [data for direction, data in self.log if direction == TO_MODEM]

    @property
    def to_host(self) -> list[bytes]:
        return [data for direction, data in self.log if direction == TO_HOST]

    def state_when_sent(self, reply: bytes) -> ModemState:
        """The modem's radio and lock state when it wrote ``reply`` (one of ``to_host``)."""
        return self._states[id(reply)]

    def write(self, data: bytes, deadline: float) -> None:
        self.log.append((TO_MODEM, bytes(data)))
        actions = self.modem.receive_data(bytes(data), time.monotonic())
        state = ModemState(self.modem.hardware_radio_on, self.modem.software_radio_on, self.modem.locked)
        for action in actions:
            if isinstance(action, Write):
                self._replies.append(action.data)
                self._states[id(action.data)] = state  # the log keeps the bytes, so ids stay unique

    def read(self, deadline: float) -> bytes:
        if self.inject:
            return self.inject.popleft()
        if not self._replies:
            time.sleep(max(0.0, min(0.01, deadline - time.monotonic())))
            return b""
        data = self._replies.popleft()
        self.log.append((TO_HOST, data))
        return data


@dataclass
class Flow:
    """One scripted conversation: our client against a simulated modem."""

    name: str
    body: Callable[[MbimSession, Loopback], None]
    vendor: str = "sierra"
    faults: dict[str, object] = field(default_factory=dict)
    max_control_transfer: int = 4096
    unlocked: bool = False

    def run(self) -> Loopback:
        modem = SimModem(PERSONALITIES[self.vendor](), Faults(**self.faults))  # type: ignore[arg-type]
        modem.locked = not self.unlocked
        wire = Loopback(modem, self.max_control_transfer)
        deadline = time.monotonic() + FLOW_SECONDS
        session = MbimSession(wire, deadline, deadline + 1.0)
        with session:
            self.body(session, wire)
        return wire


def expect_failure(call: Callable[[], object]) -> None:
    """Run a request the simulated modem refuses; what matters here is the bytes."""
    try:
        call()
    except FccUnlockError:
        return
    raise AssertionError("the simulated modem was expected to refuse this request")


# --- the flows ------------------------------------------------------------------------


def sierra_unlock(session: MbimSession, wire: Loopback) -> None:
    sierra.unlock(session)


def basic_connect(session: MbimSession, wire: Loopback) -> None:
    session.command(mbim.BASIC_CONNECT, mbim.BasicConnectCid.DEVICE_CAPS, mbim.CommandType.QUERY)
    session.device_services()
    session.command(mbim.BASIC_CONNECT, mbim.BasicConnectCid.RADIO_STATE, mbim.CommandType.QUERY)
    # Locked: the modem answers OperationNotAllowed, which is still a COMMAND_DONE.
    session.command(
        mbim.BASIC_CONNECT, mbim.BasicConnectCid.RADIO_STATE, mbim.CommandType.SET, radio_state_set(True)
    )
    session.command(
        mbim.BASIC_CONNECT, mbim.BasicConnectCid.RADIO_STATE, mbim.CommandType.SET, radio_state_set(False)
    )


FOXCONN_MAGIC = "4f31dd6c8b2b9bea4fa5b6d4b4fca1e4"  # 32 hex digits, as the v2 magic is


def dms_requests(session: MbimSession, wire: Loopback) -> None:
    with QmiClient(session, Service.DMS) as client:
        client.call(catalog.GET_IDS)
        client.call(catalog.GET_OPERATING_MODE)
        expect_failure(lambda: client.call(catalog.SET_OPERATING_MODE, mode=OperatingMode.ONLINE))
        client.call(catalog.SET_OPERATING_MODE, mode=OperatingMode.LOW_POWER)
        # Foxconn messages: a Sierra modem answers InvalidQmiCommand; the requests are ours.
        expect_failure(lambda: client.call(catalog.FOXCONN_GET_FIRMWARE_VERSION, version_type=0))
        expect_failure(
            lambda: client.call(
                catalog.FOXCONN_SET_FCC_AUTHENTICATION_V2, magic_string=FOXCONN_MAGIC, magic_number=48
            )
        )
        expect_failure(lambda: client.call(catalog.FOXCONN_SET_FCC_AUTHENTICATION, magic=0))
        client.call(catalog.SET_FCC_AUTHENTICATION)
        client.call(catalog.SET_OPERATING_MODE, mode=OperatingMode.ONLINE)
        client.call(catalog.GET_OPERATING_MODE)  # now ONLINE
    session.command(mbim.BASIC_CONNECT, mbim.BasicConnectCid.RADIO_STATE, mbim.CommandType.QUERY)  # now on


def no_qmi_service(session: MbimSession, wire: Loopback) -> None:
    # The QMI probe fails, so the client asks DEVICE_SERVICES and gives up cleanly.
    expect_failure(lambda: QmiClient(session, Service.DMS).allocate())


def function_errors(session: MbimSession, wire: Loopback) -> None:
    # NOT_OPENED (played once: the modem lost the session) -> the client re-opens and
    # the command goes through; any other code fails the command.
    session.command(mbim.BASIC_CONNECT, mbim.BasicConnectCid.DEVICE_CAPS, mbim.CommandType.QUERY)
    expect_failure(
        lambda: session.command(mbim.BASIC_CONNECT, mbim.BasicConnectCid.RADIO_STATE, mbim.CommandType.QUERY)
    )


def stray_fragment(session: MbimSession, wire: Loopback) -> None:
    # Fragment 1 of 2 with nothing before it: the client answers with HOST_ERROR.
    orphan = bytearray(mbim_messages.CommandDone(0x77, mbim.BASIC_CONNECT, 1, 0, b"\0" * 8).encode())
    orphan[12:20] = (2).to_bytes(4, "little") + (1).to_bytes(4, "little")
    wire.inject.append(bytes(orphan))
    session.command(mbim.BASIC_CONNECT, mbim.BasicConnectCid.RADIO_STATE, mbim.CommandType.QUERY)


FLOWS = [
    Flow("sierra-unlock", sierra_unlock),
    Flow("basic-connect", basic_connect),
    Flow("dms-requests", dms_requests),
    Flow("no-qmi-service", no_qmi_service, faults={"no_qmi_service": True}),
    Flow(
        "function-error",
        function_errors,
        faults={
            "function_error": {
                "device-caps": mbim.ProtocolErrorCode.NOT_OPENED,
                "radio-state": mbim.ProtocolErrorCode.UNKNOWN,
            }
        },
    ),
    Flow("indications", sierra_unlock, faults={"indications": True}),
    Flow("stray-fragment", stray_fragment),
    # 64 bytes, MBIM's minimum: the modem fragments its replies, we fragment Foxconn v2.
    Flow("fragmented", dms_requests, faults={"max_control_transfer": 64}, max_control_transfer=64),
]


class FlowRuns:
    """Each flow of ``FLOWS`` run once, when first asked for, so that a broken flow
    fails only the tests that use it."""

    def __init__(self) -> None:
        self._runs: dict[str, Loopback] = {}

    def __getitem__(self, name: str) -> Loopback:
        if name not in self._runs:
            (flow,) = [flow for flow in FLOWS if flow.name == name]
            self._runs[name] = flow.run()
        return self._runs[name]

    def values(self) -> list[Loopback]:
        return [self[flow.name] for flow in FLOWS]


# --- fragments ------------------------------------------------------------------------

FRAGMENTED_TYPES = (0x00000003, 0x80000003, 0x80000007)  # COMMAND, COMMAND_DONE, INDICATE_STATUS
FRAGMENT_PREFIX = 20  # header (12) + fragment header (8)


def whole_messages(transfers: list[bytes]) -> list[tuple[bytes, list[bytes]]]:
    """Group transfers into messages: ``(whole message, the transfers that carried it)``.

    Fragments are joined as MBIM defines it (each later fragment's bytes after its
    20-byte prefix appended to the first; the header rewritten as fragment 0 of 1).
    Written here, independently of ``fcc_unlock.mbim.stream``, which is under test.
    """
    partial: dict[tuple[int, int], list[bytes]] = {}
    messages = []
    for data in transfers:
        message_type, _, tid = struct.unpack_from("<III", data)
        total = struct.unpack_from("<I", data, 12)[0] if message_type in FRAGMENTED_TYPES else 1
        if total <= 1:
            messages.append((data, [data]))
            continue
        current = struct.unpack_from("<I", data, 16)[0]
        key = (message_type, tid)
        pieces = partial.setdefault(key, [])
        assert current == len(pieces), f"fragment {current} of tid {tid} out of order"
        pieces.append(data)
        if len(pieces) == total:
            del partial[key]
            whole = bytearray(pieces[0]) + b"".join(piece[FRAGMENT_PREFIX:] for piece in pieces[1:])
            struct.pack_into("<IIIII", whole, 0, message_type, len(whole), tid, 1, 0)
            messages.append((bytes(whole), pieces))
    assert not partial, f"incomplete fragmented messages: {sorted(partial)}"
    return messages
