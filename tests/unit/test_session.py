"""MbimSession and QmiClient against a scripted in-process modem and a fake clock.

No pty, no threads, no sleeping: the fake transport hands the session whatever the
scripted modem queued, and when nothing is due it moves the fake clock forward to
the session's deadline (or the next scheduled reply). Every wait is therefore
exercised exactly at its deadline, fast and deterministically.
"""

from __future__ import annotations

import heapq
import itertools
import math
import re

import pytest

from fcc_unlock.errors import DeviceError, ProtocolError, Refused, Timeout, Unsupported
from fcc_unlock.mbim import basic_connect
from fcc_unlock.mbim import constants as mbim
from fcc_unlock.mbim.constants import BasicConnectCid, CommandType, ProtocolErrorCode, Status
from fcc_unlock.mbim.messages import (
    Close,
    CloseDone,
    Command,
    CommandDone,
    FunctionError,
    HostError,
    IndicateStatus,
    Message,
    Open,
    OpenDone,
    decode,
)
from fcc_unlock.mbim.stream import GAP_TIMEOUT, FragmentAssembler, MessageSplitter, fragment
from fcc_unlock.qmi import catalog
from fcc_unlock.qmi import messages as qmi
from fcc_unlock.qmi.constants import Service
from fcc_unlock.qmi.messages import QmiMessage, response_to
from fcc_unlock.session import (
    CLOSE_BEFORE_REOPEN_SECONDS,
    OPEN_ATTEMPT_SECONDS,
    QMI_PROBE_SECONDS,
    MbimSession,
    QmiClient,
    QmiFailure,
)

DEADLINE = 20.0
CLEANUP_DEADLINE = 21.0
CLIENT_ID = 7


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Modem:
    """A well-behaved modem with Basic Connect and QMI. Tests override the ``on_*``
    hooks; each returns the replies to send: Messages or raw bytes, each optionally
    as ``(delay, reply)`` to arrive that many seconds later."""

    def __init__(self) -> None:
        self.services = [mbim.BASIC_CONNECT, mbim.QMI]
        self.qmi_requests: list[QmiMessage] = []

    def on_open(self, message: Open) -> list:
        return [OpenDone(message.transaction_id, Status.NONE)]

    def on_close(self, message: Close) -> list:
        return [CloseDone(message.transaction_id, Status.NONE)]

    def on_command(self, message: Command) -> list:
        if message.service_id == mbim.QMI:
            request = qmi.decode(message.information_buffer)
            self.qmi_requests.append(request)
            response = self.on_qmi(request)
            if response is None:
                return []
            return [CommandDone(message.transaction_id, mbim.QMI, mbim.QMI_MSG_CID, 0, response.encode())]
        if (message.service_id, message.cid) == (mbim.BASIC_CONNECT, BasicConnectCid.DEVICE_SERVICES):
            return [self.device_services_reply(message)]
        return [CommandDone(message.transaction_id, message.service_id, message.cid, Status.NONE)]

    def device_services_reply(self, message: Command) -> CommandDone:
        listed = [basic_connect.DeviceService(s, (1,)) for s in self.services]
        return CommandDone(
            message.transaction_id,
            mbim.BASIC_CONNECT,
            BasicConnectCid.DEVICE_SERVICES,
            Status.NONE,
            basic_connect.device_services(listed),
        )

    def on_qmi(self, request: QmiMessage) -> QmiMessage | None:
        if request.service == Service.CTL and request.message_id == catalog.ALLOCATE_CID.message_id:
            return response_to(request, (catalog.client_tlv(catalog.requested_service(request), CLIENT_ID),))
        if request.service == Service.CTL and request.message_id == catalog.RELEASE_CID.message_id:
            return response_to(request, (catalog.client_tlv(*catalog.released_client(request)),))
        return response_to(request)

    def on_other(self, message: Message) -> list:
        return []  # HOST_ERROR and anything else: no answer


TRANSPORTS: list[FakeTransport] = []


class FakeTransport:
    """The transport surface of transport/__init__.py, wired to a Modem and the clock."""

    name = "fake"

    def __init__(self, clock: FakeClock, modem: Modem, max_control_transfer: int = 4096) -> None:
        self.clock = clock
        self.modem = modem
        self.max_control_transfer = max_control_transfer
        self.writes: list[tuple[float, bytes]] = []
        self.received: list[tuple[float, Message]] = []  # what the modem got, reassembled
        self.fail_writes: Exception | None = None
        self.reads = 0
        self._inbox: list[tuple[float, int, bytes]] = []
        self._order = itertools.count()
        self._splitter = MessageSplitter()
        self._assembler = FragmentAssembler()
        TRANSPORTS.append(self)

    # --- the transport surface ---

    def write(self, data: bytes, deadline: float) -> None:
        assert len(data) <= self.max_control_transfer, "a write larger than one control transfer"
        if self.fail_writes is not None:
            raise self.fail_writes
        self.writes.append((self.clock.now, data))
        self._splitter.feed(data)
        while (raw := self._splitter.next_message()) is not None:
            whole = self._assembler.add(raw, self.clock.now)
            if whole is not None:
                message = decode(whole)
                self.received.append((self.clock.now, message))
                self._answer(message)

    def read(self, deadline: float) -> bytes:
        self.reads += 1
        assert self.reads < 10_000, "the session keeps reading without its clock moving on"
        if not self._due():
            upcoming = self._inbox[0][0] if self._inbox else math.inf
            self.clock.now = max(self.clock.now, min(deadline, upcoming))
        if self._due():
            return heapq.heappop(self._inbox)[2]
        return b""

    def close(self) -> None:
        pass

    # --- test helpers ---

    def deliver(self, reply: Message | bytes, delay: float = 0.0) -> None:
        data = reply.encode() if isinstance(reply, Message) else reply
        heapq.heappush(self._inbox, (self.clock.now + delay, next(self._order), data))

    def sent(self, kind: type | None = None) -> list[Message]:
        return [m for _, m in self.received if kind is None or isinstance(m, kind)]

    def sent_times(self, kind: type) -> list[float]:
        return [t for t, m in self.received if isinstance(m, kind)]

    def _due(self) -> bool:
        return bool(self._inbox) and self._inbox[0][0] <= self.clock.now

    def _answer(self, message: Message) -> None:
        if isinstance(message, Open):
            replies = self.modem.on_open(message)
        elif isinstance(message, Close):
            replies = self.modem.on_close(message)
        elif isinstance(message, Command):
            replies = self.modem.on_command(message)
        else:
            replies = self.modem.on_other(message)
        for reply in replies:
            delay, reply = reply if isinstance(reply, tuple) else (0.0, reply)
            self.deliver(reply, delay)


@pytest.fixture(autouse=True)
def never_ctl_sync():
    """Whatever a test does, no QMI CTL Sync ever reaches the modem."""
    TRANSPORTS.clear()
    yield
    for transport in TRANSPORTS:
        for message in transport.sent(Command):
            if message.service_id == mbim.QMI:
                request = qmi.decode(message.information_buffer)
                assert (request.service, request.message_id) != (Service.CTL, catalog.SYNC.message_id)
    TRANSPORTS.clear()


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def modem():
    return Modem()


@pytest.fixture
def transport(clock, modem):
    return FakeTransport(clock, modem)


def make_session(transport: FakeTransport, clock: FakeClock, **kwargs) -> MbimSession:
    kwargs.setdefault("deadline", DEADLINE)
    kwargs.setdefault("cleanup_deadline", CLEANUP_DEADLINE)
    return MbimSession(transport, clock=clock, **kwargs)


@pytest.fixture
def session(transport, clock):
    return make_session(transport, clock)


def tids(messages: list[Message]) -> list[int]:
    return [m.transaction_id for m in messages]


def query_caps(session: MbimSession) -> CommandDone:
    return session.command(mbim.BASIC_CONNECT, BasicConnectCid.DEVICE_CAPS, CommandType.QUERY)


# --- OPEN -------------------------------------------------------------------------------


def test_open_and_close(session, transport):
    with session:
        assert session.is_open
    assert not session.is_open
    assert [type(m) for m in transport.sent()] == [Open, Close]
    assert tids(transport.sent()) == [1, 2]
    assert transport.sent()[0].max_control_transfer == transport.max_control_transfer


def test_open_is_resent_until_the_deadline(transport, clock, modem):
    modem.on_open = lambda message: []
    deadline = 3.5 * OPEN_ATTEMPT_SECONDS
    session = make_session(transport, clock, deadline=deadline, cleanup_deadline=deadline + 1)
    with pytest.raises(Timeout, match="MBIM OPEN"):
        session.open()
    attempts = math.ceil(deadline / OPEN_ATTEMPT_SECONDS)
    assert transport.sent_times(Open) == [i * OPEN_ATTEMPT_SECONDS for i in range(attempts)]
    assert tids(transport.sent(Open)) == list(range(1, attempts + 1))  # a new tid each time
    assert clock.now == deadline
    assert not session.is_open
    session.close()
    assert transport.sent(Close) == []  # nothing was opened, so nothing is closed


def test_open_done_for_an_earlier_attempt_is_accepted(transport, clock, modem):
    first_only = []

    def on_open(message):
        first_only.append(message)
        if len(first_only) == 1:
            return [(1.5 * OPEN_ATTEMPT_SECONDS, OpenDone(message.transaction_id, 0))]
        return []

    modem.on_open = on_open
    session = make_session(transport, clock)
    session.open()
    assert session.is_open
    assert clock.now == 1.5 * OPEN_ATTEMPT_SECONDS
    assert tids(transport.sent(Open)) == [1, 2]


def test_late_open_done_is_skipped_by_the_next_command(session, transport, modem):
    modem.on_open = lambda message: [
        (0.5 * OPEN_ATTEMPT_SECONDS, OpenDone(message.transaction_id, 0)),
        (2 * OPEN_ATTEMPT_SECONDS, OpenDone(message.transaction_id, 0)),  # a duplicate, late
    ]
    session.open()
    modem.on_command = lambda message: [
        (3 * OPEN_ATTEMPT_SECONDS, CommandDone(message.transaction_id, mbim.BASIC_CONNECT, 1, 0))
    ]
    assert query_caps(session).transaction_id == 2


def test_open_refused(session, modem):
    modem.on_open = lambda message: [OpenDone(message.transaction_id, Status.FAILURE)]
    with pytest.raises(ProtocolError, match=r"refused MBIM OPEN: Failure \(2\)"):
        session.open()
    assert not session.is_open


def test_open_answered_with_function_error(session, modem):
    modem.on_open = lambda message: [FunctionError(message.transaction_id, ProtocolErrorCode.UNKNOWN)]
    with pytest.raises(ProtocolError, match=r"MBIM OPEN with Unknown \(6\)"):
        session.open()


def test_already_open_quirk_closes_then_opens_again(session, transport, modem):
    opens = []

    def on_open(message):
        opens.append(message)
        if len(opens) == 1:  # EM7345: CLOSE_DONE with another tid when already open
            return [CloseDone(0x1234, Status.NONE)]
        return [OpenDone(message.transaction_id, Status.NONE)]

    modem.on_open = on_open
    session.open()
    assert session.is_open
    assert [type(m) for m in transport.sent()] == [Open, Close, Open]
    assert tids(transport.sent()) == [1, 2, 3]


def test_already_open_quirk_goes_on_when_the_close_is_not_answered(session, transport, clock, modem):
    """libmbim ignores the result of the quirk's CLOSE and re-sends OPEN regardless."""
    opens = []

    def on_open(message):
        opens.append(message)
        if len(opens) == 1:
            return [CloseDone(0x1234, Status.NONE)]
        return [OpenDone(message.transaction_id, Status.NONE)]

    modem.on_open = on_open
    modem.on_close = lambda message: []
    session.open()
    assert session.is_open
    assert [type(m) for m in transport.sent()] == [Open, Close, Open]
    assert transport.sent_times(Open)[1] == CLOSE_BEFORE_REOPEN_SECONDS


def test_already_open_forever_ends_at_the_deadline(transport, clock, modem):
    modem.on_open = lambda message: [CloseDone(0x1234, Status.NONE)]
    modem.on_close = lambda message: []
    deadline = 5.5 * CLOSE_BEFORE_REOPEN_SECONDS
    session = make_session(transport, clock, deadline=deadline, cleanup_deadline=deadline + 1)
    with pytest.raises(Timeout, match="MBIM OPEN"):
        session.open()
    assert clock.now == deadline
    assert [type(m) for m in transport.sent()][:4] == [Open, Close, Open, Close]
    assert transport.sent_times(Close)[-1] < deadline


# --- commands -----------------------------------------------------------------------------


# --- commands -----------------------------------------------------------------------------


def test_command_returns_its_reply(session, transport):
    session.open()
    done = query_caps(session)
    assert (done.transaction_id, done.service_id, done.cid, done.status) == (2, mbim.BASIC_CONNECT, 1, 0)
    (command,) = transport.sent(Command)
    assert command.command_type == CommandType.QUERY


def test_not_opened_reopens_once_and_resends_with_a_new_tid(session, transport, modem):
    commands = []

    def on_command(message):
        commands.append(message)
        if len(commands) == 1:
            return [FunctionError(message.transaction_id, ProtocolErrorCode.NOT_OPENED)]
        return [CommandDone(message.transaction_id, message.service_id, message.cid, 0)]

    modem.on_command = on_command
    session.open()
    done = query_caps(session)
    assert done.transaction_id == 4
    assert [(type(m), m.transaction_id) for m in transport.sent()] == [
        (Open, 1),
        (Command, 2),
        (Open, 3),
        (Command, 4),
    ]
    assert session.is_open


def test_second_not_opened_is_a_protocol_error(session, transport, modem):
    modem.on_command = lambda message: [FunctionError(message.transaction_id, ProtocolErrorCode.NOT_OPENED)]
    session.open()
    with pytest.raises(ProtocolError, match=r"NotOpened \(5\)"):
        query_caps(session)
    assert [type(m) for m in transport.sent()] == [Open, Command, Open, Command]
    assert not session.is_open
    session.close()
    assert transport.sent(Close) == []  # the modem says it is not open: no CLOSE


@pytest.mark.parametrize(
    ("code", "name"),
    [(c, f"{mbim.camel(c.name)} ({int(c)})") for c in ProtocolErrorCode if c != ProtocolErrorCode.NOT_OPENED]
    + [(0x99, "unknown error 0x00000099")],
)
def test_other_function_errors_fail_the_command_naming_the_code(session, transport, modem, code, name):
    modem.on_command = lambda message: [FunctionError(message.transaction_id, code)]
    session.open()
    with pytest.raises(ProtocolError, match=re.escape(f"BasicConnect CID 1 with {name}")):
        query_caps(session)
    assert len(transport.sent(Open)) == 1  # no re-open for these
    assert session.is_open


def test_indications_stale_replies_and_host_messages_are_skipped(session, transport, modem):
    def on_command(message):
        tid = message.transaction_id
        return [
            IndicateStatus(
                0, mbim.BASIC_CONNECT, BasicConnectCid.RADIO_STATE, basic_connect.radio_state(True, False)
            ),
            CommandDone(tid + 0x5000, message.service_id, message.cid, 0),  # stale
            CommandDone(tid - 1, message.service_id, message.cid, 0),  # the tid before ours
            OpenDone(tid + 7, 0),
            FunctionError(tid + 9, ProtocolErrorCode.UNKNOWN),  # for somebody else
            CommandDone(tid, message.service_id, message.cid, 0, b"ours"),
        ]

    modem.on_command = on_command
    session.open()
    done = query_caps(session)
    assert done.information_buffer == b"ours"


def test_host_direction_messages_from_the_modem_are_ignored(session, modem):
    """Like libmbim: OPEN, CLOSE, COMMAND and HOST_ERROR from the device answer nothing,
    even with our transaction id (an echo of what we wrote)."""

    def on_command(message):
        tid = message.transaction_id
        return [
            message,  # our COMMAND echoed back
            Open(tid, 4096),
            Close(tid),
            HostError(tid, ProtocolErrorCode.UNKNOWN),
            CommandDone(tid, message.service_id, message.cid, 0, b"ours"),
        ]

    modem.on_command = on_command
    modem.on_open = lambda message: [message, OpenDone(message.transaction_id, 0)]
    session.open()
    assert session.is_open
    assert query_caps(session).information_buffer == b"ours"


def test_reply_for_another_service_is_a_protocol_error(session, modem):
    modem.on_command = lambda message: [CommandDone(message.transaction_id, mbim.QMI, 1, 0)]
    session.open()
    with pytest.raises(ProtocolError, match="reply to BasicConnect CID 1 is for QMI CID 1"):
        query_caps(session)


def test_other_message_type_with_our_tid_is_a_protocol_error(session, modem):
    modem.on_command = lambda message: [OpenDone(message.transaction_id, 0)]
    session.open()
    with pytest.raises(ProtocolError, match="unexpected OPEN_DONE in reply to BasicConnect CID 1"):
        query_caps(session)


def malformed_reply(tid: int) -> bytes:
    data = bytearray(CommandDone(tid, mbim.BASIC_CONNECT, 1, 0, b"abcd").encode())
    data[44:48] = (999).to_bytes(4, "little")  # InformationBufferLength overruns the message
    return bytes(data)


def test_malformed_reply_for_our_tid_is_a_protocol_error(session, modem):
    modem.on_command = lambda message: [malformed_reply(message.transaction_id)]
    session.open()
    with pytest.raises(ProtocolError, match=r"malformed reply to BasicConnect CID 1: .*overruns"):
        query_caps(session)


def test_malformed_message_for_another_tid_is_skipped(session, modem):
    modem.on_command = lambda message: [
        malformed_reply(message.transaction_id + 1),
        CommandDone(message.transaction_id, message.service_id, message.cid, 0, b"ok"),
    ]
    session.open()
    assert query_caps(session).information_buffer == b"ok"


def lone_fragment(tid: int, total: int, current: int) -> bytes:
    piece = fragment(CommandDone(tid, mbim.BASIC_CONNECT, 1, 0, bytes(200)).encode(), 64)[current]
    data = bytearray(piece)
    data[12:16] = total.to_bytes(4, "little")
    return bytes(data)


def test_fragment_error_for_another_tid_sends_host_error_and_goes_on(session, transport, modem):
    modem.on_command = lambda message: [
        lone_fragment(0x77, 4, 1),  # fragment 1 without fragment 0
        CommandDone(message.transaction_id, message.service_id, message.cid, 0, b"ok"),
    ]
    session.open()
    assert query_caps(session).information_buffer == b"ok"
    assert transport.sent(HostError) == [HostError(0x77, ProtocolErrorCode.FRAGMENT_OUT_OF_SEQUENCE)]


def test_fragment_error_for_our_tid_sends_host_error_and_fails(session, transport, modem):
    modem.on_command = lambda message: [lone_fragment(message.transaction_id, 4, 2)]
    session.open()
    with pytest.raises(ProtocolError, match="reply to BasicConnect CID 1: fragment 2 of 4"):
        query_caps(session)
    assert transport.sent(HostError) == [HostError(2, ProtocolErrorCode.FRAGMENT_OUT_OF_SEQUENCE)]


def test_fragment_gap_timeout_sends_host_error_and_fails(session, transport, clock, modem):
    modem.on_command = lambda message: [lone_fragment(message.transaction_id, 4, 0)]
    session.open()
    with pytest.raises(ProtocolError, match="fragment 1 of 4 did not arrive"):
        query_caps(session)
    assert clock.now == GAP_TIMEOUT
    assert transport.sent(HostError) == [HostError(2, ProtocolErrorCode.TIMEOUT_FRAGMENT)]
    assert transport.sent_times(HostError) == [GAP_TIMEOUT]


def test_fragmented_traffic_both_ways(clock, modem):
    """Writes are split to MaxControlTransfer, replies reassembled from fragments."""
    transport = FakeTransport(clock, modem, max_control_transfer=64)
    modem.services = [mbim.BASIC_CONNECT, mbim.QMI, mbim.QUECTEL, mbim.PROXY_CONTROL]

    def on_command(message):
        reply = Modem.on_command(modem, message)
        return [piece for r in reply for piece in fragment(r.encode(), 64)]

    modem.on_command = on_command
    session = make_session(transport, clock)
    session.open()
    payload = bytes(range(150))
    done = session.command(mbim.BASIC_CONNECT, 99, CommandType.SET, payload)
    assert done.transaction_id == 2
    assert transport.sent(Command)[0].information_buffer == payload
    assert len([w for _, w in transport.writes]) > 3
    assert session.device_services() == modem.services


@pytest.mark.parametrize("garbage", [b"\xff" * 40, b"\x00\xffNOT-MBIM\xff\x00" * 4])
def test_timeout_after_garbage_is_a_protocol_error(session, clock, modem, garbage):
    modem.on_command = lambda message: [garbage]
    session.open()
    with pytest.raises(ProtocolError, match="no valid reply to BasicConnect CID 1; discarded"):
        query_caps(session)
    assert clock.now == DEADLINE
    assert session.garbage > 0


def test_timeout_without_garbage_is_a_timeout(session, clock, modem):
    modem.on_command = lambda message: []
    session.open()
    with pytest.raises(Timeout, match="no reply to BasicConnect CID 1 in time"):
        query_caps(session)
    assert clock.now == DEADLINE


def test_garbage_counts_only_for_the_wait_it_arrived_in(session, clock, modem):
    # Junk before the first reply, then silence for the second request: that timeout
    # is a timeout, not a protocol error left over from the earlier junk.
    commands = []

    def on_command(message):
        commands.append(message)
        if len(commands) == 1:
            return [b"\xff" * 40, *Modem.on_command(modem, message)]
        return []

    modem.on_command = on_command
    session.open()
    query_caps(session)
    with pytest.raises(Timeout, match="no reply to BasicConnect CID 1 in time"):
        query_caps(session)
    assert session.garbage == 40


def test_command_timeout_shortens_the_wait(session, clock, modem):
    modem.on_command = lambda message: []
    session.open()
    with pytest.raises(Timeout):
        session.command(mbim.BASIC_CONNECT, 1, CommandType.QUERY, timeout=2.5)
    assert clock.now == 2.5


def test_device_services_failure_and_malformed(session, modem):
    session.open()
    modem.on_command = lambda message: [
        CommandDone(message.transaction_id, mbim.BASIC_CONNECT, 16, Status.BUSY)
    ]
    with pytest.raises(ProtocolError, match=r"DEVICE_SERVICES query failed: Busy \(1\)"):
        session.device_services()
    modem.on_command = lambda message: [
        CommandDone(message.transaction_id, mbim.BASIC_CONNECT, 16, 0, b"\x05\0\0\0\0\0\0\0")
    ]
    with pytest.raises(ProtocolError, match="malformed DEVICE_SERVICES reply"):
        session.device_services()


# --- CLOSE ----------------------------------------------------------------------------------


def test_close_is_bounded_by_the_cleanup_deadline_and_never_raises(session, transport, clock, modem):
    modem.on_close = lambda message: []
    session.open()
    session.close()
    assert clock.now == CLEANUP_DEADLINE
    assert len(transport.sent(Close)) == 1
    assert not session.is_open
    session.close()  # idempotent
    assert len(transport.sent(Close)) == 1


def test_close_runs_after_the_work_deadline_passed(session, transport, clock, modem):
    modem.on_command = lambda message: []
    with pytest.raises(Timeout), session:
        query_caps(session)
    assert clock.now == DEADLINE
    assert transport.sent_times(Close) == [DEADLINE]


def test_close_reports_a_vanished_device(session, transport):
    # A modem gone during cleanup ends the run with exit 5: an unlock reported as
    # success now would not last (it comes back locked). Other cleanup failures are
    # swallowed (see the tests around this one).
    session.open()
    transport.fail_writes = DeviceError("fake: device vanished")
    with pytest.raises(DeviceError):
        session.close()
    assert not session.is_open


def test_close_accepts_function_error(session, transport, clock, modem):
    modem.on_close = lambda message: [FunctionError(message.transaction_id, ProtocolErrorCode.NOT_OPENED)]
    session.open()
    session.close()
    assert clock.now == 0.0


def test_close_happens_when_the_body_raises(session, transport):
    with pytest.raises(RuntimeError, match="boom"), session:
        raise RuntimeError("boom")
    assert [type(m) for m in transport.sent()] == [Open, Close]


def test_no_close_in_proxy_mode(transport, clock):
    session = make_session(transport, clock, send_close=False)
    with session:
        pass
    assert transport.sent(Close) == []


# --- QmiClient -------------------------------------------------------------------------------


def test_qmi_client_allocates_calls_and_releases(session, modem):
    session.open()
    with QmiClient(session, Service.DMS) as client:
        assert client.client_id == CLIENT_ID
        response = client.call(catalog.SET_FCC_AUTHENTICATION)
        assert response == {"result": (0, 0)}  # the response's TLVs, by name
    assert client.client_id is None
    allocate, request, release = modem.qmi_requests
    assert (allocate.service, allocate.message_id, allocate.transaction_id) == (Service.CTL, 0x22, 1)
    assert catalog.requested_service(allocate) == Service.DMS
    assert (request.service, request.client_id, request.transaction_id, request.message_id) == (
        Service.DMS,
        CLIENT_ID,
        1,
        0x555F,
    )
    assert (release.service, release.message_id, release.transaction_id) == (Service.CTL, 0x23, 2)
    assert catalog.released_client(release) == (Service.DMS, CLIENT_ID)


def test_qmi_client_releases_when_the_body_raises(session, modem):
    session.open()
    with pytest.raises(RuntimeError, match="boom"), QmiClient(session, Service.DMS):
        raise RuntimeError("boom")
    assert [r.message_id for r in modem.qmi_requests] == [
        catalog.ALLOCATE_CID.message_id,
        catalog.RELEASE_CID.message_id,
    ]


def test_qmi_client_releases_after_a_refusal(session, modem):
    def on_qmi(request):
        if request.service == Service.DMS:
            return response_to(request, error=60)
        return Modem.on_qmi(modem, request)

    modem.on_qmi = on_qmi
    session.open()
    client = QmiClient(session, Service.DMS)
    with pytest.raises(QmiFailure, match=r"InvalidTransition \(60\)") as raised, client:
        client.call(catalog.SET_OPERATING_MODE, mode=0)
    assert raised.value.error == 60
    assert isinstance(raised.value, Refused)
    assert modem.qmi_requests[-1].message_id == catalog.RELEASE_CID.message_id


def test_qmi_release_is_bounded_and_never_raises(session, clock, modem):
    def on_qmi(request):
        if request.message_id == catalog.RELEASE_CID.message_id:
            return None
        return Modem.on_qmi(modem, request)

    modem.on_qmi = on_qmi
    session.open()
    with QmiClient(session, Service.DMS):
        pass
    assert clock.now == CLEANUP_DEADLINE


@pytest.mark.parametrize(
    "field",
    ["transaction_id", "client_id", "message_id", "service"],
)
def test_qmi_reply_that_answers_something_else_is_a_protocol_error(session, modem, field):
    def on_qmi(request):
        response = Modem.on_qmi(modem, request)
        if request.service == Service.DMS:
            setattr(response, field, {"service": Service.NAS}.get(field, getattr(response, field) + 1))
        return response

    modem.on_qmi = on_qmi
    session.open()
    client = QmiClient(session, Service.DMS)
    with pytest.raises(ProtocolError, match="does not answer DMS Set FCC Authentication"), client:
        client.call(catalog.SET_FCC_AUTHENTICATION)
    assert modem.qmi_requests[-1].message_id == catalog.RELEASE_CID.message_id


def test_qmi_reply_that_is_not_qmux_is_a_protocol_error(session, modem, transport):
    session.open()
    modem.on_command = lambda message: [CommandDone(message.transaction_id, mbim.QMI, 1, 0, b"\x01\xff")]
    with pytest.raises(ProtocolError, match="malformed QMI reply to CTL Allocate CID"):
        QmiClient(session, Service.DMS).allocate()


def test_qmi_allocate_refused(session, modem):
    def on_qmi(request):
        return response_to(request, error=5)  # ClientIdsExhausted

    modem.on_qmi = on_qmi
    session.open()
    client = QmiClient(session, Service.DMS)
    with pytest.raises(Refused, match="refused a QMI client"):
        client.allocate()
    assert client.client_id is None


def test_qmi_allocate_for_another_service_is_a_protocol_error(session, modem):
    modem.on_qmi = lambda request: response_to(request, (catalog.client_tlv(Service.NAS, 3),))
    session.open()
    with pytest.raises(ProtocolError, match="malformed Allocate CID reply"):
        QmiClient(session, Service.DMS).allocate()


def qmi_status(status):
    def on_command(message, modem):
        if message.service_id == mbim.QMI:
            return [CommandDone(message.transaction_id, mbim.QMI, 1, status)]
        return Modem.on_command(modem, message)

    return on_command


@pytest.mark.parametrize("status", [Status.FAILURE, Status.NO_DEVICE_SUPPORT, Status.BUSY])
def test_allocate_status_without_qmi_service_is_unsupported(session, transport, modem, status):
    modem.services = [mbim.BASIC_CONNECT, mbim.QUECTEL]
    modem.on_command = lambda message: qmi_status(status)(message, modem)
    session.open()
    reason = r"exposes no QMI service over MBIM \(it lists: BasicConnect, Quectel\)"
    with pytest.raises(Unsupported, match=reason):
        QmiClient(session, Service.DMS).allocate()
    probe = transport.sent(Command)[-1]
    assert (probe.service_id, probe.cid, probe.command_type) == (mbim.BASIC_CONNECT, 16, CommandType.QUERY)


@pytest.mark.parametrize(
    ("status", "error", "reason"),
    [
        (Status.FAILURE, ProtocolError, r"did not deliver CTL Allocate CID: Failure \(2\)"),
        (Status.NO_DEVICE_SUPPORT, Unsupported, r"does not carry CTL Allocate CID: NoDeviceSupport \(9\)"),
    ],
)
def test_allocate_status_with_qmi_service_keeps_the_original_error(session, modem, status, error, reason):
    modem.on_command = lambda message: qmi_status(status)(message, modem)
    session.open()
    with pytest.raises(error, match=reason):
        QmiClient(session, Service.DMS).allocate()


def never_answers_qmi(modem):
    def on_command(message):
        if message.service_id == mbim.QMI:
            modem.qmi_requests.append(qmi.decode(message.information_buffer))
            return []
        return Modem.on_command(modem, message)

    return on_command


def test_allocate_timeout_without_qmi_service_is_unsupported(session, transport, clock, modem):
    modem.services = [mbim.BASIC_CONNECT]
    modem.on_command = never_answers_qmi(modem)
    session.open()
    with pytest.raises(Unsupported, match="exposes no QMI service"):
        QmiClient(session, Service.DMS).allocate()
    assert transport.sent_times(Command) == [0.0, QMI_PROBE_SECONDS]


def test_allocate_timeout_with_qmi_service_is_a_timeout(session, clock, modem):
    modem.on_command = never_answers_qmi(modem)
    session.open()
    with pytest.raises(Timeout, match="no reply to QMI CID 1 in time"):
        QmiClient(session, Service.DMS).allocate()
    assert clock.now == QMI_PROBE_SECONDS


def test_allocate_timeout_and_probe_timeout_is_the_original_timeout(session, clock, modem):
    modem.on_command = lambda message: []
    session.open()
    with pytest.raises(Timeout, match="no reply to QMI CID 1 in time"):
        QmiClient(session, Service.DMS).allocate()
    assert clock.now == 2 * QMI_PROBE_SECONDS


def test_allocate_probe_malformed_is_the_original_error(session, modem):
    def on_command(message):
        if message.service_id == mbim.QMI:
            return [CommandDone(message.transaction_id, mbim.QMI, 1, Status.FAILURE)]
        return [CommandDone(message.transaction_id, mbim.BASIC_CONNECT, 16, 0, b"\x09\0\0\0")]

    modem.on_command = on_command
    session.open()
    with pytest.raises(ProtocolError, match="did not deliver CTL Allocate CID"):
        QmiClient(session, Service.DMS).allocate()


def test_status_on_a_later_request_does_not_probe(session, transport, modem):
    session.open()
    client = QmiClient(session, Service.DMS)
    client.allocate()
    modem.on_command = lambda message: qmi_status(Status.FAILURE)(message, modem)
    with pytest.raises(ProtocolError, match="did not deliver DMS Set FCC Authentication"):
        client.call(catalog.SET_FCC_AUTHENTICATION)
    assert all(c.service_id == mbim.QMI for c in transport.sent(Command))


def test_qmi_transaction_ids_wrap_and_skip_zero(session):
    client = QmiClient(session, Service.DMS)
    assert [client.next_transaction_id() for _ in range(2)] == [1, 2]
    client._service_tid = 0xFFFE
    assert [client.next_transaction_id() for _ in range(3)] == [0xFFFF, 1, 2]
    assert [client._next_ctl_tid() for _ in range(2)] == [1, 2]
    session.qmi_ctl_transaction_id = 0xFE  # CTL ids are per session (shared by clients)
    assert [client._next_ctl_tid() for _ in range(3)] == [0xFF, 1, 2]


def test_call_before_allocate_is_a_programming_error(session):
    with pytest.raises(RuntimeError, match="not allocated"):
        QmiClient(session, Service.DMS).call(catalog.SET_FCC_AUTHENTICATION)


# --- several commands in flight (submit / wait) ----------------------------------------


def caps_and_radio(session: MbimSession):
    caps = session.submit(mbim.BASIC_CONNECT, BasicConnectCid.DEVICE_CAPS, CommandType.QUERY)
    radio = session.submit(mbim.BASIC_CONNECT, BasicConnectCid.RADIO_STATE, CommandType.QUERY)
    return caps, radio


def test_submitted_commands_are_all_sent_before_any_reply_is_awaited(session, transport, clock, modem):
    # Each reply takes a second: two in flight cost one second, not two.
    modem.on_command = lambda m: [(1.0, CommandDone(m.transaction_id, m.service_id, m.cid, Status.NONE))]
    session.open()
    caps, radio = caps_and_radio(session)
    assert [m.cid for m in transport.sent(Command)] == [
        BasicConnectCid.DEVICE_CAPS,
        BasicConnectCid.RADIO_STATE,
    ]
    assert session.wait(radio).cid == BasicConnectCid.RADIO_STATE  # the later one first
    assert session.wait(caps).cid == BasicConnectCid.DEVICE_CAPS  # kept while we waited for the other
    assert clock.now == 1.0


def test_replies_out_of_order_reach_their_own_command(session, transport, modem):
    held = []

    def on_command(message):
        held.append(CommandDone(message.transaction_id, message.service_id, message.cid, Status.NONE))
        return list(reversed(held)) if len(held) == 2 else []  # answer both, the last one first

    modem.on_command = on_command
    session.open()
    caps, radio = caps_and_radio(session)
    assert session.wait(caps).transaction_id == caps.request.transaction_id
    assert session.wait(radio).transaction_id == radio.request.transaction_id


def test_an_early_error_for_a_submitted_command_waits_for_it(session, modem):
    def on_command(m):
        if m.cid == BasicConnectCid.DEVICE_CAPS:
            return [overrunning_reply(m)]
        return [CommandDone(m.transaction_id, m.service_id, m.cid, Status.NONE)]

    modem.on_command = on_command
    session.open()
    caps, radio = caps_and_radio(session)
    assert session.wait(radio).status == Status.NONE  # the malformed caps reply does not fail this
    with pytest.raises(ProtocolError, match="malformed reply to BasicConnect CID 1"):
        session.wait(caps)


def overrunning_reply(message: Command) -> bytes:
    """A COMMAND_DONE for ``message`` whose buffer length overruns the message."""
    raw = bytearray(CommandDone(message.transaction_id, message.service_id, message.cid, 0, b"xy").encode())
    raw[44:48] = (200).to_bytes(4, "little")
    return bytes(raw)


def test_a_reply_after_its_wait_gave_up_is_stale(session, transport, clock, modem):
    modem.on_command = lambda m: [(5.0, CommandDone(m.transaction_id, m.service_id, m.cid, Status.NONE))]
    session.open()
    caps, _ = caps_and_radio(session)
    with pytest.raises(Timeout):
        session.wait(caps, timeout=1.0)
    # Its reply arrives later, during another wait: skipped as stale, not kept.
    query_caps(session)
    assert caps.request.transaction_id not in session._inbox


def test_not_opened_reopens_once_and_resends_every_command_of_the_old_session(session, transport, modem):
    # The modem lost the session: it answers both commands in flight with NOT_OPENED.
    # One re-OPEN, then each command is sent again (new tids), and both succeed.
    lost = {"yes": True}

    def on_command(message):
        if lost["yes"]:
            return [FunctionError(message.transaction_id, ProtocolErrorCode.NOT_OPENED)]
        return [CommandDone(message.transaction_id, message.service_id, message.cid, Status.NONE)]

    def on_open(message):
        lost["yes"] = False
        return [OpenDone(message.transaction_id, Status.NONE)]

    modem.on_command = on_command
    session.open()
    modem.on_open = on_open
    caps, radio = caps_and_radio(session)
    assert session.wait(caps).status == Status.NONE
    assert session.wait(radio).status == Status.NONE
    assert len(transport.sent(Open)) == 2  # one re-OPEN for both
    assert [m.cid for m in transport.sent(Command)] == [1, 3, 1, 3]
    assert len(set(tids(transport.sent(Command)))) == 4


def test_the_second_loss_of_a_session_is_an_error(session, modem):
    modem.on_command = lambda m: [FunctionError(m.transaction_id, ProtocolErrorCode.NOT_OPENED)]
    session.open()
    caps, _ = caps_and_radio(session)
    with pytest.raises(ProtocolError, match="NotOpened"):
        session.wait(caps)


def test_qmi_requests_in_flight_together(session, transport, modem):
    answers = {
        catalog.GET_IDS.message_id: ((0x11, b"353000000000001"),),
        catalog.GET_OPERATING_MODE.message_id: ((0x01, b"\x01"),),
    }
    on_qmi = modem.on_qmi
    modem.on_qmi = lambda request: (
        response_to(request, answers[request.message_id])
        if request.message_id in answers
        else on_qmi(request)
    )
    with QmiClient(session, Service.DMS) as client:
        ids = client.submit(catalog.GET_IDS)
        mode = client.submit(catalog.GET_OPERATING_MODE)
        assert client.result(mode) == {"result": (0, 0), "mode": 1}  # each its own answer
        assert client.result(ids) == {"result": (0, 0), "imei": "353000000000001"}
    sent = [qmi.decode(m.information_buffer) for m in transport.sent(Command)]
    assert [m.message_id for m in sent] == [
        catalog.ALLOCATE_CID.message_id,
        catalog.GET_IDS.message_id,
        catalog.GET_OPERATING_MODE.message_id,
        catalog.RELEASE_CID.message_id,
    ]


# --- the edges of a session: nothing after the last CLOSE, no OPEN left open -------------


def test_nothing_follows_the_final_close_not_even_a_host_error(session, transport, modem):
    # A broken fragment (fragment 1 of 4 without fragment 0) arrives while the final
    # CLOSE is awaited: the CLOSE is the session's last word, so no HOST_ERROR.
    modem.on_close = lambda message: [
        lone_fragment(0x55, 4, 1),
        CloseDone(message.transaction_id, Status.NONE),
    ]
    with session:
        pass
    kinds = [type(m) for m in transport.sent()]
    assert kinds == [Open, Close], kinds


def test_a_host_error_is_still_sent_before_the_final_close(session, transport, modem):
    # The same broken fragment during a command is answered as before.
    modem.on_command = lambda message: [
        lone_fragment(0x55, 4, 1),
        CommandDone(message.transaction_id, message.service_id, message.cid, Status.NONE),
    ]
    with session:
        query_caps(session)
    assert [type(m) for m in transport.sent()] == [Open, Command, HostError, Close]


def test_an_open_done_after_the_deadline_still_gets_its_close(transport, clock, modem):
    deadline, cleanup = 1.5, 2.5
    modem.on_open = lambda message: [(deadline + 0.3 - clock.now, OpenDone(message.transaction_id, 0))]
    session = make_session(transport, clock, deadline=deadline, cleanup_deadline=cleanup)
    with pytest.raises(Timeout, match="MBIM OPEN"), session:
        pytest.fail("the session cannot have opened")
    assert [type(m) for m in transport.sent()] == [Open, Open, Close]
    assert deadline < transport.sent_times(Close)[0] <= cleanup
    assert not session.is_open


def test_a_silent_modem_is_waited_for_until_the_cleanup_deadline_only(transport, clock, modem):
    deadline, cleanup = 1.5, 2.5
    modem.on_open = lambda message: []
    session = make_session(transport, clock, deadline=deadline, cleanup_deadline=cleanup)
    with pytest.raises(Timeout, match="MBIM OPEN"), session:
        pass
    assert [type(m) for m in transport.sent()] == [Open, Open]  # nothing was opened: no CLOSE
    assert clock.now == cleanup


# --- optional questions -------------------------------------------------------------------


def test_an_optional_question_waits_at_most_half_the_work_time_left(transport, clock):
    session = make_session(transport, clock, deadline=10.0, cleanup_deadline=11.0)
    assert session.optional_timeout(2.0) == 2.0
    clock.now = 8.0
    assert session.optional_timeout(2.0) == 1.0
    clock.now = 10.5
    assert session.optional_timeout(2.0) == 0.0
