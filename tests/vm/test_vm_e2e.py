"""Step 5 of the testing ladder: the real kernel and udev run the installed fcc-unlock.

A QEMU guest boots Debian 12's kernel with a debootstrap'd Debian as its initramfs.
fcc-unlock's Debian package is built from this checkout (packaging/debian, its build-time
tests left to the other test folders) and installed in the guest with apt, beside Debian's
python3-construct and python3-pyudev: the rule, the units, the dispatcher entry and
/usr/bin/fcc-unlock are where the package puts them. In the guest, guest_test.py plugs
the simulated modem in through gadgetfs and dummy_hcd (``fcc_unlock.sim.gadget``), and the
real cdc_mbim and cdc_wdm bind it, the real systemd-udevd runs the rule, and the rule runs
/usr/bin/fcc-unlock. One boot checks (each a CHECK line of the guest, listed in CHECKS):

* apt installs the package;
* the hotplug unlock of a locked Sierra EM7455: the modem ends unlocked; its transcript
  is OPEN, allocate, FCC auth, release, CLOSE; the OPEN carries MaxControlTransfer 256,
  which fcc-unlock learned from the device (the default would be 4096); no transfer
  exceeds 256 bytes;
* the result line reaches syslog (the guest's own receiver on /dev/log), exactly once;
* Debian's mbimcli queries the emulated modem through the same kernel path;
* a re-plug fires the rule again, this time with replies fragmented to 64 bytes that
  fcc-unlock reassembles;
* a manual ``fcc-unlock -v /dev/cdc-wdm0`` finds the method in the device table by the
  USB ids pyudev reads, and reports MaxControlTransfer 256 from the ioctl;
* a Foxconn T99W175 and a Quectel RM520N (USB ids of the rules file) are unlocked by
  the rule's method, the same way;
* after ``systemctl enable fcc-unlock-resume.service`` and ``python3 -m
  fcc_unlock.modemmanager enable``, ``apt-get purge`` leaves the file tree as it was
  before the install (no links, no directories, no files of ours).

The kernel and root file system are cached in $FCC_UNLOCK_VM_WORK (default
.cache/vm-work): about a minute to build from nothing, then 20-30 s a run. Needs root,
apt, qemu-system-x86, debootstrap and cpio on an amd64 Debian: skipped without them,
except in CI (FCC_UNLOCK_CI=1), where that is a failure.
"""

from __future__ import annotations

import fcntl
import os
import platform
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from conftest import IN_CI, ROOT

HERE = Path(__file__).resolve().parent
WORK = Path(os.environ.get("FCC_UNLOCK_VM_WORK", ROOT / ".cache" / "vm-work"))
HOST_TOOLS = ("qemu-system-x86_64", "debootstrap", "cpio", "dpkg-deb", "dpkg-buildpackage", "dh")
BUILD_SECONDS = 600  # from nothing: ~1 minute with a reachable Debian mirror
DEB_SECONDS = 300  # dpkg-buildpackage without its tests: ~15 s
BOOT_SECONDS = 300  # one boot: 20-25 s on a 2-core TCG host

PLUGS = ("sierra", "sierra-replug", "foxconn", "quectel")  # guest_test.py plugs these, in order
PER_PLUG = ("enumerated", "unlock", "max-control-transfer", "transfers", "syslog", "unplugged")
CHECKS = (
    "package-installed",
    "installed",
    "rules-installed",
    *(f"{plug}-{check}" for plug in PLUGS for check in PER_PLUG),
    "mbimcli",
    "udev-once",
    "sierra-replug-fragmented-replies",
    "manual-run",
    "opt-ins",
    "purge-leaves-nothing",
)


def require_vm_host() -> None:
    missing = [tool for tool in HOST_TOOLS if shutil.which(tool) is None]
    reasons = []
    if os.geteuid() != 0:
        reasons.append("needs root (debootstrap, chroot)")
    if shutil.which("apt-get") is None:
        reasons.append("needs apt (a Debian host)")
    if platform.machine() != "x86_64":
        reasons.append("the guest is amd64")
    if missing:
        reasons.append(
            f"missing {', '.join(missing)} (apt-get install qemu-system-x86 debootstrap cpio "
            "debhelper dh-python pybuild-plugin-pyproject python3-all python3-setuptools)"
        )
    if reasons:
        message = "VM test: " + "; ".join(reasons)
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def build_deb(into: Path) -> Path:
    """The checkout as it is now (uncommitted changes too), packaged from a clean copy."""
    source = into / "fcc-unlock"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv*", ".cache", "*_cache", ".hypothesis", "build", "dist", "*.egg-info", "__pycache__"
        ),
    )
    shutil.copytree(source / "packaging" / "debian", source / "debian")
    # Debian's own Python and tools, not a venv's or pyenv's; nocheck: the tests of the
    # build run in the other test folders (and in .ci/packages' full build), -d: so
    # does the check of the build dependencies (build-essential is not needed here).
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": str(into), "LANG": "C.UTF-8"}
    env["DEB_BUILD_OPTIONS"] = env["DEB_BUILD_PROFILES"] = "nocheck"
    result = subprocess.run(
        ["dpkg-buildpackage", "-us", "-uc", "-b", "-d"],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=DEB_SECONDS,
        env=env,
    )
    debs = sorted(into.glob("fcc-unlock_*_all.deb"))
    assert result.returncode == 0 and len(debs) == 1, (
        f"dpkg-buildpackage failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
    )
    return debs[0]


def checks_in(console: str) -> dict[str, tuple[bool, str]]:
    found = {}
    for match in re.finditer(r"^CHECK (\S+) (PASS|FAIL) ?(.*)$", console, re.MULTILINE):
        found[match.group(1)] = (match.group(2) == "PASS", match.group(3).strip())
    return found


def test_udev_runs_installed_fcc_unlock_on_plugged_modem(tmp_path: Path) -> None:
    require_vm_host()
    WORK.mkdir(parents=True, exist_ok=True)
    with open(WORK / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one run per work folder at a time
        started = time.monotonic()
        deb = build_deb(tmp_path)
        built = subprocess.run(
            ["bash", str(HERE / "build-image.sh"), str(WORK), str(deb)],
            capture_output=True,
            text=True,
            timeout=BUILD_SECONDS,
        )
        assert built.returncode == 0, f"build-image.sh failed:\n{built.stdout[-3000:]}{built.stderr[-5000:]}"
        booted = time.monotonic()
        run = subprocess.run(
            ["bash", str(HERE / "run-vm.sh"), str(WORK)],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=BOOT_SECONDS + 30,
            env={**os.environ, "FCC_UNLOCK_VM_TIMEOUT": str(BOOT_SECONDS)},
        )
        finished = time.monotonic()
    console = run.stdout + run.stderr
    (WORK / "console.log").write_text(console)
    print(f"vm: build {booted - started:.1f} s, boot and test {finished - booted:.1f} s; console in {WORK}")

    checks = checks_in(console)
    tail = console[-6000:]
    failed = {name: detail for name, (ok, detail) in checks.items() if not ok}
    assert not failed, f"guest checks failed: {failed}\n--- console (end):\n{tail}"
    not_run = [name for name in CHECKS if name not in checks]
    assert not not_run, f"guest checks that never ran: {not_run}\n--- console (end):\n{tail}"
    assert run.returncode == 0, f"run-vm.sh exit {run.returncode} (1 fail, 2 no verdict)\n{tail}"
