"""The udev rule: the shipped file is the generated one, and the generated text is sound."""

from __future__ import annotations

import fnmatch
import re

import pytest
from conftest import ROOT

from fcc_unlock.host.devices import DEVICES, Device
from fcc_unlock.methods import METHODS
from fcc_unlock.tools import udev_rules

SHIPPED = ROOT / "udev" / "85-fcc-unlock.rules"
# A USB MBIM modem's node: the run marks itself for the interface's wait, then becomes
# fcc-unlock (docs/modemmanager.md §4.2; test_plug_in_files runs it).
NODE = (
    "/bin/sh -c 'd=/run/lock/fcc-unlock; f=$$d/plug-$attr{{busnum}}-$attr{{devnum}};"
    " [ -d $$d ] || mkdir -m 0755 $$d 2>/dev/null;"
    " if [ -O $$d ] && [ ! -h $$d ]; then [ ! -e $$f.done ] && [ ! -e $$f.run ] || rm -f $$f.done $$f.run;"
    " set -C; echo $$$$ > $$f.run; fi 2>/dev/null;"
    " exec {command}'"
)


def expected_run(device, program="/usr/bin/fcc-unlock"):
    command = f"{program} --udev --method {device.method} --ids {device.ids} $devnode"
    usb_mbim = device.bus == "usb" and udev_rules.port_of(device) == "MBIM"
    return NODE.format(command=command) if usb_mbim else command


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
    # Each USB MBIM modem's network interface waits for its node's run (docs/modemmanager.md §4.2).
    waits = [WAIT for d in runnable if d.bus == "usb" and udev_rules.port_of(d) == "MBIM"]
    assert runs == sorted([expected_run(d) for d in runnable] + waits)
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
    # The plain entry is reported: an opted-in RUN line, then its stop line.
    assert [line.count("subsystem_") for line in pci] == [2, 1, 0, 0]
    assert pci[0].startswith(
        'ATTRS{vendor}=="0x17cb", ATTRS{device}=="0x0308", ATTRS{subsystem_vendor}=="0x105b",'
        ' ATTRS{subsystem_device}=="0xe142",'
        ' RUN+="/usr/bin/fcc-unlock --udev --method sierra --ids 17cb:0308 $devnode"'
    )


def test_methods_that_cannot_run_get_no_run_line_but_still_stop_the_rules():
    text = udev_rules.render(table=TABLE)
    assert "--method xmm-rpc" not in text
    assert "# Fibocom L850-GL: xmm-rpc is not in this version" in text
    assert fire(text, pci_event("MBIM", "wwan0mbim0", 0x8086, 0x7360)) == []


# --- what udev would run: a small evaluator of the generated rules -----------------------


def matches(pattern, value):
    return value is not None and any(fnmatch.fnmatchcase(value, p) for p in pattern.split("|"))


def fire(text, event):
    """The RUN commands udev would run for ``event`` (a dict of the keys our rules use)."""
    lines = rules(text)
    labels = {fields[0][3]: i for i, fields in enumerate(lines) if fields[0][0] == "LABEL"}
    runs, i = [], 0
    while i < len(lines):
        fields, i = lines[i], i + 1
        if fields[0][0] == "LABEL":
            continue
        tests = [f for f in fields if f[2] in ("==", "!=")]
        ok = all(matches(value, event.get((key, attr))) == (op == "==") for key, attr, op, value in tests)
        if not ok:
            continue
        for key, _, _, value in fields:
            if key == "RUN":
                runs.append(value)
        for key, _, _, value in fields:
            if key == "GOTO":
                i = labels[value]
    return runs


def pci_event(port_type, kernel, vendor, device, subsystem=(0x17AA, 0x1234), opted_in=False):
    event = {
        ("ACTION", None): "add",
        ("SUBSYSTEM", None): "wwan",
        ("KERNEL", None): kernel,
        ("ATTR", "type"): port_type,
        ("SUBSYSTEMS", None): "pci",
        ("ATTRS", "vendor"): f"0x{vendor:04x}",
        ("ATTRS", "device"): f"0x{device:04x}",
        ("ATTRS", "subsystem_vendor"): f"0x{subsystem[0]:04x}",
        ("ATTRS", "subsystem_device"): f"0x{subsystem[1]:04x}",
    }
    if opted_in:
        event[("ENV", udev_rules.OPT_IN)] = "1"
    return event


def usb_event(vendor, product, opted_in=False):
    event = {
        ("ACTION", None): "add",
        ("SUBSYSTEM", None): "usbmisc",
        ("KERNEL", None): "cdc-wdm0",
        ("DRIVERS", None): "cdc_mbim",
        ("SUBSYSTEMS", None): "usb",
        ("ATTRS", "idVendor"): f"{vendor:04x}",
        ("ATTRS", "idProduct"): f"{product:04x}",
    }
    if opted_in:
        event[("ENV", udev_rules.OPT_IN)] = "1"
    return event


# Each PCI modem's ports, as its driver creates them (docs/devices.md §2).
PORTS_OF = {
    (0x14C3, 0x4D75): [("AT", "wwan0at0"), ("AT", "wwan0at1"), ("MBIM", "wwan0mbim0")],
    (0x8086, 0x7560): [("AT", "wwan0at0"), ("AT", "wwan0at1"), ("MBIM", "wwan0mbim0")],
    (0x8086, 0x7360): [("XMMRPC", "wwan0xmmrpc0"), ("AT", "wwan0at0"), ("MBIM", "wwan0mbim0")],
    (0x17CB, 0x0308): [("MBIM", "wwan0mbim0"), ("QMI", "wwan0qmi0")],
    (0x105B, 0xE0AB): [("MBIM", "wwan0mbim0")],
}


def runs_on_every_port(text, ids, subsystem, opted_in=True):
    return [
        run
        for port_type, kernel in PORTS_OF[ids]
        for run in fire(text, pci_event(port_type, kernel, *ids, subsystem=subsystem, opted_in=opted_in))
    ]


@pytest.mark.parametrize(
    "ids, subsystem, method",
    [
        ((0x14C3, 0x4D75), (0x1CF8, 0x3500), "fm350-at"),
        ((0x14C3, 0x4D75), (0x2099, 0x3552), "fm350-at"),
        ((0x14C3, 0x4D75), (0x1028, 0x5931), "intel-mbim"),
        ((0x8086, 0x7560), (0x1CF8, 0x2000), "l860-at"),
        ((0x8086, 0x7560), (0x1028, 0x5823), "intel-mbim"),
        ((0x8086, 0x7560), (0x0000, 0x0000), "intel-mbim"),
        ((0x8086, 0x7360), (0x17AA, 0x1234), "xmm7360-rpc"),
        ((0x17CB, 0x0308), (0x105B, 0xE142), "foxconn-e4"),
    ],
)
def test_each_pci_modem_triggers_once_with_its_machines_method(ids, subsystem, method):
    text = udev_rules.render()
    if method not in METHODS:
        pytest.skip(f"{method} is not in this version")
    runs = runs_on_every_port(text, ids, subsystem)
    assert len(runs) == 1, runs
    assert f"--method {method} --ids {ids[0]:04x}:{ids[1]:04x} $devnode" in runs[0]


def test_reported_entries_run_only_where_the_machine_opted_in():
    text = udev_rules.render()
    assert runs_on_every_port(text, (0x17CB, 0x0308), (0x105B, 0xE142), opted_in=False) == []
    assert fire(text, usb_event(0x1199, 0x9071)) == []
    assert len(fire(text, usb_event(0x1199, 0x9071, opted_in=True))) == 1
    # A confirmed entry needs no opt-in.
    assert len(runs_on_every_port(text, (0x105B, 0xE0AB), (0x17AA, 0x1234), opted_in=False)) == 1
    assert len(fire(text, usb_event(0x1199, 0x9079))) == 1


def net_event(vendor, product, driver="cdc_mbim", opted_in=False):
    event = {
        ("ACTION", None): "add",
        ("SUBSYSTEM", None): "net",
        ("KERNEL", None): "wwan0",
        ("DRIVERS", None): driver,
        ("SUBSYSTEMS", None): "usb",
        ("ATTRS", "idVendor"): f"{vendor:04x}",
        ("ATTRS", "idProduct"): f"{product:04x}",
    }
    if opted_in:
        event[("ENV", udev_rules.OPT_IN)] = "1"
    return event


WAIT = (
    "/bin/sh -c 'd=/run/lock/fcc-unlock; f=$$d/plug-$attr{busnum}-$attr{devnum};"
    " read t x < /proc/uptime; t=$${t%%.*}$${t#*.}; grace=$$((t+50)); end=$$((t+1000));"
    " while [ $$t -lt $$end ]; do"
    " if [ -O $$d ] && [ ! -h $$d ] && [ -e $$f.done ]; then rm -f $$f.done $$f.run; exit 0; fi;"
    " if [ -O $$d ] && [ ! -h $$d ] && [ -e $$f.run ]; then read p < $$f.run;"
    " [ $${#p} -eq 0 ] || kill -0 $$p 2>/dev/null || { rm -f $$f.run; exit 0; };"
    " elif [ $$t -ge $$grace ]; then exit 0; fi;"
    " sleep 0.2; read t x < /proc/uptime; t=$${t%%.*}$${t#*.}; done'"
)


def test_a_usb_mbim_modems_network_interface_waits_for_the_unlock_on_its_node():
    """docs/modemmanager.md §4.2: the interface's event waits, without a program of ours,
    for the files the node's run leaves (host/plug_in.py names them so; test_plug_in_files
    runs the wait)."""
    text = udev_rules.render()
    assert fire(text, net_event(0x1199, 0x9079)) == [WAIT]
    assert fire(text, net_event(0x05C6, 0x90D5)) == [WAIT] == fire(text, net_event(0x2C7C, 0x030A))
    # A reported entry only where the machine opted in, as its node's run.
    assert fire(text, net_event(0x1199, 0x9071)) == []
    assert fire(text, net_event(0x1199, 0x9071, opted_in=True)) == [WAIT]
    # Other modems and other drivers: nothing.
    assert fire(text, net_event(0x1234, 0x5678)) == []
    assert fire(text, net_event(0x1199, 0x9079, driver="qmi_wwan")) == []


def tty_event(vendor, product, kernel="ttyUSB2", opted_in=True):
    event = {
        ("ACTION", None): "add",
        ("SUBSYSTEM", None): "tty",
        ("KERNEL", None): kernel,
        ("SUBSYSTEMS", None): "usb",
        ("ATTRS", "idVendor"): f"{vendor:04x}",
        ("ATTRS", "idProduct"): f"{product:04x}",
    }
    if opted_in:
        event[("ENV", udev_rules.OPT_IN)] = "1"
    return event


def test_a_usb_modem_unlocked_over_at_is_matched_on_its_serial_ports_only():
    text = udev_rules.render()
    runs = fire(text, tty_event(0x33F8, 0x01A8))
    assert runs == ["/usr/bin/fcc-unlock --udev --method rw101-at --ids 33f8:01a8 $devnode"]
    assert fire(text, usb_event(0x33F8, 0x01A8, opted_in=True)) == []  # not on its MBIM node
    assert fire(text, tty_event(0x33F8, 0x01A8, opted_in=False)) == []  # reported: opt-in
    # A serial port of any other USB device, a Sierra modem's included, runs nothing.
    assert fire(text, tty_event(0x1199, 0x9079)) == []
    assert fire(text, tty_event(0x0403, 0x6001, kernel="ttyUSB0")) == []


def test_a_not_opted_in_reported_entry_still_keeps_the_plain_entry_away():
    # Dell's FM350 (reported, intel-mbim) must not get the plain entry's AT unlock.
    text = udev_rules.render()
    assert runs_on_every_port(text, (0x14C3, 0x4D75), (0x1028, 0x5931), opted_in=False) == []


def test_every_confirmed_entry_fires_on_its_port_without_opt_in():
    text = udev_rules.render()
    for device in DEVICES:
        if device.confidence != "confirmed" or device.method not in METHODS:
            continue
        if device.bus == "usb":
            runs = fire(text, usb_event(device.vendor, device.product))
        else:
            subsystem = device.subsystem or (0x17AA, 0x1234)
            subsystem = (subsystem[0], 0x1234 if subsystem[1] is None else subsystem[1])
            port = {"MBIM": "wwan0mbim0", "AT": "wwan0at0", "XMMRPC": "wwan0xmmrpc0"}[
                udev_rules.port_of(device)
            ]
            runs = fire(
                text, pci_event(udev_rules.port_of(device), port, device.vendor, device.product, subsystem)
            )
        assert runs == [expected_run(device)]


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
