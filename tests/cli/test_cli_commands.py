"""The CLI's modes and outputs: the quiet line, -v, --json, usage, --demo, and the
simulator as a program of its own (``python -m fcc_unlock.sim``)."""

from __future__ import annotations

import json
import re
import select
import signal
import subprocess
import sys

import pytest
from conftest import cli_env, run_cli
from simrun import FLOW, SUCCESS_LINE, check_invariants, run_against

from fcc_unlock.qmi import catalog
from fcc_unlock.qmi.constants import Service
from fcc_unlock.sim.model import Received


def test_unlock_prints_one_line(sim_factory):
    run = run_against(sim_factory(), verbose=False)
    assert run.code == 0
    assert run.stdout == ""
    assert len(run.stderr.splitlines()) == 1
    assert SUCCESS_LINE.fullmatch(run.line), run.line
    assert run.line.endswith(" s") and ": unlocked in " in run.line
    assert run.kinds == list(FLOW)
    assert not run.modem.locked
    assert run.modem.clients == {}


def test_verbose_trace_decodes_mbim_and_qmi(sim_factory):
    run = run_against(sim_factory())
    assert run.code == 0
    trace = run.stderr
    for expected in (
        r"-> MBIM OPEN tid=1 max_control_transfer=\d+",
        r"<- MBIM OPEN_DONE tid=1 status=Success \(0\)",
        r"-> MBIM COMMAND tid=2 BasicConnect/3 QUERY",  # the lock check, sent ahead
        r"-> MBIM COMMAND tid=3 QMI/1 SET",
        # TLVs by their catalogue names (the issue that named them: they were 0x01=...)
        r"QMI CTL Allocate CID request client=0 tid=1 service=2",
        r"QMI CTL Allocate CID response client=0 tid=1 result=success"
        r" allocation_info=\{service=DMS, client_id=\d+\}",
        r"QMI DMS Set FCC Authentication request client=\d+ tid=1",
        r"QMI DMS Set FCC Authentication response client=\d+ tid=1 result=success",
        r"QMI CTL Release CID request client=0 tid=2",
        r"-> MBIM CLOSE tid=\d+",
        r"<- MBIM CLOSE_DONE tid=\d+ status=Success \(0\)",
    ):
        assert re.search(expected, trace), expected
    # Each message is traced once, in the order it went.
    sent = re.findall(r"^-> MBIM (\w+)", trace, re.MULTILINE)
    assert sent == ["OPEN", "COMMAND", "COMMAND", "COMMAND", "COMMAND", "CLOSE"]


def test_verbose_trace_names_a_qmi_error(sim_factory):
    run = run_against(sim_factory(qmi_error=71))
    assert re.search(r"Set FCC Authentication response .*result=failure InvalidQmiCommand \(71\)", run.stderr)


JSON_FIELDS = ("device", "ids", "method", "result", "exit_code", "exit_name", "reason", "elapsed", "warnings")


@pytest.mark.parametrize(
    "knobs, code, exit_name, result, reason",
    [
        ({}, 0, "ok", "unlocked", None),
        ({"qmi_error": 71}, 1, "refused", None, "InvalidQmiCommand (71)"),
        ({"hang_up_on": "fcc-auth"}, 5, "io_error", None, "device vanished"),
    ],
)
def test_json_result(sim_factory, knobs, code, exit_name, result, reason):
    sim = sim_factory(**knobs)
    run = run_against(sim, "--json")
    assert run.code == code
    document = json.loads(run.stdout)  # stdout holds the JSON and nothing else
    assert sorted(document) == sorted(JSON_FIELDS)
    assert document["device"] == sim.device
    assert document["method"] == "sierra"
    assert document["ids"] is None  # --method given: the device table was not consulted
    assert document["result"] == result
    assert document["exit_code"] == code
    assert document["exit_name"] == exit_name
    if reason is None:
        assert document["reason"] is None
    else:
        assert reason in document["reason"]
    assert isinstance(document["elapsed"], float) and 0 <= document["elapsed"] < run.wall


# --- usage and devices ------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "a DEVICE is required"),
        (["--timeout", "abc", "/dev/cdc-wdm0"], "not a number of seconds"),
        (["--timeout", "0", "/dev/cdc-wdm0"], "timeout must be between"),
        (["--timeout", "-1", "/dev/cdc-wdm0"], "timeout must be between"),
        (["--method", "nokia", "/dev/cdc-wdm0"], "invalid choice: 'nokia'"),
        (["--bogus", "/dev/cdc-wdm0"], "unrecognized arguments"),
    ],
)
def test_usage_errors_exit_2(args, message):
    result = run_cli(*args)
    assert result.returncode == 2
    assert "usage: fcc-unlock" in result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("method", [["--method", "sierra"], []], ids=["with-method", "without-method"])
def test_missing_device_exits_5(tmp_path, method):
    missing = str(tmp_path / "cdc-wdm9")
    result = run_cli(*method, "--log", "stderr", missing)
    assert result.returncode == 5, result.stderr
    assert result.stderr.splitlines() == [result.stderr.strip()]  # one line
    assert re.fullmatch(
        r"fcc-unlock: .*cdc-wdm9.*: .*(No such file or directory|no such device) \(exit 5\) after [\d.]+ s\n",
        result.stderr,
    )


def test_pty_without_method_is_unsupported_with_a_hint(sim):
    result = run_cli("--log", "stderr", sim.device)
    assert result.returncode == 3, result.stderr
    assert "--method" in result.stderr  # the hint: name the unlock yourself
    assert "(exit 3)" in result.stderr
    assert sim.modem.transcript == []  # nothing was sent to an unknown device


def test_help_lists_the_exit_codes():
    result = run_cli("--help")
    assert result.returncode == 0
    assert "exit status:" in result.stdout
    for code in ("0", "1", "2", "3", "4", "5", "6", "7", "70"):
        assert re.search(rf"^\s+{code}\s+\w", result.stdout, re.MULTILINE), code


# --- the demo and the simulator as a program ---------------------------------------------


def test_demo_unlocks_the_builtin_modem():
    result = run_cli("--demo", timeout=20)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "FCC-locked: True" in out
    assert (
        "The modem received: open -> radio-state -> qmi-allocate -> fcc-auth -> qmi-release -> close" in out
    )
    assert "FCC-locked now: False; exit status 0" in out
    assert "QMI DMS Set FCC Authentication request" in out  # the demo shows its trace
    assert re.search(r"fcc-unlock: \S+ 1199:9079 sierra: unlocked in [\d.]+ s", out)


def test_demo_rejects_an_unknown_vendor():
    result = run_cli("--demo", "--vendor", "nokia")
    assert result.returncode == 2
    assert "unknown --vendor 'nokia'" in result.stderr


def wait_for_line(stream, seconds: float) -> str:
    ready, _, _ = select.select([stream], [], [], seconds)
    return stream.readline() if ready else ""


@pytest.mark.parametrize(
    "knobs, code, received",
    [
        ([], 0, list(FLOW)),
        (["--qmi-error", "71"], 1, list(FLOW)),
        (["--chunk-size", "5", "--max-control-transfer", "64", "--indications"], 0, list(FLOW)),
        (["--hang-up-on", "fcc-auth"], 5, list(FLOW[: FLOW.index("fcc-auth") + 1])),
    ],
    ids=["plain", "qmi-error", "chunks-fragments-indications", "hang-up"],
)
def test_sim_program_serves_a_real_run(tmp_path, knobs, code, received):
    link, transcript = tmp_path / "cdc-wdm0", tmp_path / "transcript.jsonl"
    command = [sys.executable, "-m", "fcc_unlock.sim", "--link", str(link), "--transcript", str(transcript)]
    sim = subprocess.Popen([*command, *knobs], stdout=subprocess.PIPE, text=True, env=cli_env())
    try:
        ready = wait_for_line(sim.stdout, 10)
        assert ready.startswith("ready /dev/pts/"), ready
        assert link.is_symlink()
        result = run_cli("--method", "sierra", "--log", "stderr", "--timeout", "2", str(link))
        assert result.returncode == code, result.stderr
        if code != 5:  # an unplugged simulator ends by itself
            sim.send_signal(signal.SIGTERM)
        assert sim.wait(5) == 0
    finally:
        if sim.poll() is None:
            sim.kill()
            sim.wait()
        sim.stdout.close()
    assert not link.exists()  # the simulator removes its link
    records = [json.loads(line) for line in transcript.read_text().splitlines()]
    assert [r["kind"] for r in records] == received
    assert records[0]["type"] == "OPEN"
    auth = records[FLOW.index("fcc-auth")]["qmi"]
    assert records[FLOW.index("fcc-auth")]["type"] == "COMMAND"
    assert (auth["service"], auth["message_id"]) == (Service.DMS, catalog.SET_FCC_AUTHENTICATION.message_id)
    if code != 5:
        assert records[-1]["type"] == "CLOSE"
        release = records[FLOW.index("qmi-release")]["qmi"]
        assert release["tlvs"] == [[1, f"{Service.DMS:02x}{auth['client_id']:02x}"]]


def drop(kind):
    def mutate(transcript):
        transcript.remove(next(r for r in transcript if r.kind == kind))

    return mutate


def append_sync(transcript):
    release = next(r for r in transcript if r.kind == "qmi-release")
    transcript.append(Received("qmi-sync", release.message, release.qmi))


@pytest.mark.parametrize(
    "mutate",
    [drop("open"), drop("close"), drop("qmi-release"), append_sync],
    ids=["no-open", "no-close", "no-release", "sync"],
)
def test_check_invariants_is_not_vacuous(sim_factory, mutate):
    """Each invariant fails a transcript that breaks it (taken from a good run)."""
    run = run_against(sim_factory())
    mutate(run.modem.transcript)
    with pytest.raises(AssertionError):
        check_invariants(run)


def test_probe_without_status_is_a_usage_error():
    result = run_cli("--probe", "/dev/null")
    assert result.returncode == 2
    assert "--probe goes with --status" in result.stderr


def test_a_malformed_key_is_a_usage_error():
    result = run_cli("--key", "3df8c7", "/dev/null")
    assert result.returncode == 2
    assert "8 hex digits" in result.stderr


@pytest.mark.parametrize(
    "vendor", ["intel-mbim", "foxconn-e4", "fm350-at", "l860-at", "rw101-at", "xmm7360-rpc"]
)
def test_demo_unlocks_the_simulated_modem_of_every_new_family(vendor):
    result = run_cli("--demo", "--vendor", vendor, timeout=20)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FCC-locked: True" in result.stdout
    assert "FCC-locked now: False; exit status 0" in result.stdout
    assert f" {vendor}: unlocked" in result.stdout
