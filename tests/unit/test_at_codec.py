"""The AT codec (docs/at.md §1) and catalogue (docs/at.md §2), with the reply forms
real modules send (docs/at.md §3)."""

import pytest

from fcc_unlock.at import catalog
from fcc_unlock.at.codec import (
    MAX_INFO_LINES,
    MAX_LINE,
    AtDecodeError,
    Exchange,
    LineSplitter,
    encode_command,
    reply_bytes,
)


def lines_of(data, chunk=None):
    splitter = LineSplitter()
    out = []
    pieces = [data] if chunk is None else [data[i : i + chunk] for i in range(0, len(data), chunk)]
    for piece in pieces:
        splitter.feed(piece)
        while (line := splitter.next_line()) is not None:
            out.append(line)
    return out


def reply_to(command, data, prefix=None):
    exchange = Exchange(command, prefix)
    for line in lines_of(data):
        reply = exchange.take(line)
        if reply is not None:
            return reply, exchange
    return None, exchange


def test_command_is_text_and_cr():
    assert encode_command("at+gtfcclockgen") == b"at+gtfcclockgen\r"
    with pytest.raises(ValueError):
        encode_command("AT\r\nATZ")
    with pytest.raises(ValueError):
        encode_command("")


@pytest.mark.parametrize("end", [b"\r\n", b"\r", b"\n"])
def test_every_line_end_and_blank_lines(end):
    data = end + b"+GTFCCLOCKGEN: 0x00000000" + end + end + b"OK" + end
    assert lines_of(data) == ["+GTFCCLOCKGEN: 0x00000000", "OK"]


def test_lines_split_across_reads_byte_by_byte():
    data = b"AT+GTFCCEFFSTATUS?\r\r\n+GTFCCEFFSTATUS: 2,0\r\n\r\nOK\r\n"
    assert lines_of(data, chunk=1) == ["AT+GTFCCEFFSTATUS?", "+GTFCCEFFSTATUS: 2,0", "OK"]


def test_the_fm350_fixture_reply():
    # An FM350 diagnostic tool's test fixture (docs/at.md §3.1).
    reply, _ = reply_to("AT+GTFCCLOCKGEN", b"+GTFCCLOCKGEN: 0x00000000\r\n\r\nOK\r\n", "+GTFCCLOCKGEN:")
    assert reply.ok and reply.lines == ("+GTFCCLOCKGEN: 0x00000000",)
    assert catalog.FCC_LOCK_GEN.answer(reply) == 0


def test_echo_is_skipped_once():
    data = b"at+gtfcclockgen\r\r\n0xca50dd3b\r\n\r\nOK\r\n"
    reply, exchange = reply_to("at+gtfcclockgen", data, "+GTFCCLOCKGEN:")
    assert reply.lines == ("0xca50dd3b",)
    assert exchange.skipped == [("echo", "at+gtfcclockgen")]
    assert catalog.FCC_LOCK_GEN.answer(reply) == 0xCA50DD3B  # the L860R+'s bare form


@pytest.mark.parametrize(
    "final", ["OK", "ERROR", "+CME ERROR: 3", "+CMS ERROR: 500", "+CME ERROR: operation not allowed"]
)
def test_final_result_codes(final):
    reply, _ = reply_to("AT+CFUN=1", f"\r\n{final}\r\n".encode())
    assert reply is not None and reply.final == final
    assert reply.ok == (final == "OK")


def test_unsolicited_codes_are_skipped_but_a_line_with_the_answer_prefix_is_kept():
    data = b"\r\n+CREG: 1\r\n\r\n^MODE: 17,6\r\n\r\n+GTFCCLOCKGEN: 0x12345678\r\n\r\nRING\r\n\r\nOK\r\n"
    reply, exchange = reply_to("AT+GTFCCLOCKGEN", data, "+GTFCCLOCKGEN:")
    assert reply.lines == ("+GTFCCLOCKGEN: 0x12345678",)
    assert exchange.unsolicited == 3
    # +CREG: is the answer when it is what we asked for.
    reply, _ = reply_to("AT+CREG?", b"\r\n+CREG: 0,1\r\n\r\nOK\r\n", "+CREG:")
    assert reply.lines == ("+CREG: 0,1",)


def test_a_vendor_line_with_a_hex_number_is_not_the_challenge():
    data = b"\r\n^DSFLOWRPT: 0x1f\r\n\r\nOK\r\n"
    reply, _ = reply_to("AT+GTFCCLOCKGEN", data, "+GTFCCLOCKGEN:")
    with pytest.raises(AtDecodeError):
        catalog.FCC_LOCK_GEN.answer(reply)
    # and an unknown sentence with a number in it is no bare answer either
    reply, _ = reply_to("AT+GTFCCLOCKGEN", b"\r\nchallenge is 0x1f\r\nOK\r\n", "+GTFCCLOCKGEN:")
    with pytest.raises(AtDecodeError):
        catalog.FCC_LOCK_GEN.answer(reply)


def test_overlong_line_is_an_error_not_growth():
    splitter = LineSplitter()
    splitter.feed(b"A" * (MAX_LINE + 1))  # no line end yet
    with pytest.raises(AtDecodeError, match="longer than"):
        splitter.next_line()
    assert splitter.pending == 0
    splitter.feed(b"A" * MAX_LINE + b"\r\n")
    assert splitter.next_line() == "A" * MAX_LINE


@pytest.mark.parametrize("junk", [b"\x00\xff", b"OK\x1b[0m", "é".encode()])
def test_bytes_that_are_not_text_are_an_error(junk):
    splitter = LineSplitter()
    splitter.feed(b"\r\n" + junk)
    with pytest.raises(AtDecodeError, match="not AT text"):
        splitter.next_line()


def test_lines_after_the_final_code_wait_for_the_next_command():
    splitter = LineSplitter()
    splitter.feed(b"\r\nOK\r\n\r\n+CREG: 1\r\n")
    assert splitter.next_line() == "OK"
    assert splitter.next_line() == "+CREG: 1"


def test_too_many_lines_in_one_reply():
    exchange = Exchange("AT+X")
    for index in range(MAX_INFO_LINES):
        assert exchange.take(f"line {index}") is None
    with pytest.raises(AtDecodeError, match="more than"):
        exchange.take("one more")


@pytest.mark.parametrize(
    ("command", "line", "value"),
    [
        (catalog.FCC_EFF_STATUS, "+GTFCCEFFSTATUS: 2,1", (2, 1)),
        (catalog.FCC_EFF_STATUS, "+GTFCCEFFSTATUS: 0,1", (0, 1)),
        (catalog.FCC_LOCK_VER, "+GTFCCLOCKVER: 1", 1),
        (catalog.FCC_LOCK_VER, "1", 1),  # the L860R+'s bare form
        (catalog.FCC_LOCK_STATE, "+GTFCCLOCKSTATE: 0", 0),
        (catalog.FCC_LOCK_GEN, "+GTFCCLOCKGEN: 0x00000000", 0),
        (catalog.FCC_LOCK_GEN, "0xCA50DD3B", 0xCA50DD3B),
    ],
)
def test_answers(command, line, value):
    reply, _ = reply_to(command.text, reply_bytes([line], "OK"), command.prefix)
    assert command.answer(reply) == value


@pytest.mark.parametrize(
    ("command", "line"),
    [
        (catalog.FCC_EFF_STATUS, "+GTFCCEFFSTATUS: 2"),
        (catalog.FCC_EFF_STATUS, "+GTFCCEFFSTATUS: a,b"),
        (catalog.FCC_LOCK_GEN, "+GTFCCLOCKGEN: 0x123456789"),  # more than 32 bits
        (catalog.FCC_LOCK_GEN, "+GTFCCLOCKGEN: 0x"),
        (catalog.FCC_LOCK_GEN, "+GTFCCLOCKGEN: 12345678"),
        (catalog.FCC_LOCK_VER, "+GTFCCLOCKVER: 99999999999"),
        (catalog.FCC_LOCK_VER, "+GTFCCLOCKVER: \u0661"),  # a digit, but not ASCII
    ],
)
def test_malformed_answers(command, line):
    reply = Exchange(command.text, command.prefix)
    reply.take(line)
    done = reply.take("OK")
    with pytest.raises(AtDecodeError):
        command.answer(done)


def test_answer_lines_are_what_answer_reads():
    for command, value in (
        (catalog.FCC_EFF_STATUS, (1, 0)),
        (catalog.FCC_LOCK_GEN, 0xDEADBEEF),
        (catalog.FCC_LOCK_VER, 0),
        (catalog.FCC_LOCK_STATE, 7),
    ):
        for bare in (False, True) if command.bare else (False,):
            line = command.answer_line(value, bare)
            reply, _ = reply_to(command.text, reply_bytes([line], "OK"), command.prefix)
            assert command.answer(reply) == value


def test_lookup_names_commands_case_insensitively_and_exact_text_wins():
    assert catalog.lookup("at+gtfcclockgen") == (catalog.FCC_LOCK_GEN, None)
    assert catalog.lookup("at+gtfcclockver=1787294009") == (catalog.FCC_LOCK_VER, "1787294009")
    assert catalog.lookup("AT+GTFCCLOCKMODEUNLOCK") == (catalog.FCC_MODE_UNLOCK, None)
    assert catalog.lookup("AT+GTFCCLOCKMODE=0") == (catalog.FCC_LOCK_MODE_SET, "0")
    assert catalog.lookup("AT+GTFCCLOCKVER=") is None
    assert catalog.lookup("ATI") is None
    assert catalog.FCC_LOCK_VER.line("0x6a87f139") == "AT+GTFCCLOCKVER=0x6a87f139"
    with pytest.raises(ValueError):
        catalog.FCC_LOCK_VER.line()


def test_kinds_are_unique():
    assert len(set(catalog.KINDS)) == len(catalog.KINDS)
