#!/usr/bin/env python3
"""The two paths that run fcc-unlock unattended, against the real programs they replace.

    python bench/bench_paths.py [--runs N] [--latencies 0,0.002,0.01,0.05]
                                [--models serial,concurrent] [--tables hotplug,dispatcher]
                                [--vendors sierra,quectel,foxconn] [--peers DIR]

Every row runs both programs alternately against one simulated modem, in-process
(fcc_unlock.sim on a pty), at each per-reply latency, under both modem models:

* serial: the modem answers one request at a time, each reply a latency after the
  previous one or after its request, whichever is later (MBIM lets a device announce
  bMaxOutstandingCommandMessages = 1; oFono assumes 1 when the descriptor is missing);
* concurrent: each reply a latency after its own request, however many are in flight.

Hotplug (what the udev rule runs; no mbim-proxy listening, as at boot): the rule's
RUN for the node, ``/bin/sh -c '<mark>; exec fcc-unlock --udev --method sierra --ids
1199:9079 /dev/cdc-wdmN'`` (docs/modemmanager.md §4.2), against
``qmicli --device-open-mbim -d /dev/cdc-wdmN --dms-set-fcc-authentication``.

Dispatcher (what ModemManager runs, ``<vid>:<pid> <D-Bus path> <port>``), all through
one warm mbim-proxy (Debian's, libmbim-utils): fcc-unlock as a link named after the
modem's ids, against ModemManager's own ``1199``, ``2c7c`` and ``105b`` scripts, run
from --peers as they are. On a pty qmicli cannot tell MBIM from QMI by sysfs, so a
``qmicli`` first in PATH adds ``--device-open-mbim`` to the scripts' calls.

Each row prints medians over --runs, the ratio, the MBIM messages the modem received
in one run (the simulator's transcript: the fewer, the less a slow modem costs), peak
RSS (GNU time: the largest process, a script's qmicli included; mbim-proxy's own is
not counted) and the targets:

* hotplug, fcc-unlock / qmicli: <= 0.90 at 50 ms, <= 1.00 at 10 ms, <= 1.30 at 2 ms;
  at 0 ms fcc-unlock within 3 x ``python -S -c pass`` (timed between that row's runs);
* dispatcher at 10 ms, fcc-unlock / script: Sierra and Quectel <= 1.00, Foxconn <= 0.40
  (its floor is six serial exchanges against the script's five processes);
* fcc-unlock's peak RSS <= 12 MiB everywhere.

Targets are judged under both models (the concurrent one must be at least as good).
Exit status 1 if any is missed. After the tables, the messages of each path in order.

Needs root (it makes network, PID and mount namespaces: bench/_namespace.py), qmicli
(libqmi-utils), mbimcli and mbim-proxy (libmbim-utils), GNU time, and an installed,
non-editable fcc-unlock (bench/_common.py).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from _common import installed_program, median_ms, peak_rss_mib, require, timed
from _namespace import MbimProxy, SyslogSink, private_dev, reexec_inside

from fcc_unlock.sim.faults import Faults
from fcc_unlock.sim.model import SimModem
from fcc_unlock.sim.personalities import PERSONALITIES
from fcc_unlock.sim.pty import PtyModem

PEERS = "/work/shared/peers/modemmanager"
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
MODEM_PATH = "/org/freedesktop/ModemManager1/Modem/0"
RSS_LIMIT = 12.0  # MiB
STARTUP_FACTOR = 3.0  # hotplug at 0 ms: fcc-unlock within this many ``python -S -c pass``

HOTPLUG_LIMITS = {0.002: 1.30, 0.01: 1.00, 0.05: 0.90}  # fcc-unlock / qmicli
# vendor -> (ids ModemManager names the file after, its script, fcc-unlock / script at 10 ms)
DISPATCHER = {
    "sierra": ("1199:9079", "1199", 1.00),
    "quectel": ("2c7c:030a", "2c7c", 1.00),
    "foxconn": ("105b:e0ab", "105b", 0.40),
}
DISPATCHER_LATENCY = 0.01

# The qmicli ModemManager's scripts find first in PATH: on a pty libqmi cannot tell
# an MBIM port from a QMI one by sysfs, as it would on a real cdc-wdm.
QMICLI_WRAPPER = '#!/bin/sh\nexec /usr/bin/qmicli --device-open-mbim "$@"\n'


class RunFailed(Exception):
    """A run exited non-zero, timed out, or left the modem locked: its row says so."""


class Row:
    """One comparison: two commands on one modem, and what was measured."""

    def __init__(self, table: str, model: str, latency: float, vendor: str, theirs_name: str) -> None:
        self.table, self.model, self.latency, self.vendor = table, model, latency, vendor
        self.theirs_name = theirs_name
        self.ms: dict[str, float] = {}
        self.rss: dict[str, float | None] = {}
        self.messages: dict[str, list[str]] = {}  # one run's transcript kinds
        self.verdicts: list[tuple[str, bool]] = []
        self.baseline_ms = 0.0  # ``python -S -c pass``, timed between this row's runs
        self.failure = ""  # why the row could not be measured; its targets count as missed

    @property
    def ratio(self) -> float:
        return self.ms["ours"] / self.ms["theirs"]


class Modem:
    """A simulated modem served on a pty named /dev/cdc-wdmN; a fresh name for each, so
    mbim-proxy never mistakes a new modem for one it had open."""

    count = 0

    def __init__(self, vendor: str, latency: float, serial: bool) -> None:
        self.port = f"cdc-wdm{Modem.count}"
        Modem.count += 1
        self.model = SimModem(PERSONALITIES[vendor](), Faults(latency=latency, serial=serial))
        self.pty = PtyModem(self.model, f"/dev/{self.port}").start()

    def relock(self) -> int:
        """Lock it again, radio off, as at power-up; returns how many messages it has had."""
        with self.pty.lock:
            self.model.locked = True
            self.model.software_radio_on = False
            return len(self.model.transcript)

    def since(self, start: int) -> tuple[list[str], bool]:
        """(kinds of the messages received since ``start``, whether it is unlocked now)."""
        with self.pty.lock:
            return [r.kind for r in self.model.transcript[start:]], not self.model.locked

    def stop(self) -> None:
        self.pty.stop()


def measure(row: Row, modem: Modem, commands: dict[str, list[str]], runs: int, env: dict[str, str]) -> None:
    """Median wall time, one run's messages and peak RSS of each command, alternating."""
    samples: dict[str, list[float]] = {name: [] for name in commands}
    baseline: list[float] = []
    for name, argv in commands.items():  # warm: caches, the proxy's open of the modem
        run_once(row, modem, name, argv, env)
    for _ in range(runs):  # alternate, so drift hits both alike
        for name, argv in commands.items():
            samples[name].append(run_once(row, modem, name, argv, env))
        # and the interpreter's bare start, under the same load (the 0 ms target)
        baseline.append(timed([sys.executable, "-S", "-c", "pass"], env)[0])
    row.baseline_ms = median_ms(baseline)
    for name, argv in commands.items():
        row.ms[name] = median_ms(samples[name])
        modem.relock()
        row.rss[name] = peak_rss_mib(argv, Path(tempfile.gettempdir()), env)


def run_once(row: Row, modem: Modem, name: str, argv: list[str], env: dict[str, str]) -> float:
    start = modem.relock()
    seconds, status = timed(argv, env)
    kinds, unlocked = modem.since(start)
    if status != 0 or not unlocked:
        what = f"exit {status}" if status != 0 else "exit 0 but the modem is still locked"
        raise RunFailed(f"{os.path.basename(argv[0])}: {what}; the modem got {' '.join(kinds) or 'nothing'}")
    row.messages.setdefault(name, kinds)
    return seconds


def measure_row(
    row: Row, commands_for: Callable[[str], dict[str, list[str]]], runs: int, env: dict[str, str]
) -> bool:
    """Measure ``row`` on a fresh modem; False (and ``row.failure`` says why) if a run failed."""
    modem = Modem(row.vendor, row.latency, row.model == "serial")
    try:
        measure(row, modem, commands_for(modem.port), runs, env)
    except RunFailed as error:
        row.failure = str(error)
    finally:
        modem.stop()
    return not row.failure


def rule_command(program: str, device: str, locks: Path) -> list[str]:
    """The shipped rule's RUN for an EM7455's cdc-wdm node, as udev runs it: its shell
    marks the run (in ``locks``; USB device 0-0) and execs ``program``. The mark of the
    run before is there and is removed, a fork a real plug-in does not pay."""
    from fcc_unlock.host.devices import DEVICES
    from fcc_unlock.host.lock import DEFAULT_LOCK_DIR
    from fcc_unlock.tools.udev_rules import node_run_key

    sierra = next(d for d in DEVICES if d.ids == "1199:9079")
    text = node_run_key(program, sierra).split('RUN+="', 1)[1].rstrip('"')
    for udev, value in (("$attr{busnum}", "0"), ("$attr{devnum}", "0"), ("$devnode", device)):
        text = text.replace(udev, value)
    text = text.replace("$$", "$").replace("%%", "%").replace(DEFAULT_LOCK_DIR, str(locks))
    shell, script = "/bin/sh -c '", text
    assert script.startswith(shell) and script.endswith("'")
    return ["/bin/sh", "-c", script[len(shell) : -1]]


def hotplug_rows(
    program: str, qmicli: str, models: list[str], latencies: list[float], runs: int
) -> list[Row]:
    locks = Path(tempfile.mkdtemp(prefix="fcc-unlock-bench-locks."))

    def commands(port: str) -> dict[str, list[str]]:
        device = f"/dev/{port}"
        return {
            "ours": rule_command(program, device, locks),
            "theirs": [qmicli, "--device-open-mbim", "-d", device, "--dms-set-fcc-authentication"],
        }

    rows = []
    for model in models:
        for latency in latencies:
            row = Row("hotplug", model, latency, "sierra", "qmicli")
            rows.append(row)
            if not measure_row(row, commands, runs, {"PATH": SYSTEM_PATH}):
                continue
            if latency == 0.0:
                limit = STARTUP_FACTOR * row.baseline_ms
                row.verdicts.append(
                    (f"<= {STARTUP_FACTOR:g} x python -S ({limit:.0f} ms)", row.ms["ours"] <= limit)
                )
            elif latency in HOTPLUG_LIMITS:
                limit = HOTPLUG_LIMITS[latency]
                row.verdicts.append((f"ratio <= {limit:.2f}", row.ratio <= limit))
            judge_rss(row)
    return rows


def dispatcher_rows(
    program: str,
    peers: Path,
    vendors: list[str],
    models: list[str],
    latencies: list[float],
    runs: int,
    workdir: Path,
) -> list[Row]:
    bin_dir, enabled = workdir / "bin", workdir / "fcc-unlock.d"
    bin_dir.mkdir()
    enabled.mkdir()
    wrapper = bin_dir / "qmicli"
    wrapper.write_text(QMICLI_WRAPPER)
    wrapper.chmod(0o755)
    for ids, _, _ in DISPATCHER.values():  # ModemManager runs the file named after the modem
        (enabled / ids).symlink_to(program)
    env = {"PATH": f"{bin_dir}:{SYSTEM_PATH}"}  # ModemManager gives its helpers little else
    proxy = MbimProxy(workdir / "mbim-proxy.log")
    rows = []
    try:
        for model in models:
            for latency in latencies:
                for vendor in vendors:
                    ids, script, limit = DISPATCHER[vendor]

                    def commands(port: str, ids: str = ids, script: str = script) -> dict[str, list[str]]:
                        return {
                            "ours": [str(enabled / ids), MODEM_PATH, port],
                            "theirs": [str(peers / script), MODEM_PATH, port],
                        }

                    row = Row("dispatcher", model, latency, vendor, script)
                    rows.append(row)
                    if not measure_row(row, commands, runs, env):
                        continue
                    if latency == DISPATCHER_LATENCY:
                        row.verdicts.append((f"ratio <= {limit:.2f}", row.ratio <= limit))
                    judge_rss(row)
    finally:
        proxy.stop()
    return rows


def judge_rss(row: Row) -> None:
    peak = row.rss["ours"]
    if peak is not None:
        row.verdicts.append((f"RSS <= {RSS_LIMIT:g} MiB", peak <= RSS_LIMIT))


def print_table(title: str, rows: list[Row]) -> None:
    if not rows:
        return
    print(f"### {title}")
    print()
    print(
        "| model | per reply | path | fcc-unlock | theirs | ratio | messages ours/theirs"
        " | peak RSS ours/theirs | targets |"
    )
    print("|---|---:|---|---:|---:|---:|---:|---:|---|")
    for row in rows:
        if row.failure:
            where = f"| {row.model} | {row.latency * 1000:g} ms | {row.vendor} vs {row.theirs_name}"
            print(f"{where} | FAILED: {row.failure} | | | | | MISSED |")
            continue
        rss = "/".join("n/a" if row.rss[n] is None else f"{row.rss[n]:.1f}" for n in ("ours", "theirs"))
        targets = "; ".join(f"{text}: {'met' if met else 'MISSED'}" for text, met in row.verdicts) or "-"
        print(
            f"| {row.model} | {row.latency * 1000:g} ms | {row.vendor} vs {row.theirs_name}"
            f" | {row.ms['ours']:.1f} ms | {row.ms['theirs']:.1f} ms | {row.ratio:.2f}"
            f" | {len(row.messages['ours'])}/{len(row.messages['theirs'])} | {rss} MiB | {targets} |"
        )
    print()


def print_messages(rows: list[Row]) -> None:
    """Each path's messages once (the first row that has it: the transcript does not
    depend on latency or model; the count column shows if it ever did)."""
    print("### MBIM messages the modem received in one run")
    print()
    seen: set[tuple[str, str]] = set()
    for row in rows:
        for name, label in (("ours", "fcc-unlock"), ("theirs", row.theirs_name)):
            key = (row.table, f"{row.vendor}:{name}")
            if key not in seen and name in row.messages:
                seen.add(key)
                kinds = row.messages[name]
                print(f"- {row.table} {row.vendor} {label} ({len(kinds)}): {' '.join(kinds)}")
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--latencies", default="0,0.002,0.01,0.05", help="seconds per reply, comma-separated")
    parser.add_argument("--models", default="serial,concurrent")
    parser.add_argument("--tables", default="hotplug,dispatcher")
    parser.add_argument("--vendors", default=",".join(DISPATCHER), help="of the dispatcher table")
    parser.add_argument("--peers", default=PEERS, help="ModemManager's fcc-unlock.available.d scripts")
    args = parser.parse_args(argv)
    latencies = [float(x) for x in args.latencies.split(",")]
    models, tables, vendors = (v.split(",") for v in (args.models, args.tables, args.vendors))
    for given, known in (
        (models, ("serial", "concurrent")),
        (tables, ("hotplug", "dispatcher")),
        (vendors, tuple(DISPATCHER)),
    ):
        unknown = set(given) - set(known)
        if unknown:
            parser.error(f"unknown {', '.join(sorted(unknown))}; one of: {', '.join(known)}")
    program = installed_program()
    qmicli = require("qmicli", "libqmi-utils")
    require("mbimcli", "libmbim-utils")
    peers = Path(args.peers)
    if "dispatcher" in tables:
        missing = [DISPATCHER[v][1] for v in vendors if not os.access(peers / DISPATCHER[v][1], os.X_OK)]
        if missing:
            raise SystemExit(f"ModemManager's {', '.join(missing)} not found (executable) in {peers}")
    reexec_inside()  # from here on: PID 1 of our namespaces
    private_dev()
    SyslogSink()

    baseline = [timed([sys.executable, "-S", "-c", "pass"])[0] for _ in range(args.runs)]
    baseline_ms = median_ms(baseline)
    print(
        f"## fcc-unlock's unattended paths: medians of {args.runs} runs;"
        f" python -S -c pass: {baseline_ms:.1f} ms"
    )
    print()
    with tempfile.TemporaryDirectory(prefix="bench-paths-") as tmp:
        hotplug = hotplug_rows(program, qmicli, models, latencies, args.runs) if "hotplug" in tables else []
        dispatcher = (
            dispatcher_rows(program, peers, vendors, models, latencies, args.runs, Path(tmp))
            if "dispatcher" in tables
            else []
        )
    print_table("Hotplug: fcc-unlock --udev against qmicli (no mbim-proxy)", hotplug)
    print_table(
        "Dispatcher: fcc-unlock as ModemManager's helper against its scripts (one warm mbim-proxy)",
        dispatcher,
    )
    print_messages(hotplug + dispatcher)
    missed = [row for row in hotplug + dispatcher if row.failure or not all(m for _, m in row.verdicts)]
    print(f"targets: {'all met' if not missed else f'{len(missed)} row(s) MISSED'}")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
