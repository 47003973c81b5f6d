"""sim/hostile.py: the seeded mutations of the hostile simulated modem, and Write.delay."""

from __future__ import annotations

import os
import select
import time

import pytest

from fcc_unlock.mbim import constants as mbim
from fcc_unlock.mbim.messages import Close, CloseDone, Command, CommandDone, Open, decode
from fcc_unlock.qmi import catalog
from fcc_unlock.qmi.constants import Service
from fcc_unlock.sim.__main__ import build_parser, faults_from
from fcc_unlock.sim.faults import Faults
from fcc_unlock.sim.hostile import MUTATIONS, Hostile
from fcc_unlock.sim.model import HangUp, SimModem, Write
from fcc_unlock.sim.personalities import PERSONALITIES
from fcc_unlock.sim.pty import PtyModem


def host_flow() -> list[bytes]:
    """What a Sierra unlock sends, request by request."""
    allocate = catalog.allocate_cid(1, Service.DMS).encode()
    return [
        Open(1, 4096).encode(),
        Command(
            2, mbim.BASIC_CONNECT, mbim.BasicConnectCid.RADIO_STATE, mbim.CommandType.QUERY, b""
        ).encode(),
        Command(3, mbim.QMI, mbim.QMI_MSG_CID, mbim.CommandType.SET, allocate).encode(),
        Command(
            4, mbim.BASIC_CONNECT, mbim.BasicConnectCid.DEVICE_SERVICES, mbim.CommandType.QUERY, b""
        ).encode(),
        Close(5).encode(),
    ]


def replies(modem: SimModem) -> list[list[tuple[str, bytes, float]]]:
    out = []
    for request in host_flow():
        actions = modem.receive_data(request)
        out.append([(type(a).__name__, getattr(a, "data", b""), getattr(a, "delay", 0.0)) for a in actions])
        if modem.hung_up:
            break
    return out


def hostile_modem(seed: int, rate: float = 0.9, **knobs: object) -> SimModem:
    return SimModem(PERSONALITIES["sierra"](), Faults(hostile=seed, hostile_rate=rate, **knobs))  # type: ignore[arg-type]


def test_same_seed_same_mutations_other_seed_others():
    assert replies(hostile_modem(7)) == replies(hostile_modem(7))
    assert any(replies(hostile_modem(seed)) != replies(hostile_modem(7)) for seed in range(8, 12))


def test_rate_zero_changes_nothing():
    plain = SimModem(PERSONALITIES["sierra"]())
    modem = hostile_modem(7, rate=0.0)
    assert replies(modem) == replies(plain)
    assert modem.hostile is not None and modem.hostile.log == []


def test_a_reply_depends_on_its_kind_and_count_not_on_what_came_before():
    # Reproducible even when timing changes the requests before: the CLOSE's mutation
    # is the same whether or not other requests came first.
    alone = hostile_modem(3)
    alone.receive_data(host_flow()[0])
    after_others = hostile_modem(3)
    for request in host_flow()[:4]:
        after_others.receive_data(request)
    first, second = (m.receive_data(host_flow()[-1]) for m in (alone, after_others))
    assert [getattr(a, "data", None) for a in first] == [getattr(a, "data", None) for a in second]
    assert alone.hostile is not None and alone.hostile.log[-1][0] == "close"  # it was mutated


@pytest.mark.parametrize("name", sorted(MUTATIONS))
@pytest.mark.parametrize("max_control_transfer", [0, 64])
def test_every_mutation_applies_to_every_reply(name, max_control_transfer):
    """Each mutation, on each reply type (whole and fragmented), gives writes or an unplug."""
    for seed in range(6):
        modem = SimModem(PERSONALITIES["sierra"](), Faults(max_control_transfer=max_control_transfer))
        modem.hostile = Hostile(
            seed,
            plan={
                kind: (name,) for kind in ("open", "radio-state", "qmi-allocate", "device-services", "close")
            },
        )
        for request in host_flow():
            actions = modem.receive_data(request)
            assert all(isinstance(a, (Write, HangUp)) for a in actions)
            assert all(isinstance(a.data, bytes) and a.delay >= 0 for a in actions if isinstance(a, Write))
            if modem.hung_up:
                assert isinstance(actions[-1], HangUp)
                break
        assert {kind for kind, _, names in modem.hostile.log} <= {
            "open",
            "radio-state",
            "qmi-allocate",
            "device-services",
            "close",
        }


def _reply_to_allocate(name: str, seed: int) -> list[Write | HangUp]:
    modem = SimModem(PERSONALITIES["sierra"]())
    modem.hostile = Hostile(seed, plan={"qmi-allocate": (name,)})
    for request in host_flow()[:2]:
        modem.receive_data(request)
    return modem.receive_data(host_flow()[2])


def test_qmi_lies_keep_the_mbim_frame_whole():
    (honest,) = _reply_to_allocate("duplicated", 0)[:1]
    assert isinstance(honest, Write)
    truth = decode(honest.data)
    assert isinstance(truth, CommandDone)
    for seed in range(30):
        (write,) = _reply_to_allocate("qmi", seed)
        assert isinstance(write, Write)
        done = decode(write.data)  # the MBIM frame around the lie still decodes
        assert isinstance(done, CommandDone) and (done.transaction_id, done.service_id) == (3, mbim.QMI)
        assert done.information_buffer != truth.information_buffer


def test_dripped_is_one_byte_at_a_time_ever_later():
    reply = SimModem(PERSONALITIES["sierra"]()).receive_data(host_flow()[0])[0]
    assert isinstance(reply, Write)
    modem = SimModem(PERSONALITIES["sierra"]())
    modem.hostile = Hostile(1, plan={"open": ("dripped",)})
    drip = modem.receive_data(host_flow()[0])
    assert b"".join(w.data for w in drip if isinstance(w, Write)) == reply.data
    assert all(len(w.data) == 1 for w in drip if isinstance(w, Write))
    delays = [w.delay for w in drip if isinstance(w, Write)]
    assert delays == sorted(delays) and delays[-1] > delays[0]


def test_lying_length_changes_the_length_field_only():
    reply = SimModem(PERSONALITIES["sierra"]()).receive_data(host_flow()[0])[0]
    assert isinstance(reply, Write)
    for seed in range(20):
        modem = SimModem(PERSONALITIES["sierra"]())
        modem.hostile = Hostile(seed, plan={"open": ("lying-length",)})
        (write,) = modem.receive_data(host_flow()[0])
        assert isinstance(write, Write)
        assert write.data[:4] + write.data[8:] == reply.data[:4] + reply.data[8:]


def test_near_the_deadline_holds_a_reply_until_around_the_hosts_timeout():
    for seed in range(20):
        modem = SimModem(PERSONALITIES["sierra"](), Faults(hostile=seed, hostile_deadline=2.0))
        assert modem.hostile is not None
        modem.hostile.plan = {"close": ("near-the-deadline",)}
        modem.receive_data(host_flow()[0], now=100.0)
        writes = [a for a in modem.receive_data(host_flow()[-1], now=100.5) if isinstance(a, Write)]
        last = 100.5 + writes[-1].delay  # when the whole reply is out
        assert 100.0 + 2.0 * 0.6 <= last <= 100.0 + 2.0 * 1.1 + 1e-9
        assert b"".join(w.data for w in writes) == CloseDone(5, 0).encode()


def test_hang_up_marks_the_modem_gone():
    modem = SimModem(PERSONALITIES["sierra"]())
    modem.hostile = Hostile(1, plan={"radio-state": ("hung-up",)})
    modem.receive_data(host_flow()[0])
    assert isinstance(modem.receive_data(host_flow()[1])[-1], HangUp)
    assert modem.hung_up
    assert modem.receive_data(host_flow()[2]) == []


@pytest.mark.parametrize(
    "kwargs, wrong",
    [
        ({"rate": 1.5}, "rate"),
        ({"plan": {"opne": ("dropped",)}}, "unknown message kind 'opne'"),
        ({"plan": {"open": ("droped",)}}, "unknown mutation 'droped'"),
    ],
)
def test_bad_settings_are_refused(kwargs, wrong):
    with pytest.raises(ValueError, match=wrong):
        Hostile(1, **kwargs)


def test_the_simulator_command_line_has_the_knob():
    argv = ["--hostile", "42", "--hostile-rate", "0.5", "--hostile-deadline", "3"]
    faults = faults_from(build_parser().parse_args(argv))
    assert (faults.hostile, faults.hostile_rate, faults.hostile_deadline) == (42, 0.5, 3.0)
    assert SimModem(PERSONALITIES["sierra"](), faults).hostile is not None
    assert SimModem(PERSONALITIES["sierra"](), faults_from(build_parser().parse_args([]))).hostile is None


class _Stalling:
    """A model whose one reply is two transfers, the first held back."""

    def __init__(self) -> None:
        self.faults = Faults()

    def receive_data(self, data: bytes, now: float = 0.0) -> list[Write]:
        return [Write(b"first", delay=0.3), Write(b"second")]


def test_the_pty_holds_a_delayed_write_back_and_keeps_the_order():
    with PtyModem(_Stalling()) as sim:  # type: ignore[arg-type]
        fd = os.open(sim.path, os.O_RDWR | os.O_NOCTTY)
        try:
            sent = time.monotonic()
            os.write(fd, b"x")
            got = b""
            while len(got) < len(b"firstsecond") and time.monotonic() < sent + 3:
                if select.select([fd], [], [], 0.1)[0]:
                    if not got:
                        arrived = time.monotonic() - sent
                    got += os.read(fd, 100)
        finally:
            os.close(fd)
    assert got == b"firstsecond"
    assert arrived >= 0.3


class _Flooding:
    """A model that answers anything with more than a pty can hold."""

    def __init__(self) -> None:
        self.faults = Faults()

    def receive_data(self, data: bytes, now: float = 0.0) -> list[Write]:
        return [Write(b"\x00" * 300_000)]


def test_a_flood_the_client_stops_reading_does_not_hold_up_stop(monkeypatch):
    """A hostile flood fills the pty; the client is gone: stop() returns at once, cleanly."""
    import threading

    crashed = []
    monkeypatch.setattr(threading, "excepthook", crashed.append)
    sim = PtyModem(_Flooding()).start()  # type: ignore[arg-type]
    fd = os.open(sim.path, os.O_RDWR | os.O_NOCTTY)
    os.write(fd, b"x")
    time.sleep(0.2)  # the reply is being written and the pty fills up
    os.close(fd)
    started = time.monotonic()
    sim.stop()
    assert time.monotonic() - started < 1.0
    assert sim._thread is not None and not sim._thread.is_alive()
    assert crashed == []
