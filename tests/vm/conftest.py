"""The VM tests' hooks: stop the machines at the end, print the ModemManager timing table."""

from __future__ import annotations

import sys

import pytest
from fcc_unlock_tests import *  # noqa: F403 (tests import ROOT, IN_CI from "conftest")


def _vm_module():
    return sys.modules.get("test_vm_e2e")


def pytest_sessionfinish(session: pytest.Session) -> None:
    module = _vm_module()
    if module is not None and module.machines is not None:
        module.machines.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    module = _vm_module()
    if module is not None and module.timing_rows:
        terminalreporter.section("ModemManager timing (tests/vm)")
        for line in module.timing_rows:
            terminalreporter.write_line(line)
