"""Serve the simulated modem on a pty for other programs.

    python -m fcc_unlock.sim --link /tmp/wdm0 [--vendor sierra] [fault knobs]
    python -m fcc_unlock.sim --link /dev/fcc-sim-at0 --vendor fm350-at [--key HEX] [--latency S]

Prints ``ready <pty path>`` when it is listening; runs until SIGTERM or SIGINT, then
writes the transcript (one JSON object per received message) if asked to.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from fcc_unlock.sim.at_modem import VARIANTS, AtFaults, AtModem
from fcc_unlock.sim.faults import KINDS, Faults
from fcc_unlock.sim.model import SimModem
from fcc_unlock.sim.personalities import PERSONALITIES
from fcc_unlock.sim.pty import PtyModem


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m fcc_unlock.sim", description=__doc__.split("\n")[0])
    parser.add_argument("--link", help="create this symlink to the pty (like /dev/cdc-wdm0)")
    parser.add_argument("--vendor", choices=sorted([*PERSONALITIES, *VARIANTS]), default="sierra")
    parser.add_argument("--unlocked", action="store_true", help="start already unlocked")
    parser.add_argument(
        "--radio-on", action="store_true", help="start unlocked with the radio on (as ModemManager leaves it)"
    )
    parser.add_argument("--transcript", help="write received messages here (JSON lines) on exit")
    knobs = parser.add_argument_group("fault knobs", f"KIND is one of: {', '.join(KINDS)}")
    knobs.add_argument(
        "--latency", type=float, default=0.0, metavar="SECONDS", help="delay before each reply"
    )
    knobs.add_argument(
        "--serial", action="store_true", help="one request at a time: latency counts from the last reply"
    )
    knobs.add_argument("--chunk-size", type=int, default=0, metavar="BYTES", help="write replies in pieces")
    knobs.add_argument(
        "--max-control-transfer", type=int, default=0, metavar="BYTES", help="fragment replies to this size"
    )
    knobs.add_argument("--indications", action="store_true", help="an INDICATE_STATUS before each reply")
    knobs.add_argument("--stale-replies", action="store_true", help="a wrong-TID reply before each reply")
    knobs.add_argument("--never-answer", action="append", default=[], metavar="KIND")
    knobs.add_argument(
        "--function-error", action="append", default=[], metavar="KIND=CODE", help="FUNCTION_ERROR instead"
    )
    knobs.add_argument("--qmi-error", type=int, default=0, metavar="CODE", help="QMI error for the unlock")
    knobs.add_argument("--hang-up-on", metavar="KIND", help="unplug when this message arrives")
    knobs.add_argument("--no-qmi-service", action="store_true")
    knobs.add_argument("--garbage-before", action="append", default=[], metavar="KIND")
    knobs.add_argument("--garbage-instead", action="append", default=[], metavar="KIND")
    knobs.add_argument("--already-open", action="store_true", help="answer the first OPEN with CLOSE_DONE")
    knobs.add_argument("--hardware-switch-off", action="store_true", help="rfkill: radio switch off")
    knobs.add_argument(
        "--hostile", type=int, metavar="SEED", help="mutate replies at random from this seed (sim/hostile.py)"
    )
    knobs.add_argument(
        "--hostile-rate", type=float, default=0.25, metavar="P", help="chance that a reply is mutated"
    )
    knobs.add_argument(
        "--hostile-deadline",
        type=float,
        metavar="SECONDS",
        help="the client's timeout: some replies are held until around it",
    )
    sim = parser.add_argument_group("SIM and network knobs (sim/subscriber.py)")
    sim.add_argument("--no-sim", action="store_true", help="no SIM inserted")
    sim.add_argument("--pin-locked", action="store_true", help="the SIM wants PIN1 (1234) first")
    sim.add_argument(
        "--not-registered", action="store_true", help="no network in range: Searching, never registered"
    )
    at = parser.add_argument_group("AT modems (fm350-at, l860-at, rw101-at)")
    at.add_argument("--key", help="the 4 key bytes (hex) the lock expects (default: Lenovo's)")
    at.add_argument(
        "--lock-mode", type=int, choices=(0, 1, 2), default=2, help="0 none, 1 one-time, 2 power-up"
    )
    at.add_argument("--no-echo", action="store_true", help="start with echo off (ATE0)")
    at.add_argument("--unsolicited", action="store_true", help="unsolicited result codes in every reply")
    vendor = parser.add_argument_group("vendor knobs")
    vendor.add_argument(
        "--mbim-status",
        type=int,
        default=0,
        metavar="CODE",
        help="MBIM status for a vendor MBIM unlock (Quectel, Intel MBIM)",
    )
    vendor.add_argument(
        "--no-vendor-service", action="store_true", help="no Quectel or Intel MBIM service, no T99W696 0xE4"
    )
    vendor.add_argument("--old-firmware", action="store_true", help="Foxconn: accepts only the v1 unlock")
    vendor.add_argument(
        "--wrong-magic", action="store_true", help="Foxconn: expects a v2 magic of another key"
    )
    vendor.add_argument(
        "--fox-service",
        choices=("auth", "all"),
        help="Foxconn: 0x5571 (auth) or 0x5571 and 0x555E (all) only on the FOX service 0xE3",
    )
    vendor.add_argument("--wrong-key", action="store_true", help="Intel MBIM: expects another OEM's key")
    vendor.add_argument("--lock-disabled", action="store_true", help="Intel MBIM: lock mode 0 (no FCC lock)")
    return parser


def faults_from(args: argparse.Namespace) -> Faults:
    function_errors = {}
    for item in args.function_error:
        kind, _, code = item.partition("=")
        function_errors[kind] = int(code or "2", 0)
    return Faults(
        latency=args.latency,
        chunk_size=args.chunk_size,
        max_control_transfer=args.max_control_transfer,
        indications=args.indications,
        stale_replies=args.stale_replies,
        never_answer=tuple(args.never_answer),
        function_error=function_errors,
        qmi_error=args.qmi_error,
        hang_up_on=args.hang_up_on,
        no_qmi_service=args.no_qmi_service,
        garbage_before=tuple(args.garbage_before),
        garbage_instead=tuple(args.garbage_instead),
        already_open=args.already_open,
        hardware_switch_off=args.hardware_switch_off,
        mbim_status=args.mbim_status,
        no_vendor_service=args.no_vendor_service,
        old_firmware=args.old_firmware,
        wrong_magic=args.wrong_magic,
        fox_service=args.fox_service,
        wrong_key=args.wrong_key,
        lock_disabled=args.lock_disabled,
        hostile=args.hostile,
        hostile_rate=args.hostile_rate,
        hostile_deadline=args.hostile_deadline,
        serial=args.serial,
        no_sim=args.no_sim,
        pin_locked=args.pin_locked,
        not_registered=args.not_registered,
    )


def at_modem_from(args: argparse.Namespace) -> AtModem:
    """The AT modem the command line asks for (the AT knobs; latency and chunk size)."""
    from fcc_unlock.sim.at_modem import LENOVO_KEY

    key = bytes.fromhex(args.key) if args.key else LENOVO_KEY
    if len(key) != 4:
        raise ValueError("--key is 4 bytes of hex")
    faults = AtFaults(
        latency=args.latency,
        chunk_size=args.chunk_size,
        echo=not args.no_echo,
        unsolicited=args.unsolicited,
        serial=args.serial,
    )
    return AtModem(args.vendor, faults, key=key, mode=args.lock_mode)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        faults = faults_from(args)
    except ValueError as error:
        print(f"fcc_unlock.sim: {error}", file=sys.stderr)
        return 2
    modem: SimModem | AtModem
    try:
        if args.vendor in VARIANTS:
            modem = at_modem_from(args)
        else:
            modem = SimModem(PERSONALITIES[args.vendor](), faults)
    except ValueError as error:
        print(f"fcc_unlock.sim: {error}", file=sys.stderr)
        return 2
    modem.locked = not (args.unlocked or args.radio_on)
    if args.radio_on and isinstance(modem, SimModem):
        modem.radio_on()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    sim = PtyModem(modem, args.link).start()
    print(f"ready {sim.path}", flush=True)
    try:
        while not stop.wait(0.2) and not modem.hung_up:
            pass
    finally:
        sim.stop()
        if args.transcript:
            with open(args.transcript, "w") as f:
                for received in modem.transcript:
                    f.write(json.dumps(received.as_dict()) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
