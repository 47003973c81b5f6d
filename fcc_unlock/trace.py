"""Human-readable lines for ``-v``: every MBIM message, and the QMI frame inside it."""

from __future__ import annotations

from fcc_unlock.mbim import constants as mbim
from fcc_unlock.mbim.messages import Command, CommandDone, IndicateStatus, Message, describe


def format_event(direction: str, item: object) -> list[str]:
    """Lines describing one traced item: a message sent (->), received (<-) or a note."""
    if not isinstance(item, Message):
        return [f"   {item}"]
    lines = [f"{direction} MBIM {describe(item)}"]
    if isinstance(item, (Command, CommandDone, IndicateStatus)) and item.service_id == mbim.QMI:
        if item.information_buffer:
            lines.append(f"     {describe_qmi(item.information_buffer)}")
    return lines


def describe_qmi(frame: bytes) -> str:
    from fcc_unlock.qmi.messages import DecodeError, decode

    try:
        message = decode(frame)
    except DecodeError as error:
        return f"QMI (undecodable: {error}) {frame.hex()}"
    head = (
        f"QMI {message.name} {message.kind.name.lower()}"
        f" client={message.client_id} tid={message.transaction_id}"
    )
    parts = []
    for tlv_type, value in message.tlvs:
        if tlv_type == 0x02 and message.kind.name == "RESPONSE" and len(value) == 4:
            status, code = int.from_bytes(value[:2], "little"), int.from_bytes(value[2:], "little")
            if status == 0 and code == 0:
                parts.append("result=success")
            else:
                from fcc_unlock.qmi.errors import describe as describe_error

                parts.append(f"result=failure {describe_error(code)}")
        else:
            parts.append(f"0x{tlv_type:02x}={_value(value)}")
    return " ".join([head, *parts])


def _value(value: bytes) -> str:
    if len(value) > 2 and all(32 <= b < 127 for b in value):
        return repr(value.decode("ascii"))
    return value.hex() or "''"
