"""What the benchmarks share: the simulator, the installed program, timing and memory.

Run the benchmarks with the Python of an environment where fcc-unlock is installed
the way users get it (``pip install .``, not editable): an editable install adds an
import finder to every start-up and measures something nobody runs.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def installed_program() -> str:
    """The fcc-unlock script beside this Python; exits if there is none, or it would
    run this checkout through an editable install."""
    program = Path(sys.executable).with_name("fcc-unlock")
    import fcc_unlock

    location = Path(fcc_unlock.__file__).resolve().parent
    if not program.exists() or ROOT in location.parents:
        raise SystemExit(
            "install fcc-unlock (not editable) into a venv and run the benchmark with its Python:\n"
            "  python3 -m venv /tmp/bench && /tmp/bench/bin/pip install . && "
            f"/tmp/bench/bin/python {sys.argv[0]}"
        )
    return str(program)


def require(tool: str, package: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise SystemExit(f"{tool} is not installed (apt-get install {package})")
    return path


class Simulator:
    """``python -m fcc_unlock.sim`` serving a locked modem on a pty, behind a symlink."""

    def __init__(
        self, vendor: str, latency: float, workdir: Path, serial: bool = False, link: str | None = None
    ) -> None:
        self.link = link or str(workdir / f"cdc-wdm-{vendor}-{latency * 1000:g}ms")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "fcc_unlock.sim",
                "--vendor",
                vendor,
                "--link",
                self.link,
                "--latency",
                str(latency),
                *(["--serial"] if serial else []),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("ready"):
            self.process.kill()
            raise SystemExit(f"simulator did not start: {line!r}")

    def __enter__(self) -> Simulator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.process.terminate()
        self.process.wait(10)


RUN_TIMEOUT = 30.0  # seconds: a run that hangs is a failure, not a stuck benchmark


def timed(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """(wall seconds, exit status) of one run, output discarded; status -1: timed out.

    The wait blocks in waitpid() and a timer kills a run that hangs: Popen.wait() with
    a timeout polls with sleeps that double up to 50 ms, which rounded every time
    measured here up to the next poll (16, 33, 65, 115 ms, ...)."""
    import threading

    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    hung: list[bool] = []
    timer = threading.Timer(RUN_TIMEOUT, lambda: (hung.append(True), process.kill()))
    timer.start()
    try:
        status = process.wait()
    finally:
        timer.cancel()
    return time.perf_counter() - started, -1 if hung else status


def peak_rss_mib(argv: list[str], workdir: Path, env: dict[str, str] | None = None) -> float | None:
    """Peak resident memory of one run (its largest process), measured by GNU time.

    GNU time's wait4() reports the largest of the process and the descendants it reaped
    (a script's qmicli, say). Not from this process's wait4(): a child forked or vfork'ed from Python reports
    Python's own resident set as its peak, whatever it execs.
    """
    gnu_time = "/usr/bin/time"
    if not os.path.exists(gnu_time):
        return None
    out = workdir / "rss"
    subprocess.run(
        [gnu_time, "-f", "%M", "-o", str(out), *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        timeout=RUN_TIMEOUT,
    )
    try:
        return int(out.read_text().split()[-1]) / 1024
    except (OSError, ValueError, IndexError):
        return None


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000
