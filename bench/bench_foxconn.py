#!/usr/bin/env python3
"""Foxconn unlock: fcc-unlock against ModemManager's 105b sequence, on one simulator.

    python bench/bench_foxconn.py [--runs N] [--latency SECONDS ...]

For each per-reply latency it serves the simulated Foxconn T99W175
(``python -m fcc_unlock.sim --vendor foxconn --link ...``) and times, alternately:

* ``fcc-unlock --method foxconn``: one process, one MBIM session;
* the steps of ModemManager's ``105b`` dispatcher script: qmicli for the
  firmware-mcfg version, qmicli for the apps version, qmicli for the IMEI (each piped
  through grep/sed as the script does), the md5 of the joined strings with md5sum,
  then qmicli for v2 (and v1 if v2 failed). ``--device-open-mbim`` stands in for the
  script's ``--device-open-proxy``: there is no mbim-proxy here.

Both unlock the same locked modem (the unlock leaves the radio off, so every run of
either does the full sequence). Prints medians, the ratio and peak RSS. Target: at
10 ms per reply, fcc-unlock takes at most half the script's time. See bench/_common.py
for how to run it (an installed, non-editable fcc-unlock).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from _common import Simulator, installed_program, median_ms, peak_rss_mib, require, timed

SCRIPT = "ModemManager 105b steps"
FCC_UNLOCK = "fcc-unlock --method foxconn"

# The 105b script's steps, written out for a bench (port given, no proxy).
MODEMMANAGER_105B = r"""
set -u
port="$1"
value() { grep "$1" | grep -o "'.*'" | sed "s/'//g"; }
fw=$(qmicli --device-open-mbim --device="$port" --dms-foxconn-get-firmware-version=firmware-mcfg \
     | value "Version:" | sed -e 's/\.[^.]*\.[^.]*$//')
[ -n "$fw" ] && apps=$(qmicli --device-open-mbim --device="$port" --dms-foxconn-get-firmware-version=apps \
     | value "Version:")
[ -n "${apps:-}" ] && imei=$(qmicli --device-open-mbim --device="$port" --dms-get-ids | value "IMEI:")
hash=""
[ -n "${imei:-}" ] && hash="salt$(printf "%s%s%s%s%s" "$fw" "$apps" "$imei" salt foxc | md5sum | head -c 32)"
result=1
if [ -n "$hash" ]; then
  qmicli --device-open-mbim --device="$port" --dms-foxconn-set-fcc-authentication-v2="$hash,48" >/dev/null
  result=$?
fi
if [ "$result" -ne 0 ]; then
  qmicli --device-open-mbim --device="$port" --dms-foxconn-set-fcc-authentication=0 >/dev/null
  result=$?
fi
exit "$result"
"""


def measure(
    fcc_unlock: str, latency: float, runs: int, workdir: Path
) -> dict[str, tuple[list[float], float | None]]:
    script = workdir / "105b.sh"
    script.write_text(MODEMMANAGER_105B)
    with Simulator("foxconn", latency, workdir) as sim:
        commands = {
            FCC_UNLOCK: [fcc_unlock, "--method", "foxconn", "--log", "stderr", sim.link],
            SCRIPT: ["bash", str(script), sim.link],
        }
        rss = {name: peak_rss_mib(command, workdir) for name, command in commands.items()}
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(runs):  # alternate, so drift hits both alike
            for name, command in commands.items():
                seconds, status = timed(command)
                if status != 0:
                    raise SystemExit(f"{name} failed at {latency * 1000:g} ms per reply: exit {status}")
                samples[name].append(seconds)
    return {name: (samples[name], rss[name]) for name in commands}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--latency", type=float, nargs="+", default=[0.0, 0.010], metavar="SECONDS")
    args = parser.parse_args(argv)
    fcc_unlock = installed_program()
    require("qmicli", "libqmi-utils")

    baseline = [timed([sys.executable, "-S", "-c", "pass"])[0] for _ in range(args.runs)]
    print(f"Foxconn unlock, median of {args.runs} runs each; python -S -c pass: {median_ms(baseline):.1f} ms")
    print()
    print("| per reply | program | median | vs 105b steps | peak RSS |")
    print("|---:|---|---:|---:|---:|")
    met = True
    with tempfile.TemporaryDirectory(prefix="bench-foxconn-") as workdir:
        for latency in args.latency:
            results = measure(fcc_unlock, latency, args.runs, Path(workdir))
            script = median_ms(results[SCRIPT][0])
            for name, (samples, peak) in results.items():
                ratio = median_ms(samples) / script
                memory = "n/a" if peak is None else f"{peak:.1f} MiB"
                median = median_ms(samples)
                print(f"| {latency * 1000:g} ms | {name} | {median:.0f} ms | {ratio:.2f} | {memory} |")
                if name == FCC_UNLOCK and abs(latency - 0.010) < 1e-9:
                    met = ratio <= 0.5
    print()
    verdict = "met" if met else "MISSED"
    print(f"target (10 ms per reply: fcc-unlock at most half the 105b steps' time): {verdict}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
