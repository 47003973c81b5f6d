"""The real CLI against the simulated Sierra modem, one fault knob at a time.

Every run goes through ``run_against``, which also checks the invariants (OPEN first,
CLOSE last, client ids released, no CTL Sync, one result line, on time). The tests
here add what each fault must lead to: the exit code, the words of the result line,
and what the modem received.
"""

from __future__ import annotations

import pytest
from simrun import FLOW, FRAGMENT_HEADER, run_against

from fcc_unlock.mbim.constants import ProtocolErrorCode

AFTER_OPEN = FLOW[1:]


# --- faults the client rides out -------------------------------------------------

RECOVERABLE = {
    **{f"chunk_size={n}": ({"chunk_size": n}, None) for n in range(1, 8)},
    "max_control_transfer=64": ({"max_control_transfer": 64}, None),
    "indications": ({"indications": True}, "<- MBIM INDICATE_STATUS"),
    "stale_replies": ({"stale_replies": True}, "skipping a message that answers nothing"),
    "garbage_before": ({"garbage_before": FLOW}, "bytes that are not MBIM"),
    "hardware_switch_off": ({"hardware_switch_off": True}, None),
    "all_at_once": (
        {
            "chunk_size": 3,
            "max_control_transfer": 64,
            "indications": True,
            "stale_replies": True,
            "garbage_before": FLOW,
        },
        "skipping a message that answers nothing",
    ),
}


@pytest.mark.parametrize("knobs, evidence", RECOVERABLE.values(), ids=RECOVERABLE.keys())
def test_recovers_and_unlocks(sim_factory, knobs, evidence):
    run = run_against(sim_factory(**knobs))
    assert run.code == 0, run.stderr
    assert run.kinds == list(FLOW)
    assert not run.modem.locked
    assert run.modem.clients == {}
    if evidence:
        assert evidence in run.stderr  # the fault really happened


def test_small_max_control_transfer_fragments_replies(sim_factory):
    run = run_against(sim_factory(max_control_transfer=64))
    assert run.code == 0, run.stderr
    assert max(len(w) for w in run.writes) <= 64
    fragments = run.fragments_of_reply("qmi-allocate")  # 72 bytes whole
    assert len(fragments) == 2
    assert [FRAGMENT_HEADER.unpack_from(f, 12) for f in fragments] == [(2, 0), (2, 1)]


def test_latency_is_felt_per_round_trip(sim_factory):
    # Each reply is due `latency` after its request. The lock check goes out with the
    # Allocate CID, so six requests cost five round trips: OPEN, (RADIO_STATE +
    # Allocate CID), Set FCC Authentication, Release CID, CLOSE.
    latency = 0.2
    run = run_against(sim_factory(latency=latency))
    assert run.code == 0, run.stderr
    seconds = float(run.line.split(" in ")[1].split()[0])
    assert 5 * latency <= seconds < 6 * latency
    at = {r.kind: r.at for r in run.transcript}
    assert at["qmi-allocate"] - at["radio-state"] < latency / 2  # in flight together
    for earlier, later in [
        ("open", "radio-state"),
        ("qmi-allocate", "fcc-auth"),
        ("fcc-auth", "qmi-release"),
        ("qmi-release", "close"),
    ]:
        assert at[later] - at[earlier] >= latency  # each waited for the reply before


def test_already_open_is_closed_then_opened(sim_factory):
    run = run_against(sim_factory(already_open=True))
    assert run.code == 0, run.stderr
    assert run.kinds == ["open", "close", "open", *AFTER_OPEN]
    assert "already open" in run.stderr
    assert not run.modem.locked


# --- a message never answered ------------------------------------------------------


@pytest.mark.parametrize(
    "kind, code, reason",
    [
        ("open", 4, "no reply to MBIM OPEN in time"),
        ("qmi-allocate", 4, "no reply to QMI"),
        ("fcc-auth", 4, "no reply to QMI"),
        ("qmi-release", 0, "unlocked"),
        ("close", 0, "unlocked"),
    ],
)
def test_never_answered(sim_factory, kind, code, reason):
    run = run_against(sim_factory(never_answer=(kind,)), timeout=2)
    assert run.code == code, run.stderr
    assert reason in run.line
    kinds = run.kinds
    if kind == "open":
        # Silent modem: OPEN re-sent once a second until the deadline (1.5 s), nothing else.
        assert kinds == ["open", "open"]
        assert 0.9 <= run.transcript[1].at - run.transcript[0].at < 1.5
        assert run.wall < 3.0
    elif kind == "qmi-allocate":
        # The QMI service is silent: ask DEVICE_SERVICES whether there is one, then CLOSE.
        assert kinds == ["open", "radio-state", "qmi-allocate", "device-services", "close"]
        assert "<- MBIM CLOSE_DONE" in run.stderr  # time was kept for a confirmed CLOSE
    else:
        assert kinds == list(FLOW)
    if kind == "fcc-auth":
        # Release and CLOSE happen after the timeout, are confirmed, and all of it
        # within the hard deadline (which starts before OPEN is sent).
        assert "QMI CTL Release CID response" in run.stderr
        assert "<- MBIM CLOSE_DONE" in run.stderr
        assert run.received("close")[0].at - run.transcript[0].at <= run.timeout
    assert run.modem.locked == (kind in ("open", "qmi-allocate", "fcc-auth"))


def test_modem_silent_after_open_ends_within_timeout(sim_factory):
    silent = ("radio-state", "qmi-allocate", "device-services", "fcc-auth", "qmi-release", "close")
    run = run_against(sim_factory(never_answer=silent), timeout=2)
    assert run.code == 4, run.stderr
    assert run.kinds == ["open", "radio-state", "qmi-allocate", "device-services", "close"]
    assert run.received("close")[0].at - run.transcript[0].at <= run.timeout
    assert run.wall < run.timeout + 0.5  # the unanswered CLOSE included


# --- FUNCTION_ERROR and QMI errors -------------------------------------------------

NOT_OPENED = ProtocolErrorCode.NOT_OPENED


@pytest.mark.parametrize("kind", ["qmi-allocate", "fcc-auth"])
def test_not_opened_reopens_once_and_unlocks(sim_factory, kind):
    run = run_against(sim_factory(function_error={kind: NOT_OPENED}))
    assert run.code == 0, run.stderr
    at = FLOW.index(kind)
    assert run.kinds == [*FLOW[: at + 1], "open", *FLOW[at:]]
    assert "opening again" in run.stderr
    assert not run.modem.locked


@pytest.mark.parametrize(
    "kind, error, code, named",
    [
        ("open", NOT_OPENED, 6, "NotOpened (5)"),
        ("open", ProtocolErrorCode.UNKNOWN, 6, "Unknown (6)"),
        ("qmi-allocate", ProtocolErrorCode.UNKNOWN, 6, "Unknown (6)"),
        ("fcc-auth", ProtocolErrorCode.FRAGMENT_OUT_OF_SEQUENCE, 6, "FragmentOutOfSequence (2)"),
        ("fcc-auth", ProtocolErrorCode.CANCEL, 6, "Cancel (7)"),
        ("qmi-release", ProtocolErrorCode.UNKNOWN, 0, "unlocked"),
        ("close", ProtocolErrorCode.UNKNOWN, 0, "unlocked"),
    ],
)
def test_function_error(sim_factory, kind, error, code, named):
    run = run_against(sim_factory(function_error={kind: error}))
    assert run.code == code, run.stderr
    assert named in run.line
    if kind == "open":
        assert run.kinds == ["open"]
    else:
        assert run.kinds[: FLOW.index(kind) + 1] == list(FLOW[: FLOW.index(kind) + 1])


@pytest.mark.parametrize("error, named", [(71, "InvalidQmiCommand (71)"), (3, "Internal (3)")])
def test_qmi_error_on_unlock_is_refused(sim_factory, error, named):
    run = run_against(sim_factory(qmi_error=error))
    assert run.code == 1, run.stderr
    assert "refused the unlock" in run.line
    assert named in run.line
    assert run.kinds == list(FLOW)
    assert run.modem.locked


# --- unplug --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", FLOW)
def test_hang_up_exits_5_within_a_second(sim_factory, kind):
    run = run_against(sim_factory(hang_up_on=kind))
    assert run.code == 5, run.stderr
    assert "device vanished" in run.line
    assert run.kinds == list(FLOW[: FLOW.index(kind) + 1])
    hung_up_at = run.transcript[-1].at
    assert run.ended - hung_up_at < 1.0


# --- garbage ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, code, received",
    [
        ("open", 6, ["open"]),
        ("qmi-allocate", 6, ["open", "radio-state", "qmi-allocate", "close"]),
        ("fcc-auth", 6, list(FLOW)),
        ("qmi-release", 0, list(FLOW)),
        ("close", 0, list(FLOW)),
    ],
)
def test_garbage_instead_of_a_reply(sim_factory, kind, code, received):
    run = run_against(sim_factory(garbage_instead=(kind,)), timeout=1)
    assert run.code == code, run.stderr
    assert run.kinds == received
    if code:
        assert "malformed data" in run.line


# --- no QMI service ----------------------------------------------------------------------


def test_no_qmi_service_is_unsupported(sim_factory):
    run = run_against(sim_factory(no_qmi_service=True))
    assert run.code == 3, run.stderr
    assert "no QMI service" in run.line
    assert run.kinds == ["open", "radio-state", "qmi-allocate", "device-services", "close"]


@pytest.mark.parametrize("limit", [64, 100])
def test_device_services_probe_reply_is_fragmented(sim_factory, limit):
    run = run_against(sim_factory(no_qmi_service=True, max_control_transfer=limit))
    assert run.code == 3, run.stderr
    assert "it lists: BasicConnect" in run.line  # the reassembled list was read
    fragments = run.fragments_of_reply("device-services")
    assert len(fragments) >= 2
    assert all(len(f) <= limit for f in fragments)


def test_silent_qmi_service_is_probed_after_two_seconds(sim_factory):
    # A modem without QMI that ignores the QMI command: the probe tells us so.
    run = run_against(sim_factory(no_qmi_service=True, never_answer=("qmi-allocate",)), timeout=5)
    assert run.code == 3, run.stderr
    assert "no QMI service" in run.line
    assert run.kinds == ["open", "radio-state", "qmi-allocate", "device-services", "close"]
    allocate, probe = run.received("qmi-allocate")[0], run.received("device-services")[0]
    assert 1.9 <= probe.at - allocate.at < 3.0
