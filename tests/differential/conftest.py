"""Fixtures for the differential tests: the real libraries in-process, tshark, and the
recorded conversations between our client and the simulated modem."""

from __future__ import annotations

import glib_peers
import pytest
import sim_loopback

# Re-export the root helpers so ``from conftest import ...`` keeps working (tests/conftest.py).
from fcc_unlock_tests import *  # noqa: F403
from fcc_unlock_tests import IN_CI, require_tool


@pytest.fixture(scope="session")
def peers() -> glib_peers.Libraries:
    """libmbim-glib, libqmi-glib and GLib, loaded; skipped without them (failed in CI)."""
    try:
        libraries = glib_peers.load()
    except glib_peers.PeerUnavailable as error:
        if IN_CI:
            pytest.fail(str(error))
        pytest.skip(str(error))
    libraries.logged.clear()
    return libraries


@pytest.fixture(autouse=True)
def _no_library_complaints(request: pytest.FixtureRequest):
    """A test that used the libraries fails if they logged a warning it did not check."""
    yield
    libraries = glib_peers.loaded()
    if libraries is not None and "peers" in request.fixturenames:
        libraries.check_quiet(request.node.name)


@pytest.fixture(scope="session")
def flow_wires() -> sim_loopback.FlowRuns:
    """The flows of ``sim_loopback.FLOWS``, each run once: what crossed the wire, by name."""
    return sim_loopback.FlowRuns()


@pytest.fixture(scope="session")
def tshark() -> str:
    return require_tool("tshark")
