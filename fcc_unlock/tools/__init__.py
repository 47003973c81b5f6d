"""Maintainers' generators, each with ``--check``: the compiled layouts and the udev rules."""
