"""Serve a SimModem as a USB device through GadgetFS, so a real kernel binds cdc_mbim to it.

With ``dummy_hcd`` (a USB device controller and host controller joined in software)
this program is the device side and the same kernel is the host side: it enumerates
the modem, binds cdc_mbim and cdc_wdm, creates /dev/cdc-wdmN and tells udev. The
end-to-end VM test (tests/vm) plugs the simulated modem in this way::

    modprobe dummy_hcd && modprobe gadgetfs
    mkdir -p /dev/gadget && mount -t gadgetfs gadgetfs /dev/gadget
    python3 -m fcc_unlock.sim.gadget --vendor sierra --status /run/modem.json

MBIM travels in CDC control requests: the host sends each transfer with
SEND_ENCAPSULATED_COMMAND; for each reply transfer the modem raises RESPONSE_AVAILABLE
on its interrupt endpoint and the host fetches it with GET_ENCAPSULATED_RESPONSE.
Stopping the program (SIGTERM, SIGINT) or a ``hang_up_on`` fault unplugs the modem;
SIGUSR1 is a power loss: the modem leaves the bus and comes back FCC-locked, as after a
suspend that cut the slot's power (``SimModem.power_loss``).
The personality's ids are presented unless ``--ids VID:PID`` says otherwise (needed for
personalities whose ids are PCI ids); fault knobs are given as ``--fault NAME=VALUE``,
straight to ``Faults(NAME=VALUE)``.

Why GadgetFS: FunctionFS refuses class-specific interface descriptors, so it cannot
carry the CDC and MBIM functional descriptors cdc_mbim needs; GadgetFS takes the whole
configuration descriptor from us. Its limit shapes the device: a control transfer
above 256 bytes is clamped (IN) or stalled (OUT), so the modem advertises
wMaxControlMessage = 256 and never sends a transfer larger than that. Replies longer
than 256 bytes become MBIM fragments, and the host must learn the 256 (cdc-wdm's
IOCTL_WDM_MAX_COMMAND) to keep its own messages within it.

Each control transfer is one MBIM message or one fragment, so the gadget hands each to
``SimModem.receive_transfer()``, never to the byte-stream ``receive_data()`` the pty
uses: nothing of one transfer waits for the next. Not every host keeps within the 256:
libmbim (mbim-proxy, ModemManager) sends any message up to 4096 bytes in one write,
and cdc-wdm cuts that write at 256 without telling anyone, so mbim-proxy's 292-byte
DEVICE_SERVICE_SUBSCRIBE_LIST arrives as 256 bytes. The model counts such a transfer
(``truncated_transfers`` in the status, beside ``overlong_transfers`` and
``headerless_transfers``) and answers it as docs/protocol.md §7.4 says: by default
leniently, from the bytes that arrived; with ``--fault strict_transfer_length=true``
with FUNCTION_ERROR LENGTH_MISMATCH. The log (stderr) has a line for each transfer,
``OUT <n> bytes tid <t>`` from the host and ``IN <n> bytes tid <t>`` to it.

A second limit concerns hosts that send the next command before the last is answered
(MBIM allows several in flight). gadgetfs takes in the data of a control OUT transfer
before it tells us about the request, and holds one such request: when the next
SEND_ENCAPSULATED_COMMAND arrives before we have read the last, the last is lost (the
read fails with EIDRM, counted as ``overrun`` in the status, or its event is replaced).
A real modem NAKs the next transfer until it is ready. To get the same pacing, run the
gadget at real-time priority on a single CPU (``chrt -f 10``, as the VM test does): it
then always reads a request before the host can send another.

Stdlib and our codecs only, like the rest of the simulator.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import struct
import sys
import threading
import time

from fcc_unlock.mbim import _structs as wire
from fcc_unlock.mbim.messages import FRAGMENT_PREFIX_SIZE, FRAGMENTED_TYPES
from fcc_unlock.sim.actions import HangUp, Write
from fcc_unlock.sim.model import SimModem

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

    from fcc_unlock.sim.faults import Faults

GADGET_DIR = "/dev/gadget"
MAX_CONTROL_MESSAGE = 256  # gadgetfs's control buffer (RBUF_SIZE); see the module docstring

# The interfaces and endpoints, named as dummy_udc names its endpoints.
CONTROL_INTERFACE, DATA_INTERFACE = 0, 1
NOTIFY_ENDPOINT, NOTIFY_FILE = 0x85, "ep5in-int"
BULK_IN_ENDPOINT, BULK_IN_FILE = 0x81, "ep1in-bulk"
BULK_OUT_ENDPOINT, BULK_OUT_FILE = 0x02, "ep2out-bulk"

# USB descriptors (USB 2.0 ch. 9, CDC 1.2, MBIM 1.0 §6), declared once here.
DEVICE_DESCRIPTOR = struct.Struct("<BBHBBBBHHHBBBB")
CONFIG_DESCRIPTOR = struct.Struct("<BBHBBBBB")
INTERFACE_DESCRIPTOR = struct.Struct("<BBBBBBBBB")
ENDPOINT_DESCRIPTOR = struct.Struct("<BBBBHB")
CDC_HEADER = struct.Struct("<BBBH")
CDC_UNION = struct.Struct("<BBBBB")
MBIM_FUNCTIONAL = struct.Struct("<BBBHHBBHB")
NTB_PARAMETERS = struct.Struct("<HHIHHHHIHHHH")  # NCM 1.0 §6.2.1, MBIM's GET_NTB_PARAMETERS
NOTIFICATION = struct.Struct("<BBHHH")  # CDC notification header, no data
GADGETFS_EVENT = struct.Struct("<BBHHHI")  # struct usb_gadgetfs_event: setup packet, type
U32 = struct.Struct("<I")

# Descriptor types and class codes.
DT_DEVICE, DT_CONFIG, DT_STRING, DT_INTERFACE, DT_ENDPOINT, DT_CS_INTERFACE = 1, 2, 3, 4, 5, 0x24
CLASS_COMM, SUBCLASS_MBIM, CLASS_DATA, PROTOCOL_NTB = 0x02, 0x0E, 0x0A, 0x02
CDC_HEADER_TYPE, CDC_UNION_TYPE, MBIM_FUNCTIONAL_TYPE = 0x00, 0x06, 0x1B
BULK, INTERRUPT = 2, 3

# gadgetfs events (enum usb_gadgetfs_event_type) and the control requests we answer.
EVENT_CONNECT, EVENT_DISCONNECT, EVENT_SETUP, EVENT_SUSPEND = 1, 2, 3, 4
GET_DESCRIPTOR, SET_CONFIGURATION, SET_INTERFACE = 0x06, 0x09, 0x0B
SEND_ENCAPSULATED_COMMAND, GET_ENCAPSULATED_RESPONSE, GET_NTB_PARAMETERS = 0x00, 0x01, 0x80
RESPONSE_AVAILABLE = 0x01
STANDARD, CLASS = 0, 1


def endpoint(address: int, kind: int, max_packet: int, interval: int = 0) -> bytes:
    return ENDPOINT_DESCRIPTOR.pack(
        ENDPOINT_DESCRIPTOR.size, DT_ENDPOINT, address, kind, max_packet, interval
    )


def interface(number: int, alternate: int, endpoints: int, cls: int, subclass: int, protocol: int) -> bytes:
    size = INTERFACE_DESCRIPTOR.size
    return INTERFACE_DESCRIPTOR.pack(
        size, DT_INTERFACE, number, alternate, endpoints, cls, subclass, protocol, 0
    )


def notify_endpoint(high_speed: bool) -> bytes:
    # 32 ms: full speed counts frames, high speed 2^(n-1) microframes.
    return endpoint(NOTIFY_ENDPOINT, INTERRUPT, 64, 9 if high_speed else 32)


def bulk_endpoints(high_speed: bool) -> tuple[bytes, bytes]:
    size = 512 if high_speed else 64
    return endpoint(BULK_IN_ENDPOINT, BULK, size), endpoint(BULK_OUT_ENDPOINT, BULK, size)


def configuration(high_speed: bool) -> bytes:
    """An MBIM function: control interface (CDC/MBIM) and data interface (NTB), alt 0 and 1."""
    body = b"".join(
        (
            interface(CONTROL_INTERFACE, 0, 1, CLASS_COMM, SUBCLASS_MBIM, 0),
            CDC_HEADER.pack(CDC_HEADER.size, DT_CS_INTERFACE, CDC_HEADER_TYPE, 0x0110),
            CDC_UNION.pack(
                CDC_UNION.size, DT_CS_INTERFACE, CDC_UNION_TYPE, CONTROL_INTERFACE, DATA_INTERFACE
            ),
            MBIM_FUNCTIONAL.pack(
                MBIM_FUNCTIONAL.size,
                DT_CS_INTERFACE,
                MBIM_FUNCTIONAL_TYPE,
                0x0100,  # MBIM 1.0
                MAX_CONTROL_MESSAGE,
                16,  # packet filters
                128,  # filter size
                1500,  # max segment size
                0,  # network capabilities: none, so no NTB format or CRC requests
            ),
            notify_endpoint(high_speed),
            interface(DATA_INTERFACE, 0, 0, CLASS_DATA, 0, PROTOCOL_NTB),
            interface(DATA_INTERFACE, 1, 2, CLASS_DATA, 0, PROTOCOL_NTB),
            *bulk_endpoints(high_speed),
        )
    )
    # Bus powered, 500 mA. gadgetfs rejects a configuration that asks for remote wakeup.
    head = CONFIG_DESCRIPTOR.pack(
        CONFIG_DESCRIPTOR.size, DT_CONFIG, CONFIG_DESCRIPTOR.size + len(body), 2, 1, 0, 0x80, 250
    )
    return head + body


def device_descriptor(vendor: int, product: int) -> bytes:
    # Class defined per interface; string indexes 1, 2, 3 (manufacturer, product, serial).
    return DEVICE_DESCRIPTOR.pack(
        DEVICE_DESCRIPTOR.size, DT_DEVICE, 0x0200, 0, 0, 0, 64, vendor, product, 0x0006, 1, 2, 3, 1
    )


def string_descriptor(text: str) -> bytes:
    encoded = text.encode("utf-16-le")
    return bytes((2 + len(encoded), DT_STRING)) + encoded


LANGUAGES = bytes((4, DT_STRING)) + (0x0409).to_bytes(2, "little")  # en-US
NTB16_ONLY = NTB_PARAMETERS.pack(NTB_PARAMETERS.size, 0x0001, 16384, 4, 0, 4, 0, 16384, 4, 0, 4, 0)
RESPONSE_AVAILABLE_NOTIFICATION = NOTIFICATION.pack(0xA1, RESPONSE_AVAILABLE, 0, CONTROL_INTERFACE, 0)


def parse_ids(text: str) -> tuple[int, int]:
    vendor, sep, product = text.partition(":")
    if not sep:
        raise ValueError(f"USB ids must be VID:PID, not {text!r}")
    return int(vendor, 16), int(product, 16)


def fragment_of(data: bytes) -> list[int] | None:
    """[index, total] of a fragmentable message's transfer; None for other messages."""
    if len(data) < FRAGMENT_PREFIX_SIZE:
        return None
    message_type = wire.HEADER.unpack_from(data)[0]
    if message_type not in FRAGMENTED_TYPES:
        return None
    total, index = wire.FRAGMENT_HEADER.unpack_from(data, wire.HEADER.size)
    return [index, total]


def transfer_tid(data: bytes) -> int | str:
    """The transaction id in a transfer's header, for the log; "?" without a header."""
    if len(data) < wire.HEADER.size:
        return "?"
    tid: int = wire.HEADER.unpack_from(data)[2]
    return tid


class Unplugged(Exception):
    """Stop serving: the modem leaves the bus."""


class PowerLoss(Exception):
    """The modem loses power: off the bus, and back on FCC-locked (power_cycle())."""


class GadgetModem:
    """A SimModem on the device side of a USB controller, through GadgetFS."""

    def __init__(
        self,
        modem: SimModem,
        ids: tuple[int, int],
        status_path: str | None = None,
        gadget_dir: str = GADGET_DIR,
        log: TextIO | None = None,
    ) -> None:
        self.modem = modem
        self.ids = ids
        self.status_path = status_path
        self.gadget_dir = gadget_dir
        self.log_stream = log
        self.state = "starting"
        self.to_modem: list[int] = []  # size of every control transfer the host sent
        self.to_host: list[dict[str, object]] = []  # size (and fragment) of every reply transfer
        self.overrun = 0  # control requests gadgetfs dropped before we could read them
        self.strings = {
            1: "fcc-unlock simulator",
            2: modem.personality.model,
            3: modem.personality.imei,
        }
        self._ep0 = -1
        self._endpoints: dict[str, int] = {}
        self._outbox: list[tuple[float, bytes]] = []  # (due, transfer), waiting to be announced
        self._ready: list[bytes] = []  # announced, waiting for GET_ENCAPSULATED_RESPONSE
        self._cond = threading.Condition()
        self.power_cycles = 0  # power_cycle() requests played
        self._entry_texts: list[str] = []  # the transcript's entries, JSON-encoded once
        self._power_cycle_requested = False
        self._check_faults(modem.faults)

    @staticmethod
    def _check_faults(faults: Faults) -> None:
        """Reject knobs USB cannot play; put the device's 256-byte limit into the model."""
        if faults.chunk_size:
            raise ValueError("chunk_size does not apply to USB: every control transfer arrives whole")
        if getattr(faults, "serial", False):
            raise ValueError("serial is played by the pty front-end only (sim/pty.py)")
        # The device's own limit: whatever the host asks for, no transfer above 256.
        limit = faults.max_control_transfer
        faults.max_control_transfer = min(limit, MAX_CONTROL_MESSAGE) if limit else MAX_CONTROL_MESSAGE

    # --- running ------------------------------------------------------------------

    def serve(self) -> None:
        """Plug in and answer the host until unplugged (a signal, or a hang-up fault).
        A power_cycle() request takes the modem off the bus and plugs it in again."""
        try:
            while True:
                self._plug_in()
                self._serve_until_unplugged()
                if not self._power_cycle_requested:
                    return
                self._power_cycle_requested = False
                self._unplug()
                self.modem.power_loss()
                self.power_cycles += 1
                self._log("power lost: off the bus, back on locked")
        except Unplugged:
            pass
        finally:
            self._unplug()

    def power_cycle(self) -> None:
        """A power loss, from the SIGUSR1 handler: interrupts serve()'s read of ep0."""
        self._power_cycle_requested = True
        raise PowerLoss

    def _plug_in(self) -> None:
        chip = self._controller()
        self._ep0 = os.open(os.path.join(self.gadget_dir, chip), os.O_RDWR | os.O_CLOEXEC)
        vendor, product = self.ids
        os.write(
            self._ep0,
            U32.pack(0) + configuration(False) + configuration(True) + device_descriptor(vendor, product),
        )
        self._log(f"plugged in on {chip} as {vendor:04x}:{product:04x}")
        self._set_state("plugged")
        threading.Thread(target=self._announce, name="gadget-notify", daemon=True).start()

    def _serve_until_unplugged(self) -> None:
        # A blocking read, nothing in between: the gadget must take each control request
        # before the host sends the next (see the module docstring), so no select().
        try:
            while not self.modem.hung_up:
                try:
                    data = os.read(self._ep0, GADGETFS_EVENT.size * 8)
                    for offset in range(0, len(data) - GADGETFS_EVENT.size + 1, GADGETFS_EVENT.size):
                        self._event(data[offset : offset + GADGETFS_EVENT.size])
                except OSError as error:
                    if error.errno != errno.EIDRM:
                        raise
                    # A new control request came before we had answered the last one.
                    self.overrun += 1
                    self._log("control request lost: the next one arrived before it was read (EIDRM)")
                    self._write_status()
        except PowerLoss:
            pass  # serve() takes the modem off the bus and back

    def _controller(self) -> str:
        try:
            names = os.listdir(self.gadget_dir)
        except OSError as error:
            raise OSError(f"{self.gadget_dir}: {error.strerror} (is gadgetfs mounted?)") from None
        chips = sorted(n for n in names if not n.startswith("ep"))
        if not chips:
            raise OSError(f"{self.gadget_dir}: no USB device controller (modprobe dummy_hcd)")
        return chips[0]

    def _unplug(self) -> None:
        with self._cond:
            if self._ep0 < 0:
                return
            self._set_state("hung up" if self.modem.hung_up else "unplugged")
            for fd in [*self._endpoints.values(), self._ep0]:
                try:
                    os.close(fd)
                except OSError:
                    pass
            self._endpoints.clear()
            self._ep0 = -1
            self._outbox.clear()  # replies to a host that is gone
            self._ready.clear()
            self._cond.notify_all()
        self._log("unplugged")

    # --- ep0: control requests --------------------------------------------------------

    def _event(self, raw: bytes) -> None:
        request_type, request, value, index, length, kind = GADGETFS_EVENT.unpack(raw)
        if kind == EVENT_SETUP:
            self._setup(request_type, request, value, index, length)
        elif kind == EVENT_CONNECT:
            self._log("connected")
        elif kind == EVENT_DISCONNECT:
            self._log("disconnected by the host")
        elif kind == EVENT_SUSPEND:
            self._log("suspended")

    def _setup(self, request_type: int, request: int, value: int, index: int, length: int) -> None:
        device_to_host = bool(request_type & 0x80)
        category = (request_type >> 5) & 3
        if category == STANDARD:
            if request == GET_DESCRIPTOR and value >> 8 == DT_STRING:
                text = self.strings.get(value & 0xFF)
                if value & 0xFF == 0:
                    return self._reply(LANGUAGES[:length])
                if text is None:
                    return self._stall(device_to_host)
                return self._reply(string_descriptor(text)[:length])
            if request == SET_CONFIGURATION:
                if value:
                    self._enable_endpoints()
                return self._ack()
            if request == SET_INTERFACE:
                return self._ack()  # cdc_ncm toggles the data interface between alt 0 and 1
            return self._stall(device_to_host)
        if category == CLASS:
            if request == SEND_ENCAPSULATED_COMMAND and not device_to_host:
                return self._command(os.read(self._ep0, length))
            if request == GET_ENCAPSULATED_RESPONSE and device_to_host:
                return self._response(length)
            if request == GET_NTB_PARAMETERS and device_to_host:
                return self._reply(NTB16_ONLY[:length])
            if not device_to_host:  # other NCM settings: accept and forget
                if length:
                    os.read(self._ep0, length)
                    return None
                return self._ack()
        return self._stall(device_to_host)

    def _reply(self, data: bytes) -> None:
        os.write(self._ep0, data)

    def _ack(self) -> None:
        os.read(self._ep0, 0)

    def _stall(self, device_to_host: bool) -> None:
        # gadgetfs stalls a request when we go the wrong way; EL2HLT says it did.
        try:
            if device_to_host:
                os.read(self._ep0, 0)
            else:
                os.write(self._ep0, b"")
        except OSError:
            pass

    # --- MBIM through the model -----------------------------------------------------

    def _command(self, data: bytes) -> None:
        """One SEND_ENCAPSULATED_COMMAND: a transfer, and so one message or fragment."""
        self.to_modem.append(len(data))
        self._log(f"OUT {len(data)} bytes tid {transfer_tid(data)}")
        now = time.monotonic()
        cut_before = self.modem.truncated_transfers
        actions = self.modem.receive_transfer(data, now)
        if self.modem.truncated_transfers > cut_before:
            length = wire.HEADER.unpack_from(data)[1]
            self._log(f"cut by the host: MessageLength {length}, {len(data)} bytes arrived")
        due = now + self.modem.faults.latency
        for action in actions:
            if isinstance(action, HangUp):
                self._write_status()
                raise Unplugged
            if isinstance(action, Write):
                with self._cond:
                    self._outbox.append((due + action.delay, action.data))
                    self._cond.notify_all()
        self._write_status()

    def _response(self, length: int) -> None:
        with self._cond:
            data = self._ready.pop(0) if self._ready else b""
        if data:
            self.to_host.append({"size": len(data), "fragment": fragment_of(data)})
            self._log(f"IN {min(len(data), length)} bytes tid {transfer_tid(data)}")
        self._reply(data[:length])
        self._write_status()

    def _enable_endpoints(self) -> None:
        if self._endpoints:
            return
        for name, full, high in (
            (NOTIFY_FILE, notify_endpoint(False), notify_endpoint(True)),
            (BULK_IN_FILE, bulk_endpoints(False)[0], bulk_endpoints(True)[0]),
            (BULK_OUT_FILE, bulk_endpoints(False)[1], bulk_endpoints(True)[1]),
        ):
            fd = os.open(os.path.join(self.gadget_dir, name), os.O_RDWR | os.O_CLOEXEC)
            os.write(fd, U32.pack(1) + full + high)
            self._endpoints[name] = fd
        self._log("configured")
        self._set_state("configured")
        self._write_status()

    def _announce(self) -> None:
        """Announce each reply transfer on the interrupt endpoint, in order, when due."""
        while True:
            with self._cond:
                while not self._outbox or NOTIFY_FILE not in self._endpoints:
                    if self._ep0 < 0:
                        return
                    self._cond.wait()
                due, data = self._outbox[0]
                wait = due - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                self._outbox.pop(0)
                self._ready.append(data)
                notify = self._endpoints[NOTIFY_FILE]
            try:
                os.write(notify, RESPONSE_AVAILABLE_NOTIFICATION)  # blocks until the host polls
            except OSError as error:
                self._log(f"notification not delivered: {error.strerror}")
                return

    # --- reporting ------------------------------------------------------------------

    def status(self, transcript: bool = True) -> dict[str, object]:
        modem = self.modem
        found: dict[str, object] = {
            "state": self.state,
            "pid": os.getpid(),
            "vendor": modem.personality.name,
            "ids": "{:04x}:{:04x}".format(*self.ids),
            "locked": modem.locked,
            "open": modem.is_open,
            "host_max_control_transfer": modem.host_max_control_transfer,
            "qmi_clients": len(modem.clients),
            "to_modem": self.to_modem,
            "to_host": self.to_host,
            "overrun": self.overrun,
            "clients": sorted([service, client_id] for client_id, service in modem.clients.items()),
            "power_cycles": self.power_cycles,
            "power_losses": modem.power_losses,
            "truncated_transfers": modem.truncated_transfers,
            "overlong_transfers": modem.overlong_transfers,
            "headerless_transfers": modem.headerless_transfers,
        }
        if transcript:
            found["transcript"] = [received.as_dict() for received in modem.transcript]
        return found

    def _set_state(self, state: str) -> None:
        self.state = state
        self._write_status()

    def _write_status(self) -> None:
        if not self.status_path:
            return
        # Written after every transfer, so kept cheap: each transcript entry is encoded
        # once, when it is complete; a slow gadget leaves gadgetfs's one slot for a
        # control request open to the next one longer.
        entries = self.modem.transcript
        for received in entries[len(self._entry_texts) :]:
            self._entry_texts.append(json.dumps(received.as_dict()))
        head = json.dumps(self.status(transcript=False))
        text = f'{head[:-1]}, "transcript": [{",".join(self._entry_texts)}]}}'
        temporary = f"{self.status_path}.{os.getpid()}.tmp"
        with open(temporary, "w") as f:
            f.write(text)
        os.replace(temporary, self.status_path)

    def _log(self, text: str) -> None:
        if self.log_stream is not None:
            print(f"[gadget {time.monotonic():.3f}] {text}", file=self.log_stream, flush=True)


# --- command line --------------------------------------------------------------------


def fault_knobs(items: list[str]) -> dict[str, object]:
    """``NAME=VALUE`` pairs for Faults(); VALUE is JSON (64, true, ["close"]) or a word."""
    knobs: dict[str, object] = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep:
            raise ValueError(f"a fault is NAME=VALUE, not {item!r}")
        try:
            knobs[name.replace("-", "_")] = json.loads(text)
        except ValueError:
            knobs[name.replace("-", "_")] = text
    return knobs


def main(argv: list[str] | None = None) -> int:
    import argparse

    from fcc_unlock.sim.faults import KINDS, Faults
    from fcc_unlock.sim.personalities import PERSONALITIES

    parser = argparse.ArgumentParser(
        prog="python -m fcc_unlock.sim.gadget", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--vendor", choices=sorted(PERSONALITIES), default="sierra")
    parser.add_argument("--ids", metavar="VID:PID", help="USB ids to present (default: the personality's)")
    parser.add_argument("--unlocked", action="store_true", help="start already unlocked")
    parser.add_argument("--status", metavar="FILE", help="keep the modem's state and transcript here (JSON)")
    parser.add_argument("--gadget-dir", default=GADGET_DIR, help="where gadgetfs is mounted")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help=f"a fault knob of fcc_unlock.sim.faults.Faults (KIND: {', '.join(KINDS)})",
    )
    args = parser.parse_args(argv)
    try:
        personality = PERSONALITIES[args.vendor]()
        ids = parse_ids(args.ids or personality.ids)
        modem = SimModem(personality, Faults(**fault_knobs(args.fault)))  # type: ignore[arg-type]
        modem.locked = not args.unlocked
        gadget = GadgetModem(modem, ids, args.status, args.gadget_dir, sys.stderr)
    except (TypeError, ValueError) as error:
        print(f"fcc_unlock.sim.gadget: {error}", file=sys.stderr)
        return 2

    def unplug(signum: int, frame: object) -> None:
        raise Unplugged

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, unplug)
    signal.signal(signal.SIGUSR1, lambda signum, frame: gadget.power_cycle())
    try:
        gadget.serve()
    except Unplugged:
        pass  # a signal before serving began
    except OSError as error:
        print(f"fcc_unlock.sim.gadget: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
