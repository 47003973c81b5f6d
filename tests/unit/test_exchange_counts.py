"""The guard of docs/architecture.md §6: what each path asks of the modem, exactly.

Each path's unlock runs against the simulated modem of each family (the pty simulator,
opened directly, so OPEN and CLOSE are counted too) and the modem's transcript must be
the table's: a new question on a path a user waits on fails here first. Not timed.
"""

from __future__ import annotations

import pytest

from fcc_unlock import run
from fcc_unlock.session import DISPATCHER, HOTPLUG, MANUAL
from fcc_unlock.sim.model import SimModem
from fcc_unlock.sim.personalities import PERSONALITIES
from fcc_unlock.sim.pty import PtyModem

FOXCONN_READS = ["foxconn-version", "foxconn-version", "get-ids"]  # sent together, one round trip
EXPECTED = {
    ("sierra", MANUAL): ["open", "radio-state", "qmi-allocate", "fcc-auth", "qmi-release", "close"],
    ("sierra", HOTPLUG): ["open", "qmi-allocate", "fcc-auth", "qmi-release", "close"],
    ("sierra", DISPATCHER): ["open", "qmi-allocate", "fcc-auth", "qmi-release", "close"],
    ("foxconn", MANUAL): [
        "open",
        "radio-state",
        "qmi-allocate",
        *FOXCONN_READS,
        "foxconn-auth",
        "qmi-release",
        "close",
    ],
    ("foxconn", HOTPLUG): ["open", "qmi-allocate", *FOXCONN_READS, "foxconn-auth", "qmi-release", "close"],
    ("foxconn", DISPATCHER): ["open", "qmi-allocate", *FOXCONN_READS, "foxconn-auth", "qmi-release", "close"],
    ("quectel", MANUAL): [
        "open",
        "quectel-radio-state",
        "quectel-set-radio-state",
        "quectel-radio-state",
        "close",
    ],
    ("quectel", HOTPLUG): [
        "open",
        "quectel-radio-state",
        "quectel-set-radio-state",
        "quectel-radio-state",
        "close",
    ],
    ("quectel", DISPATCHER): ["open", "quectel-set-radio-state", "close"],
}


@pytest.mark.parametrize(("vendor", "occasion"), EXPECTED)
def test_each_path_asks_exactly_its_questions(vendor, occasion):
    modem = SimModem(PERSONALITIES[vendor]())
    with PtyModem(modem) as sim:
        outcome = run.unlock(sim.path, vendor, 5.0, ids=modem.personality.ids, occasion=occasion)
        with sim.lock:
            kinds = [received.kind for received in modem.transcript]
    assert outcome.ok, outcome.reason
    assert not modem.locked
    assert kinds == EXPECTED[vendor, occasion]


def test_the_cli_tells_the_session_why_it_runs(monkeypatch):
    """The udev rule's command line is the hotplug path, a plain one the manual path."""
    from fcc_unlock.cli import unlock as cli_unlock
    from fcc_unlock.cli.args import quick_parse

    seen = []

    def fake_unlock(*args, occasion, **kwargs):
        seen.append(occasion)
        return run.Outcome.failed(args[0], args[1], None, run.ExitCode.OK, "")

    monkeypatch.setattr(cli_unlock, "unlock", fake_unlock)
    monkeypatch.setattr(cli_unlock, "report", lambda outcome, log, as_json: 0)
    cli_unlock.command(quick_parse(["--udev", "--method", "sierra", "--ids", "1199:9079", "/dev/pts/0"]))
    cli_unlock.command(quick_parse(["--method", "sierra", "/dev/pts/0"]))
    assert seen == [HOTPLUG, MANUAL]
