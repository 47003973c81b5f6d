"""QMUX codec: QMI frames, TLVs and the messages FCC unlock needs. No I/O.

Import the submodules you need; this package keeps its own import cheap.
"""
