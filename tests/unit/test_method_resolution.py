"""From a device node to the unlock method: pyudev resolution against a fake device tree."""

import sys
import types

import pytest

from fcc_unlock.host import udev as resolve


class FakeDevice:
    def __init__(self, subsystem, device_type=None, parents=(), **attributes):
        self.subsystem = subsystem
        self.device_type = device_type
        self.attributes = {k: v.encode() for k, v in attributes.items()}
        self._parents = list(parents)

    @property
    def ancestors(self):
        return iter(self._parents)


def usb_port(vendor, product):
    interface = FakeDevice("usb", "usb_interface")
    device = FakeDevice("usb", "usb_device", idVendor=vendor, idProduct=product)
    return FakeDevice(
        "usbmisc", parents=[interface, device, FakeDevice("usb", "usb_device", idVendor="1d6b")]
    )


def pci_wwan_port(vendor, device, subsystem_vendor="0x17aa", subsystem_device="0x1234"):
    pci = FakeDevice(
        "pci",
        vendor=vendor,
        device=device,
        subsystem_vendor=subsystem_vendor,
        subsystem_device=subsystem_device,
    )
    return FakeDevice(
        "wwan", parents=[FakeDevice("wwan"), FakeDevice("mhi"), pci, FakeDevice("pci", vendor="0x8086")]
    )


@pytest.fixture
def fake_udev(monkeypatch, tmp_path):
    """Install a fake pyudev whose only device is the one the test sets; yield a node path."""
    node = tmp_path / "cdc-wdm0"
    node.write_bytes(b"")
    module = types.ModuleType("pyudev")
    module.tree = {}

    class DeviceNotFoundError(Exception):
        pass

    class Devices:
        @staticmethod
        def from_device_file(context, path):
            if path not in module.tree:
                raise DeviceNotFoundError(path)
            return module.tree[path]

    module.Context = lambda: object()
    module.Devices = Devices
    module.DeviceNotFoundError = DeviceNotFoundError
    monkeypatch.setitem(sys.modules, "pyudev", module)

    def plug(device):
        module.tree[str(node)] = device
        return str(node)

    return plug


def test_usb_cdc_wdm_resolves_to_its_method(fake_udev):
    node = fake_udev(usb_port("1199", "9079"))
    assert resolve.method_for(node) == ("sierra", "1199:9079", "")


def test_first_usb_device_ancestor_counts_not_the_hub(fake_udev):
    found = resolve.identify(fake_udev(usb_port("2c7c", "030a")))
    assert (found.bus, found.vendor, found.product) == ("usb", 0x2C7C, 0x030A)
    assert found.subsystem_vendor is None


def test_pci_wwan_port_resolves_through_mhi(fake_udev):
    node = fake_udev(pci_wwan_port("0x105b", "0xe0ab"))
    found = resolve.identify(node)
    assert (found.bus, found.vendor, found.product) == ("pci", 0x105B, 0xE0AB)
    assert (found.subsystem_vendor, found.subsystem_device) == (0x17AA, 0x1234)
    assert resolve.method_for(node) == ("foxconn", "105b:e0ab", "")


def test_quectel_pci(fake_udev):
    assert resolve.method_for(fake_udev(pci_wwan_port("0x1eac", "0x1007")))[0] == "quectel"


def test_shared_id_is_told_apart_by_subsystem_vendor(fake_udev):
    method, ids, hint = resolve.method_for(fake_udev(pci_wwan_port("0x17cb", "0x0308", "0x105b", "0xe142")))
    assert (method, ids, hint) == ("foxconn-e4", "17cb:0308", "")
    method, _, hint = resolve.method_for(fake_udev(pci_wwan_port("0x17cb", "0x0308", "0x1199", "0x0001")))
    assert method is None
    assert "not in the device table" in hint


def test_one_id_takes_another_method_in_another_oems_machine(fake_udev):
    lenovo = fake_udev(pci_wwan_port("0x14c3", "0x4d75", "0x1cf8", "0x3500"))
    assert resolve.method_for(lenovo)[0] == "fm350-at"
    dell = fake_udev(pci_wwan_port("0x14c3", "0x4d75", "0x1028", "0x5931"))
    assert resolve.method_for(dell)[0] == "intel-mbim"


def test_a_recognised_modem_without_an_open_unlock_gets_a_precise_hint(fake_udev):
    method, ids, hint = resolve.method_for(fake_udev(pci_wwan_port("0x105b", "0xe0f5")))
    assert (method, ids) == (None, "105b:e0f5")
    assert "DW5932e" in hint and "no open unlock" in hint


def test_unknown_usb_modem(fake_udev):
    method, ids, hint = resolve.method_for(fake_udev(usb_port("1234", "5678")))
    assert (method, ids) == (None, "1234:5678")
    assert "--method" in hint


def test_missing_or_bad_id_attribute_is_not_a_crash(fake_udev):
    node = fake_udev(FakeDevice("usbmisc", parents=[FakeDevice("usb", "usb_device", idVendor="1199")]))
    assert resolve.identify(node) is None
    node = fake_udev(usb_port("zz99", "9079"))
    assert resolve.method_for(node) == (
        None,
        None,
        "cannot tell which modem this is; name the unlock with --method",
    )


def test_node_unknown_to_udev(fake_udev, tmp_path):
    fake_udev(usb_port("1199", "9079"))
    other = tmp_path / "pts"
    other.write_bytes(b"")
    assert resolve.identify(str(other)) is None


def test_no_such_node(fake_udev):
    assert resolve.method_for("/nonexistent/cdc-wdm9") == (
        None,
        None,
        "/nonexistent/cdc-wdm9: no such device",
    )


def test_without_pyudev(monkeypatch, tmp_path):
    node = tmp_path / "cdc-wdm0"
    node.write_bytes(b"")
    monkeypatch.setitem(sys.modules, "pyudev", None)  # import raises ImportError
    assert resolve.identify(str(node)) is None
