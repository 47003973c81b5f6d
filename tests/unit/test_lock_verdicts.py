"""What each lock signal proves, and how the verdict weighs them (lockstate.py)."""

import pytest

from fcc_unlock import lockstate
from fcc_unlock.lockstate import (
    LOCKED,
    RADIO_OFF_BY_HARDWARE_SWITCH,
    UNKNOWN,
    UNLOCKED,
    decide,
    operating_mode_evidence,
    quectel_evidence,
    radio_state_evidence,
)


@pytest.mark.parametrize(
    ("hardware", "software", "shows"),
    [
        (0, 0, RADIO_OFF_BY_HARDWARE_SWITCH),
        (0, 1, RADIO_OFF_BY_HARDWARE_SWITCH),
        (1, 1, UNLOCKED),
        (1, 0, None),  # locked, or just not switched on: not proof either way
        (1, 7, None),
        (7, 1, None),
    ],
)
def test_radio_state(hardware, software, shows):
    assert radio_state_evidence(hardware, software).shows == shows


@pytest.mark.parametrize(
    ("mode", "restricted", "shows"),
    [
        (0, False, UNLOCKED),  # online
        (0, None, UNLOCKED),
        (1, False, None),  # low power: where locked modems sit, and airplane mode too
        (6, False, None),  # persistent low power: the same
        (7, None, None),
        (3, False, None),  # offline
        (1, True, RADIO_OFF_BY_HARDWARE_SWITCH),
        (0xFF, None, None),
        (0x42, None, None),
    ],
)
def test_operating_mode(mode, restricted, shows):
    assert operating_mode_evidence(mode, restricted).shows == shows


@pytest.mark.parametrize(
    ("state", "shows"), [(4, LOCKED), (0, UNLOCKED), (1, UNLOCKED), (2, None), (5, None)]
)
def test_quectel_radio_state_is_a_direct_answer(state, shows):
    assert quectel_evidence(state).shows == shows


def test_low_power_alone_is_unknown_not_locked():
    verdict = decide([radio_state_evidence(1, 0), operating_mode_evidence(6, False)])
    assert verdict.state == UNKNOWN
    assert verdict.deciding() == verdict.evidence


def test_hardware_switch_is_not_reported_as_a_lock():
    verdict = decide([radio_state_evidence(0, 0), operating_mode_evidence(1, True)])
    assert verdict.state == RADIO_OFF_BY_HARDWARE_SWITCH
    assert len(verdict.deciding()) == 2


def test_a_direct_lock_answer_wins_over_the_switch():
    verdict = decide([radio_state_evidence(0, 0), quectel_evidence(4)])
    assert verdict.state == LOCKED
    assert [e.signal for e in verdict.deciding()] == [lockstate.QUECTEL_RADIO_STATE]


def test_switch_wins_over_unlocked():
    assert decide([radio_state_evidence(0, 0), quectel_evidence(0)]).state == RADIO_OFF_BY_HARDWARE_SWITCH


def test_radio_on_means_unlocked():
    assert decide([radio_state_evidence(1, 1), operating_mode_evidence(1, False)]).state == UNLOCKED


def test_no_evidence_is_unknown():
    assert decide([]).state == UNKNOWN
    assert decide([lockstate.unavailable(lockstate.RADIO_STATE, "no reply")]).state == UNKNOWN


def test_verdict_as_dict_lists_every_signal():
    document = decide([radio_state_evidence(1, 0), quectel_evidence(4)]).as_dict()
    assert document["verdict"] == LOCKED
    assert [e["signal"] for e in document["evidence"]] == ["mbim-radio-state", "quectel-radio-state"]
    assert document["evidence"][1]["shows"] == LOCKED


def test_unlocked_result_mentions_the_hardware_switch():
    assert lockstate.unlocked(decide([radio_state_evidence(1, 0)])) == "unlocked"
    assert lockstate.unlocked(decide([radio_state_evidence(1, 0)]), "v2") == "unlocked (v2)"
    assert "rfkill" in lockstate.unlocked(decide([radio_state_evidence(0, 0)]))
