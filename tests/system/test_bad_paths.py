"""The program, as root, handed paths that are not modem control ports: nothing is written.

Each kind of path an adversary or a typo could hand over (a regular file and a
symlink to it, a FIFO, /dev/zero, /dev/full, /dev/null, a serial port's tty, a
directory, a socket, a real block device on a loop device) goes through every mode
that opens a port: an unlock with and without --method, --status with and without
--method, the udev rule's command, and through the proxy path. Each must exit 3 (not
a modem control port) at once, saying what the path is, and leave the target as it
was: file contents, FIFO, and sector 0 of the block device compared before and after.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess

import pytest
from conftest import IN_CI, run_cli

MODES = {
    "unlock": ["--method", "sierra"],
    "unlock-unnamed": [],
    "unlock-no-proxy": ["--method", "sierra", "--no-proxy"],
    "unlock-proxy": ["--method", "sierra", "--proxy"],
    "status": ["--status", "--method", "sierra"],
    "status-unnamed": ["--status"],
    "udev": ["--udev", "--method", "sierra", "--ids", "1199:9079"],
}
CONTENT = b"precious\n" * 64


def run(mode: str, path: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*MODES[mode], "--log", "stderr", "--timeout", "3", "--json", path, timeout=20)


def assert_refused(result: subprocess.CompletedProcess[str], what: str) -> None:
    context = f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr, context
    assert result.returncode == 3, context
    assert what in result.stdout + result.stderr, context


@pytest.mark.parametrize("mode", MODES)
def test_regular_file_and_a_symlink_to_it_are_left_alone(tmp_path, mode):
    victim = tmp_path / "precious"
    victim.write_bytes(CONTENT)
    link = tmp_path / "cdc-wdm0"
    link.symlink_to(victim)
    for path in (victim, link):
        assert_refused(run(mode, str(path)), "a regular file")
        assert victim.read_bytes() == CONTENT


@pytest.mark.parametrize("mode", MODES)
def test_fifo_gets_no_byte_and_no_hang(tmp_path, mode):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # so a write would land here
    try:
        assert_refused(run(mode, str(fifo)), "a FIFO")
        try:
            assert os.read(reader, 4096) == b""
        except BlockingIOError:
            pass  # nothing there: what we want
    finally:
        os.close(reader)


@pytest.mark.parametrize("mode", ["unlock", "status", "status-unnamed", "udev"])
@pytest.mark.parametrize(
    "path, what",
    [
        ("/dev/zero", "mem class (zero)"),
        ("/dev/full", "mem class (full)"),
        ("/dev/null", "mem class (null)"),
        ("/dev/ttyS0", "serial port (ttyS0)"),
    ],
)
def test_other_character_devices_are_refused(mode, path, what):
    if not os.path.exists(path):
        pytest.skip(f"{path} is not on this machine")
    assert_refused(run(mode, path), what)


@pytest.mark.parametrize("mode", ["unlock", "status"])
def test_directory_and_socket_are_refused(tmp_path, mode):
    assert_refused(run(mode, str(tmp_path)), "a directory")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(tmp_path / "sock"))
    try:
        assert_refused(run(mode, str(tmp_path / "sock")), "a socket")
    finally:
        listener.close()


@pytest.fixture
def loop_device(tmp_path):
    """A real block device: a loop device over a file of random bytes (root only)."""
    losetup = shutil.which("losetup")
    if os.geteuid() != 0 or losetup is None:
        if IN_CI:
            pytest.fail("CI runs as root with losetup: the block device case must run there")
        pytest.skip("needs root and losetup")
    backing = tmp_path / "disk.img"
    backing.write_bytes(os.urandom(64 * 1024))
    made = subprocess.run([losetup, "--find", "--show", str(backing)], capture_output=True, text=True)
    if made.returncode != 0:
        if IN_CI:
            pytest.fail(f"losetup failed: {made.stderr}")
        pytest.skip(f"losetup failed: {made.stderr}")
    device = made.stdout.strip()
    yield device, backing
    subprocess.run([losetup, "--detach", device], check=False)


def sector0(device: str) -> bytes:
    with open(device, "rb") as f:
        return f.read(512)


@pytest.mark.parametrize("mode", MODES)
def test_block_device_sector_zero_is_untouched(loop_device, mode):
    device, backing = loop_device
    before, image = sector0(device), backing.read_bytes()
    assert_refused(run(mode, device), "a block device")
    assert sector0(device) == before
    assert backing.read_bytes() == image


def test_the_refusal_line_says_what_the_path_is(tmp_path):
    victim = tmp_path / "precious"
    victim.write_bytes(CONTENT)
    result = run_cli("--method", "sierra", "--log", "stderr", str(victim))
    assert result.returncode == 3
    assert result.stderr.splitlines()[-1].startswith(
        f"fcc-unlock: {victim} sierra: a regular file, not a modem control port (exit 3)"
    )
