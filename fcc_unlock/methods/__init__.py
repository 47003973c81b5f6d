"""Vendor unlock procedures, one module each, all with the same surface::

    PORT_TYPE = "MBIM"                    # the port it speaks on: "MBIM", "AT" or "XMMRPC"
                                          # (absent: "MBIM"); decides the session it gets
    KEYED = False                         # True: unlock() takes the per-OEM key too
    status(session) -> lockstate.Verdict  # the method's own lock question; changes nothing
    unlock(session) -> str                # "unlocked ..." or "already unlocked";
    unlock(session, key) -> str           #   (KEYED: key is a host.keys.Key);
                                          # raises FccUnlockError

The session is an MbimSession for MBIM methods, an at.session.AtSession for AT ones and
an xmmrpc.session.RpcSession for XMM RPC ones (run.py opens the right one).

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


METHODS = (
    "sierra",
    "foxconn",
    "quectel",
    "intel-mbim",
    "foxconn-e4",
    "fm350-at",
    "l860-at",
    "rw101-at",
    "xmm7360-rpc",
)
PORT_TYPES = ("MBIM", "AT", "XMMRPC")


def load(name: str) -> Method:
    if name not in METHODS:
        raise ValueError(f"unknown method {name!r}; one of: {', '.join(METHODS)}")
    # __import__ with a fromlist returns the submodule itself; importlib would cost
    # the hotplug path an import of its own.
    return __import__(f"{__name__}.{name.replace('-', '_')}", fromlist=["unlock"])


def port_type(method: object) -> str:
    """The port a loaded method speaks on (see above)."""
    return getattr(method, "PORT_TYPE", "MBIM")


def keyed(method: object) -> bool:
    return bool(getattr(method, "KEYED", False))
