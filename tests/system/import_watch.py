"""Run fcc-unlock with the given arguments and report what it imported.

    python -S import_watch.py ARG...

Prints one line, a Python literal: {"code": exit status, "asked": [imports of the
watched modules made by fcc_unlock code, anywhere, at any time], "loaded": [watched
modules in sys.modules at the end that this harness had not loaded itself],
"before_first_write": [our modules loaded when the first byte went to the modem]}. Run
with -S so that site's own imports do not hide ours; the checkout is put on
sys.path here.
"""

import builtins
import os
import runpy
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

WATCHED = (
    "pyudev", "construct", "json", "logging", "typing", "re", "shutil", "socket", "importlib",
    "argparse", "gettext", "locale", "enum", "signal",
)  # fmt: skip
asked = []
original_import = builtins.__import__


def watching_import(name, globals=None, locals=None, fromlist=(), level=0):
    importer = (globals or {}).get("__name__") or ""
    if level == 0 and importer.startswith("fcc_unlock") and name.split(".")[0] in WATCHED:
        asked.append(f"{importer} imports {name}")
    return original_import(name, globals, locals, fromlist, level)


# What fcc_unlock had loaded when it wrote its first byte (to any descriptor but
# stdout/stderr): what the program's start-up costs before the modem can start working.
first_write = []
original_write = os.write


def watching_write(fd, data):
    if not first_write and fd > 2:
        first_write.append(sorted(name for name in sys.modules if name.startswith("fcc_unlock")))
    return original_write(fd, data)


os.write = watching_write
preloaded = {name for name in WATCHED if name in sys.modules}  # runpy's own (importlib, on 3.9 typing, re)
builtins.__import__ = watching_import
sys.argv = ["fcc-unlock", *sys.argv[1:]]
try:
    runpy.run_module("fcc_unlock", run_name="__main__", alter_sys=True)
    code = 0
except SystemExit as exit_:
    code = exit_.code
builtins.__import__ = original_import
loaded = sorted(name for name in WATCHED if name in sys.modules and name not in preloaded)
os.write = original_write
before_first_write = first_write[0] if first_write else None
print(repr({"code": code, "asked": asked, "loaded": loaded, "before_first_write": before_first_write}))
