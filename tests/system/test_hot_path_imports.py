"""The hotplug path stays lean: no pyudev, construct, json, logging, typing, re, shutil,
socket or importlib from us, and none of argparse, gettext, locale, enum or signal at
all (a plain unlock command line is parsed by cli.quick_parse(); the named integers
are IntNames, the watchdog uses _signal).

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


@pytest.mark.parametrize(
    "method, ids, server",
    [
        ("fm350-at", "14c3:4d75", lambda: __import__("fcc_unlock.sim.at_modem", fromlist=["x"]).pty_modem()),
        ("xmm7360-rpc", "8086:7360", None),
    ],
    ids=["at", "xmm-rpc"],
)
def test_the_at_and_xmm_rpc_rule_runs_import_nothing_heavy_and_no_mbim(method, ids, server, tmp_path):
    from fcc_unlock.sim.pty import PtyModem
    from fcc_unlock.sim.xmmrpc_modem import XmmRpcModem

    sim = server() if server is not None else PtyModem(XmmRpcModem())
    with sim:
        result = watch(
            "--udev",
            "--method",
            method,
            "--ids",
            ids,
            sim.path,
            env_extra={
                "FCC_UNLOCK_LOCK_DIR": str(tmp_path),
                "FCC_UNLOCK_SYSLOG_SOCKET": str(tmp_path / "log"),
            },
        )
        assert result["code"] == 0
        assert result["asked"] == [] and result["loaded"] == []
        assert not sim.modem.locked
    # Nothing of MBIM's codecs or session (its constants, IntEnums, the verdicts name):
    # an AT or RPC run does not pay for them.
    run = subprocess.run(
        [sys.executable, "-S", "-c", MODULES_AFTER, method],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=60,
        cwd=ROOT,
    )
    loaded = ast.literal_eval(run.stdout.strip().splitlines()[-1])
    mbim = ("fcc_unlock.mbim.", "fcc_unlock.session", "fcc_unlock.qmi")
    assert [m for m in loaded if m.startswith(mbim)] == ["fcc_unlock.mbim.constants"]


# The modules the unlock path of a method imports (its session class included).
MODULES_AFTER = """
import sys
from fcc_unlock import run
from fcc_unlock.cli import unlock
from fcc_unlock.methods import load, port_type
procedure = load(sys.argv[1])
package, name = run.SERIAL_SESSIONS[port_type(procedure)]
__import__(f"fcc_unlock.{package}.session")
print(sorted(m for m in sys.modules if m.startswith("fcc_unlock")))
"""


def test_the_method_is_imported_while_the_modem_works_on_open(sim, tmp_path):
    """Start-up overlaps the modem (docs/architecture.md §5): MBIM OPEN is written before
    the method, its QMI catalogue and the lock verdicts are imported."""
    result = watch(
        "--udev",
        "--method",
        "sierra",
        "--ids",
        "1199:9079",
        sim.path,
        env_extra={"FCC_UNLOCK_LOCK_DIR": str(tmp_path), "FCC_UNLOCK_SYSLOG_SOCKET": str(tmp_path / "log")},
    )
    assert result["code"] == 0 and not sim.modem.locked
    early = result["before_first_write"]
    assert early is not None
    for later in ("fcc_unlock.methods.sierra", "fcc_unlock.qmi.catalog", "fcc_unlock.lockstate"):
        assert later not in early, early
    assert "fcc_unlock.session" in early and "fcc_unlock.transport.portcheck" in early


def test_the_dispatcher_call_imports_nothing_heavy(tmp_path):
    """ModemManager's dispatcher call: no pyudev (the ids are known), no argparse."""
    result = scenario("imports-as-dispatcher", tmp_path)
    watched = ast.literal_eval(result["watch"])
    assert watched["code"] == 0, result["err"]
    assert watched["asked"] == [] and watched["loaded"] == []
    assert result["transcript"][-3:] == ["qmi-allocate", "fcc-auth", "qmi-release"]
