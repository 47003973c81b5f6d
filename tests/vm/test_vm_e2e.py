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

A second boot of the same image (``e2e=mm``, guest_mm.py, MM_CHECKS) runs Debian's
ModemManager and checks, for a Sierra, a Foxconn and a Quectel modem, that it enables
the locked modem after the rule's unlock (and again after a power loss), after our
dispatcher's and after its own script's, and cannot without any; its timing table is
printed at the end of the run (tests/vm/conftest.py) and kept in the README.

The kernel and root file system are cached in $FCC_UNLOCK_VM_WORK (default
.cache/vm-work): about a minute and a half to build from nothing. The first VM test
builds it and runs both boots, one after the other; the ModemManager boot, the longer,
takes about four minutes. Needs root, apt,
qemu-system-x86, debootstrap and cpio on an amd64 Debian, and ModemManager main's
dispatcher scripts ($FCC_UNLOCK_PEERS): skipped without them, except in CI
(FCC_UNLOCK_CI=1), where that is a failure.
"""

from __future__ import annotations

import fcntl
import json
import os
import platform
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
from conftest import IN_CI, ROOT

HERE = Path(__file__).resolve().parent
WORK = Path(os.environ.get("FCC_UNLOCK_VM_WORK", ROOT / ".cache" / "vm-work"))
HOST_TOOLS = ("qemu-system-x86_64", "debootstrap", "cpio", "dpkg-deb", "dpkg-buildpackage", "dh")
BUILD_SECONDS = 600  # from nothing: ~1 minute with a reachable Debian mirror
DEB_SECONDS = 300  # dpkg-buildpackage without its tests: ~15 s
BOOT_SECONDS = 300  # the default boot: about 65 s on a 2-core TCG host
MM_BOOT_SECONDS = 900  # the ModemManager boot: about 4 minutes
# ModemManager main's own dispatcher scripts (for the modems Debian 12's lack), as the
# fidelity tests find them.
PEERS = Path(os.environ.get("FCC_UNLOCK_PEERS", "/work/shared/peers/modemmanager"))

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

# The ModemManager boot (guest_mm.py): each family through each path.
MM_FAMILIES = ("sierra", "foxconn", "quectel")
# Quectel runs the timed paths only (the table's third row): the power loss and the
# run without an unlock are Sierra's and Foxconn's.
MM_PATHS_OF = {
    "sierra": ("rule", "slow", "dispatcher", "script", "none", "norun"),
    "foxconn": ("rule", "dispatcher", "script", "none"),
    "quectel": ("rule", "dispatcher", "script"),
}
MM_RELOCK = ("sierra", "foxconn")
MM_PER_PATH = {
    "rule": ("setup", "listed", "enabled", "ours-before-mm", "first-power-up", "one-result-line", "relock"),
    "dispatcher": (
        "setup",
        "listed",
        "enabled",
        "refused-then-unlocked",
        "through-proxy",
        "mm-clients-kept",
        "one-result-line",
    ),
    "script": ("setup", "listed", "enabled", "refused-then-unlocked", "through-proxy"),
    # The rule with an unlock slower than ModemManager's wait for the modem's ports.
    "slow": ("setup", "listed", "enabled", "one-result-line"),
    "none": ("setup", "listed", "enable-fails"),
    # The rule without the node's program: the interface's wait must not hold it 10 s.
    "norun": ("setup", "listed", "enable-fails"),
}
MM_CHECKS = (
    "package-installed",
    "mm-running",
    *(
        f"mm-{family}-{path}-{check}"
        for family in MM_FAMILIES
        for path in MM_PATHS_OF[family]
        for check in (*MM_PER_PATH[path], "unplugged")
        if check != "relock" or family in MM_RELOCK
    ),
)
TIMED_PATHS = {"rule": "udev rule", "dispatcher": "our dispatcher", "script": "ModemManager's script"}
timing_rows: list[str] = []  # printed by tests/vm/conftest.py at the end of the run


def vm_host_problems() -> list[str]:
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
    return reasons


def require_vm_host() -> None:
    reasons = vm_host_problems()
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


class Boot:
    """One run of run-vm.sh in the background: its console goes to a file."""

    def __init__(self, name: str, seconds: int, append: str = "") -> None:
        self.name, self.seconds = name, seconds
        self.console_path = WORK / f"console-{name}.log"
        self.started = time.monotonic()
        env = {**os.environ, "FCC_UNLOCK_VM_TIMEOUT": str(seconds), "FCC_UNLOCK_VM_APPEND": append}
        with open(self.console_path, "w") as console:
            argv = ["bash", str(HERE / "run-vm.sh"), str(WORK)]
            self.process = subprocess.Popen(argv, stdout=console, stderr=subprocess.STDOUT, env=env)

    def wait(self) -> tuple[int, str, float]:
        try:
            rc = self.process.wait(self.started + self.seconds + 30 - time.monotonic())
        except subprocess.TimeoutExpired:
            self.process.kill()
            rc = self.process.wait()
        return rc, self.console_path.read_text(errors="replace"), time.monotonic() - self.started

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class Machines:
    """The image built from this checkout, then both boots, one after the other.

    Started by the first VM test and waited for by each; tests/vm runs last, so the
    guests do not share the host with the other folders' tests.
    """

    def __init__(self) -> None:
        self.boots: dict[str, Boot] = {}
        self.error: str | None = None
        self._lock = -1
        self._thread = threading.Thread(target=self._run, name="vm-machines", daemon=True)

    def start(self) -> Machines:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            WORK.mkdir(parents=True, exist_ok=True)
            # One run per work folder at a time: held until stop().
            self._lock = os.open(WORK / ".lock", os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o644)
            fcntl.flock(self._lock, fcntl.LOCK_EX)
            started = time.monotonic()
            with tempfile.TemporaryDirectory(prefix="fcc-unlock-vm-deb.") as scratch:
                deb = build_deb(Path(scratch))
                built = subprocess.run(
                    ["bash", str(HERE / "build-image.sh"), str(WORK), str(deb)],
                    capture_output=True,
                    text=True,
                    timeout=BUILD_SECONDS,
                    env={**os.environ, "FCC_UNLOCK_VM_PEERS": str(PEERS)},
                )
            if built.returncode != 0:
                self.error = f"build-image.sh failed:\n{built.stdout[-3000:]}{built.stderr[-5000:]}"
                return
            self.built_seconds = time.monotonic() - started
            # One after the other, and nothing else beside them: a guest kept waiting loses
            # USB control requests (run-vm.sh says why).
            self.boots["default"] = Boot("default", BOOT_SECONDS)
            self.boots["default"].process.wait(BOOT_SECONDS + 30)
            self.boots["mm"] = Boot("mm", MM_BOOT_SECONDS, "e2e=mm")
        except Exception as error:  # reported by the test that needs the machines
            self.error = f"{type(error).__name__}: {error}"

    def get(self, name: str) -> Boot:
        self._thread.join(BUILD_SECONDS + DEB_SECONDS + BOOT_SECONDS + 90)
        assert self.error is None, self.error
        assert name in self.boots, "the image build did not finish"
        return self.boots[name]

    def stop(self) -> None:
        for boot in self.boots.values():
            boot.stop()
        if self._lock >= 0:
            os.close(self._lock)
            self._lock = -1


machines: Machines | None = None  # started by start_machines()


def start_machines() -> None:
    """Build and boot in the background, if this host can; the tests report what it
    cannot."""
    global machines
    if machines is None and not vm_host_problems() and PEERS.is_dir():
        machines = Machines().start()


def machine(name: str) -> Boot:
    require_vm_host()
    if not PEERS.is_dir():
        message = f"VM test: ModemManager's scripts are not in {PEERS} (FCC_UNLOCK_PEERS)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    start_machines()
    assert machines is not None
    return machines.get(name)


def check_boot(boot: Boot, expected: tuple[str, ...]) -> str:
    rc, console, seconds = boot.wait()
    print(f"vm: {boot.name} boot and test {seconds:.1f} s; console in {boot.console_path}")
    checks = checks_in(console)
    tail = console[-6000:]
    failed = {name: detail for name, (ok, detail) in checks.items() if not ok}
    assert not failed, f"guest checks failed: {failed}\n--- console (end):\n{tail}"
    not_run = [name for name in expected if name not in checks]
    assert not not_run, f"guest checks that never ran: {not_run}\n--- console (end):\n{tail}"
    assert rc == 0, f"run-vm.sh exit {rc} (1 fail, 2 no verdict)\n{tail}"
    return console


def test_udev_runs_installed_fcc_unlock_on_plugged_modem() -> None:
    check_boot(machine("default"), CHECKS)


def timing_table(console: str) -> list[str]:
    """The guest's MM-TIMING lines as a table: family x path, both figures, in seconds."""
    found = {}
    for match in re.finditer(r"^MM-TIMING (\{.*\})$", console, re.MULTILINE):
        row = json.loads(match.group(1))
        found[row["family"], row["path"]] = row
    lines = [
        "ModemManager in the VM (TCG), seconds: mmcli -e -> enabled (ModemManager's own enabling)"
        " | plug-in -> enabled (enabled at once)",
        f"{'family':<9}" + "".join(f"{label:>28}" for label in TIMED_PATHS.values()),
    ]
    for family in MM_FAMILIES:
        cells = []
        for path in TIMED_PATHS:
            row = found.get((family, path))
            if row and row.get("killed"):
                cells.append("killed at 5 s")
            elif row:
                mm = row.get("mm_enabling")
                cells.append(
                    f"{row['enable']:.2f} ({mm:.2f}) | {row['plug']:.1f}"
                    if mm
                    else f"{row['enable']:.2f} | {row['plug']:.1f}"
                )
            else:
                cells.append("-")
        lines.append(f"{family:<9}" + "".join(f"{cell:>28}" for cell in cells))
    return lines


def test_modemmanager_enables_the_modem_each_way() -> None:
    """Debian's ModemManager enables the locked modem after the rule's unlock, after our
    dispatcher's and after its own script's, re-enables it after a power loss, and
    cannot without any (tests/vm/guest_mm.py has the checks)."""
    console = check_boot(machine("mm"), MM_CHECKS)
    timing_rows[:] = timing_table(console)
    print("\n".join(timing_rows))
