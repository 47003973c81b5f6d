"""MBIM codec: bytes in, typed messages out, and back. No I/O, no clocks, no globals.

Import the submodules you need; this package keeps its own import cheap because the
hotplug path pays for every module it loads.
"""
