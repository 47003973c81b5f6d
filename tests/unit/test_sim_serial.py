"""The simulator's ``serial`` knob: one request at a time, as a modem that announces
bMaxOutstandingCommandMessages = 1 (sim/pty.py).

Behaviour, not a benchmark: the latency is long (0.2 s) and the bounds loose, so only
the difference between the two models decides.
"""

from __future__ import annotations

import os
import select
import time

import pytest

from fcc_unlock.mbim.constants import BASIC_CONNECT, BasicConnectCid, CommandType
from fcc_unlock.mbim.messages import Command, Open, decode
from fcc_unlock.mbim.stream import MessageSplitter
from fcc_unlock.sim.__main__ import build_parser, faults_from
from fcc_unlock.sim.at_modem import AtFaults, AtModem
from fcc_unlock.sim.faults import Faults
from fcc_unlock.sim.model import SimModem
from fcc_unlock.sim.personalities import PERSONALITIES
from fcc_unlock.sim.pty import PtyModem

LATENCY = 0.2


def two_mbim_requests() -> bytes:
    caps = Command(2, BASIC_CONNECT, BasicConnectCid.DEVICE_CAPS, CommandType.QUERY, b"")
    return Open(1, 4096).encode() + caps.encode()


def arrivals_of_mbim_replies(sim: PtyModem, request: bytes, count: int) -> list[tuple[int, float]]:
    """(transaction id, seconds after the write) of the first ``count`` whole replies."""
    fd = os.open(sim.path, os.O_RDWR | os.O_NOCTTY)
    splitter = MessageSplitter()
    found: list[tuple[int, float]] = []
    try:
        sent = time.monotonic()
        os.write(fd, request)  # one write: both requests are in flight together
        while len(found) < count and time.monotonic() < sent + 5:
            if select.select([fd], [], [], 0.1)[0]:
                splitter.feed(os.read(fd, 65536))
                now = time.monotonic() - sent
                while (raw := splitter.next_message()) is not None:
                    found.append((decode(raw).transaction_id, now))
    finally:
        os.close(fd)
    return found


@pytest.mark.parametrize("serial", [False, True])
def test_two_mbim_requests_written_together(serial):
    modem = SimModem(PERSONALITIES["sierra"](), Faults(latency=LATENCY, serial=serial))
    with PtyModem(modem) as sim:
        found = arrivals_of_mbim_replies(sim, two_mbim_requests(), 2)
    assert [tid for tid, _ in found] == [1, 2]  # in order either way
    first, second = (at for _, at in found)
    assert first >= 0.9 * LATENCY
    if serial:
        assert second >= 1.8 * LATENCY, found  # it waited for the first reply
    else:
        assert second < 1.5 * LATENCY, found  # worked on alongside the first


@pytest.mark.parametrize("serial", [False, True])
def test_two_at_commands_written_together(serial):
    modem = AtModem("fm350-at", AtFaults(latency=LATENCY, echo=False, serial=serial))
    with PtyModem(modem) as sim:
        fd = os.open(sim.path, os.O_RDWR | os.O_NOCTTY)
        finals: list[float] = []
        got = b""
        try:
            sent = time.monotonic()
            os.write(fd, b"ATE0\rATE0\r")
            while len(finals) < 2 and time.monotonic() < sent + 5:
                if select.select([fd], [], [], 0.1)[0]:
                    got += os.read(fd, 4096)
                    finals += [time.monotonic() - sent] * (got.count(b"OK") - len(finals))
        finally:
            os.close(fd)
    assert len(finals) == 2, got
    assert (finals[1] >= 1.8 * LATENCY) if serial else (finals[1] < 1.5 * LATENCY), finals


def test_a_serial_modem_waits_only_while_it_is_busy():
    """A request arriving after the last reply went out waits its latency, no more."""
    modem = SimModem(PERSONALITIES["sierra"](), Faults(latency=LATENCY, serial=True))
    with PtyModem(modem) as sim:
        assert len(arrivals_of_mbim_replies(sim, Open(1, 4096).encode(), 1)) == 1
        caps = Command(2, BASIC_CONNECT, BasicConnectCid.DEVICE_CAPS, CommandType.QUERY, b"")
        ((tid, at),) = arrivals_of_mbim_replies(sim, caps.encode(), 1)
    assert tid == 2 and 0.9 * LATENCY <= at < 1.5 * LATENCY


def test_the_model_groups_its_replies_by_request():
    modem = SimModem(PERSONALITIES["sierra"](), Faults())
    answers = modem.receive_requests(two_mbim_requests())
    assert len(answers) == 2
    assert [decode(a.data).transaction_id for answer in answers for a in answer] == [1, 2]  # type: ignore[union-attr]


def test_the_command_line_turns_it_on():
    assert faults_from(build_parser().parse_args(["--serial"])).serial is True
    assert faults_from(build_parser().parse_args([])).serial is False
