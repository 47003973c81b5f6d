"""The Intel FCC_LOCK and T99W696 FOXAP exchanges, read by libmbim 1.28 and libqmi 1.32.

Neither library knows these services (libmbim ≥ 1.30 has the Intel one; no libqmi
release has 0xE4, and ``nm -D`` shows no such symbols in Debian 12's), so they act as
independent generic decoders: libmbim validates every message of a real unlock and
reads back its header, service, CID, type and information buffer; libqmi parses every
QMUX frame, on service 0xE4 too, and reads back its header and TLVs.
"""

from __future__ import annotations

import glib_peers
import pytest

from fcc_unlock import run
from fcc_unlock.host.keys import Key
from fcc_unlock.mbim import constants as mbim
from fcc_unlock.mbim import intel
from fcc_unlock.mbim.messages import Command, CommandDone, DecodeError, Message, decode
from fcc_unlock.qmi import messages as qmi
from fcc_unlock.qmi.constants import Kind, Service
from fcc_unlock.sim.model import SimModem, Write
from fcc_unlock.sim.personalities import PERSONALITIES
from fcc_unlock.sim.pty import PtyModem

DELL = Key.from_model_id("DW5823EFCCLOCK", "test")


def conversation(vendor: str, key: Key | None) -> tuple[list[Message], list[Message]]:
    """(what our client sent in a real unlock, what a fresh simulator answers to it)."""
    modem = SimModem(PERSONALITIES[vendor]())
    with PtyModem(modem) as sim:
        outcome = run.unlock(sim.path, vendor, 5.0, ids="x", key=key)
    assert outcome.ok, outcome.reason
    sent = [received.message for received in modem.transcript]
    replay = SimModem(PERSONALITIES[vendor]())
    answers = []
    for message in sent:
        for action in replay.receive_data(message.encode()):
            assert isinstance(action, Write)
            answers.append(decode(action.data))
    assert not replay.locked  # the replay unlocked it too: the same conversation
    return sent, answers


def assert_libmbim_reads_it_as_we_do(message: Message) -> glib_peers.MbimView:
    view = glib_peers.mbim_decode(message.encode())
    assert (view.message_type, view.transaction_id) == (message.message_type, message.transaction_id)
    assert view.message_length == len(message.encode())
    if isinstance(message, (Command, CommandDone)):
        assert (view.service_id, view.cid) == (message.service_id, message.cid)
        assert view.information_buffer == message.information_buffer
    if isinstance(message, Command):
        assert view.command_type == message.command_type
    if isinstance(message, CommandDone):
        assert view.status == message.status
    return view


def test_intel_unlock_read_by_libmbim(peers):
    sent, answers = conversation("intel-mbim", DELL)
    intel_sets = []
    for message in sent + answers:
        view = assert_libmbim_reads_it_as_we_do(message)
        if getattr(message, "service_id", None) == mbim.INTEL_MUTUAL_AUTHENTICATION:
            assert view.service_name == "invalid"  # unknown to 1.28: read generically
            if isinstance(message, Command) and message.command_type == mbim.CommandType.SET:
                intel_sets.append(view.information_buffer)
    assert intel_sets == [intel.fcc_lock_set(0, 0), bytes.fromhex("01000000ffcbe872")]


def test_foxap_unlock_read_by_libmbim_and_libqmi(peers):
    sent, answers = conversation("foxconn-e4", None)
    frames = []
    for message in sent + answers:
        assert_libmbim_reads_it_as_we_do(message)
        if isinstance(message, (Command, CommandDone)) and message.service_id == mbim.QMI:
            frames.append(qmi.decode(message.information_buffer))
    foxap = [f for f in frames if f.service == Service.FOXAP]
    assert [f.kind for f in foxap] == [Kind.REQUEST, Kind.RESPONSE]
    for frame in frames:
        view = glib_peers.qmi_decode(frame.encode(), printable=True)
        ours = (frame.service, frame.client_id, frame.transaction_id, frame.message_id)
        assert (view.service, view.client_id, view.transaction_id, view.message_id) == ours
        assert view.kind == frame.kind.name.lower()
        assert view.tlvs == [tuple(t) for t in frame.tlvs]
        assert view.consumed == len(frame.encode())
        if frame.kind is Kind.RESPONSE:
            assert view.result == frame.result()
    request = glib_peers.qmi_decode(foxap[0].encode())
    assert request.message_id == 0x5571 and request.tlvs[1] == (0x02, b"0")
    assert len(request.tlvs[0][1]) == 36


@pytest.mark.parametrize("size", [0, 4, 7])
def test_libmbim_and_we_both_accept_a_short_intel_reply_as_a_message(peers, size):
    # A reply too short for its payload is a valid MBIM message with a bad body: libmbim
    # validates the frame, and our payload parser (not the framing) refuses it.
    done = CommandDone(9, mbim.INTEL_MUTUAL_AUTHENTICATION, 1, 0, bytes(size))
    assert_libmbim_reads_it_as_we_do(done)
    with pytest.raises(DecodeError, match="too short"):
        intel.parse_challenge(done.information_buffer)
