"""MessageSplitter, fragment() and FragmentAssembler under random streams."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from strategies import fragmentable, hostile, mbim_messages, modem_messages, non_plausible_garbage, u32

from fcc_unlock.mbim.connection import Connection, Discarded, Malformed
from fcc_unlock.mbim.constants import MessageType, ProtocolErrorCode
from fcc_unlock.mbim.messages import FRAGMENT_PREFIX_SIZE, HEADER_SIZE, Message, decode
from fcc_unlock.mbim.stream import (
    MIN_CONTROL_TRANSFER,
    FragmentAssembler,
    FragmentError,
    MessageSplitter,
    fragment,
)


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in zip(points, points[1:])]


@st.composite
def fragmented_pieces(draw: st.DrawFn) -> bytes:
    """Some of the fragments of a message, in order, as a modem would send them."""
    message = draw(fragmentable)
    message.information_buffer += bytes(draw(st.integers(0, 300)))
    pieces = fragment(message.encode(), draw(st.integers(MIN_CONTROL_TRANSFER, 128)))
    return b"".join(pieces[: draw(st.integers(1, len(pieces)))])


def drain(splitter: MessageSplitter) -> list[bytes]:
    out = []
    while (message := splitter.next_message()) is not None:
        out.append(message)
    return out


@given(st.lists(mbim_messages, max_size=8), st.lists(st.integers(0, 10_000), max_size=30))
def test_splitter_any_chunking_yields_exactly_the_messages(messages, cuts):
    encoded = [m.encode() for m in messages]
    splitter = MessageSplitter()
    out = []
    for piece in chunked(b"".join(encoded), cuts):
        splitter.feed(piece)
        out += drain(splitter)
    assert out == encoded
    assert splitter.pending == 0
    assert splitter.discarded == 0


@given(
    st.lists(st.tuples(non_plausible_garbage | st.just(b""), modem_messages), min_size=1, max_size=6),
    st.booleans(),
)
def test_splitter_recovers_messages_after_garbage(items, one_feed):
    """Garbage that cannot form a header is dropped and counted; no message is lost."""
    splitter = MessageSplitter()
    out = []
    feeds = [b"".join(g + m.encode() for g, m in items)] if one_feed else []
    if not one_feed:
        for garbage, message in items:
            feeds += [garbage, message.encode()]
    for data in feeds:
        splitter.feed(data)
        out += drain(splitter)
    assert [decode(raw) for raw in out] == [m for _, m in items]
    assert splitter.discarded == sum(len(g) for g, _ in items)


@given(
    st.lists(hostile(mbim_messages.map(lambda m: m.encode())), max_size=12),
    st.integers(64, 1024),
)
def test_splitter_never_raises_and_stays_bounded(feeds, max_message_length):
    splitter = MessageSplitter(max_message_length)
    for data in feeds:
        splitter.feed(data)
        for raw in drain(splitter):
            # Whatever comes out is framed: the header's length is the slice's length.
            assert len(raw) >= HEADER_SIZE
            assert int.from_bytes(raw[4:8], "little") == len(raw) <= max_message_length
        # Left over: at most one incomplete message that may still become valid.
        assert splitter.pending < max(max_message_length, HEADER_SIZE)


@given(fragmentable, st.integers(MIN_CONTROL_TRANSFER, 400), st.integers(0, 3000))
def test_fragment_then_assemble_roundtrip(message, max_transfer, extra):
    message.information_buffer += bytes(range(256)) * (extra // 256) + bytes(extra % 256)
    data = message.encode()
    pieces = fragment(data, max_transfer)
    assert all(len(p) <= max_transfer for p in pieces)
    assert len(pieces) == (1 if len(data) <= max_transfer else -(-(len(data) - 20) // (max_transfer - 20)))
    for index, piece in enumerate(pieces):
        assert int.from_bytes(piece[4:8], "little") == len(piece)
        assert piece[8:12] == data[8:12]  # one TID for every fragment
        if len(pieces) > 1:
            assert int.from_bytes(piece[12:16], "little") == len(pieces)
            assert int.from_bytes(piece[16:20], "little") == index
    assembler = FragmentAssembler()
    results = [assembler.add(piece, now=float(i)) for i, piece in enumerate(pieces)]
    assert results[:-1] == [None] * (len(pieces) - 1)
    assert results[-1] == data
    assert assembler.next_expiry() is None


@given(
    st.lists(
        st.tuples(
            st.sampled_from([MessageType.COMMAND_DONE, MessageType.INDICATE_STATUS, MessageType.OPEN_DONE]),
            st.integers(1, 3),  # tid
            st.integers(0, 4),  # total
            st.integers(0, 4),  # current
            st.binary(max_size=40),
        ),
        max_size=15,
    ),
    st.lists(st.floats(0, 2), min_size=15, max_size=15),
)
def test_assembler_random_fragments_only_raise_fragment_error(fragments, gaps):
    assembler = FragmentAssembler(gap_timeout=1.25, max_message_length=200)
    now = 0.0
    for (message_type, tid, total, current, body), gap in zip(fragments, gaps):
        now += gap
        data = (
            message_type.to_bytes(4, "little")
            + (FRAGMENT_PREFIX_SIZE + len(body)).to_bytes(4, "little")
            + tid.to_bytes(4, "little")
            + total.to_bytes(4, "little")
            + current.to_bytes(4, "little")
            + body
        )
        for error in assembler.expire(now):
            assert error.code == ProtocolErrorCode.TIMEOUT_FRAGMENT
        try:
            whole = assembler.add(data, now)
        except FragmentError as error:
            assert error.transaction_id == tid
            assert error.code in (
                ProtocolErrorCode.FRAGMENT_OUT_OF_SEQUENCE,
                ProtocolErrorCode.MAX_TRANSFER,
            )
            continue
        if whole is not None:
            assert int.from_bytes(whole[4:8], "little") == len(whole) <= 200 + FRAGMENT_PREFIX_SIZE
            if message_type != MessageType.OPEN_DONE:
                assert whole[12:20] == (1).to_bytes(4, "little") + (0).to_bytes(4, "little")
        expiry = assembler.next_expiry()
        assert expiry is None or now < expiry <= now + 1.25


@given(fragmentable, st.integers(MIN_CONTROL_TRANSFER, 200), st.floats(0.5, 100), st.integers(0, 5))
def test_gap_timeout_via_next_expiry(message, max_transfer, start, arrived):
    message.information_buffer = bytes(3 * max_transfer)
    pieces = fragment(message.encode(), max_transfer)
    assembler = FragmentAssembler(gap_timeout=1.25)
    now = start
    arrived = min(arrived, len(pieces) - 2)
    for piece in pieces[: arrived + 1]:
        assert assembler.add(piece, now) is None
        last, now = now, now + 0.5
    expiry = assembler.next_expiry()
    assert expiry == last + 1.25
    # Not a moment early, and exactly on time: a clock that jumps to next_expiry()
    # (a fake one, or a coarse poll) must see the timeout there.
    assert assembler.expire(expiry - 0.01) == []
    (error,) = assembler.expire(expiry)
    assert error.code == ProtocolErrorCode.TIMEOUT_FRAGMENT
    assert error.transaction_id == message.transaction_id
    assert assembler.next_expiry() is None
    # The rest of the message now arrives out of sequence.
    if arrived + 1 < len(pieces):
        try:
            assembler.add(pieces[arrived + 1], expiry)
        except FragmentError as late:
            assert late.code == ProtocolErrorCode.FRAGMENT_OUT_OF_SEQUENCE
        else:
            raise AssertionError("a fragment after the timeout was accepted")


@given(u32)
def test_fragment_refuses_unfragmentable_types(tid):
    from fcc_unlock.mbim.messages import Open

    # An OPEN never exceeds 16 bytes, so it is returned whole for any legal transfer size.
    assert fragment(Open(tid, 4096).encode(), MIN_CONTROL_TRANSFER) == [Open(tid, 4096).encode()]


@given(
    st.lists(
        st.tuples(
            hostile(st.one_of(modem_messages.map(lambda m: m.encode()), fragmented_pieces())),
            st.floats(0, 1),
        ),
        max_size=12,
    ),
    st.lists(st.integers(0, 10_000), max_size=10),
)
def test_connection_turns_any_stream_into_events(feeds, cuts):
    """Hostile bytes, cut anywhere, with the clock moving: only events, never an exception."""
    connection = Connection(max_control_transfer=64, max_message_length=2048)
    now = 0.0
    stream = b"".join(data for data, _ in feeds)
    gaps = [gap for _, gap in feeds] or [0.0]
    for index, chunk in enumerate(chunked(stream, cuts)):
        now += gaps[index % len(gaps)]
        connection.receive_data(chunk)
        while (event := connection.next_event(now)) is not None:
            assert isinstance(event, (Message, Discarded, Malformed, FragmentError))
            if isinstance(event, Discarded):
                assert event.count > 0
        expiry = connection.next_expiry()
        assert expiry is None or expiry > now
