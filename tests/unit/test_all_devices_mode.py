"""``--all``: which ports count, each modem on its own, the worst status wins."""

from __future__ import annotations

import io

import pytest

from fcc_unlock.cli import all_modems as all_devices
from fcc_unlock.cli.all_modems import plan, unlock_all, worst
from fcc_unlock.errors import ExitCode
from fcc_unlock.host import devices
from fcc_unlock.host.log import Log
from fcc_unlock.host.udev import DeviceIds, PresentPort, present_ports

SIERRA = DeviceIds("usb", 0x1199, 0x9079)


def test_worst_is_the_highest_code():
    assert worst([]) == ExitCode.OK
    assert worst([0, 0]) == ExitCode.OK
    assert worst([0, 1, 0]) == ExitCode.REFUSED
    assert worst([1, 7, 4, 0]) == ExitCode.BUSY
    assert worst([7, 70]) == ExitCode.INTERNAL


def test_plan_keeps_table_modems_and_marks_methods_we_cannot_run(monkeypatch):
    extra = devices.Device("usb", 0xFFFF, 0x0801, "Fictional AT-only modem", "quectel-at", "confirmed")
    monkeypatch.setattr(devices, "DEVICES", (*devices.DEVICES, extra))
    ports = [
        PresentPort("/dev/cdc-wdm0", SIERRA),
        PresentPort("/dev/cdc-wdm1", DeviceIds("usb", 0xDEAD, 0xBEEF)),
        PresentPort("/dev/cdc-wdm2", DeviceIds("usb", 0xFFFF, 0x0801)),
    ]
    assert [(p.devnode, m) for p, m in plan(ports)] == [("/dev/cdc-wdm0", "sierra"), ("/dev/cdc-wdm2", None)]


def test_each_modem_is_unlocked_independently_and_the_worst_status_returned(
    sim_factory, tmp_path, monkeypatch
):
    extra = devices.Device("usb", 0xFFFF, 0x0801, "Fictional AT-only modem", "quectel-at", "confirmed")
    monkeypatch.setattr(devices, "DEVICES", (*devices.DEVICES, extra))
    refusing = sim_factory(qmi_error=71)
    good = sim_factory()
    ports = [
        PresentPort(refusing.path, SIERRA),
        PresentPort(good.path, DeviceIds("usb", 0x413C, 0x81A8)),
        PresentPort("/dev/cdc-wdm7", DeviceIds("usb", 0xFFFF, 0x0801)),
    ]
    stream = io.StringIO()
    code = unlock_all(3.0, "chardev", str(tmp_path), Log("stderr", stream=stream), ports=ports)
    lines = stream.getvalue().splitlines()
    assert code == ExitCode.UNSUPPORTED  # max(1, 0, 3)
    assert len(lines) == 3
    assert "1199:9079 sierra: modem refused the unlock" in lines[0] and "(exit 1)" in lines[0]
    assert "413c:81a8 sierra: unlocked in" in lines[1]
    assert "ffff:0801 quectel-at: the quectel-at unlock is not available" in lines[2]
    assert not good.modem.locked and refusing.modem.locked


def test_nothing_present_is_success_with_a_line():
    stream = io.StringIO()
    assert unlock_all(3.0, "chardev", None, Log("stderr", stream=stream), ports=[]) == ExitCode.OK
    assert "no modem from the device table is present" in stream.getvalue()


def test_all_rejects_a_device_argument(capsys):
    from fcc_unlock import cli

    assert cli.main(["--all", "/dev/cdc-wdm0"]) == ExitCode.USAGE
    assert "--all takes no DEVICE" in capsys.readouterr().err


def test_all_passes_transport_timeout_and_lock_dir(monkeypatch, tmp_path):
    from fcc_unlock import cli

    seen = {}

    def fake(timeout, transport, lock_dir, log, trace, as_json):
        seen.update(timeout=timeout, transport=transport, lock_dir=lock_dir, as_json=as_json)
        return 4

    monkeypatch.setattr(all_devices, "unlock_all", fake)
    monkeypatch.setenv("FCC_UNLOCK_LOCK_DIR", str(tmp_path))
    assert cli.main(["--all", "--proxy", "--timeout", "5", "--json"]) == 4
    assert seen == {"timeout": 5.0, "transport": "proxy", "lock_dir": str(tmp_path), "as_json": True}
    cli.main(["--all"])
    assert seen["transport"] == "auto"
    cli.main(["--all", "--no-proxy"])
    assert seen["transport"] == "chardev"


# --- finding the ports (pyudev objects faked) ------------------------------------------------


class FakeDevice:
    def __init__(
        self, sys_name, subsystem, device_type=None, parent=None, driver=None, attributes=None, node=None
    ):
        self.sys_name = sys_name
        self.subsystem = subsystem
        self.device_type = device_type
        self.parent = parent
        self.driver = driver
        self.attributes = {k: v.encode() for k, v in (attributes or {}).items()}
        self.device_node = node

    @property
    def ancestors(self):
        parent = self.parent
        while parent is not None:
            yield parent
            parent = parent.parent


class FakeContext:
    def __init__(self, devices):
        self.devices = devices

    def list_devices(self, subsystem):
        return [d for d in self.devices if d.subsystem == subsystem]


def usb_modem(number, driver):
    usb = FakeDevice(f"1-{number}", "usb", "usb_device", attributes={"idVendor": "1199", "idProduct": "9079"})
    interface = FakeDevice(f"1-{number}:1.12", "usb", "usb_interface", parent=usb, driver=driver)
    wdm = FakeDevice(f"cdc-wdm{number}", "usbmisc", parent=interface, node=f"/dev/cdc-wdm{number}")
    wwan = FakeDevice(f"wwan{number}", "wwan", "wwan_dev", parent=interface)
    twin = FakeDevice(
        f"wwan{number}mbim0",
        "wwan",
        "wwan_port",
        parent=wwan,
        attributes={"type": "MBIM"},
        node=f"/dev/wwan{number}mbim0",
    )
    return [usb, interface, wdm, wwan, twin]


def pci_modem(port_type="MBIM"):
    pci = FakeDevice(
        "0000:03:00.0",
        "pci",
        attributes={
            "vendor": "0x105b",
            "device": "0xe0ab",
            "subsystem_vendor": "0x105b",
            "subsystem_device": "0xe0ab",
        },
    )
    mhi = FakeDevice("mhi0", "mhi", parent=pci)
    wwan = FakeDevice("wwan5", "wwan", "wwan_dev", parent=mhi)
    mbim = FakeDevice(
        "wwan5mbim0", "wwan", "wwan_port", parent=wwan, attributes={"type": port_type}, node="/dev/wwan5mbim0"
    )
    at = FakeDevice(
        "wwan5at0", "wwan", "wwan_port", parent=wwan, attributes={"type": "AT"}, node="/dev/wwan5at0"
    )
    return [pci, mhi, wwan, mbim, at]


def test_present_ports_are_cdc_mbim_nodes_and_pci_wwan_mbim_ports():
    context = FakeContext([*usb_modem(0, "cdc_mbim"), *usb_modem(1, "qmi_wwan"), *pci_modem()])
    found = present_ports(context)
    assert [(p.devnode, p.ids.bus, str(p.ids)) for p in found] == [
        ("/dev/cdc-wdm0", "usb", "1199:9079"),  # not its wwan twin, not the qmi_wwan modem
        ("/dev/wwan5mbim0", "pci", "105b:e0ab"),  # not the AT port, not the wwan device
    ]
    assert found[1].ids.subsystem_vendor == 0x105B


@pytest.mark.parametrize("port_type", ["AT", "QMI"])
def test_wwan_ports_of_other_types_are_skipped(port_type):
    assert present_ports(FakeContext(pci_modem(port_type))) == []


def test_present_ports_on_this_machine_does_not_fail():
    # Real pyudev over the real sysfs: on a test machine without modems, an empty list.
    assert all(port.devnode.startswith("/dev/") for port in present_ports())
