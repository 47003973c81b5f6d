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
10 ms per reply, fcc-unlock takes at most half the script's time.
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

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = "ModemManager 105b steps"
REFERENCE = "python -S -c pass (reference)"

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


def timed(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """(seconds, exit status) of one run."""
    started = time.perf_counter()
    status = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    return time.perf_counter() - started, status


def peak_rss(command: list[str], env: dict[str, str], workdir: Path) -> float | None:
    """Peak RSS in MiB (largest process of the run), by GNU time in a separate run."""
    gnu_time = shutil.which("time") or ("/usr/bin/time" if os.path.exists("/usr/bin/time") else None)
    if gnu_time is None:
        return None
    out = workdir / "rss"
    subprocess.run(
        [gnu_time, "-f", "%M", "-o", str(out), *command],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        return int(out.read_text().split()[-1]) / 1024
    except (OSError, ValueError, IndexError):
        return None


def serve(link: Path, latency: float) -> subprocess.Popen[str]:
    simulator = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fcc_unlock.sim",
            "--vendor",
            "foxconn",
            "--link",
            str(link),
            "--latency",
            str(latency),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=environment(),
    )
    assert simulator.stdout is not None
    line = simulator.stdout.readline()
    if not line.startswith("ready"):
        simulator.kill()
        raise SystemExit(f"simulator did not start: {line!r}")
    return simulator


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("JOURNAL_STREAM", None)
    return env


def fcc_unlock_commands() -> dict[str, list[str]]:
    """fcc-unlock as this checkout's venv starts it, and without Python's site machinery.

    The entry point pays for site-packages processing (here including an editable-
    install finder a packaged install does not have); ``python -S`` shows the cost of
    the program itself. Both read byte-compiled modules (see ``compile_package``).
    """
    commands = {"fcc-unlock (python -S -m)": [sys.executable, "-S", "-m", "fcc_unlock"]}
    script = Path(sys.executable).with_name("fcc-unlock")
    if script.exists():
        commands["fcc-unlock (venv entry point)"] = [str(script)]
    return commands


def compile_package() -> None:
    """Byte-compile fcc_unlock, as installing a package does.

    Without .pyc files (PYTHONDONTWRITEBYTECODE, a read-only checkout) every run would
    compile every module again, which no installed copy does.
    """
    import compileall

    compileall.compile_dir(str(ROOT / "fcc_unlock"), quiet=1)


def measure(latency: float, runs: int, workdir: Path) -> dict[str, tuple[list[float], float | None]]:
    link = workdir / f"cdc-wdm-foxconn-{int(latency * 1000)}ms"
    script = workdir / "105b.sh"
    script.write_text(MODEMMANAGER_105B)
    commands = {
        name: [*command, "--method", "foxconn", "--log", "stderr", str(link)]
        for name, command in fcc_unlock_commands().items()
    }
    commands[SCRIPT] = ["bash", str(script), str(link)]
    commands[REFERENCE] = [sys.executable, "-S", "-c", "pass"]  # how busy the machine is
    env = environment()
    simulator = serve(link, latency)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    rss: dict[str, float | None] = {}
    try:
        for name, command in commands.items():  # warm-up (page cache, pty), and the RSS run
            rss[name] = peak_rss(command, env, workdir)
        for _ in range(runs):
            for name, command in commands.items():
                seconds, status = timed(command, env)
                if status != 0:
                    raise SystemExit(f"{name} failed at {latency * 1000:g} ms per reply: exit {status}")
                samples[name].append(seconds)
    finally:
        simulator.terminate()
        simulator.wait(5)
    return {name: (samples[name], rss[name]) for name in commands}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--latency", type=float, nargs="+", default=[0.0, 0.010], metavar="SECONDS")
    args = parser.parse_args(argv)
    if shutil.which("qmicli") is None:
        print("qmicli is not installed (apt-get install libqmi-utils)", file=sys.stderr)
        return 2

    compile_package()
    by_latency = {}
    with tempfile.TemporaryDirectory(prefix="bench-foxconn-") as workdir:
        for latency in args.latency:
            by_latency[latency] = measure(latency, args.runs, Path(workdir))

    print(f"Foxconn unlock against the simulated T99W175, median of {args.runs} runs each")
    print("| per reply | program | median | vs 105b steps | peak RSS |")
    print("|---:|---|---:|---:|---:|")
    met = True
    for latency, results in by_latency.items():
        script = statistics.median(results[SCRIPT][0])
        for name, (samples, peak) in results.items():
            median = statistics.median(samples)
            memory = "n/a" if peak is None else f"{peak:.1f} MiB"
            ratio = median / script
            row = f"| {latency * 1000:g} ms | {name} | {median * 1000:.0f} ms | {ratio:.2f} | {memory} |"
            print(row)
            if name.startswith("fcc-unlock") and abs(latency - 0.010) < 1e-9:
                met = met and median <= script / 2
    if 0.010 in by_latency:
        verdict = "met" if met else "MISSED"
        print(f"target (10 ms per reply: fcc-unlock at most half the 105b steps' time): {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
