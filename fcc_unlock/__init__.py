"""fcc-unlock: FCC-unlock laptop WWAN modems over MBIM (QMI-over-MBIM or vendor MBIM).

The package root also holds ``Layout``, the one helper both codecs' generated layouts
(mbim/_structs.py, qmi/_structs.py) are made of: here it costs no import of its own
on the hotplug path (docs/architecture.md, "Start-up").
"""

from _struct import Struct  # struct's C half: the Python half would be one more import

__version__ = "0.1.0"


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
