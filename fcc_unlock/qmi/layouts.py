"""Every QMUX/QMI binary layout, declared once, with construct.

Single source of the QMI wire formats (docs/protocol.md §3.3-§4). The fixed-size layouts
named in ``HOT`` are compiled into ``_structs.py`` by ``python -m fcc_unlock.tools.codegen``
so the hotplug path need not import construct.

A QMUX frame is: QmuxHeader, then a CTL header (service 0, 8-bit transaction id) or a
service header (16-bit transaction id), then ``tlv_length`` bytes of TLVs.
"""

from construct import Int8ul, Int16ul, Struct

QmuxHeader = Struct(
    "marker" / Int8ul,  # 0x01 for QMUX
    "length" / Int16ul,  # bytes after the marker
    "qmux_flags" / Int8ul,  # 0x00 host -> modem, 0x80 modem -> host
    "service" / Int8ul,
    "client_id" / Int8ul,
)

CtlHeader = Struct(
    "ctl_flags" / Int8ul,  # 0 request, 1 response, 2 indication
    "transaction_id" / Int8ul,
    "message_id" / Int16ul,
    "tlv_length" / Int16ul,
)

ServiceHeader = Struct(
    "service_flags" / Int8ul,  # 0 request, 2 response, 4 indication (1 compound)
    "transaction_id" / Int16ul,
    "message_id" / Int16ul,
    "tlv_length" / Int16ul,
)

TlvHeader = Struct(
    "type" / Int8ul,
    "length" / Int16ul,
)

# --- TLV values ---------------------------------------------------------------------

# TLV 0x02 of every response.
Result = Struct(
    "status" / Int16ul,  # 0 success, 1 failure
    "error" / Int16ul,  # QmiError
)

# A single u8: CTL Allocate CID request (service), DMS operating mode, Foxconn
# firmware version type, Foxconn v1 magic, Foxconn v2 magic number.
U8 = Struct("value" / Int8ul)

# CTL Allocate CID response TLV 0x01 and Release CID request/response TLV 0x01.
ClientId = Struct(
    "service" / Int8ul,
    "client_id" / Int8ul,
)

# DMS Get Operating Mode TLV 0x10: offline reason flags.
U16 = Struct("value" / Int16ul)

HOT = (
    "QmuxHeader",
    "CtlHeader",
    "ServiceHeader",
    "TlvHeader",
    "Result",
    "U8",
    "U16",
    "ClientId",
)
