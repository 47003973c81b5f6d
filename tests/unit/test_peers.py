"""Is ModemManager running? Read from a fake /proc (host/peers.py)."""

from __future__ import annotations

from fcc_unlock.cli import unlock as cli_unlock
from fcc_unlock.host import peers


def fake_proc(tmp_path, names):
    for pid, comm in names.items():
        (tmp_path / str(pid)).mkdir()
        (tmp_path / str(pid) / "comm").write_bytes(comm + b"\n")
    (tmp_path / "self").mkdir()
    return str(tmp_path)


def test_modemmanager_is_found_by_its_process_name(tmp_path):
    assert peers.modemmanager_running(fake_proc(tmp_path, {1: b"systemd", 812: b"ModemManager"}))


def test_similar_names_and_a_missing_proc_are_not_modemmanager(tmp_path):
    assert not peers.modemmanager_running(fake_proc(tmp_path, {1: b"systemd", 9: b"ModemManagerX"}))
    assert not peers.modemmanager_running(str(tmp_path / "missing"))


def test_only_the_xmm7360_switches_its_radio_on_and_only_without_modemmanager(monkeypatch):
    monkeypatch.setattr(peers, "modemmanager_running", lambda: False)
    assert cli_unlock.radio_left_to_us("xmm7360-rpc")
    assert not cli_unlock.radio_left_to_us("sierra")
    monkeypatch.setattr(peers, "modemmanager_running", lambda: True)
    assert not cli_unlock.radio_left_to_us("xmm7360-rpc")
