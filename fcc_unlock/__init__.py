"""fcc-unlock: FCC-unlock laptop WWAN modems over MBIM, QMI, AT and XMM RPC.

The package root also holds the two helpers every part is made of, where they cost no
import of their own on the hotplug path (docs/architecture.md §5): ``Layout``, of which
the codecs' generated layouts (mbim/_structs.py, qmi/_structs.py, xmmrpc/_structs.py)
are made, and ``IntNames``, the named integers of the protocols and the exit statuses.
"""

from __future__ import annotations

from _struct import Struct  # struct's C half: the Python half would be one more import

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__version__ = "0.1.0"
__all__ = ["IntNames", "Layout", "__version__", "sha256"]


class Layout(Struct):
    """A struct.Struct whose fields have names: pack and unpack by name."""

    __slots__ = ("names",)

    def __init__(self, format: str, names: tuple[str, ...]) -> None:
        super().__init__(format)
        self.names = names

    def unpack_dict(self, buffer: bytes, offset: int = 0) -> dict[str, object]:
        return dict(zip(self.names, self.unpack_from(buffer, offset)))

    def pack_dict(self, **values: object) -> bytes:
        return self.pack(*(values[name] for name in self.names))


class _NamedInts(type):
    """The metaclass of IntNames: each UPPER_CASE int of a class body becomes a member,
    an int of the class that knows its name; ``Cls(value)`` finds it (ValueError if
    none has that value), iterating gives them in order (an alias, a second name of a
    value, is no member of its own)."""

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, object]) -> _NamedInts:
        cls = super().__new__(mcs, name, bases, namespace)
        make: Any = int.__new__
        by_value: dict[int, Any] = {}
        for key, value in namespace.items():
            if key.isupper() and type(value) is int:
                member = by_value.get(value)
                if member is None:
                    member = make(cls, value)
                    member._name_ = key
                    by_value[value] = member
                setattr(cls, key, member)
        cls._by_value = by_value  # type: ignore[attr-defined]
        return cls

    def __call__(cls, value: object) -> object:
        try:
            return cls._by_value[value]  # type: ignore[attr-defined]
        except (KeyError, TypeError):
            raise ValueError(f"{value!r} is not a valid {cls.__name__}") from None

    def __iter__(cls) -> object:
        return iter(cls._by_value.values())  # type: ignore[attr-defined]

    def __len__(cls) -> int:
        return len(cls._by_value)  # type: ignore[attr-defined]


class _IntNames(int, metaclass=_NamedInts):
    """IntEnum's surface that fcc-unlock uses (``.name``, ``Cls(value)``, iteration, int
    arithmetic and formatting), without importing enum: on the hotplug path enum and
    what it imports cost more than a round trip to the modem (docs/architecture.md §5)."""

    @property
    def name(self) -> str:
        return self._name_  # type: ignore[attr-defined,no-any-return]

    def __repr__(self) -> str:
        return f"<{type(self).__name__}.{self.name}: {int(self)}>"

    __str__ = int.__repr__
    __format__ = int.__format__

    def __reduce__(self) -> tuple[object, tuple[int]]:
        return type(self), (int(self),)


# mypy checks the named integers as the IntEnums they behave as; at run time they are ours.
if TYPE_CHECKING:
    from enum import IntEnum as IntNames
else:
    IntNames = _IntNames


def sha256(data: bytes) -> bytes:
    """SHA-256 of ``data`` by CPython's own C module (_sha256 up to 3.11, _sha2 from
    3.12): hashlib loads and sets up OpenSSL first, which costs the hotplug path more
    than a round trip to the modem (docs/architecture.md §5). The keys and every
    challenge-response method hash with this."""
    for name in ("_sha2", "_sha256"):
        try:
            module: Any = __import__(name)
        except ImportError:
            continue
        return bytes(module.sha256(data).digest())
    import hashlib  # a Python built without them

    return hashlib.sha256(data).digest()
