#!/usr/bin/env python3
"""XMM7360 unlock: our xmm7360-rpc method against ModemManager's 8086:7360 script.

    python bench/bench_xmm7360.py [--runs N] [--latency 0.002] [--script PATH]

Both run, alternately, against the same simulated XMM7360 (sim/xmmrpc_modem.py on a
pty, served from this process and locked again before every run) with ``latency``
seconds before each reply (2 ms: what a real XMM7360 takes, docs/xmmrpc.md §2).
Target: our median at most half the script's.

Both run as ModemManager starts a dispatcher: ``<dir>/8086:7360 <modem path> <port>``,
ours through a link of that name to the installed program (so it takes the ids from
its name and switches no radio on: ModemManager does that after a dispatcher). Both
find their port through /sys/class/wwan, so each run is wrapped in ``unshare -m`` with
a tmpfs there (docs/xmmrpc.md §6.1); that wrapper's own cost is measured and
subtracted from both. Needs root.
See bench/_common.py for how to run it (an installed, non-editable fcc-unlock).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from _common import installed_program, median_ms, require, timed

from fcc_unlock.sim.pty import PtyModem
from fcc_unlock.sim.xmmrpc_modem import RpcFaults, XmmRpcModem

DEFAULT_SCRIPT = "/work/shared/peers/modemmanager/8086_7360"
TARGET_RATIO = 0.5
MODEM_PATH = "/org/freedesktop/ModemManager1/Modem/0"


def in_namespace(port: str, command: str, *args: str) -> list[str]:
    """``command`` in a mount namespace whose /sys/class/wwan/PORT/type says XMMRPC."""
    setup = (
        "mount -t tmpfs fcc-unlock-bench /sys/class"
        f" && mkdir -p /sys/class/wwan/{port} && echo XMMRPC > /sys/class/wwan/{port}/type"
        ' && exec "$@"'
    )
    return ["unshare", "-m", "--propagation", "private", "sh", "-c", setup, "sh", command, *args]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--latency", type=float, default=0.002)
    parser.add_argument("--script", default=DEFAULT_SCRIPT)
    args = parser.parse_args()
    program = installed_program()  # refuses an editable install, which would measure its import finder
    for tool, package in (("unshare", "util-linux"), ("xxd", "xxd"), ("sha256sum", "coreutils")):
        require(tool, package)
    if os.geteuid() != 0:
        raise SystemExit("needs root (a /dev symlink and a mount namespace)")

    port = f"wwan{os.getpid() % 1000 + 100}xmmrpc0"
    link = Path("/dev") / port
    modem = XmmRpcModem(RpcFaults(latency=args.latency))
    samples: dict[str, list[float]] = {"ours": [], "script": [], "wrapper": []}
    dispatcher = Path(tempfile.mkdtemp(prefix="bench-xmm-")) / "8086:7360"
    dispatcher.symlink_to(program)
    with PtyModem(modem) as sim:
        os.symlink(sim.path, link)
        try:
            runs = {
                "ours": in_namespace(port, str(dispatcher), MODEM_PATH, port),
                "script": in_namespace(port, "bash", args.script, MODEM_PATH, port),
                "wrapper": in_namespace(port, "true"),
            }
            for _ in range(args.runs):  # alternate, so drift hits both alike
                for name, argv in runs.items():
                    with sim.lock:
                        modem.locked = True
                    seconds, status = timed(argv)
                    if status != 0 or (name != "wrapper" and modem.locked):
                        raise SystemExit(f"{name} did not unlock the simulator: exit {status}")
                    samples[name].append(seconds)
        finally:
            link.unlink()
            dispatcher.unlink()
            dispatcher.parent.rmdir()
    ours, script, wrapper = (median_ms(samples[name]) for name in ("ours", "script", "wrapper"))
    script_alone, ours_alone = script - wrapper, ours - wrapper
    ratio = ours_alone / script_alone
    met = ratio <= TARGET_RATIO
    print(f"median of {args.runs} runs each, {args.latency * 1000:g} ms per reply")
    print()
    print("| per reply | fcc-unlock | 8086:7360 script | (namespace wrapper, subtracted) | ratio |")
    print("|---:|---:|---:|---:|---:|")
    print(
        f"| {args.latency * 1000:g} ms | {ours_alone:.1f} ms | {script_alone:.1f} ms | {wrapper:.1f} ms"
        f" | {ratio:.2f} |"
    )
    print()
    print(f"target: ours <= {TARGET_RATIO} x the script alone: {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
