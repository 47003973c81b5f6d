"""Many triggers at once on one modem: they take turns on the per-device lock."""

from __future__ import annotations

import subprocess
import sys
import time

from conftest import ROOT, cli_env

from fcc_unlock.host.lock import lock_device

RUNS = 20
SESSION = ["open", "radio-state", "qmi-allocate", "fcc-auth", "qmi-release", "close"]


def start(device: str, lock_dir, *extra: str) -> subprocess.Popen[str]:
    env = cli_env()
    env["FCC_UNLOCK_LOCK_DIR"] = str(lock_dir)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fcc_unlock",
            "--no-proxy",
            "--method",
            "sierra",
            "--log",
            "stderr",
            *extra,
            device,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )


def sessions(kinds: list[str]) -> list[list[str]]:
    """Split the modem's transcript at each OPEN; fail if an OPEN comes before the CLOSE."""
    result: list[list[str]] = []
    open_session = False
    for kind in kinds:
        if kind == "open":
            assert not open_session, f"a second session opened inside another: {kinds}"
            open_session = True
            result.append([])
        result[-1].append(kind)
        if kind == "close":
            open_session = False
    return result


def test_twenty_concurrent_runs_all_succeed_one_session_at_a_time(sim, tmp_path, capsys):
    link = tmp_path / "cdc-wdm0"  # half of them use another name for the same modem
    link.symlink_to(sim.path)
    started = time.monotonic()
    runs = [start(sim.path if i % 2 else str(link), tmp_path / "locks", "-v") for i in range(RUNS)]
    results = [(run.wait(60), *run.communicate()) for run in runs]
    wall = time.monotonic() - started
    failures = [err for code, _, err in results if code != 0]
    assert failures == [], failures[0][-2000:]
    assert all("sierra: unlocked in" in err for _, _, err in results)
    with sim.lock:
        kinds = [received.kind for received in sim.modem.transcript]
    assert sessions(kinds) == [SESSION] * RUNS
    waited = [
        line for _, _, err in results for line in err.splitlines() if "for " in line and "waited" in line
    ]
    with capsys.disabled():
        print(
            f"\n{RUNS} concurrent runs: all exit 0, {len(kinds)} messages in {RUNS} sessions,"
            f" none interleaved; {len(waited)} waited for the lock; wall {wall:.2f} s"
        )


def test_run_that_cannot_get_the_lock_in_time_exits_busy(sim, tmp_path):
    held = lock_device(sim.path, time.monotonic() + 1, str(tmp_path))
    try:
        started = time.monotonic()
        run = start(sim.path, tmp_path, "--timeout", "1")
        code = run.wait(30)
        elapsed = time.monotonic() - started
        err = run.stderr.read()
    finally:
        held.release()
    assert code == 7, err
    assert "another fcc-unlock is working on this modem" in err and "(exit 7)" in err
    assert elapsed < 3.0
    assert sim.modem.transcript == []
