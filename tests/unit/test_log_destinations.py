"""Where the result line goes: stderr on a terminal or the journal stream, syslog otherwise."""

from __future__ import annotations

import io
import os
import socket
import time

import pytest

from fcc_unlock.host.log import (
    LOG_ERR,
    LOG_INFO,
    Log,
    on_journal_stream,
    send_syslog,
    syslog_line,
    wants_syslog,
)


@pytest.fixture
def syslog_server(tmp_path, monkeypatch):
    """A datagram socket standing in for /dev/log; returns a function reading one message."""
    path = str(tmp_path / "log")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(path)
    server.settimeout(2)
    monkeypatch.setenv("FCC_UNLOCK_SYSLOG_SOCKET", path)
    yield lambda: server.recv(4096).decode()
    server.close()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_syslog_line_is_what_glibc_sends():
    when = time.mktime((2026, 11, 5, 9, 8, 7, 0, 0, -1))
    assert syslog_line(LOG_INFO, "cdc-wdm0 1199:9079 sierra: unlocked in 0.21 s", when, 42) == (
        b"<30>Nov  5 09:08:07 fcc-unlock[42]: cdc-wdm0 1199:9079 sierra: unlocked in 0.21 s"
    )
    # One line, control characters escaped: a newline or ESC from a device name stays visible.
    assert syslog_line(LOG_ERR, "a\nb\x1b", when, 1) == b"<27>Nov  5 09:08:07 fcc-unlock[1]: a\\nb\\x1b"


def test_syslog_mode_sends_one_datagram_and_nothing_to_stderr(syslog_server):
    stream = io.StringIO()
    Log("syslog", stream=stream).result("cdc-wdm0 1199:9079 sierra: unlocked in 0.21 s", ok=True)
    message = syslog_server()
    assert message.startswith("<30>")
    assert message.endswith(f" fcc-unlock[{os.getpid()}]: cdc-wdm0 1199:9079 sierra: unlocked in 0.21 s")
    assert stream.getvalue() == ""


def test_failures_are_logged_at_error_priority(syslog_server):
    Log("syslog", stream=io.StringIO()).result("cdc-wdm0: timed out (exit 4) after 8.00 s", ok=False)
    assert syslog_server().startswith("<27>")


def test_auto_without_a_terminal_goes_to_both(syslog_server, monkeypatch):
    monkeypatch.delenv("JOURNAL_STREAM", raising=False)
    stream = io.StringIO()
    Log("auto", stream=stream).result("x: unlocked in 0.10 s", ok=True)
    assert syslog_server().endswith("]: x: unlocked in 0.10 s")
    assert stream.getvalue() == "fcc-unlock: x: unlocked in 0.10 s\n"


def test_auto_on_a_terminal_stays_on_the_terminal(monkeypatch):
    monkeypatch.delenv("JOURNAL_STREAM", raising=False)
    assert not wants_syslog("auto", Terminal())
    assert wants_syslog("syslog", Terminal())
    assert not wants_syslog("stderr", io.StringIO())


def test_journal_stream_counts_only_if_it_is_our_stderr(tmp_path, monkeypatch):
    with open(tmp_path / "stream", "w") as journal, open(tmp_path / "other", "w") as other:
        info = os.fstat(journal.fileno())
        monkeypatch.setenv("JOURNAL_STREAM", f"{info.st_dev}:{info.st_ino}")
        assert on_journal_stream(journal)
        assert not wants_syslog("auto", journal)
        # ModemManager's dispatcher inherits JOURNAL_STREAM but silences our output.
        assert not on_journal_stream(other)
        assert wants_syslog("auto", other)
    assert not on_journal_stream(io.StringIO())


def test_without_a_syslog_socket_the_line_falls_back_to_the_stream(tmp_path, monkeypatch):
    monkeypatch.setenv("FCC_UNLOCK_SYSLOG_SOCKET", str(tmp_path / "nobody"))
    assert not send_syslog(LOG_INFO, "lost")
    stream = io.StringIO()
    Log("syslog", stream=stream).result("x: unlocked in 0.10 s", ok=True)
    assert stream.getvalue() == "fcc-unlock: x: unlocked in 0.10 s\n"


def test_stream_only_syslog_socket_is_used_too(tmp_path, monkeypatch):
    path = str(tmp_path / "log")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    server.settimeout(2)
    monkeypatch.setenv("FCC_UNLOCK_SYSLOG_SOCKET", path)
    try:
        assert send_syslog(LOG_INFO, "over a stream")
        conn, _ = server.accept()
        with conn:
            assert conn.recv(4096).decode().endswith("]: over a stream\n")
    finally:
        server.close()
