"""Run one mbim-proxy scenario inside a private network and PID namespace.

    unshare --net --pid --fork --kill-child -- python netns_harness.py SCENARIO WORKDIR

The abstract socket @mbim-proxy belongs to a network namespace, so a proxy started
here cannot meet a real ModemManager or another test run; the PID namespace ends
every process started here (our proxy, one libmbim may spawn) when this script ends.
It serves the simulated modem on a pty, runs the clients the scenario names, and
prints one JSON object: exit codes, outputs, what the modem received, the host pids
of every mbim-proxy that lived in the namespace (the test checks they are gone).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from fcc_unlock.sim.faults import Faults  # noqa: E402
from fcc_unlock.sim.model import SimModem  # noqa: E402
from fcc_unlock.sim.personalities import PERSONALITIES  # noqa: E402
from fcc_unlock.sim.pty import PtyModem  # noqa: E402

PROXY = "/usr/libexec/mbim-proxy"
MODEM = "/org/freedesktop/ModemManager1/Modem/0"


class Harness:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        # The test starts this harness with conftest.bare_env(): what ModemManager and
        # udev give the program. Its children get that, and the lock directory.
        self.env = dict(os.environ, FCC_UNLOCK_LOCK_DIR=str(workdir / "locks"))
        self.proxies: list[subprocess.Popen[bytes]] = []
        self.sim: PtyModem | None = None

    # --- pieces -------------------------------------------------------------------------

    def start_sim(self, latency: float = 0.0, **knobs: object) -> str:
        modem = SimModem(PERSONALITIES["sierra"](), Faults(latency=latency, **knobs))  # type: ignore[arg-type]
        self.sim = PtyModem(modem, str(self.workdir / "cdc-wdm0")).start()
        return self.sim.device

    def start_proxy(self) -> None:
        with open(self.workdir / f"mbim-proxy-{len(self.proxies)}.log", "wb") as log:
            self.proxies.append(subprocess.Popen([PROXY, "--verbose"], stdout=log, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                try:
                    probe.connect("\0mbim-proxy")
                    return
                except OSError:
                    time.sleep(0.02)
        raise RuntimeError("mbim-proxy did not start listening")

    def fcc_unlock(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "fcc_unlock", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env or self.env,
        )

    def mbimcli(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            ["mbimcli", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env
        )

    @staticmethod
    def finish(process: subprocess.Popen[str], timeout: float = 30) -> dict[str, object]:
        start = time.monotonic()
        out, err = process.communicate(timeout=timeout)
        return {"rc": process.returncode, "out": out, "err": err, "waited": time.monotonic() - start}

    def transcript(self) -> list[str]:
        assert self.sim is not None
        with self.sim.lock:
            return [received.kind for received in self.sim.modem.transcript]

    def proxy_pids(self) -> list[int]:
        """Host pids of every mbim-proxy in our PID namespace (ours, or spawned by libmbim)."""
        ours = os.readlink("/proc/self/ns/pid")
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                if os.readlink(f"/proc/{entry}/ns/pid") != ours:
                    continue
                if os.path.basename(os.readlink(f"/proc/{entry}/exe")) == "mbim-proxy":
                    found.append(int(entry))
            except OSError:
                continue
        return found

    def close(self) -> None:
        for proxy in self.proxies:
            proxy.terminate()
            try:
                proxy.wait(5)
            except subprocess.TimeoutExpired:
                proxy.kill()
        if self.sim is not None:
            self.sim.stop()


# --- scenarios ---------------------------------------------------------------------------


def shared_with_mbimcli(h: Harness) -> dict[str, object]:
    """fcc-unlock through the proxy while mbimcli -p keeps using the same modem.

    Two loops of mbimcli keep the slow modem busy, so requests of both programs
    wait in its queue together and our session's requests are interleaved with
    theirs at the modem: the sharing is exercised, not just possible.
    """
    device = h.start_sim(latency=0.1)
    h.start_proxy()
    stop = threading.Event()
    runs: list[dict[str, object]] = []

    def loop(query: str) -> None:
        while not stop.is_set():
            started = time.monotonic()
            result = h.finish(h.mbimcli("-p", "-d", device, query))
            result.update(started=started, ended=time.monotonic())
            runs.append(result)

    loops = [threading.Thread(target=loop, args=(q,)) for q in ("--query-device-caps", "--query-radio-state")]
    for thread in loops:
        thread.start()
    deadline = time.monotonic() + 20
    while len(h.transcript()) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)  # the loops are feeding the modem
    started = time.monotonic()
    unlock = h.finish(h.fcc_unlock("--proxy", "--method", "sierra", "--log", "stderr", "-v", device))
    unlock.update(started=started, ended=time.monotonic())
    stop.set()
    for thread in loops:
        thread.join(60)
    return {"unlock": unlock, "mbimcli": runs, "locked": h.sim.modem.locked}


def auto_finds_proxy(h: Harness) -> dict[str, object]:
    device = h.start_sim()
    h.start_proxy()
    return {"unlock": h.finish(h.fcc_unlock("--method", "sierra", "--log", "stderr", "-v", device))}


def udev_with_proxy_listening(h: Harness) -> dict[str, object]:
    """The rule's command while a proxy listens: after a resume, ModemManager's
    mbim-proxy outlives the modem that re-enumerates (tests/vm/guest_mm.py's relock)."""
    device = h.start_sim()
    h.start_proxy()
    rule = ("--udev", "--method", "sierra", "--ids", "1199:9079", "--log", "stderr", "-v", device)
    return {"unlock": h.finish(h.fcc_unlock(*rule))}


def auto_without_proxy(h: Harness) -> dict[str, object]:
    device = h.start_sim()
    return {"unlock": h.finish(h.fcc_unlock("--method", "sierra", "--log", "stderr", "-v", device))}


def forced_proxy_missing(h: Harness) -> dict[str, object]:
    device = h.start_sim()
    return {"unlock": h.finish(h.fcc_unlock("--proxy", "--method", "sierra", "--log", "stderr", device))}


def proxy_cannot_open(h: Harness) -> dict[str, object]:
    # A modem port the proxy fails to open: the modem vanishes at the proxy's MBIM
    # OPEN. (A directory, which this scenario once used, is refused by fcc-unlock
    # itself now, before the proxy is asked: docs/safety.md.)
    device = h.start_sim(hang_up_on="open")
    h.start_proxy()
    result = h.finish(h.fcc_unlock("--proxy", "--method", "sierra", "--log", "stderr", device))
    return {"unlock": result}


def dispatcher(h: Harness) -> dict[str, object]:
    """ModemManager's call, through the shipped shim named as MM names dispatcher files."""
    device = h.start_sim()
    h.start_proxy()
    syslog = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    syslog.bind(str(h.workdir / "log"))
    syslog.settimeout(5)
    env = dict(h.env, FCC_UNLOCK_SYSLOG_SOCKET=str(h.workdir / "log"))
    program = h.workdir / "fcc-unlock"  # what pip's console script does
    program.write_text(
        f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(ROOT)!r})\n"
        "from fcc_unlock.cli import main\nsys.exit(main())\n"
    )
    program.chmod(0o755)
    shim = (ROOT / "packaging" / "modemmanager" / "fcc-unlock-dispatcher").read_text()
    enabled = h.workdir / "fcc-unlock.d"
    enabled.mkdir()
    (enabled / "1199:9079").write_text(shim.replace("/usr/bin/fcc-unlock", str(program)))
    (enabled / "1199:9079").chmod(0o755)
    start = time.monotonic()
    call = subprocess.run(
        [str(enabled / "1199:9079"), MODEM, "ttyUSB2", "wwan0at0", device],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    elapsed = time.monotonic() - start
    try:
        logged = syslog.recv(4096).decode()
    except OSError as error:
        logged = f"nothing: {error}"
    # The bare form: the program itself linked as the dispatcher file.
    (enabled / "413c:81a8").symlink_to(program)
    bare = subprocess.run(
        [str(enabled / "413c:81a8"), MODEM, device], capture_output=True, text=True, env=env, timeout=30
    )
    try:
        logged_bare = syslog.recv(4096).decode()
    except OSError as error:
        logged_bare = f"nothing: {error}"
    return {
        "shim": {"rc": call.returncode, "out": call.stdout, "err": call.stderr, "elapsed": elapsed},
        "syslog": logged,
        "bare": {"rc": bare.returncode, "out": bare.stdout, "err": bare.stderr},
        "syslog_bare": logged_bare,
    }


def mbimcli_spawns_proxy(h: Harness) -> dict[str, object]:
    """libmbim starts its own proxy when none listens; the namespace must still end it."""
    device = h.start_sim()
    client = h.finish(h.mbimcli("-p", "-d", device, "--query-device-caps"))
    unlock = h.finish(h.fcc_unlock("--method", "sierra", "--log", "stderr", "-v", device))
    return {"mbimcli": client, "unlock": unlock}


def imports_through_proxy(h: Harness) -> dict[str, object]:
    """What a run through the proxy imports (import_watch.py), with a proxy listening."""
    device = h.start_sim()
    h.start_proxy()
    watch = subprocess.run(
        [
            sys.executable,
            "-S",
            str(ROOT / "tests" / "system" / "import_watch.py"),
            "--method",
            "sierra",
            "-v",
            device,
        ],
        capture_output=True,
        text=True,
        env=h.env,
        timeout=30,
    )
    return {"watch": watch.stdout.strip().splitlines()[-1], "err": watch.stderr}


def imports_as_dispatcher(h: Harness) -> dict[str, object]:
    """What ModemManager's dispatcher call imports, through a warm proxy, the ids given
    as ModemManager's file name gives them: no pyudev, no argparse."""
    device = h.start_sim()
    h.start_proxy()
    h.finish(h.mbimcli("-p", "-d", device, "--query-device-caps", "--no-close"))  # warm
    watch = subprocess.run(
        [sys.executable, "-S", str(ROOT / "tests" / "system" / "import_watch.py"), "--ids", "1199:9079",
         "--modemmanager", MODEM, device],
        capture_output=True,
        text=True,
        env=h.env,
        timeout=30,
    )  # fmt: skip
    return {"watch": watch.stdout.strip().splitlines()[-1], "err": watch.stderr}


SCENARIOS = {
    f.__name__.replace("_", "-"): f
    for f in (
        shared_with_mbimcli,
        auto_finds_proxy,
        udev_with_proxy_listening,
        auto_without_proxy,
        forced_proxy_missing,
        proxy_cannot_open,
        dispatcher,
        mbimcli_spawns_proxy,
        imports_through_proxy,
        imports_as_dispatcher,
    )
}


def main() -> int:
    scenario, workdir = sys.argv[1], Path(sys.argv[2])
    if os.getpid() != 1:
        print("run me under unshare --net --pid --fork", file=sys.stderr)
        return 2
    if shutil.which("mbimcli") is None or not os.path.exists(PROXY):
        print("mbimcli and mbim-proxy (libmbim-utils) are needed", file=sys.stderr)
        return 2
    harness = Harness(workdir)
    try:
        result = SCENARIOS[scenario](harness)
        time.sleep(0.1)  # let the proxy see the clients go before we look at the modem
        result["transcript"] = harness.transcript()
        result["proxy_pids"] = harness.proxy_pids()
        result["pid_namespace"] = os.readlink("/proc/self/ns/pid")
    finally:
        harness.close()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
