"""The XMM RPC codec and catalogue against the reference frames and real-modem vectors
(docs/xmmrpc.md §1-§5)."""

from __future__ import annotations

import pytest

from fcc_unlock.errors import ProtocolError
from fcc_unlock.xmmrpc import catalog, codec

LENOVO_KEY = bytes.fromhex("3df8c719")


def frame(spaced: str) -> bytes:
    return bytes.fromhex(spaced.replace(" ", ""))


# The request frames of docs/xmmrpc.md §3 and §5, as ModemManager and xmm7360-pci send them.
@pytest.mark.parametrize(
    ("call", "args", "expected"),
    [
        (
            catalog.FCC_LOCK_QUERY,
            (),
            "1c000000 0204 0000001c 0204 0000018e 11000101 0204 11000101 0204 00000000",
        ),
        (
            catalog.FCC_LOCK_GEN_CHALLENGE,
            (),
            "1c000000 0204 0000001c 0204 00000190 11000101 0204 11000101 0204 00000000",
        ),
        (
            catalog.FCC_LOCK_VER_CHALLENGE,
            (0xB3CB544D,),
            "1c000000 0204 0000001c 0204 00000192 11000101 0204 11000101 0204 b3cb544d",
        ),
        (
            catalog.UTA_MODE_SET,
            (0, 15, 1),
            "22000000 0204 00000022 0204 0000012f 11000100 0204 00000000 0204 0000000f 0204 00000001",
        ),
    ],
)
def test_request_frames_are_the_references(call, args, expected):
    assert catalog.build(call, *args) == frame(expected)


def test_arguments_without_defaults_must_be_given():
    with pytest.raises(ValueError, match="mode has no default"):
        catalog.build(catalog.UTA_MODE_SET)
    with pytest.raises(ValueError, match="takes 1 arguments"):
        catalog.build(catalog.FCC_LOCK_QUERY, 0, 1)


@pytest.mark.parametrize(
    ("challenge", "response"),
    [
        (0xC588BFD2, 0xB3CB544D),  # real modem, accepted (xmm7360-pci #229)
        (0xBCC119B8, 0x4C6B98B3),  # real modem (#171)
        (0x7AAB3134, 0x5E9CE009),  # real modem (#190)
        (0x12345678, 1075640449),  # synthetic
    ],
)
def test_challenge_response_vectors(challenge, response):
    assert codec.challenge_response(challenge, LENOVO_KEY) == response


def test_the_hash_byte_orders_matter():
    # Big-endian challenge bytes or a big-endian read of the digest give other numbers.
    import hashlib

    digest = hashlib.sha256((0xC588BFD2).to_bytes(4, "big") + LENOVO_KEY).digest()
    assert int.from_bytes(digest[:4], "little") != 0xB3CB544D
    assert codec.challenge_response(0xC588BFD2, bytes.fromhex("bb23be7f")) != 0xB3CB544D


def async_reply(code: int, body: bytes, tid_word: int = codec.ASYNC_TID) -> bytes:
    return codec.encode_raw_frame(code, tid_word, codec.encode_int(tid_word) + body)


def test_the_real_query_reply_reads_state_0_mode_2():
    real_body = frame("02 01 00  02 04 00000000  02 04 00000002")  # xmm7360-pci #225
    reply = codec.decode_reply(async_reply(0x18F, real_body))
    assert reply.kind == codec.ASYNC_RESPONSE and reply.code == 0x18F and reply.tid == codec.ASYNC_TID
    assert reply.body == real_body  # the tid element stripped
    assert catalog.parse(catalog.FCC_LOCK_QUERY.reply, reply.elements()) == {
        "first": 0,
        "state": 0,
        "mode": 2,
    }


@pytest.mark.parametrize(
    ("tid_word", "code", "kind"),
    [
        (codec.SYNC_TID_WORD, 0x12F, codec.RESPONSE),
        (codec.ASYNC_TID, 2000, codec.ASYNC_ACK),
        (codec.ASYNC_TID, 0x7FFF, codec.ASYNC_ACK),
        (0, 0x6C, codec.UNSOLICITED),
        (15, 0x12D, codec.UNSOLICITED),  # UtaModeSetRspCb carries the mode tid
        (0x12000101, 0x18F, codec.UNSOLICITED),
    ],
)
def test_classification(tid_word, code, kind):
    reply = codec.decode_reply(codec.encode_raw_frame(code, tid_word, codec.encode_int(7)))
    assert reply.kind == kind
    assert reply.elements() == [7]


def test_an_async_response_without_its_tid_is_garbage():
    with pytest.raises(ProtocolError, match="transaction id"):
        codec.decode_reply(codec.encode_raw_frame(0x18F, codec.ASYNC_TID, codec.encode_int(0, 1)))
    with pytest.raises(ProtocolError, match="in the header"):
        codec.decode_reply(codec.encode_raw_frame(0x18F, codec.ASYNC_TID, codec.encode_int(0x11000102)))


def test_frame_bounds():
    with pytest.raises(codec.FrameError, match="over the"):
        codec.FrameReader().feed(b"\xde\xad\xbe\xef" * 4)
    with pytest.raises(codec.FrameError, match="shorter than a header"):
        codec.decode_frame((15).to_bytes(4, "little") + bytes(15))
    reader = codec.FrameReader(max_frame=40)
    with pytest.raises(codec.FrameError):
        reader.feed(codec.encode_frame(1, bytes(30)))
    assert reader.pending == 0  # dropped after a framing error
    assert len(codec.FrameReader(max_frame=40).feed(codec.encode_frame(1, bytes(24)))) == 1


def test_header_tags_are_checked():
    good = codec.encode_frame(0x18E, codec.encode_int(0), codec.ASYNC_TID)
    with pytest.raises(codec.FrameError, match="asn_int4"):
        codec.decode_frame(good[:4] + b"\x02\x02" + good[6:])
    with pytest.raises(codec.FrameError, match="cut short"):
        codec.decode_frame(good[:-1])
    with pytest.raises(codec.FrameError, match="after the frame"):
        codec.decode_frame(good + b"\0")


def test_a_length_mismatch_is_reported_not_fatal():
    good = codec.encode_frame(0x18E, codec.encode_int(0))
    mismatched = good[:6] + (99).to_bytes(4, "big") + good[10:]
    assert codec.decode_frame(mismatched).inner_length == 99
    assert codec.decode_frame(good).inner_length is None


def test_reassembler_takes_split_and_joined_frames():
    frames = [codec.encode_frame(0x18E, codec.encode_int(n)) for n in range(3)]
    stream = b"".join(frames)
    for size in (1, 3, 7, len(stream)):
        reader = codec.FrameReader()
        out = []
        for start in range(0, len(stream), size):
            out += reader.feed(stream[start : start + size])
        assert out == frames and reader.pending == 0


def test_elements_of_every_form():
    body = (
        codec.encode_int(0xAB, 1)
        + codec.encode_int(0xBEEF, 2)
        + codec.encode_int(0xDEADBEEF, 4)
        + codec.encode_string(b"apn", 1, capacity=8)
        + codec.encode_string(b"\x00\x41\x00\x42", 2)
        + codec.encode_string(b"x" * 300)
    )
    assert codec.decode_elements(body) == [0xAB, 0xBEEF, 0xDEADBEEF, b"apn", b"\x00\x41\x00\x42", b"x" * 300]


def test_string_layout_is_rpc_py_s():
    # tag 0x55, 3 valid, asn_int4(8 bytes), asn_int4(5 padding), data, zeros (docs/xmmrpc.md §1.4)
    assert codec.encode_string(b"apn", 1, capacity=8) == frame(
        "55 03 0204 00000008 0204 00000005 61706e 0000000000"
    )
    assert codec.encode_string(b"x" * 300)[:4] == frame("55 82 012c")


@pytest.mark.parametrize(
    "body",
    [
        b"\x03\x01\x00",  # unknown tag
        b"\x02\x03\x00\x00\x00",  # a 3-byte integer
        b"\x02\x04\x00",  # cut short
        b"\x02",
        frame("55 03 0204 00000009 0204 00000005 61706e 0000000000"),  # 9 != 3 + 5
        frame("55 03 0204 00000008 0204 00000005 61706e"),  # padding missing
        frame("55 85 0000000001"),  # a 5-byte count
    ],
)
def test_bad_elements_are_frame_errors(body):
    with pytest.raises(codec.FrameError):
        codec.decode_elements(body)


def test_parse_needs_numbers_where_fields_are():
    answer = catalog.FCC_LOCK_QUERY.reply
    with pytest.raises(ProtocolError, match="2 elements, 3 expected"):
        catalog.parse(answer, [0, 0])
    with pytest.raises(ProtocolError, match="state is not a number"):
        catalog.parse(answer, [0, b"x", 2])
    assert catalog.parse(answer, [0, 1, 2, 99]) == {"first": 0, "state": 1, "mode": 2}


def test_catalogue_names_codes():
    assert catalog.lookup(0x192) is catalog.FCC_LOCK_VER_CHALLENGE
    assert catalog.lookup(0x999) is None
    assert catalog.describe_code(0x191) == "CsiFccLockGenChallengeRspCb"
    assert catalog.describe_code(0x12D) == "UtaModeSetRspCb"
    assert catalog.describe_code(0x7D0) == "0x7d0"
