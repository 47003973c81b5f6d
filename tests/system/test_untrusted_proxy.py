"""A local user who binds @mbim-proxy cannot stop the unlock (no denial of service).

Abstract socket names are first come, first served. In the udev path no real proxy
can be listening before ModemManager has seen the port, so a listener run by someone
other than root, one that never accepts, or one that does not speak the proxy
protocol is passed by and the device is opened itself; the result line says so. Run
by hand (auto transport) the same listener ends the run with a clear reason instead:
there a real proxy may hold the port, and opening it beside one would steal replies.
Each scenario runs in its own network namespace (impostor_proxy.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import IN_CI

HERE = Path(__file__).resolve().parent


def scenario(kind: str, how: str, tmp_path: Path) -> dict:
    unshare = shutil.which("unshare")
    if os.geteuid() != 0 or unshare is None:
        if IN_CI:
            pytest.fail("CI runs as root with unshare")
        pytest.skip("needs root and unshare for a private network namespace")
    done = subprocess.run(
        [unshare, "--net", "--", sys.executable, str(HERE / "impostor_proxy.py"), kind, how, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# The hotplug path's exchanges: no RADIO_STATE before the unlock (docs/architecture.md §6).
FLOW = ["open", "qmi-allocate", "fcc-auth", "qmi-release", "close"]


@pytest.mark.parametrize(
    "kind, why",
    [
        ("nonroot", "belongs to uid 65534, not root"),
        ("not-accepting", "does not accept connections"),
        ("garbage", "mbim-proxy sent a message of length"),
    ],
)
def test_the_udev_path_passes_an_untrusted_listener_by(tmp_path, kind, why):
    found = scenario(kind, "udev", tmp_path)
    assert found["code"] == 0, found["stderr"]
    assert found["kinds"] == FLOW and not found["locked"]
    line = found["stderr"].splitlines()[-1]
    assert "unlocked in" in line and "warning: passed mbim-proxy by" in line and why in line, line
    assert found["elapsed"] < 3.0, found


def test_by_hand_an_impostor_is_reported_not_trusted(tmp_path):
    found = scenario("nonroot", "manual", tmp_path)
    assert found["code"] == 5, found["stderr"]
    assert "belongs to uid 65534, not root: not using it" in found["stderr"]
    assert found["kinds"] == [] and found["locked"]  # nothing reached the modem
