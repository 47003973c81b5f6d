"""tshark as a third MBIM implementation: dissect recorded transfers as MBIM control
messages and hand back every field it found.

The transfers go into a classic pcap with link type DLT_USER0 (147), which a
``user_dlts`` preference maps to Wireshark's ``mbim.control`` dissector (Debian 12's
tshark 4.0). The output is PDML, which carries for each field its value as shown, its
display name (e.g. ``CID: RADIO_STATE (3)``), its position and raw bytes, plus any
expert info (malformed packets, dissector warnings). Wireshark's configuration is
isolated in a temporary directory so user preferences cannot change the result.
"""

from __future__ import annotations

import os
import struct
import subprocess
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path

DLT_USER0 = 147
MBIM_PREFERENCE = 'uat:user_dlts:"User 0 (DLT=147)","mbim.control","0","","0",""'
TSHARK_SECONDS = 60


@dataclass
class Field:
    show: str
    showname: str
    pos: int
    size: int
    value: str  # raw bytes, hex


@dataclass
class Frame:
    fields: dict[str, list[Field]] = field(default_factory=dict)
    experts: list[str] = field(default_factory=list)  # expert infos and malformed markers

    def all(self, name: str) -> list[Field]:
        return self.fields.get(name, [])

    def one(self, name: str) -> Field:
        found = self.all(name)
        assert len(found) == 1, f"{name}: expected one field, found {len(found)}"
        return found[0]

    def show(self, name: str) -> str:
        return self.one(name).show

    def number(self, name: str) -> int:
        return int(self.show(name), 0)


def write_pcap(path: Path, transfers: list[bytes]) -> None:
    """A little-endian pcap 2.4 file, one record per transfer, 1 ms apart."""
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 0xFFFF, DLT_USER0))
        for index, data in enumerate(transfers):
            out.write(struct.pack("<IIII", index // 1000, (index % 1000) * 1000, len(data), len(data)))
            out.write(data)


def dissect(tshark: str, transfers: list[bytes], workdir: Path) -> list[Frame]:
    """One Frame per transfer, in order."""
    workdir.mkdir(parents=True, exist_ok=True)
    pcap = workdir / "mbim.pcap"
    write_pcap(pcap, transfers)
    config = workdir / "wireshark-config"
    config.mkdir(exist_ok=True)
    env = dict(os.environ, WIRESHARK_CONFIG_DIR=str(config), LC_ALL="C.UTF-8")
    result = subprocess.run(
        [
            "timeout",
            "-k",
            "5",
            str(TSHARK_SECONDS),
            tshark,
            "-n",
            "-r",
            str(pcap),
            "-o",
            MBIM_PREFERENCE,
            "-T",
            "pdml",
        ],
        capture_output=True,
        text=True,
        timeout=TSHARK_SECONDS + 10,
        env=env,
    )
    assert result.returncode == 0, f"tshark failed ({result.returncode}): {result.stderr[-2000:]}"
    frames = [_frame(packet) for packet in ElementTree.fromstring(result.stdout).iter("packet")]
    assert len(frames) == len(transfers), f"tshark read {len(frames)} of {len(transfers)} frames"
    return frames


def _frame(packet: ElementTree.Element) -> Frame:
    frame = Frame()
    for element in packet.iter():
        name = element.get("name", "")
        if element.tag not in ("field", "proto") or not name:
            continue
        if name.startswith(("_ws.expert", "_ws.malformed")):
            frame.experts.append(element.get("showname") or element.get("show") or name)
            continue
        frame.fields.setdefault(name, []).append(
            Field(
                element.get("show", ""),
                element.get("showname", ""),
                int(element.get("pos", "0")),
                int(element.get("size", "0")),
                element.get("value", ""),
            )
        )
    return frame
