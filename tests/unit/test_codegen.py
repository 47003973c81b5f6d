"""The generated struct formats are current and agree with the construct layouts."""

import importlib
import re
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fcc_unlock.tools import codegen


def test_generated_files_are_current():
    for module_name in codegen.LAYOUT_MODULES:
        path = codegen.target(module_name)
        assert path.read_text() == codegen.render(module_name), (
            f"{path} is stale: run python -m fcc_unlock.tools.codegen"
        )


def hot_layouts():
    for module_name in codegen.LAYOUT_MODULES:
        module = importlib.import_module(module_name)
        generated = importlib.import_module(module_name.rsplit(".", 1)[0] + "._structs")
        for name in module.HOT:
            yield pytest.param(
                getattr(module, name), getattr(generated, codegen.constant_name(name)), id=name
            )


def field_values(fmt: str):
    """A hypothesis strategy for one value per field of a little-endian struct format."""
    strategies = []
    for count, char in re.findall(r"(\d*)([A-Za-z])", fmt[1:]):
        if char == "s":
            strategies.append(st.binary(min_size=int(count), max_size=int(count)))
        else:
            strategies.append(st.integers(0, (1 << (8 * struct.calcsize("<" + char))) - 1))
    return st.tuples(*strategies)


def _unflatten(layout, values):
    """Map flat values back onto the (possibly nested) construct layout's dict."""
    from construct import Renamed, Struct

    out = {}
    for sub in layout.subcons:
        con = sub.subcon if isinstance(sub, Renamed) else sub
        if isinstance(con, Struct):
            out[sub.name] = _unflatten(con, values)
        else:
            out[sub.name] = values.pop(0)
    return out


@pytest.mark.parametrize(("layout", "compiled"), list(hot_layouts()))
def test_generated_struct_matches_construct(layout, compiled):
    @given(field_values(compiled.format))
    def check(values):
        built = layout.build(_unflatten(layout, list(values)))
        assert built == compiled.pack(*values)
        assert compiled.unpack(built) == values
        assert layout.sizeof() == compiled.size

    check()


@pytest.mark.parametrize(("layout", "compiled"), list(hot_layouts()))
def test_generated_layouts_know_their_field_names(layout, compiled):
    # The names are construct's, flattened in wire order: fields pack and unpack by name.
    assert compiled.names == tuple(name for name, _ in codegen.fields(layout))

    @given(field_values(compiled.format))
    def check(values):
        by_name = dict(zip(compiled.names, values))
        assert compiled.pack_dict(**by_name) == compiled.pack(*values)
        assert compiled.unpack_dict(compiled.pack(*values)) == by_name

    check()
