"""Automatic method choice: the device node's ids (from udev) pick the method.

udev cannot describe a pty, so these tests give the CLI a fake pyudev that presents
the simulator's pty as the USB or PCI modem it imitates, and run the CLI in-process.
"""

import json
import sys
import types

import pytest
from conftest import run_cli

from fcc_unlock import cli


class FakeDevice:
    def __init__(self, subsystem, device_type=None, parents=(), **attributes):
        self.subsystem = subsystem
        self.device_type = device_type
        self.attributes = {k: v.encode() for k, v in attributes.items()}
        self.ancestors = list(parents)


@pytest.fixture
def udev(monkeypatch):
    """``udev(path, device)``: make pyudev resolve ``path`` to ``device``."""
    tree = {}
    module = types.ModuleType("pyudev")

    class DeviceNotFoundError(Exception):
        pass

    def from_device_file(context, path):
        if path not in tree:
            raise DeviceNotFoundError(path)
        return tree[path]

    module.Context = object
    module.Devices = types.SimpleNamespace(from_device_file=from_device_file)
    module.DeviceNotFoundError = DeviceNotFoundError
    monkeypatch.setitem(sys.modules, "pyudev", module)
    return tree.__setitem__


def usb(vendor, product):
    return FakeDevice(
        "usbmisc",
        parents=[
            FakeDevice("usb", "usb_interface"),
            FakeDevice("usb", "usb_device", idVendor=vendor, idProduct=product),
        ],
    )


def pci(vendor, device):
    parent = FakeDevice(
        "pci", vendor=vendor, device=device, subsystem_vendor="0x17aa", subsystem_device="0x5000"
    )
    return FakeDevice("wwan", parents=[FakeDevice("wwan"), parent])


def test_foxconn_in_usb_mode_is_unlocked_with_the_foxconn_method(sim_factory, udev, capsys):
    sim = sim_factory("foxconn")
    udev(sim.path, usb("05c6", "90d5"))
    assert cli.main(["--log", "stderr", "--json", sim.path]) == 0
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert (document["ids"], document["method"], document["result"]) == (
        "05c6:90d5",
        "foxconn",
        "unlocked (v2)",
    )
    assert "05c6:90d5 foxconn: unlocked (v2)" in captured.err
    assert not sim.modem.locked


def test_pci_quectel_is_unlocked_with_the_quectel_method(sim_factory, udev, capsys):
    sim = sim_factory("quectel")
    udev(sim.path, pci("0x1eac", "0x1001"))
    assert cli.main(["--log", "stderr", sim.path]) == 0
    assert "1eac:1001 quectel: unlocked in" in capsys.readouterr().err


def test_method_option_overrides_the_table(sim_factory, udev, capsys):
    sim = sim_factory("sierra")
    udev(sim.path, usb("05c6", "90d5"))  # the table says foxconn; the user knows better
    assert cli.main(["--log", "stderr", "--method", "sierra", sim.path]) == 0
    assert "sierra: unlocked in" in capsys.readouterr().err
    assert "fcc-auth" in [r.kind for r in sim.modem.transcript]


def test_status_names_the_modem_from_the_table(sim_factory, udev, capsys):
    sim = sim_factory("foxconn")
    udev(sim.path, pci("0x105b", "0xe0ab"))
    assert cli.main(["--status", "--json", "--log", "stderr", sim.path]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["ids"], document["method"]) == ("105b:e0ab", "foxconn")
    assert document["model"] == "Foxconn T99W175 (SDX55, Lenovo)"


def test_modem_without_an_mbim_unlock_is_told_so(sim_factory, udev, capsys):
    sim = sim_factory("sierra")
    udev(sim.path, pci("0x105b", "0xe0f5"))  # Dell DW5932e
    assert cli.main(["--log", "stderr", sim.path]) == 3
    assert "no open unlock for it is known" in capsys.readouterr().err
    assert sim.modem.transcript == []  # nothing was sent


def test_unresolvable_node_without_method_sends_nothing(sim_factory):
    sim = sim_factory("foxconn")
    result = run_cli("--log", "stderr", sim.path)  # real pyudev: a pty is no modem
    assert result.returncode == 3
    assert "name the unlock with --method" in result.stderr
    assert sim.modem.transcript == []
