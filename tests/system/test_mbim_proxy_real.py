"""Debian's real mbim-proxy (libmbim-utils) in front of the simulated modem.

Every scenario runs in its own network and PID namespace (netns_harness.py): the
abstract socket @mbim-proxy is global per network namespace, so this keeps our
proxies away from a real ModemManager and from other test runs, and the PID
namespace ends every proxy when the scenario ends (checked below).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import IN_CI, ROOT, bare_env, require_tool

HARNESS = Path(__file__).with_name("netns_harness.py")
PROXY = "/usr/libexec/mbim-proxy"


def require_proxy() -> None:
    require_tool("mbimcli")
    require_tool("unshare")
    if not os.path.exists(PROXY):
        message = f"{PROXY} is missing (apt-get install libmbim-utils)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    if os.geteuid() != 0:
        pytest.skip("namespaces and mbim-proxy need root")
    probe = subprocess.run(
        ["unshare", "--net", "--pid", "--fork", "--", "true"], capture_output=True, text=True
    )
    if probe.returncode != 0:
        message = f"cannot make network and PID namespaces here: {probe.stderr.strip()}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def scenario(name: str, tmp_path: Path) -> dict:
    require_proxy()
    run = subprocess.run(
        [
            "unshare",
            "--net",
            "--pid",
            "--fork",
            "--kill-child",
            "--",
            sys.executable,
            str(HARNESS),
            name,
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=bare_env(),
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert_no_proxy_left(result)
    return result


def assert_no_proxy_left(result: dict) -> None:
    """Every mbim-proxy of the scenario's PID namespace is gone with it."""
    for pid in result["proxy_pids"]:
        try:
            alive = os.readlink(f"/proc/{pid}/ns/pid") == result["pid_namespace"]
        except OSError:
            alive = False
        assert not alive, f"mbim-proxy {pid} outlived its namespace"


def test_unlock_through_the_proxy_while_mbimcli_uses_the_modem(tmp_path):
    result = scenario("shared-with-mbimcli", tmp_path)
    unlock = result["unlock"]
    assert unlock["rc"] == 0, unlock["err"]
    assert "-> MBIM COMMAND tid=1 ProxyControl/1 SET" in unlock["err"]
    assert "mbim-proxy:" in unlock["err"] and "sierra: unlocked in" in unlock["err"]
    runs = result["mbimcli"]
    assert len(runs) >= 2
    assert [run["rc"] for run in runs] == [0] * len(runs), [run["err"] for run in runs if run["rc"]]
    assert all("retrieved" in run["out"] for run in runs)
    # mbimcli was busy with the modem before, during and after our run.
    assert min(run["started"] for run in runs) < unlock["started"]
    assert max(run["ended"] for run in runs) > unlock["ended"]
    assert result["locked"] is False
    kinds = result["transcript"]
    # The proxy opened the modem once; our OPEN and CLOSE never reached it.
    assert kinds.count("open") == 1 and "close" not in kinds
    assert kinds.count("qmi-allocate") == kinds.count("qmi-release") == 1
    inside = kinds[kinds.index("qmi-allocate") : kinds.index("qmi-release")]
    assert "fcc-auth" in inside
    assert {"device-caps", "radio-state"} & set(inside), f"no mbimcli request during our session: {kinds}"


def test_auto_mode_uses_a_listening_proxy(tmp_path):
    result = scenario("auto-finds-proxy", tmp_path)
    assert result["unlock"]["rc"] == 0, result["unlock"]["err"]
    assert "mbim-proxy:" in result["unlock"]["err"]
    assert result["transcript"] == ["open", "radio-state", "qmi-allocate", "fcc-auth", "qmi-release"]


def test_the_rule_goes_through_a_proxy_still_listening_after_a_resume(tmp_path):
    """docs/modemmanager.md §4.3: after a power loss the port is new but ModemManager's
    proxy still listens; the rule's run shares it (the proxy opens the port and keeps it
    open for ModemManager) instead of opening the port beside it."""
    result = scenario("udev-with-proxy-listening", tmp_path)
    assert result["unlock"]["rc"] == 0, result["unlock"]["err"]
    assert "mbim-proxy:" in result["unlock"]["err"]
    assert result["transcript"] == ["open", "qmi-allocate", "fcc-auth", "qmi-release"]


def test_auto_mode_without_a_proxy_opens_the_device(tmp_path):
    result = scenario("auto-without-proxy", tmp_path)
    assert result["unlock"]["rc"] == 0, result["unlock"]["err"]
    assert "no mbim-proxy is listening: opening the device directly" in result["unlock"]["err"]
    assert result["transcript"] == ["open", "radio-state", "qmi-allocate", "fcc-auth", "qmi-release", "close"]
    assert result["proxy_pids"] == []  # and we did not start one


def test_forced_proxy_without_one_is_a_clear_io_error(tmp_path):
    result = scenario("forced-proxy-missing", tmp_path)
    assert result["unlock"]["rc"] == 5
    assert "no mbim-proxy is listening on @mbim-proxy (exit 5)" in result["unlock"]["err"]
    assert result["transcript"] == []


def test_proxy_dropping_us_is_a_clear_io_error(tmp_path):
    result = scenario("proxy-cannot-open", tmp_path)
    assert result["unlock"]["rc"] == 5
    assert "mbim-proxy closed the connection before accepting the device" in result["unlock"]["err"]


def test_modemmanager_dispatcher_call_through_the_shipped_shim(tmp_path):
    result = scenario("dispatcher", tmp_path)
    shim = result["shim"]
    assert shim["rc"] == 0, shim["err"]
    assert shim["out"] == "" and shim["err"] == ""  # MM would throw it away: syslog only
    assert shim["elapsed"] < 4.0
    assert result["syslog"].startswith("<30>")
    assert "fcc-unlock[" in result["syslog"]
    assert result["syslog"].endswith(
        "cdc-wdm0 1199:9079 sierra: unlocked in " + result["syslog"].split(" in ")[-1]
    )
    # The program linked directly as the dispatcher file: ids from the file name.
    assert result["bare"]["rc"] == 0, result["syslog_bare"]
    assert "cdc-wdm0 413c:81a8 sierra: unlocked" in result["syslog_bare"]
    kinds = result["transcript"]
    assert kinds.count("fcc-auth") == 2 and "close" not in kinds


def test_proxy_spawned_by_libmbim_is_used_and_cleaned_up(tmp_path):
    result = scenario("mbimcli-spawns-proxy", tmp_path)
    assert result["mbimcli"]["rc"] == 0, result["mbimcli"]["err"]
    assert result["unlock"]["rc"] == 0, result["unlock"]["err"]
    assert "mbim-proxy:" in result["unlock"]["err"]
    assert len(result["proxy_pids"]) == 1  # the one mbimcli started, ended with the namespace
