"""mbim.connection.Connection: transaction ids, framing and the events it reports."""

from __future__ import annotations

from fcc_unlock.mbim import constants as mbim
from fcc_unlock.mbim.connection import MAX_TRANSACTION_ID, Connection, Discarded, Malformed
from fcc_unlock.mbim.constants import MessageType, ProtocolErrorCode
from fcc_unlock.mbim.messages import CommandDone, IndicateStatus, OpenDone
from fcc_unlock.mbim.stream import FragmentError, fragment


def events(connection: Connection, now: float = 0.0) -> list[object]:
    out = []
    while (event := connection.next_event(now)) is not None:
        out.append(event)
    return out


def test_transaction_ids_start_at_one_and_count_up():
    connection = Connection()
    assert [connection.next_transaction_id() for _ in range(3)] == [1, 2, 3]


def test_transaction_ids_wrap_to_one_never_zero():
    connection = Connection()
    connection._last_tid = MAX_TRANSACTION_ID - 2  # as after four billion requests
    assert [connection.next_transaction_id() for _ in range(4)] == [0xFFFFFFFE, 0xFFFFFFFF, 1, 2]


def test_send_fragments_to_max_control_transfer():
    connection = Connection(max_control_transfer=64)
    command = CommandDone(5, mbim.QMI, 1, 0, bytes(100))
    pieces = connection.send(command)
    assert pieces == fragment(command.encode(), 64)
    assert len(pieces) == 3  # 128 bytes after the 20-byte prefix, 44 per piece
    assert Connection(max_control_transfer=4096).send(command) == [command.encode()]


def test_messages_in_one_read_come_out_in_order():
    connection = Connection()
    connection.receive_data(OpenDone(1, 0).encode() + IndicateStatus(0, mbim.BASIC_CONNECT, 3).encode())
    assert events(connection) == [OpenDone(1, 0), IndicateStatus(0, mbim.BASIC_CONNECT, 3)]


def test_garbage_is_reported_then_the_message():
    connection = Connection()
    connection.receive_data(b"\xffjunk\xff" + OpenDone(1, 0).encode())
    got = events(connection)
    assert [type(e) for e in got] == [Discarded, OpenDone]
    assert got[0].count == 6


def test_malformed_message_keeps_its_transaction_id():
    data = bytearray(CommandDone(7, mbim.QMI, 1, 0, b"abcd").encode())
    data[44:48] = (99).to_bytes(4, "little")  # InformationBufferLength overruns the message
    connection = Connection()
    connection.receive_data(bytes(data) + OpenDone(8, 0).encode())
    malformed, done = events(connection)
    assert isinstance(malformed, Malformed)
    assert malformed.transaction_id == 7
    assert "overruns" in malformed.reason
    assert malformed.data == bytes(data)
    assert done == OpenDone(8, 0)


def test_fragmented_reply_is_reassembled():
    reply = CommandDone(9, mbim.BASIC_CONNECT, 16, 0, bytes(range(200)))
    connection = Connection()
    for piece in fragment(reply.encode(), 64):
        connection.receive_data(piece)
    assert events(connection) == [reply]


def test_fragment_error_is_an_event_and_the_stream_goes_on():
    reply = CommandDone(9, mbim.BASIC_CONNECT, 16, 0, bytes(range(200)))
    pieces = fragment(reply.encode(), 64)
    connection = Connection()
    connection.receive_data(pieces[1] + OpenDone(3, 0).encode())
    error, done = events(connection)
    assert isinstance(error, FragmentError)
    assert (error.transaction_id, error.code) == (9, ProtocolErrorCode.FRAGMENT_OUT_OF_SEQUENCE)
    assert done == OpenDone(3, 0)


def test_gap_timeout_is_an_event_when_the_clock_reaches_next_expiry():
    reply = CommandDone(9, mbim.BASIC_CONNECT, 16, 0, bytes(range(200)))
    connection = Connection(gap_timeout=1.25)
    connection.receive_data(fragment(reply.encode(), 64)[0])
    assert events(connection, now=10.0) == []
    assert connection.next_expiry() == 11.25
    assert events(connection, now=11.0) == []
    (error,) = events(connection, now=11.25)
    assert (error.transaction_id, error.code) == (9, ProtocolErrorCode.TIMEOUT_FRAGMENT)
    assert connection.next_expiry() is None


def test_host_messages_from_the_modem_still_decode():
    """The connection reports what arrived; the session decides it answers nothing."""
    from fcc_unlock.mbim.messages import Open

    connection = Connection()
    connection.receive_data(Open(4, 512).encode())
    (event,) = events(connection)
    assert event == Open(4, 512)
    assert event.message_type is MessageType.OPEN
