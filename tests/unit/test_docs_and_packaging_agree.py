"""The man page, the README and the packaging recipes say what the code does."""

from __future__ import annotations

import configparser
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
    debian = ROOT / "packaging" / "debian"
    install = (debian / "fcc-unlock.install").read_text().split("\n")
    pairs = dict(line.split() for line in install if line)
    assert pairs == {
        "packaging/modemmanager/fcc-unlock-dispatcher": DISPATCHER.rsplit("/", 1)[0].lstrip("/") + "/",
    }
    # The units and the rule go through debhelper, which picks lib/ or usr/lib/ for this
    # Debian and writes their maintainer scripts: each is copied to the name that
    # dh_installsystemd / dh_installudev (with its --name / --priority) installs as the
    # file the README names.
    rules = (debian / "rules").read_text()
    copies = dict(re.findall(r"^\tcp (\S+) (debian/\S+)$", rules, re.MULTILINE))
    assert copies == {
        "packaging/systemd/fcc-unlock@.service": "debian/fcc-unlock@.service",
        "packaging/systemd/fcc-unlock-resume.service": "debian/fcc-unlock.fcc-unlock-resume.service",
        "udev/85-fcc-unlock.rules": "debian/fcc-unlock.udev",
    }
    assert "\tdh_installsystemd --no-enable --no-start --name=fcc-unlock-resume\n" in rules
    assert "\tdh_installudev --priority=85\n" in rules
    assert RULE.endswith("/85-fcc-unlock.rules")
    cleaned = (debian / "clean").read_text().split()
    for source, copy in copies.items():
        assert (ROOT / source).is_file()
        assert copy in cleaned
    assert (debian / "fcc-unlock.manpages").read_text().split() == ["packaging/fcc-unlock.1"]


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
    # Nothing enabled behind the user's back: no systemctl, no links into ModemManager's dirs
    # (its directory is named only by the removal of our links, checked below).
    install_script = (ROOT / "packaging" / "arch" / "fcc-unlock.install").read_text()
    for recipe in (spec, pkgbuild, install_script):
        for macro, path in RPM_PATHS.items():
            recipe = recipe.replace(macro, path)
        removal = link_cleanup(recipe) if re.search(r"^\s*dir=/", recipe, re.MULTILINE) else ""
        commands = [
            line
            for line in recipe.splitlines()
            if not line.lstrip().startswith("#") and line.strip() + "\n" not in removal
        ]
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
        "LICENSE",
        "tests/conftest.py",
        "tests/unit/test_docs_and_packaging_agree.py",
        ".ci/run",
    ):
        assert re.search(rf"^[^/]+/{re.escape(path)}$", listing, re.MULTILINE), path
    assert "__pycache__" not in listing


@pytest.mark.parametrize(
    "path",
    [
        "packaging/debian/rules",
        "packaging/debian/postrm",
        "packaging/debian/tests/smoke",
        "packaging/modemmanager/fcc-unlock-dispatcher",
    ],
)
def test_scripts_are_executable(path):
    assert (ROOT / path).stat().st_mode & 0o111


# --- one source for metadata: pyproject.toml (and setup.cfg for the licence) ----------------

try:
    import tomllib
except ImportError:  # Python < 3.11: pytest brings tomli there
    import tomli as tomllib  # type: ignore[no-redef]

PACKAGING = ROOT / "packaging"


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def licence() -> str:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    expression, legacy = config["metadata"]["license_expression"], config["metadata"]["license"]
    assert expression == legacy, "setuptools >= 77 reads the one, older ones the other"
    return expression


def maintainer() -> str:
    (person,) = project()["maintainers"]
    return f"{person['name']} <{person['email']}>"


def construct_bounds() -> list[tuple[str, str]]:
    (requirement,) = [dep for dep in project()["dependencies"] if dep.startswith("construct")]
    bounds = re.findall(r"(>=|<)\s*([\d.]+)", requirement)
    assert ",".join(op + version for op, version in bounds) == requirement[len("construct") :]
    return sorted(bounds)


def deb822_fields(text: str) -> list[dict[str, str]]:
    """Paragraphs of a debian/control-style file; continuation lines keep their newline."""
    paragraphs = []
    for block in text.strip().split("\n\n"):
        fields: dict[str, str] = {}
        name = ""
        for line in block.splitlines():
            if line[:1] in (" ", "\t"):
                fields[name] += "\n" + line[1:]
            else:
                name, _, value = line.partition(":")
                fields[name] = value.strip()
        paragraphs.append(fields)
    return paragraphs


def debian_control() -> tuple[dict[str, str], dict[str, str]]:
    source, binary = deb822_fields((PACKAGING / "debian" / "control").read_text())
    return source, binary


def spec() -> str:
    return (PACKAGING / "rpm" / "fcc-unlock.spec").read_text()


def spec_tag(name: str) -> str:
    match = re.search(rf"^{name}:\s+(.+)$", spec(), re.MULTILINE)
    assert match, name
    return match.group(1).strip()


def pkgbuild() -> str:
    return (PACKAGING / "arch" / "PKGBUILD").read_text()


def pkgbuild_value(name: str) -> list[str]:
    match = re.search(rf"^{name}=(\(.*?\)|'[^']*'|\"[^\"]*\"|\S+)$", pkgbuild(), re.MULTILINE | re.DOTALL)
    assert match, name
    value = match.group(1)
    words = re.findall(r"'([^']*)'|\"([^\"]*)\"|(\S+)", value.strip("()"))
    return [next(part for part in word if part) for word in words]


def long_description_words(text: str) -> list[str]:
    return text.replace("\n.", "\n").split()


def test_every_recipe_has_the_version_of_pyproject():
    version = project()["version"]
    changelog = (PACKAGING / "debian" / "changelog").read_text()
    assert re.match(rf"fcc-unlock \({re.escape(version)}\) ", changelog)
    assert spec_tag("Version") == version
    assert re.search(rf"^\* .+ - {re.escape(version)}-1$", spec(), re.MULTILINE)
    assert pkgbuild_value("pkgver") == [version]


def test_every_recipe_has_the_description_of_pyproject():
    summary = project()["description"]
    _, binary = debian_control()
    synopsis, _, debian_long = binary["Description"].partition("\n")
    assert synopsis == summary
    assert spec_tag("Summary") == summary
    assert pkgbuild_value("pkgdesc") == [summary]
    rpm_long = spec().split("%description\n", 1)[1].split("\n%", 1)[0]
    assert long_description_words(debian_long) == long_description_words(rpm_long)
    # lintian (80) and rpmlint (Fedora: 80) limits, with room for Debian's leading blank
    assert max(len(line) for line in (debian_long + "\n" + rpm_long).splitlines()) <= 79


def test_every_recipe_has_the_home_page_and_maintainer_of_pyproject():
    home = project()["urls"]["Homepage"]
    source, _ = debian_control()
    assert source["Homepage"] == home
    assert spec_tag("URL") == home
    assert pkgbuild_value("url") == [home]
    # Source0 must be a full URL for rpmlint; rpmbuild and makepkg use its file name.
    assert spec_tag("Source0") == "%{url}/releases/%{srcname}-%{version}.tar.gz"
    assert pkgbuild_value("source") == ["$url/releases/$_srcname-$pkgver.tar.gz"]

    who = maintainer()
    assert source["Maintainer"] == who
    changelog = (PACKAGING / "debian" / "changelog").read_text()
    assert re.findall(r"^ -- (.+?>)  ", changelog, re.MULTILINE) == [who]
    assert re.findall(r"^\* \w{3} \w{3} \d\d \d{4} (.+?>) - ", spec(), re.MULTILINE) == [who]
    assert re.findall(r"^# Maintainer: (.+)$", pkgbuild(), re.MULTILINE) == [who]


def test_no_recipe_carries_an_address_lintian_rejects():
    # lintian's bogus-mail-host: a mail host that is not a dotted domain, like localhost.
    for path in PACKAGING.rglob("*"):
        if path.is_file():
            assert "@localhost" not in path.read_text(errors="replace"), path


def test_every_recipe_has_the_licence_of_setup_cfg():
    spdx = licence()
    assert "dynamic" in project() and "license" in project()["dynamic"]
    assert "license" not in project(), "the table form is deprecated, the string form needs setuptools >= 77"
    assert spec_tag("License") == spdx
    assert pkgbuild_value("license") == [spdx]
    copyright_files = deb822_fields((PACKAGING / "debian" / "copyright").read_text())[1]
    assert copyright_files["License"].split("\n")[0] == spdx
    assert re.match(r"\d{4}(-\d{4})? \S", copyright_files["Copyright"]), "lintian: a year"
    text = (ROOT / "LICENSE").read_text()
    assert "GNU GENERAL PUBLIC LICENSE" in text and "Version 2, June 1991" in text
    # -l: the wheel's License-File goes in as %license, and the build fails without one.
    assert re.search(r"^%pyproject_save_files -l fcc_unlock$", spec(), re.MULTILINE)


def test_every_recipe_has_the_construct_bound_of_pyproject():
    bounds = construct_bounds()
    debian_op = {">=": ">=", "<": "<<"}
    debian_version = {">=": "{}", "<": "{}~"}  # << 2.11~ also keeps 2.11 pre-releases out
    expected_debian = sorted(
        f"python3-construct ({debian_op[op]} {debian_version[op].format(v)})" for op, v in bounds
    )
    source, binary = debian_control()
    depends = [dep.strip() for dep in binary["Depends"].replace("\n", " ").split(",")]
    assert sorted(dep for dep in depends if "construct" in dep) == expected_debian
    build_depends = [dep.strip() for dep in source["Build-Depends"].replace("\n", " ").split(",")]
    assert (
        sorted(dep.replace(" <!nocheck>", "") for dep in build_depends if "construct" in dep)
        == expected_debian
    )
    assert sorted(dep for dep in pkgbuild_value("depends") if "construct" in dep) == sorted(
        f"python-construct{op}{v}" for op, v in bounds
    )
    # Fedora generates Requires from the wheel's metadata; a hand-written one could only drift.
    assert not re.search(r"^Requires:.*construct", spec(), re.MULTILINE)


# --- removal: the dispatcher links `enable` made go with the package, nothing else ----------

RPM_PATHS = {"%{_sysconfdir}": "/etc", "%{_datadir}/%{name}": "/usr/share/fcc-unlock"}


def link_cleanup(script: str) -> str:
    """The recipe's loop that removes our dispatcher links, from `dir=` to its `fi`."""
    for macro, path in RPM_PATHS.items():
        script = script.replace(macro, path)
    lines = [line.strip() for line in script.splitlines()]
    start = next(index for index, line in enumerate(lines) if line.startswith("dir=/"))
    end = next(index for index in range(start, len(lines)) if lines[index] == "done") + 2
    return "\n".join(lines[start:end]) + "\n"


def cleanups() -> dict[str, str]:
    return {
        "debian postrm": link_cleanup((PACKAGING / "debian" / "postrm").read_text()),
        "rpm %postun": link_cleanup(spec().split("\n%postun\n", 1)[1].split("\n%files", 1)[0]),
        "arch post_remove": link_cleanup(
            (PACKAGING / "arch" / "fcc-unlock.install").read_text().split("post_remove() {", 1)[1]
        ),
    }


def test_every_recipe_removes_the_dispatcher_links_the_same_way():
    scripts = cleanups()
    assert len(set(scripts.values())) == 1, scripts
    (script,) = set(scripts.values())
    assert f"dir={modemmanager.ENABLED_DIR}\n" in script
    assert f"dispatcher={modemmanager.DISPATCHER}\n" in script


def test_removal_takes_only_the_links_enable_made(tmp_path, monkeypatch):
    enabled = tmp_path / "fcc-unlock.d"
    # enable() links the dispatcher's path as given; the package is what makes it usable.
    monkeypatch.setattr(modemmanager, "entry_problem", lambda path: None)
    assert modemmanager.enable(str(enabled), modemmanager.DISPATCHER, ["1199:9079", "2c7c:030a"]) == 0
    (enabled / "105b:e0ab").symlink_to("/usr/lib/ModemManager/fcc-unlock.available.d/105b")
    (enabled / "1eac:1001").write_text("#!/bin/sh\n")
    (enabled / "413c:81a8").symlink_to(modemmanager.DISPATCHER + ".orig")
    (enabled / "README").symlink_to("fcc-unlock-dispatcher")
    script = cleanups()["debian postrm"].replace(modemmanager.ENABLED_DIR, str(enabled))
    run = subprocess.run(["sh", "-eu", "-c", script], capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    left = sorted(path.name for path in enabled.iterdir())
    assert left == ["105b:e0ab", "1eac:1001", "413c:81a8", "README"]


def test_removal_copes_with_no_directory_and_an_empty_one(tmp_path):
    script = cleanups()["debian postrm"]
    for directory in (tmp_path / "missing", tmp_path):
        run = subprocess.run(
            ["sh", "-eu", "-c", script.replace(modemmanager.ENABLED_DIR, str(directory))],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert run.returncode == 0 and run.stderr == "", run.stderr


def test_debian_removal_is_on_remove_and_purge_and_rpm_on_erase_only():
    postrm = (PACKAGING / "debian" / "postrm").read_text()
    assert 'if [ "$1" = remove ] || [ "$1" = purge ]; then\n\tdir=' in postrm
    assert postrm.index("dir=") < postrm.index("#DEBHELPER#")
    postun = spec().split("\n%postun\n", 1)[1]
    assert 'if [ "$1" -eq 0 ]; then\n    dir=' in postun  # 0 packages left: erase, not upgrade
    assert re.search(r"^install=fcc-unlock.install$", pkgbuild(), re.MULTILINE)
