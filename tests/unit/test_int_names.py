"""IntNames: the named integers behave as the IntEnums they replace, where we use them
(``.name``, lookup by value, iteration, int arithmetic, formatting, JSON, pickling)."""

from __future__ import annotations

import enum
import json
import pickle

import pytest

from fcc_unlock import IntNames
from fcc_unlock.errors import ExitCode
from fcc_unlock.mbim.constants import Status


class Colour(IntNames):
    RED = 1
    GREEN = 2
    CRIMSON = 1  # an alias: a second name of RED
    lower_case = 3  # not a member


class Reference(enum.IntEnum):
    RED = 1
    GREEN = 2
    CRIMSON = 1


def test_members_are_ints_of_the_class_that_know_their_name():
    assert isinstance(Colour.RED, Colour) and isinstance(Colour.RED, int)
    assert Colour.RED == 1 and Colour.RED + 1 == 2 and Colour.RED is Colour(1)
    assert Colour.RED.name == "RED" and Colour.CRIMSON is Colour.RED
    assert Colour.lower_case == 3 and not isinstance(Colour.lower_case, Colour)


def test_lookup_iteration_and_formatting_match_intenum():
    assert [m.name for m in Colour] == [m.name for m in Reference]
    assert len(Colour) == len(Reference)
    assert Colour(2).name == Reference(2).name
    for bad in (9, "1", None):
        with pytest.raises(ValueError):
            Colour(bad)
        with pytest.raises(ValueError):
            Reference(bad)
    assert f"{Colour.GREEN}" == f"{Reference.GREEN}" == "2"
    assert f"{Colour.GREEN:>3}" == "  2"
    assert json.dumps({"code": Colour.GREEN}) == '{"code": 2}'
    assert repr(Colour.GREEN) == "<Colour.GREEN: 2>"


def test_members_survive_pickling_and_hash_as_their_value():
    assert pickle.loads(pickle.dumps(ExitCode.BUSY)) is ExitCode.BUSY
    assert {0: "ok"}[ExitCode.OK] == "ok" and hash(Status.NONE) == hash(0)


def test_the_protocol_tables_are_named_integers():
    assert ExitCode(70) is ExitCode.INTERNAL and ExitCode.INTERNAL.name == "INTERNAL"
    assert Status(0).name == "NONE"
