"""Fault knobs of the simulated modem, all off by default.

Message kinds name what a knob applies to: ``open``, ``close``, ``device-caps``,
``radio-state``, ``device-services``, ``subscribe-list``, ``subscriber-ready-status``,
``pin``, ``home-provider``, ``register-state``, ``packet-service``, ``signal-state``
(each the QUERY and the SET of its Basic Connect CID), ``qmi-allocate``,
``qmi-release``, ``qmi-sync``, ``qmi-version-info``, ``fcc-auth`` (Sierra 0x555F),
``foxconn-auth`` (0x5571 v1/v2, DMS or FOX service), ``foxconn-version`` (0x555E),
``get-ids``, ``get-operating-mode``, ``set-operating-mode``, ``quectel-radio-state``
(the Quectel query), ``quectel-set-radio-state`` (the Quectel SET), ``intel-fcc-lock``
(the Intel FCC_LOCK query), ``intel-set-fcc-lock`` (either Intel SET), ``foxap-auth``
(T99W696's 0x5571 on 0xE4), ``other``; and ``unlock``, which means whichever of those
is this personality's unlock request.

Vendor knobs apply to the personality that has the feature: ``old_firmware``,
``wrong_magic`` and ``fox_service`` to Foxconn (``wrong_magic`` to the T99W696 too),
``no_vendor_service`` and ``mbim_status`` to Quectel and Intel MBIM
(``no_vendor_service`` to the T99W696 too), ``wrong_key`` and ``lock_disabled`` to
Intel MBIM.

The SIM and the network (sim/subscriber.py, docs/protocol.md §2.7; every personality
has them). By default a SIM of the test network (MCC 001, MNC 01) is in and
initialized, PIN1 not asked for (3 attempts), and the modem registers Home once the
FCC unlock and RADIO_STATE ON have brought its radio up (before: Deregistered,
Detached, RSSI 99). ``no_sim``: no SIM; SUBSCRIBER_READY_STATUS says SimNotInserted,
PIN and HOME_PROVIDER fail with status SimNotInserted, and the modem never registers.
``pin_locked``: the SIM wants PIN1 (``subscriber.PIN``, "1234"): DeviceLocked, PIN
Locked with 3 attempts, HOME_PROVIDER fails PinRequired, no registration; a PIN SET
Enter with the right PIN unlocks it, a wrong one fails and costs an attempt, and
three wrong ones want PUK1 (``subscriber.PUK``, "12345678"). ``not_registered``: no
network in range; with the radio up REGISTER_STATE says Searching, without a
provider, and SIGNAL_STATE hears nothing (RSSI 99). ``no_sim`` and ``pin_locked``
exclude each other.

``serial`` makes the modem work one request at a time (MBIM lets a device announce
bMaxOutstandingCommandMessages = 1): each reply comes ``latency`` after the previous
request's reply or after its own request arrived, whichever is later. Off, requests
in flight together are worked on at once. The pty front-end applies both.

``strict_transfer_length`` (USB only: the gadget front-end, sim/gadget.py, which feeds
the model one control transfer at a time) answers a transfer whose length is not its
MessageLength, one the host's driver cut at wMaxCommand or one with bytes after the
message, with FUNCTION_ERROR LENGTH_MISMATCH and the transfer's transaction id, as a
modem that checks lengths would. Off, the modem is lenient: a cut message is what
arrived, lengths trimmed to it, and its CID handler parses what it can (a cut
SUBSCRIBE_LIST keeps the entries that arrived whole and is answered success); bytes
after a message are dropped (docs/protocol.md §7.4). True or False, nothing else.

``hostile`` (a seed) puts every reply through sim/hostile.py's random mutations, each
reply mutated with probability ``hostile_rate``; ``hostile_deadline`` (the host's
timeout) lets some replies be held until just around it.
"""

from __future__ import annotations

from fcc_unlock.mbim import catalog as mbim_catalog
from fcc_unlock.qmi import catalog as qmi_catalog

# The message kinds: the MBIM and QMI catalogues' (mbim/catalog.py, qmi/catalog.py),
# the control messages, and two of the simulator's own.
KINDS = (
    "open",
    "close",
    *mbim_catalog.KINDS,
    *qmi_catalog.KINDS,
    "other",  # anything no catalogue names
    "unlock",  # whichever kind is this personality's unlock request
)

FOX_SERVICE_CHOICES = (None, "auth", "all")


class Faults:
    """What the simulated modem does wrong. Each knob is independent."""

    def __init__(
        self,
        latency: float = 0.0,
        chunk_size: int = 0,
        max_control_transfer: int = 0,
        indications: bool = False,
        stale_replies: bool = False,
        never_answer: tuple[str, ...] = (),
        function_error: dict[str, int] | None = None,
        qmi_error: int = 0,
        hang_up_on: str | None = None,
        no_qmi_service: bool = False,
        garbage_before: tuple[str, ...] = (),
        garbage_instead: tuple[str, ...] = (),
        already_open: bool = False,
        hardware_switch_off: bool = False,
        mbim_status: int = 0,
        no_vendor_service: bool = False,
        old_firmware: bool = False,
        wrong_magic: bool = False,
        fox_service: str | None = None,
        wrong_key: bool = False,
        lock_disabled: bool = False,
        hostile: int | None = None,
        hostile_rate: float = 0.25,
        hostile_deadline: float | None = None,
        serial: bool = False,
        no_sim: bool = False,
        pin_locked: bool = False,
        not_registered: bool = False,
        strict_transfer_length: bool = False,
    ) -> None:
        self.latency = latency  # seconds before each reply
        self.serial = serial  # one request at a time: latency counts from the last reply (sim/pty.py)
        self.chunk_size = chunk_size  # write each reply in pieces of this size
        self.max_control_transfer = max_control_transfer  # fragment replies (0: host's)
        self.indications = indications  # an INDICATE_STATUS before every reply
        self.stale_replies = stale_replies  # a reply with a wrong TID before every reply
        self.never_answer = frozenset(never_answer)  # kinds that get no reply at all
        # kind -> FUNCTION_ERROR code, every time; but NOT_OPENED (5) is a lost session:
        # the modem forgets its OPEN when that kind first arrives, and works once re-opened.
        self.function_error = dict(function_error or {})
        self.qmi_error = qmi_error  # QMI error code answered to the unlock request
        self.hang_up_on = hang_up_on  # kind on whose arrival the modem is unplugged
        self.no_qmi_service = no_qmi_service  # no QMI-over-MBIM service at all
        self.garbage_before = frozenset(garbage_before)  # junk bytes, then the reply
        self.garbage_instead = frozenset(garbage_instead)  # junk bytes, no reply
        self.already_open = already_open  # first OPEN answered with CLOSE_DONE (EM7345)
        self.hardware_switch_off = hardware_switch_off  # rfkill: hardware radio switch off
        self.mbim_status = mbim_status  # MBIM status answered to a vendor MBIM unlock (Quectel SET)
        # The vendor service is absent: Quectel's or Intel's MBIM one, T99W696's QMI 0xE4.
        self.no_vendor_service = no_vendor_service
        self.old_firmware = old_firmware  # Foxconn firmware before v2: only v1 unlocks
        self.wrong_magic = wrong_magic  # Foxconn: expects a v2 magic made with another key
        self.fox_service = fox_service  # Foxconn messages moved to the FOX service (0xE3):
        # "auth": 0x5571 only (DMS answers it InvalidQmiCommand); "all": 0x555E as well
        self.wrong_key = wrong_key  # Intel MBIM: expects the response of another OEM's key
        self.lock_disabled = lock_disabled  # Intel MBIM: lock mode 0, the FCC lock not enabled
        self.hostile = hostile  # seed of the mutations every reply may get (sim/hostile.py)
        self.hostile_rate = hostile_rate  # how likely each reply is mutated
        self.hostile_deadline = hostile_deadline  # the host's timeout, for replies held until then
        self.no_sim = no_sim  # no SIM in the slot
        self.pin_locked = pin_locked  # the SIM wants PIN1 before it can be used
        self.not_registered = not_registered  # no network in range: Searching, never Home
        if no_sim and pin_locked:
            raise ValueError("no_sim and pin_locked exclude each other: a missing SIM asks for no PIN")
        # A USB transfer cut short or too long: FUNCTION_ERROR LENGTH_MISMATCH, not leniency.
        self.strict_transfer_length = strict_transfer_length
        if not isinstance(strict_transfer_length, bool):
            raise ValueError(f"strict_transfer_length is true or false, not {strict_transfer_length!r}")
        if fox_service not in FOX_SERVICE_CHOICES:
            raise ValueError(f"fox_service must be one of {FOX_SERVICE_CHOICES}, not {fox_service!r}")
        for kind in (
            *self.never_answer,
            *self.function_error,
            *self.garbage_before,
            *self.garbage_instead,
            *((hang_up_on,) if hang_up_on else ()),
        ):
            if kind not in KINDS:
                raise ValueError(f"unknown message kind {kind!r}; one of: {', '.join(KINDS)}")

    def __repr__(self) -> str:
        on = {k: v for k, v in vars(self).items() if v not in (0, 0.0, False, None, frozenset(), {})}
        if self.hostile is None:
            on.pop("hostile_rate", None)
        return f"Faults({on})"
