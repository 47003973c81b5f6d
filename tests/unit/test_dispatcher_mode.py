"""ModemManager dispatcher mode: recognising the call, picking the MBIM port, the budget."""

from __future__ import annotations

import io
import os
import time

import pytest

from fcc_unlock import cli
from fcc_unlock import run as runner
from fcc_unlock.cli import args as cli_args
from fcc_unlock.cli import dispatcher
from fcc_unlock.cli.args import invoked_by_modemmanager
from fcc_unlock.cli.dispatcher import ids_from_program_name, resolve, run_dispatcher
from fcc_unlock.cli.output import WATCHDOG_GRACE
from fcc_unlock.errors import ExitCode
from fcc_unlock.host.log import Log
from fcc_unlock.host.sysfs import device_node, pick_mbim_port, pick_port, port_kind

MODEM = "/org/freedesktop/ModemManager1/Modem/0"


def sysfs_with(tmp_path, wwan=None, usbmisc=None):
    """A sysfs with wwan ports of the given types and cdc-wdm nodes bound to drivers."""
    for name, port_type in (wwan or {}).items():
        (tmp_path / "class" / "wwan" / name).mkdir(parents=True)
        (tmp_path / "class" / "wwan" / name / "type").write_text(port_type + "\n")
    for name, driver in (usbmisc or {}).items():
        interface = tmp_path / "devices" / "usb1" / "1-1" / "1-1:1.12"
        (interface / "usbmisc" / name).mkdir(parents=True, exist_ok=True)
        (tmp_path / "bus" / "usb" / "drivers" / driver).mkdir(parents=True, exist_ok=True)
        if not (interface / "driver").exists():
            os.symlink(tmp_path / "bus" / "usb" / "drivers" / driver, interface / "driver")
        (tmp_path / "class" / "usbmisc" / name).mkdir(parents=True)
        os.symlink(interface, tmp_path / "class" / "usbmisc" / name / "device")
    return str(tmp_path)


# --- recognising the call ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([MODEM, "cdc-wdm0"], True),
        ([MODEM, "wwan0mbim0", "wwan0at0", "wwan0at1"], True),
        ([MODEM], False),  # MM always passes at least one port
        (["/dev/cdc-wdm0"], False),
        (["--method", "sierra", "/dev/cdc-wdm0"], False),
        ([], False),
    ],
)
def test_dispatcher_call_shape(argv, expected):
    assert invoked_by_modemmanager(argv) is expected


@pytest.mark.parametrize(
    ("program", "ids"),
    [
        ("/etc/ModemManager/fcc-unlock.d/1199:9079", "1199:9079"),
        ("/usr/lib/x86_64-linux-gnu/ModemManager/fcc-unlock.d/105b:e0ab", "105b:e0ab"),
        ("/usr/bin/fcc-unlock", None),
        ("1199:907g", None),
        ("1199:90790", None),
    ],
)
def test_ids_from_the_dispatcher_file_name(program, ids):
    assert ids_from_program_name(program) == ids


def test_bare_dispatcher_call_is_routed_to_dispatcher_mode(monkeypatch):
    seen = {}

    def fake_command(args, started):
        seen["call"], seen["started"] = args.modemmanager, started
        return 0

    monkeypatch.setattr(dispatcher, "command", fake_command)
    before = time.monotonic()
    assert cli.main([MODEM, "cdc-wdm0", "ttyUSB2"]) == 0
    assert seen["call"] == [MODEM, "cdc-wdm0", "ttyUSB2"]
    assert before <= seen["started"] <= time.monotonic()
    assert cli.main(["--ids", "1199:9079", "--modemmanager", MODEM, "wwan0mbim0"]) == 0
    assert seen["call"] == [MODEM, "wwan0mbim0"]


def test_ids_option_is_validated():
    assert cli.main(["--ids", "nonsense", "/dev/cdc-wdm0"]) == ExitCode.USAGE
    args = cli_args.build_parser().parse_args(["--ids", "1199:9O79".replace("O", "0").upper(), "x"])
    assert args.ids == "1199:9079"


# --- picking the port ----------------------------------------------------------------------


def test_wwan_port_of_type_mbim_wins(tmp_path):
    sysfs = sysfs_with(tmp_path, wwan={"wwan0at0": "AT", "wwan0mbim0": "MBIM", "wwan0at1": "AT"})
    assert pick_mbim_port(["wwan0at0", "wwan0at1", "wwan0mbim0"], sysfs) == "wwan0mbim0"


def test_type_attribute_overrides_the_name(tmp_path):
    sysfs = sysfs_with(tmp_path, wwan={"wwan0mbim0": "AT"})
    assert port_kind("wwan0mbim0", sysfs) is None


def test_name_with_mbim_counts_without_sysfs(tmp_path):
    assert pick_mbim_port(["wwan0at0", "wwan0mbim0"], str(tmp_path)) == "wwan0mbim0"


def test_cdc_wdm_of_cdc_mbim_is_picked_among_serial_ports(tmp_path):
    sysfs = sysfs_with(tmp_path, usbmisc={"cdc-wdm0": "cdc_mbim"})
    assert pick_mbim_port(["ttyUSB0", "ttyUSB2", "cdc-wdm0"], sysfs) == "cdc-wdm0"


def test_cdc_wdm_of_qmi_wwan_is_not_an_mbim_port(tmp_path):
    sysfs = sysfs_with(tmp_path, usbmisc={"cdc-wdm0": "qmi_wwan"})
    assert pick_mbim_port(["ttyUSB2", "cdc-wdm0"], sysfs) is None


def test_unknown_cdc_wdm_is_tried(tmp_path):
    assert pick_mbim_port(["ttyUSB2", "cdc-wdm1"], str(tmp_path)) == "cdc-wdm1"


def test_preference_wwan_type_then_name_then_cdc_wdm(tmp_path):
    sysfs = sysfs_with(tmp_path, wwan={"wwan1mbim0": "MBIM"})
    assert pick_mbim_port(["cdc-wdm0", "mbim-port", "wwan1mbim0"], sysfs) == "wwan1mbim0"
    assert pick_mbim_port(["cdc-wdm0", "mbim-port"], sysfs) == "mbim-port"


def test_no_mbim_port_at_all(tmp_path):
    assert pick_mbim_port(["ttyUSB0", "ttyUSB2", "wwan0at0"], str(tmp_path)) is None
    assert pick_mbim_port([], str(tmp_path)) is None


def test_ports_become_device_nodes():
    assert device_node("cdc-wdm0") == "/dev/cdc-wdm0"
    assert device_node("wwan0mbim0", "/tmp/dev") == "/tmp/dev/wwan0mbim0"
    assert device_node("/tmp/sim/cdc-wdm0") == "/tmp/sim/cdc-wdm0"


# --- resolving and running ---------------------------------------------------------------


def test_ids_fall_back_to_the_dispatcher_file_name(sim):
    # A pty has no USB parent: udev cannot tell the ids, the file name MM ran can.
    assert resolve(sim.path, "1199:9079") == ("sierra", "1199:9079", "")
    method, ids, reason = resolve(sim.path, None)
    assert method is None and "cannot tell which modem" in reason
    method, ids, reason = resolve(sim.path, "dead:beef")
    assert method is None and ids == "dead:beef" and "not in the device table" in reason


def run(call, tmp_path, **kwargs):
    stream = io.StringIO()
    code = run_dispatcher(
        call, Log("stderr", stream=stream), time.monotonic(), 8.0, sysfs=str(tmp_path), **kwargs
    )
    return code, stream.getvalue()


def test_no_port_of_the_methods_type_is_unsupported_and_logged(tmp_path):
    # The method decides which port is needed: a Sierra modem without an MBIM port...
    dev = tmp_path / "dev"
    dev.mkdir()
    for name in ("ttyUSB0", "ttyUSB2", "wwan0at0"):
        (dev / name).touch()  # they exist; which modem they are, only the hint says
    code, out = run([MODEM, "ttyUSB0", "ttyUSB2"], tmp_path, ids_hint="1199:9079", dev=str(dev))
    assert code == ExitCode.UNSUPPORTED
    assert "without an MBIM port for sierra (got ttyUSB0 ttyUSB2)" in out
    # ...an XMM7360 without its XMMRPC port (wwan0at0 is an AT port).
    port = tmp_path / "class" / "wwan" / "wwan0at0"
    port.mkdir(parents=True)
    (port / "type").write_text("AT\n")
    code, out = run([MODEM, "wwan0at0"], tmp_path, ids_hint="8086:7360", dev=str(dev))
    assert code == ExitCode.UNSUPPORTED
    assert "without an XMMRPC port for xmm7360-rpc (got wwan0at0)" in out


def test_ports_of_an_unknown_modem_are_unsupported(tmp_path):
    code, out = run([MODEM, "ttyUSB0", "ttyUSB2"], tmp_path)
    assert code == ExitCode.UNSUPPORTED
    assert "cannot tell which modem" in out


def test_the_port_is_picked_by_the_methods_type(tmp_path):
    for name, kind in (
        ("wwan0at1", "AT"),
        ("wwan0at0", "AT"),
        ("wwan0xmmrpc0", "XMMRPC"),
        ("wwan0mbim0", "MBIM"),
    ):
        port = tmp_path / "class" / "wwan" / name
        port.mkdir(parents=True)
        (port / "type").write_text(kind + "\n")
    ports = ["wwan0at1", "wwan0mbim0", "wwan0xmmrpc0", "wwan0at0", "ttyUSB3"]
    assert pick_port(ports, "AT", str(tmp_path)) == "wwan0at0"
    assert pick_port(ports, "XMMRPC", str(tmp_path)) == "wwan0xmmrpc0"
    assert pick_port(ports, "MBIM", str(tmp_path)) == "wwan0mbim0"
    assert pick_port(["ttyUSB3", "ttyUSB1", "cdc-wdm0"], "AT", str(tmp_path)) == "ttyUSB1"
    assert pick_port(["cdc-wdm0"], "XMMRPC", str(tmp_path)) is None


def test_not_a_modem_path_is_a_usage_error(tmp_path):
    code, out = run(["/org/example/Modem/0", "cdc-wdm0"], tmp_path)
    assert code == ExitCode.USAGE
    assert "not a ModemManager modem path" in out


def sim_port(tmp_path, sim):
    """The simulator under a cdc-wdm name (MM passes names; paths are accepted too)."""
    link = tmp_path / "cdc-wdm0"
    link.symlink_to(sim.path)
    return str(link)


def test_modem_outside_the_table_is_unsupported(tmp_path, sim):
    code, out = run([MODEM, sim_port(tmp_path, sim)], tmp_path, ids_hint="dead:beef")
    assert code == ExitCode.UNSUPPORTED
    assert "dead:beef is not in the device table" in out
    assert sim.modem.transcript == []


def test_run_goes_through_the_proxy_within_the_budget(tmp_path, monkeypatch, sim):
    seen = {}

    def fake_unlock(device, method, timeout, trace, ids, transport, lock_dir, key=None, occasion=None):
        assert occasion == "dispatcher"
        seen.update(
            device=device, method=method, timeout=timeout, ids=ids, transport=transport, lock=lock_dir
        )
        outcome = runner.Outcome(device, method, ids)
        outcome.exit_code, outcome.result = ExitCode.OK, "unlocked"
        return outcome

    monkeypatch.setattr(runner, "unlock", fake_unlock)
    started = time.monotonic() - 0.5  # as if Python took half a second to start
    stream = io.StringIO()
    port = sim_port(tmp_path, sim)
    code = run_dispatcher(
        [MODEM, "ttyUSB2", port],
        Log("stderr", stream=stream),
        started,
        8.0,
        ids_hint="1199:9079",
        lock_dir=str(tmp_path),
        sysfs=str(tmp_path),
    )
    assert code == ExitCode.OK
    assert seen["device"] == port and seen["method"] == "sierra" and seen["ids"] == "1199:9079"
    assert seen["transport"] == "proxy" and seen["lock"] == str(tmp_path)
    # Done, watchdog included, within BUDGET of the start: 4 s minus what is gone.
    assert seen["timeout"] + WATCHDOG_GRACE <= dispatcher.BUDGET - 0.5
    assert "1199:9079 sierra: unlocked" in stream.getvalue()


def test_ids_that_decide_alone_need_no_udev_and_shared_ids_ask_it(monkeypatch):
    from fcc_unlock.host import udev

    asked = []

    def resolve_device(devnode, ids_hint=None):
        asked.append(devnode)
        return ids_hint, None, "udev was asked"

    monkeypatch.setattr(udev, "resolve_device", resolve_device)
    assert resolve("/dev/cdc-wdm0", "1199:9079") == ("sierra", "1199:9079", "")
    assert resolve("/dev/wwan0xmmrpc0", "8086:7360") == ("xmm7360-rpc", "8086:7360", "")
    assert asked == []
    # 14c3:4d75 takes another method in a Dell machine: only the PCI subsystem ids tell.
    assert resolve("/dev/wwan0at0", "14c3:4d75")[2] == "udev was asked"
    assert asked == ["/dev/wwan0at0"]
