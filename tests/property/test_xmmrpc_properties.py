"""XMM RPC: any bytes into any decoder give a value or FrameError (a ProtocolError),
never another exception; what the codec encodes it decodes back; the reassembler's
output does not depend on how the stream is cut (docs/xmmrpc.md §1, §2)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from strategies import hostile

from fcc_unlock.sim.xmmrpc_modem import RpcFaults, XmmRpcModem
from fcc_unlock.xmmrpc import catalog, codec

u32 = st.integers(0, 0xFFFFFFFF)
sizes = st.sampled_from([1, 2, 4])


@st.composite
def integer_elements(draw: st.DrawFn) -> tuple[int, int]:
    size = draw(sizes)
    return draw(st.integers(0, (1 << (8 * size)) - 1)), size


@st.composite
def string_elements(draw: st.DrawFn) -> tuple[bytes, int, int]:
    element_size = draw(sizes)
    count = draw(st.integers(0, 200))
    data = draw(st.binary(min_size=count * element_size, max_size=count * element_size))
    return data, element_size, count + draw(st.integers(0, 5))


elements = st.lists(st.one_of(integer_elements(), string_elements()), max_size=8)


def encode(items: list) -> bytes:
    out = b""
    for item in items:
        out += codec.encode_int(*item) if len(item) == 2 else codec.encode_string(*item)
    return out


@st.composite
def frames(draw: st.DrawFn) -> bytes:
    body = encode(draw(elements))
    code = (
        draw(st.sampled_from([0x18F, 0x191, 0x193, 0x12D, 0x6C, 2000, 0x12F]))
        if draw(st.booleans())
        else draw(u32)
    )
    kind = draw(st.sampled_from(["sync", "async", "raw"]))
    if kind == "sync":
        return codec.encode_frame(code, body)
    if kind == "async":
        tid = draw(st.sampled_from([codec.ASYNC_TID, 0x110001FF]))
        return codec.encode_raw_frame(code, tid, codec.encode_int(tid) + body)
    return codec.encode_raw_frame(code, draw(u32), body)


def test_elements_round_trip():
    @given(elements)
    def check(items):
        expected = [item[0] for item in items]
        assert codec.decode_elements(encode(items)) == expected

    check()


def test_frames_round_trip():
    @given(st.integers(0, 0x7CF), st.lists(u32, max_size=6), st.one_of(st.none(), st.just(codec.ASYNC_TID)))
    def check(code, values, tid):
        reply = codec.decode_reply(codec.encode_frame(code, codec.encode_elements(values), tid))
        assert reply.code == code
        assert reply.kind == (codec.RESPONSE if tid is None else codec.ASYNC_RESPONSE)
        assert reply.elements() == values

    check()


bodies = st.builds(encode, elements)


@st.composite
def hostile_bodies_framed(draw: st.DrawFn) -> bytes:
    """A hostile body in a well-formed frame: the header passes, the body is tested."""
    tid = draw(st.sampled_from([codec.SYNC_TID_WORD, codec.ASYNC_TID, 0]))
    prefix = codec.encode_int(tid) if tid == codec.ASYNC_TID and draw(st.booleans()) else b""
    return codec.encode_raw_frame(draw(st.integers(0, 0x7CF)), tid, prefix + draw(hostile(bodies)))


def test_decoders_never_crash():
    @given(st.one_of(hostile(frames()), hostile(bodies), hostile_bodies_framed()))
    def check(data):
        for decode in (codec.decode_elements, codec.decode_frame, lambda d: codec.decode_reply(d).elements()):
            try:
                decode(data)
            except codec.FrameError:
                pass
        try:
            codec.frame_length(data)
        except codec.FrameError:
            pass

    check()


def test_every_cut_of_a_valid_body_is_a_value_or_a_frame_error():
    @given(bodies)
    def check(body):
        for end in range(len(body)):
            try:
                codec.decode_elements(body[:end])
            except codec.FrameError:
                pass

    check()


def test_catalogue_parse_never_crashes():
    @given(
        st.one_of(hostile(frames()), hostile_bodies_framed()),
        st.sampled_from([c.reply for c in catalog.CALLS]),
    )
    def check(data, answer):
        try:
            catalog.parse(answer, codec.decode_reply(data).elements())
        except codec.FrameError:
            pass

    check()


def test_reassembly_does_not_depend_on_the_cuts():
    @given(st.lists(frames(), min_size=1, max_size=5), st.lists(st.integers(1, 40), min_size=1, max_size=30))
    def check(sent, cuts):
        stream = b"".join(sent)
        reader, received, start = codec.FrameReader(), [], 0
        for cut in cuts * (len(stream) // sum(cuts) + 1):
            received += reader.feed(stream[start : start + cut])
            start += cut
            if start >= len(stream):
                break
        assert received == sent and reader.pending == 0

    check()


def test_the_reassembler_never_crashes_on_hostile_streams():
    @given(st.lists(hostile(frames()), max_size=5))
    def check(chunks):
        reader = codec.FrameReader()
        for chunk in chunks:
            try:
                for piece in reader.feed(chunk):
                    assert codec.frame_length(piece) == len(piece)
            except codec.FrameError:
                pass
            assert reader.pending <= codec.PREFIX_BYTES + codec.MAX_FRAME_BYTES

    check()


def test_the_simulator_never_crashes_on_hostile_requests():
    @given(st.lists(hostile(st.sampled_from([catalog.build(c, 1) for c in catalog.CALLS[:3]])), max_size=5))
    def check(chunks):
        modem = XmmRpcModem(RpcFaults())
        for chunk in chunks:
            modem.receive_data(chunk)

    check()


def test_every_decoder_is_covered():
    import inspect

    covered = {"decode_elements", "decode_frame", "decode_reply", "frame_length", "classify"}
    found = {
        name
        for name, function in inspect.getmembers(codec, inspect.isfunction)
        if function.__module__ == codec.__name__
        and not name.startswith("_")
        and (name.startswith(("decode", "parse", "frame_length", "classify")))
    }
    assert found <= covered
