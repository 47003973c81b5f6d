"""Any bytes into the AT codec, any line into the catalogue's parsers, any bytes into
the simulated AT modem: a value or AtDecodeError, never another exception, and never
more memory than the bounds allow (docs/at.md §1)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fcc_unlock.at import catalog
from fcc_unlock.at.codec import MAX_INFO_LINES, MAX_LINE, AtDecodeError, Exchange, LineSplitter, reply_bytes
from fcc_unlock.sim.at_modem import KINDS, AtFaults, AtModem

ANSWERING = [c for c in catalog.COMMANDS if c.value is not None]
# Text that looks like AT: the catalogue's prefixes and values, URCs, finals, noise.
atoms = st.sampled_from(
    [
        "\r",
        "\n",
        "\r\n",
        "OK",
        "ERROR",
        "+CME ERROR: 3",
        "+CREG: 1",
        "RING",
        "^MODE: 17,6",
        "0x",
        "0xffffffff",
        "0x123456789",
        ",",
        " ",
        "1",
        "99999999999",
        *(c.prefix for c in ANSWERING if c.prefix),
        *(c.text for c in catalog.COMMANDS),
    ]
)
at_text = st.lists(atoms | st.text(max_size=8), max_size=40).map("".join)
at_bytes = at_text.map(lambda s: s.encode("utf-8")) | st.binary(max_size=2048)


def feed_all(data: bytes, chunk: int) -> list[str]:
    splitter = LineSplitter()
    lines: list[str] = []
    for start in range(0, len(data), max(1, chunk)):
        splitter.feed(data[start : start + max(1, chunk)])
        while True:
            try:
                line = splitter.next_line()
            except AtDecodeError:
                continue  # the bad line is dropped; the splitter goes on
            if line is None:
                break
            lines.append(line)
        assert splitter.pending <= MAX_LINE + max(1, chunk)
    return lines


@given(at_bytes, st.integers(1, 64))
def test_splitter_never_crashes_and_stays_bounded(data, chunk):
    for line in feed_all(data, chunk):
        assert line and line == line.strip()
        assert "\r" not in line and "\n" not in line
        assert len(line) <= MAX_LINE
        assert all(" " <= c <= "~" or c == "\t" for c in line)


@given(at_bytes, st.sampled_from(catalog.COMMANDS))
def test_exchange_and_answers_never_crash(data, command):
    exchange = Exchange(command.line("1") if command.takes_argument else command.text, command.prefix)
    for line in feed_all(data, 7):
        try:
            reply = exchange.take(line)
        except AtDecodeError:
            return
        assert len(exchange.info) <= MAX_INFO_LINES
        if reply is not None:
            if command.value is not None:
                try:
                    command.answer(reply)
                except AtDecodeError:
                    pass
            return


@given(st.sampled_from(ANSWERING), st.text(max_size=40))
def test_value_parsers_never_crash(command, text):
    try:
        command.value.parse(text)
    except AtDecodeError:
        pass


@given(st.sampled_from(ANSWERING), st.integers(0, 0xFFFFFFFF), st.integers(0, 2), st.booleans())
def test_answers_round_trip(command, number, small, bare):
    value = (small, number % 2) if command.value is catalog.PAIR else number
    line = command.answer_line(value, bare and command.bare)
    exchange = Exchange(command.text, command.prefix)
    reply = None
    for line_in in feed_all(reply_bytes([line], "OK"), 5):
        reply = exchange.take(line_in) or reply
    assert reply is not None and command.answer(reply) == value


@given(
    st.lists(at_bytes, max_size=8),
    st.sampled_from(["fm350-at", "l860-at", "rw101-at"]),
    st.booleans(),
    st.sampled_from([None, *KINDS]),
)
def test_simulated_modem_never_crashes(pieces, variant, echo, fault_kind):
    faults = AtFaults(echo=echo, error_on=(fault_kind,) if fault_kind else ())
    modem = AtModem(variant, faults)
    for data in pieces:
        for action in modem.receive_data(data):
            assert len(getattr(action, "data", b"")) <= 8192
    line_ends = sum(p.count(b"\r") + p.count(b"\n") for p in pieces)
    assert len(modem.transcript) <= line_ends  # one command per ended line at most
