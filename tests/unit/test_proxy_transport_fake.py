"""The mbim-proxy transport against a scripted fake proxy on a private socket.

The real mbim-proxy is exercised in tests/system/; here each corner of the
CONFIGURATION exchange is forced: VERSION first, replies coalesced with later
messages, refusal, a silent proxy, a dropped client, garbage, a proxy not run by root.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import uuid

import pytest

from fcc_unlock import run as runner
from fcc_unlock.errors import DeviceError, ExitCode, ProtocolError, Timeout
from fcc_unlock.mbim import constants as mbim
from fcc_unlock.mbim.messages import Command, CommandDone, IndicateStatus, Open, OpenDone, decode
from fcc_unlock.mbim.proxy_control import parse_configuration, version
from fcc_unlock.transport import proxy
from fcc_unlock.transport.chardev import CharDevice
from fcc_unlock.transport.proxy import NoProxy, ProxyTransport


def config_done(tid: int = 1, status: int = mbim.Status.NONE) -> bytes:
    return CommandDone(tid, mbim.PROXY_CONTROL, mbim.PROXY_CONFIGURATION_CID, status).encode()


def version_indication() -> bytes:
    return IndicateStatus(0, mbim.PROXY_CONTROL, mbim.PROXY_VERSION_CID, version(0x0100, 0x0300)).encode()


def read_message(conn: socket.socket) -> bytes:
    data = b""
    while len(data) < 12 or len(data) < int.from_bytes(data[4:8], "little"):
        chunk = conn.recv(4096)
        if not chunk:
            raise EOFError
        data += chunk
    return data


class FakeProxy:
    """Accepts one client on a private socket and runs ``script(conn, requests)``."""

    def __init__(self, address: str, script) -> None:
        self.address = address
        self.requests: list[object] = []
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(address)
        self.server.listen(1)
        self.thread = threading.Thread(target=self._serve, args=(script,), daemon=True)
        self.thread.start()

    def _serve(self, script) -> None:
        conn, _ = self.server.accept()
        with conn:
            try:
                script(conn, self.requests)
            except (EOFError, OSError):
                pass

    def close(self) -> None:
        self.server.close()
        self.thread.join(5)


@pytest.fixture
def fake_proxy(tmp_path):
    started = []

    def make(script) -> FakeProxy:
        fake = FakeProxy(str(tmp_path / f"proxy-{len(started)}.sock"), script)
        started.append(fake)
        return fake

    yield make
    for fake in started:
        fake.close()


def deadline(seconds: float = 3.0) -> float:
    return time.monotonic() + seconds


def test_configuration_then_session_traffic(fake_proxy):
    def script(conn, requests):
        requests.append(decode(read_message(conn)))
        # VERSION before the reply, and an unrelated indication coalesced after it.
        later = IndicateStatus(0, mbim.BASIC_CONNECT, 3, b"\0" * 8).encode()
        conn.sendall(version_indication() + config_done() + later)
        requests.append(decode(read_message(conn)))
        conn.sendall(OpenDone(1, mbim.Status.NONE).encode())
        conn.recv(1)  # until the client goes

    fake = fake_proxy(script)
    notes = []
    with ProxyTransport("/dev/cdc-wdm0", deadline(), fake.address, trace=lambda d, i: notes.append(i)) as t:
        assert t.versions == (0x0100, 0x0300)
        assert t.name == "mbim-proxy:/dev/cdc-wdm0"
        early = decode(t.read(deadline()))
        assert isinstance(early, IndicateStatus) and early.cid == 3
        t.write(Open(1, 4096).encode(), deadline())
        assert decode(t.read(deadline())) == OpenDone(1, mbim.Status.NONE)
    fake.thread.join(5)
    configure, opened = fake.requests
    assert isinstance(configure, Command) and configure.service_id == mbim.PROXY_CONTROL
    assert configure.command_type == mbim.CommandType.SET
    path, timeout = parse_configuration(configure.information_buffer)
    assert path == "/dev/cdc-wdm0" and 1 <= timeout <= 3
    assert isinstance(opened, Open)
    assert any("MBIMEx 3.0" in str(note) for note in notes)


def test_relative_device_path_is_sent_absolute(fake_proxy, tmp_path, monkeypatch):
    def script(conn, requests):
        requests.append(decode(read_message(conn)))
        conn.sendall(config_done())
        conn.recv(1)

    monkeypatch.chdir(tmp_path)
    fake = fake_proxy(script)
    ProxyTransport("wdm0", deadline(), fake.address).close()
    fake.thread.join(5)
    assert parse_configuration(fake.requests[0].information_buffer)[0] == str(tmp_path / "wdm0")


def test_reply_split_into_single_bytes(fake_proxy):
    def script(conn, requests):
        read_message(conn)
        for byte in config_done():
            conn.sendall(bytes([byte]))
            time.sleep(0.001)
        conn.recv(1)

    ProxyTransport("/dev/x", deadline(), fake_proxy(script).address).close()


def test_dropped_client_is_a_clear_device_error(fake_proxy):
    def script(conn, requests):
        read_message(conn)  # then close without a word, as when it cannot open the device

    with pytest.raises(DeviceError, match="closed the connection before accepting the device") as info:
        ProxyTransport("/dev/cdc-wdm0", deadline(), fake_proxy(script).address)
    assert info.value.exit_code == ExitCode.IO_ERROR


def test_refused_configuration_names_the_status(fake_proxy):
    def script(conn, requests):
        read_message(conn)
        conn.sendall(config_done(status=mbim.Status.INVALID_PARAMETERS))
        conn.recv(1)

    with pytest.raises(DeviceError, match=r"refused the device: InvalidParameters \(21\)"):
        ProxyTransport("/dev/cdc-wdm0", deadline(), fake_proxy(script).address)


def test_silent_proxy_times_out_on_the_deadline(fake_proxy):
    def script(conn, requests):
        read_message(conn)
        conn.recv(1)

    start = time.monotonic()
    with pytest.raises(Timeout, match="did not answer CONFIGURATION"):
        ProxyTransport("/dev/cdc-wdm0", deadline(0.5), fake_proxy(script).address)
    assert time.monotonic() - start < 1.5


def test_garbage_from_the_proxy_is_a_protocol_error(fake_proxy):
    def script(conn, requests):
        read_message(conn)
        conn.sendall(b"\x03\x00\x00\x80\xff\xff\xff\x7f" + b"\0" * 8)
        conn.recv(1)

    with pytest.raises(ProtocolError, match="length"):
        ProxyTransport("/dev/cdc-wdm0", deadline(), fake_proxy(script).address)


def test_stale_reply_with_other_tid_is_skipped(fake_proxy):
    def script(conn, requests):
        read_message(conn)
        conn.sendall(config_done(tid=77, status=mbim.Status.FAILURE) + config_done())
        conn.recv(1)

    ProxyTransport("/dev/cdc-wdm0", deadline(), fake_proxy(script).address).close()


def test_no_listener_is_no_proxy(tmp_path):
    with pytest.raises(NoProxy):
        ProxyTransport("/dev/cdc-wdm0", deadline(), str(tmp_path / "nobody.sock"))
    with pytest.raises(NoProxy):
        ProxyTransport("/dev/cdc-wdm0", deadline(), f"\0fcc-unlock-test-{uuid.uuid4()}")


def test_auto_uses_the_character_device_without_a_proxy(monkeypatch, tmp_path, sim):
    monkeypatch.setattr(proxy, "PROXY_ADDRESS", str(tmp_path / "nobody.sock"))
    notes = []
    with runner.open_transport(sim.path, "auto", deadline(), lambda d, i: notes.append(i)) as port:
        assert isinstance(port, CharDevice) and port.name == sim.path.removeprefix("/dev/")
    assert "no mbim-proxy is listening: opening the device directly" in notes
    with pytest.raises(NoProxy):
        runner.open_transport(sim.path, "proxy", deadline())


def test_auto_prefers_a_listening_proxy(monkeypatch, fake_proxy, sim):
    # A modem control port (the simulator's pty) on both sides: /dev/null, which this
    # test once opened as a "character device", is refused now (docs/safety.md).
    def script(conn, requests):
        read_message(conn)
        conn.sendall(config_done())
        conn.recv(1)

    fake = fake_proxy(script)
    monkeypatch.setattr(proxy, "PROXY_ADDRESS", fake.address)
    with runner.open_transport(sim.path, "auto", deadline()) as port:
        assert isinstance(port, ProxyTransport)
    with runner.open_transport(sim.path, "chardev", deadline()) as port:
        assert not isinstance(port, ProxyTransport)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run the impostor as another user")
def test_proxy_socket_held_by_another_user_is_refused():
    name = f"fcc-unlock-test-{uuid.uuid4()}"
    impostor = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import os, socket, sys\n"
            "s = socket.socket(socket.AF_UNIX)\n"
            "os.setuid(65534)\n"
            f"s.bind('\\0{name}'); s.listen(1); print('ready', flush=True)\n"
            "c, _ = s.accept(); c.recv(1)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert impostor.stdout.readline().strip() == "ready"
        with pytest.raises(DeviceError, match="uid 65534, not root"):
            ProxyTransport("/dev/cdc-wdm0", deadline(), "\0" + name)
    finally:
        impostor.kill()
        impostor.wait()


def test_a_proxy_that_stops_accepting_is_busy_not_a_hang():
    # A listener that never accepts: once its backlog is full, a blocking connect()
    # would wait forever. Ours gives up at the deadline with exit 7 (busy).
    from fcc_unlock.errors import Busy

    address = f"\0fcc-unlock-test-{uuid.uuid4()}"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address)
    listener.listen(0)
    fillers = []
    try:
        for _ in range(64):
            filler = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            filler.setblocking(False)
            fillers.append(filler)
            try:
                filler.connect(address)
            except BlockingIOError:
                break
        else:
            pytest.fail("the backlog never filled")
        started = time.monotonic()
        with pytest.raises(Busy, match="does not accept connections") as raised:
            proxy.connect(address, started + 0.3)
        assert 0.3 <= time.monotonic() - started < 1.0
        assert raised.value.exit_code == ExitCode.BUSY
    finally:
        for filler in fillers:
            filler.close()
        listener.close()
