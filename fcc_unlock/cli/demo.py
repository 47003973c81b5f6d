"""``fcc-unlock --demo``: the real unlock path against the built-in simulated modem."""

from __future__ import annotations

import sys


def run_demo(vendor: str, timeout: float, verbose: bool = True) -> int:
    from fcc_unlock.host.log import Log, print_document, say
    from fcc_unlock.run import unlock
    from fcc_unlock.sim.model import SimModem
    from fcc_unlock.sim.personalities import PERSONALITIES
    from fcc_unlock.sim.pty import PtyModem

    if vendor not in PERSONALITIES:
        say(f"unknown --vendor {vendor!r}; one of: {', '.join(PERSONALITIES)}")
        return 2
    personality = PERSONALITIES[vendor]()
    modem = SimModem(personality)
    print_document(f"Simulated modem: {personality.model}, FCC-locked: {modem.locked}")
    with PtyModem(modem) as sim:
        print_document(f"Serving it on {sim.path}; running: fcc-unlock --method {vendor} {sim.path}\n")
        log = Log("stderr", verbose=True, stream=sys.stdout)
        outcome = unlock(sim.path, vendor, timeout, log.trace, personality.ids)
        log.result(outcome.line(), outcome.ok)
    kinds = " -> ".join(received.kind for received in modem.transcript)
    print_document(f"\nThe modem received: {kinds}")
    print_document(f"FCC-locked now: {modem.locked}; exit status {int(outcome.exit_code)}")
    return int(outcome.exit_code)
