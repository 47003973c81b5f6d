#!/usr/bin/env python3
"""Benchmark: `fcc-unlock --method sierra` against `qmicli --dms-set-fcc-authentication`.

Both run, alternately, against the same simulated modem (python -m fcc_unlock.sim on a
pty) at several per-reply latencies. Prints median wall times, the ratio, peak RSS, and
whether the targets hold:

* 0 ms per reply:  fcc-unlock wall <= 5 x `python -S -c pass`
* 10 ms per reply: fcc-unlock <= 1.25 x qmicli
* 50 ms per reply: fcc-unlock <= qmicli

Usage: python bench/bench_sierra.py [--runs N] [--latencies 0,0.01,0.05]
The fcc-unlock measured is the console script next to this Python (install the
project into that environment first, non-editable for realistic import costs).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run_once(argv: list[str]) -> tuple[float, int, int]:
    """(wall seconds, exit status, peak RSS KiB) of one child process.

    posix_spawn (vfork-style) rather than fork: a forked child would inherit this
    benchmark's own resident set and report it as its peak RSS.
    """
    devnull = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_WRONLY, 0) for fd in (1, 2)]
    start = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=devnull)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    return wall, os.waitstatus_to_exitcode(status), usage.ru_maxrss


class Series:
    def __init__(self, name: str) -> None:
        self.name = name
        self.walls: list[float] = []
        self.rss: list[int] = []
        self.failures = 0

    def add(self, sample: tuple[float, int, int]) -> None:
        wall, status, rss = sample
        if status != 0:
            self.failures += 1
        self.walls.append(wall)
        self.rss.append(rss)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.walls) * 1000

    @property
    def peak_rss_mib(self) -> float:
        return max(self.rss) / 1024


class Simulator:
    """python -m fcc_unlock.sim serving a Sierra modem on a pty with a symlink."""

    def __init__(self, latency: float, workdir: Path) -> None:
        self.link = str(workdir / f"wdm-{int(latency * 1000)}ms")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "fcc_unlock.sim", "--link", self.link, "--latency", str(latency)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("ready"):
            raise RuntimeError(f"simulator did not start: {line!r}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--latencies", default="0,0.01,0.05")
    args = parser.parse_args()

    fcc_unlock = Path(sys.executable).with_name("fcc-unlock")
    qmicli = shutil.which("qmicli")
    if not fcc_unlock.exists() or qmicli is None:
        print(f"need {fcc_unlock} (pip install .) and qmicli (apt-get install libqmi-utils)")
        return 2

    baseline = Series("python -S -c pass")
    for _ in range(args.runs):
        baseline.add(run_once([sys.executable, "-S", "-c", "pass"]))

    rows = []
    verdicts = []
    with tempfile.TemporaryDirectory(prefix="fcc-bench-") as tmp:
        for latency in (float(x) for x in args.latencies.split(",")):
            sim = Simulator(latency, Path(tmp))
            ours = Series("fcc-unlock")
            theirs = Series("qmicli")
            ours_argv = [str(fcc_unlock), "--method", "sierra", "--log", "stderr", sim.link]
            theirs_argv = [qmicli, "--device-open-mbim", "-d", sim.link, "--dms-set-fcc-authentication"]
            try:
                for argv in (ours_argv, theirs_argv):  # warm caches
                    run_once(argv)
                for _ in range(args.runs):  # alternate, so drift hits both alike
                    ours.add(run_once(ours_argv))
                    theirs.add(run_once(theirs_argv))
            finally:
                sim.stop()
            ratio = ours.median_ms / theirs.median_ms
            rows.append((latency, ours, theirs, ratio))
            if latency == 0:
                limit = 5 * baseline.median_ms
                verdicts.append(
                    (
                        f"0 ms: fcc-unlock {ours.median_ms:.1f} ms <= 5 x python -S ({limit:.1f} ms)",
                        ours.median_ms <= limit,
                    )
                )
            elif abs(latency - 0.01) < 1e-9:
                verdicts.append((f"10 ms: ratio {ratio:.2f} <= 1.25", ratio <= 1.25))
            elif abs(latency - 0.05) < 1e-9:
                verdicts.append((f"50 ms: ratio {ratio:.2f} <= 1.00", ratio <= 1.0))

    print(f"runs per cell: {args.runs}; baseline python -S -c pass: {baseline.median_ms:.1f} ms median")
    print()
    print(
        "| latency/reply | fcc-unlock median | qmicli median | ratio"
        " | fcc-unlock peak RSS | qmicli peak RSS |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for latency, ours, theirs, ratio in rows:
        print(
            f"| {latency * 1000:.0f} ms | {ours.median_ms:.1f} ms | {theirs.median_ms:.1f} ms | {ratio:.2f} |"
            f" {ours.peak_rss_mib:.1f} MiB | {theirs.peak_rss_mib:.1f} MiB |"
        )
    failures = sum(s.failures for _, a, b, _ in rows for s in (a, b))
    print()
    for text, ok in verdicts:
        print(f"{'PASS' if ok else 'FAIL'}  {text}")
    if failures:
        print(f"FAIL  {failures} runs exited non-zero")
    return 0 if failures == 0 and all(ok for _, ok in verdicts) else 1


if __name__ == "__main__":
    raise SystemExit(main())
