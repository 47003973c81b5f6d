#!/usr/bin/env python3
"""FM350 unlock: fcc-unlock's ``fm350-at`` against ModemManager's ``14c3`` script.

    python bench/bench_fm350.py [--runs N] [--latency 0.002] [--script PATH]

Both unlock the same simulated FM350 (``python -m fcc_unlock.sim --vendor fm350-at`` on
a pty behind ``/dev/fcc-sim-at-bench-*``, which the script needs: it opens
``/dev/<port>``, so run as root), alternately, each run against a freshly started,
locked modem; the simulator's start is not timed. Prints median wall times and
whether the target holds: fcc-unlock <= 0.5 x the script.

"Ours" is the installed program as a user runs it, ``fcc-unlock --method fm350-at
DEVICE``, the key chosen from this machine (host/keys.py) as on a laptop. See
bench/_common.py for how to run it (an installed, non-editable fcc-unlock).
"""

from __future__ import annotations

import argparse
import os
import uuid
from pathlib import Path

from _common import Simulator, installed_program, median_ms, require, timed

SCRIPT = "/work/shared/peers/modemmanager/14c3"
TARGET = 0.5  # ours at most half the script's time
MODEM_PATH = "/org/freedesktop/ModemManager1/Modem/0"  # the script's first argument, unused by it


def one_run(argv_for: dict[str, list[str]], name: str, latency: float) -> float:
    # The script opens /dev/<port>: the simulator's link must be there.
    port = f"fcc-sim-at-bench-{uuid.uuid4().hex[:8]}"
    with Simulator("fm350-at", latency, Path("/dev"), link=f"/dev/{port}") as sim:
        argv = [part.replace("{link}", sim.link).replace("{name}", port) for part in argv_for[name]]
        seconds, status = timed(argv)
    if status != 0:
        raise SystemExit(f"{name} failed at {latency * 1000:g} ms per reply: exit {status}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.002)
    parser.add_argument("--script", default=SCRIPT)
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root: the script opens /dev/<port>, where the simulator's link must be")
    for tool in ("xxd", "sha256sum"):
        require(tool, "xxd coreutils")
    ours = [installed_program(), "--method", "fm350-at", "--log", "stderr", "{link}"]
    argv_for = {"ours": ours, "theirs": ["sh", args.script, MODEM_PATH, "{name}"]}

    samples: dict[str, list[float]] = {"ours": [], "theirs": []}
    for _ in range(args.runs):  # alternate, so drift hits both alike
        for name in ("ours", "theirs"):
            samples[name].append(one_run(argv_for, name, args.latency))
    mine, script = median_ms(samples["ours"]), median_ms(samples["theirs"])
    ratio = mine / script
    met = ratio <= TARGET
    print(f"median of {args.runs} runs each, {args.latency * 1000:g} ms per reply")
    print()
    print("| per reply | fcc-unlock fm350-at | ModemManager 14c3 | ratio | target |")
    print("|---:|---:|---:|---:|---|")
    print(
        f"| {args.latency * 1000:g} ms | {mine:.1f} ms | {script:.1f} ms | {ratio:.2f}"
        f" | <= {TARGET:.2f}: {'met' if met else 'MISSED'} |"
    )
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
