"""The man page, the README and the packaging recipes say what the code does."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import ROOT, require_tool

from fcc_unlock import modemmanager
from fcc_unlock.cli import args as cli_args
from fcc_unlock.errors import DESCRIPTIONS, ExitCode

MAN = ROOT / "packaging" / "fcc-unlock.1"
README = ROOT / "README.md"
EXPECTED = {int(code): text for code, text in DESCRIPTIONS.items()}


def man_section(name: str) -> str:
    text = MAN.read_text()
    start = text.index(f".SH {name}\n") + len(f".SH {name}\n")
    end = text.find("\n.SH ", start)
    return text[start : end if end >= 0 else None]


def test_every_exit_code_is_described_once():
    assert set(DESCRIPTIONS) == set(ExitCode)


def test_man_page_exit_status_is_the_table_in_code():
    lines = man_section("EXIT STATUS").splitlines()
    entries = {}
    for index, line in enumerate(lines):
        if line == ".TP":
            code = re.fullmatch(r"\.B (\d+)", lines[index + 1])
            assert code, lines[index + 1]
            entries[int(code.group(1))] = lines[index + 2]
    assert entries == EXPECTED


def test_readme_exit_status_is_the_table_in_code():
    text = README.read_text()
    table = text[text.index("## Exit status") :].split("\n\n")[1]
    rows = re.findall(r"^\| (\d+) \| (.+?) \|$", table, re.MULTILINE)
    assert {int(code): meaning for code, meaning in rows} == EXPECTED


def test_man_page_documents_every_long_option():
    options = {
        option
        for action in cli_args.build_parser()._actions
        for option in action.option_strings
        if option.startswith("--") and option not in ("--help", "--version")
    }
    documented = set(re.findall(r"\\-\\-([a-z][a-z-\\]*)", MAN.read_text()))
    documented = {"--" + word.replace("\\-", "-") for word in documented}
    assert options - documented == set()


def test_man_page_renders_without_warnings():
    groff = require_tool("groff")
    run = subprocess.run([groff, "-man", "-ww", "-z", str(MAN)], capture_output=True, text=True, timeout=30)
    assert run.returncode == 0 and run.stderr == "", run.stderr


# --- install paths: the three recipes, the opt-in command and the README agree -------------

RULE = "/usr/lib/udev/rules.d/85-fcc-unlock.rules"
UNITS = "/usr/lib/systemd/system"
DISPATCHER = "/usr/share/fcc-unlock/modemmanager/fcc-unlock-dispatcher"


def test_debian_installs_each_file_where_the_readme_says():
    install = (ROOT / "packaging" / "debian" / "fcc-unlock.install").read_text().split("\n")
    pairs = dict(line.split() for line in install if line)
    assert pairs == {
        "udev/85-fcc-unlock.rules": RULE.rsplit("/", 1)[0].lstrip("/") + "/",
        "packaging/systemd/fcc-unlock@.service": UNITS.lstrip("/") + "/",
        "packaging/systemd/fcc-unlock-resume.service": UNITS.lstrip("/") + "/",
        "packaging/modemmanager/fcc-unlock-dispatcher": DISPATCHER.rsplit("/", 1)[0].lstrip("/") + "/",
    }
    for source in pairs:
        assert (ROOT / source).is_file()
    assert (ROOT / "packaging" / "debian" / "fcc-unlock.manpages").read_text().split() == [
        "packaging/fcc-unlock.1"
    ]


def test_fedora_and_arch_install_the_same_files_to_the_same_places():
    spec = (ROOT / "packaging" / "rpm" / "fcc-unlock.spec").read_text()
    pkgbuild = (ROOT / "packaging" / "arch" / "PKGBUILD").read_text()
    assert "%{buildroot}%{_udevrulesdir}/85-fcc-unlock.rules" in spec
    assert "%{buildroot}%{_unitdir}/fcc-unlock@.service" in spec
    assert "%{buildroot}%{_unitdir}/fcc-unlock-resume.service" in spec
    assert "%{buildroot}%{_datadir}/%{name}/modemmanager/fcc-unlock-dispatcher" in spec
    assert f'"$pkgdir{RULE}"' in pkgbuild
    assert f'"$pkgdir{UNITS}/fcc-unlock@.service"' in pkgbuild
    assert f'"$pkgdir{UNITS}/fcc-unlock-resume.service"' in pkgbuild
    assert f'"$pkgdir{DISPATCHER}"' in pkgbuild
    # Nothing enabled behind the user's back: no systemctl, no links into ModemManager's dirs.
    for recipe in (spec, pkgbuild):
        commands = [line for line in recipe.splitlines() if not line.lstrip().startswith("#")]
        assert not any("systemctl" in line or "ModemManager/fcc-unlock.d" in line for line in commands)
    assert "dh_installsystemd --no-enable --no-start" in (ROOT / "packaging" / "debian" / "rules").read_text()


def test_readme_and_opt_in_command_name_the_same_paths():
    text = README.read_text()
    for path in (
        RULE,
        f"{UNITS}/fcc-unlock@.service",
        DISPATCHER,
        "/etc/ModemManager/fcc-unlock.d/<vid>:<pid>",
    ):
        assert path in text, path
    assert modemmanager.DISPATCHER == DISPATCHER
    assert modemmanager.ENABLED_DIR == "/etc/ModemManager/fcc-unlock.d"
    assert "systemctl enable fcc-unlock-resume.service" in text
    assert "python3 -m fcc_unlock.modemmanager enable" in text


def test_sdist_carries_the_files_the_recipes_install(tmp_path):
    build = subprocess.run(
        [
            sys.executable,
            "-W",
            "ignore",
            "-c",
            f"from setuptools import build_meta; print(build_meta.build_sdist({str(tmp_path)!r}))",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert build.returncode == 0, build.stderr
    name = build.stdout.split()[-1]
    listing = subprocess.run(
        ["tar", "tzf", str(tmp_path / name)], capture_output=True, text=True, check=True
    ).stdout
    for path in (
        "udev/85-fcc-unlock.rules",
        "packaging/systemd/fcc-unlock@.service",
        "packaging/fcc-unlock.1",
        "packaging/modemmanager/fcc-unlock-dispatcher",
        "packaging/systemd/fcc-unlock-resume.service",
    ):
        assert re.search(rf"^[^/]+/{re.escape(path)}$", listing, re.MULTILINE), path


@pytest.mark.parametrize("path", ["packaging/debian/rules", "packaging/modemmanager/fcc-unlock-dispatcher"])
def test_scripts_are_executable(path):
    assert (ROOT / path).stat().st_mode & 0o111
