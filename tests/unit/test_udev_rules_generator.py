"""The udev rule: the shipped file is the generated one, and the generated text is sound."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

from fcc_unlock.host.devices import DEVICES, Device
from fcc_unlock.methods import METHODS
from fcc_unlock.tools import udev_rules

SHIPPED = ROOT / "udev" / "85-fcc-unlock.rules"

# udev(7): keys that match (== !=) and keys that assign (= += -= :=).
MATCH_KEYS = {
    "ACTION",
    "SUBSYSTEM",
    "SUBSYSTEMS",
    "KERNEL",
    "KERNELS",
    "DRIVER",
    "DRIVERS",
    "ATTR",
    "ATTRS",
    "ENV",
}
ASSIGN_KEYS = {"RUN", "GOTO", "LABEL", "ENV", "TAG"}
KEY = re.compile(
    r'^(?P<key>[A-Z_]+)(\{(?P<attr>[A-Za-z0-9_]+)\})?(?P<op>==|!=|\+=|-=|:=|=)"(?P<value>[^"]*)"$'
)

TABLE = (
    Device("usb", 0x1199, 0x9079, "Sierra EM7455 (Lenovo)", "sierra", "confirmed"),
    Device("pci", 0x17CB, 0x0308, "Qualcomm SDX62 (any)", "sierra", "reported"),
    Device("pci", 0x17CB, 0x0308, "Foxconn T99W696", "sierra", "confirmed", subsystem=(0x105B, None)),
    Device(
        "pci", 0x17CB, 0x0308, "Foxconn T99W696 Lenovo", "sierra", "confirmed", subsystem=(0x105B, 0xE142)
    ),
    Device("pci", 0x8086, 0x7360, "Fibocom L850-GL", "xmm-rpc", "confirmed"),
)


def rules(text):
    """Each rule line as a list of (key, attr, operator, value)."""
    parsed = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        fields = []
        for part in line.split(", "):
            match = KEY.match(part)
            assert match, f"not a udev key: {part!r} in {line!r}"
            fields.append((match["key"], match["attr"], match["op"], match["value"]))
        parsed.append(fields)
    return parsed


def test_shipped_rules_are_the_generated_rules():
    assert SHIPPED.read_text() == udev_rules.render(), (
        "stale: run python -m fcc_unlock.tools.udev_rules --output udev/85-fcc-unlock.rules"
    )


@pytest.mark.parametrize(
    "text", [udev_rules.render(), udev_rules.render(table=TABLE)], ids=["shipped", "with-pci"]
)
def test_every_line_is_valid_udev_syntax_and_every_goto_lands(text):
    labels, gotos = set(), set()
    for fields in rules(text):
        for key, attr, op, value in fields:
            if op in ("==", "!="):
                assert key in MATCH_KEYS, key
            else:
                assert key in ASSIGN_KEYS, key
            assert (attr is not None) == (key in ("ATTR", "ATTRS", "ENV")), key
            if key == "LABEL":
                assert len(fields) == 1
                labels.add(value)
            if key == "GOTO":
                gotos.add(value)
            if key == "RUN":
                assert op == "+="
    assert gotos <= labels
    assert rules(text)[0] == [("ACTION", None, "!=", "add"), ("GOTO", None, "=", "fcc_unlock_end")]
    assert text.rstrip().endswith('LABEL="fcc_unlock_end"')


def run_lines(text):
    return [fields for fields in rules(text) if any(key == "RUN" for key, *_ in fields)]


def test_one_run_line_per_runnable_table_entry_each_ending_the_rules():
    lines = run_lines(udev_rules.render())
    runnable = [d for d in DEVICES if d.method in METHODS]
    # USB lines come first, then PCI ones (most specific first, tested below): compare
    # as multisets of commands.
    runs = sorted(dict(((k, a), v) for k, a, _, v in fields)[("RUN", None)] for fields in lines)
    assert runs == sorted(
        f"/usr/bin/fcc-unlock --udev --method {d.method} --ids {d.ids} $devnode" for d in runnable
    )
    for fields in lines:
        assert fields[-1] == ("GOTO", None, "=", "fcc_unlock_end")  # never two unlocks for one port


def test_usb_ports_are_cdc_wdm_nodes_of_cdc_mbim():
    text = udev_rules.render()
    assert 'SUBSYSTEM=="usbmisc", KERNEL=="cdc-wdm*", DRIVERS=="cdc_mbim", GOTO="fcc_unlock_usb"' in text
    assert 'ATTRS{idVendor}=="1199", ATTRS{idProduct}=="9079", RUN+=' in text
    # A table of USB modems only needs no wwan matching at all.
    usb_only = udev_rules.render(table=[d for d in DEVICES if d.bus == "usb"])
    assert "wwan" not in "\n".join(line for line in usb_only.splitlines() if not line.startswith("#"))


def test_pci_ports_are_wwan_mbim_ports_most_specific_match_first():
    text = udev_rules.render(table=TABLE)
    assert 'SUBSYSTEM=="wwan", SUBSYSTEMS=="usb", GOTO="fcc_unlock_end"' in text
    assert 'SUBSYSTEM=="wwan", ATTR{type}=="MBIM", GOTO="fcc_unlock_pci"' in text
    pci = [line for line in text.splitlines() if line.startswith('ATTRS{vendor}=="0x17cb"')]
    assert [line.count("subsystem_") for line in pci] == [2, 1, 0]
    assert pci[0].startswith(
        'ATTRS{vendor}=="0x17cb", ATTRS{device}=="0x0308", ATTRS{subsystem_vendor}=="0x105b",'
        ' ATTRS{subsystem_device}=="0xe142",'
        ' RUN+="/usr/bin/fcc-unlock --udev --method sierra --ids 17cb:0308 $devnode"'
    )


def test_methods_that_cannot_run_get_no_rule_but_are_listed():
    text = udev_rules.render(table=TABLE)
    assert "0x7360" not in text.replace("8086:7360", "")
    assert "#   pci 8086:7360 Fibocom L850-GL: xmm-rpc" in text


def test_program_path_is_an_option_and_is_checked():
    assert 'RUN+="/usr/local/bin/fcc-unlock --udev' in udev_rules.render("/usr/local/bin/fcc-unlock")
    for bad in ("fcc-unlock", "/opt/my tools/fcc-unlock", '/usr/bin/"x', "/usr/bin/$x", "/usr/bin/a%b"):
        with pytest.raises(ValueError):
            udev_rules.render(bad)


def test_check_and_output_commands(tmp_path, capsys):
    target = tmp_path / "85-fcc-unlock.rules"
    assert udev_rules.main(["--check", str(target)]) == 1
    assert udev_rules.main(["--output", str(target), "--program", "/opt/bin/fcc-unlock"]) == 0
    assert udev_rules.main(["--check", str(target)]) == 1  # other program path
    assert udev_rules.main(["--check", str(target), "--program", "/opt/bin/fcc-unlock"]) == 0
    assert udev_rules.main(["--check"]) == 0  # the shipped file
    capsys.readouterr()
    assert udev_rules.main([]) == 0
    assert capsys.readouterr().out == SHIPPED.read_text()


# --- --check on an installed system: the rule udev uses, stale or changed locally ------------


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """No checkout beside the module (as installed), and two rules directories, /etc first."""
    etc, lib = tmp_path / "etc", tmp_path / "lib"
    etc.mkdir()
    lib.mkdir()
    monkeypatch.setattr(udev_rules, "SHIPPED", tmp_path / "site-packages" / "udev" / udev_rules.FILENAME)
    monkeypatch.setattr(udev_rules, "RULES_DIRS", (str(etc), str(lib)))
    return etc / udev_rules.FILENAME, lib / udev_rules.FILENAME


def check_output(capsys, *args):
    code = udev_rules.main(["--check", *args])
    out, err = capsys.readouterr()
    return code, out + err


def test_check_on_an_installed_system_checks_the_installed_rule(installed, capsys):
    _, packaged = installed
    packaged.write_text(udev_rules.render())
    code, said = check_output(capsys)
    assert code == 0 and said == f"{packaged} is current\n"


def test_check_says_when_no_rule_is_installed(installed, capsys):
    code, said = check_output(capsys)
    assert code == 1
    assert said.startswith(f"no {udev_rules.FILENAME} installed (looked in ")
    assert "stale" not in said


def test_a_rule_in_etc_hides_the_packaged_one_and_is_the_one_checked(installed, capsys):
    local, packaged = installed
    packaged.write_text(udev_rules.render())
    local.write_text(udev_rules.render(table=TABLE))
    code, said = check_output(capsys)
    assert code == 1 and said.startswith(f"{local} is stale: ")


def test_a_stale_rule_is_told_from_a_locally_changed_one(installed, capsys):
    _, packaged = installed
    packaged.write_text(udev_rules.render(table=TABLE))  # another table, untouched
    code, said = check_output(capsys)
    assert code == 1 and said.startswith(f"{packaged} is stale: ") and "--output" in said

    edited = udev_rules.render().replace("--udev --method sierra", "--udev --timeout 3 --method sierra", 1)
    packaged.write_text(edited)
    code, said = check_output(capsys)
    assert code == 1 and said.startswith(f"{packaged} was changed locally")

    unsigned = "".join(
        line
        for line in udev_rules.render().splitlines(keepends=True)
        if not line.startswith(udev_rules.CHECKSUM)
    )
    packaged.write_text(unsigned)  # the text of a current rule, but its checksum line removed
    code, said = check_output(capsys)
    assert code == 1 and said.startswith(f"{packaged} was changed locally")


def test_a_rule_for_another_program_is_stale_unless_that_program_is_given(installed, capsys):
    local, _ = installed
    local.write_text(udev_rules.render("/usr/local/bin/fcc-unlock"))
    assert check_output(capsys)[0] == 1
    assert check_output(capsys, "--program", "/usr/local/bin/fcc-unlock") == (0, f"{local} is current\n")


def test_a_rule_masked_with_dev_null_is_said_to_be_masked(installed, capsys):
    local, packaged = installed
    packaged.write_text(udev_rules.render())
    local.symlink_to("/dev/null")
    code, said = check_output(capsys)
    assert code == 1 and "masked" in said and str(local) in said


def test_generated_text_carries_a_checksum_of_itself():
    text = udev_rules.render()
    assert udev_rules.is_as_generated(text)
    assert not udev_rules.is_as_generated(text.replace("GOTO", "GOTO ", 1))
    assert not udev_rules.is_as_generated(text + text)  # two checksum lines
