"""One MBIM session over a transport, and a QMI client inside it.

This is where the sans-I/O codecs meet a transport and the clock. ``MbimSession``
opens (re-sending OPEN until the modem answers), runs commands with deadlines while
skipping indications, stale replies and garbage, handles FUNCTION_ERROR and the
"already open" quirk, and always CLOSEs what it opened. Several commands may be in
flight (``submit()`` now, ``wait()`` later). ``QmiClient`` allocates a QMI client id
through the MBIM QMI service and always releases it.

Two deadlines bound a run: ``deadline`` for the work, and ``cleanup_deadline`` (a
little later) for releasing and closing, so cleanup happens even after a timeout and
the whole run still ends on time.
"""

from __future__ import annotations

import time

from fcc_unlock.errors import DeviceError, FccUnlockError, ProtocolError, Refused, Timeout, Unsupported
from fcc_unlock.mbim import constants as mbim
from fcc_unlock.mbim.connection import Connection, Discarded, Malformed
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
)
from fcc_unlock.mbim.stream import FragmentError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import builtins
    from typing import Any, Callable, Literal, Optional, Protocol

    from fcc_unlock.mbim import catalog as mbim_catalog
    from fcc_unlock.qmi import catalog
    from fcc_unlock.qmi.messages import QmiMessage

    Direction = Literal["->", "<-", "note"]  # sent, received, a note for the -v trace
    Tracer = Optional[Callable[[Direction, object], None]]

    class Transport(Protocol):
        """What a session needs of a port: transport/chardev.py and transport/proxy.py
        (and a test's fake) are ones. Every wait is bounded by the deadline given."""

        name: str
        max_control_transfer: int
        max_control_transfer_source: str

        def write(self, data: bytes, deadline: float) -> None: ...

        def read(self, deadline: float) -> bytes: ...  # b"": nothing came by the deadline

        def close(self) -> None: ...


# Why a session runs, for the methods' choice of questions (docs/architecture.md §6):
# by hand a clearer message is worth a round trip; on hotplug the modem has just
# enumerated; as ModemManager's dispatcher the modem has just refused to power up.
MANUAL, HOTPLUG, DISPATCHER = "manual", "hotplug", "dispatcher"
OCCASIONS = (MANUAL, HOTPLUG, DISPATCHER)

OPEN_ATTEMPT_SECONDS = 1.0  # re-send OPEN this often: a fresh modem may miss the first
CLOSE_BEFORE_REOPEN_SECONDS = 1.0  # the "already open" quirk's CLOSE
QMI_PROBE_SECONDS = 2.0  # how long the QMI service gets to answer before we ask DEVICE_SERVICES
OPTIONAL_SHARE = 0.5  # of the work time left, the most an optional question may wait


class Pending:
    """A submitted COMMAND whose reply has not been waited for yet."""

    __slots__ = ("request", "cleanup", "epoch", "entry")

    def __init__(
        self, request: Command, cleanup: bool = False, entry: mbim_catalog.Cid | None = None
    ) -> None:
        self.request = request
        self.cleanup = cleanup
        self.epoch = 0
        self.entry = entry  # the catalogue's CID, for ask()/answer()


class MbimStatusError(ProtocolError):
    """The modem answered a command with a status other than success; ``status`` says which."""

    def __init__(self, reason: str, status: int) -> None:
        super().__init__(reason)
        self.status = status


class MbimSession:
    """MBIM OPEN .. commands .. CLOSE over one transport, every wait bounded.

    ``with MbimSession(port, deadline, cleanup_deadline) as session:`` opens, and
    closes on the way out whatever happened. ``send_close=False`` leaves the CLOSE out
    (a session someone else owns).
    """

    def __init__(
        self,
        transport: Transport,
        deadline: float,
        cleanup_deadline: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        trace: Tracer = None,
        send_close: bool = True,
        occasion: str = MANUAL,
        while_opening: Callable[[], None] | None = None,
    ) -> None:
        self.transport = transport
        self.occasion = occasion  # one of OCCASIONS
        # Run once the first OPEN is written, while the modem works on it: the caller's
        # remaining start-up (imports) overlaps the modem's first answer.
        self.while_opening = while_opening
        self.deadline = deadline
        self.cleanup_deadline = deadline if cleanup_deadline is None else cleanup_deadline
        self.clock = clock
        self.trace = trace
        self.send_close = send_close
        self.connection = Connection(transport.max_control_transfer)
        self.is_open = False
        self.garbage = 0  # bytes discarded so far (not MBIM); reported per wait
        self.qmi_ctl_transaction_id = 0  # QMI CTL ids are per device: shared by every QmiClient
        self._reopened = False
        self._final_close = False  # the last CLOSE is sent: nothing may follow it
        self._unanswered_opens: builtins.set[int] = set()  # tids of OPENs a timed-out open() sent
        self._epoch = 0  # how many times OPEN succeeded; a command knows the one it was sent in
        self._outstanding: builtins.set[int] = set()  # tids of submitted commands not yet waited for
        self._inbox: dict[int, object] = {}  # their replies (or errors), arrived early
        self._waiting_for: int | None = None

    # --- life cycle ---------------------------------------------------------------

    def __enter__(self) -> MbimSession:
        try:
            self.open()
        except Timeout:
            self._close_late_open()
            raise
        except BaseException:
            if self._unanswered_opens:  # the OPEN is out: never leave it without a CLOSE
                self._close_late_open()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def open(self) -> None:
        """MBIM OPEN, re-sent every second until an OPEN_DONE arrives or the deadline."""
        sent: builtins.set[int] = set()
        next_attempt = self.clock()
        garbage_mark = self.garbage
        while True:
            now = self.clock()
            if now >= self.deadline:
                self._unanswered_opens = sent
                raise self._timeout("MBIM OPEN", garbage_mark)
            if now >= next_attempt:
                tid = self._send(Open(self._tid(), self.connection.max_control_transfer))
                sent.add(tid)
                next_attempt = now + OPEN_ATTEMPT_SECONDS
                if self.while_opening is not None:
                    meanwhile, self.while_opening = self.while_opening, None
                    try:
                        meanwhile()
                    except BaseException:
                        self._unanswered_opens = sent  # owed a CLOSE if it opens late
                        raise
                    continue  # it took time: look at the clock again
            event = self._next_event(min(next_attempt, self.deadline))
            if event is None:
                continue
            if isinstance(event, OpenDone) and event.transaction_id in sent:
                if event.status != mbim.Status.NONE:
                    raise ProtocolError(f"modem refused MBIM OPEN: {mbim.describe_status(event.status)}")
                self.is_open = True
                self._epoch += 1
                return
            if isinstance(event, CloseDone):
                # Already open (Sierra EM7345): the modem answers OPEN with a CLOSE_DONE.
                # Close explicitly, then open again.
                self._trace("note", "modem reports its MBIM channel already open: closing it first")
                try:
                    self._close_and_wait(min(self.clock() + CLOSE_BEFORE_REOPEN_SECONDS, self.deadline))
                except (Timeout, ProtocolError) as error:
                    # As libmbim: the CLOSE's outcome does not matter, the next OPEN's does.
                    self._trace("note", f"CLOSE before re-opening not confirmed: {error}")
                next_attempt = self.clock()
                continue
            if isinstance(event, FunctionError) and event.transaction_id in sent:
                raise ProtocolError(f"modem answered MBIM OPEN with {mbim.describe_error(event.error_code)}")
            self._check_for_pending(event, sent, "MBIM OPEN")

    def _close_late_open(self) -> None:
        """After OPEN timed out: an OPEN_DONE that still comes before the cleanup
        deadline gets its CLOSE, so the modem is not left open (best effort)."""
        sent = self._unanswered_opens
        if not sent or not self.send_close:
            return
        while True:
            event = self._next_event(self.cleanup_deadline)
            if event is None:
                return
            if isinstance(event, OpenDone) and event.transaction_id in sent:
                if event.status == mbim.Status.NONE:
                    self._trace("note", "OPEN_DONE came after the deadline: closing again")
                    self._final_close = True
                    try:
                        self._close_and_wait(self.cleanup_deadline)
                    except FccUnlockError as error:
                        self._trace("note", f"MBIM CLOSE not confirmed: {error}")
                return
            try:
                self._check_for_pending(event, sent, "MBIM OPEN")
            except FccUnlockError:
                return

    def close(self) -> None:
        """CLOSE if open; bounded by the cleanup deadline; raises only if the device is gone.

        This CLOSE is the session's last word: nothing is sent after it, not even a
        HOST_ERROR for a broken fragment that arrives while it is awaited.
        """
        if not self.is_open:
            return
        self.is_open = False
        if not self.send_close:
            return
        self._final_close = True
        try:
            self._close_and_wait(self.cleanup_deadline)
        except DeviceError:
            raise  # gone (unplugged, reset): a success reported now would not last
        except FccUnlockError as error:
            self._trace("note", f"MBIM CLOSE not confirmed: {error}")

    def _close_and_wait(self, until: float) -> None:
        tid = self._send(Close(self._tid()), until)
        garbage_mark = self.garbage
        while True:
            event = self._next_event(until)
            if event is None:
                raise self._timeout("MBIM CLOSE", garbage_mark)
            if isinstance(event, CloseDone) and event.transaction_id == tid:
                return
            if isinstance(event, FunctionError) and event.transaction_id == tid:
                return  # NOT_OPENED and friends: closed either way
            self._check_for_pending(event, {tid}, "MBIM CLOSE")

    # --- commands -----------------------------------------------------------------

    def command(
        self,
        service_id: bytes,
        cid: int,
        command_type: int,
        payload: bytes = b"",
        timeout: float | None = None,
        cleanup: bool = False,
    ) -> CommandDone:
        """Send a COMMAND and return its COMMAND_DONE (any status; the caller judges).

        ``timeout`` shortens the wait below the session deadline; ``cleanup`` lets the
        command run until the cleanup deadline (release of a client id).
        """
        return self.wait(self.submit(service_id, cid, command_type, payload, cleanup), timeout)

    def submit(
        self,
        service_id: bytes,
        cid: int,
        command_type: int,
        payload: bytes = b"",
        cleanup: bool = False,
    ) -> Pending:
        """Send a COMMAND now and wait for it later with ``wait()``.

        MBIM lets several commands be in flight; a question whose answer is only needed
        later (a lock check) then costs no round trip of its own.
        """
        pending = Pending(Command(self._tid(), service_id, cid, command_type, payload), cleanup)
        self._send_pending(pending)
        return pending

    def wait(self, pending: Pending, timeout: float | None = None) -> CommandDone:
        """The COMMAND_DONE of a submitted command (any status; the caller judges)."""
        request = pending.request
        limit = self.cleanup_deadline if pending.cleanup else self.deadline
        until = limit if timeout is None else min(limit, self.clock() + timeout)
        what = f"{mbim.describe_service(request.service_id)} CID {request.cid}"
        while True:
            event = self._await_reply(pending.request.transaction_id, until, what)
            if isinstance(event, CommandDone):
                if (event.service_id, event.cid) != (request.service_id, request.cid):
                    raise ProtocolError(
                        f"reply to {what} is for {mbim.describe_service(event.service_id)} CID {event.cid}"
                    )
                return event
            # FUNCTION_ERROR
            if event.error_code == mbim.ProtocolErrorCode.NOT_OPENED:
                if pending.epoch < self._epoch:
                    # Sent before the session was opened again (for another command's
                    # NOT_OPENED): it was lost with the old session; send it once more.
                    self._resend(pending)
                    continue
                if not self._reopened:
                    self._reopened = True
                    self._trace("note", "modem says the session is not open: opening again")
                    self.is_open = False
                    self.open()
                    self._resend(pending)
                    continue
                self.is_open = False
            raise ProtocolError(f"modem answered {what} with {mbim.describe_error(event.error_code)}")

    def _send_pending(self, pending: Pending) -> None:
        pending.epoch = self._epoch
        self._outstanding.add(pending.request.transaction_id)
        self._send(pending.request, self.cleanup_deadline if pending.cleanup else self.deadline)

    def _resend(self, pending: Pending) -> None:
        old = pending.request
        self._outstanding.discard(old.transaction_id)
        pending.request = Command(
            self._tid(), old.service_id, old.cid, old.command_type, old.information_buffer
        )
        self._send_pending(pending)

    def optional_timeout(self, limit: float) -> float:
        """How long an optional question (a lock check) may wait for its answer.

        At most ``limit``, and at most a share of the work time left, so that the
        unlock after it always has time of its own however short the run's timeout.
        """
        return max(0.0, min(limit, (self.deadline - self.clock()) * OPTIONAL_SHARE))

    # --- the catalogue's CIDs (mbim/catalog.py) -------------------------------------

    def ask(self, entry: mbim_catalog.Cid, **fields: Any) -> Pending:
        """Send a QUERY of ``entry`` (no fields) or a SET with its request ``fields``;
        answer() takes the reply."""
        if fields:
            if entry.set is None:
                raise ValueError(f"{entry} takes no SET")
            payload, command_type = entry.set.build(**fields), mbim.CommandType.SET
        else:
            payload, command_type = b"", mbim.CommandType.QUERY
        pending = Pending(Command(self._tid(), entry.service, entry.cid, command_type, payload), entry=entry)
        self._send_pending(pending)
        return pending

    def answer(self, pending: Pending, timeout: float | None = None, parse: bool = True) -> Any:
        """The parsed reply to ask(): MbimStatusError for a status other than success,
        ProtocolError for a reply the catalogue's codec cannot read. ``parse=False``
        (or an entry without a reply payload) returns the raw information buffer."""
        from fcc_unlock.mbim.messages import DecodeError

        entry = pending.entry
        done = self.wait(pending, timeout)
        what = entry.name if entry else f"CID {done.cid}"
        if done.service_id != mbim.BASIC_CONNECT:
            what = f"{mbim.describe_service(done.service_id)} {what}"
        if done.status != mbim.Status.NONE:
            verb = "set" if pending.request.command_type == mbim.CommandType.SET else "query"
            raise MbimStatusError(f"{what} {verb} failed: {mbim.describe_status(done.status)}", done.status)
        payload = None if entry is None else entry.reply(pending.request.command_type)
        if not parse or payload is None:
            return done.information_buffer
        try:
            return payload.parse(done.information_buffer)
        except DecodeError as error:
            raise ProtocolError(f"malformed {what} reply: {error}") from None

    def query(self, entry: mbim_catalog.Cid, timeout: float | None = None) -> Any:
        """QUERY ``entry`` and return its parsed answer (see answer())."""
        return self.answer(self.ask(entry), timeout)

    def set(
        self, entry: mbim_catalog.Cid, timeout: float | None = None, parse: bool = True, **fields: Any
    ) -> Any:
        """SET ``entry`` with ``fields`` and return its parsed answer (see answer())."""
        return self.answer(self.ask(entry, **fields), timeout, parse)

    def device_services(self, timeout: float | None = None) -> list[bytes]:
        """The service UUIDs the modem lists in Basic Connect DEVICE_SERVICES."""
        from fcc_unlock.mbim import catalog

        return [s.service_id for s in self.query(catalog.DEVICE_SERVICES, timeout)]

    def _await_reply(self, tid: int, until: float, what: str) -> CommandDone | FunctionError:
        garbage_mark = self.garbage
        self._waiting_for = tid
        try:
            while True:
                event = self._inbox.pop(tid) if tid in self._inbox else self._next_event(until)
                if event is None:
                    raise self._timeout(what, garbage_mark)
                if isinstance(event, (CommandDone, FunctionError)) and event.transaction_id == tid:
                    return event
                self._check_for_pending(event, {tid}, what)
        finally:
            self._waiting_for = None
            self._outstanding.discard(tid)  # answered, failed or given up: a late reply is stale

    # --- plumbing -----------------------------------------------------------------

    def _tid(self) -> int:
        return self.connection.next_transaction_id()

    def _send(self, message: Message, until: float | None = None) -> int:
        self._trace("->", message)
        for piece in self.connection.send(message):
            self.transport.write(piece, self.deadline if until is None else until)
        return message.transaction_id

    def _next_event(self, until: float) -> object | None:
        """The next thing the modem said, or None once ``until`` has passed."""
        connection = self.connection
        while True:
            now = self.clock()
            event = connection.next_event(now)
            if event is not None:
                if isinstance(event, Message):
                    self._trace("<-", event)
                if not self._stash(event):
                    return event
                continue
            if now >= until:
                return None
            expiry = connection.next_expiry()
            wake = until if expiry is None else min(until, expiry)
            data = self.transport.read(wake)
            if data:
                connection.receive_data(data)

    def _stash(self, event: object) -> bool:
        """Keep the reply to a submitted command until someone waits for it."""
        tid = getattr(event, "transaction_id", None)
        if tid is None or tid == self._waiting_for or tid not in self._outstanding or tid in self._inbox:
            return False
        if isinstance(event, (CommandDone, FunctionError, Malformed, FragmentError)):
            self._inbox[tid] = event
            return True
        return False

    def _check_for_pending(self, event: object, pending: builtins.set[int], what: str) -> None:
        """Handle an event that is not the reply we wait for: skip it, or fail the wait."""
        if isinstance(event, IndicateStatus):
            return  # notifications are not ours to act on
        if isinstance(event, Discarded):
            self.garbage += event.count
            self._trace("note", f"discarded {event.count} bytes that are not MBIM")
            return
        if isinstance(event, FragmentError):
            self._trace("note", f"fragment error: {event}")
            if not self._final_close:
                self._send(HostError(event.transaction_id, event.code))
            if event.transaction_id in pending:
                raise ProtocolError(f"reply to {what}: {event}")
            return
        if isinstance(event, Malformed):
            self._trace("note", f"malformed message tid={event.transaction_id}: {event.reason}")
            if event.transaction_id in pending:
                raise ProtocolError(f"malformed reply to {what}: {event.reason}")
            return
        if isinstance(event, (Open, Close, Command, HostError)):
            # Host -> function types answer nothing, whatever their tid (an echo); libmbim
            # ignores them too.
            self._trace("note", f"ignoring a {event.message_type.name} sent by the modem")
            return
        if isinstance(event, Message) and event.transaction_id in pending:
            raise ProtocolError(f"unexpected {event.message_type.name} in reply to {what}")
        self._trace("note", "skipping a message that answers nothing we are waiting for")

    def _timeout(self, what: str, garbage_mark: int) -> FccUnlockError:
        """Timeout, or ProtocolError if malformed data arrived while we waited for ``what``."""
        discarded = self.garbage - garbage_mark
        if discarded:
            return ProtocolError(f"no valid reply to {what}; discarded {discarded} bytes of malformed data")
        return Timeout(f"no reply to {what} in time")

    def note(self, text: str) -> None:
        """A line for the ``-v`` trace (what a method found out, or decided)."""
        self._trace("note", text)

    def _trace(self, direction: Direction, item: object) -> None:
        if self.trace is not None:
            self.trace(direction, item)


class QmiFailure(Refused):
    """The modem answered a QMI request with an error; ``error`` is the QMI code."""

    def __init__(self, reason: str, error: int) -> None:
        super().__init__(reason)
        self.error = error


class QmiPending:
    """A QMI request sent by QmiClient.submit(), waiting for QmiClient.result()."""

    __slots__ = ("message", "request", "command")

    def __init__(self, message: catalog.Message, request: QmiMessage, command: Pending) -> None:
        self.message = message
        self.request = request
        self.command = command


class QmiClient:
    """A QMI client id of one service, reached through the MBIM QMI service.

    ``with QmiClient(session, Service.DMS) as dms: dms.call(catalog.GET_IDS)`` allocates the
    client id with CTL Allocate CID and releases it with CTL Release CID on the way
    out, errors included. If the modem does not carry QMI at all, allocation fails
    with ``Unsupported`` after one DEVICE_SERVICES query to make sure.
    """

    def __init__(self, session: MbimSession, service: int) -> None:
        self.session = session
        self.service = service
        self.client_id: int | None = None
        self._service_tid = 0

    def __enter__(self) -> QmiClient:
        self.allocate()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    def allocate(self) -> int:
        from fcc_unlock.qmi import catalog
        from fcc_unlock.qmi.messages import DecodeError, ResultError

        request = catalog.allocate_cid(self._next_ctl_tid(), self.service)
        response = self._exchange(request, timeout=QMI_PROBE_SECONDS, probe=True)
        try:
            self.client_id = catalog.allocated_client_id(response, self.service)
        except ResultError as error:
            raise Refused(f"modem refused a QMI client: {error}") from None
        except DecodeError as error:
            raise ProtocolError(f"malformed Allocate CID reply: {error}") from None
        return self.client_id

    def release(self) -> None:
        """Release our client id; bounded by the cleanup deadline; raises only if the device is gone."""
        if self.client_id is None:
            return
        from fcc_unlock.qmi import catalog

        client_id, self.client_id = self.client_id, None
        request = catalog.release_cid(self._next_ctl_tid(), self.service, client_id)
        try:
            self._exchange(request, cleanup=True)
        except DeviceError:
            raise
        except (FccUnlockError, ValueError) as error:
            self.session._trace("note", f"QMI client {client_id} not released: {error}")

    def call(self, message: catalog.Message, **values: Any) -> catalog.Values:
        """Send ``message`` (catalog.py) with its TLV ``values`` by name; return the
        response's TLVs by name if its result is success, raise QmiFailure if not."""
        return self.result(self.submit(message, **values))

    def submit(self, message: catalog.Message, **values: Any) -> QmiPending:
        """Like call(), but only send: several requests can be in flight; result() for each."""
        from fcc_unlock.qmi.catalog import build

        if self.client_id is None:
            raise RuntimeError("QMI client id not allocated")
        request = build(
            message, self.client_id, self.next_transaction_id(), on_service=self.service, **values
        )
        return QmiPending(message, request, self._submit(request))

    def result(self, pending: QmiPending) -> catalog.Values:
        """The TLVs of the successful response to a submitted request, by name.

        QmiFailure if the modem answered with an error; ProtocolError if the answer
        is not the response the catalogue describes.
        """
        from fcc_unlock.qmi.catalog import parse
        from fcc_unlock.qmi.messages import DecodeError, ResultError, check_result

        response = self._collect(pending.request, pending.command)
        try:
            check_result(response)
            return parse(pending.message, response)
        except ResultError as error:
            raise QmiFailure(str(error), error.error) from None
        except DecodeError as error:
            raise ProtocolError(f"malformed QMI reply: {error}") from None

    def next_transaction_id(self) -> int:
        self._service_tid = self._service_tid % 0xFFFF + 1
        return self._service_tid

    def _next_ctl_tid(self) -> int:
        # One CTL counter per session, so two clients (DMS and FOX) never reuse a CTL id.
        session = self.session
        session.qmi_ctl_transaction_id = session.qmi_ctl_transaction_id % 0xFF + 1
        return session.qmi_ctl_transaction_id

    def _exchange(
        self,
        request: QmiMessage,
        timeout: float | None = None,
        probe: bool = False,
        cleanup: bool = False,
    ) -> QmiMessage:
        return self._collect(request, self._submit(request, cleanup), timeout, probe)

    def _submit(self, request: QmiMessage, cleanup: bool = False) -> Pending:
        return self.session.submit(
            mbim.QMI, mbim.QMI_MSG_CID, mbim.CommandType.SET, request.encode(), cleanup=cleanup
        )

    def _collect(
        self, request: QmiMessage, command: Pending, timeout: float | None = None, probe: bool = False
    ) -> QmiMessage:
        """The QMI response inside the COMMAND_DONE of ``command``, checked to answer ``request``."""
        from fcc_unlock.qmi.messages import DecodeError, decode

        try:
            done = self.session.wait(command, timeout)
        except Timeout:
            if probe:
                self._require_qmi_service()
            raise
        if done.status != mbim.Status.NONE:
            if probe:
                self._require_qmi_service()
            if done.status in (
                mbim.Status.NO_DEVICE_SUPPORT,
                mbim.Status.INVALID_DEVICE_SERVICE_OPERATION,
            ):
                raise Unsupported(f"modem does not carry {request.name}: {mbim.describe_status(done.status)}")
            raise ProtocolError(f"modem did not deliver {request.name}: {mbim.describe_status(done.status)}")
        try:
            response = decode(done.information_buffer)
        except DecodeError as error:
            raise ProtocolError(f"malformed QMI reply to {request.name}: {error}") from None
        expected = (request.service, request.client_id, request.transaction_id, request.message_id)
        got = (response.service, response.client_id, response.transaction_id, response.message_id)
        if got != expected:
            raise ProtocolError(f"QMI reply {response.name} does not answer {request.name}")
        return response

    def _require_qmi_service(self) -> None:
        """Raise Unsupported if DEVICE_SERVICES shows the modem has no QMI service.

        Called only after the QMI service failed to answer; if this query fails too,
        the caller's original error stands.
        """
        try:
            services = self.session.device_services(timeout=QMI_PROBE_SECONDS)
        except (Timeout, ProtocolError) as error:
            self.session._trace("note", f"DEVICE_SERVICES probe failed: {error}")
            return
        if mbim.QMI not in services:
            names = ", ".join(mbim.describe_service(s) for s in services) or "none"
            raise Unsupported(f"modem exposes no QMI service over MBIM (it lists: {names})")
