"""The shipped udev rule's RUN command, run the way systemd-udevd runs it.

udevd substitutes $devnode, gives the program no terminal and discards its output,
and waits for it: the command must end within its deadline, leave no process
behind, and say what happened in syslog. The program is invoked through a file
like the script pip installs as /usr/bin/fcc-unlock.
"""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
import time

import pytest
from conftest import ROOT, cli_env

RULES = ROOT / "udev" / "85-fcc-unlock.rules"


def rule_command(ids: str) -> list[str]:
    """The RUN+= command of the shipped rule for these ids, as a list of words."""
    for line in RULES.read_text().splitlines():
        if f"--ids {ids} " in line:
            return shlex.split(re.search(r'RUN\+="([^"]*)"', line).group(1))
    raise AssertionError(f"no rule for {ids}")


@pytest.fixture
def console_script(tmp_path):
    """scripts/fcc-unlock installed as pip would (its ``#!python`` made this Python),
    with the checkout put on sys.path since udev gives the program a bare environment."""
    shebang, body = (ROOT / "scripts" / "fcc-unlock").read_text().split("\n", 1)
    assert shebang == "#!python"
    path = tmp_path / "fcc-unlock"
    path.write_text(f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(ROOT)!r})\n{body}")
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def syslog(tmp_path):
    path = str(tmp_path / "log")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(path)
    server.settimeout(2)
    yield path, lambda: server.recv(4096).decode()
    server.close()


def substituted(word: str, devnode: str, program: str, locks: str) -> str:
    """What udev makes of a word (its escapes, $devnode, the USB device's numbers, as
    0 and 0 here), with our program and lock directory in place of the installed ones."""
    word = word.replace("/usr/bin/fcc-unlock", program).replace("/run/lock/fcc-unlock", locks)
    word = word.replace("$devnode", devnode).replace("$attr{busnum}", "0").replace("$attr{devnum}", "0")
    return word.replace("$$", "$").replace("%%", "%")


def run_like_udev(command: list[str], devnode: str, program: str, syslog_path: str, tmp_path):
    locks = str(tmp_path / "locks")
    argv = [substituted(word, devnode, program, locks) for word in command]
    env = cli_env()
    env.update(FCC_UNLOCK_SYSLOG_SOCKET=syslog_path, FCC_UNLOCK_LOCK_DIR=locks)
    started = time.monotonic()
    process = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,  # its own process group: we can look for leftovers
    )
    out, err = process.communicate(timeout=30)
    elapsed = time.monotonic() - started
    with pytest.raises(ProcessLookupError):
        os.killpg(process.pid, 0)  # nobody left in its process group
    # The node's shell marked the run with its process id, which exec gave fcc-unlock.
    assert (tmp_path / "locks" / "plug-0-0.run").read_text() == f"{process.pid}\n"
    return process.returncode, out, err, elapsed


def test_rule_command_unlocks_and_logs_to_syslog(sim, console_script, syslog, tmp_path):
    command = rule_command("1199:9079")
    # A USB MBIM node's run: a shell marks it for the interface's wait, then becomes
    # fcc-unlock (docs/modemmanager.md §4.2).
    assert command[:2] == ["/bin/sh", "-c"] and len(command) == 3
    assert command[2].endswith("; exec /usr/bin/fcc-unlock --udev --method sierra --ids 1199:9079 $devnode")
    code, out, err, elapsed = run_like_udev(command, sim.path, console_script, syslog[0], tmp_path)
    assert code == 0, err
    assert out == "" and err == ""  # udev would discard it: everything went to syslog
    line = syslog[1]()
    assert re.fullmatch(
        r"<30>\w{3} [ \d]\d \d\d:\d\d:\d\d fcc-unlock\[\d+\]: "
        r"pts/\d+ 1199:9079 sierra: unlocked in \d+\.\d\d s",
        line,
    ), line
    assert not sim.modem.locked
    assert elapsed < 5


def test_rule_command_ends_at_its_hard_deadline_on_a_silent_modem(
    sim_factory, console_script, syslog, tmp_path
):
    silent = sim_factory(never_answer=("open",))
    code, out, err, elapsed = run_like_udev(
        rule_command("1199:9079"), silent.path, console_script, syslog[0], tmp_path
    )
    assert code == 4
    assert 7.0 <= elapsed < 8.6  # the default deadline, 8 s, watchdog grace included
    assert "no reply to MBIM OPEN in time (exit 4)" in syslog[1]()
    assert out == "" and err == ""
