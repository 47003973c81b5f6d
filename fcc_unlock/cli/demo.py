"""``fcc-unlock --demo``: the real unlock path against the built-in simulated modem.

Every method has a simulated modem of its family: the MBIM personalities
(sim/personalities.py), the AT modems (sim/at_modem.py) and the XMM7360 (sim/xmmrpc_modem.py).
The keyed methods are given the key the simulated modem expects, as ``--key`` would,
because this machine's own key (host/keys.py) belongs to another modem.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from fcc_unlock.host.keys import Key


def vendors() -> list[str]:
    from fcc_unlock.sim.at_modem import VARIANTS
    from fcc_unlock.sim.personalities import PERSONALITIES

    return [*PERSONALITIES, *VARIANTS, "xmm7360-rpc"]


def simulated(vendor: str) -> tuple[Any, Any, Key | None]:
    """(the modem model, its pty server, the key it expects or None) for ``vendor``."""
    from fcc_unlock.host.keys import LENOVO_MODEL_ID, Key
    from fcc_unlock.sim.at_modem import VARIANTS, pty_modem
    from fcc_unlock.sim.personalities import PERSONALITIES
    from fcc_unlock.sim.pty import PtyModem

    if vendor in PERSONALITIES:
        from fcc_unlock.sim.model import SimModem

        personality = PERSONALITIES[vendor]()
        modem = SimModem(personality)
        model_id = getattr(personality, "model_id", None)
        key = Key.from_model_id(model_id, "the simulated modem's model id") if model_id else None
        return modem, PtyModem(modem), key
    lenovo = Key.from_model_id(LENOVO_MODEL_ID, "the simulated modem's model id (Lenovo's)")
    if vendor in VARIANTS:
        server = pty_modem(vendor, key=lenovo.value)
        return server.modem, server, lenovo
    from fcc_unlock.sim.xmmrpc_modem import XmmRpcModem

    xmm = XmmRpcModem(key=lenovo.value)
    return xmm, PtyModem(xmm), lenovo


def run_demo(vendor: str, timeout: float, verbose: bool = True) -> int:
    from fcc_unlock.cli.unlock import radio_left_to_us
    from fcc_unlock.host.log import Log, print_document, say
    from fcc_unlock.run import unlock

    if vendor not in vendors():
        say(f"unknown --vendor {vendor!r}; one of: {', '.join(vendors())}")
        return 2
    modem, server, key = simulated(vendor)
    model = getattr(modem, "model", None) or modem.personality.model
    ids = getattr(modem, "ids", None) or modem.personality.ids
    print_document(f"Simulated modem: {model}, FCC-locked: {modem.locked}")
    with server as sim:
        given = f" --key {key.hex}" if key is not None else ""
        print_document(f"Serving it on {sim.path}; running: fcc-unlock --method {vendor}{given} {sim.path}\n")
        log = Log("stderr", verbose=True, stream=sys.stdout)
        outcome = unlock(
            sim.path, vendor, timeout, log.trace, ids, key=key, radio_on=radio_left_to_us(vendor)
        )
        log.result(outcome.line(), outcome.ok)
    kinds = " -> ".join(received.kind for received in modem.transcript)
    print_document(f"\nThe modem received: {kinds}")
    print_document(f"FCC-locked now: {modem.locked}; exit status {int(outcome.exit_code)}")
    return int(outcome.exit_code)
