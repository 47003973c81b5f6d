"""An impostor on @mbim-proxy, inside a private network namespace, and one fcc-unlock run.

    unshare --net -- python impostor_proxy.py SCENARIO WORKDIR

Abstract socket names belong to a network namespace, so the impostor meets nobody
else's run. SCENARIO is the impostor: ``nonroot`` (a listener run by uid 65534),
``not-accepting`` (a listener whose backlog is full), ``garbage`` (accepts, answers
CONFIGURATION with bytes that are not MBIM); then ``udev`` or ``manual`` for how
fcc-unlock is run. Prints one JSON object: exit code, output, what the modem received.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from fcc_unlock.sim.faults import Faults  # noqa: E402
from fcc_unlock.sim.model import SimModem  # noqa: E402
from fcc_unlock.sim.personalities import PERSONALITIES  # noqa: E402
from fcc_unlock.sim.pty import PtyModem  # noqa: E402

ADDRESS = "\0mbim-proxy"

NONROOT = (
    "import os, socket, sys\n"
    "s = socket.socket(socket.AF_UNIX)\n"
    "os.setgid(65534); os.setuid(65534)\n"
    "s.bind('\\0mbim-proxy'); s.listen(8); print('ready', flush=True)\n"
    "while True:\n"
    "    c, _ = s.accept(); c.recv(4096)\n"  # reads, never answers
)
GARBAGE = (
    "import socket\n"
    "s = socket.socket(socket.AF_UNIX)\n"
    "s.bind('\\0mbim-proxy'); s.listen(8); print('ready', flush=True)\n"
    "while True:\n"
    "    c, _ = s.accept(); c.recv(4096); c.sendall(b'\\xff' * 64)\n"
)


def start_impostor(kind: str) -> tuple[object, list[socket.socket]]:
    if kind in ("nonroot", "garbage"):
        code = NONROOT if kind == "nonroot" else GARBAGE
        process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        return process, []
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(ADDRESS)
    listener.listen(0)
    fillers = []
    for _ in range(64):  # fill the backlog: the next connect() says EAGAIN
        filler = socket.socket(socket.AF_UNIX)
        filler.setblocking(False)
        fillers.append(filler)
        try:
            filler.connect(ADDRESS)
        except BlockingIOError:
            break
    return listener, fillers


def main() -> None:
    kind, how, workdir = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    impostor, _fillers = start_impostor(kind)  # kept open: the backlog stays full
    sim = PtyModem(SimModem(PERSONALITIES["sierra"](), Faults())).start()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "FCC_UNLOCK_LOCK_DIR": str(workdir / "locks")}
    env["PYTHONPATH"] = str(ROOT)
    argv = ["--method", "sierra", "--log", "stderr", "--timeout", "4"]
    if how == "udev":
        argv = ["--udev", "--ids", "1199:9079", *argv]
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "fcc_unlock", *argv, sim.device],
        capture_output=True,
        text=True,
        env=env,
        timeout=20,
    )
    elapsed = time.monotonic() - started
    kinds = [r.kind for r in sim.modem.transcript]
    sim.stop()
    if isinstance(impostor, subprocess.Popen):
        impostor.kill()
        impostor.wait()
    print(
        json.dumps(
            {
                "code": result.returncode,
                "stderr": result.stderr,
                "kinds": kinds,
                "locked": sim.modem.locked,
                "elapsed": elapsed,
            }
        )
    )


if __name__ == "__main__":
    main()
