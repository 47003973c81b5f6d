"""Every method offers the same surface, and the CLI offers every method."""

import inspect

import pytest

from fcc_unlock import methods
from fcc_unlock.cli import args as cli_args
from fcc_unlock.host.devices import DEVICES


def test_every_method_can_be_named_on_the_command_line():
    parser = cli_args.build_parser()
    for name in methods.METHODS:
        assert parser.parse_args(["--method", name, "/dev/cdc-wdm0"]).method == name
        assert cli_args.quick_parse(["--method", name, "/dev/cdc-wdm0"]).method == name


def test_each_methods_port_type_is_the_device_tables():
    from fcc_unlock.host.devices import METHOD_PORTS

    assert set(METHOD_PORTS) == set(methods.METHODS)
    for name in methods.METHODS:
        assert methods.port_type(methods.load(name)) == METHOD_PORTS[name], name


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
