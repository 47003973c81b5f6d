"""The simulated modem's brain: host bytes in, the modem's actions out. No I/O.

It speaks MBIM with the same codecs the client uses, keeps a real FCC lock (until the
personality's unlock arrives, Basic Connect RADIO_STATE set ON fails with
OperationNotAllowed and QMI Set Operating Mode ONLINE with InvalidTransition), and
records every message it receives, and what it answered, in ``transcript`` so tests
can check what the client really sent.

Host bytes come in two ways, as the front-ends carry them: ``receive_data()`` takes a
byte stream (the pty), in which a message may span writes; ``receive_transfer()``
takes one USB control transfer (the GadgetFS front-end), which is one message or one
fragment, and a transfer the host's driver cut short is answered from the bytes that
arrived (docs/protocol.md §7.4).
"""

from __future__ import annotations

from fcc_unlock.mbim import _structs as wire
from fcc_unlock.mbim import basic_connect
from fcc_unlock.mbim import catalog as mbim_catalog
from fcc_unlock.mbim import constants as mbim
from fcc_unlock.mbim.messages import (
    CARRIERS,
    FRAGMENTED_TYPES,
    HEADER_SIZE,
    MIN_LENGTH,
    Close,
    CloseDone,
    Command,
    CommandDone,
    DecodeError,
    FunctionError,
    HostError,
    IndicateStatus,
    Message,
    Open,
    OpenDone,
    decode,
)
from fcc_unlock.mbim.stream import (
    DEFAULT_MAX_MESSAGE,
    FragmentAssembler,
    FragmentError,
    MessageSplitter,
    fragment,
)
from fcc_unlock.qmi import catalog
from fcc_unlock.qmi import errors as qmi_errors
from fcc_unlock.qmi import messages as qmi
from fcc_unlock.qmi.constants import Service
from fcc_unlock.qmi.errors import QmiError
from fcc_unlock.sim.actions import HangUp, Write
from fcc_unlock.sim.faults import Faults
from fcc_unlock.sim.subscriber import Subscriber

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fcc_unlock.sim.hostile import Hostile
    from fcc_unlock.sim.personalities import Personality

# Junk that can never be mistaken for an MBIM header (no valid message type in it).
GARBAGE = b"\x00\xffNOT-MBIM\xff\x00" * 4
STALE_TID_OFFSET = 0x5000  # a stale reply carries the real TID plus this
# The Basic Connect CIDs SimModem._basic_connect() answers, as DEVICE_SERVICES lists them.
BASIC_CONNECT_CIDS = tuple(
    sorted(
        entry.cid
        for entry in (
            mbim_catalog.DEVICE_CAPS,
            mbim_catalog.RADIO_STATE,
            mbim_catalog.DEVICE_SERVICES,
            mbim_catalog.SUBSCRIBE_LIST,
            *Subscriber.ENTRIES,
        )
    )
)

TRANSCRIPT_BUFFER_BYTES = 160  # how much of an information buffer a transcript entry shows
COMMAND_TYPE_NAMES: dict[int, str] = {mbim.CommandType.QUERY: "query", mbim.CommandType.SET: "set"}


def _plausible(message_type: int, length: int) -> bool:
    """Whether a header can start a message (as MessageSplitter judges one)."""
    minimum = MIN_LENGTH.get(message_type)  # type: ignore[call-overload]
    return minimum is not None and minimum <= length <= DEFAULT_MAX_MESSAGE


def _with_length(data: bytes, length: int) -> bytes:
    message_type, _, tid = wire.HEADER.unpack_from(data)
    return wire.HEADER.pack(message_type, length, tid) + data[HEADER_SIZE:]


def _trimmed(data: bytes) -> bytes:
    """A cut message as a parser that has only the bytes that arrived sees it: MessageLength
    and InformationBufferLength no more than those bytes (docs/protocol.md §7.4)."""
    data = _with_length(data, len(data))
    carrier = CARRIERS.get(wire.HEADER.unpack_from(data)[0])
    if carrier is None or len(data) < carrier.prefix.size:
        return data
    at = carrier.prefix.size - 4  # InformationBufferLength ends each carrier's prefix
    declared = int.from_bytes(data[at : at + 4], "little")
    arrived = len(data) - carrier.prefix.size
    return data[:at] + min(declared, arrived).to_bytes(4, "little") + data[at + 4 :]


def whole_subscriptions(buffer: bytes) -> list[tuple[bytes, tuple[int, ...]]]:
    """The entries of a cut SUBSCRIBE_LIST information buffer that arrived whole.

    The count and the OL pairs that arrived say where each entry lies; an entry that
    ends beyond the bytes that arrived, or whose pair did not arrive, was cut off and is
    left out (docs/protocol.md §7.4). An entry that arrived whole and still does not
    parse is malformed: DecodeError.
    """
    from fcc_unlock.mbim import layouts
    from fcc_unlock.mbim.infobuffer import parse

    if len(buffer) < 4:
        return []
    count = int.from_bytes(buffer[:4], "little")
    entries = []
    for index in range(min(count, (len(buffer) - 4) // wire.OL_PAIR.size)):
        offset, size = wire.OL_PAIR.unpack_from(buffer, 4 + index * wire.OL_PAIR.size)
        if offset + size > len(buffer):
            continue
        entry = parse(
            layouts.SubscribeListEntry, buffer[offset : offset + size], f"SUBSCRIBE_LIST entry {index}"
        )
        entries.append((entry.device_service_id, tuple(entry.cids)))  # type: ignore[attr-defined]
    return entries


class Received:
    """One whole message the modem received, and what the model answered to it.

    ``reply`` is the message the model built in answer (``handle()`` records it once the
    reply is built), ``"garbage"`` when a ``garbage_instead`` fault wrote junk instead,
    or None when nothing was answered. It is what the model answered: the hostile
    mutator (sim/hostile.py) may change the bytes afterwards, and that is not recorded
    here. ``cut``: (MessageLength, bytes that arrived) when the host's driver cut the
    transfer that carried it (docs/protocol.md §7.4).
    """

    __slots__ = ("kind", "message", "qmi", "at", "reply", "cut")

    def __init__(
        self,
        kind: str,
        message: Message,
        qmi: qmi.QmiMessage | None,
        at: float = 0.0,
        reply: Message | str | None = None,
        cut: tuple[int, int] | None = None,
    ) -> None:
        self.kind = kind
        self.message = message
        self.qmi = qmi
        self.at = at  # the ``now`` of the receive_data() or receive_transfer() call that completed it
        self.reply = reply
        self.cut = cut

    def __repr__(self) -> str:
        return f"Received({self.kind})"

    def as_dict(self) -> dict[str, object]:
        """For transcripts written to files: the request (kind, type, TID; service, CID,
        command type and the start of the information buffer of a COMMAND; the QMI
        fields) and the model's answer (reply type, MBIM status or FUNCTION_ERROR code,
        QMI error), names as libmbim and libqmi print them."""
        message = self.message
        entry: dict[str, object] = {
            "kind": self.kind,
            "type": message.message_type.name,
            "tid": message.transaction_id,
        }
        if isinstance(message, Open):
            entry["max_control_transfer"] = message.max_control_transfer
        if isinstance(message, Command):
            buffer = message.information_buffer
            entry["service"] = mbim.describe_service(message.service_id)
            entry["cid"] = message.cid
            entry["command_type"] = COMMAND_TYPE_NAMES.get(message.command_type, message.command_type)
            entry["information_buffer_length"] = len(buffer)
            entry["information_buffer"] = buffer[:TRANSCRIPT_BUFFER_BYTES].hex()
        if self.qmi is not None:
            entry["qmi"] = {
                "service": self.qmi.service,
                "client_id": self.qmi.client_id,
                "tid": self.qmi.transaction_id,
                "message_id": self.qmi.message_id,
                "tlvs": [[t, v.hex()] for t, v in self.qmi.tlvs],
            }
        if self.cut is not None:
            entry["cut"] = list(self.cut)
        reply = self.reply
        entry["reply"] = reply if reply is None or isinstance(reply, str) else reply.message_type.name
        entry["status"] = (
            mbim.describe_status(reply.status)
            if isinstance(reply, (OpenDone, CloseDone, CommandDone))
            else None
        )
        entry["function_error"] = (
            mbim.describe_error(reply.error_code) if isinstance(reply, FunctionError) else None
        )
        if self.qmi is not None:
            entry["qmi_error"] = self._qmi_error()
            entry["qmi_reply_tlvs"] = self._qmi_reply_tlvs()
        return entry

    def _qmi_reply_tlvs(self) -> list[list[object]] | None:
        """The TLVs of the QMI response the reply carried (a CTL allocation's client id
        is in its TLV 0x01); None if it carried none."""
        reply = self.reply
        if not isinstance(reply, CommandDone) or reply.status != mbim.Status.NONE:
            return None
        try:
            return [[t, v.hex()] for t, v in qmi.decode(reply.information_buffer).tlvs]
        except qmi.DecodeError:
            return None

    def _qmi_error(self) -> str | None:
        """The QMI error of the QMI response the reply carried; None if it carried none."""
        reply = self.reply
        if not isinstance(reply, CommandDone) or reply.status != mbim.Status.NONE:
            return None
        try:
            return qmi_errors.describe(qmi.decode(reply.information_buffer).result()[1])
        except qmi.DecodeError:
            return None


class SimModem:
    def __init__(self, personality: Personality, faults: Faults | None = None) -> None:
        self.personality = personality
        self.faults = faults or Faults()
        self.locked = True
        self.software_radio_on = False
        self.hardware_radio_on = not self.faults.hardware_switch_off
        self.is_open = False
        self.host_max_control_transfer = 4096
        self.clients: dict[int, int] = {}  # QMI client id -> service
        self.transcript: list[Received] = []
        self.subscriptions: list[tuple[bytes, tuple[int, ...]]] = []
        self.host_errors: list[int] = []
        self.hung_up = False
        self.power_losses: list[int] = []  # len(transcript) at each power_loss()
        self._next_client_id = 1
        self._already_open = self.faults.already_open
        self._sessions_lost: set[str] = set()  # NOT_OPENED faults already played
        self._splitter = MessageSplitter()
        self._assembler = FragmentAssembler()
        # USB transfers the host's driver got wrong (receive_transfer(), docs/protocol.md §7.4):
        self.truncated_transfers = 0  # shorter than their MessageLength: cut
        self.overlong_transfers = 0  # longer than their MessageLength: bytes after the message
        self.headerless_transfers = 0  # shorter than an MBIM header
        # (MessageLength, bytes that arrived) of the message being handled when its transfer
        # was cut, else None: the CID handlers parse what arrived (SUBSCRIBE_LIST leniently).
        self.cut: tuple[int, int] | None = None
        self._cut_partials: dict[tuple[int, int], tuple[int, int]] = {}  # fragmented messages
        self.hostile: Hostile | None = None  # mangles every reply (the ``hostile`` knob, sim/hostile.py)
        if self.faults.hostile is not None:
            from fcc_unlock.sim.hostile import Hostile

            self.hostile = Hostile(
                self.faults.hostile, self.faults.hostile_rate, deadline=self.faults.hostile_deadline
            )

    # --- bytes in, actions out ----------------------------------------------------

    def receive_data(self, data: bytes, now: float = 0.0) -> list[Write | HangUp]:
        """Bytes of a byte stream (a pty): messages are cut out by MessageLength, and one
        may span several writes or share one with others."""
        return [action for answer in self.receive_requests(data, now) for action in answer]

    def receive_requests(self, data: bytes, now: float = 0.0) -> list[list[Write | HangUp]]:
        """receive_data()'s actions, one list for each whole request they answer: a
        serial modem (the ``serial`` knob, sim/pty.py) starts on one when the last is done."""
        if self.hung_up:
            return []
        self._splitter.feed(data)
        answers: list[list[Write | HangUp]] = []
        while (raw := self._splitter.next_message()) is not None:
            try:
                whole = self._assembler.add(raw, now)
                if whole is None:
                    continue
                message = decode(whole)
            except FragmentError as error:
                answers.append([Write(FunctionError(error.transaction_id, error.code).encode())])
                continue
            except DecodeError:
                continue  # a real modem ignores what it cannot parse
            answers.append(self._handle_mutated(message, now))
            if self.hung_up:
                break
        return answers

    def receive_transfer(self, data: bytes, now: float = 0.0) -> list[Write | HangUp]:
        """One USB control transfer (SEND_ENCAPSULATED_COMMAND): one message or one
        fragment of one, and nothing of it carries over to the next transfer.

        What the host's driver can get wrong (docs/protocol.md §7.4):

        * fewer bytes than MessageLength (cdc-wdm cuts a write at wMaxCommand): counted
          in ``truncated_transfers``; the message is what arrived, its lengths trimmed to
          that, and the CID handler parses the information buffer that arrived, marked
          by ``self.cut`` (SUBSCRIBE_LIST keeps the entries that arrived whole). One
          that cannot be decoded even so gets FUNCTION_ERROR LENGTH_MISMATCH;
        * more bytes than MessageLength: counted in ``overlong_transfers``; the bytes
          after the message are dropped;
        * fewer bytes than a header: counted in ``headerless_transfers`` and dropped,
          since without a transaction id nothing can be answered.

        With the ``strict_transfer_length`` knob a transfer that is cut or overlong is
        answered FUNCTION_ERROR LENGTH_MISMATCH with its transaction id instead.
        Transfers that are not MBIM at all are ignored, as receive_data() ignores them.
        """
        if self.hung_up:
            return []
        if len(data) < HEADER_SIZE:
            self.headerless_transfers += 1
            return []
        message_type, length, tid = wire.HEADER.unpack_from(data)
        if not _plausible(message_type, length):
            return []
        cut: tuple[int, int] | None = None
        if len(data) < length:
            self.truncated_transfers += 1
            cut = (length, len(data))
            data = _with_length(data, len(data))
        elif len(data) > length:
            self.overlong_transfers += 1
            if self.faults.strict_transfer_length:
                return self._length_mismatch(data[:length], tid, now)
            data = data[:length]
        if cut is not None and self.faults.strict_transfer_length:
            return self._length_mismatch(data, tid, now, cut)
        key = (message_type, tid)
        try:
            whole = self._assembler.add(data, now)
        except FragmentError as error:
            self._cut_partials.pop(key, None)
            return [Write(FunctionError(error.transaction_id, error.code).encode())]
        if message_type in FRAGMENTED_TYPES:  # at least a fragment header: add() checked
            total, current = wire.FRAGMENT_HEADER.unpack_from(data, HEADER_SIZE)
            if current == 0:
                self._cut_partials.pop(key, None)  # a new message under this TID
            if total > 1:  # one of several fragments: the message is cut if any of them was
                if cut is not None:
                    self._cut_partials.setdefault(key, cut)
                if whole is not None:
                    cut = self._cut_partials.pop(key, None)
        if whole is None:  # the message is not complete yet
            return []
        try:
            message = decode(_trimmed(whole) if cut else whole)
        except DecodeError:
            if cut is None:
                return []  # a real modem ignores what it cannot parse
            # Too little arrived to decode it even so (a COMMAND without its service and CID).
            return [Write(FunctionError(tid, mbim.ProtocolErrorCode.LENGTH_MISMATCH).encode())]
        self.cut = cut
        try:
            return self._handle_mutated(message, now)
        finally:
            self.cut = None

    def _length_mismatch(
        self, data: bytes, tid: int, now: float, cut: tuple[int, int] | None = None
    ) -> list[Write | HangUp]:
        """The strict answer to a transfer whose length is not its MessageLength; the
        message goes into the transcript when what arrived decodes as a whole one."""
        reply = FunctionError(tid, mbim.ProtocolErrorCode.LENGTH_MISMATCH)
        try:
            message = decode(_trimmed(data) if cut else data)
        except DecodeError:
            message = None
        if message is not None:
            qmi_request = self._qmi_payload(message)
            kind = self.kind_of(message, qmi_request)
            self.transcript.append(Received(kind, message, qmi_request, now, reply, cut))
        return [Write(reply.encode())]

    def _handle_mutated(self, message: Message, now: float) -> list[Write | HangUp]:
        """handle(), then the hostile knob's mutations of its reply (sim/hostile.py)."""
        replies = self.handle(message, now)
        if self.hostile is not None:
            replies = self.hostile.mutate(self.transcript[-1].kind, message, replies, now)
            self.hung_up = self.hung_up or any(isinstance(a, HangUp) for a in replies)
        return replies

    def handle(self, message: Message, now: float = 0.0) -> list[Write | HangUp]:
        """One whole message in, the modem's actions out; the message and the reply the
        model built for it go into ``transcript``."""
        qmi_request = self._qmi_payload(message)
        kind = self.kind_of(message, qmi_request)
        received = Received(kind, message, qmi_request, now, cut=self.cut)
        self.transcript.append(received)
        actions, received.reply = self._respond(message, qmi_request, kind)
        return actions

    def _respond(
        self, message: Message, qmi_request: qmi.QmiMessage | None, kind: str
    ) -> tuple[list[Write | HangUp], Message | str | None]:
        """handle()'s actions, and the reply they carry (None: none; "garbage": junk)."""
        faults = self.faults
        if self._matches(faults.hang_up_on, kind):
            self.hung_up = True
            return [HangUp()], None
        if any(self._matches(k, kind) for k in faults.never_answer):
            return [], None
        for fault_kind, code in faults.function_error.items():
            if self._matches(fault_kind, kind) and fault_kind not in self._sessions_lost:
                if code == mbim.ProtocolErrorCode.NOT_OPENED:
                    # The modem lost its session (a firmware reset) as this arrived: it
                    # forgets the OPEN, once; a fresh OPEN brings it back.
                    self._sessions_lost.add(fault_kind)
                    self.is_open = False
                error = FunctionError(message.transaction_id, code)
                return [Write(error.encode())], error

        reply = self.reply(message, qmi_request)
        if reply is None:
            return [], None
        if any(self._matches(k, kind) for k in faults.garbage_instead):
            return [Write(GARBAGE)], "garbage"

        actions: list[Write | HangUp] = []
        if any(self._matches(k, kind) for k in faults.garbage_before):
            actions.append(Write(GARBAGE))
        if faults.indications:
            actions.append(Write(self._indication().encode()))
        if faults.stale_replies:
            stale = bytearray(reply.encode())
            stale_tid = (reply.transaction_id + STALE_TID_OFFSET) & 0xFFFFFFFF
            stale[8:12] = stale_tid.to_bytes(4, "little")
            actions += [Write(piece) for piece in self._fragment_bytes(bytes(stale))]
        actions += [Write(piece) for piece in self._fragments(reply)]
        return actions, reply

    def _matches(self, fault_kind: str | None, kind: str) -> bool:
        return fault_kind == kind or (fault_kind == "unlock" and kind == self.personality.unlock_kind)

    def _fragments(self, message: Message) -> list[bytes]:
        return self._fragment_bytes(message.encode())

    def _fragment_bytes(self, encoded: bytes) -> list[bytes]:
        limit = self.host_max_control_transfer
        if self.faults.max_control_transfer:
            limit = min(limit, self.faults.max_control_transfer)
        return fragment(encoded, limit)

    def _indication(self) -> IndicateStatus:
        return IndicateStatus(
            0,
            mbim.BASIC_CONNECT,
            mbim.BasicConnectCid.RADIO_STATE,
            basic_connect.radio_state(self.hardware_radio_on, self.software_radio_on),
        )

    # --- what each message is, and what the modem answers ---------------------------

    def kind_of(self, message: Message, qmi_request: qmi.QmiMessage | None) -> str:
        if isinstance(message, Open):
            return "open"
        if isinstance(message, Close):
            return "close"
        if not isinstance(message, Command):
            return "other"
        if qmi_request is not None:
            entry = catalog.lookup(qmi_request)
            return "other" if entry is None else entry.kind
        cid = mbim_catalog.lookup(message.service_id, message.cid)
        return (cid.kind(message.command_type) if cid else None) or "other"

    def reply(self, message: Message, qmi_request: qmi.QmiMessage | None) -> Message | None:
        tid = message.transaction_id
        if isinstance(message, Open):
            self.host_max_control_transfer = max(64, message.max_control_transfer)
            if self._already_open:
                # Sierra EM7345: an OPEN on an open channel gets a CLOSE_DONE, other TID.
                self._already_open = False
                self.is_open = True
                return CloseDone((tid + 0x100) & 0xFFFFFFFF, mbim.Status.NONE)
            self.is_open = True
            return OpenDone(tid, mbim.Status.NONE)
        if isinstance(message, Close):
            self.is_open = False
            return CloseDone(tid, mbim.Status.NONE)
        if isinstance(message, HostError):
            self.host_errors.append(message.error_code)
            return None
        if not isinstance(message, Command):
            return None  # the host sent a device-to-host type: ignore, as libmbim does
        if not self.is_open:
            return FunctionError(tid, mbim.ProtocolErrorCode.NOT_OPENED)
        if message.service_id == mbim.BASIC_CONNECT:
            return self._basic_connect(message)
        if message.service_id == mbim.QMI and self.carries_qmi:
            return self._qmi(message, qmi_request)
        vendor = self.personality.handle_vendor(self, message)
        if vendor is not None:
            return vendor
        return self.done(message, mbim.Status.NO_DEVICE_SUPPORT)

    @staticmethod
    def done(command: Command, status: int = mbim.Status.NONE, payload: bytes = b"") -> CommandDone:
        return CommandDone(command.transaction_id, command.service_id, command.cid, status, payload)

    @property
    def carries_qmi(self) -> bool:
        """Whether the MBIM QMI service is there (the personality has it, no knob hides it)."""
        return self.personality.has_qmi_service and not self.faults.no_qmi_service

    def services(self) -> list[basic_connect.DeviceService]:
        listed = [basic_connect.DeviceService(mbim.BASIC_CONNECT, BASIC_CONNECT_CIDS)]
        if self.carries_qmi:
            listed += [basic_connect.DeviceService(mbim.QMI, (mbim.QMI_MSG_CID,))]
        return listed + self.personality.vendor_services(self)

    def _basic_connect(self, command: Command) -> CommandDone:
        entry = mbim_catalog.lookup(command.service_id, command.cid)
        query = command.command_type == mbim.CommandType.QUERY
        if entry is mbim_catalog.DEVICE_CAPS and query:
            return self.reply_with(command, entry, caps=self.personality.device_caps())
        if entry is mbim_catalog.DEVICE_SERVICES and query:
            return self.reply_with(command, entry, services=self.services())
        if entry is mbim_catalog.RADIO_STATE:
            if not query:
                try:
                    on = entry.set.parse(command.information_buffer)  # type: ignore[union-attr]
                except DecodeError:
                    return self.done(command, mbim.Status.INVALID_PARAMETERS)
                if on and self.locked:
                    return self.done(command, mbim.Status.OPERATION_NOT_ALLOWED)
                self.software_radio_on = bool(on)
            return self.reply_with(
                command, entry, hardware_on=self.hardware_radio_on, software_on=self.software_radio_on
            )
        if entry is mbim_catalog.SUBSCRIBE_LIST and not query:
            try:
                self.subscriptions = entry.set.parse(command.information_buffer)  # type: ignore[union-attr]
            except DecodeError:
                if self.cut is not None:
                    return self._cut_subscribe_list(command)
                return self.done(command, mbim.Status.INVALID_PARAMETERS)
            return self.done(command, payload=command.information_buffer)
        if entry in Subscriber.ENTRIES:
            status, payload = self.subscriber().answer(
                entry, command.command_type, command.information_buffer, self.radio_up()
            )
            return self.done(command, status, payload)
        return self.done(command, mbim.Status.NO_DEVICE_SUPPORT)

    # The SIM and the network (sim/subscriber.py), made when a command first asks for them.
    _subscriber: Subscriber | None = None

    def subscriber(self) -> Subscriber:
        if self._subscriber is None:
            self._subscriber = Subscriber(self.faults)
        return self._subscriber

    def radio_up(self) -> bool:
        """The radio transmits: the FCC lock undone, the host's and the hardware switch on."""
        return not self.locked and self.software_radio_on and self.hardware_radio_on

    def _cut_subscribe_list(self, command: Command) -> CommandDone:
        """A SUBSCRIBE_LIST the host's driver cut (docs/protocol.md §7.4): the entries that
        arrived whole are taken, the cut one dropped, and the answer is success with
        the list taken, as a modem that keeps working answers."""
        try:
            self.subscriptions = whole_subscriptions(command.information_buffer)
        except DecodeError:
            return self.done(command, mbim.Status.INVALID_PARAMETERS)
        return self.done(command, payload=basic_connect.subscribe_list(self.subscriptions))

    def reply_with(self, command: Command, entry: mbim_catalog.Cid, **fields: object) -> CommandDone:
        """A successful COMMAND_DONE carrying the catalogue's reply payload built from ``fields``."""
        return self.done(command, payload=entry.response.build(**fields))  # type: ignore[union-attr]

    # --- QMI over MBIM ----------------------------------------------------------------

    @staticmethod
    def _qmi_payload(message: Message) -> qmi.QmiMessage | None:
        if not (isinstance(message, Command) and message.service_id == mbim.QMI):
            return None
        try:
            return qmi.decode(message.information_buffer)
        except qmi.DecodeError:
            return None

    def _qmi(self, command: Command, request: qmi.QmiMessage | None) -> CommandDone:
        if request is None or command.cid != mbim.QMI_MSG_CID:
            return self.done(command, mbim.Status.INVALID_PARAMETERS)
        if request.service == Service.CTL:
            response = self._ctl(request)
        elif self.clients.get(request.client_id) != request.service:
            response = qmi.response_to(request, error=QmiError.INVALID_CLIENT_ID)
        else:
            response = self.personality.handle_qmi(self, request) or qmi.response_to(
                request, error=QmiError.INVALID_QMI_COMMAND
            )
        return self.done(command, payload=response.encode())

    def _ctl(self, request: qmi.QmiMessage) -> qmi.QmiMessage:
        message = catalog.lookup(request)
        if message is None:
            return qmi.response_to(request, error=QmiError.INVALID_QMI_COMMAND)
        try:
            values = catalog.parse(message, request)
        except qmi.DecodeError:
            return catalog.respond(message, request, QmiError.MALFORMED_MESSAGE)
        if message is catalog.ALLOCATE_CID:
            service = values["service"]
            if not self.personality.offers_qmi_service(self, service):
                return catalog.respond(message, request, QmiError.INVALID_SERVICE_TYPE)
            client_id = self._next_client_id
            self._next_client_id = client_id % 255 + 1
            self.clients[client_id] = service
            return catalog.respond(message, request, allocation_info=(service, client_id))
        if message is catalog.RELEASE_CID:
            service, client_id = values["release_info"]
            if self.clients.get(client_id) != service:
                return catalog.respond(message, request, QmiError.INVALID_CLIENT_ID)
            del self.clients[client_id]
            return catalog.respond(message, request, release_info=(service, client_id))
        if message is catalog.SYNC:
            self.clients.clear()  # what makes Sync dangerous for everyone else
            return catalog.respond(message, request)
        if message is catalog.GET_VERSION_INFO:
            return catalog.respond(message, request, services=self.personality.service_versions())
        return catalog.respond(message, request, QmiError.INVALID_QMI_COMMAND)

    # --- power -----------------------------------------------------------------------

    def power_loss(self) -> None:
        """The modem lost power and is back (a suspend without power to the slot, a
        reset): it boots FCC-locked, radio off, with no MBIM session, no QMI clients and
        nothing half-received. What it was told before stays in the transcript."""
        self.locked = True
        self.software_radio_on = False
        self.is_open = False
        self.host_max_control_transfer = 4096
        self.clients.clear()
        self.subscriptions = []
        self._next_client_id = 1
        self._splitter = MessageSplitter()
        self._assembler = FragmentAssembler()
        self._subscriber = None  # the SIM starts over too: a PIN entered before is asked again
        self.power_losses.append(len(self.transcript))

    # --- lock semantics the personalities share ------------------------------------

    def unlock(self) -> None:
        self.locked = False

    def radio_on(self) -> bool:
        """Host asks for the radio; True if it came on."""
        if self.locked:
            return False
        self.software_radio_on = True
        return self.hardware_radio_on
