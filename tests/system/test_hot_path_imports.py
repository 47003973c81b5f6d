"""The hotplug path stays lean: no pyudev, construct, json, logging, typing, re, shutil,
socket or importlib from us, and none of argparse, gettext or locale at all (a plain
unlock command line is parsed by cli.quick_parse()).

Importing construct alone costs about four bare interpreter start-ups; the udev
rule's run must stay within a few. import_watch.py records every import fcc_unlock
code asks for while the real CLI runs (module level or inside functions) and what
is loaded at the end.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, cli_env
from test_mbim_proxy_real import scenario

WATCH = Path(__file__).with_name("import_watch.py")


def watch(*args: str, env_extra: dict[str, str] | None = None) -> dict:
    env = cli_env()
    env.pop("PYTHONPATH", None)
    env.update(env_extra or {})
    run = subprocess.run(
        [sys.executable, "-S", str(WATCH), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=ROOT,
    )
    return ast.literal_eval(run.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "args",
    [
        ["--method", "sierra"],
        ["--udev", "--method", "sierra", "--ids", "1199:9079"],
        ["--no-proxy", "--method", "sierra", "-v"],
    ],
    ids=["method", "udev-rule", "no-proxy-verbose"],
)
def test_unlock_runs_import_nothing_heavy(args, sim, tmp_path):
    result = watch(
        *args,
        sim.path,
        env_extra={"FCC_UNLOCK_LOCK_DIR": str(tmp_path), "FCC_UNLOCK_SYSLOG_SOCKET": str(tmp_path / "log")},
    )
    assert result["code"] == 0
    assert result["asked"] == []
    assert result["loaded"] == []
    assert not sim.modem.locked


def test_run_through_mbim_proxy_imports_nothing_heavy(tmp_path):
    result = scenario("imports-through-proxy", tmp_path)
    watched = ast.literal_eval(result["watch"])
    assert watched["code"] == 0, result["err"]
    assert "mbim-proxy:" in result["err"]
    assert watched["asked"] == []
    assert watched["loaded"] == []
