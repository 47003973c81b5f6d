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
            payload = describe_payload(item)
            if payload:
                lines.append(f"     {payload}")
    return lines


def describe_payload(item: Command | CommandDone | IndicateStatus) -> str | None:
    """What the information buffer says, where the MBIM catalogue can read it."""
    from fcc_unlock.mbim.catalog import describe_payload as describe_buffer

    is_set = isinstance(item, Command) and item.command_type == mbim.CommandType.SET
    reply = not isinstance(item, Command)
    return describe_buffer(item.service_id, item.cid, is_set, reply, item.information_buffer)


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
