"""Every fixed XMM RPC binary layout, declared once, with construct (docs/xmmrpc.md §1).

The frame mixes byte orders: the length prefix is little-endian, everything after it
big-endian. A struct format has one byte order, so the prefix is a layout of its own.
``python -m fcc_unlock.tools.codegen`` compiles ``HOT`` into ``_structs.py``, which the
codec uses, so construct stays off the hot path.
"""

from construct import Bytes, Int8ub, Int16ub, Int32ub, Int32ul, Struct

# The first four bytes: how many bytes follow (docs/xmmrpc.md §1.1).
Prefix = Struct("length" / Int32ul)

# What follows the prefix: asn_int4(length), asn_int4(code), the raw tid word.
Header = Struct(
    "length_tag" / Bytes(2),  # 02 04
    "length" / Int32ub,  # the prefix's length again
    "code_tag" / Bytes(2),  # 02 04
    "code" / Int32ub,  # call id, RspCb id or unsolicited id
    "tid_word" / Int32ub,  # 0x11000100 sync, 0x11000100 | tid async (no tag)
)

# The value of an integer element after its ``02 <size>`` tag (docs/xmmrpc.md §1.3).
Int1 = Struct("value" / Int8ub)
Int2 = Struct("value" / Int16ub)
Int4 = Struct("value" / Int32ub)

HOT = ("Prefix", "Header", "Int1", "Int2", "Int4")
