"""Opt in to ModemManager's FCC unlock dispatcher, for the modems of our table.

    python3 -m fcc_unlock.modemmanager status
    python3 -m fcc_unlock.modemmanager enable  [--dry-run] [--ids VVVV:PPPP ...]
    python3 -m fcc_unlock.modemmanager disable [--dry-run]

ModemManager asks distributions not to enable FCC unlocks by default, so packages
install the dispatcher entry as "available" only. ``enable`` links it as
``/etc/ModemManager/fcc-unlock.d/<vid>:<pid>`` for each id of the table whose
unlock this version can run (or for the ``--ids`` given); ModemManager runs the
first file of that name it finds, /etc before its own package directory. Files that
are not our links are never touched. ``disable`` removes only our links. Each link's
target is DISPATCHER as written here: removing a package takes away exactly the links
whose target reads so (Debian's postrm, Fedora's %postun, Arch's post_remove), since
the file they point to is gone then.

ModemManager refuses an entry unless it is a root-owned regular file, owner
executable and not writable by group or others; ``enable`` checks the same first.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

ENABLED_DIR = "/etc/ModemManager/fcc-unlock.d"
DISPATCHER = "/usr/share/fcc-unlock/modemmanager/fcc-unlock-dispatcher"


def table_ids() -> list[str]:
    """vvvv:pppp of every table entry whose method this version can run, in table order."""
    from fcc_unlock.host.devices import DEVICES
    from fcc_unlock.methods import METHODS

    ids: list[str] = []
    for device in DEVICES:
        if device.method in METHODS and device.ids not in ids:
            ids.append(device.ids)
    return ids


def entry_problem(path: str) -> str | None:
    """Why ModemManager would refuse to run ``path``, or None if it would run it."""
    try:
        info = os.stat(path)
    except OSError as error:
        return f"{path}: {os.strerror(error.errno or 0)}"
    if not stat.S_ISREG(info.st_mode):
        return f"{path} is not a regular file"
    if info.st_size == 0:
        return f"{path} is empty"
    if info.st_uid != 0:
        return f"{path} is owned by uid {info.st_uid}, not root"
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"{path} is writable by group or others"
    if info.st_mode & stat.S_ISUID:
        return f"{path} is set-UID"
    if not info.st_mode & stat.S_IXUSR:
        return f"{path} is not executable by its owner"
    return None


def is_ours(link: str, target: str) -> bool:
    return os.path.islink(link) and os.path.realpath(link) == os.path.realpath(target)


def state(directory: str, ids: str, target: str) -> str:
    link = os.path.join(directory, ids)
    if is_ours(link, target):
        return "enabled"
    if os.path.lexists(link):
        return f"another entry: {link} -> {os.path.realpath(link)}"
    return "not enabled"


def enable(directory: str, target: str, ids: Sequence[str], dry_run: bool = False) -> int:
    problem = entry_problem(target)
    if problem is not None:
        print(f"not enabling: ModemManager would refuse the entry: {problem}", file=sys.stderr)
        return 1
    if not dry_run:
        os.makedirs(directory, 0o755, exist_ok=True)
    for name in ids:
        link = os.path.join(directory, name)
        if is_ours(link, target):
            print(f"{link}: already enabled")
        elif os.path.lexists(link):
            print(f"{link}: left alone, it is another entry ({os.path.realpath(link)})")
        else:
            if not dry_run:
                os.symlink(target, link)
            print(f"{link} -> {target}" + (" (dry run)" if dry_run else ""))
    return 0


def disable(directory: str, target: str, dry_run: bool = False) -> int:
    if not os.path.isdir(directory):
        return 0
    for name in sorted(os.listdir(directory)):
        link = os.path.join(directory, name)
        if is_ours(link, target):
            if not dry_run:
                os.unlink(link)
            print(f"removed {link}" + (" (dry run)" if dry_run else ""))
    return 0


def status(directory: str, target: str, ids: Sequence[str]) -> int:
    problem = entry_problem(target)
    print(f"dispatcher entry {target}: {problem or 'usable by ModemManager'}")
    for name in ids:
        print(f"{name}: {state(directory, name, target)}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    from fcc_unlock.host.sysfs import parse_ids

    def ids_argument(text: str) -> str:
        try:
            parse_ids(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None
        return text.lower()

    parser = argparse.ArgumentParser(
        prog="python3 -m fcc_unlock.modemmanager",
        description="Opt in to (or out of) ModemManager running fcc-unlock as its FCC unlock dispatcher.",
    )
    parser.add_argument("action", choices=("status", "enable", "disable"))
    parser.add_argument(
        "--dir", default=ENABLED_DIR, help=f"ModemManager's enabled directory ({ENABLED_DIR})"
    )
    parser.add_argument("--target", default=DISPATCHER, help=f"the dispatcher entry ({DISPATCHER})")
    parser.add_argument(
        "--ids",
        nargs="+",
        type=ids_argument,
        metavar="VVVV:PPPP",
        help="only these modems (default: the table's)",
    )
    parser.add_argument("--dry-run", action="store_true", help="say what would change, change nothing")
    args = parser.parse_args(argv)
    ids = args.ids or table_ids()
    try:
        if args.action == "enable":
            return enable(args.dir, args.target, ids, args.dry_run)
        if args.action == "disable":
            return disable(args.dir, args.target, args.dry_run)
        return status(args.dir, args.target, ids)
    except OSError as error:
        print(f"{parser.prog}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
