"""A private place to benchmark ModemManager's own paths: namespaces, /dev, mbim-proxy.

ModemManager's dispatcher scripts are run as they are: they open ``/dev/$PORT`` and
reach mbim-proxy at the abstract socket ``@mbim-proxy``. So the benchmark re-runs
itself as PID 1 of new network, PID and mount namespaces (as tests/system/netns_harness.py
does): the abstract socket is per network namespace, so our proxy meets no real
ModemManager; the PID namespace ends every process started here; and the mount
namespace lets a tmpfs stand in for /dev, where the simulated modems get names like
``cdc-wdm0``, without touching the machine's /dev.
"""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PROXY = "/usr/libexec/mbim-proxy"
INSIDE = "FCC_UNLOCK_BENCH_INSIDE"  # set once we run in the namespaces

# The device nodes a shell, qmicli, mbimcli and Python need (major, minor).
NODES = {"null": (1, 3), "zero": (1, 5), "full": (1, 7), "random": (1, 8), "urandom": (1, 9), "tty": (5, 0)}
NODES_PTMX = (5, 2)  # opens the devpts found at ./pts beside it


def reexec_inside() -> None:
    """Run this script again as PID 1 of private namespaces, and exit with its status;
    return at once when already there."""
    if os.environ.get(INSIDE) == "1" and os.getpid() == 1:
        return
    if os.geteuid() != 0:
        raise SystemExit("the benchmark needs root: it makes network, PID and mount namespaces")
    command = ["unshare", "--net", "--pid", "--mount", "--fork", "--kill-child", "--"]
    status = subprocess.run(
        [*command, sys.executable, *sys.argv], env=dict(os.environ, **{INSIDE: "1"})
    ).returncode
    raise SystemExit(status)


def private_dev() -> None:
    """A tmpfs on /dev with the few nodes needed, and the machine's devpts moved onto
    its /dev/pts (the simulator's ptys). Only in our mount namespace."""
    held = Path(tempfile.mkdtemp(prefix="fcc-bench-pts-"))  # empty again when done; never rmtree'd
    try:
        mount("--rbind", "/dev/pts", str(held))
        mount("-t", "tmpfs", "-o", "mode=755,size=1m", "fcc-bench-dev", "/dev")
        for name, (major, minor) in {**NODES, "ptmx": NODES_PTMX}.items():
            os.mknod(f"/dev/{name}", 0o666 | stat.S_IFCHR, os.makedev(major, minor))
            os.chmod(f"/dev/{name}", 0o666)
        for number, name in enumerate(("stdin", "stdout", "stderr")):
            os.symlink(f"/proc/self/fd/{number}", f"/dev/{name}")
        os.symlink("/proc/self/fd", "/dev/fd")
        os.mkdir("/dev/shm", 0o1777)
        os.chmod("/dev/shm", 0o1777)
        os.mkdir("/dev/pts")
        mount("--move", str(held), "/dev/pts")
    finally:
        os.rmdir(held)


def mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True)


class SyslogSink:
    """/dev/log for the runs that log to syslog (--udev, --modemmanager): read and dropped,
    so a full socket never holds a run up."""

    def __init__(self, path: str = "/dev/log") -> None:
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.socket.bind(path)
        self.lines = 0
        threading.Thread(target=self._drain, name="syslog", daemon=True).start()

    def _drain(self) -> None:
        while True:
            try:
                self.socket.recv(65536)
            except OSError:
                return
            self.lines += 1


class MbimProxy:
    """Debian's mbim-proxy (libmbim-utils), listening on @mbim-proxy in our namespace."""

    def __init__(self, log: Path) -> None:
        if not os.path.exists(PROXY):
            raise SystemExit(f"{PROXY} is not installed (apt-get install libmbim-utils)")
        with open(log, "wb") as out:
            self.process = subprocess.Popen([PROXY], stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                try:
                    probe.connect("\0mbim-proxy")
                    return
                except OSError:
                    time.sleep(0.02)
        self.stop()
        raise SystemExit("mbim-proxy did not start listening")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
