"""What the shipped systemd units must say for fcc-unlock to work inside their sandbox."""

from __future__ import annotations

import pytest
from conftest import ROOT

from fcc_unlock.host.lock import DEFAULT_LOCK_DIR
from fcc_unlock.run import DEFAULT_TIMEOUT

UNITS = ROOT / "packaging" / "systemd"
TEMPLATE, RESUME = "fcc-unlock@.service", "fcc-unlock-resume.service"
SLEEP_TARGETS = {"suspend.target", "hibernate.target", "hybrid-sleep.target", "suspend-then-hibernate.target"}


def unit(name):
    # Repeated keys (DeviceAllow=, SystemCallFilter=) accumulate in systemd: keep them all.
    values: dict[tuple[str, str], list[str]] = {}
    section = None
    for line in (UNITS / name).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        values.setdefault((section, key), []).append(value)
    return values


@pytest.fixture(params=[TEMPLATE, RESUME])
def each(request):
    return unit(request.param)


def test_units_are_the_ones_shipped():
    assert sorted(p.name for p in UNITS.glob("*.service")) == sorted([TEMPLATE, RESUME])


def test_template_unlocks_the_raw_instance_name_under_dev():
    values = unit(TEMPLATE)
    # %i, not %I: unescaping would turn cdc-wdm0 into cdc/wdm0.
    assert values[("Service", "ExecStart")] == ["/usr/bin/fcc-unlock /dev/%i"]
    assert values[("Service", "DeviceAllow")] == ["/dev/%i rw"]
    assert ("Install", "WantedBy") not in values  # started on demand, never enabled


def test_resume_unit_runs_all_after_every_sleep_and_may_open_modem_ports():
    values = unit(RESUME)
    assert values[("Service", "ExecStart")] == ["/usr/bin/fcc-unlock --all"]
    assert set(values[("Unit", "After")][0].split()) == SLEEP_TARGETS
    assert set(values[("Install", "WantedBy")][0].split()) == SLEEP_TARGETS
    assert sorted(values[("Service", "DeviceAllow")]) == ["char-usb rw", "char-wwan_port rw"]


def test_sandbox_leaves_what_fcc_unlock_needs(each):
    service = {key: value for (section, key), value in each.items() if section == "Service"}
    assert service["Type"] == ["oneshot"]
    # @mbim-proxy is an abstract socket of the host's network namespace; /dev/log is AF_UNIX too.
    assert "PrivateNetwork" not in service
    assert service["RestrictAddressFamilies"] == ["AF_UNIX"]
    # The lock directory must stay writable under ProtectSystem=strict.
    assert service["ProtectSystem"] == ["strict"]
    assert any(DEFAULT_LOCK_DIR.startswith(path.lstrip("-")) for path in service["ReadWritePaths"])
    assert service["DevicePolicy"] == ["closed"]
    assert "PrivateDevices" not in service  # it would hide /dev/cdc-wdm* and /dev/wwan*
    assert service["CapabilityBoundingSet"] == [""]  # root by uid suffices: nodes are root's
    timeout = float(service["TimeoutStartSec"][0])
    assert timeout > DEFAULT_TIMEOUT + 0.5  # fcc-unlock's own deadline (and watchdog) come first


def test_units_document_the_man_page(each):
    assert each[("Unit", "Documentation")] == ["man:fcc-unlock(1)"]
    assert (ROOT / "packaging" / "fcc-unlock.1").exists()
