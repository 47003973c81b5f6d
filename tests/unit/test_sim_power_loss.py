"""The simulated modem's power loss (sim/model.py ``power_loss``, the gadget's SIGUSR1):
it comes back FCC-locked, with no session, no QMI clients and its SIM asked again,
as a modem does after a suspend that cut its slot's power."""

from __future__ import annotations

from fcc_unlock.mbim import constants as mbim
from fcc_unlock.mbim.messages import Command, CommandDone, FunctionError, Open, decode
from fcc_unlock.sim.faults import Faults
from fcc_unlock.sim.model import SimModem
from fcc_unlock.sim.personalities import PERSONALITIES


def answers(modem: SimModem, message) -> list:
    return [decode(action.data) for action in modem.receive_data(message.encode())]


def test_power_loss_relocks_and_forgets_the_session() -> None:
    modem = SimModem(PERSONALITIES["sierra"]())
    answers(modem, Open(1, 4096))
    modem.unlock()
    assert modem.radio_on()
    modem.clients[1] = 2
    modem.power_loss()
    assert modem.locked and not modem.software_radio_on and not modem.is_open
    assert modem.clients == {}
    assert modem.power_losses == [1]  # where in the transcript the power went
    # No session: a command before a new OPEN is refused as NOT_OPENED.
    query = Command(2, mbim.BASIC_CONNECT, mbim.BasicConnectCid.RADIO_STATE, mbim.CommandType.QUERY, b"")
    (reply,) = answers(modem, query)
    assert isinstance(reply, FunctionError) and reply.error_code == mbim.ProtocolErrorCode.NOT_OPENED
    # Re-opened, RADIO_STATE ON is refused again: the FCC lock is back.
    answers(modem, Open(3, 4096))
    on = Command(4, mbim.BASIC_CONNECT, mbim.BasicConnectCid.RADIO_STATE, mbim.CommandType.SET, b"\x01\0\0\0")
    (reply,) = answers(modem, on)
    assert isinstance(reply, CommandDone) and reply.status == mbim.Status.OPERATION_NOT_ALLOWED


def test_power_loss_asks_for_the_pin_again() -> None:
    modem = SimModem(PERSONALITIES["sierra"](), Faults(pin_locked=True))
    modem.subscriber().pin_required = False  # the PIN was entered
    modem.power_loss()
    assert modem.subscriber().pin_required
