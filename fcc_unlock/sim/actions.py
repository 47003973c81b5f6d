"""What the simulated modem does in answer to the host: write a transfer, or vanish.

The model returns these (no I/O); the front-ends (pty.py, gadget.py) carry them out,
and hostile.py rewrites them.
"""

from __future__ import annotations


class Write:
    """Write these bytes to the host, as one transfer.

    ``delay``: seconds the transfer is held back beyond the reply's latency (a stalling
    modem, sim/hostile.py). Transfers still go out in order: one held back holds back
    those after it, as on a real byte stream.
    """

    __slots__ = ("data", "delay")

    def __init__(self, data: bytes, delay: float = 0.0) -> None:
        self.data = data
        self.delay = delay

    def __repr__(self) -> str:
        held = f", delay={self.delay:g}" if self.delay else ""
        return f"Write({len(self.data)} bytes{held})"


class HangUp:
    """The modem disappears (unplug)."""

    def __repr__(self) -> str:
        return "HangUp()"
