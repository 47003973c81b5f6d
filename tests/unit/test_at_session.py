"""AtSession against a scripted transport: deadlines, stale input, errors (docs/at.md §1)."""

from __future__ import annotations

import pytest

from fcc_unlock.at import catalog
from fcc_unlock.at.session import DRAIN_BYTES, AtSession
from fcc_unlock.errors import ProtocolError, Timeout


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Port:
    """Reads come from ``script`` (bytes, or None: nothing until the deadline)."""

    def __init__(self, clock: Clock, script: list[bytes | None], stale: list[bytes] = ()) -> None:
        self.clock = clock
        self.stale = list(stale)
        self.script = list(script)
        self.written: list[bytes] = []
        self.deadlines: list[float] = []

    def write(self, data: bytes, deadline: float) -> None:
        self.written.append(data)

    def read(self, deadline: float) -> bytes:
        self.deadlines.append(deadline)
        if self.stale:  # what waited on the port before we came
            return self.stale.pop(0)
        if not self.written:
            return b""
        if not self.script or self.script[0] is None:
            if self.script:
                self.script.pop(0)
            self.clock.now = max(self.clock.now, deadline)
            return b""
        return self.script.pop(0)


def session(script, stale=(), deadline=5.0, trace=None):
    clock = Clock()
    port = Port(clock, script, stale)
    return AtSession(port, clock.now + deadline, clock=clock, trace=trace), port, clock


def test_command_and_reply_traced():
    traced = []
    s, port, _ = session([b"AT+CFUN=1\r", b"\r\nOK\r\n"], trace=lambda d, item: traced.append((d, item)))
    with s:
        reply = s.command("AT+CFUN=1")
    assert reply.ok and reply.lines == ()
    assert port.written == [b"AT+CFUN=1\r"]
    assert ("->", "-> AT AT+CFUN=1") in traced and ("<-", "<- OK") in traced
    assert ("note", "skipped (echo) 'AT+CFUN=1'") in traced


def test_stale_input_is_drained_on_entering():
    s, _port, _ = session([b"\r\n+GTFCCEFFSTATUS: 2,0\r\n\r\nOK\r\n"], stale=[b"\r\nOK\r\n", b"\r\nRING\r\n"])
    with s:
        reply = s.run(catalog.FCC_EFF_STATUS)
    assert catalog.FCC_EFF_STATUS.answer(reply) == (2, 0)


def test_drain_is_bounded_however_much_keeps_coming():
    s, _port, _ = session([], stale=[b"x" * 4096] * 1000)
    assert s.drain() == DRAIN_BYTES


def test_silence_is_a_timeout_at_the_deadline():
    s, _port, clock = session([None], deadline=2.0)
    with pytest.raises(Timeout, match="no reply to AT\\+GTFCCLOCKGEN"):
        s.command("AT+GTFCCLOCKGEN")
    assert clock.now == pytest.approx(102.0)


def test_a_timeout_of_its_own_is_shorter_than_the_deadline():
    s, port, _clock = session([None], deadline=5.0)
    with pytest.raises(Timeout):
        s.command("AT+GTFCCEFFSTATUS?", timeout=0.5)
    assert port.deadlines[-1] == pytest.approx(100.5)


def test_half_a_line_then_silence_says_so():
    s, _port, _ = session([b"\r\n+GTFCCLOCKGEN: 0x12", None])
    with pytest.raises(Timeout, match="unended line"):
        s.command("AT+GTFCCLOCKGEN")


def test_garbage_is_a_protocol_error_and_the_next_command_starts_clean():
    s, _port, _ = session([b"\r\n\x00\xff\xfe junk", b"\r\nOK\r\n"])
    with pytest.raises(ProtocolError, match="not AT text"):
        s.command("AT+GTFCCLOCKGEN")
    assert s.command("AT").ok


def test_a_flood_of_unsolicited_codes_is_skipped_and_counted():
    flood = b"".join(b"\r\n+CREG: 1\r\n" for _ in range(200))
    s, _port, _ = session([flood, b"\r\n+GTFCCLOCKVER: 1\r\n\r\nOK\r\n"])
    reply = s.run(catalog.FCC_LOCK_VER, "1")
    assert catalog.FCC_LOCK_VER.answer(reply) == 1
    assert s.unsolicited == 200
