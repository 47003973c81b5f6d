"""AT commands on a serial AT port (/dev/wwan0at0, a USB serial ttyUSB/ttyACM).

``codec`` turns bytes into lines and lines into replies (no I/O), ``catalog`` names
every command once, ``fcclock`` is the FCC challenge-response arithmetic and
``session`` does the I/O with deadlines (docs/at.md).
"""
