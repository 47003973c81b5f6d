"""What every mode prints with: the result (line and JSON), and the watchdog."""

from __future__ import annotations

import os

from fcc_unlock.errors import ExitCode, Timeout
from fcc_unlock.host.log import print_document

TYPE_CHECKING = False
# signal's C half at run time: the Python half wraps the numbers in enums, and enum
# costs the hotplug path more than a round trip to the modem (docs/architecture.md §5).
if TYPE_CHECKING:
    import signal
else:
    import _signal as signal
if TYPE_CHECKING:
    from types import FrameType

    from fcc_unlock.host.log import Log
    from fcc_unlock.run import Outcome

WATCHDOG_GRACE = 0.5  # past the timeout before the watchdog interrupts a stuck call


def report(outcome: Outcome, log: Log, as_json: bool) -> int:
    """The result line (log), the JSON document if asked for, and the exit status."""
    log.result(outcome.line(), outcome.ok)
    if as_json:
        import json

        print_document(json.dumps(outcome.as_dict()))
    return int(outcome.exit_code)


class watchdog:
    """Interrupt the run if it outlives ``timeout`` + WATCHDOG_GRACE (a stuck syscall, a bug).

    The first alarm raises Timeout where the program is; if cleanup then hangs too,
    the second one ends the process with the timeout exit code. Leaving the block
    disarms it and puts back what was there before.
    """

    def __init__(self, timeout: float) -> None:
        self.seconds = timeout + WATCHDOG_GRACE
        self.previous: object = None

    def __enter__(self) -> watchdog:
        self.previous = signal.signal(signal.SIGALRM, _first_alarm)
        signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, *exc_info: object) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self.previous)  # type: ignore[arg-type]


def _second_alarm(signum: int, frame: FrameType | None) -> None:
    os._exit(ExitCode.TIMEOUT)


def _first_alarm(signum: int, frame: FrameType | None) -> None:
    signal.signal(signal.SIGALRM, _second_alarm)
    signal.setitimer(signal.ITIMER_REAL, WATCHDOG_GRACE)
    raise Timeout("hard deadline reached")
