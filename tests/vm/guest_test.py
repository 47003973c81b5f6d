#!/usr/bin/python3
"""The in-guest half of the end-to-end test, run by /init as root inside the VM.

It installs fcc-unlock's .deb with apt, as a user would (its dependencies are in the
image, from Debian's archive), plugs simulated modems (``python3 -m fcc_unlock.sim.gadget``
from the installed package) into the real kernel through gadgetfs and dummy_hcd, one
after another (Sierra, Sierra again with small fragments, Foxconn, Quectel), and checks
what the real cdc_mbim, cdc_wdm, systemd-udevd and the installed /usr/bin/fcc-unlock made
of each. Last, it takes both opt-ins (systemctl enable, modemmanager enable) and purges
the package: the file tree must be as it was before the install.
Each check prints ``CHECK <name> PASS|FAIL <detail>``; the exit status is 0 iff every
check ran and passed. The host side (test_vm_e2e.py) reads those lines.

Stdlib only: this is the guest's Debian python3, not the project's venv.
"""

import glob
import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

# (personality, USB ids the gadget presents, what the unlock must send in this order).
# The ids are USB lines of udev/85-fcc-unlock.rules: the rule, not the test, picks the method.
SIERRA = ("sierra", "1199:9079", ["qmi-allocate", "fcc-auth", "qmi-release"])
OTHER_VENDORS = (
    ("foxconn", "05c6:90d5", ["qmi-allocate", "foxconn-auth", "qmi-release"]),  # T99W175, USB mode
    ("quectel", "2c7c:0801", ["quectel-set-radio-state"]),  # RM520N
)
MAX_CONTROL_MESSAGE = 256  # what the gadget advertises (gadgetfs's control limit)
SMALL_FRAGMENTS = 64  # the re-plugged modem fragments its replies to this (MBIM's minimum)
APPEAR_SECONDS = 60  # modem plugged -> /dev/cdc-wdmN (about 2 s on an idle TCG guest)
UNLOCK_SECONDS = 30  # /dev/cdc-wdmN -> udev's fcc-unlock run has closed the session
RESULT_LINE = re.compile(r"fcc-unlock(\[\d+\])?: (?P<line>cdc-wdm\d+ .*)$")

checks = []


def check(name, ok, detail=""):
    checks.append((name, bool(ok)))
    print(f"CHECK {name} {'PASS' if ok else 'FAIL'} [{uptime():.1f}] {detail}", flush=True)
    return bool(ok)


def uptime():
    with open("/proc/uptime") as f:
        return float(f.read().split()[0])


def note(text):
    print(f"guest: [{uptime():.1f}] {text}", flush=True)


def wait_for(condition, seconds, interval=0.1):
    """condition()'s first true value within ``seconds``, else None."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


def run(*argv, timeout=60):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as error:
        return subprocess.CompletedProcess(argv, -1, error.stdout or "", f"timed out after {timeout} s")


# --- syslog: no systemd, so we are the journal ------------------------------------


class SyslogReceiver:
    """A minimal syslog daemon: every datagram on /dev/log, kept and echoed."""

    def __init__(self, path="/dev/log"):
        if os.path.lexists(path):
            os.unlink(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.lines = []
        threading.Thread(target=self._receive, daemon=True).start()

    def _receive(self):
        while True:
            text = self.sock.recv(65536).decode("utf-8", "replace").rstrip("\n\0")
            print(f"syslog: {text}", flush=True)
            self.lines.append(text)

    def results(self):
        """The fcc-unlock result lines received so far."""
        found = (RESULT_LINE.search(line) for line in self.lines)
        return [m.group("line") for m in found if m]


# --- the modem ------------------------------------------------------------------------


class Plug:
    """One simulated modem on the USB bus, from plug-in to unplug."""

    count = 0

    def __init__(self, *gadget_args):
        Plug.count += 1
        self.status_path = f"/run/modem-{Plug.count}.json"
        self.log_path = f"/run/gadget-{Plug.count}.log"
        # Real-time priority on the guest's one CPU: the gadget reads each control request
        # before the host can send the next, as a modem that NAKs until ready (gadget.py).
        argv = ["chrt", "-f", "10", "python3", "-m", "fcc_unlock.sim.gadget", "--status", self.status_path]
        argv += gadget_args
        note(f"plug #{Plug.count}: {' '.join(argv)}")
        self.started = time.monotonic()
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)

    def status(self):
        try:
            with open(self.status_path) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def kinds(self):
        status = self.status() or {}
        return [entry["kind"] for entry in status.get("transcript", [])]

    def session_closed(self, sessions=1):
        """True once ``sessions`` OPENs each had their CLOSE."""
        kinds = self.kinds()
        return kinds.count("open") >= sessions and kinds.count("close") >= sessions and kinds[-1] == "close"

    def power_cycle(self, seconds=30):
        """The modem loses power and comes back locked (the gadget's SIGUSR1): True once
        it is back on the bus."""
        cycles = (self.status() or {}).get("power_cycles", 0)
        self.process.send_signal(signal.SIGUSR1)
        return bool(
            wait_for(
                lambda: (
                    (s := self.status() or {}).get("power_cycles", 0) > cycles
                    and s.get("state") in ("plugged", "configured")
                ),
                seconds,
            )
        )

    def unplug(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def dump(self):
        with open(self.log_path) as f:
            print(f"--- {self.log_path}\n{f.read()[-4000:]}", flush=True)
        print(f"--- {self.status_path}\n{json.dumps(self.status(), indent=1)[-4000:]}", flush=True)


def wdm_nodes():
    return sorted(glob.glob("/dev/cdc-wdm*"))


def driver_of(node):
    link = f"/sys/class/usbmisc/{os.path.basename(node)}/device/driver"
    return os.path.basename(os.path.realpath(link)) if os.path.exists(link) else None


def in_order(items, wanted):
    """True if ``wanted`` appear in ``items`` in this order (others may come between)."""
    rest = iter(items)
    return all(any(item == w for item in rest) for w in wanted)


def check_unlock_session(name, status, expected, max_transfer):
    """The transcript of one udev-fired unlock: OPEN .. the vendor's requests .. CLOSE."""
    transcript = status["transcript"]
    kinds = [entry["kind"] for entry in transcript]
    opens = [entry for entry in transcript if entry["kind"] == "open"]
    sent = status["to_modem"]
    replies = [t["size"] for t in status["to_host"]]
    check(
        f"{name}-unlock",
        not status["locked"]
        and kinds[:1] == ["open"]
        and kinds[-1:] == ["close"]
        and in_order(kinds, ["open", *expected, "close"])
        and "qmi-sync" not in kinds
        and status["qmi_clients"] == 0
        and status["overrun"] == 0,
        f"locked={status['locked']} transcript={kinds} QMI clients left={status['qmi_clients']}"
        f" requests lost by gadgetfs={status['overrun']}",
    )
    check(
        f"{name}-max-control-transfer",
        opens and all(entry.get("max_control_transfer") == MAX_CONTROL_MESSAGE for entry in opens),
        f"OPEN MaxControlTransfer={[entry.get('max_control_transfer') for entry in opens]}"
        f" (the device advertises {MAX_CONTROL_MESSAGE})",
    )
    check(
        f"{name}-transfers",
        sent and replies and max(sent) <= MAX_CONTROL_MESSAGE and max(replies) <= max_transfer,
        f"host->modem sizes {sent}, modem->host sizes {replies} (limit {max_transfer})",
    )


# --- the scenarios --------------------------------------------------------------------


# What a purge must restore; the rest is the test's own or the kernel's.
NOT_THE_PACKAGES = (
    "/proc",
    "/sys",
    "/dev",
    "/run",
    "/tmp",
    "/root",
    "/e2e",
    "/var/log",
    "/var/cache",
    "/var/lib/apt",
    "/var/lib/dpkg",
)


def file_tree():
    found = set()
    for top, dirs, files in os.walk("/", followlinks=False):
        dirs[:] = [d for d in dirs if os.path.join(top, d) not in NOT_THE_PACKAGES]
        found.update(os.path.join(top, name) for name in dirs + files)
    return found


def install_package():
    """apt installs the .deb from /e2e; returns the file tree from before."""
    before = file_tree()
    (deb,) = glob.glob("/e2e/fcc-unlock_*.deb")
    result = run("apt-get", "install", "-y", "--no-install-recommends", deb, timeout=300)
    check(
        "package-installed",
        result.returncode == 0,
        f"apt-get exit {result.returncode} {result.stderr[-500:]}",
    )
    return before


def check_installation():
    with open("/usr/bin/fcc-unlock") as f:
        shebang = f.readline().strip()
    # Where the interpreter finds the package and its dependencies (without importing them).
    paths = [
        getattr(importlib.util.find_spec(name), "origin", None)
        for name in ("fcc_unlock", "construct", "pyudev")
    ]
    check(
        "installed",
        shebang == "#!/usr/bin/python3"
        and all(p and p.startswith("/usr/lib/python3/dist-packages/") for p in paths),
        f"/usr/bin/fcc-unlock starts {shebang!r}; modules: {paths}",
    )
    rules = sorted(glob.glob("/usr/lib/udev/rules.d/*fcc-unlock*"))
    check("rules-installed", rules, f"{rules}")


def opt_in_and_purge(before):
    """Both opt-ins of the README, then apt-get purge: nothing of ours may be left."""
    enabled = run("systemctl", "enable", "fcc-unlock-resume.service")
    wants = glob.glob("/etc/systemd/system/*.target.wants/fcc-unlock-resume.service")
    linked = run("python3", "-m", "fcc_unlock.modemmanager", "enable")
    links = glob.glob("/etc/ModemManager/fcc-unlock.d/*")
    check(
        "opt-ins",
        enabled.returncode == 0 and linked.returncode == 0 and len(wants) == 4 and len(links) > 0,
        f"systemctl exit {enabled.returncode}, {len(wants)} wants links; "
        f"modemmanager exit {linked.returncode}, {len(links)} dispatcher links {linked.stderr[-300:]}",
    )
    purged = run("apt-get", "purge", "-y", "fcc-unlock", timeout=300)
    after = file_tree()
    check(
        "purge-leaves-nothing",
        purged.returncode == 0 and after == before,
        f"apt-get exit {purged.returncode}; left: {sorted(after - before)[:20]}; "
        f"gone: {sorted(before - after)[:20]} {purged.stderr[-300:]}",
    )


def plug_and_check(name, syslog, scenario, *faults, max_transfer=MAX_CONTROL_MESSAGE):
    """Plug a locked modem in; udev's fcc-unlock must unlock it once and log one line."""
    vendor, ids, expected = scenario
    logged_before = len(syslog.results())
    plug = Plug("--vendor", vendor, "--ids", ids, *faults)
    node = wait_for(lambda: wdm_nodes()[:1], APPEAR_SECONDS)
    if not check(
        f"{name}-enumerated",
        node and driver_of(node[0]) == "cdc_mbim",
        f"{node} bound to {driver_of(node[0]) if node else None},"
        f" {time.monotonic() - plug.started:.1f} s after plug-in",
    ):
        return plug, None
    closed = wait_for(plug.session_closed, UNLOCK_SECONDS)
    status = plug.status()
    note(f"{name}: udev's fcc-unlock run done {time.monotonic() - plug.started:.1f} s after plug-in")
    if not closed or status is None:
        check(f"{name}-unlock", False, f"no complete session: transcript {plug.kinds()}")
    else:
        check_unlock_session(name, status, expected, max_transfer)
    lines = wait_for(lambda: syslog.results()[logged_before:], 20) or []
    check(
        f"{name}-syslog",
        len(lines) == 1
        and re.fullmatch(rf"cdc-wdm\d+ ({ids} )?{vendor}: unlocked( \(\w+\))? in \d+\.\d+ s", lines[0]),
        f"new result lines: {lines}",
    )
    return plug, node[0]


def unplug(name, plug):
    plug.unplug()
    gone = wait_for(lambda: not wdm_nodes(), 30)
    check(f"{name}-unplugged", gone, f"cdc-wdm nodes after unplug: {wdm_nodes()}")


def mbimcli_cross_check(syslog, plug, device):
    before = plug.kinds().count("device-caps")
    result = run("mbimcli", "-d", device, "--query-device-caps", timeout=60)
    output = result.stdout + result.stderr
    check(
        "mbimcli",
        result.returncode == 0 and "EM7455" in output and plug.kinds().count("device-caps") == before + 1,
        f"exit {result.returncode}: {' '.join(output.split())[:400]}",
    )
    # By now a second run of the rule (two matching rules, a re-trigger) would have shown.
    check(
        "udev-once",
        plug.kinds().count("fcc-auth") == 1 and len(syslog.results()) == 1,
        f"unlock requests {plug.kinds().count('fcc-auth')}, result lines {len(syslog.results())}",
    )


def check_fragmented(name, plug):
    status = plug.status() or {"to_host": []}
    fragmented = [t["fragment"] for t in status["to_host"] if t["fragment"] and t["fragment"][1] > 1]
    check(
        f"{name}-fragmented-replies",
        fragmented,
        f"fragments [index, total] the host reassembled: {fragmented}",
    )


def manual_run(plug, device):
    result = run("fcc-unlock", "-v", device, timeout=60)
    output = result.stdout + result.stderr
    print(output, flush=True)
    check(
        "manual-run",
        result.returncode == 0
        and f"MaxControlTransfer {MAX_CONTROL_MESSAGE} (ioctl)" in output
        and re.search(rf"{os.path.basename(device)} {SIERRA[1]} sierra: (already )?unlocked in", output)
        and plug.session_closed(sessions=2),
        f"exit {result.returncode}; transcript {plug.kinds()}",
    )


def main():
    note("guest test started")
    subprocess.run(["modprobe", "dummy_hcd"], check=True)
    subprocess.run(["modprobe", "gadgetfs"], check=True)
    os.makedirs("/dev/gadget", exist_ok=True)
    subprocess.run(["mount", "-t", "gadgetfs", "gadgetfs", "/dev/gadget"], check=True)
    syslog = SyslogReceiver()
    note("gadgetfs mounted")
    before = install_package()
    check_installation()
    plugs = []
    try:
        plug, device = plug_and_check("sierra", syslog, SIERRA)
        plugs.append(plug)
        if device:
            mbimcli_cross_check(syslog, plug, device)
        unplug("sierra", plug)
        # Again, with replies cut into 64-byte fragments the host must reassemble.
        fault = f"max_control_transfer={SMALL_FRAGMENTS}"
        plug, device = plug_and_check(
            "sierra-replug", syslog, SIERRA, "--fault", fault, max_transfer=SMALL_FRAGMENTS
        )
        plugs.append(plug)
        if device:
            check_fragmented("sierra-replug", plug)
            manual_run(plug, device)
        unplug("sierra-replug", plug)
        for scenario in OTHER_VENDORS:
            plug, _ = plug_and_check(scenario[0], syslog, scenario)
            plugs.append(plug)
            unplug(scenario[0], plug)
    finally:
        for plug in plugs:
            plug.unplug()
    opt_in_and_purge(before)
    failed = [name for name, ok in checks if not ok]
    if failed:
        for plug in plugs:
            plug.dump()
        print("--- dmesg", flush=True)
        subprocess.run("dmesg | tail -60", shell=True)
    print(f"GUEST-RESULT {json.dumps({'checks': checks, 'failed': failed})}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
