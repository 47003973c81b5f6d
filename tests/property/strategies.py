"""Hypothesis strategies for MBIM and QMI values, valid messages and hostile bytes.

Importing this module also loads the settings profile of the property tests (it is
not a conftest.py: a second ``conftest`` module would shadow tests/conftest.py for
``from conftest import ...``). No per-example deadline, because the machine is shared
and a slow example is not a failure; ``HYPOTHESIS_PROFILE=thorough`` runs ten times
as many examples for a deeper search, ``HYPOTHESIS_PROFILE=fuzz`` (the long fuzz run
over the decoders, README) about seventy times.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from fcc_unlock.mbim import basic_connect, cellular
from fcc_unlock.mbim import constants as mbim
from fcc_unlock.mbim.messages import (
    Close,
    CloseDone,
    Command,
    CommandDone,
    FunctionError,
    HostError,
    IndicateStatus,
    Open,
    OpenDone,
)
from fcc_unlock.qmi.constants import Kind, Service
from fcc_unlock.qmi.messages import QmiMessage

settings.register_profile(
    "fcc-unlock",
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", parent=settings.get_profile("fcc-unlock"), max_examples=1500)
settings.register_profile("fuzz", parent=settings.get_profile("fcc-unlock"), max_examples=10_000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fcc-unlock"))

u8 = st.integers(0, 0xFF)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)
uuids = st.one_of(
    st.sampled_from([mbim.BASIC_CONNECT, mbim.QMI, mbim.QUECTEL, mbim.PROXY_CONTROL]),
    st.binary(min_size=16, max_size=16),
)
buffers = st.binary(max_size=300)

# --- MBIM messages --------------------------------------------------------------------

opens = st.builds(Open, u32, u32)
closes = st.builds(Close, u32)
open_dones = st.builds(OpenDone, u32, u32)
close_dones = st.builds(CloseDone, u32, u32)
host_errors = st.builds(HostError, u32, u32)
function_errors = st.builds(FunctionError, u32, u32)
commands = st.builds(Command, u32, uuids, u32, u32, buffers)
command_dones = st.builds(CommandDone, u32, uuids, u32, u32, buffers)
indications = st.builds(IndicateStatus, u32, uuids, u32, buffers)

MESSAGE_STRATEGIES = {
    "Open": opens,
    "Close": closes,
    "OpenDone": open_dones,
    "CloseDone": close_dones,
    "HostError": host_errors,
    "FunctionError": function_errors,
    "Command": commands,
    "CommandDone": command_dones,
    "IndicateStatus": indications,
}
mbim_messages = st.one_of(*MESSAGE_STRATEGIES.values())
# What a modem sends: the function -> host types.
modem_messages = st.one_of(open_dones, close_dones, function_errors, command_dones, indications)
fragmentable = st.one_of(commands, command_dones, indications)

# --- QMI messages ---------------------------------------------------------------------

tlvs = st.lists(st.tuples(u8, st.binary(max_size=64)), max_size=8).map(tuple)
kinds = st.sampled_from(list(Kind))


@st.composite
def qmi_messages(draw: st.DrawFn) -> QmiMessage:
    service = draw(st.one_of(st.sampled_from(list(Service)), u8))
    tid = draw(u8 if service == Service.CTL else u16)
    return QmiMessage(service, draw(u8), tid, draw(u16), draw(kinds), draw(tlvs))


# --- Basic Connect payloads -------------------------------------------------------------

cid_lists = st.lists(u32, max_size=12).map(tuple)
device_service_lists = st.lists(
    st.builds(basic_connect.DeviceService, uuids, cid_lists, u32, u32), max_size=6
)
subscribe_entries = st.lists(st.tuples(uuids, cid_lists), max_size=6)
# UTF-16 strings survive the round trip unless they end in NUL (stripped defensively).
mbim_strings = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40).filter(
    lambda s: not s.endswith("\0")
)
device_caps = st.builds(
    basic_connect.DeviceCaps,
    *[u32] * 8,
    *[mbim_strings] * 4,
)

u64 = st.integers(0, 2**64 - 1)

# The SIM and network records (mbim/cellular.py), each field by its type.
CELLULAR_RECORDS = {
    cellular.SubscriberReadyStatus: st.builds(
        cellular.SubscriberReadyStatus,
        u32,
        mbim_strings,
        mbim_strings,
        u32,
        st.lists(mbim_strings, max_size=5).map(tuple),
    ),
    cellular.PinInfo: st.builds(cellular.PinInfo, u32, u32, u32),
    cellular.PinSet: st.builds(cellular.PinSet, u32, u32, mbim_strings, mbim_strings),
    cellular.Provider: st.builds(cellular.Provider, mbim_strings, u32, mbim_strings, u32, u32, u32),
    cellular.RegistrationState: st.builds(
        cellular.RegistrationState, u32, u32, u32, u32, u32, mbim_strings, mbim_strings, mbim_strings, u32
    ),
    cellular.RegisterStateSet: st.builds(cellular.RegisterStateSet, mbim_strings, u32, u32),
    cellular.PacketService: st.builds(cellular.PacketService, u32, u32, u32, u64, u64),
    cellular.PacketServiceSet: st.builds(cellular.PacketServiceSet, u32),
    cellular.SignalState: st.builds(cellular.SignalState, u32, u32, u32, u32, u32),
    cellular.SignalStateSet: st.builds(cellular.SignalStateSet, u32, u32, u32),
}

# Each record of mbim/cellular.py with the builder and parser the catalogue names.
CELLULAR_CODECS = {
    cellular.SubscriberReadyStatus: ("subscriber_ready_status", "parse_subscriber_ready_status"),
    cellular.PinInfo: ("pin_info", "parse_pin_info"),
    cellular.PinSet: ("pin_set", "parse_pin_set"),
    cellular.Provider: ("provider", "parse_provider"),
    cellular.RegistrationState: ("registration_state", "parse_registration_state"),
    cellular.RegisterStateSet: ("register_state_set", "parse_register_state_set"),
    cellular.PacketService: ("packet_service", "parse_packet_service"),
    cellular.PacketServiceSet: ("packet_service_set", "parse_packet_service_set"),
    cellular.SignalState: ("signal_state", "parse_signal_state"),
    cellular.SignalStateSet: ("signal_state_set", "parse_signal_state_set"),
}


# --- hostile bytes ----------------------------------------------------------------------


@st.composite
def mutated(draw: st.DrawFn, valid: st.SearchStrategy[bytes]) -> bytes:
    """Valid bytes, then cut, extended, or with a few bytes (often length fields) changed."""
    data = bytearray(draw(valid))
    for _ in range(draw(st.integers(0, 4))):
        action = draw(st.sampled_from(["flip", "set_u32", "truncate", "extend"]))
        if action == "truncate" and data:
            del data[draw(st.integers(0, len(data) - 1)) :]
        elif action == "extend":
            data += draw(st.binary(min_size=1, max_size=16))
        elif action == "flip" and data:
            data[draw(st.integers(0, len(data) - 1))] ^= draw(st.integers(1, 255))
        elif action == "set_u32" and len(data) >= 4:
            at = draw(st.integers(0, len(data) - 4))
            value = draw(st.one_of(st.sampled_from([0, 1, 0xFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF]), u32))
            data[at : at + 4] = value.to_bytes(4, "little")
    return bytes(data)


def hostile(valid: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
    """Random bytes, or valid ones mangled: what an untrusted modem could send."""
    return st.one_of(st.binary(max_size=200), mutated(valid))


# Bytes that can never contain (or, glued to the start of a message, form) a plausible
# MBIM header: every known message type has zero bytes in the middle of its u32.
non_plausible_garbage = st.binary(min_size=1, max_size=80).map(lambda b: b.replace(b"\0", b"\x5a"))
