"""The AT, XMM RPC and Intel MBIM families through the real command line, run as udev
and ModemManager run it (a bare environment): unlock, --status with the key and why,
--key, and the dispatcher's port choice."""

from __future__ import annotations

import io
import json
import time

import pytest
from conftest import run_cli

from fcc_unlock.cli.dispatcher import run_dispatcher
from fcc_unlock.errors import ExitCode
from fcc_unlock.host.log import Log
from fcc_unlock.sim.at_modem import DELL_DW5931E_KEY, pty_modem
from fcc_unlock.sim.model import SimModem
from fcc_unlock.sim.personalities import PERSONALITIES
from fcc_unlock.sim.pty import PtyModem
from fcc_unlock.sim.xmmrpc_modem import XmmRpcModem

LENOVO_HEX, DELL_DW5823E_HEX = "3df8c719", "bb23be7f"


@pytest.fixture
def serve():
    started = []

    def start(server):
        started.append(server.start())
        return server

    yield start
    for server in started:
        server.stop()


def kinds(sim):
    with sim.lock:
        return [received.kind for received in sim.modem.transcript]


@pytest.mark.parametrize("method", ["fm350-at", "l860-at", "rw101-at"])
def test_an_at_modem_is_unlocked_by_the_cli_with_the_key_given(serve, method):
    sim = serve(pty_modem(method))
    result = run_cli("--method", method, "--key", LENOVO_HEX, "--json", sim.path)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["method"] == method and document["result"].startswith("unlocked")
    assert not sim.modem.locked


def test_the_wrong_key_leaves_the_modem_locked_and_says_so(serve):
    sim = serve(pty_modem("fm350-at", key=DELL_DW5931E_KEY))  # a Dell card
    result = run_cli("--method", "fm350-at", "--key", LENOVO_HEX, "--log", "stderr", sim.path)
    assert result.returncode == ExitCode.REFUSED, result.stderr
    assert sim.modem.locked
    result = run_cli("--method", "fm350-at", "--key", DELL_DW5931E_KEY.hex(), sim.path)
    assert result.returncode == 0, result.stderr
    assert not sim.modem.locked


def test_the_xmm7360_is_unlocked_and_its_radio_switched_on_without_modemmanager(serve):
    modem = XmmRpcModem()
    sim = serve(PtyModem(modem))
    result = run_cli("--method", "xmm7360-rpc", "--key", LENOVO_HEX, "--log", "stderr", sim.path)
    assert result.returncode == 0, result.stderr
    assert not modem.locked
    # No ModemManager runs here: nobody else would send UtaModeSet(1).
    assert kinds(sim)[-1] == "mode-set" and "radio on" in result.stderr


def test_the_intel_mbim_service_takes_dells_key(serve):
    modem = SimModem(PERSONALITIES["intel-mbim"]())
    sim = serve(PtyModem(modem))
    result = run_cli("--method", "intel-mbim", "--key", LENOVO_HEX, sim.path)
    assert result.returncode == ExitCode.REFUSED and modem.locked
    result = run_cli("--method", "intel-mbim", "--key", DELL_DW5823E_HEX, sim.path)
    assert result.returncode == 0, result.stderr
    assert not modem.locked


@pytest.mark.parametrize(
    "method, server",
    [
        ("fm350-at", lambda: pty_modem("fm350-at")),
        ("xmm7360-rpc", lambda: PtyModem(XmmRpcModem())),
        ("intel-mbim", lambda: PtyModem(SimModem(PERSONALITIES["intel-mbim"]()))),
    ],
)
def test_status_answers_locked_from_the_lock_question_and_names_the_key(serve, method, server):
    sim = serve(server())
    result = run_cli("--status", "--method", method, "--key", DELL_DW5823E_HEX, "--json", sim.path)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["verdict"] == "locked"
    assert any(e["shows"] == "locked" for e in document["evidence"])
    assert document["key"] == {"key": DELL_DW5823E_HEX, "model_id": None, "source": "given with --key"}
    assert sim.modem.locked  # --status changed nothing
    text = run_cli("--status", "--method", method, sim.path)
    assert text.returncode == 0, text.stderr
    assert "verdict:       locked" in text.stdout
    assert "key:           3df8c719 (KHOIHGIUCCHHII), " in text.stdout  # this machine's: Lenovo's id


def test_status_of_an_unlocked_at_modem(serve):
    sim = serve(pty_modem("l860-at", unlocked=True))
    result = run_cli("--status", "--method", "l860-at", "--json", sim.path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["verdict"] == "unlocked"


def test_the_dispatcher_picks_the_at_port_among_modemmanagers_ports(serve, tmp_path):
    sim = serve(pty_modem("fm350-at"))
    dev = tmp_path / "dev"
    dev.mkdir()
    (dev / "ttyUSB4").symlink_to(sim.path)  # the modem's serial AT port, as MM names it
    (dev / "cdc-wdm0").touch()  # its MBIM port: not what this method speaks
    stream = io.StringIO()
    code = run_dispatcher(
        ["/org/freedesktop/ModemManager1/Modem/0", "cdc-wdm0", "ttyUSB4"],
        Log("stderr", stream=stream),
        time.monotonic(),
        4.0,
        method="fm350-at",
        sysfs=str(tmp_path),
        dev=str(dev),
        key=None,
    )
    assert code == 0, stream.getvalue()
    assert "ttyUSB4" in stream.getvalue() and not sim.modem.locked
