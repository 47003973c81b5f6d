"""fcc-unlock: FCC-unlock laptop WWAN modems over MBIM (QMI-over-MBIM or vendor MBIM)."""

__version__ = "0.1.0"
