"""Where a run's words go: the result line, and the ``-v`` trace.

On a terminal, or under systemd (which sets JOURNAL_STREAM and sends stderr to the
journal), lines go to stderr. Elsewhere (udev RUN, ModemManager's dispatcher, which
both throw output away) they go to syslog as well, so the journal gets them.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

IDENT = "fcc-unlock"


def wants_syslog(destination: str, stream: TextIO) -> bool:
    if destination == "syslog":
        return True
    if destination == "stderr":
        return False
    interactive = hasattr(stream, "isatty") and stream.isatty()
    return not interactive and "JOURNAL_STREAM" not in os.environ


class Log:
    def __init__(
        self, destination: str = "auto", verbose: bool = False, stream: TextIO | None = None
    ) -> None:
        self.stream = sys.stderr if stream is None else stream
        self.verbose = verbose
        self.to_stream = destination != "syslog"
        self.to_syslog = wants_syslog(destination, self.stream)
        if self.to_syslog:
            import syslog

            syslog.openlog(IDENT, syslog.LOG_PID, syslog.LOG_DAEMON)

    def result(self, line: str, ok: bool) -> None:
        """The one line a run leaves behind."""
        if self.to_stream:
            print(f"{IDENT}: {line}", file=self.stream, flush=True)
        if self.to_syslog:
            import syslog

            syslog.syslog(syslog.LOG_INFO if ok else syslog.LOG_ERR, line)

    def trace(self, direction: str, item: object) -> None:
        """One traced message or note (``-v``); to the stream only."""
        if not self.verbose:
            return
        from fcc_unlock.trace import format_event

        for line in format_event(direction, item):
            print(line, file=self.stream, flush=True)
