"""systemd's own judgement of the shipped units: valid, and exposure at most 2.0."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from conftest import ROOT, require_tool

UNITS = sorted((ROOT / "packaging" / "systemd").glob("*.service"))
MAX_EXPOSURE = 2.0


@pytest.mark.parametrize("path", UNITS, ids=[p.name for p in UNITS])
def test_exposure_is_at_most_two(path, capsys):
    analyze = require_tool("systemd-analyze")
    run = subprocess.run(
        [analyze, "security", "--offline=true", "--no-pager", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d)", run.stdout)
    assert match, run.stdout + run.stderr
    exposure = float(match.group(1))
    with capsys.disabled():
        print(f"\n{path.name}: exposure {exposure}")
    assert exposure <= MAX_EXPOSURE
    # The same bound as systemd checks it (the threshold counts tenths).
    strict = subprocess.run(
        [
            analyze,
            "security",
            "--offline=true",
            "--no-pager",
            f"--threshold={int(MAX_EXPOSURE * 10)}",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert strict.returncode == 0


@pytest.mark.parametrize("path", UNITS, ids=[p.name for p in UNITS])
def test_systemd_knows_every_directive(path, tmp_path):
    analyze = require_tool("systemd-analyze")
    # verify checks that ExecStart= exists: point it at a program that does.
    copy = tmp_path / path.name
    copy.write_text(path.read_text().replace("/usr/bin/fcc-unlock", shutil.which("true") or "/bin/true"))
    run = subprocess.run(
        [analyze, "verify", "--man=no", str(copy)], capture_output=True, text=True, timeout=60
    )
    complaints = [line for line in (run.stdout + run.stderr).splitlines() if line.strip()]
    assert run.returncode == 0 and complaints == [], complaints
