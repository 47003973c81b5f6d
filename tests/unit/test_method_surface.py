"""Every method offers the same surface, and the CLI offers every method."""

import inspect

import pytest

from fcc_unlock import methods
from fcc_unlock.cli import args as cli_args
from fcc_unlock.host.devices import DEVICES


def test_cli_method_names_are_the_methods():
    assert cli_args.METHOD_NAMES == methods.METHODS


@pytest.mark.parametrize("name", methods.METHODS)
def test_method_has_status_and_unlock(name):
    module = methods.load(name)
    for function in ("status", "unlock"):
        parameters = list(inspect.signature(getattr(module, function)).parameters)
        assert parameters[0] == "session"


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="unknown method"):
        methods.load("os")


def test_every_table_method_exists_and_every_method_has_devices():
    assert {d.method for d in DEVICES} == set(methods.METHODS)
