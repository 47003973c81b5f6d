"""Human-readable lines for ``-v``: every MBIM message, and the QMI frame inside it."""

from __future__ import annotations

from fcc_unlock.mbim import constants as mbim
from fcc_unlock.mbim.messages import Command, CommandDone, IndicateStatus, Message, describe


def format_event(direction: str, item: object) -> list[str]:
    """Lines describing one traced item: a message sent (->), received (<-) or a note."""
    if not isinstance(item, Message):
        return [f"   {item}"]
    lines = [f"{direction} MBIM {describe(item)}"]
    if isinstance(item, (Command, CommandDone, IndicateStatus)) and item.information_buffer:
        if item.service_id == mbim.QMI:
            lines.append(f"     {describe_qmi(item.information_buffer)}")
        else:
            payload = describe_radio_state(item)
            if payload:
                lines.append(f"     {payload}")
    return lines


def describe_radio_state(item: Command | CommandDone | IndicateStatus) -> str | None:
    """The radio switches of Basic Connect and Quectel RADIO_STATE, in words."""
    from fcc_unlock.mbim import basic_connect, quectel
    from fcc_unlock.mbim.messages import DecodeError

    buffer = item.information_buffer
    try:
        if item.service_id == mbim.QUECTEL and item.cid == mbim.QUECTEL_RADIO_STATE_CID:
            return f"Quectel radio state = {quectel.describe_radio_state(quectel.parse_radio_state(buffer))}"
        if item.service_id == mbim.BASIC_CONNECT and item.cid == mbim.BasicConnectCid.RADIO_STATE:
            if isinstance(item, Command):
                return f"radio state = {_switch(basic_connect.parse_radio_state_set(buffer))}"
            hardware, software = basic_connect.parse_radio_state(buffer)
            return f"hardware radio = {_switch(hardware)}, software radio = {_switch(software)}"
    except DecodeError as error:
        return f"(undecodable: {error})"
    return None


def describe_qmi(frame: bytes) -> str:
    """``QMI DMS Get IDs response client=1 tid=3 result=success imei='35...'``: the
    TLVs by their catalogue names (qmi/catalog.py), as ``qmicli -v`` names them."""
    from fcc_unlock.qmi.catalog import describe_tlvs
    from fcc_unlock.qmi.messages import DecodeError, decode

    try:
        message = decode(frame)
    except DecodeError as error:
        return f"QMI (undecodable: {error}) {frame.hex()}"
    head = (
        f"QMI {message.name} {message.kind.name.lower()}"
        f" client={message.client_id} tid={message.transaction_id}"
    )
    return " ".join([head, *describe_tlvs(message)])


def _switch(value: int) -> str:
    return {0: "off", 1: "on"}.get(value, str(value))
