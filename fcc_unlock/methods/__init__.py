"""Vendor unlock procedures, one module each, all with the same surface::

    unlock(session) -> str   # "unlocked" or "already unlocked"; raises FccUnlockError

Modules are imported by name only when chosen, so a run loads one procedure.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import ModuleType

METHODS = ("sierra",)


def load(name: str) -> ModuleType:
    if name not in METHODS:
        raise ValueError(f"unknown method {name!r}; one of: {', '.join(METHODS)}")
    return importlib.import_module(f"fcc_unlock.methods.{name}")
