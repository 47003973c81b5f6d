"""Transports: how MBIM bytes reach the modem (character device, mbim-proxy socket).

Every transport offers the same small surface, so the session never knows which one
it drives::

    name: str                  # for logs: "cdc-wdm0", "mbim-proxy:/dev/cdc-wdm0"
    max_control_transfer: int  # largest single write the device accepts
    write(data, deadline)      # one control transfer; raises on timeout or vanish
    read(deadline) -> bytes    # what arrived, or b"" once the deadline passed
    close()

Deadlines are absolute ``time.monotonic()`` values.
"""
