#!/usr/bin/python3
"""The in-guest half of the ModemManager boot (``e2e=mm``), run by /init as root.

/init has started dbus-daemon and Debian's ``ModemManager --debug`` (log in /run/mm.log).
This installs fcc-unlock's .deb with apt, then plugs the simulated modem of each family
(Sierra EM7455, Foxconn T99W175 in USB mode, Quectel EM05-G) into the real kernel
through gadgetfs, once per scenario, and checks what the real ModemManager made of it:

* ``rule``: the shipped udev rule unlocks at plug; the modem's transcript has our OPEN ..
  unlock .. CLOSE before ModemManager's first OPEN; ModemManager runs no dispatcher; its
  first RADIO_STATE set ON succeeds and ``mmcli -e`` gives ``enabled``, power ``on``.
  Then the modem loses power (the gadget's SIGUSR1: off the bus, back on, locked, as
  after suspend); the rule unlocks it again, and ModemManager, not restarted, enables it.
* ``dispatcher``: the rule masked (/etc/udev/rules.d), our entry linked by ``python3 -m
  fcc_unlock.modemmanager enable``: the power-up is refused (OperationNotAllowed),
  ModemManager runs our entry, whose unlock goes through ModemManager's mbim-proxy
  (no OPEN or CLOSE of ours reaches the modem) while ModemManager's own QMI clients stay
  allocated; the retry gives ``enabled``; exactly one result line in syslog.
* ``script``: the rule masked, ModemManager's own script for the family linked (Debian's
  shipped one where it has one for these ids, else ModemManager main's from
  /e2e/peers): ``enabled`` too. The baseline.
* ``none``: neither: the power-up is refused, ModemManager reports the failure and the
  modem stays ``disabled`` and locked.
* ``norun`` (Sierra): the rule's node lines run nothing (a broken installation), its wait
  on the network interface stays: the wait lets the interface go after its grace, so
  ModemManager has the modem, and it is as with ``none`` (docs/modemmanager.md §4.2).

A loop standing in for NetworkManager enables the modem as soon as ModemManager has it
``disabled``; the times from plug-in and from ``mmcli -e`` to ``enabled`` are printed
as ``MM-TIMING`` lines, which the host side (test_vm_e2e.py) turns into a table.
Each check prints ``CHECK <name> PASS|FAIL <detail>``; the exit status is 0 iff every
check passed. Stdlib only (the guest's Debian python3), beside guest_test.py.
"""

import glob
import json
import os
import re
import signal
import subprocess
import sys
import time

from guest_test import Plug, SyslogReceiver, check, checks, install_package, note, run, wait_for

# (family, gadget personality, USB ids, the unlock kind in the modem's transcript, what
#  the rule's run sends between OPEN and CLOSE (tests/unit/test_exchange_counts.py's
#  hotplug rows), ModemManager's script for these ids). The ids are ones Debian's or
# ModemManager's script list names, so that all three paths exist for each family.
FOXCONN_READS = ["foxconn-version", "foxconn-version", "get-ids"]
FAMILIES = (
    (
        "sierra",
        "sierra",
        "1199:9079",
        "fcc-auth",
        ["qmi-allocate", "fcc-auth", "qmi-release"],
        "/usr/share/ModemManager/fcc-unlock.available.d/1199:9079",
    ),
    (
        "foxconn",
        "foxconn",
        "05c6:90d5",
        "foxconn-auth",
        ["qmi-allocate", *FOXCONN_READS, "foxconn-auth", "qmi-release"],
        "/e2e/peers/105b",
    ),  # Debian 12's 105b takes only a wwan MBIM port, not cdc-wdm
    (
        "quectel",
        "quectel",
        "2c7c:030a",
        "quectel-set-radio-state",
        ["quectel-radio-state", "quectel-set-radio-state", "quectel-radio-state"],
        "/usr/share/ModemManager/fcc-unlock.available.d/2c7c:030a",
    ),
)
SCENARIOS = ("rule", "dispatcher", "script", "none")
# Quectel runs the timed paths only: the power loss and the run without an unlock are
# Sierra's and Foxconn's (test_vm_e2e.py's MM_PATHS_OF and MM_RELOCK say the same).
PATHS_OF = {
    "sierra": ("rule", "slow", "dispatcher", "script", "none", "norun"),
    "quectel": ("rule", "dispatcher", "script"),
}
# "norun": the rule with no program on the node (a broken installation): the interface's
# wait lets it go after its grace, so ModemManager has the modem, locked, as with "none"
# (with a wait that held the interface its whole 10 s, ModemManager refused the modem).
# "slow": the rule path again with replies SLOW_REPLY late, so that the unlock outlasts
# ModemManager's wait for the modem's other port (docs/modemmanager.md §4.2).
SLOW_REPLY = 0.4
RELOCK = ("sierra", "foxconn")
# Baselines that may not finish within ModemManager's 5 s under TCG: ModemManager's 105b
# runs qmicli four times, each about a second in the guest (docs/modemmanager.md §4.4).
SLOW_BASELINE = ("foxconn",)
RULE = "85-fcc-unlock.rules"
MASK = f"/etc/udev/rules.d/{RULE}"
FCC_UNLOCK_D = "/etc/ModemManager/fcc-unlock.d"
MM_LOG = "/run/mm.log"
LISTED_SECONDS = 60  # plug-in -> the modem on D-Bus (about 6 s under TCG)
ENABLE_SECONDS = 90  # mmcli -e's own --timeout; ModemManager's RADIO_STATE set waits 20 s
GONE_SECONDS = 30
# Enabled, and what an enabled modem goes on to by itself: the simulated SIM and network
# let ModemManager register at once.
ENABLED = ("enabled", "searching", "registered")
# Kernel command line knobs for a run by hand: mmtrace=1 (or =FAMILY,...) puts ModemManager's
# whole log on the console; mmonly=FAMILY[,FAMILY] and mmpaths=PATH[,PATH] run part of the test.
with open("/proc/cmdline") as f:
    KNOBS = dict(word.partition("=")[::2] for word in f.read().split())
TRACE = KNOBS.get("mmtrace", "").split(",")  # 1: every family's scenarios
RESULT_LINE = re.compile(r"fcc-unlock(\[\d+\])?: (?P<line>cdc-wdm\d+ .*)$")

timings = []


# --- ModemManager ---------------------------------------------------------------------


def mmcli(*args, timeout=30):
    return run("mmcli", *args, timeout=timeout)


def modem_state():
    """mmcli -m any -K as a dict (empty when there is no modem)."""
    result = mmcli("-m", "any", "-K", timeout=20)
    if result.returncode != 0:
        return {}
    fields = {}
    for line in result.stdout.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip()] = value.strip()
    return fields


def modem_listed(previous=None):
    """A modem on D-Bus (another than the one ``previous``, mmcli -L's output, names)."""
    result = mmcli("-L", timeout=20)
    return result.returncode == 0 and "/Modem/" in result.stdout and result.stdout.strip() != previous


class MmLog:
    """ModemManager's debug log, read from where the last scenario left it."""

    def __init__(self, path=MM_LOG):
        self.path = path
        self.offset = 0

    def mark(self):
        self.offset = os.path.getsize(self.path) if os.path.exists(self.path) else 0

    def since_mark(self):
        with open(self.path, errors="replace") as f:
            f.seek(self.offset)
            return f.read()

    def tail(self, chars=6000):
        with open(self.path, errors="replace") as f:
            return f.read()[-chars:]


def wait_for_modemmanager():
    up = wait_for(lambda: mmcli("-L", timeout=10).returncode == 0, 60, interval=0.5)
    version = mmcli("--version").stdout.split("\n")[0]
    check("mm-running", up, f"{version}; mmcli -L {'answers' if up else 'never answered'}")


def use_rule(how):
    """The shipped rule (``shipped``), masked the way an administrator would (``masked``),
    or hidden by a copy whose node lines run nothing (``broken``: the interface's wait
    stays, as in an installation whose program does not start)."""
    if os.path.lexists(MASK):
        os.unlink(MASK)
    if how == "masked":
        os.symlink("/dev/null", MASK)
    elif how == "broken":
        installed = (f"/usr/lib/udev/rules.d/{RULE}", f"/lib/udev/rules.d/{RULE}")
        shipped = next(path for path in installed if os.path.exists(path))
        with open(shipped) as f:
            text = f.read()
        broken = re.sub(r' RUN\+="[^"]*/usr/bin/fcc-unlock --udev [^"]*",', "", text)
        assert broken != text and "/proc/uptime" in broken  # the interface's wait stays
        with open(MASK, "w") as f:
            f.write(broken)
    run("udevadm", "control", "--reload")


def use_dispatcher(kind, ids, script):
    """Empty /etc/ModemManager/fcc-unlock.d, then link ours (``ours``), ModemManager's
    (``theirs``) or nothing (None) under the modem's ids."""
    for entry in glob.glob(f"{FCC_UNLOCK_D}/*"):
        os.unlink(entry)
    if kind == "ours":
        result = run("python3", "-m", "fcc_unlock.modemmanager", "enable", "--ids", ids)
        return result.returncode == 0, f"modemmanager enable exit {result.returncode} {result.stderr[-300:]}"
    if kind == "theirs":
        os.symlink(script, f"{FCC_UNLOCK_D}/{ids}")
        return os.access(script, os.X_OK), f"{FCC_UNLOCK_D}/{ids} -> {script}"
    return True, "nothing linked"


class Enabler:
    """What NetworkManager does: enable the modem as soon as ModemManager has it disabled."""

    def __init__(self, plug, previous=None):
        self.plug = plug
        self.previous = previous  # mmcli -L of the modem this one replaces
        self.listed = self.disabled = self.enable_started = self.enable_done = None
        self.result = None
        self.state = {}

    def run(self):
        started = self.plug.started
        if not wait_for(lambda: modem_listed(self.previous), LISTED_SECONDS, interval=0.1):
            return self
        self.listed = time.monotonic() - started
        # ModemManager refuses Enable while it initializes the modem.
        state = wait_for(
            lambda: (s := modem_state()).get("modem.generic.state") not in (None, "initializing") and s,
            LISTED_SECONDS,
            interval=0.1,
        )
        self.disabled = time.monotonic() - started
        self.initial_state = (state or {}).get("modem.generic.state")
        self.enable_started = time.monotonic()
        self.result = mmcli("-m", "any", "-e", f"--timeout={ENABLE_SECONDS}", timeout=ENABLE_SECONDS + 10)
        self.enable_done = time.monotonic()
        self.state = modem_state()
        return self

    @property
    def enable_seconds(self):
        return self.enable_done - self.enable_started

    @property
    def plug_seconds(self):
        return self.enable_done - self.plug.started

    def enabled(self):
        return (
            self.result is not None
            and self.result.returncode == 0
            and self.state.get("modem.generic.state") in ENABLED
            and self.state.get("modem.generic.power-state") == "on"
        )

    def describe(self):
        if self.result is None:
            return f"modem never listed within {LISTED_SECONDS} s"
        output = " ".join((self.result.stdout + self.result.stderr).split())[:300]
        return (
            f"listed {self.listed:.1f} s after plug-in, {self.initial_state} at {self.disabled:.1f} s;"
            f" mmcli -e exit {self.result.returncode} in {self.enable_seconds:.2f} s ({output});"
            f" state {self.state.get('modem.generic.state')},"
            f" power {self.state.get('modem.generic.power-state')}"
        )


# --- the modem's transcript -----------------------------------------------------------


def entries(plug):
    return (plug.status() or {}).get("transcript", [])


def status_name(entry):
    """The MBIM status the modem answered, as libmbim names it ('Success (0)' -> Success)."""
    return (entry.get("status") or entry.get("function_error") or "none").split(" ")[0]


def radio_sets(transcript):
    """(index, MBIM status) of every Basic Connect RADIO_STATE set."""
    return [
        (i, status_name(e))
        for i, e in enumerate(transcript)
        if e["kind"] == "radio-state" and e.get("command_type") == "set"
    ]


def first_index(transcript, kind, start=0):
    return next((i for i in range(start, len(transcript)) if transcript[i]["kind"] == kind), None)


def our_session_first(transcript, session):
    """How the rule's run came before ModemManager: ``direct`` (our OPEN, the session,
    our CLOSE, then the first OPEN of ModemManager's mbim-proxy), ``proxy`` (the session
    through a proxy that was already listening, before any request of ModemManager's),
    or None if it did not."""
    kinds = [e["kind"] for e in transcript]
    if kinds[: len(session) + 3] == ["open", *session, "close", "open"]:
        return "direct"
    if kinds[: len(session) + 1] == ["open", *session] and "close" not in kinds:
        return "proxy"
    return None


def clients_of(transcript):
    """QMI client ids granted and released, in order, from the modem's answers: each a
    (service, client id) pair, from the allocation TLV 0x01 of the response."""
    granted, released = [], []
    for e in transcript:
        if e["kind"] not in ("qmi-allocate", "qmi-release") or not (e.get("qmi_error") or "").startswith(
            "None"
        ):
            continue
        tlvs = dict(e.get("qmi_reply_tlvs") or [])
        if "01" not in {f"{t:02x}" for t in tlvs}:
            continue
        pair = tuple(bytes.fromhex(tlvs[1])[:2])
        (granted if e["kind"] == "qmi-allocate" else released).append(pair)
    return granted, released


# --- the scenarios --------------------------------------------------------------------


# ModemManager's log lines worth a line on the console: the modem's states, the power-up
# and the FCC unlock, and what failed.
MM_NOTEWORTHY = re.compile(
    r"state changed|power state|fcc|OperationNotAllowed|couldn't|timed out|dispatcher", re.IGNORECASE
)
MM_TIMESTAMP = re.compile(r"^<\w+> +\[(\d+\.\d+)\]")  # --log-relative-timestamps


def show_mm_log(text, everything=False):
    for line in text.splitlines():
        if everything or MM_NOTEWORTHY.search(line):
            print(f"mm: {line[:300]}", flush=True)


def mm_enabling_seconds(text):
    """From ModemManager's own log: 'disabled -> enabling' to 'enabling -> enabled'."""
    started = ended = None
    for line in text.splitlines():
        stamp = MM_TIMESTAMP.match(line)
        if stamp and "state changed (disabled -> enabling)" in line:
            started = float(stamp.group(1))
        if stamp and started is not None and "state changed (enabling -> enabled)" in line:
            ended = float(stamp.group(1))
    return None if started is None or ended is None else ended - started


def result_lines(syslog, since):
    found = (RESULT_LINE.search(line) for line in syslog.lines[since:])
    return [m.group("line") for m in found if m]


def unplug(name, plug):
    plug.unplug()
    gone = wait_for(lambda: not modem_listed(), GONE_SECONDS, interval=0.2)
    check(f"{name}-unplugged", gone, f"mmcli -L after unplug: {mmcli('-L').stdout.strip()[:200]}")
    # ModemManager's mbim-proxy serves the next modem too: stop it, so that every
    # scenario starts as at boot (a proxy that outlives its modem never CLOSEs anyway).
    stop_proxies()


def stop_proxies():
    """SIGTERM to every mbim-proxy (no procps in the image: /proc by hand)."""
    for comm in glob.glob("/proc/[0-9]*/comm"):
        try:
            with open(comm) as f:
                if f.read().strip() == "mbim-proxy":
                    os.kill(int(comm.split("/")[2]), signal.SIGTERM)
        except (OSError, ValueError):
            pass


def scenario(family, vendor, ids, unlock_kind, session, script, how, syslog, log):
    name = f"mm-{family}-{how}"
    use_rule({"rule": "shipped", "slow": "shipped", "norun": "broken"}.get(how, "masked"))
    ok, detail = use_dispatcher({"dispatcher": "ours", "script": "theirs"}.get(how), ids, script)
    check(f"{name}-setup", ok, detail)
    log.mark()
    logged = len(syslog.lines)
    slow = ("--fault", f"latency={SLOW_REPLY}") if how == "slow" else ()
    plug = Plug("--vendor", vendor, "--ids", ids, *slow)
    enabler = Enabler(plug).run()
    transcript = entries(plug)
    kinds = [e["kind"] for e in transcript]
    sets = radio_sets(transcript)
    mm = log.since_mark()
    show_mm_log(mm, everything=TRACE == ["1"] or family in TRACE)
    dispatched = "attempting fcc unlock" in mm.lower()
    lines = result_lines(syslog, logged)
    if not check(f"{name}-listed", enabler.listed is not None, enabler.describe()):
        plug.dump()
        unplug(name, plug)
        return
    if how in ("none", "norun"):
        status = plug.status() or {}
        check(
            f"{name}-enable-fails",
            enabler.result is not None
            and enabler.result.returncode != 0
            and enabler.state.get("modem.generic.state") == "disabled"
            and status.get("locked") is True
            and sets
            and all(s != "Success" for _, s in sets),
            f"{enabler.describe()}; modem locked={status.get('locked')}; RADIO_STATE sets {sets}",
        )
        unplug(name, plug)
        return
    killed = "forcing exit on fcc unlock operation" in mm  # ModemManager's 5 s limit
    if how == "script" and killed and family in SLOW_BASELINE:
        # The baseline itself did not make it: say so, time it as killed, check no more.
        check(
            f"{name}-enabled",
            enabler.state.get("modem.generic.state") == "disabled",
            f"ModemManager killed its own script at its 5 s limit, so the modem stays disabled"
            f" (docs/modemmanager.md §4.4); {enabler.describe()}",
        )
        check(f"{name}-refused-then-unlocked", True, "not reached: the script was killed")
        check(f"{name}-through-proxy", "close" not in kinds, f"CLOSEs {kinds.count('close')}")
        timings.append({"family": family, "path": how, "killed": True})
        print(f"MM-TIMING {json.dumps(timings[-1])}", flush=True)
        unplug(name, plug)
        return
    if not check(f"{name}-enabled", enabler.enabled(), enabler.describe()):
        plug.dump()
    if how == "slow":
        check(f"{name}-one-result-line", len(lines) == 1 and "unlocked" in lines[0], f"{lines}")
        unplug(name, plug)
        return
    timings.append(
        {
            "family": family,
            "path": how,
            "enable": enabler.enable_seconds,
            "plug": enabler.plug_seconds,
            "mm_enabling": mm_enabling_seconds(mm),
        }
    )
    print(f"MM-TIMING {json.dumps(timings[-1])}", flush=True)
    if how == "rule":
        check(
            f"{name}-ours-before-mm",
            our_session_first(transcript, session) == "direct",
            f"transcript {kinds[:12]}...",
        )
        # The power-up succeeds at once: RADIO_STATE set ON accepted, or not needed
        # (Quectel's unlock is its own radio-on, which ModemManager then finds on).
        check(
            f"{name}-first-power-up",
            not dispatched
            and all(status == "Success" for _, status in sets)
            and "power state updated: on" in mm,
            f"dispatcher run: {dispatched}; RADIO_STATE sets {sets}",
        )
        check(f"{name}-one-result-line", len(lines) == 1 and "unlocked" in lines[0], f"{lines}")
        if family in RELOCK:
            relock(name, family, plug, session, syslog, log)
    else:
        refused = [i for i, s in sets if s == "OperationNotAllowed"]
        unlock = first_index(transcript, unlock_kind)
        accepted = [i for i, s in sets if s == "Success"]
        check(
            f"{name}-refused-then-unlocked",
            dispatched and refused and unlock is not None and accepted and refused[0] < unlock < accepted[0],
            f"dispatcher run: {dispatched}; RADIO_STATE sets {sets}; {unlock_kind} at {unlock}",
        )
        opens = kinds.count("open")
        granted, released = clients_of(transcript)
        mm_clients = [c for c in granted if c not in released]
        check(
            f"{name}-through-proxy",
            opens == 1 and "close" not in kinds and "qmi-sync" not in kinds,
            f"OPENs {opens}, CLOSEs {kinds.count('close')}: one session, the proxy's",
        )
        if how == "dispatcher":
            status = plug.status() or {}
            held = {tuple(c) for c in status.get("clients", [])}
            check(
                f"{name}-mm-clients-kept",
                all(c in held for c in mm_clients) and len(granted) - len(released) == len(held),
                f"granted {granted}, released {released}, held at the end {sorted(held)}",
            )
            check(f"{name}-one-result-line", len(lines) == 1 and "unlocked" in lines[0], f"{lines}")
    unplug(name, plug)


def relock(name, family, plug, session, syslog, log):
    """Power lost and back (as after suspend): re-enumerated locked, unlocked by the rule
    again, enabled by ModemManager without a restart."""
    before = len(entries(plug))
    logged = len(syslog.lines)
    log.mark()
    previous = mmcli("-L").stdout.strip()
    back = plug.power_cycle()
    enabler = Enabler(plug, previous=previous)
    enabler.plug.started = time.monotonic()
    enabler.run()
    after = entries(plug)[before:]
    show_mm_log(log.since_mark(), everything=TRACE == ["1"] or family in TRACE)
    how = our_session_first(after, session)
    lines = result_lines(syslog, logged)
    if not check(
        f"{name}-relock",
        back
        and (plug.status() or {}).get("power_cycles") == 1
        and how is not None
        and len(lines) == 1
        and enabler.enabled(),
        f"back on the bus: {back}; the rule's run came first: {how}; transcript after power-up"
        f" {[e['kind'] for e in after][:10]}...; {enabler.describe()}; result lines {lines}",
    ):
        plug.dump()


def startup_diagnostics():
    """mmdiag=1: what a Python program's start costs in this guest, beside qmicli's."""
    for argv in (
        ["python3", "-S", "-c", "pass"],
        ["python3", "-c", "pass"],
        ["python3", "-c", "import fcc_unlock.cli, fcc_unlock.cli.dispatcher"],
        ["fcc-unlock", "--version"],
        ["qmicli", "--version"],
        ["mbimcli", "--version"],
    ):
        times = []
        for _ in range(3):
            started = time.monotonic()
            run(*argv)
            times.append(time.monotonic() - started)
        note(f"startup: {' '.join(argv)}: {min(times) * 1000:.0f} ms (best of 3)")
    caches = glob.glob("/usr/lib/python3/dist-packages/fcc_unlock/**/__pycache__/*.pyc", recursive=True)
    note(f"startup: {len(caches)} .pyc files of fcc_unlock")
    result = run("python3", "-X", "importtime", "-c", "import fcc_unlock.cli, fcc_unlock.cli.dispatcher")
    rows = [line.split("|") for line in result.stderr.splitlines() if line.startswith("import time:")]
    rows = [(int(r[1]), r[2].rstrip()) for r in rows if r[1].strip().isdigit()]
    for cumulative, name in sorted(rows, reverse=True)[:12]:
        note(f"startup: import {name}: {cumulative / 1000:.0f} ms cumulative")


def main():
    note("ModemManager guest test started")
    subprocess.run(["modprobe", "dummy_hcd"], check=True)
    subprocess.run(["modprobe", "gadgetfs"], check=True)
    os.makedirs("/dev/gadget", exist_ok=True)
    subprocess.run(["mount", "-t", "gadgetfs", "gadgetfs", "/dev/gadget"], check=True)
    # cdc-wdm complains on the console of every unplug and power loss (dev_err): keep
    # the serial console, which is slow under TCG, to our lines.
    with open("/proc/sys/kernel/printk", "w") as f:
        f.write("1")
    syslog = SyslogReceiver()
    install_package()
    wait_for_modemmanager()
    log = MmLog()
    if KNOBS.get("mmdiag") == "1":
        startup_diagnostics()
    families = KNOBS.get("mmonly", "").split(",")
    paths = KNOBS.get("mmpaths", "").split(",")
    for family in FAMILIES:
        for how in PATHS_OF.get(family[0], SCENARIOS):
            if families in ([""], [family[0]]) or family[0] in families:
                if paths == [""] or how in paths:
                    scenario(*family, how, syslog, log)
    failed = [name for name, ok in checks if not ok]
    if failed:
        print(f"--- {MM_LOG} (end)\n{log.tail()}", flush=True)
    print(f"GUEST-RESULT {json.dumps({'checks': checks, 'failed': failed})}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
