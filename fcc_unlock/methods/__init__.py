"""Vendor unlock procedures, one module each, all with the same surface::

    status(session) -> lockstate.Verdict  # the method's own lock question; changes nothing
    unlock(session) -> str                # "unlocked ..." or "already unlocked";
                                          # raises FccUnlockError

``unlock`` asks the ``status`` question first: a modem that shows it is not locked
gets no unlock request. Modules are imported by name only when chosen, so a run loads
one procedure.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Protocol

    from fcc_unlock.lockstate import Verdict
    from fcc_unlock.session import MbimSession

    class Method(Protocol):
        """The one surface of a vendor procedure (each module here is one)."""

        def status(self, session: MbimSession) -> Verdict: ...

        def unlock(self, session: MbimSession) -> str: ...


METHODS = ("sierra", "foxconn", "quectel")


def load(name: str) -> Method:
    if name not in METHODS:
        raise ValueError(f"unknown method {name!r}; one of: {', '.join(METHODS)}")
    # __import__ with a fromlist returns the submodule itself; importlib would cost
    # the hotplug path an import of its own.
    return __import__(f"{__name__}.{name}", fromlist=["unlock"])
