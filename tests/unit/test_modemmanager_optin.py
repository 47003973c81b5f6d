"""Opting in to ModemManager's dispatcher: our links only, and only to an entry MM accepts."""

from __future__ import annotations

import os
import stat

import pytest
from conftest import ROOT

from fcc_unlock import modemmanager
from fcc_unlock.host.devices import DEVICES
from fcc_unlock.methods import METHODS

SHIM = ROOT / "packaging" / "modemmanager" / "fcc-unlock-dispatcher"


@pytest.fixture
def target(tmp_path):
    """A copy of the shipped entry, installed as a package would (root, 0755)."""
    path = tmp_path / "share" / "fcc-unlock-dispatcher"
    path.parent.mkdir()
    path.write_bytes(SHIM.read_bytes())
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def enabled(tmp_path):
    return str(tmp_path / "etc" / "ModemManager" / "fcc-unlock.d")


def test_shipped_entry_is_an_executable_shell_script_calling_dispatcher_mode():
    text = SHIM.read_text()
    assert text.startswith("#!/bin/sh\n")
    assert SHIM.stat().st_mode & stat.S_IXUSR
    assert 'exec /usr/bin/fcc-unlock --ids "$name" --modemmanager "$@"' in text
    assert 'exec /usr/bin/fcc-unlock --modemmanager "$@"' in text


def test_table_ids_are_the_runnable_entries_once_each():
    ids = modemmanager.table_ids()
    assert len(ids) == len(set(ids))
    assert set(ids) == {d.ids for d in DEVICES if d.method in METHODS}
    assert "1199:9079" in ids


@pytest.mark.skipif(os.geteuid() != 0, reason="the entry must be root's")
def test_enable_links_every_id_and_disable_removes_only_ours(target, enabled, capsys):
    os.makedirs(enabled)
    os.symlink("/usr/share/ModemManager/fcc-unlock.available.d/1199", os.path.join(enabled, "1199:9079"))
    assert modemmanager.main(["enable", "--dir", enabled, "--target", target]) == 0
    links = sorted(os.listdir(enabled))
    assert links == sorted(modemmanager.table_ids())
    for name in links:
        path = os.path.join(enabled, name)
        if name == "1199:9079":
            assert os.readlink(path).startswith("/usr/share/ModemManager")  # left alone
        else:
            assert os.readlink(path) == target
    assert "left alone, it is another entry" in capsys.readouterr().out
    assert modemmanager.main(["enable", "--dir", enabled, "--target", target]) == 0
    assert "already enabled" in capsys.readouterr().out
    assert modemmanager.main(["disable", "--dir", enabled, "--target", target]) == 0
    assert os.listdir(enabled) == ["1199:9079"]


@pytest.mark.skipif(os.geteuid() != 0, reason="the entry must be root's")
def test_enable_some_ids_and_dry_run(target, enabled, capsys):
    assert modemmanager.main(["enable", "--dir", enabled, "--target", target, "--dry-run"]) == 0
    assert not os.path.exists(enabled)
    assert "(dry run)" in capsys.readouterr().out
    assert modemmanager.main(["enable", "--dir", enabled, "--target", target, "--ids", "105B:E0AB"]) == 0
    assert os.listdir(enabled) == ["105b:e0ab"]
    modemmanager.main(["status", "--dir", enabled, "--target", target, "--ids", "105b:e0ab", "1199:9079"])
    out = capsys.readouterr().out
    assert "usable by ModemManager" in out
    assert "105b:e0ab: enabled" in out and "1199:9079: not enabled" in out


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to hand the entry to another owner")
@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda p: os.chmod(p, 0o775), "writable by group or others"),
        (lambda p: os.chmod(p, 0o644), "not executable by its owner"),
        (lambda p: os.chown(p, 65534, 65534), "owned by uid 65534, not root"),
        (lambda p: os.chmod(p, 0o4755), "set-UID"),
        (lambda p: open(p, "w").close(), "is empty"),
    ],
)
def test_enable_refuses_an_entry_modemmanager_would_refuse(target, enabled, change, reason, capsys):
    change(target)
    assert modemmanager.main(["enable", "--dir", enabled, "--target", target]) == 1
    assert reason in capsys.readouterr().err
    assert not os.path.exists(enabled)


def test_enable_refuses_a_missing_entry(enabled, tmp_path, capsys):
    assert modemmanager.main(["enable", "--dir", enabled, "--target", str(tmp_path / "nothing")]) == 1
    assert "No such file" in capsys.readouterr().err


def test_bad_ids_are_a_usage_error(enabled):
    with pytest.raises(SystemExit) as info:
        modemmanager.main(["enable", "--dir", enabled, "--ids", "1199"])
    assert info.value.code == 2
