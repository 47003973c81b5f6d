"""Proxy Control payloads: what a client of mbim-proxy says before anything else.

The service (UUID 838cf7fb-8d0d-4d7f-871e-d71dbefbb39b) is answered by the proxy
itself, never forwarded to a modem (docs/protocol.md §6.2):

* CONFIGURATION (CID 1), SET only: ``OL DevicePath`` (UTF-16LE) and ``u32 Timeout``
  (seconds the proxy may spend opening the device). The reply has no payload; its
  status says whether the proxy took the device.
* VERSION (CID 2), notification only: the MBIM and MBIMEx versions the proxy
  negotiated with the device, each ``major << 8 | minor``.

Both fixed parts are on the hot path (a run through the proxy), so they use the
generated structs.
"""

from __future__ import annotations

from fcc_unlock.mbim import _structs as wire
from fcc_unlock.mbim.infobuffer import VariableData, read_string
from fcc_unlock.mbim.messages import DecodeError

MAX_TIMEOUT = 0xFFFFFFFF


def configuration(device_path: str, timeout: int) -> bytes:
    """The CONFIGURATION SET information buffer for ``device_path``."""
    if not device_path:
        raise ValueError("the proxy needs a device path")
    if not 0 <= timeout <= MAX_TIMEOUT:
        raise ValueError(f"timeout {timeout} does not fit in 32 bits")
    variable = VariableData(wire.PROXY_CONFIGURATION_FIXED.size)
    path = variable.add_string(device_path)
    fixed = wire.PROXY_CONFIGURATION_FIXED.pack(path["offset"], path["size"], timeout)
    return fixed + bytes(variable.data)


def parse_configuration(buffer: bytes) -> tuple[str, int]:
    """(device path, timeout) of a CONFIGURATION SET buffer: the proxy's side."""
    if len(buffer) < wire.PROXY_CONFIGURATION_FIXED.size:
        raise DecodeError(f"proxy CONFIGURATION of {len(buffer)} bytes is too short")
    offset, size, timeout = wire.PROXY_CONFIGURATION_FIXED.unpack_from(buffer)
    path = read_string(buffer, offset, size, "proxy CONFIGURATION device path")
    if not path:
        raise DecodeError("proxy CONFIGURATION without a device path")
    return path, timeout


def version(mbim_version: int, mbim_extended_version: int) -> bytes:
    return wire.PROXY_VERSION.pack(mbim_version, mbim_extended_version)


def parse_version(buffer: bytes) -> tuple[int, int]:
    """(MBIM version, MBIMEx version) of a VERSION notification."""
    if len(buffer) < wire.PROXY_VERSION.size:
        raise DecodeError(f"proxy VERSION of {len(buffer)} bytes is too short")
    return wire.PROXY_VERSION.unpack_from(buffer)


def describe_version(value: int) -> str:
    """``0x0300`` -> ``3.0``."""
    return f"{value >> 8}.{value & 0xFF}"
