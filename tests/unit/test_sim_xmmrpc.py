"""The simulated XMM7360 (sim/xmmrpc_modem.py) on its own: what it answers, in what order."""

from __future__ import annotations

import pytest

from fcc_unlock.sim.actions import HangUp, Write
from fcc_unlock.sim.xmmrpc_modem import CHALLENGES, LENOVO_KEY, RpcFaults, XmmRpcModem
from fcc_unlock.xmmrpc import catalog, codec


def replies(actions: list) -> list[codec.Reply]:
    frames = codec.FrameReader().feed(b"".join(a.data for a in actions if isinstance(a, Write)))
    return [codec.decode_reply(f) for f in frames]


def test_an_async_call_gets_an_ack_then_its_response():
    modem = XmmRpcModem()
    out = replies(modem.receive_data(catalog.build(catalog.FCC_LOCK_QUERY)))
    assert [r.kind for r in out] == [codec.ASYNC_ACK, codec.ASYNC_RESPONSE]
    assert out[1].code == 0x18F and out[1].elements() == [0, 0, 2]
    assert modem.locked and [r.kind for r in modem.transcript] == ["fcc-lock-query"]


def test_unsolicited_frames_come_before_the_ack_and_the_response():
    out = replies(
        XmmRpcModem(RpcFaults(unsolicited=True)).receive_data(catalog.build(catalog.FCC_LOCK_QUERY))
    )
    assert [r.kind for r in out] == [
        codec.UNSOLICITED,
        codec.ASYNC_ACK,
        codec.UNSOLICITED,
        codec.ASYNC_RESPONSE,
    ]


def test_only_the_response_to_the_last_challenge_opens_the_lock():
    modem = XmmRpcModem()
    for expected in CHALLENGES:
        (challenge,) = [
            r.elements()[1]
            for r in replies(modem.receive_data(catalog.build(catalog.FCC_LOCK_GEN_CHALLENGE)))
            if r.kind == codec.ASYNC_RESPONSE
        ]
        assert challenge == expected
    wrong = codec.challenge_response(CHALLENGES[0], LENOVO_KEY)  # an old challenge's response
    out = replies(modem.receive_data(catalog.build(catalog.FCC_LOCK_VER_CHALLENGE, wrong)))
    assert out[-1].elements() == [0] and modem.locked
    # a verify without a fresh challenge is refused too, even with a right-looking number
    right = codec.challenge_response(CHALLENGES[2], LENOVO_KEY)
    assert replies(modem.receive_data(catalog.build(catalog.FCC_LOCK_VER_CHALLENGE, right)))[
        -1
    ].elements() == [0]
    modem.receive_data(catalog.build(catalog.FCC_LOCK_GEN_CHALLENGE))
    right = codec.challenge_response(CHALLENGES[0], LENOVO_KEY)
    assert replies(modem.receive_data(catalog.build(catalog.FCC_LOCK_VER_CHALLENGE, right)))[
        -1
    ].elements() == [1]
    assert not modem.locked


def test_mode_set_answers_sync_then_its_rspcb_with_the_mode_tid():
    modem = XmmRpcModem(locked=False)
    out = replies(modem.receive_data(catalog.build(catalog.UTA_MODE_SET, 0, 15, 1)))
    assert [(r.kind, r.code, r.tid_word) for r in out[:2]] == [
        (codec.RESPONSE, 0x12F, codec.SYNC_TID_WORD),
        (codec.UNSOLICITED, 0x12D, 15),
    ]
    assert out[1].elements() == [1] and modem.radio_mode == 1


def test_a_locked_modem_stays_in_mode_0():
    modem = XmmRpcModem()
    out = replies(modem.receive_data(catalog.build(catalog.UTA_MODE_SET, 0, 15, 1)))
    assert out[1].elements() == [0] and modem.radio_mode == 0


def test_knobs():
    assert (
        XmmRpcModem(RpcFaults(never_answer=("unlock",))).receive_data(
            catalog.build(catalog.FCC_LOCK_VER_CHALLENGE, 1)
        )
        == []
    )
    assert isinstance(
        XmmRpcModem(RpcFaults(hang_up_on="fcc-lock-query")).receive_data(
            catalog.build(catalog.FCC_LOCK_QUERY)
        )[0],
        HangUp,
    )
    joined = XmmRpcModem(RpcFaults(joined=True)).receive_data(catalog.build(catalog.FCC_LOCK_QUERY))
    assert len(joined) == 1 and len(replies(joined)) == 2
    assert XmmRpcModem(lock_mode=0).locked is False
    with pytest.raises(ValueError, match="unknown kind"):
        RpcFaults(never_answer=("radio-state",))


def test_bytes_that_are_no_frame_are_recorded_not_answered():
    modem = XmmRpcModem()
    assert modem.receive_data(b"\xff" * 8) == []
    assert modem.errors and modem.transcript == []
