"""MessageSplitter, FragmentAssembler and fragment() on hand-made cases."""

from __future__ import annotations

import pytest

from fcc_unlock.mbim import constants as mbim
from fcc_unlock.mbim.constants import MessageType, ProtocolErrorCode
from fcc_unlock.mbim.messages import CommandDone, IndicateStatus, Open, OpenDone
from fcc_unlock.mbim.stream import (
    DEFAULT_MAX_MESSAGE,
    FragmentAssembler,
    FragmentError,
    MessageSplitter,
    fragment,
)


def u32(*values: int) -> bytes:
    return b"".join(v.to_bytes(4, "little") for v in values)


def piece(message_type: int, tid: int, total: int, current: int, body: bytes = b"") -> bytes:
    return u32(message_type, 20 + len(body), tid, total, current) + body


# --- MessageSplitter ------------------------------------------------------------------


def test_splitter_byte_by_byte():
    data = OpenDone(1, 0).encode() + CommandDone(2, mbim.QMI, 1, 0, b"\x01\x02\x03").encode()
    splitter = MessageSplitter()
    out = []
    for byte in data:
        splitter.feed(bytes([byte]))
        while (raw := splitter.next_message()) is not None:
            out.append(raw)
    assert out == [data[:16], data[16:]]


def test_splitter_skips_garbage_and_counts_it():
    splitter = MessageSplitter()
    splitter.feed(b"\xffNOT MBIM AT ALL\xff" + OpenDone(3, 0).encode())
    assert splitter.next_message() == OpenDone(3, 0).encode()
    assert splitter.discarded == 17
    assert splitter.pending == 0


def test_splitter_keeps_a_short_tail_that_may_start_a_header():
    splitter = MessageSplitter()
    splitter.feed(b"\xff" * 30 + OpenDone(3, 0).encode()[:5])
    assert splitter.next_message() is None
    assert splitter.pending == 11  # HEADER_SIZE - 1: the garbage is gone, the tail kept
    splitter.feed(OpenDone(3, 0).encode()[5:])
    assert splitter.next_message() == OpenDone(3, 0).encode()


@pytest.mark.parametrize(
    "header",
    [
        u32(0x12345678, 16, 1),  # unknown type
        u32(MessageType.OPEN_DONE, 15, 1),  # shorter than an OPEN_DONE
        u32(MessageType.COMMAND_DONE, 19, 1),  # shorter than a fragment header
        u32(MessageType.COMMAND_DONE, DEFAULT_MAX_MESSAGE + 1, 1),  # longer than we accept
    ],
    ids=["unknown-type", "too-short", "fragment-too-short", "too-long"],
)
def test_splitter_treats_an_impossible_header_as_garbage(header):
    splitter = MessageSplitter()
    splitter.feed(header + OpenDone(4, 0).encode())
    assert splitter.next_message() == OpenDone(4, 0).encode()
    assert splitter.discarded == len(header)


def test_splitter_waits_for_a_plausible_but_incomplete_message():
    splitter = MessageSplitter()
    whole = CommandDone(5, mbim.BASIC_CONNECT, 1, 0, bytes(100)).encode()
    splitter.feed(whole[:60])
    assert splitter.next_message() is None
    assert splitter.pending == 60
    splitter.feed(whole[60:])
    assert splitter.next_message() == whole


# --- FragmentAssembler ------------------------------------------------------------------


def test_assembler_passes_unfragmented_messages_through():
    assembler = FragmentAssembler()
    for data in (Open(1, 4096).encode(), CommandDone(1, mbim.QMI, 1, 0, b"x").encode()):
        assert assembler.add(data, 0.0) == data


def test_assembler_joins_fragments_and_rewrites_the_header():
    whole = IndicateStatus(0, mbim.BASIC_CONNECT, 3, bytes(range(100))).encode()
    pieces = fragment(whole, 64)
    assert len(pieces) == 3
    assembler = FragmentAssembler()
    assert assembler.add(pieces[0], 0.0) is None
    assert assembler.add(pieces[1], 0.1) is None
    assert assembler.add(pieces[2], 0.2) == whole


def test_assembler_keeps_messages_of_different_tids_apart():
    one = CommandDone(1, mbim.QMI, 1, 0, b"a" * 80).encode()
    two = CommandDone(2, mbim.QMI, 1, 0, b"b" * 80).encode()
    p1, p2 = fragment(one, 64), fragment(two, 64)
    assembler = FragmentAssembler()
    assert assembler.add(p1[0], 0) is None
    assert assembler.add(p2[0], 0) is None
    assert assembler.add(p2[1], 0) is None
    assert assembler.add(p1[1], 0) is None
    assert assembler.add(p1[2], 0) == one
    assert assembler.add(p2[2], 0) == two


@pytest.mark.parametrize(
    ("pieces", "code"),
    [
        ([piece(MessageType.COMMAND_DONE, 7, 0, 0)], ProtocolErrorCode.FRAGMENT_OUT_OF_SEQUENCE),
        ([piece(MessageType.COMMAND_DONE, 7, 2, 2)], ProtocolErrorCode.FRAGMENT_OUT_OF_SEQUENCE),
        ([piece(MessageType.COMMAND_DONE, 7, 3, 1)], ProtocolErrorCode.FRAGMENT_OUT_OF_SEQUENCE),
        (
            [piece(MessageType.COMMAND_DONE, 7, 3, 0), piece(MessageType.COMMAND_DONE, 7, 3, 2)],
            ProtocolErrorCode.FRAGMENT_OUT_OF_SEQUENCE,
        ),
        (
            [piece(MessageType.COMMAND_DONE, 7, 3, 0), piece(MessageType.COMMAND_DONE, 7, 4, 1)],
            ProtocolErrorCode.FRAGMENT_OUT_OF_SEQUENCE,
        ),
        (
            [
                piece(MessageType.COMMAND_DONE, 7, 2, 0, bytes(40)),
                piece(MessageType.COMMAND_DONE, 7, 2, 1, bytes(60)),
            ],
            ProtocolErrorCode.MAX_TRANSFER,
        ),
    ],
    ids=["total-0", "current-past-total", "no-first", "gap", "total-changed", "too-large"],
)
def test_assembler_errors(pieces, code):
    assembler = FragmentAssembler(max_message_length=100)
    for data in pieces[:-1]:
        assert assembler.add(data, 0.0) is None
    with pytest.raises(FragmentError) as raised:
        assembler.add(pieces[-1], 0.0)
    assert raised.value.code == code
    assert raised.value.transaction_id == 7
    assert assembler.next_expiry() is None  # the broken message is forgotten


def test_fragment_error_is_a_decode_error():
    from fcc_unlock.mbim.messages import DecodeError

    assert issubclass(FragmentError, DecodeError)


def test_gap_timeout_expires_at_next_expiry():
    """A clock that wakes exactly at next_expiry() must see the timeout then.

    The session sleeps until next_expiry() and calls expire(now); if expire() wanted
    strictly later, a clock that lands on the expiry (a fake clock, or a coarse one)
    would spin without ever timing out.
    """
    assembler = FragmentAssembler(gap_timeout=1.25)
    assert assembler.add(piece(MessageType.COMMAND_DONE, 9, 2, 0, bytes(8)), 0.1) is None
    expiry = assembler.next_expiry()
    assert expiry == 0.1 + 1.25
    assert assembler.expire(0.1 + 1.2) == []
    (error,) = assembler.expire(expiry)
    assert (error.transaction_id, error.code) == (9, ProtocolErrorCode.TIMEOUT_FRAGMENT)
    assert assembler.next_expiry() is None


def test_expiry_follows_the_latest_fragment():
    assembler = FragmentAssembler(gap_timeout=1.25)
    assembler.add(piece(MessageType.COMMAND_DONE, 9, 3, 0), 0.0)
    assembler.add(piece(MessageType.COMMAND_DONE, 9, 3, 1), 1.0)
    assert assembler.next_expiry() == 2.25
    assert assembler.expire(2.0) == []


# --- fragment() ---------------------------------------------------------------------


def test_fragment_layout_matches_libmbim():
    body = bytes(range(200))
    whole = CommandDone(0x42, mbim.QMI, 1, 0, body).encode()  # 248 bytes
    pieces = fragment(whole, 100)
    payload = whole[20:]
    assert [len(p) for p in pieces] == [100, 100, 88]
    for index, data in enumerate(pieces):
        assert data[:4] == u32(MessageType.COMMAND_DONE)
        assert data[4:8] == u32(len(data))
        assert data[8:12] == u32(0x42)
        assert data[12:20] == u32(3, index)
        assert data[20:] == payload[index * 80 : (index + 1) * 80]


def test_fragment_leaves_small_messages_alone():
    whole = CommandDone(1, mbim.QMI, 1, 0, bytes(44)).encode()
    assert fragment(whole, len(whole)) == [whole]


def test_fragment_rejects_tiny_transfers():
    with pytest.raises(ValueError, match="below"):
        fragment(CommandDone(1, mbim.QMI, 1, 0, bytes(100)).encode(), 63)
