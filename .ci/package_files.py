"""Check a package's file list against README.md's table of installed files.

    python3 .ci/package_files.py README.md COLUMN LISTING

COLUMN is the table's column header (Debian / Ubuntu, Fedora, Arch); LISTING is a file
with the package's paths, one a line (dpkg-deb -c or bsdtar -tf output, reduced to the
paths). Every path the column names must be in the package. A column may give a
directory and "same names", which takes the file names from the first column; /lib/X
and /usr/lib/X are one path (Debian 12's debhelper writes lib/, its /lib is /usr/lib).
Exit 0 if all are there, 1 with the missing ones listed.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path, PurePosixPath

ROWS = ("program", "udev rule", "units", "dispatcher entry (available)", "man page")


def table(readme: str) -> tuple[list[str], dict[str, list[str]]]:
    start = readme.index("| file | ")
    lines = readme[start:].split("\n\n", 1)[0].splitlines()
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = {}
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[0]] = cells[1:]
    return header[1:], rows


def paths(cell: str, names: list[str]) -> list[str]:
    """The absolute paths a cell names: full paths, a directory plus names, bare names."""
    found: list[str] = []
    directory = None
    for token in re.findall(r"`([^`]+)`", cell):
        if token.startswith("/") and token.endswith("/"):
            directory = token
            if "same names" in cell:
                found += [directory + name for name in names]
        elif token.startswith("/"):
            found.append(token)
            directory = str(PurePosixPath(token).parent) + "/"
        elif directory is not None and "/" not in token and "%" not in token:
            found.append(directory + token)
    return found


def same(path: str) -> str:
    return path[len("/usr") :] if path.startswith("/usr/lib/") else path


def main(argv: list[str]) -> int:
    readme, column, listing = argv
    columns, rows = table(Path(readme).read_text())
    index = columns.index(column)
    lines = Path(listing).read_text().split()
    packaged = {same("/" + line.removeprefix("./").strip("/")) for line in lines}
    missing = []
    for row in ROWS:
        names = [PurePosixPath(path).name for path in paths(rows[row][0], [])]
        wanted = paths(rows[row][index], names)
        if not wanted:
            missing.append(f"{row}: README names no path for {column}")
        missing += [f"{row}: {path}" for path in wanted if same(path) not in packaged]
    for line in missing:
        print(f"package_files: not in the {column} package: {line}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
